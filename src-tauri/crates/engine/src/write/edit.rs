//! Writing to a provider: preview, save (PATCH, or PUT where PATCH is missing; If-Match when the
//! provider has ETags), conflicts (412, or a changed record found by reading it first), undo,
//! create, delete and group membership. Every write lands in the audit log and, on success, in
//! the latest snapshot, so the views show it at once.

use scim_client::patch::{diff, requests, PatchOpKind, PatchOperation};
use scim_client::{CapabilityProfile, ScimError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;

use crate::providers::learned::Learned;
use crate::vocabulary::Kind;
use crate::vocabulary::{attribute_changes, AttributeChange};
use crate::vocabulary::{flatten, set_path};
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

/// One attribute of a conflict: the value shown when editing began (base), the person's value
/// (mine) and the provider's current value (theirs).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConflictField {
    pub path: String,
    #[ts(optional, type = "unknown")]
    pub base: Option<Value>,
    #[ts(optional, type = "unknown")]
    pub mine: Option<Value>,
    #[ts(optional, type = "unknown")]
    pub theirs: Option<Value>,
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

/// The person's choices in the conflict view: which fields keep their value.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MergeRequest {
    #[ts(type = "unknown")]
    pub base: Value,
    #[ts(type = "unknown")]
    pub mine: Value,
    #[ts(type = "unknown")]
    pub theirs: Value,
    /// Paths of [`ConflictField`] where the person keeps their own value.
    pub take_mine: Vec<String>,
}

/// Members to add to and remove from a group.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MembershipChange {
    pub provider: String,
    pub group_id: String,
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

fn endpoint(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "Users",
        Kind::Group => "Groups",
    }
}

