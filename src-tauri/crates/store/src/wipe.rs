//! Removing directory data for good: copies older than the person keeps them, and a wipe of
//! copies, audit entries and journals (migrations; offboardings and onboardings with their
//! evidence), of one provider or all, on request. Deleted
//! contents are overwritten, not left in free pages, and a wipe ends with VACUUM.

use rusqlite::params;

use crate::{Database, StoreError};

/// What a wipe removes (or removed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WipeCounts {
    /// Offline copies (snapshots).
    pub copies: i64,
    /// Users and groups in those copies.
    pub records: i64,
    pub audit_entries: i64,
    /// Migration journals (runs) from or to the provider, and journals of runs across a
    /// person's accounts (offboarding, onboarding, with their evidence) that touched it, and
    /// the history of links from or to it (the links themselves stay).
    pub migrations: i64,
}

/// The `WHERE` of each table for one provider (`?1` its name) or for all (`?1` NULL).
const SNAPSHOTS: &str =
    "FROM snapshots WHERE ?1 IS NULL OR provider_id = (SELECT id FROM providers WHERE name = ?1)";
const AUDIT: &str = "FROM audit_log WHERE ?1 IS NULL OR provider = ?1";
const MIGRATIONS: &str = "FROM migrations WHERE ?1 IS NULL OR source = ?1 OR target = ?1";
const LINK_RUNS: &str = "FROM link_runs WHERE ?1 IS NULL OR link_id IN (SELECT l.id FROM links l \
     JOIN providers p ON p.id IN (l.source_id, l.target_id) WHERE p.name = ?1)";
const LINK_RECORDS: &str = "FROM link_records WHERE ?1 IS NULL OR link_id IN (SELECT l.id FROM \
     links l JOIN providers p ON p.id IN (l.source_id, l.target_id) WHERE p.name = ?1)";
const PERSON_RUNS: &str = "FROM person_runs WHERE ?1 IS NULL \
     OR id IN (SELECT run_id FROM person_run_steps WHERE provider = ?1)";

impl Database {
    /// Deletes the copies of a provider finished before `cutoff` (RFC 3339), keeping its newest
    /// one when `keep_newest`. Returns how many went. Their contents are overwritten.
    pub fn prune_older_than(
        &self,
        provider_id: i64,
        cutoff: &str,
        keep_newest: bool,
    ) -> Result<usize, StoreError> {
        self.securely(|db| {
            Ok(db.conn.execute(
                "DELETE FROM snapshots WHERE provider_id = ?1 AND finished_at < ?2
                   AND (?3 = 0 OR id <> (SELECT max(id) FROM snapshots WHERE provider_id = ?1))",
                params![provider_id, cutoff, keep_newest],
            )?)
        })
    }

    /// What [`Database::wipe`] would remove for `provider` (None: every provider).
    pub fn wipe_counts(&self, provider: Option<&str>) -> Result<WipeCounts, StoreError> {
        let count = |sql: String| -> Result<i64, StoreError> {
            Ok(self.conn.query_row(&sql, [provider], |r| r.get(0))?)
        };
        Ok(WipeCounts {
            copies: count(format!("SELECT count(*) {SNAPSHOTS}"))?,
            records: count(format!(
                "SELECT coalesce(sum(users + groups), 0) {SNAPSHOTS}"
            ))?,
            audit_entries: count(format!("SELECT count(*) {AUDIT}"))?,
            migrations: count(format!("SELECT count(*) {MIGRATIONS}"))?
                + count(format!("SELECT count(*) {PERSON_RUNS}"))?
                + count(format!("SELECT count(*) {LINK_RUNS}"))?,
        })
    }

    /// Removes the copies, audit entries and migration journals of `provider` (None: all of
    /// them), then rebuilds the file (VACUUM) and empties the write-ahead log, so no freed page
    /// keeps an old record. The providers themselves stay configured.
    pub fn wipe(&self, provider: Option<&str>) -> Result<WipeCounts, StoreError> {
        let counts = self.wipe_counts(provider)?;
        self.securely(|db| {
            let tx = db.conn.unchecked_transaction()?;
            for from in [
                LINK_RUNS,
                LINK_RECORDS,
                SNAPSHOTS,
                AUDIT,
                MIGRATIONS,
                PERSON_RUNS,
            ] {
                tx.execute(&format!("DELETE {from}"), [provider])?;
            }
            tx.commit()?;
            Ok(())
        })?;
        self.conn.execute_batch("VACUUM")?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(counts)
    }

