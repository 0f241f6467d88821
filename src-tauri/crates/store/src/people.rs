//! What one person across providers is made of, as stored: each provider's accounts (read from
//! its latest copy), the links and unlinks the person decided between two accounts, and which
//! providers are the source of truth for people.

use rusqlite::{params, Row};

use crate::{now_rfc3339, os_user, Database, StoreError};

/// A copy's group named `?2` in any case, by the groups' name index (`resources_group_name`).
/// `+id`: the key index must not be walked for the order; the name index finds the few rows,
/// which are then ordered.
const GROUP_NAMED: &str = "SELECT id, display_name FROM resources
     WHERE snapshot_id = ?1 AND kind = 'Group' AND display_name = ?2 COLLATE NOCASE
     ORDER BY +id LIMIT 1";

/// A user account of a copy, with the columns people are linked and compared by.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountRow {
    pub id: String,
    pub external_id: Option<String>,
    pub user_name: Option<String>,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// The primary (or first) e-mail address.
    pub email: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub active: Option<bool>,
    /// The id of the manager's account in the same provider.
    pub manager_id: Option<String>,
    pub employee_number: Option<String>,
}

/// What the person decided about two accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The same person (kept together whatever the rules say).
    Link,
    /// Two people (never put together by the rules).
    Unlink,
}

impl Decision {
    fn as_str(self) -> &'static str {
        match self {
            Decision::Link => "link",
            Decision::Unlink => "unlink",
        }
    }
}

/// A decision as stored: the two accounts as (provider id, account id), smaller first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRow {
    pub a: (i64, String),
    pub b: (i64, String),
    pub decision: Decision,
    pub decided_at: String,
    pub os_user: String,
}

fn ordered(a: (i64, &str), b: (i64, &str)) -> ((i64, String), (i64, String)) {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    ((a.0, a.1.to_string()), (b.0, b.1.to_string()))
}

fn account_of(r: &Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok(AccountRow {
        id: r.get(0)?,
        external_id: r.get(1)?,
        user_name: r.get(2)?,
        display_name: r.get(3)?,
        given_name: r.get(4)?,
        family_name: r.get(5)?,
        email: r.get(6)?,
        title: r.get(7)?,
        department: r.get(8)?,
        active: r.get(9)?,
        manager_id: r.get(10)?,
        employee_number: r.get(11)?,
    })
}

