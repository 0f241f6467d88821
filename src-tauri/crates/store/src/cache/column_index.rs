//! An in-memory index of one snapshot's columns, for the list views' counts and pages.
//!
//! A filtered count over 100,000 cached users in SQLite walks every row of an index (20-30 ms);
//! here each filterable column is one string buffer per snapshot (folded as the filter compares
//! it), scanned in a millisecond or two, and each sort order is a list of row positions SQLite
//! sorted once. A page is then the first `limit` matching positions in that order, read from
//! SQLite by rowid. Columns and orders are built the first time a query needs them and kept
//! until the copy changes (a sync, an edit through this connection or a commit by another one).
//! Filters the index cannot answer (date-times, sub-attributes of e-mails, value paths) and
//! orders by member count go to SQL as before; both paths give the same answers (tests).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::params;
use rusqlite::types::ValueRef;

use super::columns::{Extracted, STORED};
use super::index_filter::{self, Needs};
use super::packed::RecordJson;
use super::reads::{order_clause, walked_in_order, ResourceRow};
use crate::{Database, DatabaseFile, Kind, StoreError};

/// The columns built together the first time a filter needs one of them: the filterable
/// columns of the rows (one pass over the compact rows, whose records are kept apart, costs
/// about the same for one column or all), as the filter compares them (folded, or exact for `externalId`). Ids,
/// managers' ids and phone digits are built alone when a filter needs them.
const SHARED_TEXTS: &[(&str, bool)] = &[
    ("user_name", false),
    ("display_name", false),
    ("given_name", false),
    ("family_name", false),
    ("emails", false),
    ("department", false),
    ("title", false),
    ("external_id", true),
];
const SHARED_BOOLS: &[&str] = &["active"];

/// Offsets SQLite reaches quickly in an unfiltered list.
const FROM_THE_TOP: u64 = 10_000;

/// Row positions in a sort order.
type Order = Arc<Vec<u32>>;

/// The end of a NULL value's span while a column is read.
const NULL: u32 = u32::MAX;

/// How many snapshots' indexes are kept at once (a person switching between providers and
/// between users and groups).
const KEPT: usize = 4;

/// What an index was built from: a snapshot's rows of a kind, as of a state of the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct IndexKey {
    pub snapshot_id: i64,
    pub kind: Kind,
    /// Rows changed through this connection ([`rusqlite::Connection::total_changes`]).
    pub changes: u64,
    /// Changes by other connections (`PRAGMA data_version`).
    pub data_version: i64,
    pub generation: u64,
}

/// One text column of every row: the values (folded to lower case unless compared exactly) in
/// one buffer, row `i` at `buf[starts[i]..starts[i + 1]]`.
#[derive(Debug)]
pub(crate) struct TextColumn {
    pub buf: String,
    pub starts: Vec<u32>,
    /// Rows whose column is NULL.
    pub null: Vec<bool>,
}

impl TextColumn {
    /// Row `i`'s value; `None` when NULL.
    pub fn get(&self, i: usize) -> Option<&str> {
        if self.null[i] {
            None
        } else {
            Some(&self.buf[self.starts[i] as usize..self.starts[i + 1] as usize])
        }
    }

    /// The row holding byte `pos` of the buffer.
    pub fn row_at(&self, pos: usize) -> usize {
        self.starts.partition_point(|s| *s as usize <= pos) - 1
    }

    pub fn len(&self) -> usize {
        self.null.len()
    }
}

