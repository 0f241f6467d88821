//! PATCH (RFC 7644 section 3.5.2): add, replace and remove on a stored resource, with
//! attribute paths (`name.givenName`), value filters (`emails[type eq "work"].value`,
//! `members[value eq "…"]`) and the enterprise extension's URN prefix. The result is checked
//! like any other write by the directory.

use scim_client::filter::{self, default_case_exact, CompValue, CompareOp, Filter};
use serde_json::{Map, Value};

use crate::directory::key_ci;
use crate::discovery::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA};
use crate::error::Refusal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// A parsed attribute path: which object it starts in, the attribute, an optional value
/// filter and an optional sub-attribute.
#[derive(Debug)]
struct Target {
    /// True when the path names an attribute of the enterprise extension.
    extension: bool,
    /// The attribute; `None` when the path is the extension's URN alone.
    attr: Option<String>,
    filter: Option<Filter>,
    sub: Option<String>,
}

fn parse_target(path: &str) -> Result<Target, Refusal> {
    let path = path.trim();
    let lower = path.to_ascii_lowercase();
    let ext = ENTERPRISE_SCHEMA.to_ascii_lowercase();
    let (extension, rest) = if lower == ext {
        return Ok(Target {
            extension: true,
            attr: None,
            filter: None,
            sub: None,
        });
    } else if lower.starts_with(&format!("{ext}:")) {
        (true, &path[ext.len() + 1..])
    } else if let Some(core) = [USER_SCHEMA, GROUP_SCHEMA]
        .iter()
        .find(|c| lower.starts_with(&format!("{}:", c.to_ascii_lowercase())))
    {
        (false, &path[core.len() + 1..])
    } else if lower.starts_with("urn:") {
        return Err(Refusal::invalid_path(format!(
            "{path} is not an attribute of this provider's schemas"
        )));
    } else {
        (false, path)
    };
    let (attr, filter, sub) = match rest.find('[') {
        Some(open) => {
            let close = rest
                .rfind(']')
                .filter(|c| *c > open)
                .ok_or_else(|| Refusal::invalid_path(format!("{path}: a '[' is not closed")))?;
            let f = filter::parse(&rest[open + 1..close])
                .map_err(|e| Refusal::invalid_path(format!("{path}: {e}")))?;
            let after = &rest[close + 1..];
            let sub = match after.strip_prefix('.') {
                Some(s) if !s.is_empty() => Some(s.to_string()),
                None if after.is_empty() => None,
                _ => {
                    return Err(Refusal::invalid_path(format!(
                        "{path}: expected .subAttribute after ']'"
                    )))
                }
            };
            (rest[..open].to_string(), Some(f), sub)
        }
        None => match rest.split_once('.') {
            Some((a, s)) => (a.to_string(), None, Some(s.to_string())),
            None => (rest.to_string(), None, None),
        },
    };
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
    };
    if !valid(&attr) || sub.as_deref().is_some_and(|s| !valid(s)) {
        return Err(Refusal::invalid_path(format!(
            "{path} is not an attribute path"
        )));
    }
    Ok(Target {
        extension,
        attr: Some(attr),
        filter,
        sub,
    })
}

/// Applies a PATCH request body to `resource` (its stored JSON).
pub fn apply(resource: &mut Value, body: &Value) -> Result<(), Refusal> {
    let schemas_ok = body
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|v| v.as_str() == Some(PATCH_SCHEMA)));
    if !schemas_ok {
        return Err(Refusal::invalid_syntax(format!(
            "a PATCH request lists the schema {PATCH_SCHEMA}"
        )));
    }
    let ops = body
        .get("Operations")
        .and_then(Value::as_array)
        .filter(|o| !o.is_empty())
        .ok_or_else(|| Refusal::invalid_syntax("a PATCH request has a list of Operations"))?;
    for o in ops {
        let op = match o
            .get("op")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("add") => Op::Add,
            Some("replace") => Op::Replace,
            Some("remove") => Op::Remove,
            other => {
                return Err(Refusal::invalid_syntax(format!(
                    "unknown PATCH op {:?}",
                    other.unwrap_or("")
                )))
            }
        };
        let value = o.get("value");
        match o.get("path").and_then(Value::as_str) {
            None | Some("") => {
                if op == Op::Remove {
                    return Err(Refusal::no_target("remove needs a path"));
                }
                let Some(Value::Object(values)) = value else {
                    return Err(Refusal::invalid_syntax(
                        "an add or replace without a path needs an object as its value",
                    ));
                };
                for (k, v) in values {
                    let t = parse_target(k)?;
                    apply_one(resource, op, &t, Some(v))?;
                }
            }
            Some(path) => {
                let t = parse_target(path)?;
                if op != Op::Remove && value.is_none() {
                    return Err(Refusal::invalid_syntax(format!(
                        "{path}: the op has no value"
                    )));
                }
                apply_one(resource, op, &t, value)?;
            }
        }
    }
    Ok(())
}