impl Database {
    /// Every user account of a copy (read from its columns, not its records: a hundred thousand
    /// accounts in a fraction of a second).
    pub fn person_accounts(&self, snapshot_id: i64) -> Result<Vec<AccountRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, external_id, user_name, display_name, given_name, family_name, email,
                    title, department, active, manager_id, employee_number
               FROM resources WHERE snapshot_id = ?1 AND kind = 'User'",
        )?;
        let rows = stmt
            .query_map([snapshot_id], account_of)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The groups an account belongs to in a copy: (group id, its name when the copy has it),
    /// sorted by name.
    pub fn account_groups(
        &self,
        snapshot_id: i64,
        member_id: &str,
    ) -> Result<Vec<(String, Option<String>)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.group_id, g.display_name FROM memberships m
               LEFT JOIN resources g ON g.snapshot_id = m.snapshot_id AND g.kind = 'Group'
                                    AND g.id = m.group_id
              WHERE m.snapshot_id = ?1 AND m.member_id = ?2
              ORDER BY coalesce(g.display_name, m.group_id) COLLATE NOCASE",
        )?;
        let rows = stmt
            .query_map(params![snapshot_id, member_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The group of a copy whose name is `name` (any case): (id, name as written there).
    /// (See [`GROUP_NAMED`].)
    pub fn group_id_named(
        &self,
        snapshot_id: i64,
        name: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(GROUP_NAMED, params![snapshot_id, name.trim()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// Every decision the person made about two accounts.
    pub fn person_decisions(&self) -> Result<Vec<DecisionRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT provider_a, account_a, provider_b, account_b, decision, decided_at, os_user
               FROM person_decisions ORDER BY decided_at, provider_a, account_a",
        )?;
        let rows = stmt
            .query_map([], |r| {
                let decision: String = r.get(4)?;
                Ok(DecisionRow {
                    a: (r.get(0)?, r.get(1)?),
                    b: (r.get(2)?, r.get(3)?),
                    decision: if decision == "link" {
                        Decision::Link
                    } else {
                        Decision::Unlink
                    },
                    decided_at: r.get(5)?,
                    os_user: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Records that two accounts are (or are not) the same person, replacing an earlier
    /// decision about the same two.
    pub fn decide_person(
        &self,
        a: (i64, &str),
        b: (i64, &str),
        decision: Decision,
    ) -> Result<(), StoreError> {
        let (a, b) = ordered(a, b);
        self.conn.execute(
            "INSERT INTO person_decisions
                 (provider_a, account_a, provider_b, account_b, decision, decided_at, os_user)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (provider_a, account_a, provider_b, account_b) DO UPDATE SET
                 decision = excluded.decision, decided_at = excluded.decided_at,
                 os_user = excluded.os_user",
            params![
                a.0,
                a.1,
                b.0,
                b.1,
                decision.as_str(),
                now_rfc3339(),
                os_user()
            ],
        )?;
        self.bump_generation();
        Ok(())
    }

    /// Forgets what the person decided about two accounts (the rules decide again). True when
    /// there was a decision.
    pub fn forget_person_decision(
        &self,
        a: (i64, &str),
        b: (i64, &str),
    ) -> Result<bool, StoreError> {
        let (a, b) = ordered(a, b);
        let n = self.conn.execute(
            "DELETE FROM person_decisions
              WHERE provider_a = ?1 AND account_a = ?2 AND provider_b = ?3 AND account_b = ?4",
            params![a.0, a.1, b.0, b.1],
        )?;
        self.bump_generation();
        Ok(n > 0)
    }

    /// Marks a provider as a source of truth for people (or not).
    pub fn set_source_of_truth(&self, provider_id: i64, on: bool) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE providers SET source_of_truth = ?2 WHERE id = ?1",
            params![provider_id, on],
        )?;
        self.bump_generation();
        Ok(())
    }

    /// The providers that are a source of truth for people, by id.
    pub fn sources_of_truth(&self) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM providers WHERE source_of_truth <> 0 ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;
    use crate::NewProvider;

    #[test]
    fn a_decision_is_kept_once_per_pair_whichever_way_round_and_can_be_forgotten() {
        let db = Database::open_in_memory().unwrap();
        let a = db
            .insert_provider(&NewProvider::without_auth("A", "http://127.0.0.1:1/v2"))
            .unwrap();
        let b = db
            .insert_provider(&NewProvider::without_auth("B", "http://127.0.0.1:2/v2"))
            .unwrap();
        let before = db.generation();
        db.decide_person((b.id, "9"), (a.id, "1"), Decision::Link)
            .unwrap();
        db.decide_person((a.id, "1"), (b.id, "9"), Decision::Unlink)
            .unwrap();
        let all = db.person_decisions().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].a, (a.id, "1".to_string()));
        assert_eq!(all[0].b, (b.id, "9".to_string()));
        assert_eq!(all[0].decision, Decision::Unlink);
        assert!(db.generation() > before);
        assert!(db.forget_person_decision((b.id, "9"), (a.id, "1")).unwrap());
        assert!(db.person_decisions().unwrap().is_empty());
        // Removing a provider removes what was decided about its accounts.
        db.decide_person((a.id, "1"), (b.id, "9"), Decision::Link)
            .unwrap();
        db.delete_provider("B").unwrap();
        assert!(db.person_decisions().unwrap().is_empty());
    }

    #[test]
    fn a_group_found_by_name_searches_an_index_that_holds_groups_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = crate::file::keyed(&dir.path().join("g.sqlite3"));
        let db = Database::open(&file).unwrap();
        let p = db
            .insert_provider(&NewProvider::without_auth("A", "http://127.0.0.1:1/v2"))
            .unwrap();
        let mut w = crate::SnapshotWriter::begin(&file, p.id, "full").unwrap();
        w.add_users(&[
            json!({"id": "u1", "userName": "ada", "displayName": "Sales"}),
            json!({"id": "u2", "userName": "bob", "displayName": "Bob"}),
        ])
        .unwrap();
        w.add_groups(&[
            json!({"id": "g1", "displayName": "Sales"}),
            json!({"id": "g2", "displayName": "Finance"}),
        ])
        .unwrap();
        let snap = w.finish(true, &json!({})).unwrap().id;
        // A user with the same display name is not a group.
        assert_eq!(
            db.group_id_named(snap, " sales ").unwrap(),
            Some(("g1".to_string(), "Sales".to_string()))
        );
        assert_eq!(db.group_id_named(snap, "Bob").unwrap(), None);
        let plan: Vec<String> = db
            .conn()
            .prepare(&format!("EXPLAIN QUERY PLAN {GROUP_NAMED}"))
            .unwrap()
            .query_map(params![snap, "sales"], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|p| p.contains("USING INDEX resources_group_name")),
            "{plan:?}"
        );
        // The index holds the groups only: writing users does not touch it.
        let entries: i64 = db
            .conn()
            .query_row(
                "SELECT count(*) FROM resources INDEXED BY resources_group_name
                  WHERE snapshot_id = ?1 AND kind = 'Group' AND display_name IS NOT NULL",
                [snap],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(entries, 2);
        // The indexes a user's row goes into: its key, its user name (and the search index).
        let mut indexes: Vec<String> = db
            .conn()
            .prepare("SELECT name FROM pragma_index_list('resources') WHERE partial = 0")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        indexes.sort();
        assert_eq!(indexes, ["resources_key", "resources_user_name"]);
    }

    #[test]
    fn accounts_and_their_groups_come_from_the_copys_columns() {
        let dir = tempfile::tempdir().unwrap();
        let file = crate::file::keyed(&dir.path().join("p.sqlite3"));
        let db = Database::open(&file).unwrap();
        let p = db
            .insert_provider(&NewProvider::without_auth("A", "http://127.0.0.1:1/v2"))
            .unwrap();
        let mut w = crate::SnapshotWriter::begin(&file, p.id, "full").unwrap();
        w.add_users(&[json!({
            "id": "u1", "userName": "Ada.L", "externalId": "E1", "active": false,
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "old@x.test"}, {"value": "ada@x.test", "primary": true}],
            "title": "Analyst",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                {"department": "Maths", "manager": {"value": "u0"}, "employeeNumber": "7"}
        })])
        .unwrap();
        w.add_groups(&[
            json!({"id": "g2", "displayName": "Zeta", "members": [{"value": "u1"}]}),
            json!({"id": "g1", "displayName": "alpha", "members": [{"value": "u1"}]}),
        ])
        .unwrap();
        let snap = w.finish(true, &json!({})).unwrap().id;
        let accounts = db.person_accounts(snap).unwrap();
        assert_eq!(
            accounts,
            vec![AccountRow {
                id: "u1".into(),
                external_id: Some("E1".into()),
                user_name: Some("Ada.L".into()),
                display_name: None,
                given_name: Some("Ada".into()),
                family_name: Some("Lovelace".into()),
                email: Some("ada@x.test".into()),
                title: Some("Analyst".into()),
                department: Some("Maths".into()),
                active: Some(false),
                manager_id: Some("u0".into()),
                employee_number: Some("7".into()),
            }]
        );
        assert_eq!(
            db.account_groups(snap, "u1").unwrap(),
            vec![
                ("g1".into(), Some("alpha".into())),
                ("g2".into(), Some("Zeta".into()))
            ]
        );
    }
}
