//! SCIM Desk's local database.
//!
//! One SQLite file in the app data folder holds the provider registry and (in later migrations)
//! the cached directory snapshots, the audit log and migration journals. Everything here is plain
//! rusqlite: the schema is owned by embedded, timestamp-named migrations ([`migrate`]).

pub mod audit;
pub mod cache;
mod file;
pub mod journal;
mod kind;
pub mod links;
mod migrate;
pub mod people;
pub mod person_runs;
mod providers;
pub mod query;
mod stats;
mod wipe;

pub use audit::{os_user, redact_secrets, AuditEntry, AuditQuery, NewAudit, NOT_RECORDED};
pub use cache::{
    extract, Column, Extracted, MemberRow, PreparedRow, ResourceQuery, ResourceRow, SnapshotChange,
    SnapshotInfo, SnapshotWriter,
};
pub use file::{DatabaseFile, DatabaseKey, EncryptProgress, FileState};
pub use kind::Kind;
pub use migrate::{applied_migrations, MIGRATIONS};
pub use providers::{NewProvider, ProviderRow, ProviderSettings, RememberedProbes, UnkeptRow};
pub use stats::UserStats;
pub use wipe::WipeCounts;

use std::path::Path;

use rusqlite::Connection;

/// Errors of the local database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the local database could not be opened or read: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "this database was written by a newer version of SCIM Desk (it contains the change \
         {migration:?}, unknown to this version); update SCIM Desk to open it"
    )]
    NewerVersion { migration: String },
    #[error("a provider named {0:?} already exists")]
    DuplicateProvider(String),
    #[error("no provider named {0:?}")]
    ProviderNotFound(String),
    #[error("this filter names attributes the cache has no column for")]
    FilterNotTranslatable,
    #[error("the database file could not be made private: {0}")]
    Io(String),
    #[error("the database file is encrypted with another key than the one given")]
    WrongKey,
    #[error("the database file is encrypted and no key was given")]
    Encrypted,
}

/// An open database with its migrations applied.
#[derive(Debug)]
pub struct Database {
    conn: Connection,
    /// Counts the changes made through this connection to what people are linked from (an
    /// edit written into a copy, a decision about two accounts): an index built at one count is
    /// stale at another.
    generation: std::sync::atomic::AtomicU64,
    /// The in-memory column indexes of the copies the list views read lately.
    indexes: cache::column_index::Indexes,
}

impl Database {
    /// Opens (creating if needed) the database file at `path` and migrates it.
    ///
    /// The file (and its write-ahead log and shared-memory index, which SQLite creates with the
    /// database file's permissions) is readable and writable by its owner only: it holds a
    /// directory of people. A file left readable by others by an earlier version is tightened.
    pub fn open(file: &DatabaseFile) -> Result<Self, StoreError> {
        Self::open_reporting(file, |_| {})
    }

    /// [`Database::open`], reporting the progress of encrypting a plain file from an earlier
    /// version (done once, before anything else).
    pub fn open_reporting(
        file: &DatabaseFile,
        progress: impl FnMut(EncryptProgress) + Send + 'static,
    ) -> Result<Self, StoreError> {
        if file.is_encrypted() && file.state()? == FileState::Plain {
            file.encrypt_in_place(progress)?;
        }
        owner_only(file.path())?;
        let conn = file.connect()?;
        Self::init(conn, true)
    }

    /// An in-memory database with the full schema, for tests.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory()?;
        Self::init(conn, false)
    }

    fn init(mut conn: Connection, file: bool) -> Result<Self, StoreError> {
        apply_pragmas(&conn, file)?;
        query::register_functions(&conn)?;
        migrate::run(&mut conn)?;
        let db = Self {
            conn,
            generation: std::sync::atomic::AtomicU64::new(0),
            indexes: Default::default(),
        };
        // Earlier versions recorded passwords in the audit log: replaced once, on the first
        // open by a version that knows better.
        const SCRUBBED: &str = "audit_secrets_scrubbed";
        if db.setting(SCRUBBED)?.is_none() {
            db.scrub_audit_secrets()?;
            db.set_setting(SCRUBBED, &now_rfc3339())?;
        }
        Ok(db)
    }

    /// Copies committed pages from the write-ahead log into the database file without waiting
    /// for readers (a sync's writer leaves this to be done after it publishes).
    /// Pages the write-ahead log may grow by before SQLite copies it into the database file
    /// (SQLite's default is 1,000). Long runs of small commits raise it, then checkpoint.
    pub fn set_autocheckpoint(&self, pages: u32) -> Result<(), StoreError> {
        self.conn.pragma_update(None, "wal_autocheckpoint", pages)?;
        Ok(())
    }

    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// See [`Database::generation`]'s field: changes through this connection so far.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub(crate) fn bump_generation(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// A setting of the app, when set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Sets a setting of the app.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// The underlying connection, for crates that own their own tables.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// Every pragma the app relies on, set in this one place.
fn apply_pragmas(conn: &Connection, file: bool) -> Result<(), StoreError> {
    if file {
        // WAL lets the window read the cache while a sync writes a new snapshot.
        conn.pragma_update(None, "journal_mode", "WAL")?;
    }
    // NORMAL is durable at every checkpoint under WAL and much faster than FULL for bulk ingest;
    // a power cut can lose at most the last transactions, never corrupt the file.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // The GUI and the CLI may open the same file: wait for a writer instead of failing at once.
    conn.pragma_update(None, "busy_timeout", 5000)?;
    // Snapshot rows reference their snapshot; keep those references honest.
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Temporary sort and index data stays in memory: faster searches over large caches.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    if file {
        // Up to 64 MiB of pages stay in memory (SQLite's default is 2 MiB): an encrypted page
        // read again from the cache is not decrypted again, and searches over a large copy
        // re-read the same pages.
        conn.pragma_update(None, "cache_size", -65536)?;
    }
    // Room for the statements a migration run repeats for every operation.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// The current time as an RFC 3339 UTC string, as stored in the database.
pub fn now_rfc3339() -> String {
    format_rfc3339(time::OffsetDateTime::now_utc())
}

/// Formats a time as the RFC 3339 UTC string the database stores (second precision).
pub fn format_rfc3339(t: time::OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Creates the database file with owner-only permissions when missing (0600 on Unix), and
/// tightens an existing one and its `-wal`/`-shm` companions.
pub(crate) fn owner_only(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", path.display()));
        if !path.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(path)
                .map_err(io)?;
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let p = std::path::PathBuf::from(name);
            if let Ok(meta) = std::fs::metadata(&p) {
                if meta.permissions().mode() & 0o077 != 0 {
                    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
                        .map_err(io)?;
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates_in_utc() {
        let t = time::macros::datetime!(2026-11-28 15:04:05.123 +01:00);
        assert_eq!(format_rfc3339(t), "2026-11-28T14:04:05Z");
    }
}
