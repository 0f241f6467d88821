//! Embedded, timestamp-named migrations.
//!
//! Each migration is an SQL file named `YYYYMMDDHHMMSS_what.sql`, compiled into the binary and
//! applied once, in name order, each in its own transaction. The names applied are recorded in
//! `_migrations`; a database holding a name this build does not know was written by a newer
//! SCIM Desk and is refused rather than misread.

use rusqlite::Connection;

use crate::StoreError;

/// Every migration this build knows, oldest first.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "20261128140000_providers",
        include_str!("../migrations/20261128140000_providers.sql"),
    ),
    (
        "20261128160000_cache",
        include_str!("../migrations/20261128160000_cache.sql"),
    ),
    (
        "20261128190000_fast_filters",
        include_str!("../migrations/20261128190000_fast_filters.sql"),
    ),
    (
        "20261128200000_provider_oauth",
        include_str!("../migrations/20261128200000_provider_oauth.sql"),
    ),
    (
        "20261128210000_migration_journal",
        include_str!("../migrations/20261128210000_migration_journal.sql"),
    ),
    (
        "20261128220000_provider_ca",
        include_str!("../migrations/20261128220000_provider_ca.sql"),
    ),
    (
        "20261129180000_snapshot_reads",
        include_str!("../migrations/20261129180000_snapshot_reads.sql"),
    ),
    (
        "20261129181000_provider_plain_http",
        include_str!("../migrations/20261129181000_provider_plain_http.sql"),
    ),
    (
        "20261129200000_more_columns",
        include_str!("../migrations/20261129200000_more_columns.sql"),
    ),
    (
        "20261129210000_learned_facts",
        include_str!("../migrations/20261129210000_learned_facts.sql"),
    ),
    (
        "20261129220000_unkept_attributes",
        include_str!("../migrations/20261129220000_unkept_attributes.sql"),
    ),
    (
        "20261130100000_packed_records",
        include_str!("../migrations/20261130100000_packed_records.sql"),
    ),
    (
        "20261130120000_people",
        include_str!("../migrations/20261130120000_people.sql"),
    ),
    (
        "20261130140000_links",
        include_str!("../migrations/20261130140000_links.sql"),
    ),
    (
        "20261130150000_read_marks",
        include_str!("../migrations/20261130150000_read_marks.sql"),
    ),
    (
        "20261130200000_records_apart",
        include_str!("../migrations/20261130200000_records_apart.sql"),
    ),
    (
        "20261201010000_remembered_probes",
        include_str!("../migrations/20261201010000_remembered_probes.sql"),
    ),
    (
        "20261201040000_fewer_indexes",
        include_str!("../migrations/20261201040000_fewer_indexes.sql"),
    ),
];

