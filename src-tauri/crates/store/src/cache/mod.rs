//! The cached directory: snapshots written in one transaction each, and the offline reads over
//! them (lists, full-text search, diffs, history).

pub(crate) mod column_index;
mod columns;
mod edits;
mod history;
mod index_filter;
pub(crate) mod packed;
mod reads;
mod snapshots;
pub mod table;
mod writer;

pub use columns::{digits, extract, phone_search, Extracted};
pub(crate) use columns::{natural_order, NATURAL};
pub use history::SnapshotChange;
pub use reads::{fts_query, MemberRow, ResourceQuery, ResourceRow};
pub use snapshots::SnapshotInfo;
pub use table::{column_of_attribute, is_sort_key, Column, ValueType, COLUMNS, MEMBER_COUNT};
pub use writer::{PreparedRow, SnapshotWriter};

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::Value;

    use super::columns::ENTERPRISE;
    use crate::{Database, Kind, StoreError};
    impl Database {
        fn resources_page(
            &self,
            snapshot_id: i64,
            kind: Kind,
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
        let db = Database::open(&crate::file::keyed(&path)).unwrap();
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
        let mut w = SnapshotWriter::begin(&crate::file::keyed(&path), pid, "full").unwrap();
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
        let db = Database::open(&crate::file::keyed(&path)).unwrap();
        let found = |q: &str| -> Vec<String> {
            let (rows, total) = db
                .resources_page(
                    info.id,
                    Kind::User,
                    Some(q),
                    Some(("user_name", false)),
                    0,
                    10,
                )
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
            .resources_page(info.id, Kind::User, Some("ann"), None, 0, 1)
            .unwrap();
        let e = &rows[0].extracted;
        assert_eq!(e.phone.as_deref(), Some("+44 20 7946 0958"));
        assert_eq!(e.locality.as_deref(), Some("Leeds"));
        assert_eq!(e.cost_center.as_deref(), Some("CC-4410"));
        // Read from the stored columns, which hold exactly what extraction took from the record.
        let (rows, _) = db
            .resources_page(info.id, Kind::User, None, None, 0, 10)
            .unwrap();
        assert_eq!(rows.len(), 3);
        for r in rows {
            assert_eq!(r.extracted, super::extract(&r.raw), "{}", r.extracted.id);
        }
    }

    #[test]
    fn group_names_sort_naturally_and_groups_sort_by_member_count() {
        let dir = tempfile::tempdir().unwrap();
        let (path, pid) = db_with_provider(dir.path());
        let mut w = SnapshotWriter::begin(&crate::file::keyed(&path), pid, "full").unwrap();
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
        let db = Database::open(&crate::file::keyed(&path)).unwrap();
        let order = |sort: (&str, bool)| -> Vec<String> {
            db.resources_page(info.id, Kind::Group, None, Some(sort), 0, 10)
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
        let mut w = SnapshotWriter::begin(&crate::file::keyed(&path), pid, "full").unwrap();
        w.add_users(&[
            json!({"id": "boss", "userName": "boss"}),
            json!({"id": "r2", "userName": "zed", "displayName": "Zed", ent: {"manager": {"value": "boss"}}}),
            json!({"id": "r1", "userName": "amy", "displayName": "Amy", ent: {"manager": {"value": "boss"}}}),
            json!({"id": "other", "userName": "other", ent: {"manager": {"value": "r1"}}}),
        ])
        .unwrap();
        let info = w.finish(true, &json!({})).unwrap();
        let db = Database::open(&crate::file::keyed(&path)).unwrap();
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
        let mut w = SnapshotWriter::begin(&crate::file::keyed(&path), pid, "full").unwrap();
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
        let db = Database::open(&crate::file::keyed(&path)).unwrap();
        let (total, first) = db.group_member_page(info.id, "g1", "", 0, 100).unwrap();
        assert_eq!((total, first.len()), (30_000, 100));
        // Named members first, by name (the group among them), then unknown ids.
        assert_eq!(first[0].label.as_deref(), Some("Alumni 100% _real_"));
        assert_eq!(first[0].kind, Kind::Group);
        assert_eq!(first[1].label.as_deref(), Some("Jürgen Nº0"));
        assert_eq!(first[1].kind, Kind::User);
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
        let mut w = SnapshotWriter::begin(&crate::file::keyed(&path), pid, "full").unwrap();
        w.add_users(&(0..50).map(user).collect::<Vec<_>>()).unwrap();
        w.add_groups(&[json!({"id": "g1", "displayName": "Sales team",
            "members": [{"value": "u0"}, {"value": "u2", "type": "User"}]})])
            .unwrap();
        let info = w.finish(true, &json!({})).unwrap();
        assert_eq!((info.users, info.groups, info.memberships), (50, 1, 2));
        let db = Database::open(&crate::file::keyed(&path)).unwrap();
        let latest = db.latest_snapshot(pid).unwrap().unwrap();
        assert_eq!(latest.id, info.id);
        let (page, total) = db
            .resources_page(
                latest.id,
                Kind::User,
                None,
                Some(("user_name", true)),
                0,
                10,
            )
            .unwrap();
        assert_eq!(total, 50);
        assert_eq!(page.len(), 10);
        assert_eq!(
            page[0].extracted.user_name.as_deref(),
            Some("user9@example.com")
        );
        // Full text: prefix words, diacritics folded, punctuation is text.
        let (hits, n) = db
            .resources_page(latest.id, Kind::User, Some("jurg mull"), None, 0, 100)
            .unwrap();
        assert_eq!(n, 50, "{hits:?}");
        let (_, n) = db
            .resources_page(latest.id, Kind::User, Some("j7@example.com"), None, 0, 100)
            .unwrap();
        assert_eq!(n, 1);
        let (_, n) = db
            .resources_page(latest.id, Kind::User, Some("engineering"), None, 0, 100)
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
        let mut w = SnapshotWriter::begin(&crate::file::keyed(&path), pid, "full").unwrap();
        w.add_users(&[user(1)]).unwrap();
        let first = w.finish(true, &json!({})).unwrap();
        let mut w = SnapshotWriter::begin(&crate::file::keyed(&path), pid, "full").unwrap();
        w.add_users(&(0..30).map(user).collect::<Vec<_>>()).unwrap();
        drop(w); // a failure or a cancel
        let db = Database::open(&crate::file::keyed(&path)).unwrap();
        let latest = db.latest_snapshot(pid).unwrap().unwrap();
        assert_eq!(latest.id, first.id, "the failed sync left no snapshot");
        assert_eq!(
            db.resources_page(latest.id, Kind::User, None, None, 0, 100)
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
            let mut w = SnapshotWriter::begin(&crate::file::keyed(&path), pid, "full").unwrap();
            w.add_users(&[user(1), user(2)]).unwrap();
            w.finish(true, &json!({})).unwrap();
        }
        let db = Database::open(&crate::file::keyed(&path)).unwrap();
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
    fn a_record_stored_in_another_form_is_not_a_change() {
        // Rows written by another version (as text, or packed at another zstd level) hold other
        // bytes for the same record; the diff reads them before calling them changed.
        let dir = tempfile::tempdir().unwrap();
        let (path, pid) = db_with_provider(dir.path());
        let mut w = SnapshotWriter::begin(&crate::file::keyed(&path), pid, "full").unwrap();
        w.add_users(&[user(1), user(2)]).unwrap();
        let a = w.finish(true, &json!({})).unwrap();
        let mut w = SnapshotWriter::begin(&crate::file::keyed(&path), pid, "full").unwrap();
        w.add_users(&[user(1), user(2)]).unwrap();
        let b = w.finish(true, &json!({})).unwrap();
        let db = Database::open(&crate::file::keyed(&path)).unwrap();
        db.conn()
            .execute(
                "UPDATE resource_records SET raw = ?2 WHERE rowid =
                    (SELECT rowid FROM resources WHERE snapshot_id = ?1 AND id = 'u1')",
                rusqlite::params![a.id, user(1).to_string()],
            )
            .unwrap();
        let d = db.diff_snapshots(a.id, b.id).unwrap();
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn diffs_and_history_between_snapshots() {
        let dir = tempfile::tempdir().unwrap();
        let (path, pid) = db_with_provider(dir.path());
        let mut w = SnapshotWriter::begin(&crate::file::keyed(&path), pid, "full").unwrap();
        w.add_users(&[user(1), user(2), user(3)]).unwrap();
        let a = w.finish(true, &json!({})).unwrap();
        let mut changed = user(2);
        changed["title"] = json!("Boss");
        let mut w = SnapshotWriter::begin(&crate::file::keyed(&path), pid, "full").unwrap();
        w.add_users(&[user(1), changed, user(4)]).unwrap();
        let b = w.finish(true, &json!({})).unwrap();
        let db = Database::open(&crate::file::keyed(&path)).unwrap();
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
        let h = db.resource_history(pid, Kind::User, "u3").unwrap();
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
        let mut w = SnapshotWriter::begin(&crate::file::keyed(&path), pid, "full").unwrap();
        w.add_users(&(0..5).map(user).collect::<Vec<_>>()).unwrap();
        w.add_groups(&[
            json!({"id": "g", "displayName": "G", "members": [{"value": "u1"}, {"value": "u2"}]}),
        ])
        .unwrap();
        let base = w.finish(true, &json!({})).unwrap();
        let mut w = SnapshotWriter::begin_from(&crate::file::keyed(&path), pid, base.id).unwrap();
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
            w.retain_ids(Kind::User, &keep).unwrap(),
            1,
            "u2 was deleted at the provider"
        );
        let inc = w.finish(true, &json!({})).unwrap();
        assert_eq!((inc.users, inc.groups, inc.memberships), (5, 1, 1));
        let db = Database::open(&crate::file::keyed(&path)).unwrap();
        assert_eq!(db.group_members(inc.id, "g").unwrap(), ["u9"]);
        let (_, n) = db
            .resources_page(inc.id, Kind::User, Some("zebedee"), None, 0, 10)
            .unwrap();
        assert_eq!(n, 1, "the search index follows replaced rows");
        let (_, n) = db
            .resources_page(inc.id, Kind::User, Some("user2"), None, 0, 10)
            .unwrap();
        assert_eq!(n, 0, "deleted users leave the index");
        let (_, n) = db
            .resources_page(base.id, Kind::User, None, None, 0, 10)
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
