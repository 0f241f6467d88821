//! Onboarding a new hire: one form, the chosen providers, each provider's record fitted to its
//! own /Schemas (attributes it does not have are left out and said; one it requires and the form
//! lacks stops that provider), the groups to join per provider (a department's usual groups are
//! offered from the copies), reviewed first, then created side by side and journaled like
//! offboarding (a create in doubt after a kill is settled by looking the userName up, never sent
//! twice).

use desk_store::person_runs::{PersonStep, StepState};
use desk_store::Kind;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;

use super::progress::PersonRunProgress;
use super::set::PersonChange;
use crate::migrate::fit::TargetFit;
use crate::write::membership::MembershipChange;
use crate::{Desk, DeskError};

/// The journal's name for these runs.
const ACTION: &str = "onboard";

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// A group to join in one provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GroupPick {
    pub provider: String,
    /// The group's id, or its name.
    pub group: String,
}

/// A new hire: the values once, the providers, the groups per provider.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OnboardRequest {
    /// Where to create the accounts.
    pub providers: Vec<String>,
    /// userName, givenName, familyName, displayName, email, title, department, employeeNumber,
    /// externalId, manager (a person), or any attribute path.
    pub values: Vec<PersonChange>,
    #[serde(default)]
    pub groups: Vec<GroupPick>,
}

/// What onboarding does in one provider.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountOnboard {
    pub provider: String,
    /// The record to create, as this provider will get it.
    #[ts(type = "unknown")]
    pub record: Value,
    /// (group id, name) to join.
    pub groups: Vec<(String, String)>,
    /// What was left out of the record and why, in words.
    pub notes: Vec<String>,
    /// Why nothing is created here (an account already there, a required attribute missing).
    pub blocked: Option<String>,
    /// The account already there with this userName or e-mail (nothing is created).
    pub existing: Option<String>,
}

/// The review of an onboarding.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OnboardPlan {
    pub user_name: String,
    pub name: String,
    pub accounts: Vec<AccountOnboard>,
    pub summary: String,
}

/// How onboarding went in one provider.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountOnboarded {
    pub provider: String,
    /// The new account's id.
    pub account_id: Option<String>,
    pub created: bool,
    /// The provider had the account already (nothing was created).
    pub already_there: bool,
    /// Groups joined.
    pub groups: Vec<String>,
    /// What went wrong and what to do, in words.
    pub message: Option<String>,
    pub http_status: Option<u16>,
}

/// The result of an onboarding.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OnboardReport {
    #[ts(type = "number")]
    pub run_id: i64,
    pub user_name: String,
    pub name: String,
    /// Every chosen provider has the account (and its groups).
    pub complete: bool,
    pub accounts: Vec<AccountOnboarded>,
    pub resumed: bool,
}

/// One step of an onboarding, as journaled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum Step {
    Create,
    #[serde(rename_all = "camelCase")]
    Join {
        group_id: String,
        name: String,
    },
}

