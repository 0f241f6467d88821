//! Migration planning (issue 6, first part): match the users and groups of two cached
//! directories, map source records onto the target, and plan the ordered operations: create
//! and update users, create groups, add memberships with remapped ids, then manager references
//! in a second pass. Nothing is written here; the plan is a readable JSON document with an
//! `operations` array that a person reviews before anything is sent.
//!
//! Matching follows the lessons of sync tools: a stable key first (the source's externalId, or
//! its id when it has none, against the target's externalId), then userName ignoring case, then
//! the primary email; an email match whose externalIds disagree (a recycled address) and a key
//! that matches several records go to a review list instead of being adopted.
//!
//! [`fit`] says what the target can take; [`run`] sends a plan, journaled, and verifies.

pub mod fit;
mod operation;
pub mod run;

pub use operation::Operation;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use ts_rs::TS;

use crate::migrate::fit::{FitNotes, FitSummary, TargetFit};
use crate::vocabulary::Kind;
use crate::vocabulary::{attribute_changes, AttributeChange};
use crate::{Desk, DeskError};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Attributes the target owns or that are planned separately.
const NOT_COPIED: &[&str] = &["id", "meta", "groups", "password", "members"];

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
fn leave_out_unkept(
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

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn label(v: &Value) -> String {
    ["userName", "displayName", "id"]
        .iter()
        .find_map(|k| s(v, k))
        .unwrap_or_default()
}

/// The source record's stable key: its externalId, or its id when it has none.
fn source_key(v: &Value) -> String {
    s(v, "externalId")
        .filter(|x| !x.is_empty())
        .or_else(|| s(v, "id"))
        .unwrap_or_default()
}

fn primary_email(v: &Value) -> Option<String> {
    let list = v.get("emails")?.as_array()?;
    list.iter()
        .find(|e| e.get("primary") == Some(&Value::Bool(true)))
        .or_else(|| list.first())
        .and_then(|e| s(e, "value"))
        .map(|e| e.to_lowercase())
}

fn manager_of(v: &Value) -> Option<String> {
    v.get(ENTERPRISE)?
        .get("manager")?
        .get("value")?
        .as_str()
        .map(str::to_string)
}

/// The default mapping of a source user or group onto the target: every attribute except the
/// ones the target owns (and members and manager, planned in their own passes); externalId
/// set to the source's stable key so a re-plan matches the record again.
pub fn map_record(source: &Value) -> Value {
    let mut out = Map::new();
    if let Some(m) = source.as_object() {
        for (k, v) in m {
            if NOT_COPIED.iter().any(|n| n.eq_ignore_ascii_case(k)) || v.is_null() {
                continue;
            }
            out.insert(k.clone(), v.clone());
        }
    }
    if let Some(Value::Object(ext)) = out.get_mut(ENTERPRISE) {
        ext.remove("manager");
        if ext.is_empty() {
            out.remove(ENTERPRISE);
        }
    }
    out.insert("externalId".into(), Value::String(source_key(source)));
    Value::Object(out)
}

/// One mapping rule for an attribute path (`title`, `name.familyName`,
/// `urn:…:User:department`), applied after the default mapping.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MappingRule {
    pub attribute: String,
    /// Leave the attribute out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop: bool,
    /// Write the value to this path instead (also extension to extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub rename: Option<String>,
    /// Always this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "unknown")]
    pub constant: Option<Value>,
    /// lower, upper, trim, ascii (transliterated: ł->l, ø->o, é->e, ß->ss), replace (with
    /// `pattern` and `with`), domain (an e-mail's domain, with `to`), truncate (with `max`) or
    /// default (with `value`, when empty). On a multi-valued attribute's sub-attribute
    /// (`emails.value`) it applies to each value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub transform: Option<String>,
    /// replace: the regular expression to find.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub pattern: Option<String>,
    /// replace: what to put instead (`$1` for a group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub with: Option<String>,
    /// domain: the new domain of an e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub to: Option<String>,
    /// truncate: the most characters kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub max: Option<u32>,
    /// default: the value when the attribute is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "unknown")]
    pub value: Option<Value>,
    /// Text built from the source record: `{name.givenName} {name.familyName}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub template: Option<String>,
    /// Only for this source record (its id): a value fixed for one person, such as the
    /// address to send for someone whose own the target refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub record: Option<String>,
}

/// The person's mapping rules for users and groups (a `--rules` file).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MappingRules {
    #[serde(default)]
    pub users: Vec<MappingRule>,
    #[serde(default)]
    pub groups: Vec<MappingRule>,
}

fn string_at(v: &Value, path: &str) -> Option<String> {
    crate::vocabulary::flatten(v)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(path))
        .and_then(|(_, x)| match x {
            Value::String(s) => Some(s),
            Value::Null => None,
            other => Some(other.to_string()),
        })
}