fn read_only(attr: &str) -> bool {
    ["id", "meta", "groups", "schemas"]
        .iter()
        .any(|r| r.eq_ignore_ascii_case(attr))
}

fn apply_one(
    resource: &mut Value,
    op: Op,
    t: &Target,
    value: Option<&Value>,
) -> Result<(), Refusal> {
    let Some(root) = resource.as_object_mut() else {
        return Err(Refusal::invalid_syntax(
            "the stored resource is not an object",
        ));
    };
    let container: &mut Map<String, Value> = if t.extension {
        let k = key_ci(root, ENTERPRISE_SCHEMA).unwrap_or_else(|| ENTERPRISE_SCHEMA.to_string());
        let slot = root.entry(k).or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        match slot.as_object_mut() {
            Some(m) => m,
            None => return Err(Refusal::invalid_syntax("the extension is not an object")),
        }
    } else {
        root
    };
    let Some(attr) = &t.attr else {
        // The extension as a whole.
        return match (op, value) {
            (Op::Remove, _) => {
                container.clear();
                Ok(())
            }
            (_, Some(Value::Object(values))) => {
                for (k, v) in values {
                    let inner = Target {
                        extension: false,
                        attr: Some(k.clone()),
                        filter: None,
                        sub: None,
                    };
                    let mut wrapped = Value::Object(std::mem::take(container));
                    apply_one(&mut wrapped, op, &inner, Some(v))?;
                    if let Value::Object(m) = wrapped {
                        *container = m;
                    }
                }
                Ok(())
            }
            _ => Err(Refusal::invalid_value(
                "the extension's value must be an object",
            )),
        };
    };
    if !t.extension && read_only(attr) {
        return Err(Refusal::mutability(format!("{attr} is read-only")));
    }
    let key = key_ci(container, attr).unwrap_or_else(|| attr.clone());
    match (&t.filter, &t.sub) {
        (None, None) => whole(container, &key, op, value),
        (None, Some(sub)) => sub_attribute(container, &key, sub, op, value),
        (Some(f), sub) => filtered(container, &key, f, sub.as_deref(), op, value),
    }
}

/// `attr`: the attribute as a whole.
fn whole(
    c: &mut Map<String, Value>,
    key: &str,
    op: Op,
    value: Option<&Value>,
) -> Result<(), Refusal> {
    match op {
        Op::Remove => {
            let given: Vec<&Value> = match value {
                Some(Value::Array(a)) => a.iter().collect(),
                Some(v @ Value::Object(_)) => vec![v],
                _ => Vec::new(),
            };
            match (c.get_mut(key), given.is_empty()) {
                // Remove the listed values (`"path": "members", "value": [{"value": id}]`).
                (Some(Value::Array(items)), false) => {
                    items.retain(|i| !given.iter().any(|g| same_value(g, i)));
                    if items.is_empty() {
                        c.remove(key);
                    }
                }
                _ => {
                    c.remove(key);
                }
            }
            Ok(())
        }
        Op::Replace => {
            let v = value.cloned().unwrap_or(Value::Null);
            if v.is_null() {
                c.remove(key);
            } else {
                c.insert(key.to_string(), v);
            }
            Ok(())
        }
        Op::Add => {
            let v = value.cloned().unwrap_or(Value::Null);
            match (c.get_mut(key), v) {
                (Some(Value::Array(items)), Value::Array(new)) => {
                    for n in new {
                        if !items.iter().any(|i| same_value(&n, i)) {
                            items.push(n);
                        }
                    }
                }
                (Some(Value::Array(items)), n @ Value::Object(_)) => {
                    if !items.iter().any(|i| same_value(&n, i)) {
                        items.push(n);
                    }
                }
                (Some(Value::Object(existing)), Value::Object(new)) => {
                    for (k, v) in new {
                        let k2 = key_ci(existing, &k).unwrap_or(k);
                        existing.insert(k2, v);
                    }
                }
                (_, Value::Null) => {}
                (_, v) => {
                    c.insert(key.to_string(), v);
                }
            }
            Ok(())
        }
    }
}

