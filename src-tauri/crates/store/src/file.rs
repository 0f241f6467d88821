//! The database file and its key: an HR directory on a laptop is encrypted at rest (SQLCipher,
//! AES-256 per page, the write-ahead log included), with a random 256-bit key the engine keeps in
//! the OS keyring. A plain file written by an earlier version is encrypted in place, crash-safe.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{params, Connection};

use crate::StoreError;

/// How the pages are encrypted, set on every connection to an encrypted file (SQLCipher does
/// not record them in the file: a connection with other settings reads it as "not a database").
/// SQLCipher 4's defaults but for the page MAC: HMAC-SHA256, which CPUs compute in hardware
/// (SHA extensions), instead of HMAC-SHA512. Measured on a 100,000-user ingest: encryption cost
/// +8% with SHA-256, +20% with SHA-512 (BENCHMARKS.md). AES-256-CBC, 4 KiB pages, a random IV
/// and a MAC per page either way.
const CIPHER_SETTINGS: &[(&str, &str)] = &[("cipher_hmac_algorithm", "HMAC_SHA256")];

/// Applies [`CIPHER_SETTINGS`] to database `schema` of `conn`, after its key and before any
/// read or write.
fn apply_cipher_settings(conn: &Connection, schema: &str) -> rusqlite::Result<()> {
    for (name, value) in CIPHER_SETTINGS {
        conn.execute_batch(&format!("PRAGMA {schema}.{name} = {value}"))?;
    }
    Ok(())
}

/// The 256-bit key of an encrypted database. Never printed, never written next to the data.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey([u8; 32]);

impl DatabaseKey {
    /// A new random key from the operating system's generator.
    pub fn random() -> Result<Self, StoreError> {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k)
            .map_err(|e| StoreError::Io(format!("no random numbers for a new key: {e}")))?;
        Ok(Self(k))
    }

    /// The key as 64 hexadecimal digits (how the keyring keeps it).
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads 64 hexadecimal digits; anything else is not a key.
    pub fn from_hex(text: &str) -> Option<Self> {
        let t = text.trim();
        if t.len() != 64 || !t.is_ascii() {
            return None;
        }
        let mut k = [0u8; 32];
        for (i, b) in k.iter_mut().enumerate() {
            *b = u8::from_str_radix(&t[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(k))
    }

    /// SQLCipher's raw-key form: no key derivation, the 32 bytes are the key.
    fn pragma_value(&self) -> String {
        format!("x'{}'", self.to_hex())
    }
}

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseKey(…)")
    }
}

impl Drop for DatabaseKey {
    fn drop(&mut self) {
        // Not left in freed memory.
        for b in &mut self.0 {
            // SAFETY: a plain write to our own bytes; volatile so it is not optimised away.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

/// What is at a database path before it is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// No file, or an empty one: a new database.
    New,
    /// A plain SQLite file (an earlier version's): to be encrypted.
    Plain,
    /// Not a plain SQLite file: an encrypted database (or not a database at all).
    Encrypted,
}

/// Every plain SQLite file starts with these 16 bytes; an encrypted one starts with random salt.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// How far an encryption in place has come, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct EncryptProgress {
    #[ts(type = "number")]
    pub written_bytes: u64,
    #[ts(type = "number")]
    pub total_bytes: u64,
}

/// The database file and how to open it: with a key (the app, the CLI, the sync's writer) or
/// plain (benchmarks comparing the two, tests of the upgrade).
#[derive(Debug, Clone)]
pub struct DatabaseFile {
    path: PathBuf,
    key: Option<Arc<DatabaseKey>>,
}

impl DatabaseFile {
    /// The encrypted database at `path`.
    pub fn encrypted(path: impl Into<PathBuf>, key: DatabaseKey) -> Self {
        Self {
            path: path.into(),
            key: Some(Arc::new(key)),
        }
    }

    /// A database without encryption (benchmarks and tests only).
    pub fn plain(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            key: None,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }

    /// What is at the path now.
    pub fn state(&self) -> Result<FileState, StoreError> {
        state_of(&self.path)
    }