/// What a rule's `transform` does, read once from its fields.
enum Transform {
    Lower,
    Upper,
    Trim,
    Ascii,
    Replace(regex::Regex, String),
    Domain(String),
    Truncate(usize),
    Default(Value),
}

impl Transform {
    fn of(r: &MappingRule) -> Result<Option<Transform>, String> {
        let Some(t) = r.transform.as_deref() else {
            return Ok(None);
        };
        let needs =
            |what: &str| format!("the transform {t:?} of {:?} needs \"{what}\"", r.attribute);
        Ok(Some(match t {
            "lower" => Transform::Lower,
            "upper" => Transform::Upper,
            "trim" => Transform::Trim,
            "ascii" => Transform::Ascii,
            "replace" => {
                let pattern = r.pattern.as_deref().ok_or_else(|| needs("pattern"))?;
                let re = regex::Regex::new(pattern)
                    .map_err(|e| format!("the pattern {pattern:?} is not valid: {e}"))?;
                Transform::Replace(re, r.with.clone().unwrap_or_default())
            }
            "domain" => {
                let to = r.to.as_deref().ok_or_else(|| needs("to"))?;
                let to = to.trim().trim_start_matches('@');
                if to.is_empty() || to.contains(['@', ' ']) {
                    return Err(format!("{to:?} is not a domain"));
                }
                Transform::Domain(to.to_string())
            }
            "truncate" => Transform::Truncate(
                r.max
                    .filter(|m| *m > 0)
                    .ok_or_else(|| needs("max (1 or more)"))? as usize,
            ),
            "default" => Transform::Default(r.value.clone().ok_or_else(|| needs("value"))?),
            other => {
                return Err(format!(
                    "unknown transform {other:?} (lower, upper, trim, ascii, replace, domain, \
                     truncate or default)"
                ))
            }
        }))
    }

    /// The value transformed (text only; `default` fills an empty value).
    fn apply(&self, v: Option<Value>) -> Option<Value> {
        if let Transform::Default(d) = self {
            let empty = match &v {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.trim().is_empty(),
                _ => false,
            };
            return if empty { Some(d.clone()) } else { v };
        }
        let Some(Value::String(s)) = v else { return v };
        Some(Value::String(match self {
            Transform::Lower => s.to_lowercase(),
            Transform::Upper => s.to_uppercase(),
            Transform::Trim => s.trim().to_string(),
            // A well-kept transliteration table (deunicode), not a hand-made one.
            Transform::Ascii => deunicode::deunicode(&s),
            Transform::Replace(re, with) => re.replace_all(&s, with.as_str()).into_owned(),
            Transform::Domain(to) => match s.rsplit_once('@') {
                Some((local, _)) => format!("{local}@{to}"),
                None => s,
            },
            Transform::Truncate(max) => s.chars().take(*max).collect(),
            Transform::Default(_) => s,
        }))
    }
}

/// Applies `rules` to a mapped record (`source` feeds templates).
pub fn apply_rules(
    mapped: &mut Value,
    source: &Value,
    rules: &[MappingRule],
) -> Result<(), String> {
    for r in rules {
        if r.record
            .as_ref()
            .is_some_and(|id| source.get("id").and_then(Value::as_str) != Some(id))
        {
            continue;
        }
        let current = crate::vocabulary::flatten(mapped)
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&r.attribute))
            .map(|(_, v)| v);
        let value = if let Some(c) = &r.constant {
            Some(c.clone())
        } else if let Some(t) = &r.template {
            let mut out = String::new();
            let mut rest = t.as_str();
            while let Some(i) = rest.find('{') {
                out.push_str(&rest[..i]);
                let Some(j) = rest[i..].find('}') else {
                    return Err(format!("the template {t:?} has an unclosed {{"));
                };
                out.push_str(&string_at(source, &rest[i + 1..i + j]).unwrap_or_default());
                rest = &rest[i + j + 1..];
            }
            out.push_str(rest);
            Some(Value::String(out.trim().to_string()))
        } else if let Some(t) = Transform::of(r)? {
            // A sub-attribute of a multi-valued attribute: each of its values.
            if let Some((list, sub)) = r.attribute.split_once('.').filter(|_| !r.drop) {
                if let Some(Value::Array(items)) = mapped.get_mut(list) {
                    for item in items.iter_mut().filter_map(Value::as_object_mut) {
                        let v = item.get(sub).cloned();
                        match t.apply(v) {
                            Some(x) => item.insert(sub.to_string(), x),
                            None => item.remove(sub),
                        };
                    }
                    continue;
                }
            }
            t.apply(current.clone())
        } else {
            current.clone()
        };
        // A value for a multi-valued attribute's sub-attribute (`emails.value`): its primary
        // value (or its first).
        if let (Some((list, sub)), false, None, Some(v)) =
            (r.attribute.split_once('.'), r.drop, &r.rename, &value)
        {
            if let Some(Value::Array(items)) = mapped.get_mut(list) {
                let at = items
                    .iter()
                    .position(|i| i.get("primary") == Some(&Value::Bool(true)))
                    .unwrap_or(0);
                if let Some(item) = items.get_mut(at).and_then(Value::as_object_mut) {
                    item.insert(sub.to_string(), v.clone());
                    continue;
                }
            }
        }
        if r.drop || r.rename.is_some() {
            crate::vocabulary::set_path(mapped, &r.attribute, None);
        }
        if !r.drop {
            let to = r.rename.as_deref().unwrap_or(&r.attribute);
            crate::vocabulary::set_path(mapped, to, value);
        }
    }
    // An emptied extension object is left out; a filled one is listed in `schemas`.
    if let Some(m) = mapped.as_object_mut() {
        m.retain(|k, v| !(k.starts_with("urn:") && v.as_object().is_some_and(|o| o.is_empty())));
        let urns: Vec<String> = m
            .keys()
            .filter(|k| k.starts_with("urn:"))
            .cloned()
            .collect();
        if let Some(Value::Array(schemas)) = m.get_mut("schemas") {
            schemas.retain(|s| {
                s.as_str()
                    .is_none_or(|s| !s.contains(":extension:") || urns.iter().any(|u| u == s))
            });
            for u in urns {
                if !schemas.iter().any(|s| s == &Value::String(u.clone())) {
                    schemas.push(Value::String(u));
                }
            }
        }
    }
    Ok(())
}

