//! A link's plan: the migration planner run on the part of the source in scope, then what the
//! link adds: members taken out of linked groups, users leaving the scope, target-only users as
//! the link says, protected target records left alone, and the guard rails checked.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;

use super::guard::{crossings, Crossing};
use super::scope::{in_scope, restrict, InScope};
use super::settings::{Leaving, LinkSettings, NamePattern};
use super::Link;
use crate::migrate::{
    plan_operations, CachedSide, Mapper, MatchTag, MigrationPlan, Operation, PlanOperation,
    PlanOptions, Planned, Side, TargetOnly,
};
use crate::{Desk, DeskError};

/// A user the link brought that is no longer in its scope, and what the run does about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LeavingRecord {
    pub label: String,
    pub target_id: String,
    /// deactivate (planned), kept (the link keeps them), inactive (already), or waiting (a
    /// copy was not complete: nothing is decided from it).
    pub action: String,
}

/// A link's plan, with what the link decided around the migration planner.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkPlan {
    pub plan: MigrationPlan,
    pub scope_users: u32,
    pub scope_groups: u32,
    pub leaving: Vec<LeavingRecord>,
    /// Target records a write was planned for but that match a protected pattern: left alone.
    pub protected: Vec<String>,
    /// Guard rails this plan crosses (the run stops unless forced).
    pub crossings: Vec<Crossing>,
    /// The target's users and groups (what percentages count from).
    pub target_records: u32,
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn name_of(v: &Value) -> String {
    s(v, "userName")
        .or_else(|| s(v, "displayName"))
        .unwrap_or_default()
}

/// The options a link plans with: its rules; target-only users are decided here, not by the
/// planner, and deletes are limited by the guard rails.
pub(crate) fn plan_options(settings: &LinkSettings) -> PlanOptions {
    PlanOptions {
        rules: settings.rules.clone(),
        target_only: settings.target_only,
        max_deletes: u32::MAX,
    }
}

impl Desk {
    /// Plans a run of `link` from the latest copies of its providers (sync them first).
    pub fn plan_link(&self, link: &Link) -> Result<LinkPlan, DeskError> {
        link.settings.validate()?;
        let (src, dst, records) = {
            let db = self.db()?;
            (
                CachedSide::read(&db, &link.source)?,
                CachedSide::read(&db, &link.target)?,
                db.link_records(link.id)?,
            )
        };
        let scope = in_scope(&link.settings.scope, &src.users, &src.groups, &src.members)?;
        // The whole source when the scope is everything (nothing copied).
        let restricted;
        let source_side = if link.settings.scope.is_everything() {
            src.side()
        } else {
            restricted = restrict(&scope, &src.users, &src.groups, &src.members);
            Side {
                users: &restricted.0,
                groups: &restricted.1,
                members: &restricted.2,
            }
        };
        let fit = self.target_fit(&link.target, &dst)?;
        let options = plan_options(&link.settings);
        let planner_options = PlanOptions {
            target_only: TargetOnly::Keep,
            ..options.clone()
        };
        let mapper = Mapper {
            rules: &options.rules,
            fit: &fit,
        };
        let complete = src.complete && dst.complete;
        let mut planned = plan_operations(
            &source_side,
            &dst.side(),
            &mapper,
            &planner_options,
            complete,
        );
        let brought: HashMap<&str, &str> = records
            .iter()
            .map(|r| (r.target_id.as_str(), r.source_id.as_str()))
            .collect();
        take_out_members(&mut planned, &source_side, &dst, &brought);
        let leaving =
            leaving_and_target_only(&mut planned, &dst, &brought, &link.settings, complete);
        let protected = leave_protected_alone(&mut planned, &dst, &link.settings.protect);
        let outside = managers_outside(&mut planned, &scope);
        for (i, o) in planned.operations.iter_mut().enumerate() {
            o.seq = u32::try_from(i + 1).unwrap_or(u32::MAX);
        }
        let mut plan =
            self.assemble_plan(&link.source, &link.target, &src, &dst, &options, planned)?;
        if outside > 0 {
            plan.warnings.push(format!(
                "{} a manager outside the link's scope: their manager is not set at the target.",
                crate::vocabulary::count_of(outside as u64, "user has", "users have")
            ));
        }
        let target_records = u32::try_from(dst.users.len() + dst.groups.len()).unwrap_or(u32::MAX);
        Ok(LinkPlan {
            crossings: crossings(&link.settings.guard, &plan.operations, target_records),
            plan,
            scope_users: u32::try_from(scope.users.len()).unwrap_or(u32::MAX),
            scope_groups: u32::try_from(scope.groups.len()).unwrap_or(u32::MAX),
            leaving,
            protected,
            target_records,
        })
    }
}

fn push(planned: &mut Planned, op: Operation, label: String, target_id: String, data: Value) {
    planned.operations.push(PlanOperation {
        seq: 0,
        op,
        label,
        source_id: String::new(),
        target_id: Some(target_id),
        data,
        changes: Vec::new(),
    });
}