    /// Runs `work` with deleted contents overwritten by zeros (SQLite's secure_delete).
    fn securely<T>(
        &self,
        work: impl FnOnce(&Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.conn.pragma_update(None, "secure_delete", "ON")?;
        let out = work(self);
        self.conn.pragma_update(None, "secure_delete", "OFF")?;
        out
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::file::keyed;
    use crate::{Database, NewAudit, NewProvider, SnapshotWriter};

    #[test]
    fn a_wipe_of_one_provider_names_and_removes_its_data_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let file = keyed(&dir.path().join("w.sqlite3"));
        let db = Database::open(&file).unwrap();
        let mut ids = Vec::new();
        for name in ["A", "B"] {
            let p = db
                .insert_provider(&NewProvider::without_auth(name, "http://127.0.0.1:1/v2"))
                .unwrap();
            for _ in 0..2 {
                let mut w = SnapshotWriter::begin(&file, p.id, "full").unwrap();
                w.add_users(&[json!({"id": "u", "userName": format!("{name}-person")})])
                    .unwrap();
                w.finish(true, &json!({})).unwrap();
            }
            db.append_audit(&NewAudit {
                provider: name,
                resource_kind: crate::Kind::User,
                resource_id: Some("u"),
                operation: "update",
                before: None,
                after: Some(&json!({"userName": "x"})),
                http_status: Some(200),
            })
            .unwrap();
            ids.push(p.id);
        }
        let a = db.wipe_counts(Some("A")).unwrap();
        assert_eq!(
            (a.copies, a.records, a.audit_entries, a.migrations),
            (2, 2, 1, 0)
        );
        // An offboarding that touched A (and B) is a journal of A's too; one of B's only is not.
        let both = db
            .start_person_run(
                "offboard",
                "p-1",
                "Ada",
                "{}",
                &[("A", "u", "{}".into()), ("B", "u", "{}".into())],
            )
            .unwrap();
        let b_only = db
            .start_person_run("offboard", "p-2", "Bo", "{}", &[("B", "u", "{}".into())])
            .unwrap();
        let a = db.wipe_counts(Some("A")).unwrap();
        assert_eq!(a.migrations, 1);
        assert_eq!(db.wipe(Some("A")).unwrap(), a);
        assert!(db.person_run(both).unwrap().is_none());
        assert!(db.person_run(b_only).unwrap().is_some());
        assert_eq!(db.wipe_counts(Some("A")).unwrap().copies, 0);
        assert!(db.latest_snapshot(ids[0]).unwrap().is_none());
        assert!(
            db.latest_snapshot(ids[1]).unwrap().is_some(),
            "B's copies stay"
        );
        assert_eq!(
            db.providers().unwrap().len(),
            2,
            "providers stay configured"
        );
        assert_eq!(db.wipe(None).unwrap().copies, 2);
        assert_eq!(db.wipe_counts(None).unwrap(), Default::default());
    }

    #[test]
    fn copies_older_than_the_limit_go_but_the_newest_stays_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let file = keyed(&dir.path().join("r.sqlite3"));
        let db = Database::open(&file).unwrap();
        let p = db
            .insert_provider(&NewProvider::without_auth("A", "http://127.0.0.1:1/v2"))
            .unwrap();
        for _ in 0..3 {
            let mut w = SnapshotWriter::begin(&file, p.id, "full").unwrap();
            w.add_users(&[json!({"id": "u", "userName": "a"})]).unwrap();
            w.finish(true, &json!({})).unwrap();
        }
        // Every copy was finished before a cutoff in the future.
        let later = "2999-01-01T00:00:00Z";
        assert_eq!(db.prune_older_than(p.id, later, true).unwrap(), 2);
        assert!(db.latest_snapshot(p.id).unwrap().is_some());
        assert_eq!(
            db.prune_older_than(p.id, "2000-01-01T00:00:00Z", false)
                .unwrap(),
            0
        );
        assert_eq!(db.prune_older_than(p.id, later, false).unwrap(), 1);
        assert!(db.latest_snapshot(p.id).unwrap().is_none());
    }
}