impl MappingRules {
    /// Checks the rules once, before any record is mapped.
    pub fn validate(&self) -> Result<(), DeskError> {
        for list in [&self.users, &self.groups] {
            apply_rules(&mut json!({}), &json!({}), list).map_err(|e| {
                DeskError::InvalidInput(format!("The mapping rules are not valid: {e}."))
            })?;
        }
        Ok(())
    }

    fn user(&self, src: &Value) -> Value {
        let mut v = map_record(src);
        // Checked by `validate` before planning.
        let _ = apply_rules(&mut v, src, &self.users);
        v
    }

    fn group(&self, src: &Value) -> Value {
        let mut v = map_record(src);
        let _ = apply_rules(&mut v, src, &self.groups);
        v
    }
}

/// The whole mapping: the default, the person's rules, then what the target can take.
pub struct Mapper<'a> {
    pub rules: &'a MappingRules,
    pub fit: &'a TargetFit,
}

impl Mapper<'_> {
    /// A source user as the target will receive it.
    pub fn user(&self, src: &Value) -> (Value, FitNotes) {
        let mut v = self.rules.user(src);
        let notes = self.fit.fit(Kind::User, &mut v);
        (v, notes)
    }

    /// A source group as the target will receive it (members are planned separately).
    pub fn group(&self, src: &Value) -> (Value, FitNotes) {
        let mut v = self.rules.group(src);
        let notes = self.fit.fit(Kind::Group, &mut v);
        (v, notes)
    }
}

/// Canonical form for comparing: no nulls, multi-valued attributes as sorted sets.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.to_lowercase(), canonical(x)))
                .collect(),
        ),
        Value::Array(a) => {
            let mut items: Vec<Value> = a.iter().map(canonical).collect();
            items.sort_by_key(|x| x.to_string());
            Value::Array(items)
        }
        other => other.clone(),
    }
}

/// The target's values of the attributes `mapped` sets, down into complex attributes and
/// extensions (so data only the target has, or that is planned in another pass, is no change).
fn project(target: &Value, mapped: &Value) -> Value {
    let mut out = Map::new();
    if let (Some(t), Some(m)) = (target.as_object(), mapped.as_object()) {
        for (k, mv) in m {
            if let Some((tk, tv)) = t.iter().find(|(tk, _)| tk.eq_ignore_ascii_case(k)) {
                let v = if mv.is_object() && tv.is_object() {
                    project(tv, mv)
                } else {
                    tv.clone()
                };
                out.insert(tk.clone(), v);
            }
        }
    }
    Value::Object(out)
}

