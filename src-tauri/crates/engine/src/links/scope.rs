//! Which source records are in a link's scope, from the source's copy.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use super::settings::{NamePattern, Scope};
use crate::DeskError;

/// The ids of the source users and groups in scope.
#[derive(Debug, Default, PartialEq)]
pub struct InScope {
    pub users: HashSet<String>,
    pub groups: HashSet<String>,
}

fn id(v: &Value) -> Option<String> {
    v.get("id").and_then(Value::as_str).map(str::to_string)
}

/// The enterprise extension's attributes, which people write without the extension's URN
/// (`department eq "Sales"`) though the core schema has no such attribute.
const ENTERPRISE_NAMES: [&str; 6] = [
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
    "manager",
];

/// `filter` with unqualified enterprise attribute names given the extension's URN.
fn qualify(filter: scim_client::Filter) -> scim_client::Filter {
    use scim_client::Filter as F;
    let with_urn = |mut p: scim_client::AttrPath| {
        if p.urn.is_none()
            && ENTERPRISE_NAMES
                .iter()
                .any(|n| n.eq_ignore_ascii_case(&p.name))
        {
            p.urn = Some(scim_client::ENTERPRISE_USER_SCHEMA.to_string());
        }
        p
    };
    match filter {
        F::Compare { path, op, value } => F::Compare {
            path: with_urn(path),
            op,
            value,
        },
        F::Present(p) => F::Present(with_urn(p)),
        F::And(a, b) => F::And(Box::new(qualify(*a)), Box::new(qualify(*b))),
        F::Or(a, b) => F::Or(Box::new(qualify(*a)), Box::new(qualify(*b))),
        F::Not(a) => F::Not(Box::new(qualify(*a))),
        F::ValuePath { path, filter } => F::ValuePath {
            path: with_urn(path),
            filter,
        },
    }
}

fn filter_of(text: &Option<String>) -> Result<Option<scim_client::Filter>, DeskError> {
    text.as_deref()
        .map(|f| {
            scim_client::filter::parse(f)
                .map(qualify)
                .map_err(|e| DeskError::InvalidInput(format!("\"{f}\" is not a SCIM filter: {e}.")))
        })
        .transpose()
}

/// The records of the source in `scope`: users matching the filter or members of a scoped
/// group, groups matching a pattern; none matching the exclusion.
pub fn in_scope(
    scope: &Scope,
    users: &[Value],
    groups: &[Value],
    members: &HashMap<String, Vec<String>>,
) -> Result<InScope, DeskError> {
    let case = scim_client::filter::default_case_exact;
    let (filter, exclude) = (filter_of(&scope.filter)?, filter_of(&scope.exclude)?);
    let excluded = |v: &Value| {
        exclude
            .as_ref()
            .is_some_and(|f| scim_client::filter::matches(f, v, &case))
    };
    let everything = scope.filter.is_none() && scope.groups.is_empty();
    let patterns: Vec<NamePattern> = scope.groups.iter().map(|p| NamePattern::new(p)).collect();
    let mut out = InScope::default();
    for g in groups {
        let name = g.get("displayName").and_then(Value::as_str).unwrap_or("");
        if (everything || NamePattern::any(&patterns, name)) && !excluded(g) {
            out.groups.extend(id(g));
        }
    }
    let via_groups: HashSet<&str> = out
        .groups
        .iter()
        .filter_map(|g| members.get(g))
        .flatten()
        .map(String::as_str)
        .collect();
    for u in users {
        let Some(uid) = id(u) else { continue };
        let wanted = everything
            || filter
                .as_ref()
                .is_some_and(|f| scim_client::filter::matches(f, u, &case))
            || via_groups.contains(uid.as_str());
        if wanted && !excluded(u) {
            out.users.insert(uid);
        }
    }
    Ok(out)
}

