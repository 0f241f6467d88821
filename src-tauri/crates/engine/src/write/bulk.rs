//! One change for many people at once (the grid's selection): deactivate, activate, set an
//! attribute (department, title, manager…), add to or remove from a group. Each follows the
//! pattern of a single edit: a preview that says what changes for whom, a run that saves record
//! by record (each write in the audit log, as `bulk update` or `bulk members`), a result per
//! record, and an undo of the whole run.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;

use crate::migrate::run::{Pace, RunProgress};
use crate::read::detail::label_of;
use crate::vocabulary::set_path;
use crate::vocabulary::CancelFlag;
use crate::vocabulary::Kind;
use crate::vocabulary::{attribute_changes, AttributeChange};
use crate::write::edit::{EditRequest, SaveOutcome};
use crate::write::membership::MembershipChange;
use crate::{Desk, DeskError};

/// The audit operation of one record's save in a bulk run.
pub const BULK_UPDATE: &str = "bulk update";

/// Attributes a bulk change may not set: identifiers, which must stay unique or are the
/// provider's own.
const NOT_FOR_BULK: [&str; 5] = ["id", "userName", "externalId", "meta", "schemas"];

/// What to do to every selected person.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum BulkAction {
    /// Mark inactive (the account is kept).
    Deactivate,
    /// Mark active again.
    Activate,
    /// Set one attribute, by its flattened path (`title`,
    /// `urn:…:enterprise:2.0:User:department`); `null` clears it.
    #[serde(rename_all = "camelCase")]
    SetAttribute {
        path: String,
        #[ts(type = "unknown")]
        value: Value,
    },
    /// Add every selected person to a group.
    #[serde(rename_all = "camelCase")]
    AddToGroup { group_id: String },
    /// Remove every selected person from a group.
    #[serde(rename_all = "camelCase")]
    RemoveFromGroup { group_id: String },
}

impl BulkAction {
    /// The same action undone (for a group) or `None` when undo means reverting each record.
    fn inverse_membership(&self) -> Option<BulkAction> {
        match self {
            BulkAction::AddToGroup { group_id } => Some(BulkAction::RemoveFromGroup {
                group_id: group_id.clone(),
            }),
            BulkAction::RemoveFromGroup { group_id } => Some(BulkAction::AddToGroup {
                group_id: group_id.clone(),
            }),
            _ => None,
        }
    }
}

/// One action for the people with these ids on a provider.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BulkRequest {
    pub provider: String,
    pub ids: Vec<String>,
    pub action: BulkAction,
}

/// What the action does to one person, for the review.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BulkPreviewRow {
    pub id: String,
    pub label: String,
    /// Empty when nothing changes for this person (already so).
    pub changes: Vec<AttributeChange>,
}

/// The review of a bulk action: each person and what changes.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BulkPreview {
    /// The group's name, for an action on a group.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub rows: Vec<BulkPreviewRow>,
    /// People the action changes.
    pub changing: u32,
    /// People for whom it is already so (nothing is sent for them).
    pub unchanged: u32,
    /// Selected ids no longer in the local copy (nothing is sent for them).
    pub missing: Vec<String>,
    pub warnings: Vec<String>,
}

/// How one person's save ended.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub enum BulkOutcome {
    Saved,
    /// Already so: nothing sent.
    Unchanged,
    /// Changed on the provider since the copy was read: nothing sent for this person.
    Conflict,
    Failed,
    /// Not in the local copy any more.
    Missing,
    /// The run was stopped before this person.
    NotRun,
}

/// One person's result.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BulkResultRow {
    pub id: String,
    pub label: String,
    pub outcome: BulkOutcome,
    /// Why it failed, in words.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The audit entry of the save (what undo reverts).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_id: Option<i32>,
}

