//! Offboarding a person everywhere: deactivate every account (or the chosen providers'),
//! optionally remove them from every group first and/or delete after. Planned from the copies
//! and confirmed, then run against the providers in parallel (one provider's steps in order),
//! journaled step by step (a kill resumes; a step in doubt is settled by reading, never sent
//! twice), and ended with an evidence report whose SHA-256 goes to the audit log.

use std::collections::BTreeMap;

use desk_store::person_runs::{PersonStep, StepState};
use desk_store::{Kind, NewAudit};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::index::PeopleIndex;
use super::progress::PersonRunProgress;
use crate::write::fidelity::is_not_kept;
use crate::{Desk, DeskError};

/// The journal's name for these runs.
const ACTION: &str = "offboard";

/// What to do to a person.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OffboardRequest {
    /// The person: a person id, an e-mail, a userName, an externalId or `PROVIDER:ID`.
    pub person: String,
    /// Only these providers' accounts (empty: every provider with an account).
    #[serde(default)]
    pub providers: Vec<String>,
    /// Remove the accounts from every group first.
    #[serde(default)]
    pub remove_from_groups: bool,
    /// Delete the accounts after deactivating them.
    #[serde(default)]
    pub delete: bool,
}

/// One thing done to one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum OffboardAction {
    /// Read the account as it is (the "before" of the evidence).
    Read,
    #[serde(rename_all = "camelCase")]
    RemoveFromGroup {
        group_id: String,
        group_name: String,
    },
    Deactivate,
    Delete,
    /// Read the account again (the "after" of the evidence).
    Verify,
}

impl OffboardAction {
    /// In words, for the review, the progress and the evidence.
    pub fn words(&self) -> String {
        match self {
            OffboardAction::Read => "read the account".into(),
            OffboardAction::RemoveFromGroup { group_name, .. } => {
                format!("remove from group “{group_name}”")
            }
            OffboardAction::Deactivate => "deactivate".into(),
            OffboardAction::Delete => "delete".into(),
            OffboardAction::Verify => "read the account again".into(),
        }
    }
}

/// What offboarding does to one account.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountOffboard {
    pub provider: String,
    pub account_id: String,
    pub user_name: Option<String>,
    /// As the copy has it.
    pub active: Option<bool>,
    /// Names of its groups in the copy.
    pub groups: Vec<String>,
    pub actions: Vec<OffboardAction>,
    /// Why this provider's account cannot be deactivated, when it cannot (no `active`).
    pub cannot_deactivate: Option<String>,
}

/// The review of an offboarding: every account it will touch.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OffboardPlan {
    pub person_id: String,
    pub name: String,
    pub accounts: Vec<AccountOffboard>,
    /// Chosen providers where the person has no account (nothing is done there).
    pub no_account_in: Vec<String>,
    /// The confirmation, naming every account.
    pub summary: String,
    pub remove_from_groups: bool,
    pub delete: bool,
}

/// How one step went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum StepOutcome {
    Done,
    /// Already so: nothing was sent.
    AlreadySo,
    Failed,
    /// Not run (an earlier step of the account failed).
    NotRun,
}

/// One step in the evidence.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StepEvidence {
    pub action: OffboardAction,
    pub words: String,
    pub outcome: StepOutcome,
    /// The request, as `METHOD /path`.
    pub request: Option<String>,
    /// Its bodies, in order.
    #[ts(type = "unknown[]")]
    pub bodies: Vec<Value>,
    pub http_status: Option<u16>,
    pub at: String,
    pub message: Option<String>,
}

/// An account's state, read from the provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountState {
    /// The account no longer exists (deleted).
    pub deleted: bool,
    pub active: Option<bool>,
    pub groups: Vec<String>,
}

/// One account in the evidence.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountEvidence {
    pub provider: String,
    pub base_url: String,
    pub account_id: String,
    pub user_name: Option<String>,
    pub before: Option<AccountState>,
    pub after: Option<AccountState>,
    /// The account ended deactivated or deleted.
    pub ended: bool,
    pub steps: Vec<StepEvidence>,
    /// What went wrong and what to do, in words (when it did not end).
    pub message: Option<String>,
}

