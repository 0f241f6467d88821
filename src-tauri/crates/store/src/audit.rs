//! The audit log: every write the app or the CLI made to a provider, with who, when, what was
//! there before, what is there after and the provider's HTTP status. Rows are only appended.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

use crate::{Database, Kind, StoreError};

/// A write about to be recorded.
#[derive(Debug, Clone)]
pub struct NewAudit<'a> {
    pub provider: &'a str,
    pub resource_kind: Kind,
    pub resource_id: Option<&'a str>,
    /// `create`, `update`, `delete`, `undo`, `members` …
    pub operation: &'a str,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
    /// The provider's answer; `None` when no answer came (a dropped connection).
    pub http_status: Option<u16>,
}

/// One recorded write.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// The account signed in to this computer.
    pub os_user: String,
    pub provider: String,
    pub resource_kind: Kind,
    pub resource_id: Option<String>,
    pub operation: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub http_status: Option<u16>,
}

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery<'a> {
    pub provider: Option<&'a str>,
    pub resource_kind: Option<Kind>,
    pub resource_id: Option<&'a str>,
    /// Newest first, at most this many (0: all).
    pub limit: u32,
}

/// The account signed in to this computer, as the operating system's user database reports it
/// (the environment's USER and friends may be missing, e.g. for an app started from a desktop
/// menu or a service): what "by …" says in the history.
pub fn os_user() -> String {
    whoami::fallible::username()
        .ok()
        .filter(|u| !u.trim().is_empty())
        .or_else(|| {
            ["USER", "USERNAME", "LOGNAME"]
                .iter()
                .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// What the audit log holds in place of a secret's value: that it was set, not what to.
pub const NOT_RECORDED: &str = "(set; not recorded)";

/// The attribute names whose values the audit log never holds, whatever a provider's /Schemas
/// says (lowercase).
pub const ALWAYS_SECRET: &[&str] = &["password"];

/// `v` with the value of every attribute named `password` (any case, any depth) or in
/// `write_only` (lowercase names) replaced by [`NOT_RECORDED`].
pub fn redact_secrets(v: &Value, write_only: &[String]) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let lower = k.to_ascii_lowercase();
                    // A URN key (an extension) is a container: its attributes are checked.
                    let secret =
                        ALWAYS_SECRET.contains(&lower.as_str()) || write_only.contains(&lower);
                    let x = if secret && !x.is_null() {
                        Value::String(NOT_RECORDED.into())
                    } else {
                        redact_secrets(x, write_only)
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| redact_secrets(x, write_only)).collect()),
        other => other.clone(),
    }
}

impl Database {
    /// Records one write; returns its id. Passwords are never recorded (see
    /// [`Database::append_audit_redacting`] for a provider's other write-only attributes).
    pub fn append_audit(&self, e: &NewAudit<'_>) -> Result<i64, StoreError> {
        self.append_audit_redacting(e, &[])
    }