/// Matches source users against target users; returns the matches and source id -> target id.
pub fn match_users(
    source: &[Value],
    target: &[Value],
    mapper: &Mapper<'_>,
) -> (Vec<RecordMatch>, HashMap<String, String>) {
    let index = |f: &dyn Fn(&Value) -> Option<String>| {
        let mut m: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, t) in target.iter().enumerate() {
            if let Some(k) = f(t) {
                m.entry(k).or_default().push(i);
            }
        }
        m
    };
    let by_ext = index(&|t| s(t, "externalId").filter(|x| !x.is_empty()));
    let by_name = index(&|t| s(t, "userName").map(|n| n.to_lowercase()));
    let by_email = index(&primary_email);
    let mut used = HashSet::new();
    let mut out = Vec::new();
    let mut ids = HashMap::new();
    for src in source {
        let sid = s(src, "id").unwrap_or_default();
        let found = [
            ("externalId", by_ext.get(&source_key(src))),
            (
                "userName",
                s(src, "userName").and_then(|n| by_name.get(&n.to_lowercase())),
            ),
            ("email", primary_email(src).and_then(|e| by_email.get(&e))),
        ]
        .into_iter()
        .find_map(|(rule, hits)| hits.map(|h| (rule, h)));
        let m = match found {
            None => RecordMatch {
                tag: MatchTag::OnlyInSource,
                source_id: Some(sid.clone()),
                target_id: None,
                label: label(src),
                target_label: None,
                rule: None,
                reason: None,
                changes: Vec::new(),
            },
            Some((rule, hits)) if hits.len() > 1 => RecordMatch {
                tag: MatchTag::Ambiguous,
                source_id: Some(sid.clone()),
                target_id: None,
                label: label(src),
                target_label: None,
                rule: Some(rule.into()),
                reason: Some(format!("{} target records share this {rule}", hits.len())),
                changes: Vec::new(),
            },
            Some((rule, hits)) => {
                let t = &target[hits[0]];
                let tid = s(t, "id").unwrap_or_default();
                let t_ext = s(t, "externalId").filter(|x| !x.is_empty());
                let recycled =
                    rule == "email" && t_ext.as_deref().is_some_and(|te| te != source_key(src));
                if recycled || used.contains(&tid) {
                    RecordMatch {
                        tag: MatchTag::Ambiguous,
                        source_id: Some(sid.clone()),
                        target_id: Some(tid),
                        label: label(src),
                        target_label: Some(label(t)),
                        rule: Some(rule.into()),
                        reason: Some(if recycled {
                            "same email, different externalId: possibly a recycled address".into()
                        } else {
                            "the target record matches another source record too".into()
                        }),
                        changes: Vec::new(),
                    }
                } else {
                    used.insert(tid.clone());
                    ids.insert(sid.clone(), tid.clone());
                    let (mapped, _) = mapper.user(src);
                    let before = project(t, &mapped);
                    let equal = canonical(&before) == canonical(&mapped);
                    RecordMatch {
                        changes: if equal {
                            Vec::new()
                        } else {
                            attribute_changes(&before, &mapped)
                        },
                        tag: if equal {
                            MatchTag::MatchedEqual
                        } else {
                            MatchTag::MatchedDifferent
                        },
                        source_id: Some(sid.clone()),
                        target_id: Some(tid),
                        label: label(src),
                        target_label: Some(label(t)),
                        rule: Some(rule.into()),
                        reason: None,
                    }
                }
            }
        };
        out.push(m);
    }
    for t in target {
        let tid = s(t, "id").unwrap_or_default();
        if !used.contains(&tid) && !out.iter().any(|m| m.target_id.as_deref() == Some(&tid)) {
            out.push(RecordMatch {
                tag: MatchTag::OnlyInTarget,
                source_id: None,
                target_id: Some(tid),
                label: label(t),
                target_label: Some(label(t)),
                rule: None,
                reason: None,
                changes: Vec::new(),
            });
        }
    }
    (out, ids)
}

/// Matches groups by the stable key, then displayName ignoring case.
pub fn match_groups(source: &[Value], target: &[Value]) -> HashMap<String, String> {
    let mut ids = HashMap::new();
    let mut used = HashSet::new();
    for src in source {
        let key = source_key(src);
        let name = s(src, "displayName").map(|n| n.to_lowercase());
        let hit = target
            .iter()
            .find(|t| s(t, "externalId").as_deref() == Some(key.as_str()))
            .or_else(|| {
                target.iter().find(|t| {
                    name.is_some() && s(t, "displayName").map(|n| n.to_lowercase()) == name
                })
            });
        if let (Some(sid), Some(t)) = (s(src, "id"), hit) {
            let tid = s(t, "id").unwrap_or_default();
            if used.insert(tid.clone()) {
                ids.insert(sid, tid);
            }
        }
    }
    ids
}

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
    let by_id = |list: &[Value]| -> HashMap<String, Value> {
        list.iter()
            .filter_map(|v| s(v, "id").map(|id| (id, v.clone())))
            .collect()
    };
    let targets = by_id(target.users);
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
            Some(tid) => {
                let before = project(targets.get(tid).unwrap_or(&Value::Null), &mapped);
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
            .and_then(|tid| targets.get(tid))
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
        .filter_map(|m| targets.get(m.target_id.as_deref()?))
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

/// One provider's latest copy, read whole for planning.
struct CachedSide {
    snapshot_id: i64,
    complete: bool,
    /// "Incomplete copy: 200 of 300 users", when the copy is not complete.
    incomplete: Option<String>,
    users: Vec<Value>,
    groups: Vec<Value>,
    members: HashMap<String, Vec<String>>,
    discovery: Value,
}

impl CachedSide {
    fn read(db: &desk_store::Database, name: &str) -> Result<Self, DeskError> {
        let snap = crate::read::directory::latest_snapshot(db, name)?;
        let all = |kind: &str| -> Result<Vec<Value>, DeskError> {
            let mut out = Vec::new();
            db.for_each_resource(snap.id, kind, |v| {
                out.push(v);
                Ok(())
            })?;
            Ok(out)
        };
        let (users, groups) = (all("User")?, all("Group")?);
        let mut members = HashMap::new();
        for id in groups.iter().filter_map(|g| s(g, "id")) {
            let m = db.group_members(snap.id, &id)?;
            members.insert(id, m);
        }
        Ok(Self {
            discovery: db.snapshot_discovery(snap.id)?,
            snapshot_id: snap.id,
            complete: snap.complete,
            incomplete: crate::read::completeness::Completeness::of_snapshot(&snap).warning,
            users,
            groups,
            members,
        })
    }

    fn side(&self) -> Side<'_> {
        Side {
            users: &self.users,
            groups: &self.groups,
            members: &self.members,
        }
    }
}

