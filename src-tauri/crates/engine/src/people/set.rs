//! One edit everywhere: change a person once, review per provider the exact request that will go
//! out (through that provider's profile: PATCH or PUT, If-Match where it has ETags, what it did
//! not keep before), save to every linked account or the chosen ones side by side, and undo per
//! provider. Each save is an audit entry of its provider (`person edit`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;

use super::fields::PersonField;
use crate::vocabulary::set_path;
use crate::write::edit::{EditPreview, EditRequest, SaveOutcome};
use crate::{Desk, DeskError};

/// The audit operation of a person edit's save.
pub const PERSON_EDIT: &str = "person edit";

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// One attribute to change.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PersonChange {
    /// A compared field's name (`familyName`, `title`, `department`, `email`, `manager`,
    /// `active`) or any attribute path (`nickName`, `urn:…:User:costCenter`).
    pub attribute: String,
    /// The new value; `null` clears it. For `manager`: the manager as a person (their e-mail,
    /// userName or person id), set in each provider to that person's account there.
    #[ts(type = "unknown")]
    pub value: Value,
}

/// Change a person once, in every linked account or the chosen providers'.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PersonEditRequest {
    pub person: String,
    pub changes: Vec<PersonChange>,
    /// Only these providers (empty: every provider with an account).
    #[serde(default)]
    pub providers: Vec<String>,
}

/// What one account gets.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountEditPreview {
    pub provider: String,
    pub account_id: String,
    pub user_name: Option<String>,
    /// The exact request (None when nothing is sent to this account).
    pub preview: Option<EditPreview>,
    /// Why nothing is sent (already so, or the account could not be read), in words.
    pub note: Option<String>,
}

/// The review of a person edit.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PersonEditPreview {
    pub person_id: String,
    pub name: String,
    pub accounts: Vec<AccountEditPreview>,
}

/// How one account's save ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum PersonEditOutcome {
    Saved,
    /// Already so: nothing sent.
    Unchanged,
    /// Changed on the provider meanwhile: nothing saved there.
    Conflict,
    Failed,
}

/// One account's result.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountEditResult {
    pub provider: String,
    pub account_id: String,
    pub outcome: PersonEditOutcome,
    /// What went wrong and what to do, or what to know, in words.
    pub message: Option<String>,
    /// The audit entry of the save (what undo reverts).
    pub audit_id: Option<i32>,
    /// Attributes the provider accepted without keeping them.
    pub not_kept: Vec<String>,
}

/// The result of a person edit (or of its undo).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PersonEditReport {
    pub person_id: String,
    pub name: String,
    pub accounts: Vec<AccountEditResult>,
    pub undo: bool,
}

/// The record path a change's attribute names.
fn path_of(attribute: &str) -> String {
    match PersonField::parse(attribute) {
        Some(PersonField::GivenName) => "name.givenName".into(),
        Some(PersonField::FamilyName) => "name.familyName".into(),
        Some(PersonField::DisplayName) => "displayName".into(),
        Some(PersonField::Title) => "title".into(),
        Some(PersonField::Active) => "active".into(),
        Some(PersonField::Department) => format!("{ENTERPRISE}:department"),
        Some(PersonField::EmployeeNumber) => format!("{ENTERPRISE}:employeeNumber"),
        Some(PersonField::Manager) => format!("{ENTERPRISE}:manager"),
        Some(PersonField::Email) => "emails".into(),
        None => attribute.trim().to_string(),
    }
}