/// The part of a side in scope: its users and groups, and each group's members cut down to
/// the records in scope.
pub fn restrict(
    scope: &InScope,
    users: &[Value],
    groups: &[Value],
    members: &HashMap<String, Vec<String>>,
) -> (Vec<Value>, Vec<Value>, HashMap<String, Vec<String>>) {
    let keep = |list: &[Value], ids: &HashSet<String>| -> Vec<Value> {
        list.iter()
            .filter(|v| id(v).is_some_and(|i| ids.contains(&i)))
            .cloned()
            .collect()
    };
    let members = members
        .iter()
        .filter(|(g, _)| scope.groups.contains(*g))
        .map(|(g, ms)| {
            let ms = ms
                .iter()
                .filter(|m| scope.users.contains(*m) || scope.groups.contains(*m))
                .cloned()
                .collect();
            (g.clone(), ms)
        })
        .collect();
    (
        keep(users, &scope.users),
        keep(groups, &scope.groups),
        members,
    )
}

/// What a scope holds in the source's copy, before anything runs: "37 users and 4 groups".
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ScopePreview {
    pub source: String,
    /// When the source's copy was read.
    pub as_of: String,
    pub users: u32,
    pub groups: u32,
    /// Of the source's copy.
    pub source_users: u32,
    pub source_groups: u32,
    /// A few names in scope, to recognise it by.
    pub sample_users: Vec<String>,
    pub sample_groups: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn directory() -> (Vec<Value>, Vec<Value>, HashMap<String, Vec<String>>) {
        let users = vec![
            json!({"id": "1", "userName": "ana", "title": "Sales rep",
                   scim_client::ENTERPRISE_USER_SCHEMA: {"department": "Sales"}}),
            json!({"id": "2", "userName": "bo", "title": "Engineer"}),
            json!({"id": "3", "userName": "cy", "title": "Sales lead", "active": false}),
            json!({"id": "4", "userName": "dee", "title": "Engineer"}),
        ];
        let groups = vec![
            json!({"id": "g1", "displayName": "Sales EMEA"}),
            json!({"id": "g2", "displayName": "Engineering"}),
        ];
        let members = [
            ("g1".to_string(), vec!["1".to_string(), "2".to_string()]),
            ("g2".to_string(), vec!["2".to_string(), "4".to_string()]),
        ]
        .into();
        (users, groups, members)
    }

    fn ids(set: &HashSet<String>) -> Vec<&str> {
        let mut v: Vec<&str> = set.iter().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn a_scope_is_a_filter_or_groups_with_their_members_minus_exclusions() {
        let (u, g, m) = directory();
        let all = in_scope(&Scope::default(), &u, &g, &m).unwrap();
        assert_eq!((all.users.len(), all.groups.len()), (4, 2));
        let by_group = Scope {
            groups: vec!["sales*".into()],
            ..Default::default()
        };
        let s = in_scope(&by_group, &u, &g, &m).unwrap();
        assert_eq!(ids(&s.users), ["1", "2"]);
        assert_eq!(ids(&s.groups), ["g1"]);
        let by_filter = Scope {
            filter: Some(r#"title sw "Sales""#.into()),
            exclude: Some("active eq false".into()),
            ..Default::default()
        };
        let s = in_scope(&by_filter, &u, &g, &m).unwrap();
        assert_eq!(ids(&s.users), ["1"]);
        assert!(s.groups.is_empty(), "a filter alone brings no groups");
        // The enterprise extension's attributes, by their short names.
        let by_department = Scope {
            filter: Some(r#"department eq "sales""#.into()),
            ..Default::default()
        };
        let s = in_scope(&by_department, &u, &g, &m).unwrap();
        assert_eq!(ids(&s.users), ["1"]);
        // Members of a scoped group that are out of scope are not carried.
        let s = in_scope(
            &Scope {
                groups: vec!["Engineering".into()],
                exclude: Some(r#"userName eq "dee""#.into()),
                ..Default::default()
            },
            &u,
            &g,
            &m,
        )
        .unwrap();
        let (users, groups, members) = restrict(&s, &u, &g, &m);
        assert_eq!(users.len(), 1);
        assert_eq!(groups[0]["displayName"], "Engineering");
        assert_eq!(members["g2"], ["2"]);
    }
}
