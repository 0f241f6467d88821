//! A migration plan as saved for review: the records of both sides tagged, the ordered
//! operations, the options it was made with, and the checks a saved (perhaps hand-edited)
//! plan passes before anything runs.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::rules::MappingRules;
use super::Operation;
use crate::vocabulary::{AttributeChange, Kind};
use crate::DeskError;

/// How a record of one side relates to the other side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MatchTag {
    OnlyInSource,
    OnlyInTarget,
    MatchedEqual,
    MatchedDifferent,
    /// Several candidates, or an e-mail match whose keys disagree: a person decides.
    Ambiguous,
    /// The target would refuse it (it lacks what the target requires): held for a decision.
    Incomplete,
}

impl MatchTag {
    /// The stable word (plan files, the plan's counts, the window).
    pub fn as_str(self) -> &'static str {
        match self {
            MatchTag::OnlyInSource => "only_in_source",
            MatchTag::OnlyInTarget => "only_in_target",
            MatchTag::MatchedEqual => "matched_equal",
            MatchTag::MatchedDifferent => "matched_different",
            MatchTag::Ambiguous => "ambiguous",
            MatchTag::Incomplete => "incomplete",
        }
    }

    /// True when a person must decide (nothing is planned for the record).
    pub fn needs_a_decision(self) -> bool {
        matches!(self, MatchTag::Ambiguous | MatchTag::Incomplete)
    }
}

/// How one source record relates to the target.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordMatch {
    pub tag: MatchTag,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub source_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub target_id: Option<String>,
    pub label: String,
    /// The target record's name, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub target_label: Option<String>,
    /// The rule that matched: externalId, userName, email or displayName.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub rule: Option<String>,
    /// Why a person has to decide (ambiguous records).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<String>,
    /// For matched_different: what the run would change, attribute by attribute.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<AttributeChange>,
}

/// One planned write.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlanOperation {
    pub seq: u32,
    pub op: Operation,
    pub label: String,
    /// The source record's id (the ID map's key).
    pub source_id: String,
    /// The target record's id when it exists already.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub target_id: Option<String>,
    /// The record to create, the attributes to set, the members to add (source ids) or the
    /// manager (source id).
    #[ts(type = "unknown")]
    pub data: Value,
    /// What changes, attribute by attribute.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<AttributeChange>,
}

impl PlanOperation {
    /// The record an operation touches (its source record, and the target one when known):
    /// two operations of one kind with different keys never touch the same record.
    pub fn record_key(&self) -> (String, Option<String>) {
        (self.source_id.clone(), self.target_id.clone())
    }
}

/// A migration plan, as saved for review.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MigrationPlan {
    pub version: u32,
    pub source: String,
    pub target: String,
    pub created_at: String,
    #[ts(type = "number")]
    pub source_snapshot: i64,
    #[ts(type = "number")]
    pub target_snapshot: i64,
    pub counts: BTreeMap<String, u32>,
    /// Every record of both sides, tagged (for the side-by-side view).
    #[serde(default)]
    pub matches: Vec<RecordMatch>,
    /// Records a person must decide about; nothing is planned for them.
    pub review: Vec<RecordMatch>,
    pub warnings: Vec<String>,
    pub operations: Vec<PlanOperation>,
    /// Users already at the target: source id -> target id.
    #[serde(default)]
    pub user_ids: BTreeMap<String, String>,
    /// Groups already at the target: source id -> target id.
    #[serde(default)]
    pub group_ids: BTreeMap<String, String>,
    /// The options the plan was made with (rules, target-only users).
    #[serde(default)]
    pub options: PlanOptions,
    /// Differences left out because the target does not keep those attributes (learned from
    /// its answers to earlier writes): per attribute, the records that differ in it.
    #[serde(default)]
    pub not_kept: Vec<crate::write::fidelity::NotKept>,
}

/// Takes out of the plan the changes the target cannot keep (attributes it accepted in earlier
/// writes but did not store): an update left with nothing is not proposed, a record differing
/// only in them counts as equal. Returns, per attribute, how many records it was left out of.
pub(super) fn leave_out_unkept(
    operations: &mut Vec<PlanOperation>,
    matches: &mut [RecordMatch],
    not_kept: &[crate::write::fidelity::NotKept],
) -> Vec<crate::write::fidelity::NotKept> {
    use crate::write::fidelity::why_not_sticking;
    if not_kept.is_empty() {
        return Vec::new();
    }
    let mut left_out: BTreeMap<String, u32> = BTreeMap::new();
    let mut keep = |changes: &mut Vec<AttributeChange>| {
        let mut seen = std::collections::BTreeSet::new();
        changes.retain(|c| match why_not_sticking(not_kept, Kind::User, c) {
            Some(n) => {
                seen.insert(n.path.clone());
                false
            }
            None => true,
        });
        for p in seen {
            *left_out.entry(p).or_insert(0) += 1;
        }
    };
    for o in operations
        .iter_mut()
        .filter(|o| o.op == Operation::UpdateUser)
    {
        keep(&mut o.changes);
    }
    operations.retain(|o| o.op != Operation::UpdateUser || !o.changes.is_empty());
    // Operations are numbered 1, 2, ... in order (the journal and the checks count on it).
    for (i, o) in operations.iter_mut().enumerate() {
        o.seq = u32::try_from(i + 1).unwrap_or(u32::MAX);
    }
    for m in matches
        .iter_mut()
        .filter(|m| m.tag == MatchTag::MatchedDifferent)
    {
        let before = m.changes.len();
        m.changes
            .retain(|c| why_not_sticking(not_kept, Kind::User, c).is_none());
        if m.changes.is_empty() && before > 0 {
            m.tag = MatchTag::MatchedEqual;
            m.reason = Some("differs only in attributes the target does not keep".into());
        }
    }
    left_out
        .into_iter()
        .map(|(path, records)| crate::write::fidelity::NotKept {
            first_seen: not_kept
                .iter()
                .find(|n| n.path == path)
                .map(|n| n.first_seen.clone())
                .unwrap_or_default(),
            kind: Kind::User,
            path,
            records,
        })
        .collect()
}