/// Sets the primary (or first) e-mail address, adding one when there is none.
fn set_email(record: &mut Value, value: &Value) {
    let Some(obj) = record.as_object_mut() else {
        return;
    };
    let list = obj.entry("emails").or_insert_with(|| json!([]));
    if !list.is_array() {
        *list = json!([]);
    }
    let Some(list) = list.as_array_mut() else {
        return;
    };
    if value.is_null() {
        list.retain(|e| e.get("primary").and_then(Value::as_bool) != Some(true));
        return;
    }
    let at = list
        .iter()
        .position(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
        .or(if list.is_empty() { None } else { Some(0) });
    match at {
        Some(i) => list[i]["value"] = value.clone(),
        None => list.push(json!({"value": value, "type": "work", "primary": true})),
    }
}

/// A text value as JSON: `true`/`false` for `active`, text otherwise.
fn value_for(path: &str, v: &Value) -> Value {
    match (path, v) {
        ("active", Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "active" => Value::Bool(true),
            "false" | "no" | "inactive" => Value::Bool(false),
            _ => v.clone(),
        },
        _ => v.clone(),
    }
}

/// An account an edit goes to: (provider, account id, userName).
type Target = (String, String, Option<String>);

impl Desk {
    /// The person's id, name and chosen accounts.
    fn edit_targets(
        &self,
        req: &PersonEditRequest,
    ) -> Result<(String, String, Vec<Target>), DeskError> {
        if req.changes.is_empty() {
            return Err(DeskError::InvalidInput(
                "Say what to change, for example familyName=Okafor.".into(),
            ));
        }
        let index = self.people_index()?;
        let person = index.one(&req.person)?;
        let chosen: Vec<&str> = req
            .providers
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .collect();
        for name in &chosen {
            if index.provider(name).is_none() {
                return Err(DeskError::NotFound(format!(
                    "No synced provider is called \"{name}\". Check the name (or sync it first)."
                )));
            }
        }
        let accounts = index.persons[person]
            .iter()
            .map(|&a| {
                let (p, row) = &index.accounts[a];
                (
                    index.providers[*p].name.clone(),
                    row.id.clone(),
                    row.user_name.clone(),
                )
            })
            .filter(|(p, _, _)| {
                chosen.is_empty() || chosen.iter().any(|c| c.eq_ignore_ascii_case(p))
            })
            .collect();
        Ok((index.ids[person].clone(), index.name(person), accounts))
    }

    /// The manager's account id in `provider` for the person `key` names.
    fn manager_in(&self, key: &str, provider: &str) -> Result<Option<String>, DeskError> {
        let index = self.people_index()?;
        let person = index.one(key)?;
        let Some(p) = index.provider(provider) else {
            return Ok(None);
        };
        Ok(index.persons[person]
            .iter()
            .find(|&&a| index.accounts[a].0 == p)
            .map(|&a| index.accounts[a].1.id.clone()))
    }

    /// The edit of one account: its record read now, and the record with the changes.
    async fn account_edit(
        &self,
        provider: &str,
        id: &str,
        changes: &[PersonChange],
    ) -> Result<EditRequest, DeskError> {
        let (client, _) = self.client_with_profile(provider).await?;
        let before = client.get("Users", id).await?;
        let mut after = before.clone();
        for c in changes {
            let path = path_of(&c.attribute);
            if path == "emails" {
                set_email(&mut after, &c.value);
                continue;
            }
            let value = if path.ends_with(":manager") {
                match c.value.as_str().filter(|s| !s.trim().is_empty()) {
                    None => None,
                    Some(key) => {
                        let Some(mid) = self.manager_in(key, provider)? else {
                            return Err(DeskError::NotFound(format!(
                                "The manager has no account in {provider}: the manager cannot \
                                 be set there. Leave {provider} out, or give the manager an \
                                 account there first."
                            )));
                        };
                        Some(json!({"value": mid}))
                    }
                }
            } else if c.value.is_null() {
                None
            } else {
                Some(value_for(&path, &c.value))
            };
            if !set_path(&mut after, &path, value) {
                return Err(DeskError::InvalidInput(format!(
                    "\"{}\" is not an attribute SCIM Desk can set.",
                    c.attribute
                )));
            }
        }
        Ok(EditRequest {
            provider: provider.to_string(),
            kind: crate::vocabulary::Kind::User,
            id: id.to_string(),
            before,
            after,
        })
    }

    /// What the edit sends to each account, read from the providers now (nothing is sent).
    pub async fn preview_person_edit(
        &self,
        req: &PersonEditRequest,
    ) -> Result<PersonEditPreview, DeskError> {
        let (person_id, name, targets) = self.edit_targets(req)?;
        let each = targets.iter().map(|(provider, id, user_name)| async move {
            let mut row = AccountEditPreview {
                provider: provider.clone(),
                account_id: id.clone(),
                user_name: user_name.clone(),
                preview: None,
                note: None,
            };
            match self.account_edit(provider, id, &req.changes).await {
                Ok(edit) => match self.preview_edit(&edit).await {
                    Ok(p) if p.changes.is_empty() => {
                        row.note = Some("Already so: nothing is sent.".into())
                    }
                    Ok(p) => row.preview = Some(p),
                    Err(e) => row.note = Some(e.message_with_detail()),
                },
                Err(e) => row.note = Some(e.message_with_detail()),
            }
            row
        });
        Ok(PersonEditPreview {
            person_id,
            name,
            accounts: futures_util::future::join_all(each).await,
        })
    }

    /// Saves the edit to each chosen account, side by side; a failure stops no other provider.
    pub async fn save_person_edit(
        &self,
        req: &PersonEditRequest,
    ) -> Result<PersonEditReport, DeskError> {
        let (person_id, name, targets) = self.edit_targets(req)?;
        let each = targets.iter().map(|(provider, id, _)| async move {
            let mut r = AccountEditResult {
                provider: provider.clone(),
                account_id: id.clone(),
                outcome: PersonEditOutcome::Failed,
                message: None,
                audit_id: None,
                not_kept: Vec::new(),
            };
            let edit = match self.account_edit(provider, id, &req.changes).await {
                Ok(e) => e,
                Err(e) => {
                    r.message = Some(e.message_with_detail());
                    return r;
                }
            };
            if crate::vocabulary::attribute_changes(&edit.before, &edit.after).is_empty() {
                r.outcome = PersonEditOutcome::Unchanged;
                return r;
            }
            let saved = match self.client_with_profile(provider).await {
                // Read just now: no second read before saving.
                Ok((client, profile)) => {
                    self.save_with(&client, &profile, &edit, PERSON_EDIT, false, true)
                        .await
                }
                Err(e) => Err(e),
            };
            match saved {
                Ok(SaveOutcome::Saved {
                    audit_id,
                    note,
                    not_kept,
                    ..
                }) => {
                    r.outcome = PersonEditOutcome::Saved;
                    r.audit_id = Some(audit_id);
                    r.message = note.or_else(|| {
                        (!not_kept.is_empty()).then(|| {
                            format!(
                                "{provider} accepted but did not keep: {}.",
                                not_kept.join(", ")
                            )
                        })
                    });
                    r.not_kept = not_kept;
                }
                Ok(SaveOutcome::Conflict { .. }) => {
                    r.outcome = PersonEditOutcome::Conflict;
                    r.message = Some(format!(
                        "The account was changed in {provider} meanwhile; nothing was saved \
                         there. Try again."
                    ));
                }
                Err(e) => r.message = Some(e.message_with_detail()),
            }
            r
        });
        Ok(PersonEditReport {
            person_id,
            name,
            accounts: futures_util::future::join_all(each).await,
            undo: false,
        })
    }

    /// Takes back what a person edit saved, account by account (side by side); an account
    /// changed on its provider since is a conflict, left as it is.
    pub async fn undo_person_edit(
        &self,
        done: &PersonEditReport,
    ) -> Result<PersonEditReport, DeskError> {
        let each = done
            .accounts
            .iter()
            .filter(|a| a.outcome == PersonEditOutcome::Saved)
            .map(|a| async move {
                let mut r = AccountEditResult {
                    outcome: PersonEditOutcome::Failed,
                    message: None,
                    audit_id: None,
                    not_kept: Vec::new(),
                    ..a.clone()
                };
                let Some(audit) = a.audit_id else {
                    r.message = Some("The saved change is not in the history.".into());
                    return r;
                };
                match self.undo_audit_entry(i64::from(audit)).await {
                    Ok(SaveOutcome::Saved { audit_id, .. }) => {
                        r.outcome = PersonEditOutcome::Saved;
                        r.audit_id = Some(audit_id);
                    }
                    Ok(SaveOutcome::Conflict { .. }) => {
                        r.outcome = PersonEditOutcome::Conflict;
                        r.message =
                            Some(format!("Changed in {} since; left as it is.", a.provider));
                    }
                    Err(e) => r.message = Some(e.message_with_detail()),
                }
                r
            });
        Ok(PersonEditReport {
            person_id: done.person_id.clone(),
            name: done.name.clone(),
            accounts: futures_util::future::join_all(each).await,
            undo: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_primary_address_is_the_one_an_email_change_sets() {
        let mut r = json!({"emails": [{"value": "a@x", "type": "home"},
                                      {"value": "b@x", "type": "work", "primary": true}]});
        set_email(&mut r, &json!("c@x"));
        assert_eq!(r["emails"][1]["value"], "c@x");
        assert_eq!(r["emails"][0]["value"], "a@x");
        let mut none = json!({"userName": "u"});
        set_email(&mut none, &json!("d@x"));
        assert_eq!(
            none["emails"],
            json!([{"value": "d@x", "type": "work", "primary": true}])
        );
    }

    #[test]
    fn attribute_names_people_use_become_record_paths() {
        assert_eq!(path_of("familyName"), "name.familyName");
        assert_eq!(path_of("department"), format!("{ENTERPRISE}:department"));
        assert_eq!(path_of("nickName"), "nickName");
        assert_eq!(value_for("active", &json!("no")), json!(false));
    }
}
