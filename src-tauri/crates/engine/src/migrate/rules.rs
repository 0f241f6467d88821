//! The person's mapping rules (leave out, rename, a fixed value, templates, transforms such
//! as plain letters or an e-mail's domain, a value for one record) and the whole mapping.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;

use super::fit::{FitNotes, TargetFit};
use super::records::map_record;
use crate::vocabulary::Kind;
use crate::DeskError;

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
    pub transform: Option<TransformKind>,
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

/// Which transform a rule applies (its settings are the rule's other fields).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "lowercase")]
pub enum TransformKind {
    Lower,
    Upper,
    Trim,
    /// Plain letters (transliterated).
    Ascii,
    /// With `pattern` and `with`.
    Replace,
    /// With `to`.
    Domain,
    /// With `max`.
    Truncate,
    /// With `value`, when empty.
    Default,
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

pub(super) fn string_at(v: &Value, path: &str) -> Option<String> {
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
pub(super) enum Transform {
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
        let Some(t) = r.transform else {
            return Ok(None);
        };
        let name = serde_json::to_string(&t).unwrap_or_default();
        let needs =
            |what: &str| format!("the transform {name} of {:?} needs \"{what}\"", r.attribute);
        Ok(Some(match t {
            TransformKind::Lower => Transform::Lower,
            TransformKind::Upper => Transform::Upper,
            TransformKind::Trim => Transform::Trim,
            TransformKind::Ascii => Transform::Ascii,
            TransformKind::Replace => {
                let pattern = r.pattern.as_deref().ok_or_else(|| needs("pattern"))?;
                let re = regex::Regex::new(pattern)
                    .map_err(|e| format!("the pattern {pattern:?} is not valid: {e}"))?;
                Transform::Replace(re, r.with.clone().unwrap_or_default())
            }
            TransformKind::Domain => {
                let to = r.to.as_deref().ok_or_else(|| needs("to"))?;
                let to = to.trim().trim_start_matches('@');
                if to.is_empty() || to.contains(['@', ' ']) {
                    return Err(format!("{to:?} is not a domain"));
                }
                Transform::Domain(to.to_string())
            }
            TransformKind::Truncate => Transform::Truncate(
                r.max
                    .filter(|m| *m > 0)
                    .ok_or_else(|| needs("max (1 or more)"))? as usize,
            ),
            TransformKind::Default => {
                Transform::Default(r.value.clone().ok_or_else(|| needs("value"))?)
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

    pub(super) fn user(&self, src: &Value) -> Value {
        let mut v = map_record(src);
        // Checked by `validate` before planning.
        let _ = apply_rules(&mut v, src, &self.users);
        v
    }

    pub(super) fn group(&self, src: &Value) -> Value {
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
