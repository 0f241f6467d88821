//! Schemas as the provider publishes them (/Schemas, RFC 7643 section 7), and checking a
//! resource against them: SCIM types, required, mutability, multiValued, canonicalValues.
//! caseExact drives filter evaluation; uniqueness is reported for the UI to explain 409s.

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::filter::AttrPath;

/// A SCIM attribute type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

impl AttrType {
    /// The type as /Schemas writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }

    fn parse(s: &str) -> AttrType {
        match s.to_ascii_lowercase().as_str() {
            "boolean" => AttrType::Boolean,
            "decimal" => AttrType::Decimal,
            "integer" => AttrType::Integer,
            "datetime" => AttrType::DateTime,
            "binary" => AttrType::Binary,
            "reference" => AttrType::Reference,
            "complex" => AttrType::Complex,
            _ => AttrType::String,
        }
    }
}

/// Who may write an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

impl Mutability {
    /// The mutability as /Schemas writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }
}

/// One attribute definition.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeDef {
    pub name: String,
    pub kind: AttrType,
    pub multi_valued: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    /// `returned` as /Schemas writes it, lowercase (`always`, `never`, `default`, `request`).
    pub returned: String,
    pub uniqueness: String,
    pub canonical_values: Vec<String>,
    pub reference_types: Vec<String>,
    pub description: String,
    pub sub_attributes: Vec<AttributeDef>,
}

/// One schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub id: String,
    pub name: String,
    pub attributes: Vec<AttributeDef>,
}

/// The schemas of one provider.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaSet {
    pub schemas: Vec<Schema>,
}

fn text(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn flag(v: &Value, k: &str) -> bool {
    match v.get(k) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn strings(v: &Value, k: &str) -> Vec<String> {
    v.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn attribute_of(v: &Value) -> Option<AttributeDef> {
    let name = v.get("name")?.as_str()?.to_string();
    Some(AttributeDef {
        name,
        kind: AttrType::parse(&text(v, "type")),
        multi_valued: flag(v, "multiValued"),
        required: flag(v, "required"),
        case_exact: flag(v, "caseExact"),
        mutability: match text(v, "mutability").to_ascii_lowercase().as_str() {
            "readonly" => Mutability::ReadOnly,
            "immutable" => Mutability::Immutable,
            "writeonly" => Mutability::WriteOnly,
            _ => Mutability::ReadWrite,
        },
        returned: text(v, "returned").to_ascii_lowercase(),
        uniqueness: text(v, "uniqueness"),
        canonical_values: strings(v, "canonicalValues"),
        reference_types: strings(v, "referenceTypes"),
        description: text(v, "description"),
        sub_attributes: v
            .get("subAttributes")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(attribute_of).collect())
            .unwrap_or_default(),
    })
}

/// A problem found in a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where, e.g. `emails[1].type` or `urn:...:User:manager`.
    pub path: String,
    /// What is wrong, in plain words.
    pub message: String,
}

/// What the check is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckMode {
    /// A resource about to be created or replaced: required attributes must be there,
    /// read-only ones are reported (the server ignores them).
    Write,
    /// A resource read from a provider: only types and values are checked.
    Read,
}

fn find<'a>(attrs: &'a [AttributeDef], name: &str) -> Option<&'a AttributeDef> {
    attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

/// The core User, Group and Enterprise User schemas of RFC 7643, as /Schemas documents; used
/// when a provider serves none.
pub fn rfc7643_documents() -> Vec<Value> {
    serde_json::from_str(include_str!("rfc7643_schemas.json")).unwrap_or_default()
}

impl SchemaSet {
    /// Reads the /Schemas documents leniently; documents without an id are skipped.
    pub fn from_documents(docs: &[Value]) -> Self {
        SchemaSet {
            schemas: docs
                .iter()
                .filter_map(|d| {
                    Some(Schema {
                        id: d.get("id")?.as_str()?.to_string(),
                        name: text(d, "name"),
                        attributes: d
                            .get("attributes")
                            .and_then(Value::as_array)
                            .map(|a| a.iter().filter_map(attribute_of).collect())
                            .unwrap_or_default(),
                    })
                })
                .collect(),
        }
    }

    /// The names (lowercase) of the attributes, at any level, that are secrets by their
    /// definition: `mutability: writeOnly` or `returned: never` (a password). Their values must
    /// never be recorded, exported or planned.
    pub fn write_only_names(&self) -> Vec<String> {
        fn walk(attrs: &[AttributeDef], out: &mut Vec<String>) {
            for a in attrs {
                if a.mutability == Mutability::WriteOnly || a.returned == "never" {
                    out.push(a.name.to_ascii_lowercase());
                }
                walk(&a.sub_attributes, out);
            }
        }
        let mut out = Vec::new();
        for s in &self.schemas {
            walk(&s.attributes, &mut out);
        }
        out.sort();
        out.dedup();
        out
    }