impl BulkResultRow {
    /// Records how one person's save went: its audit entry, or a conflict (in these words), or
    /// the failure's words.
    fn settle(&mut self, saved: Result<SaveOutcome, DeskError>, conflict: &str) {
        match saved {
            Ok(SaveOutcome::Saved { audit_id, .. }) => self.audit_id = Some(audit_id),
            Ok(SaveOutcome::Conflict { .. }) => {
                self.outcome = BulkOutcome::Conflict;
                self.message = Some(conflict.to_string());
            }
            Err(e) => {
                self.outcome = BulkOutcome::Failed;
                self.message = Some(e.message());
            }
        }
    }
}

/// The result of a bulk run, record by record; what undo takes back.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BulkReport {
    pub provider: String,
    pub action: BulkAction,
    /// The group's name, for an action on a group.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub rows: Vec<BulkResultRow>,
    pub saved: u32,
    pub unchanged: u32,
    pub failed: u32,
    /// True for the report of an undo.
    #[serde(default)]
    pub undo: bool,
}

fn count<T>(items: &[T], pred: impl Fn(&T) -> bool) -> u32 {
    u32::try_from(items.iter().filter(|x| pred(x)).count()).unwrap_or(u32::MAX)
}

/// The enterprise extension's URN: its attributes are written under it.
fn extension_of(path: &str) -> Option<&str> {
    path.to_ascii_lowercase()
        .starts_with("urn:")
        .then(|| path.rfind(':').map(|i| &path[..i]))
        .flatten()
}

/// `before` with the action applied (user attributes only; memberships are not here).
fn applied(action: &BulkAction, before: &Value) -> Value {
    let mut after = before.clone();
    match action {
        BulkAction::Deactivate => after["active"] = json!(false),
        BulkAction::Activate => after["active"] = json!(true),
        BulkAction::SetAttribute { path, value } => {
            let value = (!value.is_null()).then(|| value.clone());
            if let (Some(urn), Some(_)) = (extension_of(path), &value) {
                let schemas = after
                    .as_object_mut()
                    .map(|m| m.entry("schemas").or_insert_with(|| json!([])));
                if let Some(Value::Array(list)) = schemas {
                    if !list.iter().any(|s| s.as_str() == Some(urn)) {
                        list.push(json!(urn));
                    }
                }
            }
            set_path(&mut after, path, value);
        }
        BulkAction::AddToGroup { .. } | BulkAction::RemoveFromGroup { .. } => {}
    }
    after
}