fn version_of(v: &Value) -> Option<String> {
    v.get("meta")
        .and_then(|m| m.get("version"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A refusal of a request as too large ("too many members", "at most 20").
fn refuses_as_too_many(e: &ScimError) -> bool {
    let ScimError::Http {
        status: 400 | 413,
        body,
        ..
    } = e
    else {
        return false;
    };
    let said = body.detail.as_deref().unwrap_or_default().to_lowercase();
    ["too many", "at most", "maximum", "limit", "exceed"]
        .iter()
        .any(|p| said.contains(p))
}

/// The first number in a refusal's reason ("at most 20 members" is 20).
fn number_in(e: &ScimError) -> Option<u32> {
    let ScimError::Http { body, .. } = e else {
        return None;
    };
    let d = body.detail.as_deref()?;
    let start = d.find(|c: char| c.is_ascii_digit())?;
    let digits: String = d[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok().filter(|n| *n > 0)
}

/// How many members a PatchOp body adds.
fn member_adds(body: &Value) -> usize {
    body.get("Operations")
        .and_then(Value::as_array)
        .map(|ops| {
            ops.iter()
                .filter(|o| {
                    o.get("op")
                        .and_then(Value::as_str)
                        .is_some_and(|x| x.eq_ignore_ascii_case("add"))
                        && o.get("path").and_then(Value::as_str) == Some("members")
                })
                .filter_map(|o| o.get("value").and_then(Value::as_array))
                .map(Vec::len)
                .sum()
        })
        .unwrap_or(0)
}

/// Attributes a client never sends in a PUT.
fn without_read_only(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.as_object_mut() {
        m.retain(|k, _| !["meta", "groups"].iter().any(|r| r.eq_ignore_ascii_case(k)));
    }
    v
}

/// The attributes where base, mine and theirs are not all equal.
pub fn conflict_fields(base: &Value, mine: &Value, theirs: &Value) -> Vec<ConflictField> {
    let (b, m, t) = (flatten(base), flatten(mine), flatten(theirs));
    let mut keys: Vec<&String> = b.keys().chain(m.keys()).chain(t.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !(b.get(*k) == m.get(*k) && m.get(*k) == t.get(*k)))
        .map(|k| ConflictField {
            path: k.clone(),
            base: b.get(k).cloned(),
            mine: m.get(k).cloned(),
            theirs: t.get(k).cloned(),
        })
        .collect()
}

/// The provider's current record with the person's values for `take_mine` (paths of
/// [`ConflictField`]) and, for every other attribute the person changed and the provider did
/// not, the person's value too. The result is what to save with `theirs` as the new base.
pub fn merge(base: &Value, mine: &Value, theirs: &Value, take_mine: &[String]) -> Value {
    let (b, m, t) = (flatten(base), flatten(mine), flatten(theirs));
    let mut out = theirs.clone();
    for f in conflict_fields(base, mine, theirs) {
        let mine_changed = b.get(&f.path) != m.get(&f.path);
        let theirs_changed = b.get(&f.path) != t.get(&f.path);
        let pick_mine = take_mine.contains(&f.path) || (mine_changed && !theirs_changed);
        if pick_mine {
            set_path(&mut out, &f.path, m.get(&f.path).cloned());
        }
    }
    out
}

/// True when `a` and `b` differ on an attribute path that `mine` changes.
fn overlapping_change(base: &Value, mine: &Value, current: &Value) -> bool {
    let (b, m, c) = (flatten(base), flatten(mine), flatten(current));
    m.keys()
        .chain(b.keys())
        .any(|k| b.get(k) != m.get(k) && b.get(k) != c.get(k) && m.get(k) != c.get(k))
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
    fn audit(&self, entry: &NewAudit<'_>) -> Result<i64, DeskError> {
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
            db.cache_upsert(s.id, kind.as_str(), v)?;
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
                    resource_kind: kind.as_str(),
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
                    resource_kind: kind.as_str(),
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
                    resource_kind: kind.as_str(),
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
        let (Some(before), Some(after), Some(id)) = (entry.before, entry.after, entry.resource_id)
        else {
            return Err(DeskError::NotFound(
                "The last change cannot be undone: its record is incomplete.".into(),
            ));
        };
        // A secret recorded as "set" has no value to go back to: it is left as it is.
        let req = EditRequest {
            provider: provider.to_string(),
            kind: Kind::parse(&entry.resource_kind),
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
                    resource_kind: kind.as_str(),
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
                    resource_kind: kind.as_str(),
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
                    resource_kind: kind.as_str(),
                    resource_id: Some(id),
                    operation: "delete",
                    before: Some(before),
                    after: None,
                    http_status: Some(status),
                })?;
                let db = self.db()?;
                let row = db.provider(provider)?;
                if let Some(s) = db.latest_snapshot(row.id)? {
                    db.cache_remove(s.id, kind.as_str(), id)?;
                }
                Ok(())
            }
            Err(e) => {
                self.audit(&NewAudit {
                    provider,
                    resource_kind: kind.as_str(),
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

    /// Adds and removes group members, in requests split to the provider's limits (PUT of the
    /// whole group where PATCH is missing).
    pub async fn change_membership(&self, change: &MembershipChange) -> Result<Value, DeskError> {
        let (client, profile) = self.client_with_profile(&change.provider).await?;
        let before = client.get("Groups", &change.group_id).await?;
        let failed = |e: ScimError| -> Result<DeskError, DeskError> {
            self.audit(&NewAudit {
                provider: &change.provider,
                resource_kind: Kind::Group.as_str(),
                resource_id: Some(&change.group_id),
                operation: "members (failed)",
                before: Some(&before),
                after: None,
                http_status: e.status(),
            })?;
            Ok(e.into())
        };
        let mut status = None;
        let use_patch = profile.patch.supported
            && !self.has_learned(&change.provider, Learned::PatchUnsupported)?;
        let mut patched = None;
        if use_patch {
            let mut ops = Vec::new();
            if !change.add.is_empty() {
                ops.push(PatchOperation {
                    op: PatchOpKind::Add,
                    path: Some("members".into()),
                    value: Some(Value::Array(
                        change.add.iter().map(|id| json!({"value": id})).collect(),
                    )),
                });
            }
            for id in &change.remove {
                ops.push(PatchOperation {
                    op: PatchOpKind::Remove,
                    path: Some(format!("members[value eq {}]", Value::String(id.clone()))),
                    value: None,
                });
            }
            let mut last = before.clone();
            let mut refused = false;
            for body in requests(&ops, &profile) {
                match client
                    .patch_written("Groups", &change.group_id, &body, None)
                    .await
                {
                    Ok(w) => {
                        status = Some(w.status);
                        last = w.resource;
                    }
                    // Too many members added at once for this provider: learned (the number
                    // it said, else half), and the change goes again in smaller requests
                    // (adding a member already there changes nothing).
                    Err(e) if refuses_as_too_many(&e) && member_adds(&body) > 1 => {
                        let half = u32::try_from(member_adds(&body) / 2).unwrap_or(u32::MAX);
                        let n = number_in(&e).unwrap_or(half).max(1);
                        let path = format!("/Groups/{}", change.group_id);
                        self.learn(
                            &change.provider,
                            Learned::MemberAddsAtMost(n),
                            &crate::providers::learned::evidence(&e, "PATCH", &path),
                        )?;
                        return Box::pin(self.change_membership(change)).await;
                    }
                    // PATCH refused as unsupported: learned, and the whole group goes by PUT.
                    Err(e) if e.refuses_as_unsupported() => {
                        let path = format!("/Groups/{}", change.group_id);
                        self.learn(
                            &change.provider,
                            Learned::PatchUnsupported,
                            &crate::providers::learned::evidence(&e, "PATCH", &path),
                        )?;
                        refused = true;
                        break;
                    }
                    Err(e) => return Err(failed(e)?),
                }
            }
            if !refused {
                patched = Some(last);
            }
        }
        let stored = match patched {
            Some(v) => v,
            None => {
                // The group as it is now (a request that went through before PATCH was refused
                // is in it), with the change made to its member list.
                let current = if use_patch {
                    client.get("Groups", &change.group_id).await?
                } else {
                    before.clone()
                };
                let mut after = current.clone();
                let mut members: Vec<Value> = current
                    .get("members")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                members.retain(|m| {
                    m.get("value")
                        .and_then(Value::as_str)
                        .is_none_or(|id| !change.remove.iter().any(|r| r == id))
                });
                for id in &change.add {
                    let there = members
                        .iter()
                        .any(|m| m.get("value").and_then(Value::as_str) == Some(id.as_str()));
                    if !there {
                        members.push(json!({"value": id}));
                    }
                }
                after["members"] = Value::Array(members);
                match client
                    .replace_written("Groups", &change.group_id, &without_read_only(&after), None)
                    .await
                {
                    Ok(w) => {
                        status = Some(w.status);
                        w.resource
                    }
                    Err(e) => return Err(failed(e)?),
                }
            }
        };
        self.audit(&NewAudit {
            provider: &change.provider,
            resource_kind: Kind::Group.as_str(),
            resource_id: Some(&change.group_id),
            operation: "members",
            before: Some(&before),
            after: Some(&stored),
            http_status: status,
        })?;
        let db = self.db()?;
        let row = db.provider(&change.provider)?;
        if let Some(s) = db.latest_snapshot(row.id)? {
            db.cache_upsert(s.id, "Group", &stored)?;
            db.cache_membership(s.id, &change.group_id, &change.add, &change.remove)?;
        }
        Ok(stored)
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
            resource_kind: resource.map(|(k, _)| k.as_str()),
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
