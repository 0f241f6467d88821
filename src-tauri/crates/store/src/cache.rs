//! The cached directory: snapshots written in one transaction each, and the offline reads over
//! them (lists, full-text search, diffs, history).

use std::path::Path;

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use crate::{Database, StoreError};

/// A committed snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotInfo {
    pub id: i64,
    pub provider_id: i64,
    pub kind: String,
    pub started_at: String,
    pub finished_at: String,
    pub users: i64,
    pub groups: i64,
    pub memberships: i64,
    /// True only when every read reached what the provider announced.
    pub complete: bool,
    /// How each read ended (a JSON list written by the engine's sync; `[]` when not recorded).
    pub reads: Value,
}

/// The columns extracted from a resource for sorting, filtering and search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    pub id: String,
    pub external_id: Option<String>,
    pub user_name: Option<String>,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    /// Every email value, newline-separated (for "any email" filters).
    pub emails: Option<String>,
    pub department: Option<String>,
    pub title: Option<String>,
    pub active: Option<bool>,
    pub manager_id: Option<String>,
    pub last_modified: Option<String>,
    pub version: Option<String>,
    /// The primary (or first) phone number, as written.
    pub phone: Option<String>,
    /// Every phone number as digits only, newline-separated (for the quick search).
    pub phone_digits: Option<String>,
    pub employee_number: Option<String>,
    pub cost_center: Option<String>,
    /// The city of the primary (or first) address.
    pub locality: Option<String>,
}

/// The primary entry of a multi-valued attribute, or its first.
fn primary(list: &[Value]) -> Option<&Value> {
    list.iter()
        .find(|e| get_ci(e, "primary").is_some_and(|p| p == true || p == "True" || p == "true"))
        .or_else(|| list.first())
}

/// A phone number's digits, for matching however it was written.
pub fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn get_ci<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let m = v.as_object()?;
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn s(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Extracts the common columns from a resource as received.
pub fn extract(v: &Value) -> Extracted {
    let name = get_ci(v, "name");
    let emails = get_ci(v, "emails").and_then(Value::as_array);
    let email = emails.and_then(|list| primary(list).and_then(|e| s(get_ci(e, "value"))));
    let phones = get_ci(v, "phoneNumbers").and_then(Value::as_array);
    let addresses = get_ci(v, "addresses").and_then(Value::as_array);
    let ent = get_ci(v, ENTERPRISE);
    let meta = get_ci(v, "meta");
    Extracted {
        id: s(get_ci(v, "id")).unwrap_or_default(),
        external_id: s(get_ci(v, "externalId")),
        user_name: s(get_ci(v, "userName")),
        display_name: s(get_ci(v, "displayName")),
        given_name: name.and_then(|n| s(get_ci(n, "givenName"))),
        family_name: name.and_then(|n| s(get_ci(n, "familyName"))),
        email,
        emails: emails.map(|list| {
            list.iter()
                .filter_map(|e| s(get_ci(e, "value")))
                .collect::<Vec<_>>()
                .join("\n")
        }),
        department: ent.and_then(|e| s(get_ci(e, "department"))),
        title: s(get_ci(v, "title")),
        active: match get_ci(v, "active") {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(x)) => Some(!x.eq_ignore_ascii_case("false")),
            _ => None,
        },
        manager_id: ent
            .and_then(|e| get_ci(e, "manager"))
            .and_then(|m| s(get_ci(m, "value"))),
        last_modified: meta.and_then(|m| s(get_ci(m, "lastModified"))),
        version: meta.and_then(|m| s(get_ci(m, "version"))),
        phone: phones.and_then(|list| primary(list).and_then(|p| s(get_ci(p, "value")))),
        phone_digits: phones.map(|list| {
            list.iter()
                .filter_map(|p| s(get_ci(p, "value")))
                .map(|p| digits(&p))
                .collect::<Vec<_>>()
                .join("\n")
        }),
        employee_number: ent.and_then(|e| s(get_ci(e, "employeeNumber"))),
        cost_center: ent.and_then(|e| s(get_ci(e, "costCenter"))),
        locality: addresses.and_then(|list| {
            list.iter()
                .filter(|a| get_ci(a, "locality").is_some())
                .find(|a| get_ci(a, "primary").is_some_and(|p| p == true))
                .or_else(|| list.iter().find(|a| get_ci(a, "locality").is_some()))
                .and_then(|a| s(get_ci(a, "locality")))
        }),
    }
}

/// One INSERT of a resource row.
fn insert_row(
    conn: &Connection,
    snapshot_id: i64,
    kind: &str,
    e: &Extracted,
    raw: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO resources (snapshot_id, kind, id, external_id, user_name,
            display_name, given_name, family_name, email, department, title, active,
            manager_id, last_modified, version, raw, emails, phone, phone_digits,
            employee_number, cost_center, locality)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22)",
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
        raw,
        e.emails,
        e.phone,
        e.phone_digits,
        e.employee_number,
        e.cost_center,
        e.locality
    ])?;
    Ok(())
}

