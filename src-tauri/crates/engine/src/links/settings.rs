//! What a link is set to do: its scope, mapping rules, what happens to target-only records and
//! to records leaving the scope, the names it never touches, its guard rails and its schedule.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::migrate::{MappingRules, TargetOnly};
use crate::DeskError;

/// Which source records a link carries. With neither a filter nor group patterns, every user
/// and every group; with a filter, the users it matches; with group patterns, the groups whose
/// names match and their members; with both, the users of either. `exclude` takes records out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct Scope {
    /// A SCIM filter on source users, e.g. `department eq "Sales"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub filter: Option<String>,
    /// Group name patterns (`*` any text, `?` one character, case ignored): the groups and
    /// their members are in scope.
    pub groups: Vec<String>,
    /// A SCIM filter; users and groups it matches are out of scope whatever else says.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub exclude: Option<String>,
}

impl Scope {
    /// True when the scope is the whole source.
    pub fn is_everything(&self) -> bool {
        self.filter.is_none() && self.groups.is_empty() && self.exclude.is_none()
    }
}

/// What happens at the target to a user the link brought once it leaves the scope (moved out
/// of a scoped group, filtered out, deleted at the source).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Leaving {
    /// Left as it is, and listed in the run.
    #[default]
    Keep,
    /// Deactivated at the target (never from an incomplete read).
    Deactivate,
}

/// The most of something one run may do: a number, or a percentage of the target's records.
#[derive(Debug, Clone, Copy, PartialEq, TS)]
#[ts(type = "string")]
pub enum Limit {
    Count(u32),
    Percent(f64),
}

impl Limit {
    /// Reads `10` or `5%`.
    pub fn parse(text: &str) -> Result<Limit, DeskError> {
        let t = text.trim();
        let bad = || {
            DeskError::InvalidInput(format!(
                "\"{text}\" is not a limit: give a number of records (10) or a percentage of \
                 the target (5%)."
            ))
        };
        if let Some(p) = t.strip_suffix('%') {
            let v: f64 = p.trim().parse().map_err(|_| bad())?;
            if !(0.0..=100.0).contains(&v) {
                return Err(bad());
            }
            Ok(Limit::Percent(v))
        } else {
            t.parse().map(Limit::Count).map_err(|_| bad())
        }
    }

    /// The most records, for a target holding `target_records`.
    pub fn most(self, target_records: u32) -> u32 {
        match self {
            Limit::Count(n) => n,
            Limit::Percent(p) => (f64::from(target_records) * p / 100.0).floor() as u32,
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Count(n) => write!(f, "{n}"),
            Limit::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl Serialize for Limit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let text = match &v {
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::String(s) => s.clone(),
            _ => return Err(serde::de::Error::custom("a limit is a number or \"5%\"")),
        };
        Limit::parse(&text).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

/// The most one run may create, change, deactivate and delete; a run that would do more stops
/// before writing anything (unless it is run anyway). No limit where `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct GuardRails {
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_creates: Option<Limit>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_updates: Option<Limit>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_deactivations: Option<Limit>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_deletes: Option<Limit>,
}

impl Default for GuardRails {
    /// Creates and changes unlimited; at most 10 deactivations and 10 deletes a run (like the
    /// accidental-deletion thresholds of identity providers).
    fn default() -> Self {
        GuardRails {
            max_creates: None,
            max_updates: None,
            max_deactivations: Some(Limit::Count(10)),
            max_deletes: Some(Limit::Count(10)),
        }
    }
}

/// A link's settings, saved as one JSON document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct LinkSettings {
    pub scope: Scope,
    pub rules: MappingRules,
    /// Target users the source has no match for (and the link did not bring): kept by default.
    pub target_only: TargetOnly,
    /// Users the link brought that left the scope.
    pub leaving: Leaving,
    /// Target name patterns (userName or displayName, `*` and `?`): never written to.
    pub protect: Vec<String>,
    pub guard: GuardRails,
    /// Run every N minutes while the window is open (none: only when asked).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub every_minutes: Option<u32>,
}

impl LinkSettings {
    /// Checks what can be checked before a run: filters parse, patterns and rules are valid.
    pub fn validate(&self) -> Result<(), DeskError> {
        for (what, f) in [
            ("scope filter", &self.scope.filter),
            ("exclusion filter", &self.scope.exclude),
        ] {
            if let Some(f) = f {
                scim_client::filter::parse(f).map_err(|e| {
                    DeskError::InvalidInput(format!(
                        "The {what} \"{f}\" is not a SCIM filter: {e}."
                    ))
                })?;
            }
        }
        for p in self.scope.groups.iter().chain(&self.protect) {
            if p.trim().is_empty() {
                return Err(DeskError::InvalidInput(
                    "A name pattern is empty; give a group or user name, with * for any text."
                        .into(),
                ));
            }
        }
        if self.every_minutes == Some(0) {
            return Err(DeskError::InvalidInput(
                "A schedule runs every 1 minute or more.".into(),
            ));
        }
        self.rules.validate()
    }
}

/// A name pattern: `*` any text, `?` one character, case ignored.
pub struct NamePattern(Option<regex::Regex>);

impl NamePattern {
    pub fn new(pattern: &str) -> NamePattern {
        let mut re = String::from("(?i)^");
        for c in pattern.trim().chars() {
            match c {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        re.push('$');
        // Built from escaped characters and two wildcards: always a valid expression (one that
        // was not would match nothing).
        NamePattern(regex::Regex::new(&re).ok())
    }

    pub fn matches(&self, name: &str) -> bool {
        self.0.as_ref().is_some_and(|r| r.is_match(name))
    }

    /// True when any of `patterns` matches `name`.
    pub fn any(patterns: &[NamePattern], name: &str) -> bool {
        patterns.iter().any(|p| p.matches(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_numbers_and_percentages_and_refuse_the_rest() {
        assert_eq!(Limit::parse("10").unwrap(), Limit::Count(10));
        assert_eq!(Limit::parse(" 5% ").unwrap(), Limit::Percent(5.0));
        assert_eq!(Limit::Percent(5.0).most(1_000), 50);
        assert_eq!(Limit::Percent(10.0).most(9), 0);
        for bad in ["", "ten", "-1", "120%", "5 %%"] {
            assert!(Limit::parse(bad).is_err(), "{bad}");
        }
        let g: GuardRails =
            serde_json::from_value(serde_json::json!({"maxUpdates": 7, "maxDeletes": "2%"}))
                .unwrap();
        assert_eq!(g.max_updates, Some(Limit::Count(7)));
        assert_eq!(g.max_deletes, Some(Limit::Percent(2.0)));
        assert_eq!(serde_json::to_value(&g).unwrap()["maxDeletes"], "2%");
    }

    #[test]
    fn name_patterns_match_whole_names_ignoring_case() {
        let p = NamePattern::new("Sales*");
        assert!(p.matches("sales EMEA"));
        assert!(!p.matches("Presales"));
        assert!(NamePattern::new("a.b?").matches("A.bc"));
        assert!(!NamePattern::new("a.b").matches("axb"), "a dot is a dot");
    }

    #[test]
    fn settings_with_a_broken_filter_are_refused_naming_it() {
        let s = LinkSettings {
            scope: Scope {
                filter: Some("department eq".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let e = s.validate().unwrap_err().message();
        assert!(e.contains("scope filter \"department eq\""), "{e}");
    }
}