pub(crate) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS _migrations (
             name       TEXT PRIMARY KEY,
             applied_at TEXT NOT NULL
         );",
    )?;
    let applied = applied_migrations(conn)?;
    if let Some(unknown) = applied
        .iter()
        .find(|name| !MIGRATIONS.iter().any(|(known, _)| known == name))
    {
        return Err(StoreError::NewerVersion {
            migration: unknown.clone(),
        });
    }
    for (name, sql) in MIGRATIONS {
        if applied.iter().any(|a| a == name) {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO _migrations (name, applied_at) VALUES (?1, ?2)",
            (name, crate::now_rfc3339()),
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// The names of the migrations applied to this database, in order.
pub fn applied_migrations(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT name FROM _migrations ORDER BY name")?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Database;

    #[test]
    fn migration_names_are_timestamped_and_ordered() {
        let mut prev = "";
        for (name, _) in MIGRATIONS {
            let (stamp, rest) = name.split_at(14);
            assert!(
                stamp.chars().all(|c| c.is_ascii_digit()),
                "{name}: 14-digit stamp"
            );
            assert!(rest.starts_with('_'), "{name}: stamp_then_words");
            assert!(*name > prev, "{name} must sort after {prev}");
            prev = name;
        }
    }

    #[test]
    fn a_copy_made_before_the_phone_columns_gets_them_and_its_search_finds_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.sqlite3");
        let raw = serde_json::json!({"id": "a", "userName": "ann",
            "phoneNumbers": [{"value": "+1 (555) 010-0199"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                {"employeeNumber": "E-70412"}});
        {
            // The database as the previous version left it: every migration but the last.
            let mut conn = Connection::open(&path).unwrap();
            crate::query::register_functions(&conn).unwrap();
            conn.execute_batch(
                "CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL);",
            )
            .unwrap();
            let at = MIGRATIONS
                .iter()
                .position(|(n, _)| *n == "20261129200000_more_columns")
                .unwrap();
            for (name, sql) in &MIGRATIONS[..at] {
                let tx = conn.transaction().unwrap();
                tx.execute_batch(sql).unwrap();
                tx.execute(
                    "INSERT INTO _migrations (name, applied_at) VALUES (?1, 'then')",
                    [name],
                )
                .unwrap();
                tx.commit().unwrap();
            }
            conn.execute_batch(
                "INSERT INTO providers (id, name, base_url, auth_kind, created_at)
                 VALUES (1, 'p', 'http://127.0.0.1:1', 'bearer', 'then');
                 INSERT INTO snapshots (id, provider_id, kind, started_at, finished_at, users,
                                        groups, memberships, complete)
                 VALUES (1, 1, 'full', 'then', 'then', 1, 0, 0, 1);",
            )
            .unwrap();
            conn.execute(
                "INSERT INTO resources (snapshot_id, kind, id, user_name, raw)
                 VALUES (1, 'User', 'a', 'ann', ?1)",
                [raw.to_string()],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO resources_fts (rowid, user_name) SELECT rowid, user_name FROM resources",
                [],
            )
            .unwrap();
        }
        let db = Database::open(&crate::DatabaseFile::plain(&path)).unwrap();
        let (phone, digits): (String, String) = db
            .conn()
            .query_row("SELECT phone, phone_digits FROM resources", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(
            (phone.as_str(), digits.as_str()),
            ("+1 (555) 010-0199", "15550100199")
        );
        let found: i64 = db
            .conn()
            .query_row(
                "SELECT count(*) FROM resources_fts WHERE resources_fts MATCH '\"E-70412\"'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(found, 1, "the rebuilt index holds the employee number");
        let by_name: i64 = db
            .conn()
            .query_row(
                "SELECT count(*) FROM resources_fts WHERE resources_fts MATCH 'ann'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(by_name, 1, "and what it held before");
        // The record written as text by the earlier version is packed, and reads back the same.
        let stored: String = db
            .conn()
            .query_row("SELECT typeof(raw) FROM resource_records", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, "blob");
        assert_eq!(
            db.cached_resource(1, crate::Kind::User, "a").unwrap(),
            Some(raw)
        );
    }

    #[test]
    fn migrations_run_in_memory() {
        let db = Database::open_in_memory().unwrap();
        let applied = applied_migrations(db.conn()).unwrap();
        let known: Vec<_> = MIGRATIONS.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(applied, known, "a fresh database gets every migration");
    }

    #[test]
    fn migrations_run_on_a_fresh_file_and_again_idempotently() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.sqlite3");
        {
            let db = Database::open(&crate::DatabaseFile::plain(&path)).unwrap();
            let mode: String = db
                .conn()
                .pragma_query_value(None, "journal_mode", |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal", "file databases run in WAL mode");
        }
        let db = Database::open(&crate::DatabaseFile::plain(&path))
            .expect("re-opening a migrated file applies nothing new");
        assert_eq!(
            applied_migrations(db.conn()).unwrap().len(),
            MIGRATIONS.len()
        );
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.sqlite3");
        drop(Database::open(&crate::DatabaseFile::plain(&path)).unwrap());
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES ('29991231235959_future', 'x')",
                [],
            )
            .unwrap();
        }
        let err = Database::open(&crate::DatabaseFile::plain(&path))
            .expect_err("a newer schema must be refused");
        match &err {
            StoreError::NewerVersion { migration } => {
                assert_eq!(migration, "29991231235959_future")
            }
            other => panic!("expected NewerVersion, got {other:?}"),
        }
        assert!(err.to_string().contains("newer version of SCIM Desk"));
    }
}
