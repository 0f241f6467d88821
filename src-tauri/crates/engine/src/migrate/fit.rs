//! Fitting mapped records to the target (issue 6, mapping): the target's /Schemas say which
//! attributes exist, which are read-only and which are required; its capability profile says
//! whether multi-valued attributes hold more than one value. Attributes the target cannot take
//! are left out and counted for the plan's warnings; records missing a required attribute are
//! held back for a decision instead of being sent to fail.

use std::collections::BTreeMap;

use scim_client::schema::{AttributeDef, Mutability, SchemaSet};
use scim_client::CapabilityProfile;
use serde_json::{Map, Value};

use crate::vocabulary::Kind;

/// Attributes every resource has (RFC 7643 section 3.1) that the schemas do not list.
const COMMON: &[&str] = &["schemas", "externalId", "id", "meta"];

/// What fitting did to one record.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FitNotes {
    /// (attribute, why) for every attribute left out.
    pub dropped: Vec<(String, &'static str)>,
    /// Multi-valued attributes cut to one value.
    pub trimmed: Vec<String>,
    /// Required attributes the record does not have.
    pub missing: Vec<String>,
}

/// The target's view of users and groups.
#[derive(Debug, Clone, Default)]
pub struct TargetFit {
    set: SchemaSet,
    /// The extensions each resource type declares.
    user_extensions: Vec<String>,
    group_extensions: Vec<String>,
    /// The target served /Schemas: unknown attributes are really unsupported.
    strict: bool,
    single_valued_multis: bool,
}

fn text(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn find<'a>(attrs: &'a [AttributeDef], name: &str) -> Option<&'a AttributeDef> {
    attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

impl TargetFit {
    /// A fit that changes nothing (no schemas known, multi-valued attributes allowed).
    pub fn lenient() -> Self {
        TargetFit::default()
    }

