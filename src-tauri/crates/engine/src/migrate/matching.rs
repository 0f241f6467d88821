//! Matching the records of two directories: a stable key, then userName ignoring case, then
//! the primary e-mail; ambiguous matches go to a person.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::plan::{MatchTag, RecordMatch};
use super::records::{holds, label, primary_email, project, s, source_key};
use super::rules::Mapper;
use crate::vocabulary::attribute_changes;

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
                    let equal = holds(t, &mapped);
                    RecordMatch {
                        changes: if equal {
                            Vec::new()
                        } else {
                            attribute_changes(&project(t, &mapped), &mapped)
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
    // Target records already named (matched, or offered to a person): not "only in target".
    let named: HashSet<String> = out.iter().filter_map(|m| m.target_id.clone()).collect();
    for t in target {
        let tid = s(t, "id").unwrap_or_default();
        if !used.contains(&tid) && !named.contains(&tid) {
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
