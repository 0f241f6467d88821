//! Writing to a provider: preview, save (PATCH, or PUT where PATCH is missing; If-Match when the
//! provider has ETags), conflicts (412, or a changed record found by reading it first), undo,
//! create, delete and group membership. Every write lands in the audit log and, on success, in
//! the latest snapshot, so the views show it at once.

use scim_client::patch::{diff, requests};
use scim_client::{CapabilityProfile, ScimError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::conflicts::{conflict_fields, merge, overlapping_change, ConflictField};
use crate::providers::learned::Learned;
use crate::vocabulary::Kind;
use crate::vocabulary::{attribute_changes, AttributeChange};
use crate::{Desk, DeskError};
use desk_store::NewAudit;

/// A change the person wants to make to one resource.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EditRequest {
    pub provider: String,
    /// `User` or `Group`.
    pub kind: Kind,
    pub id: String,
    /// The resource as it was shown (with its `meta.version`): the base of the change.
    #[ts(type = "unknown")]
    pub before: Value,
    /// The resource as the person wants it.
    #[ts(type = "unknown")]
    pub after: Value,
}

/// What a save will send, for the review dialog.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EditPreview {
    /// `PATCH` or `PUT`.
    pub method: String,
    /// The request path, e.g. `/Users/2819c223`.
    pub path: String,
    /// The request bodies, in the order they are sent.
    #[ts(type = "unknown[]")]
    pub bodies: Vec<Value>,
    /// The If-Match header sent with the first request, when the provider has ETags.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub if_match: Option<String>,
    /// The difference, attribute by attribute.
    pub changes: Vec<AttributeChange>,
    /// Things the person should know before saving (a provider that accepts one writer only…).
    pub warnings: Vec<String>,
}

/// The outcome of a save.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum SaveOutcome {
    /// Saved; `resource` is the provider's stored state.
    #[serde(rename_all = "camelCase")]
    Saved {
        #[ts(type = "unknown")]
        resource: Value,
        audit_id: i32,
        /// Something the person should know about how it was saved ("this provider refused
        /// PATCH: the whole record was sent, and will be from now on").
        #[ts(optional)]
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// Attributes the provider accepted but did not keep ("title", "emails.type").
        not_kept: Vec<String>,
    },
    /// Someone changed the record on the provider since it was read. Nothing was written.
    #[serde(rename_all = "camelCase")]
    Conflict {
        #[ts(type = "unknown")]
        theirs: Value,
        fields: Vec<ConflictField>,
    },
}

pub(super) fn endpoint(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "Users",
        Kind::Group => "Groups",
    }
}