    /// From the discovery documents stored with the target's snapshot and its profile.
    pub fn from_discovery(discovery: &Value, profile: Option<&CapabilityProfile>) -> Self {
        let served: Vec<Value> = discovery
            .get("schemas")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let strict = !served.is_empty();
        let set = SchemaSet::from_documents(&if strict {
            served
        } else {
            scim_client::schema::rfc7643_documents()
        });
        let declared = |core: &str, default: &[&str]| -> Vec<String> {
            discovery
                .get("resourceTypes")
                .and_then(Value::as_array)
                .and_then(|t| {
                    t.iter()
                        .find(|rt| text(rt, "schema").eq_ignore_ascii_case(core))
                        .map(|rt| {
                            rt.get("schemaExtensions")
                                .and_then(Value::as_array)
                                .map(|e| e.iter().map(|x| text(x, "schema")).collect())
                                .unwrap_or_default()
                        })
                })
                .unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect())
        };
        TargetFit {
            user_extensions: declared(
                scim_client::USER_SCHEMA,
                &[scim_client::ENTERPRISE_USER_SCHEMA],
            ),
            group_extensions: declared(scim_client::GROUP_SCHEMA, &[]),
            set,
            strict,
            single_valued_multis: profile.is_some_and(|p| p.single_valued_multis),
        }
    }

    /// Leaves out what the target cannot take and lists what it requires but is missing.
    pub fn fit(&self, kind: Kind, record: &mut Value) -> FitNotes {
        let mut notes = FitNotes::default();
        let (core, extensions) = match kind {
            Kind::User => (scim_client::USER_SCHEMA, &self.user_extensions),
            Kind::Group => (scim_client::GROUP_SCHEMA, &self.group_extensions),
        };
        let Some(obj) = record.as_object_mut() else {
            return notes;
        };
        let core_attrs = self
            .set
            .schema(core)
            .map(|s| s.attributes.as_slice())
            .unwrap_or_default();
        let keys: Vec<String> = obj.keys().cloned().collect();
        for key in keys {
            if COMMON.iter().any(|c| c.eq_ignore_ascii_case(&key)) {
                continue;
            }
            if key.to_ascii_lowercase().starts_with("urn:") {
                let declared = extensions.iter().any(|e| e.eq_ignore_ascii_case(&key));
                match self.set.schema(&key) {
                    Some(ext) if declared || !self.strict => {
                        if let Some(Value::Object(inner)) = obj.get_mut(&key) {
                            self.fit_attrs(&ext.attributes, inner, &format!("{key}:"), &mut notes);
                            if inner.is_empty() {
                                obj.remove(&key);
                            }
                        }
                    }
                    _ if self.strict => {
                        obj.remove(&key);
                        notes
                            .dropped
                            .push((key.clone(), "the target does not take this extension"));
                    }
                    _ => {}
                }
                continue;
            }
            let mut single = Map::new();
            if let Some(v) = obj.remove(&key) {
                single.insert(key.clone(), v);
            }
            self.fit_attrs(core_attrs, &mut single, "", &mut notes);
            obj.extend(single);
        }
        // Extensions left out are left out of `schemas` too.
        let urns: Vec<String> = obj
            .keys()
            .filter(|k| k.to_ascii_lowercase().starts_with("urn:"))
            .cloned()
            .collect();
        if let Some(Value::Array(schemas)) = obj.get_mut("schemas") {
            schemas.retain(|s| {
                s.as_str().is_none_or(|s| {
                    s.eq_ignore_ascii_case(core) || urns.iter().any(|u| u.eq_ignore_ascii_case(s))
                })
            });
        }
        // Required attributes (the target fills in the read-only ones such as id).
        let mut required = |attrs: &[AttributeDef], within: Option<&Map<String, Value>>, prefix| {
            for a in attrs {
                if !a.required || a.mutability == Mutability::ReadOnly {
                    continue;
                }
                let present = within
                    .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(&a.name)))
                    .is_some_and(|(_, v)| match v {
                        Value::Null => false,
                        Value::String(s) => !s.trim().is_empty(),
                        Value::Array(x) => !x.is_empty(),
                        _ => true,
                    });
                if !present {
                    notes.missing.push(format!("{prefix}{}", a.name));
                }
            }
        };
        required(core_attrs, Some(obj), String::new());
        for (key, v) in obj.iter() {
            if let (Some(ext), Some(inner)) = (self.set.schema(key), v.as_object()) {
                if key.to_ascii_lowercase().starts_with("urn:") {
                    required(&ext.attributes, Some(inner), format!("{key}:"));
                }
            }
        }
        notes
    }

    fn fit_attrs(
        &self,
        defs: &[AttributeDef],
        obj: &mut Map<String, Value>,
        prefix: &str,
        notes: &mut FitNotes,
    ) {
        let keys: Vec<String> = obj.keys().cloned().collect();
        for key in keys {
            let path = format!("{prefix}{key}");
            let Some(def) = find(defs, &key) else {
                if self.strict {
                    obj.remove(&key);
                    notes.dropped.push((path, "not in the target's schema"));
                }
                continue;
            };
            if def.mutability == Mutability::ReadOnly {
                obj.remove(&key);
                notes.dropped.push((path, "read-only at the target"));
                continue;
            }
            let Some(value) = obj.get_mut(&key) else {
                continue;
            };
            if def.multi_valued {
                if let Value::Array(items) = value {
                    if self.single_valued_multis && items.len() > 1 {
                        let keep = items
                            .iter()
                            .position(|i| i.get("primary") == Some(&Value::Bool(true)))
                            .unwrap_or(0);
                        let one = items.swap_remove(keep);
                        *items = vec![one];
                        notes.trimmed.push(path.clone());
                    }
                    if !def.sub_attributes.is_empty() {
                        for item in items.iter_mut() {
                            if let Value::Object(inner) = item {
                                self.fit_sub(def, inner, &path, notes);
                            }
                        }
                    }
                }
            } else if let Value::Object(inner) = value {
                if !def.sub_attributes.is_empty() {
                    self.fit_sub(def, inner, &path, notes);
                }
            }
        }
    }

    fn fit_sub(
        &self,
        def: &AttributeDef,
        inner: &mut Map<String, Value>,
        path: &str,
        notes: &mut FitNotes,
    ) {
        let keys: Vec<String> = inner.keys().cloned().collect();
        for k in keys {
            match find(&def.sub_attributes, &k) {
                None if self.strict => {
                    inner.remove(&k);
                    notes
                        .dropped
                        .push((format!("{path}.{k}"), "not in the target's schema"));
                }
                Some(d) if d.mutability == Mutability::ReadOnly => {
                    inner.remove(&k);
                    notes
                        .dropped
                        .push((format!("{path}.{k}"), "read-only at the target"));
                }
                _ => {}
            }
        }
    }
}