/// Inserts or replaces one resource; true when it replaced an existing one.
fn insert_resource(
    conn: &Connection,
    snapshot_id: i64,
    kind: &str,
    v: &Value,
) -> Result<bool, StoreError> {
    let e = extract(v);
    let raw = v.to_string();
    // Most rows are new: insert at once. A repeated id (a page served twice, an edit written
    // back) is deleted first and inserted again, not INSERT OR REPLACE, so the delete trigger
    // keeps the search index right.
    let existed = match insert_row(conn, snapshot_id, kind, &e, &raw) {
        Ok(()) => false,
        Err(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            conn.prepare_cached(
                "DELETE FROM resources WHERE snapshot_id = ?1 AND kind = ?2 AND id = ?3",
            )?
            .execute(params![snapshot_id, kind, e.id])?;
            insert_row(conn, snapshot_id, kind, &e, &raw)?;
            true
        }
        Err(other) => return Err(other.into()),
    };
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
fn replace_memberships(
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
}

impl SnapshotWriter {
    /// Starts a snapshot of `provider_id` in the database file at `path`.
    pub fn begin(path: &Path, provider_id: i64, kind: &str) -> Result<Self, StoreError> {
        // Opening through Database applies the pragmas and checks the schema version.
        let conn = Database::open(path)?.into_connection();
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
        })
    }

    /// Starts an incremental snapshot: a copy of snapshot `base` that changes are applied to.
    pub fn begin_from(path: &Path, provider_id: i64, base: i64) -> Result<Self, StoreError> {
        let mut w = Self::begin(path, provider_id, "incremental")?;
        let id = w.snapshot_id;
        w.conn.execute(
            "INSERT INTO resources (snapshot_id, kind, id, external_id, user_name, display_name,
                given_name, family_name, email, department, title, active, manager_id,
                last_modified, version, raw, emails, phone, phone_digits, employee_number,
                cost_center, locality)
             SELECT ?1, kind, id, external_id, user_name, display_name, given_name, family_name,
                email, department, title, active, manager_id, last_modified, version, raw, emails,
                phone, phone_digits, employee_number, cost_center, locality
             FROM resources WHERE snapshot_id = ?2 ORDER BY rowid",
            params![id, base],
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
        let count = |kind: &str| -> Result<i64, StoreError> {
            Ok(w.conn.query_row(
                "SELECT count(*) FROM resources WHERE snapshot_id = ?1 AND kind = ?2",
                params![id, kind],
                |r| r.get(0),
            )?)
        };
        let (users, groups) = (count("User")?, count("Group")?);
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
        kind: &str,
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
            let column = if kind == "Group" {
                "group_id"
            } else {
                "member_id"
            };
            let m = self.conn.execute(
                &format!("DELETE FROM memberships WHERE snapshot_id = ?1 AND {column} = ?2"),
                params![self.snapshot_id, id],
            )?;
            self.memberships -= m as i64;
            removed += 1;
        }
        if kind == "Group" {
            self.groups -= removed as i64;
        } else {
            self.users -= removed as i64;
        }
        Ok(removed)
    }

    /// The id the snapshot will have once committed.
    pub fn snapshot_id(&self) -> i64 {
        self.snapshot_id
    }

    /// Inserts or replaces one resource; true when it replaced an existing one.
    fn insert(&mut self, kind: &str, v: &Value) -> Result<bool, StoreError> {
        insert_resource(&self.conn, self.snapshot_id, kind, v)
    }

    /// Adds (or replaces) users as received.
    pub fn add_users(&mut self, users: &[Value]) -> Result<(), StoreError> {
        for u in users {
            if !self.insert("User", u)? {
                self.users += 1;
            }
        }
        Ok(())
    }

    /// Adds (or replaces) groups as received, with the memberships their `members` list.
    /// A replaced group's memberships are replaced too when the group carries `members`.
    pub fn add_groups(&mut self, groups: &[Value]) -> Result<(), StoreError> {
        for g in groups {
            if !self.insert("Group", g)? {
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
    pub fn finish_with_reads(
        mut self,
        complete: bool,
        discovery: &Value,
        reads: &Value,
    ) -> Result<SnapshotInfo, StoreError> {
        let finished_at = crate::now_rfc3339();
        self.conn.execute(
            "UPDATE snapshots SET finished_at = ?2, users = ?3, groups = ?4, memberships = ?5,
                    complete = ?6, discovery = ?7, reads = ?8 WHERE id = ?1",
            params![
                self.snapshot_id,
                finished_at,
                self.users,
                self.groups,
                self.memberships,
                complete,
                discovery.to_string(),
                reads.to_string()
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

fn snapshot_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<SnapshotInfo> {
    Ok(SnapshotInfo {
        id: r.get(0)?,
        provider_id: r.get(1)?,
        kind: r.get(2)?,
        started_at: r.get(3)?,
        finished_at: r.get(4)?,
        users: r.get(5)?,
        groups: r.get(6)?,
        memberships: r.get(7)?,
        complete: r.get(8)?,
        reads: serde_json::from_str(&r.get::<_, String>(9)?).unwrap_or(Value::Null),
    })
}

const SNAPSHOT_COLUMNS: &str =
    "id, provider_id, kind, started_at, finished_at, users, groups, memberships, complete, reads";

/// One row of a list view.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceRow {
    pub extracted: Extracted,
    pub raw: Value,
}

/// One page of a list view: which snapshot and kind, search, filter, sort and window.
#[derive(Debug, Clone, Default)]
pub struct ResourceQuery<'a> {
    pub snapshot_id: i64,
    pub kind: &'a str,
    /// Full-text quick search (FTS5 over names, userName, emails, displayName, department).
    pub search: Option<&'a str>,
    /// A SCIM filter; it must translate to SQL (see [`crate::query::to_sql`]).
    pub filter: Option<&'a scim_client::Filter>,
    /// A column of [`SORT_COLUMNS`] and descending.
    pub sort: Option<(&'a str, bool)>,
    pub offset: u64,
    pub limit: u64,
}

/// Sortable columns of the list views.
pub const SORT_COLUMNS: &[&str] = &[
    "user_name",
    "display_name",
    "given_name",
    "family_name",
    "email",
    "department",
    "title",
    "active",
    "external_id",
    "last_modified",
    "phone",
    "employee_number",
    "cost_center",
    "locality",
    MEMBER_COUNT,
];

/// The sort key of groups by their number of members (not a column: counted).
pub const MEMBER_COUNT: &str = "member_count";

/// The collation that orders numbers within text by value, ignoring case.
pub(crate) const NATURAL: &str = "natural_order";

/// Orders "Team 2" before "Team 10", case-insensitively.
pub(crate) fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
    alphanumeric_sort::compare_str(a.to_lowercase(), b.to_lowercase()).then_with(|| a.cmp(b))
}

/// The digits of a quick search that looks like a phone number (digits with spaces, dashes,
/// dots, brackets or a plus, at least four digits), for matching every way one is written.
pub fn phone_search(input: &str) -> Option<String> {
    let t = input.trim();
    let phone_like = t
        .chars()
        .all(|c| c.is_ascii_digit() || " +-.()/".contains(c));
    let d = digits(t);
    (phone_like && d.len() >= 4).then_some(d)
}

impl Database {
    /// Consumes the database handle, returning its connection.
    pub fn into_connection(self) -> Connection {
        self.conn
    }

    /// The newest `meta.lastModified` of a snapshot, as the provider wrote it (its clock).
    pub fn last_modified_values(&self, snapshot_id: i64) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT last_modified FROM resources
              WHERE snapshot_id = ?1 AND last_modified IS NOT NULL",
        )?;
        let rows = stmt
            .query_map([snapshot_id], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(rows)
    }

    /// The snapshots of a provider, newest first.
    pub fn snapshots(&self, provider_id: i64) -> Result<Vec<SnapshotInfo>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE provider_id = ?1 ORDER BY id DESC"
        ))?;
        let rows = stmt
            .query_map([provider_id], snapshot_of)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// One snapshot by id, if it is still kept.
    pub fn snapshot(&self, snapshot_id: i64) -> Result<Option<SnapshotInfo>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE id = ?1"),
                [snapshot_id],
                snapshot_of,
            )
            .optional()?)
    }

    /// The newest snapshot of a provider.
    pub fn latest_snapshot(&self, provider_id: i64) -> Result<Option<SnapshotInfo>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE provider_id = ?1
                     ORDER BY id DESC LIMIT 1"
            ))?
            .query_row([provider_id], snapshot_of)
            .optional()?)
    }

    /// Keeps the newest `keep` snapshots of a provider and deletes the rest. Returns how many
    /// were deleted.
    pub fn prune_snapshots(&self, provider_id: i64, keep: usize) -> Result<usize, StoreError> {
        let n = self.conn.execute(
            "DELETE FROM snapshots WHERE provider_id = ?1 AND id NOT IN
               (SELECT id FROM snapshots WHERE provider_id = ?1 ORDER BY id DESC LIMIT ?2)",
            params![provider_id, keep as i64],
        )?;
        Ok(n)
    }

    /// Resources of a snapshot: optional full-text search and SQL filter, sorted, one page.
    /// Returns the page and the total count.
    pub fn resources(&self, q: &ResourceQuery<'_>) -> Result<(Vec<ResourceRow>, u64), StoreError> {
        let order = match q.sort {
            Some((col, desc)) if SORT_COLUMNS.contains(&col) => {
                let dir = if desc { "DESC" } else { "ASC" };
                if col == MEMBER_COUNT {
                    format!(
                        "ORDER BY (SELECT count(*) FROM memberships m WHERE m.snapshot_id = \
                         r.snapshot_id AND m.group_id = r.id) {dir}, r.rowid"
                    )
                } else if col == "display_name" && q.kind == "Group" {
                    // Group names in natural order: "Team 2" before "Team 10".
                    format!("ORDER BY r.display_name COLLATE {NATURAL} {dir}, r.rowid")
                } else {
                    format!("ORDER BY r.{col} COLLATE NOCASE {dir}, r.rowid")
                }
            }
            _ => "ORDER BY r.rowid".to_string(),
        };
        let mut params: Vec<SqlValue> = vec![
            SqlValue::Integer(q.snapshot_id),
            SqlValue::Text(q.kind.to_string()),
        ];
        let fts = q.search.map(fts_query).filter(|s| !s.is_empty());
        let mut from = "resources r";
        let mut filter = String::new();
        match (fts, q.search.and_then(phone_search)) {
            // Digits: a phone number however it was written, or the words (an employee
            // number, a cost center).
            (Some(text), Some(digits)) => {
                params.push(SqlValue::Text(text));
                params.push(SqlValue::Text(format!("%{digits}%")));
                filter.push_str(&format!(
                    " AND (r.rowid IN (SELECT rowid FROM resources_fts WHERE resources_fts \
                     MATCH ?{}) OR r.phone_digits LIKE ?{})",
                    params.len() - 1,
                    params.len()
                ));
            }
            (Some(text), None) => {
                from = "resources r JOIN resources_fts f ON f.rowid = r.rowid";
                params.push(SqlValue::Text(text));
                filter.push_str(&format!(" AND resources_fts MATCH ?{}", params.len()));
            }
            _ => {}
        }
        if let Some(f) = q.filter {
            let sql = crate::query::to_sql(f, params.len() + 1);
            match sql {
                Some(sql) => {
                    filter.push_str(&format!(" AND {}", sql.clause));
                    params.extend(sql.params);
                }
                None => return Err(StoreError::FilterNotTranslatable),
            }
        }
        let count_sql =
            format!("SELECT count(*) FROM {from} WHERE r.snapshot_id = ?1 AND r.kind = ?2{filter}");
        let total: i64 =
            self.conn
                .query_row(&count_sql, rusqlite::params_from_iter(params.iter()), |r| {
                    r.get(0)
                })?;
        let sql = format!(
            "SELECT r.raw FROM {from} WHERE r.snapshot_id = ?1 AND r.kind = ?2{filter} {order}
             LIMIT {} OFFSET {}",
            q.limit, q.offset
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let raws: Vec<String> = stmt
            .query_map(rusqlite::params_from_iter(params.iter()), |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let rows = raws
            .into_iter()
            .map(|raw| {
                let v: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
                ResourceRow {
                    extracted: extract(&v),
                    raw: v,
                }
            })
            .collect();
        Ok((rows, total.max(0) as u64))
    }

    /// How many members each of the groups `ids` has in snapshot `snapshot_id`.
    pub fn member_counts(
        &self,
        snapshot_id: i64,
        ids: &[&str],
    ) -> Result<std::collections::HashMap<String, u32>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT count(*) FROM memberships WHERE snapshot_id = ?1 AND group_id = ?2",
        )?;
        let mut out = std::collections::HashMap::new();
        for id in ids {
            let n: i64 = stmt.query_row(params![snapshot_id, id], |r| r.get(0))?;
            out.insert((*id).to_string(), u32::try_from(n).unwrap_or(u32::MAX));
        }
        Ok(out)
    }

    /// The names (display name, else user name) of the records `ids` of `kind` in snapshot
    /// `snapshot_id`; ids not in it are left out.
    pub fn labels(
        &self,
        snapshot_id: i64,
        kind: &str,
        ids: &[&str],
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT coalesce(display_name, user_name, id) FROM resources
              WHERE snapshot_id = ?1 AND kind = ?2 AND id = ?3",
        )?;
        let mut out = std::collections::HashMap::new();
        for id in ids {
            if let Some(label) = stmt
                .query_row(params![snapshot_id, kind, id], |r| r.get::<_, String>(0))
                .optional()?
            {
                out.insert((*id).to_string(), label);
            }
        }
        Ok(out)
    }

    /// Writes a resource the app just saved on the provider into snapshot `snapshot_id` (the
    /// latest), so the views show it at once. Group memberships follow its `members`.
    pub fn cache_upsert(&self, snapshot_id: i64, kind: &str, v: &Value) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let existed = insert_resource(&tx, snapshot_id, kind, v)?;
        let (removed, added) = if kind == "Group" {
            replace_memberships(&tx, snapshot_id, v)?
        } else {
            (0, 0)
        };
        let col = if kind == "Group" { "groups" } else { "users" };
        tx.execute(
            &format!(
                "UPDATE snapshots SET {col} = {col} + ?2, memberships = memberships + ?3
                  WHERE id = ?1"
            ),
            params![snapshot_id, i64::from(!existed), added - removed],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Removes a resource the app just deleted on the provider from snapshot `snapshot_id`,
    /// with its memberships.
    pub fn cache_remove(&self, snapshot_id: i64, kind: &str, id: &str) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let n = tx.execute(
            "DELETE FROM resources WHERE snapshot_id = ?1 AND kind = ?2 AND id = ?3",
            params![snapshot_id, kind, id],
        )? as i64;
        let column = if kind == "Group" {
            "group_id"
        } else {
            "member_id"
        };
        let m = tx.execute(
            &format!("DELETE FROM memberships WHERE snapshot_id = ?1 AND {column} = ?2"),
            params![snapshot_id, id],
        )? as i64;
        let col = if kind == "Group" { "groups" } else { "users" };
        tx.execute(
            &format!(
                "UPDATE snapshots SET {col} = {col} - ?2, memberships = memberships - ?3
                  WHERE id = ?1"
            ),
            params![snapshot_id, n, m],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Applies a membership change the app just made to snapshot `snapshot_id` (for providers
    /// whose group responses do not list members).
    pub fn cache_membership(
        &self,
        snapshot_id: i64,
        group_id: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let mut delta = 0i64;
        for m in add {
            delta += tx.execute(
                "INSERT OR IGNORE INTO memberships (snapshot_id, group_id, member_id, member_type)
                 VALUES (?1, ?2, ?3, 'User')",
                params![snapshot_id, group_id, m],
            )? as i64;
        }
        for m in remove {
            delta -= tx.execute(
                "DELETE FROM memberships WHERE snapshot_id = ?1 AND group_id = ?2 AND member_id = ?3",
                params![snapshot_id, group_id, m],
            )? as i64;
        }
        tx.execute(
            "UPDATE snapshots SET memberships = memberships + ?2 WHERE id = ?1",
            params![snapshot_id, delta],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The discovery documents stored with a snapshot (ServiceProviderConfig, ResourceTypes,
    /// Schemas, notes).
    pub fn snapshot_discovery(&self, snapshot_id: i64) -> Result<Value, StoreError> {
        let raw: Option<String> = self
            .conn
            .query_row(
                "SELECT discovery FROM snapshots WHERE id = ?1",
                [snapshot_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(raw
            .and_then(|r| serde_json::from_str(&r).ok())
            .unwrap_or(Value::Null))
    }

    /// One resource of a snapshot by id.
    pub fn cached_resource(
        &self,
        snapshot_id: i64,
        kind: &str,
        id: &str,
    ) -> Result<Option<Value>, StoreError> {
        let raw: Option<String> = self
            .conn
            .query_row(
                "SELECT raw FROM resources WHERE snapshot_id = ?1 AND kind = ?2 AND id = ?3",
                params![snapshot_id, kind, id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
    }

    /// Every resource of a kind in a snapshot, streamed to `f` (offline filters, exports).
    pub fn for_each_resource(
        &self,
        snapshot_id: i64,
        kind: &str,
        mut f: impl FnMut(Value) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT raw FROM resources WHERE snapshot_id = ?1 AND kind = ?2 ORDER BY rowid",
        )?;
        let mut rows = stmt.query(params![snapshot_id, kind])?;
        while let Some(r) = rows.next()? {
            let raw: String = r.get(0)?;
            f(serde_json::from_str(&raw).unwrap_or(Value::Null))?;
        }
        Ok(())
    }

    /// Member ids of a group in a snapshot.
    pub fn group_members(
        &self,
        snapshot_id: i64,
        group_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT member_id FROM memberships WHERE snapshot_id = ?1 AND group_id = ?2 ORDER BY member_id",
        )?;
        let rows = stmt
            .query_map(params![snapshot_id, group_id], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(rows)
    }

    /// One page of a group's members with their names, sorted by name; `needle` (if not empty)
    /// keeps the members whose name, user name or id contains it, ignoring case. Returns how many
    /// members match and the page: (id, name if the member is in the copy, `User` or `Group`).
    /// Joins the copy's columns instead of decoding each member, so a group of tens of thousands
    /// answers a page in milliseconds.
    pub fn group_member_page(
        &self,
        snapshot_id: i64,
        group_id: &str,
        needle: &str,
        offset: u32,
        limit: u32,
    ) -> Result<(u64, Vec<MemberRow>), StoreError> {
        const FROM: &str = "FROM memberships m \
             LEFT JOIN resources u ON u.snapshot_id = m.snapshot_id AND u.kind = 'User' AND u.id = m.member_id \
             LEFT JOIN resources g ON g.snapshot_id = m.snapshot_id AND g.kind = 'Group' AND g.id = m.member_id \
             WHERE m.snapshot_id = ?1 AND m.group_id = ?2 AND (?3 = '' \
               OR COALESCE(NULLIF(u.display_name, ''), u.user_name, g.display_name, '') LIKE ?3 ESCAPE '\\' \
               OR COALESCE(u.user_name, '') LIKE ?3 ESCAPE '\\' OR m.member_id LIKE ?3 ESCAPE '\\')";
        let pattern = if needle.is_empty() {
            String::new()
        } else {
            let escaped = needle
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        };
        let total: i64 = self
            .conn
            .prepare_cached(&format!("SELECT count(*) {FROM}"))?
            .query_row(params![snapshot_id, group_id, pattern], |r| r.get(0))?;
        let total = u64::try_from(total).unwrap_or_default();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT m.member_id, COALESCE(NULLIF(u.display_name, ''), u.user_name, g.display_name) AS label, \
                    CASE WHEN g.id IS NOT NULL AND u.id IS NULL THEN 'Group' ELSE 'User' END \
             {FROM} ORDER BY label IS NULL, label COLLATE NOCASE, m.member_id LIMIT ?4 OFFSET ?5"
        ))?;
        let rows = stmt
            .query_map(
                params![snapshot_id, group_id, pattern, limit, offset],
                |r| {
                    Ok(MemberRow {
                        id: r.get(0)?,
                        label: r.get(1)?,
                        kind: r.get(2)?,
                    })
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok((total, rows))
    }

    /// The ids of the users whose manager is `manager_id` in a snapshot (their direct
    /// reports), at most `limit`.
    pub fn direct_reports(
        &self,
        snapshot_id: i64,
        manager_id: &str,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM resources WHERE snapshot_id = ?1 AND kind = 'User' AND manager_id = ?2
              ORDER BY coalesce(display_name, user_name, id) COLLATE NOCASE LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![snapshot_id, manager_id, limit], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(rows)
    }

    /// Group ids a member belongs to in a snapshot.
    pub fn member_groups(
        &self,
        snapshot_id: i64,
        member_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT group_id FROM memberships WHERE snapshot_id = ?1 AND member_id = ?2 ORDER BY group_id",
        )?;
        let rows = stmt
            .query_map(params![snapshot_id, member_id], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(rows)
    }
}

/// A member of a group as the copy names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub id: String,
    /// The member's name, if the member is in the copy.
    pub label: Option<String>,
    /// `User` or `Group`.
    pub kind: String,
}

/// How a resource differs between two snapshots.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotChange {
    pub kind: String,
    pub id: String,
    /// The resource in the older snapshot (None when added).
    pub before: Option<Value>,
    /// The resource in the newer snapshot (None when removed).
    pub after: Option<Value>,
}

impl Database {
    /// Resources added, removed or changed from snapshot `from` to snapshot `to`.
    pub fn diff_snapshots(&self, from: i64, to: i64) -> Result<Vec<SnapshotChange>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT a.kind, a.id, a.raw, b.raw FROM resources a
               LEFT JOIN resources b ON b.snapshot_id = ?2 AND b.kind = a.kind AND b.id = a.id
              WHERE a.snapshot_id = ?1 AND (b.raw IS NULL OR b.raw <> a.raw)
             UNION ALL
             SELECT b.kind, b.id, NULL, b.raw FROM resources b
              WHERE b.snapshot_id = ?2 AND NOT EXISTS
                (SELECT 1 FROM resources a WHERE a.snapshot_id = ?1 AND a.kind = b.kind AND a.id = b.id)
             ORDER BY 1, 2",
        )?;
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        let rows = stmt
            .query_map(params![from, to], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows
            .into_iter()
            .map(|(kind, id, a, b)| SnapshotChange {
                kind,
                id,
                before: parse(a),
                after: parse(b),
            })
            .collect())
    }

    /// One resource across the snapshots of a provider, oldest first: (snapshot, JSON or None).
    pub fn resource_history(
        &self,
        provider_id: i64,
        kind: &str,
        id: &str,
    ) -> Result<Vec<(SnapshotInfo, Option<Value>)>, StoreError> {
        let mut out = Vec::new();
        let mut snaps = self.snapshots(provider_id)?;
        snaps.reverse();
        for s in snaps {
            let raw: Option<String> = self
                .conn
                .query_row(
                    "SELECT raw FROM resources WHERE snapshot_id = ?1 AND kind = ?2 AND id = ?3",
                    params![s.id, kind, id],
                    |r| r.get(0),
                )
                .optional()?;
            out.push((s, raw.and_then(|r| serde_json::from_str(&r).ok())));
        }
        Ok(out)
    }
}

/// Turns what a person types into an FTS5 query: each word a prefix match, quoted so that
/// punctuation (`@`, `-`, `.`) is text, not syntax.
pub fn fts_query(input: &str) -> String {
    input
        .split_whitespace()
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    impl Database {
        fn resources_page(
            &self,
            snapshot_id: i64,
            kind: &str,
            search: Option<&str>,
            sort: Option<(&str, bool)>,
            offset: u64,
            limit: u64,
        ) -> Result<(Vec<ResourceRow>, u64), StoreError> {
            self.resources(&ResourceQuery {
                snapshot_id,
                kind,
                search,
                filter: None,
                sort,
                offset,
                limit,
            })
        }
    }

    use super::*;
    use crate::NewProvider;
    use serde_json::json;

    fn db_with_provider(dir: &Path) -> (std::path::PathBuf, i64) {
        let path = dir.join("t.sqlite3");
        let db = Database::open(&path).unwrap();
        let p = db
            .insert_provider(&NewProvider::without_auth("P", "http://127.0.0.1:1/v2"))
            .unwrap();
        (path, p.id)
    }

    fn user(i: usize) -> Value {
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": format!("u{i}"),
               "userName": format!("user{i}@example.com"), "displayName": format!("Jürgen Nº{i}"),
               "name": {"givenName": "Jürgen", "familyName": format!("Müller{i}")},
               "emails": [{"value": format!("j{i}@example.com"), "primary": true}],
               ENTERPRISE: {"department": if i.is_multiple_of(2) { "Sales" } else { "Engineering" }},
               "active": !i.is_multiple_of(10)})
    }

    #[test]
    fn the_quick_search_finds_phone_numbers_however_written_and_employee_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let (path, pid) = db_with_provider(dir.path());
        let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let mut w = SnapshotWriter::begin(&path, pid, "full").unwrap();
        w.add_users(&[
            json!({"id": "a", "userName": "ann", "phoneNumbers": [
                {"value": "+1 (555) 010-0199", "type": "work"},
                {"value": "+44 20 7946 0958", "type": "mobile", "primary": true}],
                ent: {"employeeNumber": "E-70412", "costCenter": "CC-4410"},
                "addresses": [{"locality": "Leeds", "type": "work"}]}),
            json!({"id": "b", "userName": "bob", "phoneNumbers": [{"value": "555.010.0200"}],
                ent: {"employeeNumber": "90018"}}),
            json!({"id": "c", "userName": "cy 90018x"}),
        ])
        .unwrap();
        let info = w.finish(true, &json!({})).unwrap();
        let db = Database::open(&path).unwrap();
        let found = |q: &str| -> Vec<String> {
            let (rows, total) = db
                .resources_page(info.id, "User", Some(q), Some(("user_name", false)), 0, 10)
                .unwrap();
            assert_eq!(total as usize, rows.len());
            rows.into_iter().map(|r| r.extracted.id).collect()
        };
        // A number as the person remembers it, with or without its punctuation.
        assert_eq!(found("555 010 0199"), ["a"]);
        assert_eq!(found("5550100199"), ["a"]);
        assert_eq!(found("(555) 010-0200"), ["b"]);
        assert_eq!(found("7946 0958"), ["a"]);
        assert_eq!(found("0100"), ["a", "b"]);
        // Employee numbers and cost centers are words of the search; digits find them too.
        assert_eq!(found("E-70412"), ["a"]);
        assert_eq!(found("90018"), ["b", "c"]);
        assert_eq!(found("CC-4410"), ["a"]);
        // The columns the grid shows: the primary phone, the city.
        let (rows, _) = db
            .resources_page(info.id, "User", Some("ann"), None, 0, 1)
            .unwrap();
        let e = &rows[0].extracted;
        assert_eq!(e.phone.as_deref(), Some("+44 20 7946 0958"));
        assert_eq!(e.locality.as_deref(), Some("Leeds"));
        assert_eq!(e.cost_center.as_deref(), Some("CC-4410"));
    }

    #[test]
    fn group_names_sort_naturally_and_groups_sort_by_member_count() {
        let dir = tempfile::tempdir().unwrap();
        let (path, pid) = db_with_provider(dir.path());
        let mut w = SnapshotWriter::begin(&path, pid, "full").unwrap();
        let members = |n: usize| {
            (0..n)
                .map(|i| json!({"value": format!("u{i}")}))
                .collect::<Vec<_>>()
        };
        w.add_groups(&[
            json!({"id": "g10", "displayName": "Team 10", "members": members(1)}),
            json!({"id": "g2", "displayName": "team 2", "members": members(5)}),
            json!({"id": "g1", "displayName": "Team 1", "members": members(3)}),
        ])
        .unwrap();
        let info = w.finish(true, &json!({})).unwrap();
        let db = Database::open(&path).unwrap();
        let order = |sort: (&str, bool)| -> Vec<String> {
            db.resources_page(info.id, "Group", None, Some(sort), 0, 10)
                .unwrap()
                .0
                .into_iter()
                .map(|r| r.extracted.id)
                .collect()
        };
        assert_eq!(order(("display_name", false)), ["g1", "g2", "g10"]);
        assert_eq!(order(("display_name", true)), ["g10", "g2", "g1"]);
        assert_eq!(order((MEMBER_COUNT, true)), ["g2", "g1", "g10"]);
        let counts = db.member_counts(info.id, &["g2", "g10"]).unwrap();
        assert_eq!((counts["g2"], counts["g10"]), (5, 1));
    }

    #[test]
    fn direct_reports_are_the_people_whose_manager_is_this_one() {
        let dir = tempfile::tempdir().unwrap();
        let (path, pid) = db_with_provider(dir.path());
        let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let mut w = SnapshotWriter::begin(&path, pid, "full").unwrap();
        w.add_users(&[
            json!({"id": "boss", "userName": "boss"}),
            json!({"id": "r2", "userName": "zed", "displayName": "Zed", ent: {"manager": {"value": "boss"}}}),
            json!({"id": "r1", "userName": "amy", "displayName": "Amy", ent: {"manager": {"value": "boss"}}}),
            json!({"id": "other", "userName": "other", ent: {"manager": {"value": "r1"}}}),
        ])
        .unwrap();
        let info = w.finish(true, &json!({})).unwrap();
        let db = Database::open(&path).unwrap();
        assert_eq!(
            db.direct_reports(info.id, "boss", 10).unwrap(),
            ["r1", "r2"]
        );
        assert_eq!(db.direct_reports(info.id, "r1", 10).unwrap(), ["other"]);
        assert!(db.direct_reports(info.id, "other", 10).unwrap().is_empty());
    }

    #[test]
    fn a_huge_group_is_read_page_by_page_sorted_and_searchable() {
        let dir = tempfile::tempdir().unwrap();
        let (path, pid) = db_with_provider(dir.path());
        let mut w = SnapshotWriter::begin(&path, pid, "full").unwrap();
        w.add_users(&(0..300).map(user).collect::<Vec<_>>())
            .unwrap();
        // 30,000 members: 300 people in the copy, a nested group, the rest unknown ids
        // (deleted users a provider kept, or a hostile one).
        let mut members: Vec<Value> = (0..300)
            .map(|i| json!({"value": format!("u{i}")}))
            .collect();
        members.push(json!({"value": "g2", "type": "Group"}));
        members.extend((0..29_699).map(|i| json!({"value": format!("gone-{i:05}")})));
        w.add_groups(&[
            json!({"id": "g1", "displayName": "Everyone", "members": members}),
            json!({"id": "g2", "displayName": "Alumni 100% _real_"}),
        ])
        .unwrap();
        let info = w.finish(true, &json!({})).unwrap();
        let db = Database::open(&path).unwrap();
        let (total, first) = db.group_member_page(info.id, "g1", "", 0, 100).unwrap();
        assert_eq!((total, first.len()), (30_000, 100));
        // Named members first, by name (the group among them), then unknown ids.
        assert_eq!(first[0].label.as_deref(), Some("Alumni 100% _real_"));
        assert_eq!(first[0].kind, "Group");
        assert_eq!(first[1].label.as_deref(), Some("Jürgen Nº0"));
        assert_eq!(first[1].kind, "User");
        let (_, tail) = db
            .group_member_page(info.id, "g1", "", 29_990, 100)
            .unwrap();
        assert_eq!(tail.len(), 10);
        assert!(tail.iter().all(|m| m.label.is_none()));
        assert_eq!(tail[9].id, "gone-29698");
        // Pages do not overlap and cover everyone.
        let mut seen = std::collections::HashSet::new();
        for offset in (0..30_000).step_by(1_000) {
            let (_, page) = db
                .group_member_page(info.id, "g1", "", offset, 1_000)
                .unwrap();
            seen.extend(page.into_iter().map(|m| m.id));
        }
        assert_eq!(seen.len(), 30_000);
        // Search by name (ignoring case), user name or id; LIKE's wildcards are plain text.
        let (n, hits) = db.group_member_page(info.id, "g1", "nº29", 0, 100).unwrap();
        assert_eq!(n, 11, "Nº29 and Nº290-299");
        assert!(hits
            .iter()
            .all(|m| m.label.as_deref().unwrap().contains("Nº29")));
        for (needle, matching) in [
            ("USER7@", 1),
            ("gone-2969", 9),
            ("100%", 1),
            ("_real_", 1),
            ("%", 1),
            ("nobody", 0),
        ] {
            let (n, _) = db.group_member_page(info.id, "g1", needle, 0, 10).unwrap();
            assert_eq!(n, matching, "{needle}");
        }
        assert_eq!(db.group_member_page(info.id, "g2", "", 0, 10).unwrap().0, 0);
    }

    #[test]
    fn a_committed_snapshot_is_readable_and_searchable() {
        let dir = tempfile::tempdir().unwrap();
        let (path, pid) = db_with_provider(dir.path());
        let mut w = SnapshotWriter::begin(&path, pid, "full").unwrap();
        w.add_users(&(0..50).map(user).collect::<Vec<_>>()).unwrap();
        w.add_groups(&[json!({"id": "g1", "displayName": "Sales team",
            "members": [{"value": "u0"}, {"value": "u2", "type": "User"}]})])
            .unwrap();
        let info = w.finish(true, &json!({})).unwrap();
        assert_eq!((info.users, info.groups, info.memberships), (50, 1, 2));
        let db = Database::open(&path).unwrap();
        let latest = db.latest_snapshot(pid).unwrap().unwrap();
        assert_eq!(latest.id, info.id);
        let (page, total) = db
            .resources_page(latest.id, "User", None, Some(("user_name", true)), 0, 10)
            .unwrap();
        assert_eq!(total, 50);
        assert_eq!(page.len(), 10);
        assert_eq!(
            page[0].extracted.user_name.as_deref(),
            Some("user9@example.com")
        );
        // Full text: prefix words, diacritics folded, punctuation is text.
        let (hits, n) = db
            .resources_page(latest.id, "User", Some("jurg mull"), None, 0, 100)
            .unwrap();
        assert_eq!(n, 50, "{hits:?}");
        let (_, n) = db
            .resources_page(latest.id, "User", Some("j7@example.com"), None, 0, 100)
            .unwrap();
        assert_eq!(n, 1);
        let (_, n) = db
            .resources_page(latest.id, "User", Some("engineering"), None, 0, 100)
            .unwrap();
        assert_eq!(n, 25);
        assert_eq!(db.group_members(latest.id, "g1").unwrap(), ["u0", "u2"]);
        assert_eq!(db.member_groups(latest.id, "u2").unwrap(), ["g1"]);
        assert!(db.provider("P").unwrap().last_sync_at.is_some());
    }

    #[test]
    fn an_unfinished_snapshot_leaves_the_previous_one_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let (path, pid) = db_with_provider(dir.path());
        let mut w = SnapshotWriter::begin(&path, pid, "full").unwrap();
        w.add_users(&[user(1)]).unwrap();
        let first = w.finish(true, &json!({})).unwrap();
        let mut w = SnapshotWriter::begin(&path, pid, "full").unwrap();
        w.add_users(&(0..30).map(user).collect::<Vec<_>>()).unwrap();
        drop(w); // a failure or a cancel
        let db = Database::open(&path).unwrap();
        let latest = db.latest_snapshot(pid).unwrap().unwrap();
        assert_eq!(latest.id, first.id, "the failed sync left no snapshot");
        assert_eq!(
            db.resources_page(latest.id, "User", None, None, 0, 100)
                .unwrap()
                .1,
            1
        );
        let orphans: i64 = db
            .conn()
            .query_row(
                "SELECT count(*) FROM resources WHERE snapshot_id <> ?1",
                [first.id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0);
    }

    #[test]
    fn pruning_keeps_the_newest_snapshots() {
        let dir = tempfile::tempdir().unwrap();
        let (path, pid) = db_with_provider(dir.path());
        for _ in 0..4 {
            let mut w = SnapshotWriter::begin(&path, pid, "full").unwrap();
            w.add_users(&[user(1), user(2)]).unwrap();
            w.finish(true, &json!({})).unwrap();
        }
        let db = Database::open(&path).unwrap();
        assert_eq!(db.prune_snapshots(pid, 2).unwrap(), 2);
        assert_eq!(db.snapshots(pid).unwrap().len(), 2);
        let rows: i64 = db
            .conn()
            .query_row("SELECT count(*) FROM resources", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 4, "resources of pruned snapshots go with them");
        let fts: i64 = db
            .conn()
            .query_row(
                "SELECT count(*) FROM resources_fts WHERE resources_fts MATCH 'user1*'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(fts, 2, "the search index follows");
    }

    #[test]
    fn diffs_and_history_between_snapshots() {
        let dir = tempfile::tempdir().unwrap();
        let (path, pid) = db_with_provider(dir.path());
        let mut w = SnapshotWriter::begin(&path, pid, "full").unwrap();
        w.add_users(&[user(1), user(2), user(3)]).unwrap();
        let a = w.finish(true, &json!({})).unwrap();
        let mut changed = user(2);
        changed["title"] = json!("Boss");
        let mut w = SnapshotWriter::begin(&path, pid, "full").unwrap();
        w.add_users(&[user(1), changed, user(4)]).unwrap();
        let b = w.finish(true, &json!({})).unwrap();
        let db = Database::open(&path).unwrap();
        let d = db.diff_snapshots(a.id, b.id).unwrap();
        let summary: Vec<(String, bool, bool)> = d
            .iter()
            .map(|c| (c.id.clone(), c.before.is_some(), c.after.is_some()))
            .collect();
        assert_eq!(
            summary,
            [
                ("u2".into(), true, true),
                ("u3".into(), true, false),
                ("u4".into(), false, true)
            ]
        );
        assert_eq!(d[0].after.as_ref().unwrap()["title"], "Boss");
        let h = db.resource_history(pid, "User", "u3").unwrap();
        assert_eq!(h.len(), 2);
        assert!(
            h[0].1.is_some() && h[1].1.is_none(),
            "u3 was removed in the second snapshot"
        );
    }

    #[test]
    fn an_incremental_snapshot_copies_then_applies_changes() {
        let dir = tempfile::tempdir().unwrap();
        let (path, pid) = db_with_provider(dir.path());
        let mut w = SnapshotWriter::begin(&path, pid, "full").unwrap();
        w.add_users(&(0..5).map(user).collect::<Vec<_>>()).unwrap();
        w.add_groups(&[
            json!({"id": "g", "displayName": "G", "members": [{"value": "u1"}, {"value": "u2"}]}),
        ])
        .unwrap();
        let base = w.finish(true, &json!({})).unwrap();
        let mut w = SnapshotWriter::begin_from(&path, pid, base.id).unwrap();
        let mut changed = user(1);
        changed["displayName"] = json!("Zebedee Quux");
        w.add_users(&[changed, user(9)]).unwrap();
        w.add_groups(&[json!({"id": "g", "displayName": "G", "members": [{"value": "u9"}]})])
            .unwrap();
        let keep: std::collections::HashSet<String> = ["u0", "u1", "u3", "u4", "u9"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            w.retain_ids("User", &keep).unwrap(),
            1,
            "u2 was deleted at the provider"
        );
        let inc = w.finish(true, &json!({})).unwrap();
        assert_eq!((inc.users, inc.groups, inc.memberships), (5, 1, 1));
        let db = Database::open(&path).unwrap();
        assert_eq!(db.group_members(inc.id, "g").unwrap(), ["u9"]);
        let (_, n) = db
            .resources_page(inc.id, "User", Some("zebedee"), None, 0, 10)
            .unwrap();
        assert_eq!(n, 1, "the search index follows replaced rows");
        let (_, n) = db
            .resources_page(inc.id, "User", Some("user2"), None, 0, 10)
            .unwrap();
        assert_eq!(n, 0, "deleted users leave the index");
        let (_, n) = db
            .resources_page(base.id, "User", None, None, 0, 10)
            .unwrap();
        assert_eq!(n, 5, "the base snapshot is untouched");
        assert_eq!(db.diff_snapshots(base.id, inc.id).unwrap().len(), 4);
    }

    #[test]
    fn extraction_reads_lenient_resources() {
        let e = extract(&json!({"ID": 7, "USERNAME": "x", "active": "False",
            "emails": [{"value": "a@x"}, {"value": "b@x", "primary": "true"}],
            "meta": {"version": "W/\"2\""}}));
        assert_eq!(e.id, "7");
        assert_eq!(e.active, Some(false));
        assert_eq!(e.email.as_deref(), Some("b@x"));
        assert_eq!(e.version.as_deref(), Some("W/\"2\""));
        assert_eq!(fts_query("a@b \"x"), "\"a@b\"* \"\"\"x\"*");
    }
}