pub(super) fn version_of(v: &Value) -> Option<String> {
    v.get("meta")
        .and_then(|m| m.get("version"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Attributes a client never sends in a PUT.
pub(crate) fn without_read_only(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.as_object_mut() {
        m.retain(|k, _| !["meta", "groups"].iter().any(|r| r.eq_ignore_ascii_case(k)));
    }
    v
}

struct Plan {
    method: &'static str,
    bodies: Vec<Value>,
}

fn plan(profile: &CapabilityProfile, before: &Value, after: &Value) -> Plan {
    if profile.patch.supported {
        // `diff` writes extension changes attribute by attribute, which also suits providers
        // that refuse a whole extension object (SCIMMY).
        let ops = diff(before, after, &profile.patch);
        Plan {
            method: "PATCH",
            bodies: requests(&ops, profile),
        }
    } else {
        Plan {
            method: "PUT",
            bodies: vec![without_read_only(after)],
        }
    }
}

impl Desk {
    fn warnings(profile: &CapabilityProfile) -> Vec<String> {
        let mut w = Vec::new();
        if profile.single_writer {
            w.push(
                "This provider accepts changes from one system only; a change made here may be \
                 overwritten by that system."
                    .to_string(),
            );
        }
        if !profile.etag {
            w.push(
                "This provider has no version tags: SCIM Desk reads the record again just before \
                 saving to make sure nobody changed it meanwhile."
                    .to_string(),
            );
        }
        w
    }

    /// What saving `req` will send, without sending anything.
    pub async fn preview_edit(&self, req: &EditRequest) -> Result<EditPreview, DeskError> {
        let (_, profile) = self.client_with_profile(&req.provider).await?;
        let kind = req.kind;
        let p = plan(&profile, &req.before, &req.after);
        let changes = attribute_changes(&req.before, &req.after);
        let mut warnings = Self::warnings(&profile);
        // Attributes this provider accepted before without keeping them.
        let not_kept = self.not_kept(&req.provider)?;
        let mut lost: Vec<&crate::write::fidelity::NotKept> = Vec::new();
        for c in &changes {
            if let Some(n) = not_kept.iter().find(|n| {
                crate::write::fidelity::is_not_kept(std::slice::from_ref(n), kind, &c.path)
            }) {
                if !lost.contains(&n) {
                    lost.push(n);
                }
            }
        }
        for n in lost {
            warnings.push(format!(
                "{} accepted “{}” before without keeping it (on {} records): this change will \
                 probably not stick.",
                req.provider, n.path, n.records
            ));
        }
        Ok(EditPreview {
            method: p.method.to_string(),
            path: format!("/{}/{}", endpoint(kind), req.id),
            bodies: p.bodies,
            if_match: version_of(&req.before).filter(|_| profile.etag),
            changes,
            warnings,
        })
    }

    /// `lost` without the provider's write-only attributes (never returned, so never "kept"),
    /// counted as not kept by `provider`.
    fn unkept_in(
        &self,
        provider: &str,
        kind: Kind,
        mut lost: Vec<String>,
    ) -> Result<Vec<String>, DeskError> {
        // Most writes keep everything: no schema reading for them.
        if lost.is_empty() {
            return Ok(lost);
        }
        let write_only = self.write_only_names(provider)?;
        lost.retain(|p| {
            let name = p.rsplit([':', '.']).next().unwrap_or(p).to_lowercase();
            let top = p.split(['.', '[']).next().unwrap_or(p).to_lowercase();
            !write_only.contains(&name) && !write_only.contains(&top)
        });
        self.note_unkept(provider, kind, &lost)?;
        Ok(lost)
    }

    /// Records a write, with passwords and the provider's other write-only attributes kept
    /// out (that they were set is recorded, not their value).
    pub(crate) fn audit(&self, entry: &NewAudit<'_>) -> Result<i64, DeskError> {
        let write_only = self.write_only_names(entry.provider)?;
        Ok(self.db()?.append_audit_redacting(entry, &write_only)?)
    }

    /// The attributes `provider`'s /Schemas (as of its latest copy) mark writeOnly or
    /// returned never, lowercase.
    pub(crate) fn write_only_names(&self, provider: &str) -> Result<Vec<String>, DeskError> {
        let db = self.db()?;
        let Ok(row) = db.provider(provider) else {
            return Ok(Vec::new());
        };
        let Some(snap) = db.latest_snapshot(row.id)? else {
            return Ok(Vec::new());
        };
        let discovery = db.snapshot_discovery(snap.id)?;
        let docs = discovery
            .get("schemas")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(scim_client::SchemaSet::from_documents(&docs).write_only_names())
    }

    fn cache_saved(&self, provider: &str, kind: Kind, v: &Value) -> Result<(), DeskError> {
        let db = self.db()?;
        let row = db.provider(provider)?;
        if let Some(s) = db.latest_snapshot(row.id)? {
            db.cache_upsert(s.id, kind, v)?;
        }
        Ok(())
    }

    /// Saves `req` on the provider: the smallest PATCH it accepts (PUT where PATCH is missing),
    /// with If-Match when it has ETags. Without ETags the record is read first and a change by
    /// someone else to an attribute the person also changed is a conflict. Nothing is written
    /// on a conflict.
    pub async fn save_edit(&self, req: &EditRequest) -> Result<SaveOutcome, DeskError> {
        self.save_as(req, "update").await
    }

    pub(crate) async fn save_as(
        &self,
        req: &EditRequest,
        operation: &str,
    ) -> Result<SaveOutcome, DeskError> {
        let (client, profile) = self.client_with_profile(&req.provider).await?;
        self.save_with(&client, &profile, req, operation, !profile.etag, true)
            .await
    }

    /// Saves with a client and profile the caller holds. `pre_read`: read the record first and
    /// stop on an overlapping change (for providers without ETags, unless `req.before` was read
    /// from the provider just now). `update_cache`: also update the provider's local copy (a
    /// migration run leaves the copy as it was read; verify reads the target again).
    pub(crate) async fn save_with(
        &self,
        client: &scim_client::ScimClient,
        profile: &scim_client::CapabilityProfile,
        req: &EditRequest,
        operation: &str,
        pre_read: bool,
        update_cache: bool,
    ) -> Result<SaveOutcome, DeskError> {
        let kind = req.kind;
        let ep = endpoint(kind);
        // Learned since `profile` was read (a migration run holds one profile for all its
        // saves): PATCH refused, so the whole record goes at once.
        let learned_put = profile.patch.supported
            && self.has_learned(&req.provider, Learned::PatchUnsupported)?;
        let put_profile;
        let profile = if learned_put {
            let mut p = profile.clone();
            p.patch.supported = false;
            put_profile = p;
            &put_profile
        } else {
            profile
        };
        if pre_read {
            let current = client.get(ep, &req.id).await?;
            if overlapping_change(&req.before, &req.after, &current) {
                return Ok(SaveOutcome::Conflict {
                    fields: conflict_fields(&req.before, &req.after, &current),
                    theirs: current,
                });
            }
        }
        let p = plan(profile, &req.before, &req.after);
        let mut if_match = version_of(&req.before).filter(|_| profile.etag);
        let mut stored = req.before.clone();
        // The provider's answer to the last request sent (what the audit log records).
        let mut status = None;
        let mut result: Result<(), ScimError> = Ok(());
        for body in &p.bodies {
            let sent = if p.method == "PATCH" {
                client
                    .patch_written(ep, &req.id, body, if_match.as_deref())
                    .await
            } else {
                client
                    .replace_written(ep, &req.id, body, if_match.as_deref())
                    .await
            };
            match sent {
                Ok(w) => {
                    if profile.etag {
                        if_match = version_of(&w.resource);
                    }
                    status = Some(w.status);
                    stored = w.resource;
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        // PATCH refused as something the provider does not do (whatever its documents say):
        // remember it, and send the whole record with the change instead, based on the
        // record as it is now (a change someone made meanwhile to what the person also
        // changed is a conflict, as always).
        let mut note = None;
        if let Err(e) = &result {
            if p.method == "PATCH" && e.refuses_as_unsupported() {
                let path = format!("/{ep}/{}", req.id);
                note = Some(format!(
                    "{} refused changes by PATCH ({}) although it says it supports them: SCIM \
                     Desk sent the whole record instead, and will from now on.",
                    req.provider,
                    e.status()
                        .map_or_else(|| "no answer".to_string(), |s| format!("HTTP {s}"))
                ));
                self.learn(
                    &req.provider,
                    Learned::PatchUnsupported,
                    &crate::providers::learned::evidence(e, "PATCH", &path),
                )?;
                let current = client.get(ep, &req.id).await?;
                if overlapping_change(&req.before, &req.after, &current) {
                    return Ok(SaveOutcome::Conflict {
                        fields: conflict_fields(&req.before, &req.after, &current),
                        theirs: current,
                    });
                }
                let whole = merge(&req.before, &req.after, &current, &[]);
                let if_match = version_of(&current).filter(|_| profile.etag);
                result = match client
                    .replace_written(ep, &req.id, &without_read_only(&whole), if_match.as_deref())
                    .await
                {
                    Ok(w) => {
                        status = Some(w.status);
                        stored = w.resource;
                        Ok(())
                    }
                    Err(e) => Err(e),
                };
            }
        }
        match result {
            Ok(()) => {
                // What the provider accepted but did not keep, learned for the next plans.
                let not_kept = self.unkept_in(
                    &req.provider,
                    kind,
                    crate::write::fidelity::unkept_by_update(&req.before, &req.after, &stored),
                )?;
                let audit_id = self.audit(&NewAudit {
                    provider: &req.provider,
                    resource_kind: kind,
                    resource_id: Some(&req.id),
                    operation,
                    before: Some(&req.before),
                    after: Some(&stored),
                    http_status: status,
                })?;
                if update_cache {
                    self.cache_saved(&req.provider, kind, &stored)?;
                }
                Ok(SaveOutcome::Saved {
                    resource: stored,
                    audit_id: i32::try_from(audit_id).unwrap_or(i32::MAX),
                    note,
                    not_kept,
                })
            }
            Err(ScimError::PreconditionFailed { current, .. }) => {
                let theirs = match current {
                    Some(c) => *c,
                    None => client.get(ep, &req.id).await?,
                };
                self.audit(&NewAudit {
                    provider: &req.provider,
                    resource_kind: kind,
                    resource_id: Some(&req.id),
                    operation: &format!("{operation} (conflict)"),
                    before: Some(&req.before),
                    after: None,
                    http_status: Some(412),
                })?;
                Ok(SaveOutcome::Conflict {
                    fields: conflict_fields(&req.before, &req.after, &theirs),
                    theirs,
                })
            }
            Err(e) => {
                self.audit(&NewAudit {
                    provider: &req.provider,
                    resource_kind: kind,
                    resource_id: Some(&req.id),
                    operation: &format!("{operation} (failed)"),
                    before: Some(&req.before),
                    after: None,
                    http_status: e.status(),
                })?;
                Err(e.into())
            }
        }
    }

    /// Reverts the last edit saved through SCIM Desk on `provider` (not already undone), with
    /// the saved version as the base: a change made on the provider since is a conflict.
    pub async fn undo_last(&self, provider: &str) -> Result<SaveOutcome, DeskError> {
        let entry = self.db()?.last_undoable(provider)?.ok_or_else(|| {
            DeskError::NotFound("There is no saved change to undo on this provider.".into())
        })?;
        self.undo_entry(entry).await
    }

    /// Reverts the edit recorded as audit entry `id` (see [`Desk::undo_last`]).
    pub async fn undo_audit_entry(&self, id: i64) -> Result<SaveOutcome, DeskError> {
        let entry = self.db()?.audit_entry(id)?.ok_or_else(|| {
            DeskError::NotFound(format!("The change #{id} is not in the history."))
        })?;
        self.undo_entry(entry).await
    }

    async fn undo_entry(&self, entry: desk_store::AuditEntry) -> Result<SaveOutcome, DeskError> {
        let (Some(before), Some(after), Some(id)) = (entry.before, entry.after, entry.resource_id)
        else {
            return Err(DeskError::NotFound(
                "The change cannot be undone: its record is incomplete.".into(),
            ));
        };
        // A secret recorded as "set" has no value to go back to: it is left as it is.
        let req = EditRequest {
            provider: entry.provider.clone(),
            kind: entry.resource_kind,
            id,
            before: without_unrecorded(&after),
            after: without_unrecorded(&before),
        };
        let out = self.save_as(&req, &format!("undo #{}", entry.id)).await?;
        Ok(out)
    }

    /// Creates a user or group; returns the stored resource.
    pub async fn create_resource(
        &self,
        provider: &str,
        kind: Kind,
        resource: &Value,
    ) -> Result<Value, DeskError> {
        let (client, _) = self.client_with_profile(provider).await?;
        self.create_with(&client, provider, kind, resource, true)
            .await
    }

    /// Creates with a client the caller holds; `update_cache` as in `save_with`.
    pub(crate) async fn create_with(
        &self,
        client: &scim_client::ScimClient,
        provider: &str,
        kind: Kind,
        resource: &Value,
        update_cache: bool,
    ) -> Result<Value, DeskError> {
        match client.create_written(endpoint(kind), resource).await {
            Ok(scim_client::Written {
                status,
                resource: mut created,
            }) => {
                let id = created
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                // A provider answering with part of the record (its id): read what it stored.
                let named = ["userName", "displayName"]
                    .iter()
                    .any(|k| created.get(*k).is_some());
                if let (Some(id), false) = (&id, named) {
                    if let Ok(full) = client.get(endpoint(kind), id).await {
                        created = full;
                    }
                }
                if id.is_some() {
                    self.unkept_in(
                        provider,
                        kind,
                        crate::write::fidelity::unkept(resource, &created),
                    )?;
                }
                self.audit(&NewAudit {
                    provider,
                    resource_kind: kind,
                    resource_id: id.as_deref(),
                    operation: "create",
                    before: None,
                    after: Some(&created),
                    http_status: Some(status),
                })?;
                if update_cache {
                    self.cache_saved(provider, kind, &created)?;
                }
                Ok(created)
            }
            Err(e) => {
                self.audit(&NewAudit {
                    provider,
                    resource_kind: kind,
                    resource_id: None,
                    operation: "create (failed)",
                    before: None,
                    after: Some(resource),
                    http_status: e.status(),
                })?;
                Err(e.into())
            }
        }
    }

    /// Deletes a user or group (If-Match with the version shown, when the provider has ETags).
    pub async fn delete_resource(
        &self,
        provider: &str,
        kind: Kind,
        before: &Value,
    ) -> Result<(), DeskError> {
        let id = before
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| DeskError::InvalidInput("The record has no id.".into()))?;
        let (client, profile) = self.client_with_profile(provider).await?;
        let if_match = version_of(before).filter(|_| profile.etag);
        match client
            .delete_written(endpoint(kind), id, if_match.as_deref())
            .await
        {
            Ok(status) => {
                self.audit(&NewAudit {
                    provider,
                    resource_kind: kind,
                    resource_id: Some(id),
                    operation: "delete",
                    before: Some(before),
                    after: None,
                    http_status: Some(status),
                })?;
                let db = self.db()?;
                let row = db.provider(provider)?;
                if let Some(s) = db.latest_snapshot(row.id)? {
                    db.cache_remove(s.id, kind, id)?;
                }
                Ok(())
            }
            Err(e) => {
                self.audit(&NewAudit {
                    provider,
                    resource_kind: kind,
                    resource_id: Some(id),
                    operation: "delete (failed)",
                    before: Some(before),
                    after: None,
                    http_status: e.status(),
                })?;
                Err(match e {
                    ScimError::PreconditionFailed { .. } => DeskError::Conflict(
                        "This record was changed on the provider since you opened it. Nothing \
                         was deleted; sync, check the record, and try again."
                            .into(),
                    ),
                    other => other.into(),
                })
            }
        }
    }

    /// The audit log, newest first (all providers when `provider` is `None`).
    pub fn audit_entries(
        &self,
        provider: Option<&str>,
        resource: Option<(Kind, &str)>,
        limit: u32,
    ) -> Result<Vec<desk_store::AuditEntry>, DeskError> {
        Ok(self.db()?.audit_entries(&desk_store::AuditQuery {
            provider,
            resource_kind: resource.map(|(k, _)| k),
            resource_id: resource.map(|(_, id)| id),
            limit,
        })?)
    }
}

/// `v` without the attributes whose value the audit log did not record.
pub(crate) fn without_unrecorded(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, x)| x.as_str() != Some(desk_store::NOT_RECORDED))
                .map(|(k, x)| (k.clone(), without_unrecorded(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_unrecorded).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(family: &str, title: &str, dept: &str) -> Value {
        json!({"id": "u1", "userName": "ana", "name": {"givenName": "Ana", "familyName": family},
               "title": title,
               "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": dept},
               "meta": {"version": "W/\"1\""}})
    }

    #[test]
    fn conflict_fields_list_only_what_differs() {
        let base = user("Silva", "Engineer", "R&D");
        let mine = user("Souza", "Engineer", "R&D");
        let theirs = user("Silva", "Lead", "R&D");
        let f = conflict_fields(&base, &mine, &theirs);
        let paths: Vec<&str> = f.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["name.familyName", "title"]);
    }

    #[test]
    fn merge_keeps_both_sides_changes_and_the_chosen_ones() {
        let base = user("Silva", "Engineer", "R&D");
        let mine = user("Souza", "Engineer", "Sales");
        let theirs = user("Silva", "Lead", "Support");
        // Not chosen: department stays theirs; familyName only I changed: mine.
        let merged = merge(&base, &mine, &theirs, &[]);
        assert_eq!(merged["name"]["familyName"], "Souza");
        assert_eq!(merged["title"], "Lead");
        let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        assert_eq!(merged[ent]["department"], "Support");
        let chosen = merge(&base, &mine, &theirs, &[format!("{ent}:department")]);
        assert_eq!(chosen[ent]["department"], "Sales");
    }

    #[test]
    fn overlap_only_when_both_changed_the_same_attribute_differently() {
        let base = user("Silva", "Engineer", "R&D");
        let mine = user("Souza", "Engineer", "R&D");
        assert!(!overlapping_change(
            &base,
            &mine,
            &user("Silva", "Lead", "R&D")
        ));
        assert!(overlapping_change(
            &base,
            &mine,
            &user("Santos", "Engineer", "R&D")
        ));
        // Both made the same change: no conflict.
        assert!(!overlapping_change(
            &base,
            &mine,
            &user("Souza", "Engineer", "R&D")
        ));
    }

    #[test]
    fn put_where_patch_is_missing() {
        let mut profile = CapabilityProfile::default();
        profile.patch.supported = false;
        let p = plan(&profile, &user("Silva", "E", "R"), &user("Souza", "E", "R"));
        assert_eq!(p.method, "PUT");
        assert!(p.bodies[0].get("meta").is_none());
        profile.patch.supported = true;
        let p = plan(&profile, &user("Silva", "E", "R"), &user("Souza", "E", "R"));
        assert_eq!(p.method, "PATCH");
        assert_eq!(
            p.bodies[0]["Operations"][0]["path"],
            json!("name.familyName")
        );
    }
}