/// The evidence report of an offboarding.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OffboardEvidence {
    /// The journal's number of the run (small: counted from 1 on this computer).
    #[ts(type = "number")]
    pub run_id: i64,
    pub person_id: String,
    pub name: String,
    /// Who ran it (the computer's user).
    pub operator: String,
    pub started_at: String,
    pub finished_at: String,
    pub remove_from_groups: bool,
    pub delete: bool,
    /// Every chosen account ended deactivated or deleted.
    pub complete: bool,
    pub accounts: Vec<AccountEvidence>,
}

/// What the window and the CLI get back: the evidence, its exact bytes and their SHA-256.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OffboardReport {
    pub evidence: OffboardEvidence,
    /// The evidence as JSON, byte for byte what the SHA-256 is of.
    pub evidence_json: String,
    pub evidence_sha256: String,
    /// A run left unfinished (by a kill) was resumed.
    pub resumed: bool,
}

/// A journaled step's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Journaled {
    evidence: StepEvidence,
    /// For Read and Verify: the state read.
    state: Option<AccountState>,
}

impl PeopleIndex {
    fn offboard_plan(
        &self,
        req: &OffboardRequest,
        not_kept_active: &dyn Fn(&str) -> bool,
        groups_of: &dyn Fn(usize) -> Vec<(String, String)>,
    ) -> Result<OffboardPlan, DeskError> {
        let person = self.one(&req.person)?;
        let chosen: Vec<String> = req
            .providers
            .iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        for name in &chosen {
            if self.provider(name).is_none() {
                return Err(DeskError::NotFound(format!(
                    "No synced provider is called \"{name}\". Check the name (or sync it first)."
                )));
            }
        }
        let mut accounts = Vec::new();
        for &a in &self.persons[person] {
            let (p, row) = &self.accounts[a];
            let provider = &self.providers[*p].name;
            if !chosen.is_empty() && !chosen.iter().any(|c| c.eq_ignore_ascii_case(provider)) {
                continue;
            }
            let groups = groups_of(a);
            let mut actions = vec![OffboardAction::Read];
            if req.remove_from_groups {
                actions.extend(
                    groups
                        .iter()
                        .map(|(id, name)| OffboardAction::RemoveFromGroup {
                            group_id: id.clone(),
                            group_name: name.clone(),
                        }),
                );
            }
            let cannot_deactivate = not_kept_active(provider).then(|| {
                format!(
                    "{provider} accepted “active” before without keeping it: its account cannot \
                     be deactivated. Remove it from every group and/or delete it instead."
                )
            });
            if cannot_deactivate.is_none() {
                actions.push(OffboardAction::Deactivate);
            }
            if req.delete {
                actions.push(OffboardAction::Delete);
            }
            actions.push(OffboardAction::Verify);
            accounts.push(AccountOffboard {
                provider: provider.clone(),
                account_id: row.id.clone(),
                user_name: row.user_name.clone(),
                active: row.active,
                groups: groups.into_iter().map(|(_, n)| n).collect(),
                actions,
                cannot_deactivate,
            });
        }
        let no_account_in = chosen
            .iter()
            .filter(|c| !accounts.iter().any(|a| a.provider.eq_ignore_ascii_case(c)))
            .cloned()
            .collect();
        let name = self.name(person);
        let verb = match (req.remove_from_groups, req.delete) {
            (false, false) => "Deactivate",
            (true, false) => "Remove from every group and deactivate",
            (false, true) => "Deactivate and delete",
            (true, true) => "Remove from every group, deactivate and delete",
        };
        let list: Vec<String> = accounts
            .iter()
            .map(|a| {
                format!(
                    "{} ({})",
                    a.provider,
                    a.user_name.clone().unwrap_or_else(|| a.account_id.clone())
                )
            })
            .collect();
        let summary = match accounts.len() {
            0 => format!("{name} has no account in the chosen providers: nothing to do."),
            1 => format!("{verb} 1 account of {name}: {}.", list.join(", ")),
            n => format!("{verb} {n} accounts of {name}: {}.", list.join(", ")),
        };
        Ok(OffboardPlan {
            person_id: self.ids[person].clone(),
            name,
            accounts,
            no_account_in,
            summary,
            remove_from_groups: req.remove_from_groups,
            delete: req.delete,
        })
    }
}

impl OffboardPlan {
    /// Its steps as the journal keeps them: (provider, account id, action as JSON), in order.
    pub fn journal_steps(&self) -> Vec<(&str, &str, String)> {
        self.accounts
            .iter()
            .flat_map(|a| {
                a.actions.iter().map(|act| {
                    (
                        a.provider.as_str(),
                        a.account_id.as_str(),
                        serde_json::to_string(act).unwrap_or_default(),
                    )
                })
            })
            .collect()
    }
}