/// The index of one snapshot's rows of one kind.
#[derive(Debug)]
pub(crate) struct ColumnIndex {
    key: IndexKey,
    /// Every row's rowid, ascending; a row's position in the index is its place here.
    rowids: Vec<i64>,
    texts: Mutex<HashMap<(&'static str, bool), Arc<TextColumn>>>,
    bools: Mutex<HashMap<&'static str, Arc<Vec<Option<bool>>>>>,
    orders: Mutex<HashMap<(String, bool), Order>>,
    /// Held while columns are built: a query needing a column being built (by the background
    /// build or another query) waits for it instead of building it twice.
    building_columns: Mutex<()>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The indexes a connection keeps (shared with the threads that build them).
#[derive(Debug, Default, Clone)]
pub(crate) struct Indexes {
    kept: Arc<Mutex<Vec<Arc<ColumnIndex>>>>,
    /// Keys being built in the background.
    building: Arc<Mutex<std::collections::HashSet<IndexKey>>>,
}

/// Takes a key off the list of those being built when dropped.
struct Built(Indexes, IndexKey);

impl Drop for Built {
    fn drop(&mut self) {
        lock(&self.0.building).remove(&self.1);
    }
}

impl Indexes {
    /// The index kept for `key`, dropping those of other states of the database.
    fn current(&self, key: &IndexKey) -> Option<Arc<ColumnIndex>> {
        let mut kept = lock(&self.kept);
        kept.retain(|i| {
            (i.key.changes, i.key.data_version, i.key.generation)
                == (key.changes, key.data_version, key.generation)
        });
        kept.iter().find(|i| i.key == *key).cloned()
    }

    fn keep(&self, index: Arc<ColumnIndex>) {
        let mut kept = lock(&self.kept);
        kept.retain(|i| i.key != index.key);
        if kept.len() >= KEPT {
            kept.remove(0);
        }
        kept.push(index);
    }
}

impl ColumnIndex {
    pub fn len(&self) -> usize {
        self.rowids.len()
    }

    /// Whether the columns most filters read are built (see [`SHARED_TEXTS`]).
    fn has_shared_columns(&self) -> bool {
        lock(&self.texts).contains_key(&SHARED_TEXTS[0])
    }

    fn position(&self, rowid: i64) -> Option<usize> {
        self.rowids.binary_search(&rowid).ok()
    }

    /// Column `col` of every row: folded to lower case (`exact` false) or as stored.
    pub fn text(
        &self,
        db: &Database,
        col: &'static str,
        exact: bool,
    ) -> Result<Arc<TextColumn>, StoreError> {
        if let Some(c) = lock(&self.texts).get(&(col, exact)) {
            return Ok(c.clone());
        }
        let _building = lock(&self.building_columns);
        if let Some(c) = lock(&self.texts).get(&(col, exact)) {
            return Ok(c.clone());
        }
        if SHARED_TEXTS.contains(&(col, exact)) {
            self.build(db, SHARED_TEXTS, SHARED_BOOLS)?;
        } else {
            self.build(db, &[(col, exact)], &[])?;
        }
        Ok(lock(&self.texts)[&(col, exact)].clone())
    }

    /// Boolean column `col` of every row.
    pub fn boolean(
        &self,
        db: &Database,
        col: &'static str,
    ) -> Result<Arc<Vec<Option<bool>>>, StoreError> {
        if let Some(c) = lock(&self.bools).get(col) {
            return Ok(c.clone());
        }
        let _building = lock(&self.building_columns);
        if let Some(c) = lock(&self.bools).get(col) {
            return Ok(c.clone());
        }
        if SHARED_BOOLS.contains(&col) {
            self.build(db, SHARED_TEXTS, SHARED_BOOLS)?;
        } else {
            self.build(db, &[], &[col])?;
        }
        Ok(lock(&self.bools)[col].clone())
    }

    /// Builds `texts` and `bools` in one pass over the rows, read in rowid order between the
    /// copy's first and last rowid (a copy's rows are mostly together: no index lookups, no
    /// record read). The values are
    /// appended as they come (folded on the way, no string per value), then laid out in the
    /// index's row order.
    fn build(
        &self,
        db: &Database,
        texts: &[(&'static str, bool)],
        bools: &[&'static str],
    ) -> Result<(), StoreError> {
        let names: Vec<&str> = texts
            .iter()
            .map(|(c, _)| *c)
            .chain(bools.iter().copied())
            .collect();
        let mut stmt = db.conn.prepare(&format!(
            "SELECT rowid, {} FROM resources NOT INDEXED
              WHERE rowid BETWEEN ?3 AND ?4 AND snapshot_id = ?1 AND kind = ?2",
            names.join(", ")
        ))?;
        // No rows: an empty range (1 to 0), and every column is empty.
        let first = self.rowids.first().copied().unwrap_or(1);
        let last = self.rowids.last().copied().unwrap_or(0);
        let n = self.len();
        // In the order rows come: each column's bytes and each value's (start, end), and
        // where each row goes.
        let mut arrived: Vec<(String, Vec<(u32, u32)>)> =
            vec![(String::new(), Vec::with_capacity(n)); texts.len()];
        let mut place: Vec<u32> = Vec::with_capacity(n);
        let mut flags: Vec<Vec<Option<bool>>> = vec![vec![None; n]; bools.len()];
        let mut rows = stmt.query(params![self.key.snapshot_id, self.key.kind, first, last])?;
        while let Some(r) = rows.next()? {
            let Some(i) = self.position(r.get(0)?) else {
                continue;
            };
            place.push(u32::try_from(i).unwrap_or(u32::MAX));
            for (k, (_, exact)) in texts.iter().enumerate() {
                let (buf, spans) = &mut arrived[k];
                let start = u32::try_from(buf.len()).unwrap_or(u32::MAX);
                match r.get_ref(1 + k)? {
                    ValueRef::Null => spans.push((start, NULL)),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        let t = String::from_utf8_lossy(t);
                        if *exact {
                            buf.push_str(&t);
                        } else if t.is_ascii() {
                            buf.extend(t.chars().map(|c| c.to_ascii_lowercase()));
                        } else {
                            buf.push_str(&t.to_lowercase());
                        }
                        spans.push((start, u32::try_from(buf.len()).unwrap_or(u32::MAX)));
                    }
                    ValueRef::Integer(v) => {
                        buf.push_str(&v.to_string());
                        spans.push((start, u32::try_from(buf.len()).unwrap_or(u32::MAX)));
                    }
                    ValueRef::Real(v) => {
                        buf.push_str(&v.to_string());
                        spans.push((start, u32::try_from(buf.len()).unwrap_or(u32::MAX)));
                    }
                }
            }
            for (k, column) in flags.iter_mut().enumerate() {
                column[i] = r.get(1 + texts.len() + k)?;
            }
        }
        // Which arrival each row position holds (rows not read stay NULL).
        let mut arrival_of = vec![u32::MAX; n];
        for (a, p) in place.iter().enumerate() {
            arrival_of[*p as usize] = u32::try_from(a).unwrap_or(u32::MAX);
        }
        let mut built = lock(&self.texts);
        for ((col, exact), (abuf, spans)) in texts.iter().zip(arrived) {
            let mut buf = String::with_capacity(abuf.len());
            let mut starts = Vec::with_capacity(n + 1);
            let mut null = Vec::with_capacity(n);
            for a in &arrival_of {
                starts.push(u32::try_from(buf.len()).unwrap_or(u32::MAX));
                match spans.get(*a as usize) {
                    Some((s, e)) if *e != NULL => {
                        buf.push_str(&abuf[*s as usize..*e as usize]);
                        null.push(false);
                    }
                    _ => null.push(true),
                }
            }
            starts.push(u32::try_from(buf.len()).unwrap_or(u32::MAX));
            built.insert((*col, *exact), Arc::new(TextColumn { buf, starts, null }));
        }
        drop(built);
        let mut built = lock(&self.bools);
        for (col, values) in bools.iter().zip(flags) {
            built.insert(*col, Arc::new(values));
        }
        Ok(())
    }

    /// The rows' positions in the order of `sort` (as the SQL list orders them); `None`:
    /// rowid order, the positions themselves.
    fn order(
        &self,
        db: &Database,
        sort: Option<(&str, bool)>,
    ) -> Result<Option<Arc<Vec<u32>>>, StoreError> {
        let Some((col, desc)) = sort.filter(|(c, _)| super::is_sort_key(c)) else {
            return Ok(None);
        };
        let key = (col.to_string(), desc);
        if let Some(o) = lock(&self.orders).get(&key) {
            return Ok(Some(o.clone()));
        }
        let mut stmt = db.conn.prepare(&format!(
            "SELECT r.rowid FROM resources r WHERE r.snapshot_id = ?1 AND r.kind = ?2 {}",
            order_clause(self.key.kind, sort)
        ))?;
        let order = stmt
            .query_map(params![self.key.snapshot_id, self.key.kind], |r| {
                r.get::<_, i64>(0)
            })?
            .filter_map(|r| match r {
                Ok(rowid) => self
                    .position(rowid)
                    .map(|p| Ok(u32::try_from(p).unwrap_or(u32::MAX))),
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let order = Arc::new(order);
        lock(&self.orders).insert(key, order.clone());
        Ok(Some(order))
    }
}

impl Database {
    /// The state of the database an index of `snapshot_id`'s rows of `kind` would be built at.
    fn index_key(&self, snapshot_id: i64, kind: Kind) -> Result<IndexKey, StoreError> {
        let data_version: i64 = self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?;
        Ok(IndexKey {
            snapshot_id,
            kind,
            changes: self.conn.total_changes(),
            data_version,
            generation: self.generation(),
        })
    }

    /// The index of `snapshot_id`'s rows of `kind` as the database is now (built if needed).
    /// A new index is built with the order `sort` of its first query: one pass of SQLite over
    /// the rows gives both the rowids and that order.
    fn column_index(
        &self,
        snapshot_id: i64,
        kind: Kind,
        sort: Option<(&str, bool)>,
    ) -> Result<Arc<ColumnIndex>, StoreError> {
        let key = self.index_key(snapshot_id, kind)?;
        // Being built in the background: waited for rather than built twice.
        while lock(&self.indexes.building).contains(&key) {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        if let Some(i) = self.indexes.current(&key) {
            return Ok(i);
        }
        let index = Arc::new(self.build_index(key, sort)?);
        self.indexes.keep(index.clone());
        Ok(index)
    }

    /// Builds the index of `key`'s rows from this connection, with the order `sort`: one pass
    /// of SQLite over the rows gives both the rowids and that order.
    fn build_index(
        &self,
        key: IndexKey,
        sort: Option<(&str, bool)>,
    ) -> Result<ColumnIndex, StoreError> {
        let sort = sort.filter(|(c, _)| super::is_sort_key(c) && *c != super::MEMBER_COUNT);
        let order = match sort {
            Some(_) => order_clause(key.kind, sort),
            None => String::new(),
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT r.rowid FROM resources r WHERE r.snapshot_id = ?1 AND r.kind = ?2 {order}"
        ))?;
        let ordered = stmt
            .query_map(params![key.snapshot_id, key.kind], |r| r.get::<_, i64>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut rowids = ordered.clone();
        rowids.sort_unstable();
        let index = ColumnIndex {
            key,
            rowids,
            texts: Mutex::default(),
            bools: Mutex::default(),
            orders: Mutex::default(),
            building_columns: Mutex::default(),
        };
        if let Some((col, desc)) = sort {
            let positions: Vec<u32> = ordered
                .iter()
                .filter_map(|r| index.position(*r))
                .map(|p| u32::try_from(p).unwrap_or(u32::MAX))
                .collect();
            lock(&index.orders).insert((col.to_string(), desc), Arc::new(positions));
        }
        Ok(index)
    }

    /// Builds on a connection of its own, on a thread of its own, the index a list of `kind`
    /// in `snapshot_id` sorted by `sort` needs, for this connection, which uses it once built
    /// if nothing changed meanwhile (its state is part of the index's key: a commit or an edit
    /// in between leaves the index unused): first the rows' order, then the columns most
    /// filters read. The window asks for it with its first rows, so a jump far down a list of
    /// a million, and then a filter, find it ready (about 150 MB at 1,000,000 users, what the
    /// first filter would build anyway). Nothing is started when the index is kept or being
    /// built already.
    pub fn build_index_in_background(
        &self,
        file: &DatabaseFile,
        snapshot_id: i64,
        kind: Kind,
        sort: Option<(String, bool)>,
    ) -> Result<Option<std::thread::JoinHandle<()>>, StoreError> {
        let key = self.index_key(snapshot_id, kind)?;
        if self.indexes.current(&key).is_some() || !lock(&self.indexes.building).insert(key) {
            return Ok(None);
        }
        let (file, indexes) = (file.clone(), self.indexes.clone());
        Ok(Some(std::thread::spawn(move || {
            // Whatever happens (a panic included), the key is no longer being built after.
            let done = Built(indexes.clone(), key);
            let Ok(other) = Database::open(&file) else {
                return;
            };
            // A failure here costs nothing: the list builds the index itself when it needs it.
            let Ok(index) = other.build_index(key, sort.as_ref().map(|(c, d)| (c.as_str(), *d)))
            else {
                return;
            };
            let index = Arc::new(index);
            indexes.keep(index.clone());
            // The order is ready for the list; the columns follow (a filter waits for them).
            drop(done);
            let _ = index.text(&other, SHARED_TEXTS[0].0, SHARED_TEXTS[0].1);
        })))
    }

    /// A page of a list view answered from the in-memory index: the count of matches and the
    /// rows of the page, as [`Database::resources`] gives them. `None` when the index cannot
    /// answer this query (the caller asks SQL).
    pub fn indexed_page(
        &self,
        q: &super::ResourceQuery<'_>,
    ) -> Result<Option<(Vec<ResourceRow>, u64)>, StoreError> {
        // Orders SQLite computes with a subquery per row, and whole-list reads, stay in SQL.
        if q.sort.is_some_and(|(c, _)| c == super::MEMBER_COUNT) || q.limit > 1000 {
            return Ok(None);
        }
        let needs = match q.filter {
            Some(f) => match index_filter::needs(f) {
                Some(n) => Some((f, n)),
                None => return Ok(None),
            },
            None => None,
        };
        // The top of an unfiltered list with nothing built yet: SQLite reads it from its index
        // in milliseconds, where building the rows' order takes about a second at 1,000,000
        // users (the window's first rows). The index is built by the first query that needs it.
        // Further down, while the index is being built (the window started it with its first
        // rows), a list in an order SQLite keeps an index of is read from that index: a jump
        // to row 900,000 of 1,000,000 walks it in about a tenth of a second instead of
        // waiting for the build. Without a build going on, the index is built: paging far
        // down again and again is then a lookup, not a walk.
        if q.filter.is_none() && q.search.is_none() {
            let key = self.index_key(q.snapshot_id, q.kind)?;
            if self.indexes.current(&key).is_none()
                && (q.offset < FROM_THE_TOP
                    || (walked_in_order(q.sort) && lock(&self.indexes.building).contains(&key)))
            {
                return Ok(None);
            }
        }
        // A filter SQLite answers from its user-name index (`userName eq` or `sw`, the person
        // typing a name) while the columns are not built: milliseconds in SQL, where building
        // them takes about two seconds at 1,000,000 users.
        if q.search.is_none() && q.filter.is_some_and(index_filter::walked_in_sql) {
            let key = self.index_key(q.snapshot_id, q.kind)?;
            if !self
                .indexes
                .current(&key)
                .is_some_and(|i| i.has_shared_columns())
            {
                return Ok(None);
            }
        }
        let index = self.column_index(q.snapshot_id, q.kind, q.sort)?;
        let n = index.len();
        let mut matched: Option<Vec<bool>> = None;
        if let Some(search) = q.search {
            matched = Some(self.search_matches(&index, search)?);
        }
        if let Some((f, Needs { texts, bools })) = needs {
            let mut columns = index_filter::Columns::default();
            for (col, exact) in texts {
                columns
                    .texts
                    .insert((col, exact), index.text(self, col, exact)?);
            }
            for col in bools {
                columns.bools.insert(col, index.boolean(self, col)?);
            }
            let hits = index_filter::evaluate(f, &columns, n);
            matched = Some(match matched {
                Some(m) => m.iter().zip(hits).map(|(a, b)| *a && b).collect(),
                None => hits,
            });
        }
        let total = matched
            .as_ref()
            .map_or(n, |m| m.iter().filter(|b| **b).count());
        let order = index.order(self, q.sort)?;
        let offset = usize::try_from(q.offset).unwrap_or(usize::MAX);
        let limit = usize::try_from(q.limit).unwrap_or(usize::MAX);
        let is_match = |p: usize| matched.as_ref().is_none_or(|m| m[p]);
        let page: Vec<usize> = match &order {
            Some(order) => order
                .iter()
                .map(|p| *p as usize)
                .filter(|p| is_match(*p))
                .skip(offset)
                .take(limit)
                .collect(),
            None => (0..n)
                .filter(|p| is_match(*p))
                .skip(offset)
                .take(limit)
                .collect(),
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {}, {} FROM resources r WHERE r.rowid = ?1",
            super::packed::record_of("r"),
            STORED.map(|c| format!("r.{c}")).join(", ")
        ))?;
        let mut rows = Vec::with_capacity(page.len());
        for p in page {
            rows.push(stmt.query_row([index.rowids[p]], |r| {
                let raw: RecordJson = r.get(0)?;
                Ok(ResourceRow {
                    extracted: Extracted::from_row(r, 1)?,
                    raw: raw.value(),
                })
            })?);
        }
        Ok(Some((rows, total as u64)))
    }

    /// The rows a quick search finds: the full-text index's words (and, for a phone number,
    /// every number written with those digits), as [`Database::resources`] searches.
    fn search_matches(&self, index: &ColumnIndex, search: &str) -> Result<Vec<bool>, StoreError> {
        let mut out = vec![false; index.len()];
        let fts = super::fts_query(search);
        if !fts.is_empty() {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT rowid FROM resources_fts WHERE resources_fts MATCH ?1")?;
            let mut rows = stmt.query([fts])?;
            while let Some(r) = rows.next()? {
                if let Some(p) = index.position(r.get(0)?) {
                    out[p] = true;
                }
            }
        } else {
            out.fill(true);
        }
        if let Some(digits) = super::phone_search(search) {
            let phones = index.text(self, "phone_digits", true)?;
            for hit in memchr::memmem::find_iter(phones.buf.as_bytes(), digits.as_bytes()) {
                let row = phones.row_at(hit);
                if hit + digits.len() <= phones.starts[row + 1] as usize {
                    out[row] = true;
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite's plan for a list page in `sort` (read from the end with `reversed`): whether it
    /// sorts (a temporary B-tree) instead of walking an index.
    fn sorts(db: &Database, kind: Kind, sort: Option<(&str, bool)>, reversed: bool) -> bool {
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT r.rowid FROM resources r
              WHERE r.snapshot_id = 1 AND r.kind = '{}' {} LIMIT 200 OFFSET 900000",
            kind.as_str(),
            super::super::reads::ordered(kind, sort, reversed)
        );
        let mut stmt = db.conn.prepare(&sql).unwrap();
        let plan: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        plan.iter().any(|step| step.contains("TEMP B-TREE"))
    }

    /// SQLite's plan for the count of `filter`'s matches.
    fn count_plan(db: &Database, filter: &str) -> Vec<String> {
        let f = scim_client::filter::parse(filter).unwrap();
        let sql = crate::query::to_sql(&f, 3).unwrap();
        let mut params = vec![
            rusqlite::types::Value::Integer(1),
            rusqlite::types::Value::Text("User".into()),
        ];
        params.extend(sql.params);
        let mut stmt = db
            .conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM resources r
                  WHERE r.snapshot_id = ?1 AND r.kind = ?2 AND {}",
                sql.clause
            ))
            .unwrap();
        stmt.query_map(rusqlite::params_from_iter(params), |r| {
            r.get::<_, String>(3)
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    #[test]
    fn the_filters_said_to_be_walked_in_sql_search_the_user_name_index_and_the_others_scan() {
        let db = Database::open_in_memory().unwrap();
        for (filter, walked) in [
            (r#"userName eq "Anna.Kowalska@example.com""#, true),
            (r#"userName sw "anna""#, true),
            (r#"USERNAME SW "AN_N%A""#, true),
            (r#"userName co "anna""#, false),
            (r#"userName ew "example.com""#, false),
            (r#"userName sw "Åsa""#, false),
            (r#"userName sw "anna" and active eq true"#, false),
            (r#"name.familyName sw "Kow""#, false),
            (r#"displayName eq "Anna""#, false),
        ] {
            let f = scim_client::filter::parse(filter).unwrap();
            assert_eq!(index_filter::walked_in_sql(&f), walked, "{filter}");
            let plan = count_plan(&db, filter);
            if walked {
                assert!(
                    plan.iter()
                        .any(|s| s.starts_with("SEARCH") && s.contains("resources_user_name")),
                    "{filter}: {plan:?}"
                );
            }
        }
    }

    #[test]
    fn the_orders_said_to_be_walked_from_an_index_are_both_ways_and_the_others_are_sorted() {
        let db = Database::open_in_memory().unwrap();
        for kind in [Kind::User, Kind::Group] {
            let columns = super::super::COLUMNS.iter().filter_map(|c| c.sort_key());
            let sorts_of = std::iter::once(None)
                .chain(columns.flat_map(|c| [Some((c, false)), Some((c, true))]));
            for sort in sorts_of {
                for reversed in [false, true] {
                    assert_eq!(
                        walked_in_order(sort),
                        !sorts(&db, kind, sort, reversed),
                        "{kind:?} sorted by {sort:?}, from the end: {reversed}"
                    );
                }
            }
        }
    }
}
