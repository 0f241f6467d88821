//! What changed: between two snapshots of a provider, and one resource across snapshots.

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use crate::vocabulary::{attribute_changes, AttributeChange, ChangeKind, Kind, VersionChange};
use crate::{Desk, DeskError};

/// One resource that differs between two snapshots.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResourceChange {
    pub kind: Kind,
    pub id: String,
    /// userName or displayName, for people to read.
    pub label: String,
    pub change: ChangeKind,
    pub attributes: Vec<AttributeChange>,
}

/// The difference between two snapshots.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotDiff {
    pub provider: String,
    pub from_snapshot: i32,
    pub to_snapshot: i32,
    /// What changed at the provider between the two copies.
    pub changes: Vec<ResourceChange>,
    /// The writes made through SCIM Desk since the older copy was read, newest first. The
    /// local copy follows each write at once, so these do not show between the two copies.
    pub made_here: Vec<crate::read::detail::AuditRow>,
}

fn label(v: &Value) -> String {
    ["userName", "displayName", "id"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
        .to_string()
}

impl Desk {
    /// What changed in provider `name` from snapshot `from` to snapshot `to` (by default, the
    /// two newest).
    pub fn diff_snapshots(
        &self,
        name: &str,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<SnapshotDiff, DeskError> {
        let db = self.db()?;
        let provider = db.provider(name)?;
        let snaps = db.snapshots(provider.id)?;
        let to = to.or_else(|| snaps.first().map(|s| s.id));
        let from = from.or_else(|| snaps.get(1).map(|s| s.id));
        let (Some(from), Some(to)) = (from, to) else {
            return Err(DeskError::NotFound(format!(
                "\"{}\" needs two copies to compare; sync it again first.",
                provider.name
            )));
        };
        for id in [from, to] {
            if !snaps.iter().any(|s| s.id == id) {
                return Err(DeskError::NotFound(format!(
                    "\"{}\" has no copy numbered {id}.",
                    provider.name
                )));
            }
        }
        let changes = db
            .diff_snapshots(from, to)?
            .into_iter()
            .map(|c| {
                let (change, attributes, lab) = match (&c.before, &c.after) {
                    (None, Some(a)) => (ChangeKind::Added, Vec::new(), label(a)),
                    (Some(b), None) => (ChangeKind::Removed, Vec::new(), label(b)),
                    (Some(b), Some(a)) => (ChangeKind::Changed, attribute_changes(b, a), label(a)),
                    (None, None) => (ChangeKind::Changed, Vec::new(), c.id.clone()),
                };
                ResourceChange {
                    kind: c.kind,
                    id: c.id,
                    label: lab,
                    change,
                    attributes,
                }
            })
            .collect();
        let since = snaps
            .iter()
            .find(|s| s.id == from)
            .map(|s| s.started_at.clone())
            .unwrap_or_default();
        let made_here = db
            .audit_entries(&desk_store::AuditQuery {
                provider: Some(&provider.name),
                ..Default::default()
            })?
            .into_iter()
            .filter(|e| e.at >= since)
            .map(crate::read::detail::AuditRow::from)
            .collect();
        Ok(SnapshotDiff {
            provider: provider.name,
            from_snapshot: i32::try_from(from).unwrap_or(i32::MAX),
            to_snapshot: i32::try_from(to).unwrap_or(i32::MAX),
            changes,
            made_here,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A desk on a fresh data folder with provider "p" (no network needed).
    fn desk_with_provider() -> (tempfile::TempDir, crate::DataPaths, Desk, i64) {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::DataPaths::at(dir.path().to_path_buf()).unwrap();
        let desk = Desk::open(
            paths.clone(),
            std::sync::Arc::new(crate::providers::secrets::MemoryStore::new()),
        )
        .unwrap();
        let pid = desk
            .db()
            .unwrap()
            .insert_provider(&desk_store::NewProvider::without_auth(
                "p",
                "http://127.0.0.1:9/v2",
            ))
            .unwrap()
            .id;
        (dir, paths, desk, pid)
    }

    /// After the oldest copies are pruned, a person who was there all along is not "added"
    /// in the oldest copy kept (issue 20, bug 9); one who arrived later is.
    #[test]
    fn the_oldest_copy_kept_does_not_say_added() {
        // The folder lives as long as the test (dropped at its end).
        let (_dir, _paths, desk, pid) = desk_with_provider();
        let ann = |title: &str| json!({"id": "a", "userName": "ann", "title": title});
        let bob = json!({"id": "b", "userName": "bob"});
        for users in [
            vec![ann("Eng")],
            vec![ann("Lead")],
            vec![ann("Lead"), bob.clone()],
        ] {
            let mut w =
                desk_store::SnapshotWriter::begin(desk.database_file().unwrap(), pid, "full")
                    .unwrap();
            w.add_users(&users).unwrap();
            w.finish(true, &json!({})).unwrap();
        }
        desk.db().unwrap().prune_snapshots(pid, 2).unwrap();
        let kind = crate::vocabulary::Kind::User;
        let a: Vec<String> = desk
            .resource_history("p", kind, "a")
            .unwrap()
            .into_iter()
            .map(|v| v.change.as_str().to_string())
            .collect();
        assert_eq!(a, ["first_kept", "unchanged"]);
        let b: Vec<String> = desk
            .resource_history("p", kind, "b")
            .unwrap()
            .into_iter()
            .map(|v| v.change.as_str().to_string())
            .collect();
        assert_eq!(b, ["added"]);
    }

    /// The Changes tab lists the writes made here since the older copy (they do not show
    /// between the copies, which follow each write): issue 20, bug 2.
    #[test]
    fn changes_list_what_was_made_here_since_the_older_copy() {
        // The folder lives as long as the test (dropped at its end).
        let (_dir, _paths, desk, pid) = desk_with_provider();
        let write = |users: Vec<Value>| {
            let mut w =
                desk_store::SnapshotWriter::begin(desk.database_file().unwrap(), pid, "full")
                    .unwrap();
            w.add_users(&users).unwrap();
            w.finish(true, &json!({})).unwrap();
        };
        let before = json!({"id": "a", "userName": "ann", "name": {"familyName": "Lee"}});
        let after = json!({"id": "a", "userName": "ann", "name": {"familyName": "Li"}});
        write(vec![before.clone()]);
        desk.db()
            .unwrap()
            .append_audit(&desk_store::NewAudit {
                provider: "p",
                resource_kind: Kind::User,
                resource_id: Some("a"),
                operation: "update",
                before: Some(&before),
                after: Some(&after),
                http_status: Some(204),
            })
            .unwrap();
        // The edit updated the local copy at once, and the next sync reads what it left:
        // nothing differs between the copies.
        let first = desk.db().unwrap().latest_snapshot(pid).unwrap().unwrap().id;
        desk.db()
            .unwrap()
            .cache_upsert(first, Kind::User, &after)
            .unwrap();
        write(vec![after.clone()]);
        let d = desk.diff_snapshots("p", None, None).unwrap();
        assert!(d.changes.is_empty());
        assert_eq!(d.made_here.len(), 1);
        assert_eq!(d.made_here[0].operation, "update");
        assert_eq!(d.made_here[0].changes[0].path, "name.familyName");
    }

    /// The review's "Now" column: the e-mail being replaced shows its current address
    /// (issue 20, bug 4: it showed "—").
    #[test]
    fn a_replaced_work_email_shows_what_it_is_now() {
        let before = json!({"userName": "a", "name": {"familyName": "Old"},
            "emails": [{"type": "work", "value": "old@example.com", "primary": true}]});
        let mut after = before.clone();
        after["emails"][0]["value"] = json!("new@example.com");
        let changes = attribute_changes(&before, &after);
        let email = changes
            .iter()
            .find(|c| c.path.starts_with("emails"))
            .unwrap_or_else(|| panic!("{changes:?}"));
        assert_eq!(email.before, Some(json!("old@example.com")), "{email:?}");
        assert_eq!(email.after, Some(json!("new@example.com")));
    }
}

/// One version of a resource in the history view.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResourceVersion {
    pub snapshot_id: i32,
    pub taken_at: String,
    /// Compared with the previous snapshot.
    pub change: VersionChange,
    pub attributes: Vec<AttributeChange>,
}

impl Desk {
    /// One resource across the snapshots of `name`, oldest first, with what changed each time.
    pub fn resource_history(
        &self,
        name: &str,
        kind: crate::vocabulary::Kind,
        id: &str,
    ) -> Result<Vec<ResourceVersion>, DeskError> {
        let db = self.db()?;
        let provider = db.provider(name)?;
        let history = db.resource_history(provider.id, kind, id)?;
        let mut out = Vec::new();
        let mut previous: Option<Value> = None;
        // In the oldest copy kept, a record was not "added": older copies may have been pruned.
        let mut first = true;
        for (snap, value) in history {
            let oldest = std::mem::replace(&mut first, false);
            let (change, attributes) = match (&previous, &value) {
                (None, Some(_)) if oldest => (VersionChange::FirstKept, Vec::new()),
                (None, Some(_)) => (VersionChange::Added, Vec::new()),
                (Some(_), None) => (VersionChange::Removed, Vec::new()),
                (Some(b), Some(a)) if b == a => (VersionChange::Unchanged, Vec::new()),
                (Some(b), Some(a)) => (VersionChange::Changed, attribute_changes(b, a)),
                (None, None) => {
                    previous = None;
                    continue;
                }
            };
            out.push(ResourceVersion {
                snapshot_id: i32::try_from(snap.id).unwrap_or(i32::MAX),
                taken_at: snap.finished_at,
                change,
                attributes,
            });
            previous = value;
        }
        if out.is_empty() {
            return Err(DeskError::NotFound(format!(
                "No copy of \"{}\" holds a {} with id {id}.",
                provider.name,
                kind.as_str().to_lowercase()
            )));
        }
        Ok(out)
    }
}
