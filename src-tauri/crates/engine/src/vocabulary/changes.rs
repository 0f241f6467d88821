//! What changed in a record, attribute by attribute: the words of diffs, reviews, history and
//! plans.

use scim_client::patch::{diff, PatchOpKind};
use scim_client::CapabilityProfile;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// How an attribute or a record changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    /// The stable word, as files and the window spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// How one version of a record compares with the one before it (a record's history).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VersionChange {
    Added,
    Removed,
    Changed,
    Unchanged,
    /// The oldest copy kept: older ones may have been pruned, so it was not necessarily added.
    FirstKept,
}

/// One attribute that changed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
pub struct AttributeChange {
    pub change: ChangeKind,
    /// The attribute path, e.g. `title`, `name.familyName`, `emails[type eq "work"].value`.
    pub path: String,
    #[ts(optional, type = "unknown")]
    pub before: Option<Value>,
    #[ts(optional, type = "unknown")]
    pub after: Option<Value>,
}

/// Attribute-level changes from `before` to `after` (meta excluded).
pub fn attribute_changes(before: &Value, after: &Value) -> Vec<AttributeChange> {
    let style = CapabilityProfile::default().patch;
    diff(before, after, &style)
        .into_iter()
        .map(|op| {
            let path = op.path.clone().unwrap_or_default();
            // Value-filtered paths too (`emails[type eq "work"].value`): the "Now" column.
            let before_value = scim_client::patch::value_at(before, &path);
            AttributeChange {
                change: match op.op {
                    PatchOpKind::Add => ChangeKind::Added,
                    PatchOpKind::Remove => ChangeKind::Removed,
                    PatchOpKind::Replace => ChangeKind::Changed,
                },
                path,
                before: before_value,
                after: op.value,
            }
        })
        .collect()
}

impl VersionChange {
    /// The stable word, as files and the window spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionChange::Added => "added",
            VersionChange::Removed => "removed",
            VersionChange::Changed => "changed",
            VersionChange::Unchanged => "unchanged",
            VersionChange::FirstKept => "first_kept",
        }
    }
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for VersionChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attribute_changes_name_paths_with_before_and_after() {
        let before = json!({"id": "1", "userName": "a", "title": "Eng", "name": {"familyName": "Lee"},
            "meta": {"version": "1"}});
        let after = json!({"id": "1", "userName": "a", "title": "Lead", "name": {"familyName": "Li"},
            "nickName": "x", "meta": {"version": "2"}});
        let c = attribute_changes(&before, &after);
        let lines: Vec<String> = c
            .iter()
            .map(|a| {
                format!(
                    "{} {} {:?} -> {:?}",
                    a.change.as_str(),
                    a.path,
                    a.before,
                    a.after
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                "changed title Some(String(\"Eng\")) -> Some(String(\"Lead\"))",
                "changed name.familyName Some(String(\"Lee\")) -> Some(String(\"Li\"))",
                "added nickName None -> Some(String(\"x\"))",
            ]
        );
    }
}
