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