/// Members of a linked group at the target whose source user is no longer a member (or left
/// the scope) are taken out; members the target added itself (no source user) stay.
fn take_out_members(
    planned: &mut Planned,
    source: &Side<'_>,
    dst: &CachedSide,
    brought: &HashMap<&str, &str>,
) {
    let by_target: HashMap<&str, &str> = planned
        .user_ids
        .iter()
        .map(|(s, t)| (t.as_str(), s.as_str()))
        .chain(brought.iter().map(|(t, s)| (*t, *s)))
        .collect();
    let mut removals = Vec::new();
    for g in source.groups {
        let Some(sid) = s(g, "id") else { continue };
        let Some(tgid) = planned.group_ids.get(&sid) else {
            continue;
        };
        let wanted: HashSet<&str> = source
            .members
            .get(&sid)
            .map(|m| m.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let leave: Vec<String> = dst
            .members
            .get(tgid)
            .into_iter()
            .flatten()
            .filter(|tm| {
                by_target
                    .get(tm.as_str())
                    .is_some_and(|source_user| !wanted.contains(source_user))
            })
            .cloned()
            .collect();
        if !leave.is_empty() {
            removals.push((name_of(g), tgid.clone(), leave));
        }
    }
    // Before the managers and the deactivations, after the members added.
    let at = planned
        .operations
        .iter()
        .position(|o| o.op == Operation::SetManager)
        .unwrap_or(planned.operations.len());
    for (i, (label, tgid, leave)) in removals.into_iter().enumerate() {
        planned.operations.insert(
            at + i,
            PlanOperation {
                seq: 0,
                op: Operation::RemoveMembers,
                label,
                source_id: String::new(),
                target_id: Some(tgid),
                data: json!(leave),
                changes: Vec::new(),
            },
        );
    }
}

/// Target users with no match in scope: those the link brought are leaving (deactivated when
/// the link says so), the others are target-only (kept, deactivated or deleted as the link
/// says). Nothing is deactivated or deleted from an incomplete copy.
fn leaving_and_target_only(
    planned: &mut Planned,
    dst: &CachedSide,
    brought: &HashMap<&str, &str>,
    settings: &LinkSettings,
    complete: bool,
) -> Vec<LeavingRecord> {
    let targets: HashMap<String, &Value> = dst
        .users
        .iter()
        .filter_map(|u| Some((s(u, "id")?, u)))
        .collect();
    let only: Vec<&Value> = planned
        .matches
        .iter()
        .filter(|m| m.tag == MatchTag::OnlyInTarget)
        .filter_map(|m| targets.get(m.target_id.as_deref()?).copied())
        .collect();
    let mut leaving = Vec::new();
    let mut deletes = Vec::new();
    let mut not_decided = 0;
    for t in only {
        let tid = s(t, "id").unwrap_or_default();
        let active = t.get("active") != Some(&Value::Bool(false));
        let label = name_of(t);
        let deactivate = if brought.contains_key(tid.as_str()) {
            let action = match (settings.leaving, complete, active) {
                (_, _, false) => "inactive",
                (Leaving::Keep, _, _) => "kept",
                (Leaving::Deactivate, false, _) => "waiting",
                (Leaving::Deactivate, true, _) => "deactivate",
            };
            leaving.push(LeavingRecord {
                label: label.clone(),
                target_id: tid.clone(),
                action: action.into(),
            });
            action == "deactivate"
        } else {
            if settings.target_only != TargetOnly::Keep && !complete {
                not_decided += 1;
                continue;
            }
            if settings.target_only == TargetOnly::Delete {
                deletes.push((label.clone(), tid.clone()));
            }
            settings.target_only != TargetOnly::Keep && active
        };
        if deactivate {
            push(
                planned,
                Operation::DeactivateUser,
                label,
                tid,
                json!({"active": false}),
            );
        }
    }
    for (label, tid) in deletes {
        push(planned, Operation::DeleteUser, label, tid, Value::Null);
    }
    if not_decided > 0 {
        planned.warnings.push(format!(
            "{not_decided} users are only at the target, but a copy was not read completely: \
             none are deactivated or deleted. Sync both providers again."
        ));
    }
    leaving
}

/// Takes out every write to a target record whose name matches a protected pattern (and the
/// creates of such names); returns the names left alone.
fn leave_protected_alone(
    planned: &mut Planned,
    dst: &CachedSide,
    protect: &[String],
) -> Vec<String> {
    if protect.is_empty() {
        return Vec::new();
    }
    let patterns: Vec<NamePattern> = protect.iter().map(|p| NamePattern::new(p)).collect();
    let names: HashMap<String, String> = dst
        .users
        .iter()
        .chain(&dst.groups)
        .filter_map(|v| Some((s(v, "id")?, name_of(v))))
        .collect();
    let mut dropped_groups: HashSet<String> = HashSet::new();
    let mut out: Vec<String> = Vec::new();
    let mut keep = Vec::new();
    for o in std::mem::take(&mut planned.operations) {
        let name = if o.op.is_create() {
            name_of(&o.data)
        } else {
            o.target_id
                .as_ref()
                .and_then(|t| names.get(t).cloned())
                .unwrap_or_default()
        };
        let protected = NamePattern::any(&patterns, &name)
            || (o.op == Operation::AddMembers
                && o.target_id.is_none()
                && dropped_groups.contains(&o.source_id));
        if protected {
            if o.op == Operation::CreateGroup {
                dropped_groups.insert(o.source_id.clone());
            }
            if !out.contains(&name) {
                out.push(name);
            }
        } else {
            keep.push(o);
        }
    }
    planned.operations = keep;
    out
}

/// Managers outside the scope are never set (the target does not hold them); returns how many
/// users that leaves without one.
fn managers_outside(planned: &mut Planned, scope: &InScope) -> usize {
    let before = planned.operations.len();
    planned.operations.retain(|o| {
        o.op != Operation::SetManager || o.data.as_str().is_some_and(|m| scope.users.contains(m))
    });
    before - planned.operations.len()
}