pub(super) fn now() -> String {
    desk_store::now_rfc3339()
}

impl Desk {
    /// What offboarding `req` will do, from the copies (nothing is sent).
    pub fn plan_offboard(&self, req: &OffboardRequest) -> Result<OffboardPlan, DeskError> {
        let index = self.people_index()?;
        let mut unkept: BTreeMap<String, bool> = BTreeMap::new();
        for p in &index.providers {
            let nk = self.not_kept(&p.name)?;
            unkept.insert(p.name.clone(), is_not_kept(&nk, Kind::User, "active"));
        }
        let db = self.db()?;
        let groups_of = |a: usize| -> Vec<(String, String)> {
            let (p, row) = &index.accounts[a];
            db.account_groups(index.providers[*p].snapshot_id, &row.id)
                .unwrap_or_default()
                .into_iter()
                .map(|(id, name)| (id.clone(), name.unwrap_or(id)))
                .collect()
        };
        index.offboard_plan(
            req,
            &|p: &str| unkept.get(p).copied().unwrap_or(false),
            &groups_of,
        )
    }

    /// Offboards a person: plans (as [`Desk::plan_offboard`]), journals, runs every provider
    /// in parallel, and returns the evidence. An unfinished run for the same person (a kill)
    /// is resumed instead of starting again.
    pub async fn offboard(
        &self,
        req: &OffboardRequest,
        progress: &(dyn Fn(PersonRunProgress) + Send + Sync),
    ) -> Result<OffboardReport, DeskError> {
        let plan = self.plan_offboard(req)?;
        let unfinished = self.db()?.unfinished_person_run(ACTION, &plan.person_id)?;
        let (run_id, plan, resumed) = match unfinished {
            Some(run) => {
                let plan: OffboardPlan = serde_json::from_str(&run.plan).map_err(|e| {
                    DeskError::Internal(format!("the journaled offboarding cannot be read: {e}"))
                })?;
                (run.id, plan, true)
            }
            None => {
                let steps = plan.journal_steps();
                let plan_json = serde_json::to_string(&plan)
                    .map_err(|e| DeskError::Internal(format!("the plan cannot be written: {e}")))?;
                let id = self.db()?.start_person_run(
                    ACTION,
                    &plan.person_id,
                    &plan.name,
                    &plan_json,
                    &steps,
                )?;
                (id, plan, false)
            }
        };
        let started_at = self
            .db()?
            .person_run(run_id)?
            .map(|r| r.started_at)
            .unwrap_or_else(now);
        let steps = self.db()?.person_steps(run_id)?;
        // Each provider's steps in order; the providers side by side.
        let runs = plan.accounts.iter().map(|account| {
            let mine: Vec<PersonStep> = steps
                .iter()
                .filter(|s| s.provider == account.provider && s.account_id == account.account_id)
                .cloned()
                .collect();
            self.offboard_account(run_id, account, mine, progress)
        });
        let accounts: Vec<AccountEvidence> = futures_util::future::join_all(runs).await;
        let complete = accounts.iter().all(|a| a.ended);
        let evidence = OffboardEvidence {
            run_id,
            person_id: plan.person_id.clone(),
            name: plan.name.clone(),
            operator: desk_store::os_user(),
            started_at,
            finished_at: now(),
            remove_from_groups: plan.remove_from_groups,
            delete: plan.delete,
            complete,
            accounts,
        };
        let evidence_json = serde_json::to_string_pretty(&evidence)
            .map_err(|e| DeskError::Internal(format!("the evidence cannot be written: {e}")))?;
        let evidence_sha256 = hex::encode(Sha256::digest(evidence_json.as_bytes()));
        self.db()?
            .finish_person_run(run_id, &evidence_json, &evidence_sha256)?;
        for a in &evidence.accounts {
            self.audit(&NewAudit {
                provider: &a.provider,
                resource_kind: Kind::User,
                resource_id: Some(&a.account_id),
                operation: "offboard evidence",
                before: None,
                after: Some(&json!({
                    "run": run_id,
                    "person": evidence.person_id,
                    "ended": a.ended,
                    "evidenceSha256": evidence_sha256,
                })),
                http_status: None,
            })?;
        }
        Ok(OffboardReport {
            evidence,
            evidence_json,
            evidence_sha256,
            resumed,
        })
    }