    /// A schema by URN.
    pub fn schema(&self, urn: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// The definition at `path`, looked up in `path.urn` or else in `core`.
    pub fn attribute(&self, core: &str, path: &AttrPath) -> Option<&AttributeDef> {
        let schema = self.schema(path.urn.as_deref().unwrap_or(core))?;
        let top = find(&schema.attributes, &path.name)?;
        match &path.sub {
            Some(sub) => find(&top.sub_attributes, sub),
            None => Some(top),
        }
    }

    /// caseExact of the attribute at `path` (false when unknown, as the RFC defaults).
    pub fn case_exact(&self, core: &str, path: &AttrPath) -> bool {
        match self.attribute(core, path) {
            Some(a) => a.case_exact,
            None => crate::filter::default_case_exact(path),
        }
    }

    /// Checks `resource` (JSON) against its core schema `core` and the extensions it carries.
    pub fn check(&self, core: &str, resource: &Value, mode: CheckMode) -> Vec<Violation> {
        let mut out = Vec::new();
        let Some(obj) = resource.as_object() else {
            out.push(Violation {
                path: String::new(),
                message: "the record is not a JSON object".into(),
            });
            return out;
        };
        if let Some(schema) = self.schema(core) {
            check_attrs(&schema.attributes, obj, "", mode, &mut out, true);
        }
        for (key, value) in obj {
            if !key.to_ascii_lowercase().starts_with("urn:") {
                continue;
            }
            if let (Some(ext), Some(ext_obj)) = (self.schema(key), value.as_object()) {
                check_attrs(
                    &ext.attributes,
                    ext_obj,
                    &format!("{key}:"),
                    mode,
                    &mut out,
                    true,
                );
            }
        }
        out
    }
}

const HEADER: &[&str] = &["schemas", "id", "externalId", "meta"];

fn check_attrs(
    defs: &[AttributeDef],
    obj: &Map<String, Value>,
    prefix: &str,
    mode: CheckMode,
    out: &mut Vec<Violation>,
    top: bool,
) {
    for def in defs {
        let present = obj
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&def.name))
            .map(|(_, v)| v)
            .filter(|v| !v.is_null());
        let path = format!("{prefix}{}", def.name);
        match present {
            None => {
                let header = top && HEADER.iter().any(|h| h.eq_ignore_ascii_case(&def.name));
                if mode == CheckMode::Write
                    && def.required
                    && def.mutability != Mutability::ReadOnly
                    && !header
                {
                    out.push(Violation {
                        path,
                        message: format!("{} is required", def.name),
                    });
                }
            }
            Some(v) => {
                if mode == CheckMode::Write
                    && def.mutability == Mutability::ReadOnly
                    && !(top && HEADER.iter().any(|h| h.eq_ignore_ascii_case(&def.name)))
                {
                    out.push(Violation {
                        path: path.clone(),
                        message: format!("{} is read-only: the provider ignores it", def.name),
                    });
                }
                match (def.multi_valued, v) {
                    (true, Value::Array(items)) => {
                        for (i, item) in items.iter().enumerate() {
                            check_value(def, item, &format!("{path}[{i}]"), mode, out);
                        }
                    }
                    (true, other) => {
                        // A single value where many are allowed: tolerated by most servers.
                        check_value(def, other, &path, mode, out)
                    }
                    (false, Value::Array(_)) => out.push(Violation {
                        path,
                        message: format!("{} takes one value, not a list", def.name),
                    }),
                    (false, other) => check_value(def, other, &path, mode, out),
                }
            }
        }
    }
}

