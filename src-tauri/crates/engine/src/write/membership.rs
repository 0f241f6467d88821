//! Group membership: members added and removed with PATCH (split to the provider's limits,
//! learned when it refuses too many), or the whole group by PUT where PATCH is refused.

use super::edit::*;
use crate::providers::learned::Learned;
use crate::vocabulary::Kind;
use crate::{Desk, DeskError};
use desk_store::NewAudit;
use scim_client::patch::{requests, PatchOpKind, PatchOperation};
use scim_client::ScimError;
use serde::Deserialize;
use serde_json::{json, Value};
use ts_rs::TS;

/// A refusal of a request as too large ("too many members", "at most 20").
pub(super) fn refuses_as_too_many(e: &ScimError) -> bool {
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
pub(super) fn number_in(e: &ScimError) -> Option<u32> {
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
pub(super) fn member_adds(body: &Value) -> usize {
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

impl Desk {
    /// Adds and removes group members, in requests split to the provider's limits (PUT of the
    /// whole group where PATCH is missing).
    pub async fn change_membership(&self, change: &MembershipChange) -> Result<Value, DeskError> {
        let (client, profile) = self.client_with_profile(&change.provider).await?;
        let before = client.get("Groups", &change.group_id).await?;
        let failed = |e: ScimError| -> Result<DeskError, DeskError> {
            self.audit(&NewAudit {
                provider: &change.provider,
                resource_kind: Kind::Group,
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
            resource_kind: Kind::Group,
            resource_id: Some(&change.group_id),
            operation: "members",
            before: Some(&before),
            after: Some(&stored),
            http_status: status,
        })?;
        let db = self.db()?;
        let row = db.provider(&change.provider)?;
        if let Some(s) = db.latest_snapshot(row.id)? {
            db.cache_upsert(s.id, Kind::Group, &stored)?;
            db.cache_membership(s.id, &change.group_id, &change.add, &change.remove)?;
        }
        Ok(stored)
    }
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