    /// Records one write with the values of `password` and of the `write_only` attributes
    /// (lowercase names, from the provider's /Schemas) replaced by [`NOT_RECORDED`].
    pub fn append_audit_redacting(
        &self,
        e: &NewAudit<'_>,
        write_only: &[String],
    ) -> Result<i64, StoreError> {
        let safe = |v: Option<&Value>| v.map(|v| redact_secrets(v, write_only).to_string());
        self.conn.prepare_cached(
            "INSERT INTO audit_log (at, os_user, provider, resource_kind, resource_id, operation,
                                    before, after, http_status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
                crate::now_rfc3339(),
                os_user(),
                e.provider,
                e.resource_kind,
                e.resource_id,
                e.operation,
                safe(e.before),
                safe(e.after),
                e.http_status,
            ])?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Replaces the secrets earlier versions recorded (a failed create's body, a CSV column
    /// named password, what a provider echoed back). Returns how many entries changed.
    pub fn scrub_audit_secrets(&self) -> Result<usize, StoreError> {
        let rows: Vec<(i64, Option<String>, Option<String>)> = {
            let mut stmt = self.conn.prepare(
                "SELECT id, before, after FROM audit_log
                  WHERE before LIKE '%password%' OR after LIKE '%password%'",
            )?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            rows
        };
        let mut changed = 0;
        for (id, before, after) in rows {
            let clean = |s: &Option<String>| {
                s.as_deref()
                    .and_then(|t| serde_json::from_str::<Value>(t).ok())
                    .map(|v| redact_secrets(&v, &[]).to_string())
                    .or_else(|| s.clone())
            };
            let (b, a) = (clean(&before), clean(&after));
            if b != before || a != after {
                self.conn.execute(
                    "UPDATE audit_log SET before = ?2, after = ?3 WHERE id = ?1",
                    params![id, b, a],
                )?;
                changed += 1;
            }
        }
        Ok(changed)
    }

    /// The newest successful edit (`update`) on `provider` that no later `undo #<id>` entry
    /// reverted.
    pub fn last_undoable(&self, provider: &str) -> Result<Option<AuditEntry>, StoreError> {
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT a.id FROM audit_log a
                  WHERE a.provider = ?1 AND a.operation = 'update'
                    AND a.http_status BETWEEN 200 AND 299
                    AND NOT EXISTS (SELECT 1 FROM audit_log u
                                     WHERE u.provider = a.provider
                                       AND u.operation = 'undo #' || a.id
                                       AND u.http_status BETWEEN 200 AND 299)
                  ORDER BY a.id DESC LIMIT 1",
                [provider],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = id else { return Ok(None) };
        Ok(self
            .audit_entries(&AuditQuery {
                provider: Some(provider),
                ..Default::default()
            })?
            .into_iter()
            .find(|e| e.id == id))
    }

    /// Recorded writes, newest first.
    pub fn audit_entries(&self, q: &AuditQuery<'_>) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = if q.limit == 0 { -1 } else { i64::from(q.limit) };
        let mut stmt = self.conn.prepare(
            "SELECT id, at, os_user, provider, resource_kind, resource_id, operation, before,
                    after, http_status
               FROM audit_log
              WHERE (?1 IS NULL OR provider = ?1)
                AND (?2 IS NULL OR resource_kind = ?2)
                AND (?3 IS NULL OR resource_id = ?3)
              ORDER BY id DESC LIMIT ?4",
        )?;
        let rows = stmt
            .query_map(
                params![q.provider, q.resource_kind, q.resource_id, limit],
                audit_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// One recorded write, by its id.
    pub fn audit_entry(&self, id: i64) -> Result<Option<AuditEntry>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, at, os_user, provider, resource_kind, resource_id, operation, before,
                        after, http_status
                   FROM audit_log WHERE id = ?1",
                [id],
                audit_row,
            )
            .optional()?)
    }
}