fn check_value(
    def: &AttributeDef,
    v: &Value,
    path: &str,
    mode: CheckMode,
    out: &mut Vec<Violation>,
) {
    let bad = |what: &str| Violation {
        path: path.to_string(),
        message: format!("{} must be {what}", def.name),
    };
    match def.kind {
        AttrType::String | AttrType::Reference | AttrType::Binary => {
            let Some(s) = v.as_str() else {
                out.push(bad("text"));
                return;
            };
            if !def.canonical_values.is_empty() {
                let ok = def.canonical_values.iter().any(|c| {
                    if def.case_exact {
                        c == s
                    } else {
                        c.eq_ignore_ascii_case(s)
                    }
                });
                if !ok {
                    out.push(Violation {
                        path: path.to_string(),
                        message: format!(
                            "{} must be one of: {}",
                            def.name,
                            def.canonical_values.join(", ")
                        ),
                    });
                }
            }
        }
        AttrType::Boolean => {
            if !v.is_boolean() {
                out.push(bad("true or false"));
            }
        }
        AttrType::Integer => {
            if !(v.is_i64() || v.is_u64()) {
                out.push(bad("a whole number"));
            }
        }
        AttrType::Decimal => {
            if !v.is_number() {
                out.push(bad("a number"));
            }
        }
        AttrType::DateTime => {
            if v.as_str()
                .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
                .is_none()
            {
                out.push(bad("a date and time such as 2026-11-28T09:30:00Z"));
            }
        }
        AttrType::Complex => match v.as_object() {
            Some(o) => check_attrs(
                &def.sub_attributes,
                o,
                &format!("{path}."),
                mode,
                out,
                false,
            ),
            None => out.push(bad("a group of fields")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schemas() -> SchemaSet {
        SchemaSet::from_documents(&[
            json!({
                "id": crate::USER_SCHEMA, "name": "User",
                "attributes": [
                    {"name": "userName", "type": "string", "required": true, "caseExact": false,
                     "uniqueness": "server", "mutability": "readWrite", "multiValued": false},
                    {"name": "active", "type": "boolean", "multiValued": false},
                    {"name": "id", "type": "string", "mutability": "readOnly", "caseExact": true},
                    {"name": "groups", "type": "complex", "multiValued": true, "mutability": "readOnly",
                     "subAttributes": [{"name": "value", "type": "string"}]},
                    {"name": "emails", "type": "complex", "multiValued": true, "subAttributes": [
                        {"name": "value", "type": "string"},
                        {"name": "type", "type": "string", "canonicalValues": ["work", "home", "other"]},
                        {"name": "primary", "type": "boolean"}]},
                    {"name": "name", "type": "complex", "subAttributes": [
                        {"name": "givenName", "type": "string"}]}
                ]
            }),
            json!({
                "id": crate::ENTERPRISE_USER_SCHEMA, "name": "EnterpriseUser",
                "attributes": [{"name": "employeeNumber", "type": "string"},
                               {"name": "hireDate", "type": "dateTime"},
                               {"name": "level", "type": "integer"}]
            }),
        ])
    }

    #[test]
    fn a_good_user_passes() {
        let u = json!({"schemas": [crate::USER_SCHEMA], "userName": "ann", "active": true,
            "emails": [{"value": "a@x", "type": "Work", "primary": true}],
            crate::ENTERPRISE_USER_SCHEMA: {"employeeNumber": "1", "hireDate": "2024-01-02T00:00:00Z", "level": 3}});
        assert_eq!(
            schemas().check(crate::USER_SCHEMA, &u, CheckMode::Write),
            vec![]
        );
    }

    #[test]
    fn problems_are_named_by_path_in_plain_words() {
        let u = json!({"active": "yes", "groups": [{"value": "g"}],
            "emails": [{"value": "a@x", "type": "pager"}], "name": [{"givenName": "A"}],
            crate::ENTERPRISE_USER_SCHEMA: {"hireDate": "last week", "level": 2.5}});
        let v = schemas().check(crate::USER_SCHEMA, &u, CheckMode::Write);
        let got: Vec<(&str, &str)> = v
            .iter()
            .map(|x| (x.path.as_str(), x.message.as_str()))
            .collect();
        assert!(
            got.contains(&("userName", "userName is required")),
            "{got:?}"
        );
        assert!(got.contains(&("active", "active must be true or false")));
        assert!(got.contains(&("groups", "groups is read-only: the provider ignores it")));
        assert!(got.contains(&("emails[0].type", "type must be one of: work, home, other")));
        assert!(got.contains(&("name", "name takes one value, not a list")));
        assert!(got
            .iter()
            .any(|(p, m)| p.ends_with(":hireDate") && m.contains("date and time")));
        assert!(got
            .iter()
            .any(|(p, m)| p.ends_with(":level") && m.contains("whole number")));
    }

    #[test]
    fn reads_are_not_held_to_write_rules() {
        let u = json!({"id": "1", "groups": [{"value": "g"}]});
        assert_eq!(
            schemas().check(crate::USER_SCHEMA, &u, CheckMode::Read),
            vec![]
        );
    }

    #[test]
    fn case_exact_comes_from_the_schema() {
        let s = schemas();
        assert!(!s.case_exact(crate::USER_SCHEMA, &AttrPath::new("userName")));
        assert!(s.case_exact(crate::USER_SCHEMA, &AttrPath::new("id")));
        let def = s
            .attribute(
                crate::USER_SCHEMA,
                &AttrPath::new("emails").with_sub("type"),
            )
            .unwrap();
        assert_eq!(def.canonical_values.len(), 3);
        assert_eq!(
            s.attribute(crate::USER_SCHEMA, &AttrPath::new("userName"))
                .unwrap()
                .uniqueness,
            "server"
        );
    }
}