    /// A connection with the key applied, checked to read the file: a key that does not open
    /// it is [`StoreError::WrongKey`], and nothing is created or changed.
    pub(crate) fn connect(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open(&self.path)?;
        // A key that does not open the file is answered here in words; SQLCipher's own log
        // lines on standard error would only repeat it.
        let _ = conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()));
        if let Some(key) = &self.key {
            conn.pragma_update(None, "key", key.pragma_value())?;
            apply_cipher_settings(&conn, "main")?;
        }
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        }) {
            Ok(_) => Ok(conn),
            Err(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::NotADatabase =>
            {
                Err(if self.key.is_some() {
                    StoreError::WrongKey
                } else {
                    StoreError::Encrypted
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Encrypts a plain database file in place with this file's key: exported into a new
    /// encrypted file beside it, checked table by table, then put in the plain file's place.
    /// A kill at any point leaves one readable database: the plain file until the final rename,
    /// the encrypted one after it (a half-written copy is removed at the next try).
    pub fn encrypt_in_place(
        &self,
        mut progress: impl FnMut(EncryptProgress) + Send + 'static,
    ) -> Result<(), StoreError> {
        let Some(key) = &self.key else {
            return Ok(());
        };
        let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", self.path.display()));
        let tmp = sibling(&self.path, ".encrypting");
        if tmp.exists() {
            std::fs::remove_file(&tmp).map_err(io)?;
        }
        crate::owner_only(&tmp)?;
        let mut plain = Connection::open(&self.path)?;
        plain.pragma_update(None, "busy_timeout", 5000)?;
        // Everything committed into the main file first; the export reads the main file.
        plain.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let page_size: i64 = plain.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let pages: i64 = plain.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let total = u64::try_from(page_size * pages).unwrap_or_default();
        let version: i64 = plain.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        plain.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            params![tmp.to_string_lossy(), key.pragma_value()],
        )?;
        apply_cipher_settings(&plain, "encrypted")?;
        {
            let watched = tmp.clone();
            let mut last = 0u64;
            plain.progress_handler(
                200_000,
                Some(move || {
                    let written = std::fs::metadata(&watched).map(|m| m.len()).unwrap_or(0);
                    if written != last {
                        last = written;
                        progress(EncryptProgress {
                            written_bytes: written.min(total),
                            total_bytes: total,
                        });
                    }
                    false
                }),
            )?;
            plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
            plain.progress_handler(0, None::<fn() -> bool>)?;
        }
        plain.execute_batch(&format!("PRAGMA encrypted.user_version = {version}"))?;
        plain.execute_batch("DETACH DATABASE encrypted")?;
        // Checked before the plain file goes: the same tables with the same number of rows.
        let copy = DatabaseFile {
            path: tmp.clone(),
            key: Some(key.clone()),
        }
        .connect()?;
        let tables: Vec<String> = plain
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for t in &tables {
            let q = format!("SELECT count(*) FROM \"{}\"", t.replace('"', "\"\""));
            let a: i64 = plain.query_row(&q, [], |r| r.get(0))?;
            let b: i64 = copy.query_row(&q, [], |r| r.get(0))?;
            if a != b {
                return Err(StoreError::Io(format!(
                    "the encrypted copy of the table {t} has {b} rows instead of {a}; the plain \
                     database is kept as it was"
                )));
            }
        }
        let ok: String = copy.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if ok != "ok" {
            return Err(StoreError::Io(format!(
                "the encrypted copy did not pass its check ({ok}); the plain database is kept"
            )));
        }
        drop(copy);
        // The plain file alone, without a write-ahead log, before it is replaced.
        plain.pragma_update(None, "journal_mode", "DELETE")?;
        drop(plain);
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)?;
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(sibling(&self.path, suffix));
        }
        Ok(())
    }
}

/// `path` with `suffix` added to its name (`x.sqlite3` -> `x.sqlite3-wal`).
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn state_of(path: &Path) -> Result<FileState, StoreError> {
    use std::io::Read;
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileState::New),
        Err(e) => return Err(StoreError::Io(format!("{}: {e}", path.display()))),
    };
    let mut head = [0u8; 16];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(StoreError::Io(format!("{}: {e}", path.display()))),
        }
    }
    Ok(match n {
        0 => FileState::New,
        16 if &head == PLAIN_HEADER => FileState::Plain,
        _ => FileState::Encrypted,
    })
}