impl Desk {
    /// Reads both providers again and plans: what remains to do is what still differs
    /// (verification after a run; an empty plan means the target holds the source).
    pub async fn verify_migration(
        &self,
        source: &str,
        target: &str,
        options: &PlanOptions,
        progress: &(dyn Fn(crate::read::sync::SyncProgress) + Send + Sync),
    ) -> Result<MigrationPlan, DeskError> {
        for name in [source, target] {
            self.sync(name, &crate::vocabulary::CancelFlag::new(), progress)
                .await?;
        }
        self.plan_migration(source, target, options)
    }

    /// Saves a plan as readable JSON in the exports folder; returns its path.
    pub fn save_plan(&self, plan: &MigrationPlan) -> Result<String, DeskError> {
        let dir = self.paths().exports();
        crate::paths::private_dir(&dir)
            .map_err(|e| DeskError::Internal(format!("the exports folder: {e}")))?;
        let safe = |n: &str| -> String {
            n.chars()
                .map(|c| if c.is_alphanumeric() { c } else { '-' })
                .collect()
        };
        let stamp = desk_store::now_rfc3339().replace([':', '-'], "");
        let path = dir.join(format!(
            "plan-{}-to-{}-{stamp}.json",
            safe(&plan.source),
            safe(&plan.target)
        ));
        let text = serde_json::to_string_pretty(plan)
            .map_err(|e| DeskError::Internal(format!("the plan: {e}")))?;
        crate::paths::write_private(&path, text.as_bytes())
            .map_err(|e| DeskError::Internal(format!("writing {}: {e}", path.display())))?;
        Ok(path.display().to_string())
    }

