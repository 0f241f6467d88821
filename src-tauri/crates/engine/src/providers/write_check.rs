//! The write check: before the first real edit, a scratch user is created, changed by PATCH and
//! by PUT, read back and deleted, so what the provider refuses and what it does not keep is
//! learned on a record nobody uses. It cleans up even when a step fails.

use serde::Serialize;
use serde_json::{json, Value};
use ts_rs::TS;

use crate::vocabulary::Kind;
use crate::write::edit::{EditRequest, SaveOutcome};
use crate::{Desk, DeskError};

/// One step of the write check.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WriteStep {
    /// "create", "change (PATCH)", "replace (PUT)", "read back", "delete".
    pub step: String,
    pub ok: bool,
    /// What happened, in words (the provider's reason when it refused).
    pub detail: String,
}

/// What the write check found.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WriteCheck {
    pub steps: Vec<WriteStep>,
    /// What is known now from the provider's answers (learned facts, attributes not kept).
    pub learned: Vec<crate::providers::learned::LearnedFact>,
    pub not_kept: Vec<crate::write::fidelity::NotKept>,
    /// True when the scratch user is gone again (false: its id is in the steps, delete it).
    pub cleaned_up: bool,
}

fn step(steps: &mut Vec<WriteStep>, name: &str, r: Result<String, DeskError>) -> bool {
    let ok = r.is_ok();
    steps.push(WriteStep {
        step: name.into(),
        ok,
        detail: r.unwrap_or_else(|e| e.message()),
    });
    ok
}

impl Desk {
    /// Runs the write check on provider `name` (writes to it: ask the person first).
    pub async fn write_check(&self, name: &str) -> Result<WriteCheck, DeskError> {
        let (client, _) = self.client_with_profile(name).await?;
        let stamp = desk_store::now_rfc3339().replace([':', '-', '.'], "");
        let user_name = format!("scim-desk-write-check-{}", stamp.to_lowercase());
        let scratch = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "externalId": format!("scim-desk-write-check-{stamp}"),
            "displayName": "SCIM Desk write check",
            "name": {"givenName": "Write", "familyName": "Check"},
            "title": "Temporary record",
            "emails": [{"value": format!("{user_name}@example.invalid"), "type": "work", "primary": true}],
            "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
            // Never able to sign in, even if the delete fails.
            "active": false,
        });
        let mut steps = Vec::new();
        let created = self.create_resource(name, Kind::User, &scratch).await;
        let id = created
            .as_ref()
            .ok()
            .and_then(|c| c.get("id").and_then(Value::as_str))
            .map(str::to_string);
        let created_ok = step(
            &mut steps,
            "create",
            created.map(|_| {
                format!(
                    "created {user_name} (inactive) as {}",
                    id.clone().unwrap_or_default()
                )
            }),
        );
        let mut cleaned_up = !created_ok;
        if let (true, Some(id)) = (created_ok, id) {
            // PATCH (or the fallback learned from it), with the checks of any edit.
            let before = client.get("Users", &id).await;
            let patched = match before {
                Ok(before) => {
                    let mut after = before.clone();
                    after["title"] = json!("Temporary record, changed");
                    after["nickName"] = json!("check");
                    let req = EditRequest {
                        provider: name.into(),
                        kind: Kind::User,
                        id: id.clone(),
                        before,
                        after,
                    };
                    match self.save_edit(&req).await {
                        Ok(SaveOutcome::Saved { note, not_kept, .. }) => {
                            Ok(match (note, not_kept) {
                                (Some(n), _) => n,
                                (None, nk) if !nk.is_empty() => {
                                    format!("saved; not kept: {}", nk.join(", "))
                                }
                                _ => "saved and kept".into(),
                            })
                        }
                        Ok(SaveOutcome::Conflict { .. }) => Err(DeskError::Conflict(
                            "the scratch record changed meanwhile".into(),
                        )),
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e.into()),
            };
            step(&mut steps, "change (PATCH)", patched);
            // PUT of the whole record.
            let replaced = async {
                let current = client.get("Users", &id).await?;
                let mut whole = current.clone();
                if let Some(m) = whole.as_object_mut() {
                    m.remove("meta");
                    m.remove("groups");
                }
                whole["displayName"] = json!("SCIM Desk write check (replaced)");
                let w = client.replace_written("Users", &id, &whole, None).await?;
                let lost = crate::write::fidelity::unkept_by_update(&current, &whole, &w.resource);
                self.note_unkept(name, Kind::User, &lost)?;
                Ok::<_, DeskError>(if lost.is_empty() {
                    format!("HTTP {}; kept", w.status)
                } else {
                    format!("HTTP {}; not kept: {}", w.status, lost.join(", "))
                })
            }
            .await;
            step(&mut steps, "replace (PUT)", replaced);
            // A version the record never had: a provider that enforces If-Match refuses it.
            let (_, profile) = self.client_with_profile(name).await?;
            if profile.etag {
                let guarded = async {
                    let current = client.get("Users", &id).await?;
                    let mut whole = current.clone();
                    if let Some(m) = whole.as_object_mut() {
                        m.remove("meta");
                        m.remove("groups");
                    }
                    match client
                        .replace_written("Users", &id, &whole, Some("W/\"scim-desk-stale\""))
                        .await
                    {
                        Err(scim_client::ScimError::PreconditionFailed { .. }) => {
                            Ok("a stale version was refused (HTTP 412)".to_string())
                        }
                        Ok(w) => {
                            self.learn(
                                name,
                                crate::providers::learned::Learned::IfMatchIgnored,
                                &format!(
                                    "HTTP {} to PUT /Users/{id} with a stale If-Match",
                                    w.status
                                ),
                            )?;
                            Ok(
                                "a stale version was accepted: If-Match is ignored (learned)"
                                    .into(),
                            )
                        }
                        Err(e) => Err(DeskError::from(e)),
                    }
                }
                .await;
                step(&mut steps, "version check (If-Match)", guarded);
            }
            let read = client
                .get("Users", &id)
                .await
                .map(|_| "read back".to_string())
                .map_err(DeskError::from);
            step(&mut steps, "read back", read);
            // Always: the scratch record goes.
            let gone = match client.get("Users", &id).await {
                Ok(current) => self
                    .delete_resource(name, Kind::User, &current)
                    .await
                    .map(|()| format!("deleted {user_name}")),
                Err(e) => Err(e.into()),
            };
            cleaned_up = step(&mut steps, "delete", gone);
        }
        Ok(WriteCheck {
            steps,
            learned: self.learned_facts(name)?,
            not_kept: self.not_kept(name)?,
            cleaned_up,
        })
    }
}
