//! The steps of an offboarding, one account at a time: read the account, leave a group,
//! deactivate, delete, read it again. Each reads what it needs and sends only what is not
//! already so, which is also how a step in doubt after a kill is settled.

use desk_store::Kind;
use serde_json::{json, Value};

use super::offboard::{
    now, AccountOffboard, AccountState, OffboardAction, StepEvidence, StepOutcome,
};
use crate::providers::learned::Learned;
use crate::write::edit::{without_read_only, EditRequest, SaveOutcome};
use crate::write::membership::MembershipChange;
use crate::{Desk, DeskError};

/// The state of a user record as the evidence shows it.
pub(super) fn state_of(record: &Value) -> AccountState {
    let active = match record.get("active") {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) => s.parse::<bool>().ok(),
        _ => None,
    };
    let mut groups: Vec<String> = record
        .get("groups")
        .and_then(Value::as_array)
        .map(|g| {
            g.iter()
                .filter_map(|g| {
                    g.get("display")
                        .or_else(|| g.get("value"))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    groups.sort();
    AccountState {
        deleted: false,
        active,
        groups,
    }
}

impl Desk {
    /// Reads an account: its state, or deleted when the provider answers 404.
    pub(super) async fn read_account(
        &self,
        provider: &str,
        id: &str,
    ) -> Result<(Option<Value>, AccountState), (String, Option<u16>)> {
        let (client, _) = self
            .client_with_profile(provider)
            .await
            .map_err(|e| (e.message_with_detail(), None))?;
        match client.get("Users", id).await {
            Ok(v) => {
                let s = state_of(&v);
                Ok((Some(v), s))
            }
            Err(e) if e.status() == Some(404) => Ok((
                None,
                AccountState {
                    deleted: true,
                    ..AccountState::default()
                },
            )),
            Err(e) => {
                let status = e.status();
                Err((DeskError::from(e).message(), status))
            }
        }
    }

    /// One step: reads what it needs, sends only what is not already so.
    pub(super) async fn offboard_step(
        &self,
        account: &AccountOffboard,
        action: &OffboardAction,
    ) -> (StepEvidence, Option<AccountState>) {
        let provider = account.provider.as_str();
        let id = account.account_id.as_str();
        let mut ev = StepEvidence {
            action: action.clone(),
            words: action.words(),
            outcome: StepOutcome::Done,
            request: None,
            bodies: Vec::new(),
            http_status: None,
            at: now(),
            message: None,
        };
        let fail = |mut ev: StepEvidence, message: String, status: Option<u16>| {
            ev.outcome = StepOutcome::Failed;
            ev.message = Some(message);
            ev.http_status = status;
            ev
        };
        match action {
            OffboardAction::Read | OffboardAction::Verify => {
                ev.request = Some(format!("GET /Users/{id}"));
                match self.read_account(provider, id).await {
                    Ok((_, mut state)) => {
                        ev.http_status = Some(if state.deleted { 404 } else { 200 });
                        if state.groups.is_empty() && !state.deleted {
                            // Providers that leave `groups` out of users: the copy's groups.
                            state.groups = if *action == OffboardAction::Read {
                                account.groups.clone()
                            } else {
                                self.live_groups_of(account).await
                            };
                        }
                        (ev, Some(state))
                    }
                    Err((m, s)) => (fail(ev, m, s), None),
                }
            }
            OffboardAction::RemoveFromGroup { group_id, .. } => {
                ev.request = Some(format!("PATCH /Groups/{group_id}"));
                let (client, _) = match self.client_with_profile(provider).await {
                    Ok(c) => c,
                    Err(e) => return (fail(ev, e.message_with_detail(), None), None),
                };
                match client.get("Groups", group_id).await {
                    Ok(g) if !has_member(&g, id) => {
                        ev.outcome = StepOutcome::AlreadySo;
                        ev.request = None;
                        ev.http_status = Some(200);
                        return (ev, None);
                    }
                    Ok(_) => {}
                    Err(e) if e.status() == Some(404) => {
                        ev.outcome = StepOutcome::AlreadySo;
                        ev.request = None;
                        ev.http_status = Some(404);
                        ev.message = Some("The group no longer exists.".into());
                        return (ev, None);
                    }
                    Err(e) => {
                        let s = e.status();
                        return (fail(ev, DeskError::from(e).message(), s), None);
                    }
                }
                ev.bodies = vec![json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]
                })];
                let change = MembershipChange {
                    provider: provider.to_string(),
                    group_id: group_id.clone(),
                    add: Vec::new(),
                    remove: vec![id.to_string()],
                };
                match self.change_membership(&change).await {
                    Ok(_) => {
                        ev.http_status = self.last_status(provider, Kind::Group, group_id);
                        (ev, None)
                    }
                    Err(e) => {
                        let s = self.last_status(provider, Kind::Group, group_id);
                        (fail(ev, e.message_with_detail(), s), None)
                    }
                }
            }
            OffboardAction::Deactivate => {
                let current = match self.read_account(provider, id).await {
                    Ok((Some(v), s)) if s.active == Some(false) => {
                        let _ = v;
                        ev.outcome = StepOutcome::AlreadySo;
                        ev.http_status = Some(200);
                        return (ev, None);
                    }
                    Ok((Some(v), _)) => v,
                    Ok((None, _)) => {
                        ev.outcome = StepOutcome::AlreadySo;
                        ev.http_status = Some(404);
                        ev.message = Some("The account no longer exists.".into());
                        return (ev, None);
                    }
                    Err((m, s)) => return (fail(ev, m, s), None),
                };
                let mut after = current.clone();
                if let Some(o) = after.as_object_mut() {
                    o.insert("active".into(), Value::Bool(false));
                }
                let edit = EditRequest {
                    provider: provider.to_string(),
                    kind: Kind::User,
                    id: id.to_string(),
                    before: current,
                    after,
                };
                if let Ok(p) = self.preview_edit(&edit).await {
                    ev.request = Some(format!("{} {}", p.method, p.path));
                    ev.bodies = p.bodies;
                }
                let saved = match self.client_with_profile(provider).await {
                    Ok((client, profile)) => {
                        self.save_with(&client, &profile, &edit, "offboard", false, true)
                            .await
                    }
                    Err(e) => Err(e),
                };
                ev.http_status = self.last_status(provider, Kind::User, id);
                // A provider that refused PATCH got the whole record (PUT): say what was sent.
                if ev
                    .request
                    .as_deref()
                    .is_some_and(|r| r.starts_with("PATCH"))
                    && self
                        .has_learned(provider, Learned::PatchUnsupported)
                        .unwrap_or(false)
                {
                    ev.request = Some(format!("PUT /Users/{id}"));
                    ev.bodies = vec![without_read_only(&edit.after)];
                }
                match saved {
                    Ok(SaveOutcome::Saved {
                        resource, not_kept, ..
                    }) => {
                        let kept_active = state_of(&resource).active != Some(false)
                            || not_kept.iter().any(|p| p.eq_ignore_ascii_case("active"));
                        if kept_active {
                            // Read it back: some providers answer with what was sent.
                            let still = self.read_account(provider, id).await;
                            if !matches!(&still, Ok((_, s)) if s.active == Some(false) || s.deleted)
                            {
                                let _ = self.note_unkept(provider, Kind::User, &["active".into()]);
                                return (
                                    fail(
                                        ev.clone(),
                                        format!(
                                            "{provider} accepted the deactivation but kept the \
                                             account active: it does not keep “active”. Remove \
                                             the account from its groups or delete it instead."
                                        ),
                                        ev.http_status,
                                    ),
                                    None,
                                );
                            }
                        }
                        (ev, None)
                    }
                    Ok(SaveOutcome::Conflict { .. }) => {
                        let s = ev.http_status;
                        (
                            fail(
                                ev,
                                format!(
                                    "The account was changed in {provider} while it was being \
                                     deactivated. Offboard again: what is done stays done."
                                ),
                                s,
                            ),
                            None,
                        )
                    }
                    Err(e) => {
                        let s = ev.http_status;
                        (fail(ev, e.message_with_detail(), s), None)
                    }
                }
            }
            OffboardAction::Delete => {
                ev.request = Some(format!("DELETE /Users/{id}"));
                let current = match self.read_account(provider, id).await {
                    Ok((Some(v), _)) => v,
                    Ok((None, _)) => {
                        ev.outcome = StepOutcome::AlreadySo;
                        ev.http_status = Some(404);
                        return (ev, None);
                    }
                    Err((m, s)) => return (fail(ev, m, s), None),
                };
                match self.delete_resource(provider, Kind::User, &current).await {
                    Ok(()) => {
                        ev.http_status = self.last_status(provider, Kind::User, id);
                        (ev, None)
                    }
                    Err(e) => {
                        let s = self.last_status(provider, Kind::User, id);
                        (fail(ev, e.message_with_detail(), s), None)
                    }
                }
            }
        }
    }

    /// The groups an account is in, read from the provider (for providers whose users do not
    /// list them): each of the copy's groups still holding it.
    pub(super) async fn live_groups_of(&self, account: &AccountOffboard) -> Vec<String> {
        let Ok((client, _)) = self.client_with_profile(&account.provider).await else {
            return account.groups.clone();
        };
        let index = match self.people_index() {
            Ok(i) => i,
            Err(_) => return account.groups.clone(),
        };
        let Some(p) = index.provider(&account.provider) else {
            return account.groups.clone();
        };
        let snapshot = index.providers[p].snapshot_id;
        let ids: Vec<(String, Option<String>)> = self
            .db()
            .ok()
            .and_then(|db| db.account_groups(snapshot, &account.account_id).ok())
            .unwrap_or_default();
        let mut groups = Vec::new();
        for (gid, name) in ids {
            if let Ok(g) = client.get("Groups", &gid).await {
                if has_member(&g, &account.account_id) {
                    groups.push(name.unwrap_or(gid));
                }
            }
        }
        groups.sort();
        groups
    }

    /// The HTTP status of the newest audit entry for a resource (what the provider answered).
    pub(super) fn last_status(&self, provider: &str, kind: Kind, id: &str) -> Option<u16> {
        self.audit_entries(Some(provider), Some((kind, id)), 1)
            .ok()?
            .first()?
            .http_status
    }
}

pub(super) fn has_member(group: &Value, id: &str) -> bool {
    group
        .get("members")
        .and_then(Value::as_array)
        .is_some_and(|m| {
            m.iter()
                .any(|m| m.get("value").and_then(Value::as_str) == Some(id))
        })
}