/// Collects fit notes over many records into the plan's warnings.
#[derive(Debug, Default)]
pub struct FitSummary {
    dropped: BTreeMap<(String, &'static str), u32>,
    trimmed: BTreeMap<String, u32>,
}

impl FitSummary {
    pub fn add(&mut self, notes: &FitNotes) {
        for (path, why) in &notes.dropped {
            // One line per attribute, not per value of a multi-valued attribute.
            *self.dropped.entry((path.clone(), why)).or_insert(0) += 1;
        }
        for t in &notes.trimmed {
            *self.trimmed.entry(t.clone()).or_insert(0) += 1;
        }
    }

    /// Plain sentences for the plan's warnings.
    pub fn warnings(&self, what: &str) -> Vec<String> {
        let mut out = Vec::new();
        for ((path, why), n) in &self.dropped {
            out.push(format!("{path}: {why}; left out of {n} {what}."));
        }
        for (path, n) in &self.trimmed {
            out.push(format!(
                "{path}: the target keeps one value; only the primary (or first) of {n} {what} is copied."
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn discovery() -> Value {
        json!({
            "schemas": [
                {"id": scim_client::USER_SCHEMA, "attributes": [
                    {"name": "userName", "type": "string", "required": true, "mutability": "readWrite"},
                    {"name": "displayName", "type": "string"},
                    {"name": "groups", "type": "complex", "multiValued": true, "mutability": "readOnly"},
                    {"name": "emails", "type": "complex", "multiValued": true, "subAttributes": [
                        {"name": "value", "type": "string"}, {"name": "primary", "type": "boolean"},
                        {"name": "display", "type": "string", "mutability": "readOnly"}]}
                ]},
                {"id": scim_client::ENTERPRISE_USER_SCHEMA, "attributes": [
                    {"name": "department", "type": "string"}]},
                {"id": "urn:example:ext", "attributes": [{"name": "badge", "type": "string"}]}
            ],
            "resourceTypes": [{"schema": scim_client::USER_SCHEMA, "schemaExtensions": [
                {"schema": scim_client::ENTERPRISE_USER_SCHEMA}]}]
        })
    }

    #[test]
    fn drops_unknown_and_read_only_attributes_and_lists_missing_required_ones() {
        let fit = TargetFit::from_discovery(&discovery(), None);
        let mut v = json!({
            "schemas": [scim_client::USER_SCHEMA, scim_client::ENTERPRISE_USER_SCHEMA, "urn:example:ext"],
            "externalId": "E1", "displayName": "Ana", "nickName": "An",
            "groups": [{"value": "g"}],
            "emails": [{"value": "a@x.org", "primary": true, "display": "A", "kind": "x"}],
            scim_client::ENTERPRISE_USER_SCHEMA: {"department": "Sales", "costCenter": "7"},
            "urn:example:ext": {"badge": "1"}
        });
        let notes = fit.fit(Kind::User, &mut v);
        assert_eq!(
            v,
            json!({
                "schemas": [scim_client::USER_SCHEMA, scim_client::ENTERPRISE_USER_SCHEMA],
                "externalId": "E1", "displayName": "Ana",
                "emails": [{"value": "a@x.org", "primary": true}],
                scim_client::ENTERPRISE_USER_SCHEMA: {"department": "Sales"}
            })
        );
        let dropped: Vec<&str> = notes.dropped.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(dropped.len(), 6, "{dropped:?}");
        assert!(dropped.contains(&"groups") && dropped.contains(&"emails.display"));
        assert_eq!(notes.missing, ["userName"]);
        let mut summary = FitSummary::default();
        summary.add(&notes);
        assert!(summary
            .warnings("users")
            .contains(&"groups: read-only at the target; left out of 1 users.".to_string()));
    }

    #[test]
    fn keeps_the_primary_value_when_the_target_takes_one_and_changes_nothing_when_lenient() {
        let profile = scim_client::CapabilityProfile {
            single_valued_multis: true,
            ..Default::default()
        };
        let fit = TargetFit::from_discovery(&discovery(), Some(&profile));
        let mut v = json!({"userName": "a", "emails": [{"value": "w@x.org"}, {"value": "p@x.org", "primary": true}]});
        let notes = fit.fit(Kind::User, &mut v);
        assert_eq!(v["emails"], json!([{"value": "p@x.org", "primary": true}]));
        assert_eq!(notes.trimmed, ["emails"]);
        let mut same = json!({"userName": "a", "anything": 1, "urn:x": {"y": 2}});
        let before = same.clone();
        assert_eq!(
            TargetFit::lenient().fit(Kind::User, &mut same),
            FitNotes::default()
        );
        assert_eq!(same, before);
    }
}
