//! Writing a snapshot: one transaction per sync, rows and memberships, the full-text index;
//! rolled back unless finished.

use rusqlite::{params, Connection};
use serde_json::Value;

use super::columns::{extract, get_ci, s, Extracted};
use super::snapshots::SnapshotInfo;
use crate::{Database, DatabaseFile, Kind, StoreError};

/// One INSERT of a resource row and of its record (the row's rowid is its record's).
pub(crate) fn insert_row(
    conn: &Connection,
    snapshot_id: i64,
    kind: Kind,
    e: &Extracted,
    raw: &[u8],
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO resources (snapshot_id, kind, id, external_id, user_name,
            display_name, given_name, family_name, email, department, title, active,
            manager_id, last_modified, version, emails, phone, phone_digits,
            employee_number, cost_center, locality)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21)",
    )?
    .execute(params![
        snapshot_id,
        kind,
        e.id,
        e.external_id,
        e.user_name,
        e.display_name,
        e.given_name,
        e.family_name,
        e.email,
        e.department,
        e.title,
        e.active,
        e.manager_id,
        e.last_modified,
        e.version,
        e.emails,
        e.phone,
        e.phone_digits,
        e.employee_number,
        e.cost_center,
        e.locality
    ])?;
    conn.prepare_cached("INSERT OR REPLACE INTO resource_records (rowid, raw) VALUES (?1, ?2)")?
        .execute(params![conn.last_insert_rowid(), raw])?;
    Ok(())
}

/// A resource ready to be written: its columns and its packed record. Preparing needs no
/// database, so a sync prepares the next page on another thread while this one is written.
#[derive(Debug)]
pub struct PreparedRow {
    extracted: Extracted,
    raw: Vec<u8>,
}

impl PreparedRow {
    /// Extracts the columns of `v` and packs the record as the cache keeps it.
    pub fn of(v: &Value) -> Result<Self, StoreError> {
        Ok(PreparedRow {
            extracted: extract(v),
            // The same compact JSON as `to_string`, without going through `fmt` (0.44 -> 0.19 s
            // for 100,000 users).
            raw: super::packed::pack(
                &serde_json::to_vec(v).map_err(|e| StoreError::Io(format!("a record: {e}")))?,
            )
            .map_err(|e| StoreError::Io(format!("compressing a record: {e}")))?,
        })
    }
}

/// Inserts or replaces one resource; true when it replaced an existing one.
pub(crate) fn insert_resource(
    conn: &Connection,
    snapshot_id: i64,
    kind: Kind,
    v: &Value,
) -> Result<bool, StoreError> {
    insert_prepared(conn, snapshot_id, kind, &PreparedRow::of(v)?)
}

/// Inserts or replaces one prepared resource; true when it replaced an existing one.
fn insert_prepared(
    conn: &Connection,
    snapshot_id: i64,
    kind: Kind,
    row: &PreparedRow,
) -> Result<bool, StoreError> {
    let (e, raw) = (&row.extracted, &row.raw);
    // Most rows are new: insert at once. A repeated id (a page served twice, an edit written
    // back) is deleted first and inserted again, not INSERT OR REPLACE, so the delete trigger
    // keeps the search index right.
    let existed = match insert_row(conn, snapshot_id, kind, e, raw) {
        Ok(()) => false,
        Err(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            conn.prepare_cached(
                "DELETE FROM resources WHERE snapshot_id = ?1 AND kind = ?2 AND id = ?3",
            )?
            .execute(params![snapshot_id, kind, e.id])?;
            insert_row(conn, snapshot_id, kind, e, raw)?;
            true
        }
        Err(other) => return Err(other.into()),
    };
    // The row's, not its record's: both have the same.
    let rowid = conn.last_insert_rowid();
    let mut fts = conn.prepare_cached(
        "INSERT INTO resources_fts (rowid, user_name, display_name, given_name, family_name,
                                    email, department, employee_number, cost_center)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    fts.execute(params![
        rowid,
        e.user_name,
        e.display_name,
        e.given_name,
        e.family_name,
        e.email,
        e.department,
        e.employee_number,
        e.cost_center
    ])?;
    Ok(existed)
}

/// Replaces a group's memberships with its `members` list, when it carries one.
/// Returns (removed, added).
pub(crate) fn replace_memberships(
    conn: &Connection,
    snapshot_id: i64,
    group: &Value,
) -> Result<(i64, i64), StoreError> {
    let gid = s(get_ci(group, "id")).unwrap_or_default();
    let Some(members) = get_ci(group, "members").and_then(Value::as_array) else {
        return Ok((0, 0));
    };
    let removed = conn
        .prepare_cached("DELETE FROM memberships WHERE snapshot_id = ?1 AND group_id = ?2")?
        .execute(params![snapshot_id, gid])? as i64;
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO memberships (snapshot_id, group_id, member_id, member_type)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut added = 0;
    for m in members {
        if let Some(mid) = s(get_ci(m, "value")) {
            let kind = s(get_ci(m, "type"));
            added += stmt.execute(params![snapshot_id, gid, mid, kind])? as i64;
        }
    }
    Ok((removed, added))
}