    /// Plans a migration from the latest snapshots of `source` and `target` (sync both first).
    pub fn plan_migration(
        &self,
        source: &str,
        target: &str,
        options: &PlanOptions,
    ) -> Result<MigrationPlan, DeskError> {
        options.rules.validate()?;
        if source == target {
            return Err(DeskError::InvalidInput(
                "The source and the target are the same provider; pick two different ones.".into(),
            ));
        }
        let profile = self.saved_profile(target)?;
        let (src, dst) = {
            let db = self.db()?;
            (
                CachedSide::read(&db, source)?,
                CachedSide::read(&db, target)?,
            )
        };
        let fit = TargetFit::from_discovery(&dst.discovery, profile.as_ref());
        let mapper = Mapper {
            rules: &options.rules,
            fit: &fit,
        };
        let complete = src.complete && dst.complete;
        let Planned {
            mut matches,
            warnings: planned_warnings,
            mut operations,
            user_ids,
            group_ids,
        } = plan_operations(&src.side(), &dst.side(), &mapper, options, complete);
        let not_kept = leave_out_unkept(&mut operations, &mut matches, &self.not_kept(target)?);
        let mut counts = BTreeMap::new();
        for m in &matches {
            *counts.entry(m.tag.as_str().to_string()).or_insert(0) += 1;
        }
        for o in &operations {
            *counts.entry(o.op.to_string()).or_insert(0) += 1;
        }
        let mut warnings = Vec::new();
        if options.target_only == TargetOnly::Keep
            && counts.contains_key(MatchTag::OnlyInTarget.as_str())
        {
            warnings.push(
                "Users only at the target are left as they are (deactivation and deletes are off)."
                    .to_string(),
            );
        }
        warnings.extend(planned_warnings);
        if !not_kept.is_empty() {
            warnings.push(format!(
                "Left out: changes {target} accepts but does not keep ({}). Sending them again \
                 would not make them stick; map them to attributes it keeps, or leave them.",
                not_kept
                    .iter()
                    .map(|n| format!("{} on {} records", n.path, n.records))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for (name, side) in [(source, &src), (target, &dst)] {
            if let Some(w) = &side.incomplete {
                warnings.push(format!(
                    "{name}: {w}. Nobody is deactivated or deleted on the strength of an \
                     incomplete copy; sync {name} again before relying on this plan."
                ));
            }
        }
        Ok(MigrationPlan {
            version: 1,
            source: source.into(),
            target: target.into(),
            created_at: desk_store::now_rfc3339(),
            source_snapshot: src.snapshot_id,
            target_snapshot: dst.snapshot_id,
            counts,
            review: matches
                .iter()
                .filter(|m| m.tag.needs_a_decision())
                .cloned()
                .collect(),
            matches,
            warnings,
            operations,
            user_ids: user_ids.into_iter().collect(),
            group_ids: group_ids.into_iter().collect(),
            options: options.clone(),
            not_kept,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_for_one_record_changes_only_that_record() {
        let rules: Vec<MappingRule> = serde_json::from_value(json!([
            {"attribute": "emails.value", "constant": "zoe.muller@example.com", "record": "7"},
            {"attribute": "userName", "constant": "zmuller", "record": "7"},
        ]))
        .unwrap();
        let record = |id: &str| {
            json!({"id": id, "userName": "zoë.müller",
                   "emails": [{"value": "zoë.müller@example.com", "type": "work"}]})
        };
        let mut mine = record("7");
        apply_rules(&mut mine, &record("7"), &rules).unwrap();
        assert_eq!(mine["emails"][0]["value"], "zoe.muller@example.com");
        assert_eq!(mine["emails"][0]["type"], "work");
        assert_eq!(mine["userName"], "zmuller");
        let mut other = record("8");
        apply_rules(&mut other, &record("8"), &rules).unwrap();
        assert_eq!(other, record("8"), "another record is left as it is");
    }

    #[test]
    fn transforms_for_values_a_target_refuses() {
        let src = json!({"userName": "Łukasz.Żółć", "title": "Head of Quality Assurance"});
        let mut v = json!({
            "userName": "Łukasz.Żółć@firma.pl",
            "title": "Head of Quality Assurance",
            "nickName": "",
            "emails": [{"value": "łukasz.żółć@firma.pl", "type": "work"},
                       {"value": "Søren.Straße@home.example", "type": "home"}],
        });
        let rules: Vec<MappingRule> = serde_json::from_value(json!([
            {"attribute": "emails.value", "transform": "ascii"},
            {"attribute": "emails.value", "transform": "domain", "to": "example.com"},
            {"attribute": "userName", "transform": "replace", "pattern": "@.*$", "with": ""},
            {"attribute": "userName", "transform": "ascii"},
            {"attribute": "title", "transform": "truncate", "max": 12},
            {"attribute": "nickName", "transform": "default", "value": "n/a"},
            {"attribute": "displayName", "transform": "default", "value": "Unknown"},
        ]))
        .unwrap();
        apply_rules(&mut v, &src, &rules).unwrap();
        assert_eq!(v["emails"][0]["value"], "lukasz.zolc@example.com");
        assert_eq!(v["emails"][1]["value"], "Soren.Strasse@example.com");
        assert_eq!(
            v["emails"][0]["type"], "work",
            "the other sub-attributes stay"
        );
        assert_eq!(v["userName"], "Lukasz.Zolc");
        assert_eq!(v["title"], "Head of Qual");
        assert_eq!(v["nickName"], "n/a");
        assert_eq!(v["displayName"], "Unknown");
        // Rules that cannot work are refused before anything is mapped, saying why.
        for (rule, why) in [
            (
                json!({"attribute": "x", "transform": "replace", "pattern": "("}),
                "not valid",
            ),
            (
                json!({"attribute": "x", "transform": "replace"}),
                "needs \"pattern\"",
            ),
            (
                json!({"attribute": "x", "transform": "domain", "to": "a b"}),
                "not a domain",
            ),
            (
                json!({"attribute": "x", "transform": "truncate", "max": 0}),
                "needs \"max",
            ),
            (
                json!({"attribute": "x", "transform": "default"}),
                "needs \"value\"",
            ),
        ] {
            let rules = MappingRules {
                users: vec![serde_json::from_value(rule.clone()).unwrap()],
                groups: Vec::new(),
            };
            let err = rules.validate().unwrap_err().message();
            assert!(err.contains(why), "{rule}: {err}");
        }
    }

    #[test]
    fn rules_drop_rename_transform_constant_and_template() {
        let src = json!({"id": "1", "userName": "Ana.Silva", "title": "Clerk",
            "name": {"givenName": "Ana", "familyName": "Silva"},
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            ENTERPRISE: {"department": "Sales"}});
        let rules: MappingRules = serde_json::from_value(json!({"users": [
            {"attribute": "title", "drop": true},
            {"attribute": "userName", "transform": "lower"},
            {"attribute": "userType", "constant": "Employee"},
            {"attribute": "displayName", "template": "{name.familyName}, {name.givenName}"},
            {"attribute": format!("{ENTERPRISE}:department"), "rename": format!("{ENTERPRISE}:division")}
        ]}))
        .unwrap();
        rules.validate().unwrap();
        let v = rules.user(&src);
        assert!(v.get("title").is_none());
        assert_eq!(v["userName"], "ana.silva");
        assert_eq!(v["userType"], "Employee");
        assert_eq!(v["displayName"], "Silva, Ana");
        assert_eq!(v[ENTERPRISE], json!({"division": "Sales"}));
        let bad: MappingRules =
            serde_json::from_value(json!({"users": [{"attribute": "x", "transform": "shout"}]}))
                .unwrap();
        assert!(bad.validate().is_err());
        assert!(serde_json::from_value::<MappingRules>(
            json!({"users": [{"attribute": "x", "colour": 1}]})
        )
        .is_err());
    }

    fn mapper() -> Mapper<'static> {
        static RULES: std::sync::OnceLock<MappingRules> = std::sync::OnceLock::new();
        static FIT: std::sync::OnceLock<TargetFit> = std::sync::OnceLock::new();
        Mapper {
            rules: RULES.get_or_init(MappingRules::default),
            fit: FIT.get_or_init(TargetFit::lenient),
        }
    }

    fn users_only<'a>(users: &'a [Value], empty: &'a HashMap<String, Vec<String>>) -> Side<'a> {
        Side {
            users,
            groups: &[],
            members: empty,
        }
    }

    fn user(id: &str, name: &str, email: &str, ext: Option<&str>) -> Value {
        let mut v = json!({"id": id, "userName": name, "emails": [{"value": email, "primary": true}],
                           "name": {"givenName": "A", "familyName": name}, "meta": {"version": "1"}});
        if let Some(e) = ext {
            v["externalId"] = json!(e);
        }
        v
    }

    #[test]
    fn matching_follows_the_rules_in_order_and_flags_recycled_addresses() {
        let source = vec![
            user("s1", "ana", "ana@x.org", Some("E1")),
            user("s2", "Bob", "bob@x.org", None),
            user("s3", "cy", "shared@x.org", Some("E3")),
            user("s4", "dee", "dee@x.org", None),
        ];
        let target = vec![
            user("t1", "ana.other", "a@y.org", Some("E1")),
            user("t2", "bob", "b@y.org", None),
            user("t3", "someone", "shared@x.org", Some("E9")),
        ];
        let (m, ids) = match_users(&source, &target, &mapper());
        let tag = |sid: &str| {
            m.iter()
                .find(|x| x.source_id.as_deref() == Some(sid))
                .unwrap()
        };
        assert_eq!(tag("s1").rule.as_deref(), Some("externalId"));
        assert_eq!(tag("s2").rule.as_deref(), Some("userName"));
        assert_eq!(tag("s3").tag, MatchTag::Ambiguous);
        assert_eq!(tag("s4").tag, MatchTag::OnlyInSource);
        assert_eq!(ids.get("s1").map(String::as_str), Some("t1"));
        assert!(!ids.contains_key("s3"));
    }

    #[test]
    fn a_plan_creates_then_links_and_replanning_after_it_plans_nothing() {
        let boss = user("s1", "boss", "boss@x.org", None);
        let mut worker = user("s2", "worker", "w@x.org", None);
        worker[ENTERPRISE] = json!({"department": "Sales", "manager": {"value": "s1"}});
        let src_users = vec![boss, worker];
        let src_groups = vec![json!({"id": "g1", "displayName": "Sales"})];
        let src_members: HashMap<String, Vec<String>> =
            [("g1".to_string(), vec!["s1".to_string(), "s2".to_string()])].into();
        let empty = HashMap::new();
        let ops = plan_operations(
            &Side {
                users: &src_users,
                groups: &src_groups,
                members: &src_members,
            },
            &Side {
                users: &[],
                groups: &[],
                members: &empty,
            },
            &mapper(),
            &PlanOptions::default(),
            true,
        )
        .operations;
        let kinds: Vec<&str> = ops.iter().map(|o| o.op.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "create_user",
                "create_user",
                "create_group",
                "add_members",
                "set_manager"
            ]
        );
        assert_eq!(ops[0].data["externalId"], "s1");
        assert!(ops[1].data[ENTERPRISE].get("manager").is_none());

        // The target after running the plan: same records, new ids, externalId = source key.
        let mut t_users: Vec<Value> = src_users
            .iter()
            .map(|u| {
                let mut v = map_record(u);
                v["id"] = json!(format!("T-{}", u["id"].as_str().unwrap()));
                v
            })
            .collect();
        t_users[1][ENTERPRISE]["manager"] = json!({"value": "T-s1"});
        let t_groups = vec![json!({"id": "TG1", "displayName": "Sales", "externalId": "g1"})];
        let t_members: HashMap<String, Vec<String>> = [(
            "TG1".to_string(),
            vec!["T-s1".to_string(), "T-s2".to_string()],
        )]
        .into();
        let Planned {
            matches,
            operations: again,
            ..
        } = plan_operations(
            &Side {
                users: &src_users,
                groups: &src_groups,
                members: &src_members,
            },
            &Side {
                users: &t_users,
                groups: &t_groups,
                members: &t_members,
            },
            &mapper(),
            &PlanOptions::default(),
            true,
        );
        assert!(again.is_empty(), "{again:?}");
        assert!(
            matches.iter().all(|m| m.tag == MatchTag::MatchedEqual),
            "{matches:?}"
        );
    }

    #[test]
    fn target_only_users_are_deactivated_or_deleted_only_when_asked_and_never_from_a_partial_read()
    {
        let src_users = vec![user("s1", "ana", "ana@x.org", None)];
        let mut t_users = vec![
            user("t1", "ana", "ana@x.org", None),
            user("t2", "old1", "o1@x.org", None),
            user("t3", "old2", "o2@x.org", None),
        ];
        t_users[2]["active"] = json!(false);
        let empty = HashMap::new();
        let plan = |target_only, max_deletes, complete| {
            let p = plan_operations(
                &users_only(&src_users, &empty),
                &users_only(&t_users, &empty),
                &mapper(),
                &PlanOptions {
                    target_only,
                    max_deletes,
                    ..Default::default()
                },
                complete,
            );
            let ops: Vec<String> = p
                .operations
                .iter()
                .filter(|o| o.op != Operation::UpdateUser)
                .map(|o| format!("{} {}", o.op, o.target_id.clone().unwrap_or_default()))
                .collect();
            (ops, p.warnings)
        };
        assert!(plan(TargetOnly::Keep, 10, true).0.is_empty());
        // Already inactive users are not deactivated again.
        assert_eq!(
            plan(TargetOnly::Deactivate, 10, true).0,
            ["deactivate_user t2"]
        );
        assert_eq!(
            plan(TargetOnly::Delete, 10, true).0,
            ["deactivate_user t2", "delete_user t2", "delete_user t3"]
        );
        // Over the limit: deactivated, not deleted, and said so.
        let (ops, warnings) = plan(TargetOnly::Delete, 1, true);
        assert_eq!(ops, ["deactivate_user t2"]);
        assert!(
            warnings.iter().any(|w| w.contains("limit of 1")),
            "{warnings:?}"
        );
        // An incomplete read: nothing at all.
        let (ops, warnings) = plan(TargetOnly::Delete, 10, false);
        assert!(ops.is_empty());
        assert!(warnings.iter().any(|w| w.contains("not read completely")));
    }

    #[test]
    fn records_the_target_would_refuse_are_held_back_with_the_reason() {
        let fit = TargetFit::from_discovery(
            &json!({"schemas": [{"id": scim_client::USER_SCHEMA, "attributes": [
                {"name": "userName", "type": "string", "required": true},
                {"name": "nickName", "type": "string", "required": true},
                {"name": "emails", "type": "complex", "multiValued": true,
                 "subAttributes": [{"name": "value"}, {"name": "primary", "type": "boolean"}]},
                {"name": "name", "type": "complex", "subAttributes": [{"name": "familyName"}]}]}]}),
            None,
        );
        let rules = MappingRules::default();
        let mapper = Mapper {
            rules: &rules,
            fit: &fit,
        };
        let mut with_nick = user("s2", "bo", "bo@x.org", None);
        with_nick["nickName"] = json!("Bo");
        let src_users = vec![user("s1", "ana", "ana@x.org", None), with_nick];
        let empty = HashMap::new();
        let p = plan_operations(
            &users_only(&src_users, &empty),
            &users_only(&[], &empty),
            &mapper,
            &PlanOptions::default(),
            true,
        );
        assert_eq!(p.operations.len(), 1);
        assert_eq!(p.operations[0].source_id, "s2");
        // givenName is not in this target's schema: left out, and the plan says so.
        assert!(p.operations[0].data["name"].get("givenName").is_none());
        assert!(
            p.warnings
                .iter()
                .any(|w| w.starts_with("name.givenName: not in the target's schema")),
            "{:?}",
            p.warnings
        );
        let held = p
            .matches
            .iter()
            .find(|m| m.tag == MatchTag::Incomplete)
            .unwrap();
        assert_eq!(held.source_id.as_deref(), Some("s1"));
        assert!(held.reason.as_deref().unwrap().contains("nickName"));
    }
}