fn text_of(values: &[PersonChange], names: &[&str]) -> Option<String> {
    values
        .iter()
        .find(|c| names.iter().any(|n| c.attribute.eq_ignore_ascii_case(n)))
        .and_then(|c| c.value.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The SCIM record of the form's values (the manager left for each provider).
fn record_of(values: &[PersonChange]) -> Result<(String, Value), DeskError> {
    let email = text_of(values, &["email", "emails", "e-mail"]);
    let user_name = text_of(values, &["userName"])
        .or_else(|| email.clone())
        .ok_or_else(|| {
            DeskError::InvalidInput(
                "A new hire needs a userName or an e-mail address (used as the userName).".into(),
            )
        })?;
    let given = text_of(values, &["givenName", "given name", "name.givenName"]);
    let family = text_of(values, &["familyName", "family name", "name.familyName"]);
    if given.is_none() && family.is_none() {
        return Err(DeskError::InvalidInput(
            "A new hire needs a name: give at least the given or the family name.".into(),
        ));
    }
    let display = text_of(values, &["displayName", "display name"]).unwrap_or_else(|| {
        [given.as_deref(), family.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    });
    let mut r = json!({
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "active": true,
        "displayName": display,
        "name": {},
    });
    if let Some(g) = given {
        r["name"]["givenName"] = json!(g);
    }
    if let Some(f) = family {
        r["name"]["familyName"] = json!(f);
    }
    if let Some(e) = email {
        r["emails"] = json!([{"value": e, "type": "work", "primary": true}]);
    }
    for (key, names) in [
        ("title", &["title"][..]),
        ("externalId", &["externalId"][..]),
    ] {
        if let Some(v) = text_of(values, names) {
            r[key] = json!(v);
        }
    }
    let mut ext = serde_json::Map::new();
    for (key, names) in [
        ("department", &["department"][..]),
        ("employeeNumber", &["employeeNumber", "employee number"][..]),
        ("costCenter", &["costCenter"][..]),
    ] {
        if let Some(v) = text_of(values, names) {
            ext.insert(key.into(), json!(v));
        }
    }
    if !ext.is_empty() {
        r["schemas"] = json!([USER_SCHEMA, ENTERPRISE]);
        r[ENTERPRISE] = Value::Object(ext);
    }
    let known = [
        "email",
        "emails",
        "e-mail",
        "userName",
        "givenName",
        "given name",
        "name.givenName",
        "familyName",
        "family name",
        "name.familyName",
        "displayName",
        "display name",
        "title",
        "externalId",
        "department",
        "employeeNumber",
        "employee number",
        "costCenter",
        "manager",
    ];
    for c in values {
        if known.iter().any(|k| c.attribute.eq_ignore_ascii_case(k)) || c.value.is_null() {
            continue;
        }
        if !crate::vocabulary::set_path(&mut r, c.attribute.trim(), Some(c.value.clone())) {
            return Err(DeskError::InvalidInput(format!(
                "\"{}\" is not an attribute SCIM Desk can set.",
                c.attribute
            )));
        }
    }
    Ok((user_name, r))
}

impl Desk {
    /// What onboarding `req` will create, from the copies and each provider's /Schemas (nothing
    /// is sent).
    pub fn plan_onboard(&self, req: &OnboardRequest) -> Result<OnboardPlan, DeskError> {
        let (user_name, base) = record_of(&req.values)?;
        let chosen: Vec<&str> = req
            .providers
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .collect();
        if chosen.is_empty() {
            return Err(DeskError::InvalidInput(
                "Choose the providers to create the account in.".into(),
            ));
        }
        let index = self.people_index()?;
        let manager = text_of(&req.values, &["manager"]);
        let email = base["emails"][0]["value"].as_str().map(str::to_lowercase);
        let mut accounts = Vec::new();
        for name in &chosen {
            let Some(pi) = index.provider(name) else {
                return Err(DeskError::NotFound(format!(
                    "No synced provider is called \"{name}\". Sync it first, then try again."
                )));
            };
            let copy = &index.providers[pi];
            let mut record = base.clone();
            let mut notes = Vec::new();
            let mut blocked = None;
            let mut existing = None;
            // Someone there already has the userName or the address.
            if let Some((_, row)) = index.accounts.iter().find(|(ap, row)| {
                *ap == pi
                    && (row
                        .user_name
                        .as_deref()
                        .is_some_and(|u| u.eq_ignore_ascii_case(&user_name))
                        || (email.is_some()
                            && row.email.as_deref().map(str::to_lowercase) == email))
            }) {
                blocked = Some(format!(
                    "{} already has an account with this userName or e-mail ({}): nothing is \
                     created there. Open that person instead.",
                    copy.name,
                    row.user_name.clone().unwrap_or_else(|| row.id.clone())
                ));
                existing = Some(row.id.clone());
            }
            if let Some(m) = &manager {
                let found = index.resolve(m);
                let account = found.first().and_then(|&person| {
                    index.persons[person]
                        .iter()
                        .find(|&&a| index.accounts[a].0 == pi)
                        .map(|&a| index.accounts[a].1.id.clone())
                });
                match account {
                    Some(id) => {
                        if !record["schemas"]
                            .as_array()
                            .is_some_and(|s| s.iter().any(|x| x == ENTERPRISE))
                        {
                            record["schemas"] = json!([USER_SCHEMA, ENTERPRISE]);
                        }
                        record[ENTERPRISE]["manager"] = json!({"value": id});
                    }
                    None => notes.push(format!(
                        "The manager has no account in {}: no manager is set there.",
                        copy.name
                    )),
                }
            }
            let profile = self.saved_profile(&copy.name)?;
            let discovery = self.db()?.snapshot_discovery(copy.snapshot_id)?;
            let fit = TargetFit::from_discovery(&discovery, profile.as_ref());
            let fitted = fit.fit(Kind::User, &mut record);
            for (attr, why) in &fitted.dropped {
                notes.push(format!("{attr} is left out: {why}."));
            }
            if !fitted.missing.is_empty() && blocked.is_none() {
                blocked = Some(format!(
                    "{} requires {}, which the form does not give: fill it in, then review again.",
                    copy.name,
                    fitted.missing.join(", ")
                ));
            }
            let groups = req
                .groups
                .iter()
                .filter(|g| g.provider.eq_ignore_ascii_case(&copy.name))
                .map(|g| {
                    self.group_named(copy.snapshot_id, &g.group)
                        .map(|found| found.ok_or_else(|| {
                            DeskError::NotFound(format!(
                                "{} has no group \"{}\" in its offline copy. Check the name or sync it.",
                                copy.name, g.group
                            ))
                        }))
                })
                .collect::<Result<Result<Vec<_>, _>, _>>()??;
            accounts.push(AccountOnboard {
                provider: copy.name.clone(),
                record,
                groups,
                notes,
                blocked,
                existing,
            });
        }
        let name = base["displayName"]
            .as_str()
            .unwrap_or(&user_name)
            .to_string();
        let creating: Vec<&str> = accounts
            .iter()
            .filter(|a| a.blocked.is_none())
            .map(|a| a.provider.as_str())
            .collect();
        let summary = if creating.is_empty() {
            format!("Nothing can be created for {name}: see each provider below.")
        } else {
            format!(
                "Create {name} ({user_name}) in {}: {}.",
                if creating.len() == 1 {
                    "1 provider".to_string()
                } else {
                    format!("{} providers", creating.len())
                },
                creating.join(", ")
            )
        };
        Ok(OnboardPlan {
            user_name,
            name,
            accounts,
            summary,
        })
    }

    /// A group of a copy by id or name (any case): (id, name).
    fn group_named(
        &self,
        snapshot_id: i64,
        group: &str,
    ) -> Result<Option<(String, String)>, DeskError> {
        let db = self.db()?;
        if let Some(v) = db.cached_resource(snapshot_id, Kind::Group, group)? {
            let name = v["displayName"].as_str().unwrap_or(group).to_string();
            return Ok(Some((group.to_string(), name)));
        }
        Ok(db.group_id_named(snapshot_id, group)?)
    }

    /// Onboards: plans (as [`Desk::plan_onboard`]), journals, creates in every provider side by
    /// side (then the groups), and reports per provider. An unfinished onboarding of the same
    /// userName (a kill) is resumed instead.
    pub async fn onboard(
        &self,
        req: &OnboardRequest,
        progress: &(dyn Fn(PersonRunProgress) + Send + Sync),
    ) -> Result<OnboardReport, DeskError> {
        let fresh = self.plan_onboard(req);
        let unfinished = match &fresh {
            Ok(p) => self.db()?.unfinished_person_run(ACTION, &p.user_name)?,
            Err(_) => None,
        };
        let (run_id, plan, resumed) = match unfinished {
            Some(run) => {
                let plan: OnboardPlan = serde_json::from_str(&run.plan).map_err(|e| {
                    DeskError::Internal(format!("the journaled onboarding cannot be read: {e}"))
                })?;
                (run.id, plan, true)
            }
            None => {
                let plan = fresh?;
                let mut steps = Vec::new();
                for a in plan.accounts.iter().filter(|a| a.blocked.is_none()) {
                    steps.push((
                        a.provider.as_str(),
                        "",
                        serde_json::to_string(&Step::Create).unwrap_or_default(),
                    ));
                    for (gid, name) in &a.groups {
                        let step = Step::Join {
                            group_id: gid.clone(),
                            name: name.clone(),
                        };
                        steps.push((
                            a.provider.as_str(),
                            "",
                            serde_json::to_string(&step).unwrap_or_default(),
                        ));
                    }
                }
                let plan_json = serde_json::to_string(&plan)
                    .map_err(|e| DeskError::Internal(format!("the plan cannot be written: {e}")))?;
                let id = self.db()?.start_person_run(
                    ACTION,
                    &plan.user_name,
                    &plan.name,
                    &plan_json,
                    &steps,
                )?;
                (id, plan, false)
            }
        };
        let steps = self.db()?.person_steps(run_id)?;
        let runs = plan
            .accounts
            .iter()
            .filter(|a| a.blocked.is_none())
            .map(|a| {
                let mine: Vec<PersonStep> = steps
                    .iter()
                    .filter(|s| s.provider == a.provider)
                    .cloned()
                    .collect();
                self.onboard_account(run_id, a, mine, &plan.user_name, progress)
            });
        let mut accounts: Vec<AccountOnboarded> = futures_util::future::join_all(runs).await;
        for a in plan.accounts.iter().filter(|a| a.blocked.is_some()) {
            let already_there = a.existing.is_some();
            accounts.push(AccountOnboarded {
                provider: a.provider.clone(),
                account_id: a.existing.clone(),
                created: false,
                already_there,
                groups: Vec::new(),
                message: a.blocked.clone().filter(|_| !already_there),
                http_status: None,
            });
        }
        let complete = accounts
            .iter()
            .all(|a| (a.created || a.already_there) && a.message.is_none());
        let report = OnboardReport {
            run_id,
            user_name: plan.user_name.clone(),
            name: plan.name.clone(),
            complete,
            accounts,
            resumed,
        };
        let json = serde_json::to_string_pretty(&report)
            .map_err(|e| DeskError::Internal(format!("the report cannot be written: {e}")))?;
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(json.as_bytes()));
        self.db()?.finish_person_run(run_id, &json, &sha)?;
        Ok(report)
    }

    /// One provider's steps, in order, each journaled.
    async fn onboard_account(
        &self,
        run_id: i64,
        account: &AccountOnboard,
        steps: Vec<PersonStep>,
        user_name: &str,
        progress: &(dyn Fn(PersonRunProgress) + Send + Sync),
    ) -> AccountOnboarded {
        let total = u32::try_from(steps.len()).unwrap_or(u32::MAX);
        let say = |done: usize, doing: String, failed: bool| {
            progress(PersonRunProgress {
                provider: account.provider.clone(),
                done: u32::try_from(done).unwrap_or(u32::MAX),
                total,
                doing,
                failed,
            })
        };
        let provider = account.provider.as_str();
        let mut out = AccountOnboarded {
            provider: provider.to_string(),
            account_id: None,
            created: false,
            already_there: false,
            groups: Vec::new(),
            message: None,
            http_status: None,
        };
        for (i, step) in steps.into_iter().enumerate() {
            let Ok(action) = serde_json::from_str::<Step>(&step.step) else {
                continue;
            };
            say(
                i,
                match &action {
                    Step::Create => "creating the account".into(),
                    Step::Join { name, .. } => format!("adding to “{name}”"),
                },
                out.message.is_some(),
            );
            let journaled: Option<Value> = step
                .result
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok());
            if step.state == StepState::Done {
                match (&action, journaled) {
                    (Step::Create, Some(j)) => {
                        out.account_id = j["id"].as_str().map(str::to_string);
                        out.created = out.account_id.is_some();
                        continue;
                    }
                    (Step::Join { name, .. }, _) => {
                        out.groups.push(name.clone());
                        continue;
                    }
                    _ => {}
                }
            }
            let mark = |state, result: Option<&str>| {
                let _ = self.db().and_then(|db| {
                    db.mark_person_step(run_id, step.seq, state, result)
                        .map_err(DeskError::from)
                });
            };
            match action {
                Step::Create => {
                    // In doubt after a kill: look the userName up before creating again.
                    if step.state == StepState::Sent {
                        if let Ok(Some(id)) = self.find_user_name(provider, user_name).await {
                            mark(StepState::Done, Some(&json!({"id": id}).to_string()));
                            out.account_id = Some(id);
                            out.created = true;
                            continue;
                        }
                    }
                    mark(StepState::Sent, None);
                    match self
                        .create_resource(provider, Kind::User, &account.record)
                        .await
                    {
                        Ok(stored) => {
                            let id = stored["id"].as_str().map(str::to_string);
                            mark(StepState::Done, Some(&json!({"id": id}).to_string()));
                            out.account_id = id;
                            out.created = out.account_id.is_some();
                            out.http_status = Some(201);
                        }
                        Err(e) => {
                            out.http_status = match &e {
                                DeskError::Scim(s) => s.status(),
                                _ => None,
                            };
                            out.message = Some(e.message_with_detail());
                            mark(
                                StepState::Failed,
                                Some(&json!({"message": e.message_with_detail()}).to_string()),
                            );
                            // No account: no groups to join.
                            say(
                                usize::try_from(total).unwrap_or(0),
                                "not created".into(),
                                true,
                            );
                            return out;
                        }
                    }
                }
                Step::Join { group_id, name } => {
                    let Some(id) = out.account_id.clone() else {
                        continue;
                    };
                    mark(StepState::Sent, None);
                    let change = MembershipChange {
                        provider: provider.to_string(),
                        group_id,
                        add: vec![id],
                        remove: Vec::new(),
                    };
                    match self.change_membership(&change).await {
                        Ok(_) => {
                            mark(StepState::Done, Some("{}"));
                            out.groups.push(name);
                        }
                        Err(e) => {
                            let m = format!("Not added to “{name}”: {}", e.message_with_detail());
                            mark(StepState::Failed, Some(&json!({"message": m}).to_string()));
                            out.message = Some(m);
                        }
                    }
                }
            }
        }
        say(
            usize::try_from(total).unwrap_or(0),
            if out.message.is_none() {
                "done".into()
            } else {
                "not finished".into()
            },
            out.message.is_some(),
        );
        out
    }

    /// The id of the account with `user_name` in `provider`, read from the provider.
    async fn find_user_name(
        &self,
        provider: &str,
        user_name: &str,
    ) -> Result<Option<String>, DeskError> {
        let (client, _) = self.client_with_profile(provider).await?;
        let page = client
            .list(
                "Users",
                &scim_client::ListQuery {
                    filter: Some(format!(
                        "userName eq {}",
                        Value::String(user_name.to_string())
                    )),
                    ..Default::default()
                },
                &scim_client::PageRequest::Index(1),
            )
            .await?;
        Ok(page
            .resources
            .iter()
            .find(|u| {
                u["userName"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(user_name))
            })
            .and_then(|u| u["id"].as_str())
            .map(str::to_string))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(attribute: &str, value: &str) -> PersonChange {
        PersonChange {
            attribute: attribute.into(),
            value: json!(value),
        }
    }

    #[test]
    fn the_form_becomes_a_scim_user_with_the_enterprise_extension_when_needed() {
        let (user, r) = record_of(&[
            v("email", "new.hire@x.test"),
            v("givenName", "New"),
            v("familyName", "Hire"),
            v("department", "Sales"),
            v("nickName", "Newbie"),
        ])
        .unwrap();
        assert_eq!(user, "new.hire@x.test");
        assert_eq!(r["displayName"], "New Hire");
        assert_eq!(r["emails"][0]["primary"], true);
        assert_eq!(r[ENTERPRISE]["department"], "Sales");
        assert_eq!(r["schemas"], json!([USER_SCHEMA, ENTERPRISE]));
        assert_eq!(r["nickName"], "Newbie");
        assert_eq!(r["active"], true);
    }

    #[test]
    fn a_form_without_a_user_name_or_a_name_is_refused_in_words() {
        let e = record_of(&[v("givenName", "A")]).unwrap_err();
        assert!(e.message_with_detail().contains("userName or an e-mail"));
        let e = record_of(&[v("userName", "a")]).unwrap_err();
        assert!(e.message_with_detail().contains("needs a name"));
    }
}