/// The database at `path` with a fixed key, for this crate's tests.
#[cfg(test)]
pub(crate) fn keyed(path: &Path) -> DatabaseFile {
    DatabaseFile::encrypted(path, DatabaseKey([7; 32]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_reads_back_from_its_hex_and_never_prints() {
        let k = DatabaseKey::random().unwrap();
        assert_eq!(DatabaseKey::from_hex(&k.to_hex()), Some(k.clone()));
        assert_ne!(k, DatabaseKey::random().unwrap());
        assert_eq!(format!("{k:?}"), "DatabaseKey(…)");
        assert!(DatabaseKey::from_hex("abc").is_none());
        assert!(DatabaseKey::from_hex(&"zz".repeat(32)).is_none());
    }

    use crate::{Database, NewProvider, SnapshotWriter};
    use serde_json::json;

    /// Every file in `dir` (the database, its write-ahead log, anything beside it) as bytes.
    fn bytes_of(dir: &Path) -> Vec<u8> {
        let mut all = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            all.extend(std::fs::read(e.unwrap().path()).unwrap_or_default());
        }
        all
    }

    fn contains(hay: &[u8], needle: &str) -> bool {
        hay.windows(needle.len()).any(|w| w == needle.as_bytes())
    }

    /// A plain database as an earlier version left it: a provider and one person.
    fn plain_database(path: &Path) {
        let file = DatabaseFile::plain(path);
        let db = Database::open(&file).unwrap();
        let p = db
            .insert_provider(&NewProvider::without_auth("P", "http://127.0.0.1:1/v2"))
            .unwrap();
        let mut w = SnapshotWriter::begin(&file, p.id, "full").unwrap();
        w.add_users(&[json!({"id": "z1", "userName": "zebulon.quartermain",
            "name": {"givenName": "Zebulon", "familyName": "Quartermain"},
            "emails": [{"value": "zebulon.quartermain@example.org"}]})])
            .unwrap();
        w.finish(true, &json!({})).unwrap();
    }

    #[test]
    fn a_plain_database_is_encrypted_in_place_and_keeps_every_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.sqlite3");
        plain_database(&path);
        assert_eq!(state_of(&path).unwrap(), FileState::Plain);
        assert!(
            contains(&bytes_of(dir.path()), "Quartermain"),
            "the test's premise"
        );

        let file = keyed(&path);
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let db = Database::open_reporting(&file, move |p| s2.lock().unwrap().push(p)).unwrap();
        assert_eq!(state_of(&path).unwrap(), FileState::Encrypted);
        let snap = db.latest_snapshot(1).unwrap().unwrap();
        assert_eq!(snap.users, 1);
        let found = db
            .resources(&crate::ResourceQuery {
                snapshot_id: snap.id,
                search: Some("quarterm"),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(found.1, 1, "the search index came along");
        drop(db);
        let raw = bytes_of(dir.path());
        for secret in ["Quartermain", "zebulon", "example.org", "SQLite format 3"] {
            assert!(
                !contains(&raw, secret),
                "{secret:?} is readable in the data folder"
            );
        }
        assert!(
            !contains(&raw, &file.key.as_ref().unwrap().to_hex()),
            "the key is on disk"
        );
        assert!(!sibling(&path, ".encrypting").exists());
        for p in seen.lock().unwrap().iter() {
            assert!(p.written_bytes <= p.total_bytes);
        }
    }

    /// Opens `path` with `key` and only the `settings` given; true when it reads.
    fn opens_with(path: &Path, key: &DatabaseKey, settings: &[(&str, &str)]) -> bool {
        let conn = Connection::open(path).unwrap();
        let _ = conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()));
        conn.pragma_update(None, "key", key.pragma_value()).unwrap();
        for (name, value) in settings {
            conn.pragma_update(None, name, value).unwrap();
        }
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .is_ok()
    }

    #[test]
    fn new_and_converted_files_use_the_cipher_settings() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("fresh.sqlite3");
        let converted = dir.path().join("converted.sqlite3");
        drop(Database::open(&keyed(&fresh)).unwrap());
        plain_database(&converted);
        drop(Database::open(&keyed(&converted)).unwrap());
        for path in [&fresh, &converted] {
            let key = keyed(path).key.unwrap();
            assert!(opens_with(path, &key, CIPHER_SETTINGS), "{path:?}");
            assert!(
                !opens_with(path, &key, &[]),
                "{path:?} opens with SQLCipher's defaults (HMAC-SHA512): the settings were not \
                 applied"
            );
        }
    }

    #[test]
    fn a_key_that_does_not_open_the_file_is_refused_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.sqlite3");
        drop(Database::open(&keyed(&path)).unwrap());
        let before = std::fs::read(&path).unwrap();
        let other = DatabaseFile::encrypted(&path, DatabaseKey([8; 32]));
        assert!(matches!(Database::open(&other), Err(StoreError::WrongKey)));
        assert!(matches!(
            Database::open(&DatabaseFile::plain(&path)),
            Err(StoreError::Encrypted)
        ));
        assert_eq!(std::fs::read(&path).unwrap(), before);
        Database::open(&keyed(&path)).expect("the right key still opens it");
    }

    #[test]
    fn an_encryption_cut_short_leaves_the_plain_database_and_is_done_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.sqlite3");
        plain_database(&path);
        // What a kill during the export leaves: a half-written copy beside the plain file.
        std::fs::write(sibling(&path, ".encrypting"), b"half a copy").unwrap();
        let plain = Database::open(&DatabaseFile::plain(&path)).unwrap();
        assert_eq!(plain.latest_snapshot(1).unwrap().unwrap().users, 1);
        drop(plain);
        let db = Database::open(&keyed(&path)).unwrap();
        assert_eq!(db.latest_snapshot(1).unwrap().unwrap().users, 1);
        assert!(!sibling(&path, ".encrypting").exists());
    }
}