impl MigrationPlan {
    /// Reads a saved plan (perhaps edited by hand) and checks that it still makes sense, so
    /// nothing is sent from a broken file.
    pub fn from_json(text: &str) -> Result<Self, DeskError> {
        // An operation this version does not know is named as such, not as a damaged file.
        if let Ok(v) = serde_json::from_str::<Value>(text) {
            for (i, o) in v["operations"].as_array().into_iter().flatten().enumerate() {
                let word = o["op"].as_str().unwrap_or_default();
                if Operation::parse(word).is_none() {
                    return Err(DeskError::InvalidInput(format!(
                        "The plan is not valid: operation {} ({word} {:?}) is not an operation \
                         SCIM Desk knows.",
                        i + 1,
                        o["label"].as_str().unwrap_or_default()
                    )));
                }
            }
        }
        let plan: MigrationPlan = serde_json::from_str(text).map_err(|e| {
            DeskError::InvalidInput(format!(
                "This file is not a SCIM Desk migration plan, or it was damaged: {e}."
            ))
        })?;
        plan.check()?;
        Ok(plan)
    }

    /// The checks of [`MigrationPlan::from_json`].
    pub fn check(&self) -> Result<(), DeskError> {
        let bad = |m: String| {
            Err(DeskError::InvalidInput(format!(
                "The plan is not valid: {m}."
            )))
        };
        if self.version != 1 {
            return bad(format!(
                "version {} is not one this SCIM Desk reads",
                self.version
            ));
        }
        if self.source.trim().is_empty() || self.target.trim().is_empty() {
            return bad("it names no source or no target provider".into());
        }
        if self.source == self.target {
            return bad("the source and the target are the same provider".into());
        }
        self.options.rules.validate()?;
        for (i, o) in self.operations.iter().enumerate() {
            let what = format!("operation {} ({} {:?})", o.seq, o.op, o.label);
            if usize::try_from(o.seq).ok() != Some(i + 1) {
                return bad(format!(
                    "{what} is out of order: operations are numbered 1, 2, 3…"
                ));
            }
            let ok = match o.op {
                Operation::CreateUser | Operation::CreateGroup => o.data.is_object(),
                Operation::UpdateUser => {
                    o.data.is_object()
                        && (o.target_id.is_some() || self.user_ids.contains_key(&o.source_id))
                }
                Operation::AddMembers => o
                    .data
                    .as_array()
                    .is_some_and(|a| a.iter().all(Value::is_string)),
                // Target member ids, taken out of a group that exists at the target.
                Operation::RemoveMembers => {
                    o.target_id.is_some()
                        && o.data
                            .as_array()
                            .is_some_and(|a| a.iter().all(Value::is_string))
                }
                Operation::SetManager => o.data.is_string(),
                Operation::DeactivateUser | Operation::DeleteUser => o.target_id.is_some(),
            };
            if !ok {
                return bad(format!(
                    "{what} is missing what it needs (its data or its target record)"
                ));
            }
            if o.op == Operation::DeleteUser
                && self
                    .operations
                    .iter()
                    .filter(|x| x.op == Operation::DeleteUser)
                    .count()
                    > self.options.max_deletes as usize
            {
                return bad(format!(
                    "it holds more deletes than its limit of {}",
                    self.options.max_deletes
                ));
            }
        }
        Ok(())
    }
}

/// What to do with users only the target has.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum TargetOnly {
    /// Leave them as they are (the default).
    #[default]
    Keep,
    /// Set active to false.
    Deactivate,
    /// Deactivate, then delete at the end of the run (capped by `max_deletes`).
    Delete,
}

/// How to plan: mapping rules and what happens to target-only users.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct PlanOptions {
    pub rules: MappingRules,
    pub target_only: TargetOnly,
    /// The most deletes a plan may hold; with more target-only users none are planned.
    pub max_deletes: u32,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            rules: MappingRules::default(),
            target_only: TargetOnly::Keep,
            max_deletes: 10,
        }
    }
}

/// What planning found and decided.
pub struct Planned {
    pub matches: Vec<RecordMatch>,
    /// Warnings about attributes left out or cut, target-only users and deletes.
    pub warnings: Vec<String>,
    pub operations: Vec<PlanOperation>,
    pub user_ids: HashMap<String, String>,
    pub group_ids: HashMap<String, String>,
}