/// Two values of a multi-valued attribute are the same when their `value`s are (or, without
/// one, when they are equal).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a.get("value"), b.get("value")) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// `attr.sub`: a sub-attribute of a complex attribute (`name.givenName`).
fn sub_attribute(
    c: &mut Map<String, Value>,
    key: &str,
    sub: &str,
    op: Op,
    value: Option<&Value>,
) -> Result<(), Refusal> {
    if op == Op::Remove {
        match c.get_mut(key) {
            Some(Value::Object(o)) => {
                if let Some(k) = key_ci(o, sub) {
                    o.remove(&k);
                }
            }
            Some(Value::Array(items)) => {
                for i in items.iter_mut().filter_map(Value::as_object_mut) {
                    if let Some(k) = key_ci(i, sub) {
                        i.remove(&k);
                    }
                }
            }
            _ => {}
        }
        return Ok(());
    }
    let slot = c
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    match slot {
        Value::Object(o) => {
            let k = key_ci(o, sub).unwrap_or_else(|| sub.to_string());
            o.insert(k, value.cloned().unwrap_or(Value::Null));
            Ok(())
        }
        _ => Err(Refusal::invalid_path(format!(
            "{key}.{sub}: {key} has several values; select one with a filter, e.g. {key}[type eq \"work\"].{sub}"
        ))),
    }
}

/// The equality tests of a filter made only of `eq` joined by `and`, as attributes of a new
/// value (`emails[type eq "work"].value` on a user without a work e-mail creates one).
fn seed_of(f: &Filter, out: &mut Map<String, Value>) -> bool {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.sub.is_none() && path.urn.is_none() => {
            let v = match value {
                CompValue::String(s) => Value::String(s.clone()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::Null => Value::Null,
            };
            out.insert(path.name.clone(), v);
            true
        }
        Filter::And(a, b) => seed_of(a, out) && seed_of(b, out),
        _ => false,
    }
}

