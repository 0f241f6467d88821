//! Source records as the target should hold them: keys, labels, the default mapping, and
//! the comparable form of a record.

use serde_json::{Map, Value};

pub(super) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Attributes the target owns or that are planned separately.
pub(super) const NOT_COPIED: &[&str] = &["id", "meta", "groups", "password", "members"];

pub(super) fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

pub(super) fn label(v: &Value) -> String {
    ["userName", "displayName", "id"]
        .iter()
        .find_map(|k| s(v, k))
        .unwrap_or_default()
}

/// The source record's stable key: its externalId, or its id when it has none.
pub(super) fn source_key(v: &Value) -> String {
    s(v, "externalId")
        .filter(|x| !x.is_empty())
        .or_else(|| s(v, "id"))
        .unwrap_or_default()
}

pub(super) fn primary_email(v: &Value) -> Option<String> {
    let list = v.get("emails")?.as_array()?;
    list.iter()
        .find(|e| e.get("primary") == Some(&Value::Bool(true)))
        .or_else(|| list.first())
        .and_then(|e| s(e, "value"))
        .map(|e| e.to_lowercase())
}

pub(super) fn manager_of(v: &Value) -> Option<String> {
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

/// Canonical form for comparing: no nulls, multi-valued attributes as sorted sets.
pub(super) fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.to_lowercase(), canonical(x)))
                .collect(),
        ),
        Value::Array(a) => {
            let mut items: Vec<Value> = a.iter().map(canonical).collect();
            items.sort_by_cached_key(|x| x.to_string());
            Value::Array(items)
        }
        other => other.clone(),
    }
}

/// True when `a` and `b` are equal as [`canonical`] forms (attribute names ignoring case, null
/// values left out, multi-valued attributes in any order), without building those forms.
pub(super) fn equivalent(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let present = |m: &Map<String, Value>| m.values().filter(|v| !v.is_null()).count();
            present(x) == present(y)
                && x.iter().filter(|(_, v)| !v.is_null()).all(|(k, v)| {
                    y.iter()
                        .find(|(yk, yv)| !yv.is_null() && yk.eq_ignore_ascii_case(k))
                        .is_some_and(|(_, yv)| equivalent(v, yv))
                })
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return false;
            }
            // Each item of one side pairs with a distinct, equivalent item of the other.
            let mut used = vec![false; y.len()];
            x.iter().all(|item| {
                let found = y
                    .iter()
                    .enumerate()
                    .find(|(i, other)| !used[*i] && equivalent(item, other));
                match found {
                    Some((i, _)) => {
                        used[i] = true;
                        true
                    }
                    None => false,
                }
            })
        }
        (x, y) => x == y,
    }
}

/// True when the target already holds what `mapped` sets: `canonical(project(target, mapped))
/// == canonical(mapped)`, without copying either record.
pub(super) fn holds(target: &Value, mapped: &Value) -> bool {
    let (Some(t), Some(m)) = (target.as_object(), mapped.as_object()) else {
        return equivalent(&project(target, mapped), mapped);
    };
    m.iter().all(|(k, mv)| {
        let tv = t
            .iter()
            .find(|(tk, _)| tk.eq_ignore_ascii_case(k))
            .map(|(_, v)| v);
        match (tv, mv) {
            // What the target lacks is in the projection only when the mapping lacks it too.
            (None, mv) => mv.is_null(),
            (Some(tv), Value::Null) => tv.is_null(),
            (Some(tv), mv) if tv.is_object() && mv.is_object() => holds(tv, mv),
            (Some(tv), mv) => equivalent(tv, mv),
        }
    })
}

/// The target's values of the attributes `mapped` sets, down into complex attributes and
/// extensions (so data only the target has, or that is planned in another pass, is no change).
pub(super) fn project(target: &Value, mapped: &Value) -> Value {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn holds_agrees_with_comparing_the_canonical_projection() {
        let target = json!({"userName": "Ana", "Title": "x", "meta": {"version": "1"},
            "name": {"givenName": "A", "familyName": "S", "formatted": "A S"},
            "emails": [{"value": "b@x", "type": "home"}, {"value": "a@x", "primary": true}],
            "nickName": null});
        let cases = [
            (json!({"userName": "Ana", "title": "x"}), true),
            (json!({"userName": "ana"}), false),
            (json!({"name": {"givenName": "A"}}), true),
            (json!({"name": {"givenName": "B"}}), false),
            (
                json!({"emails": [{"value": "a@x", "primary": true}, {"value": "b@x", "type": "home"}]}),
                true,
            ),
            (
                json!({"emails": [{"value": "a@x", "primary": true}]}),
                false,
            ),
            (json!({"nickName": "n"}), false),
            (json!({"nickName": null}), true),
            (json!({"displayName": "Ana"}), false),
            (json!({"title": ["x"]}), false),
        ];
        for (m, expected) in cases {
            assert_eq!(holds(&target, &m), expected, "{m}");
            // The same answer as comparing the canonical projection.
            assert_eq!(
                canonical(&project(&target, &m)) == canonical(&m),
                expected,
                "{m}"
            );
        }
        // Sub-attributes in another order, a null among them: the same values (comparing
        // canonical forms as text saw a difference here, and planned an update for nothing).
        let reordered = json!({"emails": [{"value": "a@x", "primary": true, "type": null},
                                          {"type": "home", "value": "b@x"}]});
        assert!(holds(&target, &reordered));
    }
}