    /// One account's steps, in order, each journaled.
    async fn offboard_account(
        &self,
        run_id: i64,
        account: &AccountOffboard,
        steps: Vec<PersonStep>,
        progress: &(dyn Fn(PersonRunProgress) + Send + Sync),
    ) -> AccountEvidence {
        let provider = account.provider.clone();
        let total = u32::try_from(steps.len()).unwrap_or(u32::MAX);
        let base_url = self
            .provider(&provider)
            .map(|p| p.base_url)
            .unwrap_or_default();
        let mut evidence = AccountEvidence {
            provider: provider.clone(),
            base_url,
            account_id: account.account_id.clone(),
            user_name: account.user_name.clone(),
            before: None,
            after: None,
            ended: false,
            steps: Vec::new(),
            message: account.cannot_deactivate.clone(),
        };
        let mut stopped = false;
        for (i, step) in steps.iter().enumerate() {
            let action: OffboardAction = match serde_json::from_str(&step.step) {
                Ok(a) => a,
                Err(_) => continue,
            };
            progress(PersonRunProgress {
                provider: provider.clone(),
                done: u32::try_from(i).unwrap_or(u32::MAX),
                total,
                doing: action.words(),
                failed: stopped,
            });
            // Done before a kill: its journaled result stands.
            if matches!(step.state, StepState::Done | StepState::Failed) {
                if let Some(j) = step
                    .result
                    .as_deref()
                    .and_then(|r| serde_json::from_str::<Journaled>(r).ok())
                {
                    self.note_state(&mut evidence, &action, j.state.clone());
                    stopped |= j.evidence.outcome == StepOutcome::Failed
                        && !matches!(action, OffboardAction::RemoveFromGroup { .. });
                    evidence.steps.push(j.evidence);
                    continue;
                }
            }
            if stopped && action != OffboardAction::Verify {
                evidence.steps.push(StepEvidence {
                    words: action.words(),
                    action,
                    outcome: StepOutcome::NotRun,
                    request: None,
                    bodies: Vec::new(),
                    http_status: None,
                    at: now(),
                    message: Some("Not run: an earlier step of this account failed.".into()),
                });
                continue;
            }
            // Marked before anything is sent: a kill from here on is settled by reading.
            let _ = self.db().and_then(|db| {
                db.mark_person_step(run_id, step.seq, StepState::Sent, None)
                    .map_err(DeskError::from)
            });
            let (ev, state) = self.offboard_step(account, &action).await;
            let failed = ev.outcome == StepOutcome::Failed;
            let journaled = Journaled {
                evidence: ev.clone(),
                state: state.clone(),
            };
            let _ = self.db().and_then(|db| {
                db.mark_person_step(
                    run_id,
                    step.seq,
                    if failed {
                        StepState::Failed
                    } else {
                        StepState::Done
                    },
                    serde_json::to_string(&journaled).ok().as_deref(),
                )
                .map_err(DeskError::from)
            });
            self.note_state(&mut evidence, &action, state);
            // A group that refuses the removal does not stop the deactivation.
            if failed && !matches!(action, OffboardAction::RemoveFromGroup { .. }) {
                stopped = true;
                if evidence.message.is_none() {
                    evidence.message = ev.message.clone();
                }
            }
            evidence.steps.push(ev);
        }
        evidence.ended = evidence
            .after
            .as_ref()
            .is_some_and(|s| s.deleted || s.active == Some(false));
        if !evidence.ended && evidence.message.is_none() {
            evidence.message = Some(format!(
                "The account in {provider} is still active. Open it in {provider} to see why, \
                 then offboard again (what is done stays done)."
            ));
        }
        progress(PersonRunProgress {
            provider,
            done: total,
            total,
            doing: if evidence.ended {
                "done".into()
            } else {
                "not finished".into()
            },
            failed: !evidence.ended,
        });
        evidence
    }

    fn note_state(
        &self,
        evidence: &mut AccountEvidence,
        action: &OffboardAction,
        state: Option<AccountState>,
    ) {
        match action {
            OffboardAction::Read => evidence.before = state,
            OffboardAction::Verify => evidence.after = state,
            _ => {}
        }
    }
}