impl Desk {
    fn check_bulk(&self, req: &BulkRequest) -> Result<(), DeskError> {
        if req.ids.is_empty() {
            return Err(DeskError::InvalidInput(
                "Select at least one person first.".into(),
            ));
        }
        if let BulkAction::SetAttribute { path, .. } = &req.action {
            let last = path.rsplit([':', '.']).next().unwrap_or(path);
            if path.trim().is_empty()
                || NOT_FOR_BULK
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(path) || n.eq_ignore_ascii_case(last))
            {
                return Err(DeskError::InvalidInput(format!(
                    "“{path}” cannot be set for many people at once: it identifies each person. \
                     Change it on each record instead."
                )));
            }
        }
        Ok(())
    }

    /// The group's name in the local copy, or its id.
    fn group_label(&self, provider: &str, group_id: &str) -> Result<String, DeskError> {
        let db = self.db()?;
        let snap = crate::read::directory::latest_snapshot(&db, provider)?;
        db.cached_resource(snap.id, Kind::Group, group_id)?
            .map(|g| label_of(&g))
            .ok_or_else(|| {
                DeskError::NotFound(
                    "That group is not in the latest copy of the directory. Sync and choose it \
                     again."
                        .into(),
                )
            })
    }

    /// The group's name when the action is about a group.
    fn bulk_group(&self, req: &BulkRequest) -> Result<Option<String>, DeskError> {
        match &req.action {
            BulkAction::AddToGroup { group_id } | BulkAction::RemoveFromGroup { group_id } => {
                self.group_label(&req.provider, group_id).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Each selected person as the local copy holds them (`None`: not in it any more), and
    /// the group members when the action is about a group.
    #[allow(clippy::type_complexity)]
    fn bulk_records(
        &self,
        req: &BulkRequest,
    ) -> Result<(Vec<(String, Option<Value>)>, Vec<String>), DeskError> {
        let db = self.db()?;
        let snap = crate::read::directory::latest_snapshot(&db, &req.provider)?;
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::with_capacity(req.ids.len());
        for id in &req.ids {
            if seen.insert(id.as_str()) {
                out.push((id.clone(), db.cached_resource(snap.id, Kind::User, id)?));
            }
        }
        let members = match &req.action {
            BulkAction::AddToGroup { group_id } | BulkAction::RemoveFromGroup { group_id } => {
                db.group_members(snap.id, group_id)?
            }
            _ => Vec::new(),
        };
        Ok((out, members))
    }

    /// What `req` changes for each selected person, from the local copy; nothing is sent.
    pub fn preview_bulk(&self, req: &BulkRequest) -> Result<BulkPreview, DeskError> {
        self.check_bulk(req)?;
        let group = self.bulk_group(req)?;
        let (records, members) = self.bulk_records(req)?;
        let mut rows = Vec::new();
        let mut missing = Vec::new();
        for (id, record) in records {
            let Some(before) = record else {
                missing.push(id);
                continue;
            };
            let label = label_of(&before);
            let changes = match &req.action {
                BulkAction::AddToGroup { .. } if !members.contains(&id) => {
                    vec![AttributeChange {
                        change: crate::vocabulary::ChangeKind::Added,
                        path: "groups".into(),
                        before: None,
                        after: group.clone().map(Value::String),
                    }]
                }
                BulkAction::RemoveFromGroup { .. } if members.contains(&id) => {
                    vec![AttributeChange {
                        change: crate::vocabulary::ChangeKind::Removed,
                        path: "groups".into(),
                        before: group.clone().map(Value::String),
                        after: None,
                    }]
                }
                BulkAction::AddToGroup { .. } | BulkAction::RemoveFromGroup { .. } => Vec::new(),
                action => attribute_changes(&before, &applied(action, &before)),
            };
            rows.push(BulkPreviewRow { id, label, changes });
        }
        let mut warnings = Vec::new();
        if !missing.is_empty() {
            warnings.push(format!(
                "{} of the selected people are not in the latest copy any more; nothing is sent \
                 for them.",
                missing.len()
            ));
        }
        if let Some(profile) = self.saved_profile(&req.provider)? {
            if profile.single_writer {
                warnings.push(
                    "This provider accepts changes from one system only; these changes may be \
                     overwritten by that system."
                        .into(),
                );
            }
        }
        Ok(BulkPreview {
            group,
            changing: count(&rows, |r| !r.changes.is_empty()),
            unchanged: count(&rows, |r| r.changes.is_empty()),
            rows,
            missing,
            warnings,
        })
    }

    /// Runs `req`: record by record for attributes (each with the checks of a single edit:
    /// If-Match, or a read first on providers without version tags), in one membership change
    /// for a group. Stops between records when `cancel` is set; a failure stops nobody else.
    pub async fn run_bulk(
        &self,
        req: &BulkRequest,
        cancel: &CancelFlag,
        progress: &(dyn Fn(RunProgress) + Send + Sync),
    ) -> Result<BulkReport, DeskError> {
        self.check_bulk(req)?;
        let group = self.bulk_group(req)?;
        let (records, members) = self.bulk_records(req)?;
        let total = u32::try_from(records.len()).unwrap_or(u32::MAX);
        let mut pace = Pace::new(total);
        progress(pace.tick(0));
        let mut rows: Vec<BulkResultRow> = Vec::with_capacity(records.len());
        let row = |id: &str, label: String, outcome| BulkResultRow {
            id: id.to_string(),
            label,
            outcome,
            message: None,
            audit_id: None,
        };
        match &req.action {
            BulkAction::AddToGroup { group_id } | BulkAction::RemoveFromGroup { group_id } => {
                let adding = matches!(req.action, BulkAction::AddToGroup { .. });
                let mut ids = Vec::new();
                for (id, record) in &records {
                    match record {
                        None => rows.push(row(id, id.clone(), BulkOutcome::Missing)),
                        Some(r) if members.contains(id) == adding => {
                            rows.push(row(id, label_of(r), BulkOutcome::Unchanged));
                        }
                        Some(r) => {
                            ids.push(id.clone());
                            rows.push(row(id, label_of(r), BulkOutcome::Saved));
                        }
                    }
                }
                if !ids.is_empty() {
                    let change = MembershipChange {
                        provider: req.provider.clone(),
                        group_id: group_id.clone(),
                        add: if adding { ids.clone() } else { Vec::new() },
                        remove: if adding { Vec::new() } else { ids.clone() },
                    };
                    if let Err(e) = self.change_membership(&change).await {
                        let message = e.message();
                        for r in rows.iter_mut().filter(|r| ids.contains(&r.id)) {
                            r.outcome = BulkOutcome::Failed;
                            r.message = Some(message.clone());
                        }
                    }
                }
                progress(pace.tick(total));
            }
            action => {
                let (client, profile) = self.client_with_profile(&req.provider).await?;
                for (id, record) in &records {
                    let Some(before) = record else {
                        rows.push(row(id, id.clone(), BulkOutcome::Missing));
                        progress(pace.tick(1));
                        continue;
                    };
                    let label = label_of(before);
                    if cancel.is_cancelled() {
                        rows.push(row(id, label, BulkOutcome::NotRun));
                        continue;
                    }
                    let after = applied(action, before);
                    if attribute_changes(before, &after).is_empty() {
                        rows.push(row(id, label, BulkOutcome::Unchanged));
                        progress(pace.tick(1));
                        continue;
                    }
                    let edit = EditRequest {
                        provider: req.provider.clone(),
                        kind: Kind::User,
                        id: id.clone(),
                        before: before.clone(),
                        after,
                    };
                    let mut r = row(id, label, BulkOutcome::Saved);
                    let mut saved = self
                        .save_with(&client, &profile, &edit, BULK_UPDATE, !profile.etag, true)
                        .await;
                    // Changed on the provider since the sync, but not in what this run
                    // changes (a new title while deactivating): apply the action to the
                    // provider's record as it is now, once.
                    if let Ok(SaveOutcome::Conflict { theirs, fields }) = &saved {
                        let overlap = fields
                            .iter()
                            .any(|f| f.base != f.mine && f.base != f.theirs && f.mine != f.theirs);
                        let now = applied(action, theirs);
                        if !overlap && attribute_changes(theirs, &now).is_empty() {
                            rows.push(row(id, r.label, BulkOutcome::Unchanged));
                            progress(pace.tick(1));
                            continue;
                        }
                        if !overlap {
                            let retry = EditRequest {
                                before: theirs.clone(),
                                after: now,
                                ..edit.clone()
                            };
                            saved = self
                                .save_with(&client, &profile, &retry, BULK_UPDATE, false, true)
                                .await;
                        }
                    }
                    r.settle(
                        saved,
                        "Changed on the provider since the last sync; nothing was sent for this \
                         person. Sync and try again.",
                    );
                    rows.push(r);
                    progress(pace.tick(1));
                }
            }
        }
        Ok(report(req, group, rows, false))
    }

    /// Takes back what a bulk run saved: the group change the other way, or each saved record
    /// back to what it was (a record changed on the provider since is a conflict, left as it is).
    pub async fn undo_bulk(
        &self,
        done: &BulkReport,
        cancel: &CancelFlag,
        progress: &(dyn Fn(RunProgress) + Send + Sync),
    ) -> Result<BulkReport, DeskError> {
        let saved: Vec<&BulkResultRow> = done
            .rows
            .iter()
            .filter(|r| r.outcome == BulkOutcome::Saved)
            .collect();
        if let Some(inverse) = done.action.inverse_membership() {
            let req = BulkRequest {
                provider: done.provider.clone(),
                ids: saved.iter().map(|r| r.id.clone()).collect(),
                action: inverse,
            };
            if req.ids.is_empty() {
                return Ok(report(&req, done.group.clone(), Vec::new(), true));
            }
            let mut out = self.run_bulk(&req, cancel, progress).await?;
            out.action = done.action.clone();
            out.undo = true;
            return Ok(out);
        }
        let total = u32::try_from(saved.len()).unwrap_or(u32::MAX);
        let mut pace = Pace::new(total);
        progress(pace.tick(0));
        let mut rows = Vec::with_capacity(saved.len());
        for done_row in saved {
            let mut r = BulkResultRow {
                outcome: BulkOutcome::Saved,
                message: None,
                audit_id: None,
                ..done_row.clone()
            };
            if cancel.is_cancelled() {
                r.outcome = BulkOutcome::NotRun;
                rows.push(r);
                continue;
            }
            let entry = match done_row.audit_id {
                Some(a) => self.db()?.audit_entry(i64::from(a))?,
                None => None,
            };
            let Some((Some(before), Some(after))) = entry.map(|e| (e.before, e.after)) else {
                r.outcome = BulkOutcome::Failed;
                r.message =
                    Some("The saved change is not in the history; nothing was sent.".into());
                rows.push(r);
                continue;
            };
            let edit = EditRequest {
                provider: done.provider.clone(),
                kind: Kind::User,
                id: done_row.id.clone(),
                before: crate::write::edit::without_unrecorded(&after),
                after: crate::write::edit::without_unrecorded(&before),
            };
            let operation = format!("undo #{}", done_row.audit_id.unwrap_or_default());
            r.settle(
                self.save_as(&edit, &operation).await,
                "Changed on the provider since; left as it is. Open the record to revert it by \
                 hand.",
            );
            rows.push(r);
            progress(pace.tick(1));
        }
        let req = BulkRequest {
            provider: done.provider.clone(),
            ids: Vec::new(),
            action: done.action.clone(),
        };
        Ok(report(&req, done.group.clone(), rows, true))
    }
}

fn report(
    req: &BulkRequest,
    group: Option<String>,
    rows: Vec<BulkResultRow>,
    undo: bool,
) -> BulkReport {
    BulkReport {
        provider: req.provider.clone(),
        action: req.action.clone(),
        group,
        saved: count(&rows, |r| r.outcome == BulkOutcome::Saved),
        unchanged: count(&rows, |r| r.outcome == BulkOutcome::Unchanged),
        failed: count(&rows, |r| {
            matches!(
                r.outcome,
                BulkOutcome::Failed | BulkOutcome::Conflict | BulkOutcome::NotRun
            )
        }),
        rows,
        undo,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_extension_attribute_brings_its_schema() {
        let before = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                            "userName": "a"});
        let path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
        let after = applied(
            &BulkAction::SetAttribute {
                path: path.into(),
                value: json!("Sales"),
            },
            &before,
        );
        assert_eq!(
            after["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
            "Sales"
        );
        assert_eq!(
            after["schemas"],
            json!([
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ])
        );
    }

    #[test]
    fn clearing_removes_the_attribute_and_deactivate_sets_active_false() {
        let before = json!({"userName": "a", "title": "Chef", "active": true});
        let cleared = applied(
            &BulkAction::SetAttribute {
                path: "title".into(),
                value: Value::Null,
            },
            &before,
        );
        assert!(cleared.get("title").is_none());
        assert_eq!(applied(&BulkAction::Deactivate, &before)["active"], false);
    }
}
