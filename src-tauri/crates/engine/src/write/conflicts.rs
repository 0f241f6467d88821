//! Edits made at the same time here and at the provider: which attributes differ, merging
//! both sides' changes, and whether they touch the same attribute.

use crate::vocabulary::{flatten, set_path};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// The attributes where base, mine and theirs are not all equal.
pub fn conflict_fields(base: &Value, mine: &Value, theirs: &Value) -> Vec<ConflictField> {
    let (b, m, t) = (flatten(base), flatten(mine), flatten(theirs));
    let mut keys: Vec<&String> = b.keys().chain(m.keys()).chain(t.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !(b.get(*k) == m.get(*k) && m.get(*k) == t.get(*k)))
        .map(|k| ConflictField {
            path: k.clone(),
            base: b.get(k).cloned(),
            mine: m.get(k).cloned(),
            theirs: t.get(k).cloned(),
        })
        .collect()
}

/// The provider's current record with the person's values for `take_mine` (paths of
/// [`ConflictField`]) and, for every other attribute the person changed and the provider did
/// not, the person's value too. The result is what to save with `theirs` as the new base.
pub fn merge(base: &Value, mine: &Value, theirs: &Value, take_mine: &[String]) -> Value {
    let (b, m, t) = (flatten(base), flatten(mine), flatten(theirs));
    let mut out = theirs.clone();
    for f in conflict_fields(base, mine, theirs) {
        let mine_changed = b.get(&f.path) != m.get(&f.path);
        let theirs_changed = b.get(&f.path) != t.get(&f.path);
        let pick_mine = take_mine.contains(&f.path) || (mine_changed && !theirs_changed);
        if pick_mine {
            set_path(&mut out, &f.path, m.get(&f.path).cloned());
        }
    }
    out
}

/// True when `a` and `b` differ on an attribute path that `mine` changes.
pub(super) fn overlapping_change(base: &Value, mine: &Value, current: &Value) -> bool {
    let (b, m, c) = (flatten(base), flatten(mine), flatten(current));
    m.keys()
        .chain(b.keys())
        .any(|k| b.get(k) != m.get(k) && b.get(k) != c.get(k) && m.get(k) != c.get(k))
}

/// One attribute of a conflict: the value shown when editing began (base), the person's value
/// (mine) and the provider's current value (theirs).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConflictField {
    pub path: String,
    #[ts(optional, type = "unknown")]
    pub base: Option<Value>,
    #[ts(optional, type = "unknown")]
    pub mine: Option<Value>,
    #[ts(optional, type = "unknown")]
    pub theirs: Option<Value>,
}

/// The person's choices in the conflict view: which fields keep their value.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MergeRequest {
    #[ts(type = "unknown")]
    pub base: Value,
    #[ts(type = "unknown")]
    pub mine: Value,
    #[ts(type = "unknown")]
    pub theirs: Value,
    /// Paths of [`ConflictField`] where the person keeps their own value.
    pub take_mine: Vec<String>,
}
