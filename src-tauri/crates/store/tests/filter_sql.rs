//! The SQL translation of SCIM filters gives exactly the evaluator's answers, over the sample
//! directory (non-ASCII names, several emails, inactive users, a manager chain).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use desk_store::query::to_sql;
use desk_store::{
    Database, DatabaseFile, DatabaseKey, Kind, NewProvider, ResourceQuery, SnapshotWriter,
};

fn keyed(path: &std::path::Path) -> DatabaseFile {
    DatabaseFile::encrypted(path, DatabaseKey::from_hex(&"5a".repeat(32)).unwrap())
}
use scim_client::filter::{default_case_exact, matches, parse};
use serde_json::{json, Value};

fn sample(n: usize) -> Vec<Value> {
    let dir = desk_reference::sample::generate(7, n, 10);
    dir.users
        .iter()
        .map(|u| {
            let mut v = u.resource.clone();
            v["id"] = json!(format!("U-{}", u.index));
            let day = 1 + u.index % 28;
            v["meta"] = json!({"resourceType": "User",
                               "lastModified": format!("2026-11-{day:02}T10:00:00Z")});
            if u.index % 7 == 0 {
                v["emails"].as_array_mut().unwrap().push(
                    json!({"value": format!("alias{}@Example.org", u.index), "type": "other"}),
                );
            }
            if u.index % 11 == 0 {
                v.as_object_mut().unwrap().remove("title");
            }
            v
        })
        .collect()
}

fn setup() -> (tempfile::TempDir, Database, i64, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.sqlite3");
    let db = Database::open(&keyed(&path)).unwrap();
    let p = db
        .insert_provider(&NewProvider::without_auth("P", "http://127.0.0.1:1/v2"))
        .unwrap();
    let users = sample(400);
    let mut w = SnapshotWriter::begin(&keyed(&path), p.id, "full").unwrap();
    let sid = w.snapshot_id();
    w.add_users(&users).unwrap();
    w.finish(true, &json!({})).unwrap();
    (dir, db, sid, users)
}

const FILTERS: &[&str] = &[
    r#"userName eq "ANNA.KOWALSKA@EXAMPLE.COM""#,
    r#"userName sw "a""#,
    r#"userName co "son""#,
    r#"userName ew "example.com""#,
    r#"name.familyName co "ü""#,
    r#"name.familyName co "Ü""#,
    r#"name.givenName sw "J" and active eq true"#,
    r#"active eq false"#,
    r#"active ne false"#,
    r#"not (active eq true)"#,
    r#"title pr"#,
    r#"not (title pr)"#,
    r#"title eq null"#,
    r#"title ne "Engineer""#,
    r#"title co "manager" or title co "lead""#,
    r#"emails co "alias""#,
    r#"emails.value ew "example.org""#,
    r#"emails eq "ALIAS7@example.org""#,
    r#"emails ne "alias14@example.org""#,
    r#"emails sw "Ä""#,
    r#"emails[type eq "other" and value co "ALIAS"]"#,
    r#"emails[primary eq true]"#,
    r#"emails.type eq "work""#,
    r#"externalId pr"#,
    r#"id eq "U-3""#,
    r#"id eq "u-3""#,
    r#"id sw "U-1""#,
    r#"meta.lastModified gt "2026-11-20T00:00:00Z""#,
    r#"meta.lastModified le "2026-11-05T10:00:00+00:00""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "engineering""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr"#,
    r#"displayName gt "M""#,
    r#"displayName lt "b" or userName eq 5"#,
    r#"userName eq "a%b_c""#,
    r#"userName co "_""#,
    r#"active eq "true""#,
];

