//! The ordered operations: create and update users, create groups, add memberships with
//! remapped ids, managers in a second pass, then what happens to users only at the target.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};

use super::fit::FitSummary;
use super::matching::{match_groups, match_users};
use super::plan::{MatchTag, PlanOperation, PlanOptions, Planned, TargetOnly};
use super::records::{canonical, label, manager_of, project, s};
use super::rules::Mapper;
use super::Operation;
use crate::vocabulary::attribute_changes;

/// What one side of a migration holds.
pub struct Side<'a> {
    pub users: &'a [Value],
    pub groups: &'a [Value],
    /// group id -> member ids
    pub members: &'a HashMap<String, Vec<String>>,
}

/// Plans the operations that make the target hold the source; target-only users are
/// deactivated or deleted only when `options` say so and both reads were complete.
pub fn plan_operations(
    source: &Side<'_>,
    target: &Side<'_>,
    mapper: &Mapper<'_>,
    options: &PlanOptions,
    reads_complete: bool,
) -> Planned {
    let (mut matches, user_ids) = match_users(source.users, target.users, mapper);
    let mut warnings = Vec::new();
    let mut user_fit = FitSummary::default();
    let mut group_fit = FitSummary::default();
    let group_ids = match_groups(source.groups, target.groups);
    // The target's users by id (borrowed: a directory of thousands is not copied).
    let targets: HashMap<String, &Value> = target
        .users
        .iter()
        .filter_map(|v| s(v, "id").map(|id| (id, v)))
        .collect();
    let mut ops: Vec<PlanOperation> = Vec::new();
    let mut push =
        |op: Operation, label: String, sid: String, tid: Option<String>, data: Value, changes| {
            let seq = u32::try_from(ops.len() + 1).unwrap_or(u32::MAX);
            ops.push(PlanOperation {
                seq,
                op,
                label,
                source_id: sid,
                target_id: tid,
                data,
                changes,
            });
        };
    let mut ambiguous: HashSet<String> = matches
        .iter()
        .filter(|m| m.tag == MatchTag::Ambiguous)
        .filter_map(|m| m.source_id.clone())
        .collect();
    // Where each matched source user's comparison is in `matches`.
    let compared: HashMap<String, usize> = matches
        .iter()
        .enumerate()
        .filter(|(_, m)| matches!(m.tag, MatchTag::MatchedEqual | MatchTag::MatchedDifferent))
        .filter_map(|(i, m)| Some((m.source_id.clone()?, i)))
        .collect();
    // 1. Users.
    for src in source.users {
        let sid = s(src, "id").unwrap_or_default();
        if ambiguous.contains(&sid) {
            continue;
        }
        let (mapped, notes) = mapper.user(src);
        user_fit.add(&notes);
        match user_ids.get(&sid) {
            // The target would refuse it: held back for a decision.
            None if !notes.missing.is_empty() => {
                if let Some(m) = matches
                    .iter_mut()
                    .find(|m| m.source_id.as_deref() == Some(sid.as_str()))
                {
                    m.tag = MatchTag::Incomplete;
                    m.reason = Some(format!(
                        "the target requires {}, which this record does not have",
                        notes.missing.join(", ")
                    ));
                }
                ambiguous.insert(sid);
            }
            None => push(
                Operation::CreateUser,
                label(src),
                sid,
                None,
                mapped,
                Vec::new(),
            ),
            // Matching compared the records already: equal ones need nothing, the others
            // get the changes it found.
            Some(tid) => match compared.get(sid.as_str()).map(|&i| &matches[i]) {
                Some(m) if m.tag == MatchTag::MatchedEqual => {}
                Some(m) if m.tag == MatchTag::MatchedDifferent => {
                    let changes = m.changes.clone();
                    push(
                        Operation::UpdateUser,
                        label(src),
                        sid,
                        Some(tid.clone()),
                        mapped,
                        changes,
                    );
                }
                _ => {
                    let target = targets.get(tid).copied().unwrap_or(&Value::Null);
                    let before = project(target, &mapped);
                    if canonical(&before) != canonical(&mapped) {
                        let changes = attribute_changes(&before, &mapped);
                        push(
                            Operation::UpdateUser,
                            label(src),
                            sid,
                            Some(tid.clone()),
                            mapped,
                            changes,
                        );
                    }
                }
            },
        }
    }
    // 2. Groups, created without members.
    for g in source.groups {
        let sid = s(g, "id").unwrap_or_default();
        let (mapped, notes) = mapper.group(g);
        group_fit.add(&notes);
        if !group_ids.contains_key(&sid) {
            push(
                Operation::CreateGroup,
                label(g),
                sid,
                None,
                mapped,
                Vec::new(),
            );
        }
    }
    // 3. Memberships, by source ids (remapped to target ids when the plan runs).
    let reverse: HashMap<&String, &String> = user_ids.iter().map(|(k, v)| (v, k)).collect();
    for g in source.groups {
        let sid = s(g, "id").unwrap_or_default();
        let wanted: Vec<String> = source
            .members
            .get(&sid)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| !ambiguous.contains(m))
            .collect();
        let present: HashSet<String> = group_ids
            .get(&sid)
            .and_then(|tid| target.members.get(tid))
            .map(|ms| {
                ms.iter()
                    .filter_map(|m| reverse.get(m).map(|s| (*s).clone()))
                    .collect()
            })
            .unwrap_or_default();
        let missing: Vec<String> = wanted
            .into_iter()
            .filter(|m| !present.contains(m))
            .collect();
        if !missing.is_empty() {
            push(
                Operation::AddMembers,
                label(g),
                sid.clone(),
                group_ids.get(&sid).cloned(),
                json!(missing),
                Vec::new(),
            );
        }
    }
    // 4. Managers, once every user exists.
    for src in source.users {
        let sid = s(src, "id").unwrap_or_default();
        let Some(manager) = manager_of(src) else {
            continue;
        };
        if ambiguous.contains(&sid) {
            continue;
        }
        let current = user_ids
            .get(&sid)
            .and_then(|tid| targets.get(tid).copied())
            .and_then(manager_of);
        let wanted = user_ids.get(&manager).cloned();
        if current.is_none() || current != wanted {
            push(
                Operation::SetManager,
                label(src),
                sid.clone(),
                user_ids.get(&sid).cloned(),
                json!(manager),
                Vec::new(),
            );
        }
    }
    // 5. Target-only users: deactivated, or deactivated then deleted (opt-in, capped).
    let target_only: Vec<&Value> = matches
        .iter()
        .filter(|m| m.tag == MatchTag::OnlyInTarget)
        .filter_map(|m| targets.get(m.target_id.as_deref()?).copied())
        .collect();
    let mut deletes = options.target_only == TargetOnly::Delete;
    if options.target_only != TargetOnly::Keep && !target_only.is_empty() {
        if !reads_complete {
            warnings.push(format!(
                "{} users are only at the target, but a copy was not read completely: none are \
                 deactivated or deleted. Sync both providers again.",
                target_only.len()
            ));
            deletes = false;
        } else {
            if deletes && target_only.len() > options.max_deletes as usize {
                warnings.push(format!(
                    "{} users are only at the target, more than the limit of {} deletes: they \
                     are deactivated, none is deleted. Raise the limit to delete them.",
                    target_only.len(),
                    options.max_deletes
                ));
                deletes = false;
            }
            for t in &target_only {
                if t.get("active") != Some(&Value::Bool(false)) {
                    let tid = s(t, "id").unwrap_or_default();
                    push(
                        Operation::DeactivateUser,
                        label(t),
                        String::new(),
                        Some(tid),
                        json!({"active": false}),
                        Vec::new(),
                    );
                }
            }
        }
    }
    // 6. Deletes, last of all.
    if deletes && reads_complete {
        for t in &target_only {
            let tid = s(t, "id").unwrap_or_default();
            push(
                Operation::DeleteUser,
                label(t),
                String::new(),
                Some(tid),
                Value::Null,
                Vec::new(),
            );
        }
    }
    warnings.extend(user_fit.warnings("users"));
    warnings.extend(group_fit.warnings("groups"));
    Planned {
        matches,
        warnings,
        operations: ops,
        user_ids,
        group_ids,
    }
}
