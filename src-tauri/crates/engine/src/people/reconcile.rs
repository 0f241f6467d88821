//! "Make these match": the chosen people's accounts in every other provider brought to what the
//! source of truth holds, through the migration engine (its matching, mapping rules, the
//! providers' /Schemas and learned facts, its journal and verify): one migration plan per target,
//! cut down to those people's updates and managers, reviewed, run, then verified by reading both
//! sides again.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::migrate::run::{RunProgress, RunReport};
use crate::migrate::{MigrationPlan, Operation, PlanOptions};
use crate::vocabulary::CancelFlag;
use crate::{Desk, DeskError};

/// Which people to bring in line, and with which provider.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MatchRequest {
    /// The provider whose values win.
    pub source: String,
    /// Person ids (from the drift list).
    pub people: Vec<String>,
}

/// The reviewed work: a migration plan per target provider, holding only these people.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MatchPlan {
    pub source: String,
    pub plans: Vec<MigrationPlan>,
    /// People the plans change.
    pub people: u32,
    /// What is left out, and why, in words (a person without an account at the source, an
    /// account the migration matches to another record).
    pub left_out: Vec<String>,
}

/// How it went: each target's run, and what still differs after reading both sides again.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MatchReport {
    pub runs: Vec<(String, RunReport)>,
    /// Per target, the chosen people's accounts that still differ after the verify.
    pub remaining: Vec<(String, u32)>,
}

impl Desk {
    /// Plans "make these match `source`" for the chosen people (nothing is sent).
    pub fn plan_make_match(&self, req: &MatchRequest) -> Result<MatchPlan, DeskError> {
        let index = self.people_index()?;
        let Some(src) = index.provider(&req.source) else {
            return Err(DeskError::NotFound(format!(
                "No synced provider is called \"{}\". Sync it first, then try again.",
                req.source
            )));
        };
        let source = index.providers[src].name.clone();
        let mut left_out = Vec::new();
        // Per target: source account id -> the linked account there.
        let mut wanted: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for key in &req.people {
            let person = index.one(key)?;
            let accounts = &index.persons[person];
            let Some(&sa) = accounts.iter().find(|&&a| index.accounts[a].0 == src) else {
                left_out.push(format!(
                    "{} has no account in {source}: nothing to match.",
                    index.name(person)
                ));
                continue;
            };
            for &a in accounts {
                let (p, row) = &index.accounts[a];
                if *p != src {
                    wanted
                        .entry(index.providers[*p].name.clone())
                        .or_default()
                        .insert(index.accounts[sa].1.id.clone(), row.id.clone());
                }
            }
        }
        drop(index);
        let options = PlanOptions::default();
        let mut plans = Vec::new();
        let mut changed: HashSet<String> = HashSet::new();
        for (target, accounts) in wanted {
            let mut plan = self.plan_migration(&source, &target, &options)?;
            let mut kept = Vec::new();
            for op in plan.operations.drain(..) {
                let Some(linked) = accounts.get(&op.source_id) else {
                    continue;
                };
                match op.op {
                    Operation::UpdateUser if op.target_id.as_deref() == Some(linked.as_str()) => {
                        changed.insert(op.source_id.clone());
                        kept.push(op);
                    }
                    Operation::SetManager if plan.user_ids.get(&op.source_id) == Some(linked) => {
                        changed.insert(op.source_id.clone());
                        kept.push(op);
                    }
                    Operation::UpdateUser | Operation::CreateUser => left_out.push(format!(
                        "{target}: the migration matches “{}” to another account than the \
                         linked one; link them by externalId or userName, or edit it by hand.",
                        op.label
                    )),
                    _ => {}
                }
            }
            if kept.is_empty() {
                continue;
            }
            for (i, op) in kept.iter_mut().enumerate() {
                op.seq = u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
            let mut counts = BTreeMap::new();
            for o in &kept {
                *counts.entry(o.op.to_string()).or_insert(0) += 1;
            }
            plan.matches.retain(|m| {
                m.source_id
                    .as_ref()
                    .is_some_and(|s| accounts.contains_key(s))
            });
            plan.review.clear();
            plan.counts = counts;
            plan.operations = kept;
            plans.push(plan);
        }
        Ok(MatchPlan {
            source,
            plans,
            people: u32::try_from(changed.len()).unwrap_or(u32::MAX),
            left_out,
        })
    }

    /// Runs a reviewed "make these match" (each target's plan journaled like any migration),
    /// then reads both sides again and counts what still differs for those people.
    pub async fn run_make_match(
        &self,
        plan: &MatchPlan,
        progress: &(dyn Fn(RunProgress) + Send + Sync),
    ) -> Result<MatchReport, DeskError> {
        let mut runs = Vec::new();
        let mut remaining = Vec::new();
        for p in &plan.plans {
            let report = self.run_migration(p, &CancelFlag::new(), progress).await?;
            runs.push((p.target.clone(), report));
            let chosen: HashSet<&str> = p.operations.iter().map(|o| o.source_id.as_str()).collect();
            let after = self
                .verify_migration(&p.source, &p.target, &p.options, &|_| {})
                .await?;
            let left = after
                .operations
                .iter()
                .filter(|o| {
                    matches!(o.op, Operation::UpdateUser | Operation::SetManager)
                        && chosen.contains(o.source_id.as_str())
                })
                .count();
            remaining.push((p.target.clone(), u32::try_from(left).unwrap_or(u32::MAX)));
        }
        Ok(MatchReport { runs, remaining })
    }
}