/// Writes one snapshot on its own connection, inside one transaction. Nothing is visible to
/// readers until [`SnapshotWriter::finish`] commits; dropping the writer (an error, a cancel,
/// a killed process) rolls everything back and the previous snapshot stays the latest.
pub struct SnapshotWriter {
    conn: Connection,
    snapshot_id: i64,
    started_at: String,
    users: i64,
    groups: i64,
    memberships: i64,
    done: bool,
    /// The newest lastModified read from the provider (see [`SnapshotWriter::set_read_mark`]).
    read_mark: Option<String>,
}

impl SnapshotWriter {
    /// Starts a snapshot of `provider_id` in the database `file`.
    pub fn begin(file: &DatabaseFile, provider_id: i64, kind: &str) -> Result<Self, StoreError> {
        // Opening through Database applies the key and the pragmas and checks the schema.
        let conn = Database::open(file)?.into_connection();
        // A large page cache for the bulk insert: the indexes' pages stay in memory instead of
        // being read back from the OS for every row (32 MiB, freed when the writer closes).
        conn.pragma_update(None, "cache_size", -32768)?;
        // No checkpoint inside the sync's commit: copying the new pages into the database file
        // is left to `Database::checkpoint`, run after the snapshot is published.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let started_at = crate::now_rfc3339();
        conn.execute(
            "INSERT INTO snapshots (provider_id, kind, started_at, finished_at, users, groups,
                                    memberships, complete)
             VALUES (?1, ?2, ?3, ?3, 0, 0, 0, 0)",
            params![provider_id, kind, started_at],
        )?;
        let snapshot_id = conn.last_insert_rowid();
        Ok(Self {
            conn,
            snapshot_id,
            started_at,
            users: 0,
            groups: 0,
            memberships: 0,
            done: false,
            read_mark: None,
        })
    }

    /// Starts an incremental snapshot: a copy of snapshot `base` that changes are applied to.
    pub fn begin_from(
        file: &DatabaseFile,
        provider_id: i64,
        base: i64,
    ) -> Result<Self, StoreError> {
        let mut w = Self::begin(file, provider_id, "incremental")?;
        let id = w.snapshot_id;
        // The copy's rows come after every row there is, in the base's order: the first copy
        // is the base's first row plus `shift`, and so on, so each record follows its row.
        let (first, last): (Option<i64>, i64) = w.conn.query_row(
            "SELECT (SELECT min(rowid) FROM resources WHERE snapshot_id = ?1),
                    max((SELECT ifnull(max(rowid), 0) FROM resources),
                        (SELECT ifnull(max(rowid), 0) FROM resource_records))",
            [base],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let shift = last + 1 - first.unwrap_or(last + 1);
        w.conn.execute(
            "INSERT INTO resources (rowid, snapshot_id, kind, id, external_id, user_name,
                display_name, given_name, family_name, email, department, title, active,
                manager_id, last_modified, version, emails, phone, phone_digits,
                employee_number, cost_center, locality)
             SELECT rowid + ?3, ?1, kind, id, external_id, user_name, display_name, given_name,
                family_name, email, department, title, active, manager_id, last_modified,
                version, emails, phone, phone_digits, employee_number, cost_center, locality
             FROM resources WHERE snapshot_id = ?2 ORDER BY rowid",
            params![id, base, shift],
        )?;
        w.conn.execute(
            "INSERT INTO resource_records (rowid, raw)
             SELECT d.rowid + ?2, d.raw FROM resources r
               JOIN resource_records d ON d.rowid = r.rowid
              WHERE r.snapshot_id = ?1 ORDER BY r.rowid",
            params![base, shift],
        )?;
        w.conn.execute(
            "INSERT INTO resources_fts (rowid, user_name, display_name, given_name, family_name,
                                        email, department, employee_number, cost_center)
             SELECT rowid, user_name, display_name, given_name, family_name, email, department,
                    employee_number, cost_center
             FROM resources WHERE snapshot_id = ?1",
            [id],
        )?;
        w.conn.execute(
            "INSERT INTO memberships (snapshot_id, group_id, member_id, member_type)
             SELECT ?1, group_id, member_id, member_type FROM memberships WHERE snapshot_id = ?2",
            params![id, base],
        )?;
        let count = |kind: Kind| -> Result<i64, StoreError> {
            Ok(w.conn.query_row(
                "SELECT count(*) FROM resources WHERE snapshot_id = ?1 AND kind = ?2",
                params![id, kind],
                |r| r.get(0),
            )?)
        };
        let (users, groups) = (count(Kind::User)?, count(Kind::Group)?);
        let memberships: i64 = w.conn.query_row(
            "SELECT count(*) FROM memberships WHERE snapshot_id = ?1",
            [id],
            |r| r.get(0),
        )?;
        w.users = users;
        w.groups = groups;
        w.memberships = memberships;
        Ok(w)
    }

    /// Removes the resources of `kind` whose ids are not in `keep` (deletions found by an id
    /// listing), with their memberships. Returns how many were removed.
    pub fn retain_ids(
        &mut self,
        kind: Kind,
        keep: &std::collections::HashSet<String>,
    ) -> Result<usize, StoreError> {
        let ids: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id FROM resources WHERE snapshot_id = ?1 AND kind = ?2")?;
            let rows = stmt
                .query_map(params![self.snapshot_id, kind], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            rows
        };
        let mut removed = 0;
        for id in ids.into_iter().filter(|id| !keep.contains(id)) {
            self.conn.execute(
                "DELETE FROM resources WHERE snapshot_id = ?1 AND kind = ?2 AND id = ?3",
                params![self.snapshot_id, kind, id],
            )?;
            let column = kind.membership_column();
            let m = self.conn.execute(
                &format!("DELETE FROM memberships WHERE snapshot_id = ?1 AND {column} = ?2"),
                params![self.snapshot_id, id],
            )?;
            self.memberships -= m as i64;
            removed += 1;
        }
        match kind {
            Kind::Group => self.groups -= removed as i64,
            Kind::User => self.users -= removed as i64,
        }
        Ok(removed)
    }

    /// The id the snapshot will have once committed.
    pub fn snapshot_id(&self) -> i64 {
        self.snapshot_id
    }

    /// Inserts or replaces one resource; true when it replaced an existing one.
    fn insert(&mut self, kind: Kind, v: &Value) -> Result<bool, StoreError> {
        insert_resource(&self.conn, self.snapshot_id, kind, v)
    }

    /// Adds (or replaces) users prepared by [`PreparedRow::of`].
    pub fn add_prepared_users(&mut self, users: &[PreparedRow]) -> Result<(), StoreError> {
        for u in users {
            if !insert_prepared(&self.conn, self.snapshot_id, Kind::User, u)? {
                self.users += 1;
            }
        }
        Ok(())
    }

    /// Adds (or replaces) users as received.
    pub fn add_users(&mut self, users: &[Value]) -> Result<(), StoreError> {
        for u in users {
            if !self.insert(Kind::User, u)? {
                self.users += 1;
            }
        }
        Ok(())
    }

    /// Adds (or replaces) groups as received, with the memberships their `members` list.
    /// A replaced group's memberships are replaced too when the group carries `members`.
    pub fn add_groups(&mut self, groups: &[Value]) -> Result<(), StoreError> {
        for g in groups {
            if !self.insert(Kind::Group, g)? {
                self.groups += 1;
            }
            let (removed, added) = replace_memberships(&self.conn, self.snapshot_id, g)?;
            self.memberships += added - removed;
        }
        Ok(())
    }

    /// Adds one membership (for providers that hide members and are read per user).
    pub fn add_membership(
        &mut self,
        group_id: &str,
        member_id: &str,
        member_type: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT OR IGNORE INTO memberships (snapshot_id, group_id, member_id, member_type)
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        self.memberships +=
            stmt.execute(params![self.snapshot_id, group_id, member_id, member_type])? as i64;
        Ok(())
    }

    /// Commits the snapshot. `complete` says every read reached what the provider announced.
    pub fn finish(self, complete: bool, discovery: &Value) -> Result<SnapshotInfo, StoreError> {
        self.finish_with_reads(complete, discovery, &Value::Array(Vec::new()))
    }

    /// Commits the snapshot with the record of how each of its reads ended.
    /// Notes the newest `meta.lastModified` this sync read from the provider, as it was sent:
    /// the next incremental sync reads what changed since.
    pub fn set_read_mark(&mut self, mark: Option<String>) {
        self.read_mark = mark;
    }

    pub fn finish_with_reads(
        mut self,
        complete: bool,
        discovery: &Value,
        reads: &Value,
    ) -> Result<SnapshotInfo, StoreError> {
        let finished_at = crate::now_rfc3339();
        self.conn.execute(
            "UPDATE snapshots SET finished_at = ?2, users = ?3, groups = ?4, memberships = ?5,
                    complete = ?6, discovery = ?7, reads = ?8, read_mark = ?9 WHERE id = ?1",
            params![
                self.snapshot_id,
                finished_at,
                self.users,
                self.groups,
                self.memberships,
                complete,
                discovery.to_string(),
                reads.to_string(),
                self.read_mark
            ],
        )?;
        let provider_id: i64 = self.conn.query_row(
            "SELECT provider_id FROM snapshots WHERE id = ?1",
            [self.snapshot_id],
            |r| r.get(0),
        )?;
        self.conn.execute(
            "UPDATE providers SET last_sync_at = ?2 WHERE id = ?1",
            params![provider_id, finished_at],
        )?;
        self.conn.execute_batch("COMMIT")?;
        self.done = true;
        Ok(SnapshotInfo {
            id: self.snapshot_id,
            provider_id,
            kind: String::new(),
            started_at: self.started_at.clone(),
            finished_at,
            users: self.users,
            groups: self.groups,
            memberships: self.memberships,
            complete,
            reads: reads.clone(),
        })
    }
}

impl Drop for SnapshotWriter {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}
