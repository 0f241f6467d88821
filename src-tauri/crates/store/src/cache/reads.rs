//! The offline reads: list pages with search, filter and sort; one record; members, reports
//! and groups; labels and counts.

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, OptionalExtension};
use serde_json::Value;

use super::columns::{phone_search, Extracted, NATURAL, STORED};
use super::packed::{record_of, RecordJson};
use super::table::{is_sort_key, MEMBER_COUNT};
use crate::{Database, Kind, StoreError};

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
    pub kind: Kind,
    /// Full-text quick search (FTS5 over names, userName, emails, displayName, department).
    pub search: Option<&'a str>,
    /// A SCIM filter; it must translate to SQL (see [`crate::query::to_sql`]).
    pub filter: Option<&'a scim_client::Filter>,
    /// A sort key of [`super::COLUMNS`] ([`super::is_sort_key`]) and descending.
    pub sort: Option<(&'a str, bool)>,
    pub offset: u64,
    pub limit: u64,
}

/// A member of a group as the copy names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub id: String,
    /// The member's name, if the member is in the copy.
    pub label: Option<String>,
    pub kind: Kind,
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

impl Database {
    /// Resources of a snapshot: optional full-text search and SQL filter, sorted, one page.
    /// Returns the page and the total count.
    pub fn resources(&self, q: &ResourceQuery<'_>) -> Result<(Vec<ResourceRow>, u64), StoreError> {
        if let Some(page) = self.indexed_page(q)? {
            return Ok(page);
        }
        self.resources_in_sql(q)
    }

    /// [`Database::resources`] answered by SQL alone (the in-memory index left aside): for
    /// whole-list reads, and for tests that hold both paths to the same answers.
    pub fn resources_in_sql(
        &self,
        q: &ResourceQuery<'_>,
    ) -> Result<(Vec<ResourceRow>, u64), StoreError> {
        let order = order_clause(q.kind, q.sort);
        let mut params: Vec<SqlValue> = vec![
            SqlValue::Integer(q.snapshot_id),
            SqlValue::Text(q.kind.as_str().to_string()),
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
        // A whole list's size is its snapshot's count (kept by every write of the copy), not
        // a walk over a million index entries.
        let whole = match filter.is_empty() {
            true => self.snapshot_size(q.snapshot_id, q.kind)?,
            false => None,
        };
        let total: i64 = match whole {
            Some(n) => n,
            None => {
                let count_sql = format!(
                    "SELECT count(*) FROM {from} WHERE r.snapshot_id = ?1 AND r.kind = ?2{filter}"
                );
                self.conn
                    .query_row(&count_sql, rusqlite::params_from_iter(params.iter()), |r| {
                        r.get(0)
                    })?
            }
        };
        // Past the middle of a whole list in an order SQLite walks from an index, the page is
        // read from the end backwards: a jump to row 900,000 of 1,000,000 steps over 100,000
        // entries, not 900,000.
        let (offset, limit) = (q.offset, q.limit);
        let from_end =
            whole.is_some_and(|n| offset > n.max(0) as u64 / 2) && walked_in_order(q.sort);
        let (order, offset, limit) = match (from_end, whole) {
            (true, Some(n)) => {
                let n = n.max(0) as u64;
                let end = offset.saturating_add(limit).min(n);
                let limit = end.saturating_sub(offset);
                (ordered(q.kind, q.sort, true), n - end, limit)
            }
            _ => (order, offset, limit),
        };
        let sql = format!(
            "SELECT {record}, {stored} FROM {from} WHERE r.snapshot_id = ?1 AND r.kind = ?2\
             {filter} {order} LIMIT {limit} OFFSET {offset}",
            record = record_of("r"),
            stored = STORED.map(|c| format!("r.{c}")).join(", "),
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        // The columns as the write stored them; only the record itself is parsed.
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params.iter()), |r| {
                let raw: RecordJson = r.get(0)?;
                Ok(ResourceRow {
                    extracted: Extracted::from_row(r, 1)?,
                    raw: raw.value(),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let rows = match from_end {
            true => rows.into_iter().rev().collect(),
            false => rows,
        };
        Ok((rows, total.max(0) as u64))
    }

    /// How many resources of `kind` snapshot `snapshot_id` holds, as its row says (`None`
    /// when there is no such snapshot).
    fn snapshot_size(&self, snapshot_id: i64, kind: Kind) -> Result<Option<i64>, StoreError> {
        let column = kind.count_column();
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {column} FROM snapshots WHERE id = ?1"))?
            .query_row([snapshot_id], |r| r.get(0))
            .optional()?)
    }
}

/// The ORDER BY of a list of `kind` sorted by `sort` (a sort key and descending), ties in
/// rowid order.
pub(crate) fn order_clause(kind: Kind, sort: Option<(&str, bool)>) -> String {
    ordered(kind, sort, false)
}

/// [`order_clause`], or with `reversed` the same order from the last row to the first.
pub(super) fn ordered(kind: Kind, sort: Option<(&str, bool)>, reversed: bool) -> String {
    let (asc, desc) = if reversed {
        ("DESC", "ASC")
    } else {
        ("ASC", "DESC")
    };
    match sort {
        Some((col, descending)) if is_sort_key(col) => {
            let dir = if descending { desc } else { asc };
            if col == MEMBER_COUNT {
                format!(
                    "ORDER BY (SELECT count(*) FROM memberships m WHERE m.snapshot_id = \
                     r.snapshot_id AND m.group_id = r.id) {dir}, r.rowid {asc}"
                )
            } else if col == "display_name" && kind == Kind::Group {
                // Group names in natural order: "Team 2" before "Team 10".
                format!("ORDER BY r.display_name COLLATE {NATURAL} {dir}, r.rowid {asc}")
            } else {
                format!("ORDER BY r.{col} COLLATE NOCASE {dir}, r.rowid {asc}")
            }
        }
        _ => format!("ORDER BY r.rowid {asc}"),
    }
}

/// Whether SQLite reads a list in the order `sort` from one of its indexes (no sort
/// step), forwards or backwards: ascending user names (`resources_user_name`), ties in rowid
/// order as the index keeps them. (Rowid order is not: SQLite finds a copy's rows by an index,
/// then sorts them. Display names have no index a sync would pay for on every user.)
pub(crate) fn walked_in_order(sort: Option<(&str, bool)>) -> bool {
    matches!(sort, Some(("user_name", false)))
}

impl Database {
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
        kind: Kind,
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

    /// One resource of a snapshot by id.
    pub fn cached_resource(
        &self,
        snapshot_id: i64,
        kind: Kind,
        id: &str,
    ) -> Result<Option<Value>, StoreError> {
        let raw: Option<RecordJson> = self
            .conn
            .query_row(
                "SELECT d.raw FROM resources r JOIN resource_records d ON d.rowid = r.rowid
                  WHERE r.snapshot_id = ?1 AND r.kind = ?2 AND r.id = ?3",
                params![snapshot_id, kind, id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(raw.and_then(|r| serde_json::from_str(&r.0).ok()))
    }

    /// Every resource of a kind in a snapshot, streamed to `f` (offline filters, exports).
    pub fn for_each_resource(
        &self,
        snapshot_id: i64,
        kind: Kind,
        mut f: impl FnMut(Value) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT d.raw FROM resources r JOIN resource_records d ON d.rowid = r.rowid
              WHERE r.snapshot_id = ?1 AND r.kind = ?2 ORDER BY r.rowid",
        )?;
        let mut rows = stmt.query(params![snapshot_id, kind])?;
        while let Some(r) = rows.next()? {
            let raw: RecordJson = r.get(0)?;
            f(raw.value())?;
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