#[test]
fn sql_and_evaluator_agree_on_every_filter() {
    let (_dir, db, sid, users) = setup();
    let (mut indexed, mut left_to_sql) = (0, Vec::new());
    // The columns built first (a filter on a title builds them): user-name filters are left
    // to SQL until then (see the test below).
    let title = parse(r#"title co "a""#).unwrap();
    db.indexed_page(&ResourceQuery {
        snapshot_id: sid,
        kind: Kind::User,
        filter: Some(&title),
        limit: 1,
        ..Default::default()
    })
    .unwrap()
    .expect("the index answers a title");
    for text in FILTERS {
        let f = parse(text).unwrap();
        assert!(to_sql(&f, 3).is_some(), "{text} should translate");
        let (rows, total) = db
            .resources(&ResourceQuery {
                snapshot_id: sid,
                kind: Kind::User,
                filter: Some(&f),
                limit: 10_000,
                ..Default::default()
            })
            .unwrap();
        let mut got: Vec<String> = rows.into_iter().map(|r| r.extracted.id).collect();
        got.sort();
        let mut want: Vec<String> = users
            .iter()
            .filter(|u| matches(&f, u, &default_case_exact))
            .map(|u| u["id"].as_str().unwrap().to_string())
            .collect();
        want.sort();
        // SQL alone, and the in-memory index alone, give the same rows.
        let query = ResourceQuery {
            snapshot_id: sid,
            kind: Kind::User,
            filter: Some(&f),
            limit: 1000,
            ..Default::default()
        };
        let (sql_rows, sql_total) = db.resources_in_sql(&query).unwrap();
        let mut in_sql: Vec<String> = sql_rows.into_iter().map(|r| r.extracted.id).collect();
        in_sql.sort();
        assert_eq!(in_sql, want, "SQL: {text}");
        assert_eq!(sql_total as usize, want.len(), "SQL: {text}");
        match db.indexed_page(&query).unwrap() {
            Some((rows, total)) => {
                indexed += 1;
                let mut ids: Vec<String> = rows.into_iter().map(|r| r.extracted.id).collect();
                ids.sort();
                assert_eq!(ids, want, "index: {text}");
                assert_eq!(total as usize, want.len(), "index: {text}");
            }
            None => left_to_sql.push(*text),
        }
        if got != want {
            for u in &users {
                let id = u["id"].as_str().unwrap().to_string();
                if got.contains(&id) != want.contains(&id) {
                    eprintln!("{id}: {}", u["displayName"]);
                }
            }
        }
        assert_eq!(got, want, "{text}");
        assert_eq!(total as usize, want.len(), "{text}");
    }
    // The index answers every filter but those on date-times and on e-mails' other
    // sub-attributes (value paths), which SQL answers.
    assert_eq!(
        left_to_sql,
        [
            r#"emails[type eq "other" and value co "ALIAS"]"#,
            r#"emails[primary eq true]"#,
            r#"emails.type eq "work""#,
            r#"meta.lastModified gt "2026-11-20T00:00:00Z""#,
            r#"meta.lastModified le "2026-11-05T10:00:00+00:00""#,
        ]
    );
    assert_eq!(indexed, FILTERS.len() - 5);
}

/// The in-memory index's pages are SQL's pages, row for row: every sort key both ways, quick
/// searches (words, a phone number), filters and offsets.
#[test]
fn the_in_memory_index_pages_exactly_as_sql_does() {
    let (_dir, db, sid, users) = setup();
    let department = users[3]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
        ["department"]
        .as_str()
        .unwrap()
        .to_string();
    let family = users[5]["name"]["familyName"].as_str().unwrap().to_string();
    let phone = users
        .iter()
        .find_map(|u| u["phoneNumbers"][0]["value"].as_str())
        .expect("a sample user with a phone")
        .to_string();
    let filters = [None, Some(parse("active eq true").unwrap())];
    let searches = [
        None,
        Some(department.as_str()),
        Some(family.as_str()),
        Some(phone.as_str()),
    ];
    let sorts: Vec<Option<(&str, bool)>> = std::iter::once(None)
        .chain(
            desk_store::cache::COLUMNS
                .iter()
                .filter(|c| c.is_for(false))
                .filter_map(|c| c.sort_key())
                .flat_map(|k| [Some((k, false)), Some((k, true))]),
        )
        .collect();
    // The top of an unfiltered list with nothing built yet is left to SQL (fast there); the
    // first query that needs the index builds it.
    let top = ResourceQuery {
        snapshot_id: sid,
        kind: Kind::User,
        sort: Some(("user_name", false)),
        limit: 100,
        ..Default::default()
    };
    assert!(db.indexed_page(&top).unwrap().is_none());
    let deep = ResourceQuery {
        offset: 20_000,
        ..top.clone()
    };
    assert_eq!(db.indexed_page(&deep).unwrap().expect("built").0.len(), 0);
    assert!(db.indexed_page(&top).unwrap().is_some(), "built now");
    let mut compared = 0;
    for filter in &filters {
        for search in searches {
            for sort in &sorts {
                // Past the middle (200 of 400), a whole list SQLite walks in order is read
                // from the end: up to, across and past the last row.
                for (offset, limit) in [
                    (0, 100),
                    (37, 25),
                    (250, 100),
                    (390, 100),
                    (399, 1),
                    (400, 5),
                ] {
                    let q = ResourceQuery {
                        snapshot_id: sid,
                        kind: Kind::User,
                        filter: filter.as_ref(),
                        search,
                        sort: *sort,
                        offset,
                        limit,
                    };
                    let indexed = db.indexed_page(&q).unwrap().expect("the index answers");
                    let in_sql = db.resources_in_sql(&q).unwrap();
                    assert_eq!(indexed.1, in_sql.1, "count: {filter:?} {search:?} {sort:?}");
                    let ids = |rows: &[desk_store::ResourceRow]| -> Vec<String> {
                        rows.iter().map(|r| r.extracted.id.clone()).collect()
                    };
                    assert_eq!(
                        ids(&indexed.0),
                        ids(&in_sql.0),
                        "page: {filter:?} {search:?} {sort:?} {offset}"
                    );
                    assert_eq!(indexed.0, in_sql.0);
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 100, "{compared}");
}

/// A user name typed as a filter (`eq`, `sw`) is answered by SQLite's user-name index while
/// the in-memory columns are not built (building them takes seconds at a million users), and
/// by the index once they are, with the same answer.
#[test]
fn a_user_name_filter_goes_to_sql_until_the_columns_are_built() {
    let (_dir, db, sid, users) = setup();
    let name = users[3]["userName"].as_str().unwrap().to_uppercase();
    let eq = format!("userName eq \"{name}\"");
    let page = |filter: &str| {
        let f = parse(filter).unwrap();
        let q = ResourceQuery {
            snapshot_id: sid,
            kind: Kind::User,
            filter: Some(&f),
            sort: Some(("user_name", false)),
            limit: 50,
            ..Default::default()
        };
        let ids = |rows: Vec<desk_store::ResourceRow>| -> Vec<String> {
            rows.into_iter().map(|r| r.extracted.id).collect()
        };
        let in_sql = db.resources_in_sql(&q).unwrap();
        let indexed = db.indexed_page(&q).unwrap();
        (indexed.map(|(r, n)| (ids(r), n)), (ids(in_sql.0), in_sql.1))
    };
    for filter in [r#"userName sw "a""#, eq.as_str()] {
        let (indexed, in_sql) = page(filter);
        assert!(
            indexed.is_none(),
            "{filter}: left to SQL before the columns"
        );
        assert!(in_sql.1 > 0, "{filter} matches");
    }
    // Another filter needs the columns: they are built, and the index answers user names too.
    let (indexed, _) = page(r#"name.familyName sw "k""#);
    assert!(indexed.is_some());
    for filter in [r#"userName sw "a""#, eq.as_str()] {
        let (indexed, in_sql) = page(filter);
        assert_eq!(indexed.expect("the index answers"), in_sql, "{filter}");
    }
}

/// An edit written into the copy is in the next page at once: the index follows the copy.
#[test]
fn the_in_memory_index_follows_an_edit_of_the_copy() {
    let (_dir, db, sid, users) = setup();
    let f = parse(r#"title eq "Chief Cheese Officer""#).unwrap();
    let q = ResourceQuery {
        snapshot_id: sid,
        kind: Kind::User,
        filter: Some(&f),
        limit: 100,
        ..Default::default()
    };
    assert_eq!(db.indexed_page(&q).unwrap().unwrap().1, 0);
    let mut edited = users[9].clone();
    edited["title"] = json!("Chief Cheese Officer");
    db.cache_upsert(sid, Kind::User, &edited).unwrap();
    let (rows, total) = db.indexed_page(&q).unwrap().unwrap();
    assert_eq!(total, 1);
    assert_eq!(rows[0].extracted.id, edited["id"].as_str().unwrap());
    db.cache_remove(sid, Kind::User, edited["id"].as_str().unwrap())
        .unwrap();
    assert_eq!(db.indexed_page(&q).unwrap().unwrap().1, 0);
}

#[test]
fn filters_on_other_attributes_are_left_to_the_evaluator() {
    for text in [
        r#"nickName eq "x""#,
        r#"phoneNumbers.value co "555""#,
        r#"addresses[country eq "DE"]"#,
        r#"urn:example:custom:1.0:User:badge eq "1""#,
    ] {
        assert!(to_sql(&parse(text).unwrap(), 3).is_none(), "{text}");
    }
}

#[test]
fn filter_search_sort_and_paging_combine() {
    let (_dir, db, sid, _) = setup();
    let f = parse("active eq true").unwrap();
    let (all, total) = db
        .resources(&ResourceQuery {
            snapshot_id: sid,
            kind: Kind::User,
            filter: Some(&f),
            sort: Some(("family_name", false)),
            limit: 10_000,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.len() as u64, total);
    let (page, t2) = db
        .resources(&ResourceQuery {
            snapshot_id: sid,
            kind: Kind::User,
            filter: Some(&f),
            sort: Some(("family_name", false)),
            offset: 10,
            limit: 5,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(t2, total);
    assert_eq!(page, all[10..15].to_vec());
    // Full-text search narrows the filtered set further.
    let dept = all[0].extracted.department.clone().unwrap();
    let (found, n) = db
        .resources(&ResourceQuery {
            snapshot_id: sid,
            kind: Kind::User,
            filter: Some(&f),
            search: Some(&dept),
            limit: 10_000,
            ..Default::default()
        })
        .unwrap();
    assert!(n > 0 && n < total);
    assert!(found.iter().all(|r| r.extracted.active == Some(true)));
}

/// Builds the user-name order of `sid`'s users on another connection and waits for it.
fn build_in_background(db: &Database, file: &DatabaseFile, sid: i64) {
    db.build_index_in_background(file, sid, Kind::User, Some(("user_name".into(), false)))
        .unwrap()
        .expect("a build starts")
        .join()
        .unwrap();
}

/// The index a list's first rows ask for is built on a connection of its own and used by the
/// list's connection while the database is as it was; a commit by another connection, or an
/// edit through this one, leaves it unused (the list builds a current one when it needs it).
#[test]
fn an_index_built_in_the_background_is_used_only_while_current() {
    let (dir, db, sid, users) = setup();
    let file = keyed(&dir.path().join("t.sqlite3"));
    let top = ResourceQuery {
        snapshot_id: sid,
        kind: Kind::User,
        sort: Some(("user_name", false)),
        limit: 100,
        ..Default::default()
    };
    assert!(
        db.indexed_page(&top).unwrap().is_none(),
        "nothing built yet"
    );
    build_in_background(&db, &file, sid);
    let (rows, total) = db
        .indexed_page(&top)
        .unwrap()
        .expect("built in the background");
    assert_eq!((rows, total), db.resources_in_sql(&top).unwrap());
    // A second ask while it is kept starts nothing.
    assert!(db
        .build_index_in_background(&file, sid, Kind::User, None)
        .unwrap()
        .is_none());
    // Another connection commits: this one's index is no longer current.
    let other = Database::open(&file).unwrap();
    let mut edited = users[1].clone();
    edited["title"] = json!("Night Porter");
    other.cache_upsert(sid, Kind::User, &edited).unwrap();
    assert!(
        db.indexed_page(&top).unwrap().is_none(),
        "stale after a commit elsewhere"
    );
    build_in_background(&db, &file, sid);
    assert!(db.indexed_page(&top).unwrap().is_some());
    // An edit through this connection: stale again.
    edited["title"] = json!("Day Porter");
    db.cache_upsert(sid, Kind::User, &edited).unwrap();
    assert!(
        db.indexed_page(&top).unwrap().is_none(),
        "stale after an edit here"
    );
}