/// `attr[filter]` and `attr[filter].sub`: the values of a multi-valued attribute that match.
fn filtered(
    c: &mut Map<String, Value>,
    key: &str,
    f: &Filter,
    sub: Option<&str>,
    op: Op,
    value: Option<&Value>,
) -> Result<(), Refusal> {
    let is_match = |v: &Value| filter::matches(f, v, &default_case_exact);
    let items = match c.get_mut(key) {
        Some(Value::Array(items)) => items,
        _ if op == Op::Remove => return Ok(()),
        Some(_) => {
            return Err(Refusal::invalid_path(format!(
                "{key} has a single value; a filter selects among several"
            )))
        }
        None => {
            c.insert(key.to_string(), Value::Array(Vec::new()));
            match c.get_mut(key) {
                Some(Value::Array(items)) => items,
                _ => return Err(Refusal::invalid_path(key.to_string())),
            }
        }
    };
    let matched = items.iter().filter(|v| is_match(v)).count();
    match (op, sub) {
        (Op::Remove, None) => {
            items.retain(|v| !is_match(v));
        }
        (Op::Remove, Some(sub)) => {
            for i in items.iter_mut().filter(|v| is_match(v)) {
                if let Some(o) = i.as_object_mut() {
                    if let Some(k) = key_ci(o, sub) {
                        o.remove(&k);
                    }
                }
            }
        }
        (_, sub) if matched == 0 => {
            let mut seed = Map::new();
            if !seed_of(f, &mut seed) {
                return Err(Refusal::no_target(format!(
                    "no value of {key} matches the filter"
                )));
            }
            match (sub, value) {
                (Some(sub), Some(v)) => {
                    seed.insert(sub.to_string(), v.clone());
                }
                (None, Some(Value::Object(o))) => {
                    seed.extend(o.clone());
                }
                _ => {
                    return Err(Refusal::invalid_value(format!(
                        "{key}: the value is not usable"
                    )))
                }
            }
            items.push(Value::Object(seed));
        }
        (_, Some(sub)) => {
            for i in items.iter_mut().filter(|v| is_match(v)) {
                if let Some(o) = i.as_object_mut() {
                    let k = key_ci(o, sub).unwrap_or_else(|| sub.to_string());
                    o.insert(k, value.cloned().unwrap_or(Value::Null));
                }
            }
        }
        (Op::Replace, None) => {
            let Some(Value::Object(new)) = value else {
                return Err(Refusal::invalid_value(format!(
                    "{key}: replace a value with an object"
                )));
            };
            for i in items.iter_mut().filter(|v| is_match(v)) {
                *i = Value::Object(new.clone());
            }
        }
        (Op::Add, None) => {
            let Some(Value::Object(new)) = value else {
                return Err(Refusal::invalid_value(format!(
                    "{key}: add an object to a value"
                )));
            };
            for i in items.iter_mut().filter(|v| is_match(v)) {
                if let Some(o) = i.as_object_mut() {
                    for (k, v) in new {
                        let k2 = key_ci(o, k).unwrap_or_else(|| k.clone());
                        o.insert(k2, v.clone());
                    }
                }
            }
        }
    }
    if items.is_empty() {
        c.remove(key);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(resource: Value, ops: Value) -> Result<Value, Refusal> {
        let mut r = resource;
        apply(
            &mut r,
            &json!({"schemas": [PATCH_SCHEMA], "Operations": ops}),
        )?;
        Ok(r)
    }

    fn user() -> Value {
        json!({"userName": "ann", "name": {"givenName": "Ann"},
               "emails": [{"value": "ann@home.example", "type": "home"},
                          {"value": "ann@work.example", "type": "work", "primary": true}],
               ENTERPRISE_SCHEMA: {"department": "Sales"}})
    }

    #[test]
    fn paths_filters_and_the_extension() {
        let r = patch(user(), json!([
            {"op": "replace", "path": "name.givenName", "value": "Anne"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "anne@work.example"},
            {"op": "add", "path": format!("{ENTERPRISE_SCHEMA}:employeeNumber"), "value": "E-1"},
            {"op": "remove", "path": "emails[type eq \"home\"]"},
            {"op": "add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+44 7700 900123"},
        ])).unwrap();
        assert_eq!(r["name"]["givenName"], "Anne");
        assert_eq!(
            r["emails"],
            json!([{"value": "anne@work.example", "type": "work", "primary": true}])
        );
        assert_eq!(
            r[ENTERPRISE_SCHEMA],
            json!({"department": "Sales", "employeeNumber": "E-1"})
        );
        assert_eq!(
            r["phoneNumbers"],
            json!([{"type": "mobile", "value": "+44 7700 900123"}])
        );
    }

    #[test]
    fn without_a_path_values_merge_and_replace() {
        let r = patch(
            user(),
            json!([
                {"op": "replace", "value": {"active": false, "name": {"familyName": "Ng"},
                                            ENTERPRISE_SCHEMA: {"costCenter": "CC-9"}}},
            ]),
        )
        .unwrap();
        assert_eq!(r["active"], false);
        assert_eq!(
            r["name"],
            json!({"familyName": "Ng"}),
            "replace sets the whole attribute"
        );
        assert_eq!(
            r[ENTERPRISE_SCHEMA],
            json!({"department": "Sales", "costCenter": "CC-9"})
        );
    }

    #[test]
    fn members_are_added_once_and_removed_by_filter_or_by_value() {
        let g = json!({"displayName": "Ops", "members": [{"value": "a"}]});
        let r = patch(g, json!([
            {"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "b"}, {"value": "c"}]},
            {"op": "remove", "path": "members[value eq \"b\"]"},
            {"op": "remove", "path": "members", "value": [{"value": "c"}]},
        ])).unwrap();
        assert_eq!(r["members"], json!([{"value": "a"}]));
    }

    #[test]
    fn refusals_name_the_rfc_error() {
        let cases = [
            (json!([{"op": "remove"}]), "noTarget"),
            (
                json!([{"op": "move", "path": "a", "value": 1}]),
                "invalidSyntax",
            ),
            (
                json!([{"op": "replace", "path": "id", "value": "x"}]),
                "mutability",
            ),
            (
                json!([{"op": "replace", "path": "emails[type eq ", "value": "x"}]),
                "invalidPath",
            ),
            (
                json!([{"op": "replace", "path": "emails.value", "value": "x"}]),
                "invalidPath",
            ),
            (
                json!([{"op": "replace", "path": "emails[type co \"w\"].value", "value": "x"}]),
                "",
            ),
        ];
        for (ops, want) in cases {
            let got = patch(user(), ops.clone());
            match (got, want) {
                (Ok(_), "") => {}
                (Err(e), w) => assert_eq!(e.scim_type, Some(w).filter(|w| !w.is_empty()), "{ops}"),
                (Ok(r), w) => panic!("{ops}: expected {w}, got {r}"),
            }
        }
    }
}