/// An `audit_log` row selected in the column order of [`Database::audit_entries`].
fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(AuditEntry {
        id: r.get(0)?,
        at: r.get(1)?,
        os_user: r.get(2)?,
        provider: r.get(3)?,
        resource_kind: r.get(4)?,
        resource_id: r.get(5)?,
        operation: r.get(6)?,
        before: json(r.get(7)?),
        after: json(r.get(8)?),
        http_status: r.get(9)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn passwords_are_never_recorded_and_earlier_rows_are_scrubbed_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let db = Database::open(&crate::file::keyed(&path)).unwrap();
        let body = json!({"userName": "a", "Password": "hunter2",
                          "urn:x:ext": {"pin": "1234", "password": "p2"},
                          "emails": [{"value": "a@x.org"}]});
        // What this version records: that the password was set, not its value; and a
        // provider's write-only attribute (here `pin`) the same way.
        let id = db
            .append_audit_redacting(
                &NewAudit {
                    provider: "acme",
                    resource_kind: Kind::User,
                    resource_id: None,
                    operation: "create (failed)",
                    before: None,
                    after: Some(&body),
                    http_status: Some(409),
                },
                &["pin".to_string()],
            )
            .unwrap();
        let e = db.audit_entries(&AuditQuery::default()).unwrap();
        let after = e
            .iter()
            .find(|x| x.id == id)
            .unwrap()
            .after
            .clone()
            .unwrap();
        assert_eq!(after["Password"], NOT_RECORDED);
        assert_eq!(after["urn:x:ext"]["password"], NOT_RECORDED);
        assert_eq!(after["urn:x:ext"]["pin"], NOT_RECORDED);
        assert_eq!(after["emails"][0]["value"], "a@x.org", "the rest kept");
        // A row an earlier version wrote with the password in clear.
        db.conn()
            .execute(
                "INSERT INTO audit_log (at, os_user, provider, resource_kind, operation, after)
                 VALUES ('2026-01-01T00:00:00Z', 'u', 'acme', 'User', 'create (failed)', ?1)",
                [body.to_string()],
            )
            .unwrap();
        db.conn()
            .execute(
                "DELETE FROM settings WHERE key = 'audit_secrets_scrubbed'",
                [],
            )
            .unwrap();
        drop(db);
        let db = Database::open(&crate::file::keyed(&path)).unwrap();
        let text: Vec<String> = db
            .conn()
            .prepare("SELECT coalesce(after, '') FROM audit_log")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            text.iter()
                .all(|t| !t.contains("hunter2") && !t.contains("p2\"")),
            "{text:?}"
        );
        // Scrubbed once: the next open has nothing to do.
        assert!(db.setting("audit_secrets_scrubbed").unwrap().is_some());
    }

    #[test]
    fn appends_and_reads_newest_first_with_filters() {
        let db = Database::open_in_memory().unwrap();
        let before = json!({"id": "u1", "name": {"familyName": "Old"}});
        let after = json!({"id": "u1", "name": {"familyName": "New"}});
        db.append_audit(&NewAudit {
            provider: "acme",
            resource_kind: Kind::User,
            resource_id: Some("u1"),
            operation: "update",
            before: Some(&before),
            after: Some(&after),
            http_status: Some(200),
        })
        .unwrap();
        db.append_audit(&NewAudit {
            provider: "other",
            resource_kind: Kind::Group,
            resource_id: Some("g1"),
            operation: "delete",
            before: None,
            after: None,
            http_status: Some(204),
        })
        .unwrap();
        let all = db.audit_entries(&AuditQuery::default()).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].operation, "delete");
        let mine = db
            .audit_entries(&AuditQuery {
                provider: Some("acme"),
                resource_id: Some("u1"),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].before.as_ref(), Some(&before));
        assert_eq!(mine[0].after.as_ref(), Some(&after));
        assert_eq!(mine[0].http_status, Some(200));
        assert!(!mine[0].os_user.is_empty());
    }

    /// Prints `os_user()` for the test below (only when it asks).
    #[test]
    fn print_os_user() {
        if std::env::var_os("SCIM_DESK_PRINT_OS_USER").is_some() {
            println!("os_user=[{}]", os_user());
        }
    }

    /// As for an app started from a desktop menu or a service, with none of USER, USERNAME
    /// or LOGNAME set: the account still comes from the operating system ("update by unknown"
    /// was issue 20, bug 9).
    #[test]
    fn the_account_comes_from_the_os_not_only_the_environment() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "audit::tests::print_os_user", "--nocapture"])
            .env("SCIM_DESK_PRINT_OS_USER", "1")
            .env_remove("USER")
            .env_remove("USERNAME")
            .env_remove("LOGNAME")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let name = text
            .split("os_user=[")
            .nth(1)
            .and_then(|r| r.split(']').next())
            .unwrap_or_else(|| panic!("{text}"));
        assert!(!name.is_empty() && name != "unknown", "{text}");
        assert_eq!(name, whoami::fallible::username().unwrap());
    }
}
