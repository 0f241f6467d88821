//! A record as attribute paths (`title`, `name.familyName`, `urn:…:User:department`): the
//! form, the review, conflicts, mapping rules and bulk changes all speak in these.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Flattens a resource to attribute paths: top-level attributes, sub-attributes of complex
/// single-valued attributes (`name.familyName`) and of extensions (`urn:…:User:department`).
/// Multi-valued attributes stay whole. `meta`, `id` and `schemas` are left out.
pub fn flatten(v: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let Some(m) = v.as_object() else {
        return out;
    };
    for (k, val) in m {
        if ["meta", "id", "schemas", "groups"]
            .iter()
            .any(|r| r.eq_ignore_ascii_case(k))
        {
            continue;
        }
        match val {
            Value::Object(sub) => {
                let sep = if k.to_ascii_lowercase().starts_with("urn:") {
                    ":"
                } else {
                    "."
                };
                for (s, sv) in sub {
                    out.insert(format!("{k}{sep}{s}"), sv.clone());
                }
            }
            Value::Null => {}
            other => {
                out.insert(k.clone(), other.clone());
            }
        }
    }
    out
}

/// Sets (or with `None` removes) one flattened path in a resource: `name`, `name.sub` or
/// `urn:…:User:attr`. The parent is found ignoring case (attribute names are case-insensitive
/// in SCIM). False when the path cannot hold a value here (the record or the parent is not an
/// object, such as `emails.value` on a list of e-mails).
pub fn set_path(v: &mut Value, path: &str, value: Option<Value>) -> bool {
    let Some(root) = v.as_object_mut() else {
        return false;
    };
    // An extension URN contains ':'; its attribute is after the last one.
    let split = if path.to_ascii_lowercase().starts_with("urn:") {
        path.rfind(':').map(|i| (&path[..i], &path[i + 1..]))
    } else {
        path.split_once('.')
    };
    match split {
        Some((parent, child)) => {
            let key = root
                .keys()
                .find(|k| k.eq_ignore_ascii_case(parent))
                .cloned()
                .unwrap_or_else(|| parent.to_string());
            let entry = root.entry(key).or_insert_with(|| Value::Object(Map::new()));
            let Some(obj) = entry.as_object_mut() else {
                return false;
            };
            match value {
                Some(x) => {
                    obj.insert(child.to_string(), x);
                }
                None => {
                    obj.remove(child);
                }
            }
        }
        None => match value {
            Some(x) => {
                root.insert(path.to_string(), x);
            }
            None => {
                root.remove(path);
            }
        },
    }
    true
}
