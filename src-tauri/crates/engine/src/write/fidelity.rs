//! Write fidelity: what a provider really keeps. After a write the provider answered 2xx, what
//! it now holds is compared with what was sent; attributes it accepted but did not keep are
//! counted per provider, kind and attribute ("title", "emails.type", "phoneNumbers"). Plans
//! leave out changes that cannot stick, verify lists them apart from real differences, the edit
//! review warns before saving one, and the save says what was not kept.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

use crate::vocabulary::Kind;
use crate::{Desk, DeskError};

/// Attributes never compared: the provider's own, write-only ones, and memberships (written and
/// checked apart).
const NOT_COMPARED: [&str; 6] = ["id", "meta", "schemas", "password", "groups", "members"];

/// An attribute a provider accepted but did not keep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NotKept {
    /// `User` or `Group`.
    pub kind: Kind,
    /// The attribute ("title", "emails.type", "urn:...:User:department").
    pub path: String,
    /// Records it happened to.
    pub records: u32,
    /// RFC 3339.
    pub first_seen: String,
}

fn get_ci<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Two values the same as a provider may store them: text ignoring case and surrounding
/// space, "true" for true, "42" for 42.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.trim().eq_ignore_ascii_case(y.trim()),
        (Value::String(s), Value::Bool(v)) | (Value::Bool(v), Value::String(s)) => s
            .trim()
            .eq_ignore_ascii_case(if *v { "true" } else { "false" }),
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
            s.trim() == n.to_string()
        }
        (Value::Object(x), Value::Object(y)) => covers(x, y),
        (Value::Array(x), Value::Array(y)) => x.iter().all(|i| y.iter().any(|j| same(i, j))),
        _ => a == b,
    }
}

/// True when `stored` holds every value `sent` set.
fn covers(sent: &Map<String, Value>, stored: &Map<String, Value>) -> bool {
    sent.iter()
        .filter(|(_, v)| !v.is_null())
        .all(|(k, v)| get_ci(stored, k).is_some_and(|s| same(v, s)))
}

/// The attributes `sent` set that `stored` does not hold, as attribute paths: `title`,
/// `name.familyName`, `urn:…:User:department`, `emails` (the attribute dropped),
/// `emails.value` (a value dropped), `emails.type` (a sub-attribute of kept values dropped).
pub fn unkept(sent: &Value, stored: &Value) -> Vec<String> {
    let empty = Map::new();
    let (sent, stored) = (
        sent.as_object().unwrap_or(&empty),
        stored.as_object().unwrap_or(&empty),
    );
    let mut out: Vec<String> = Vec::new();
    let mut push = |p: String| {
        if !out.contains(&p) {
            out.push(p);
        }
    };
    for (key, sv) in sent {
        if sv.is_null() || NOT_COMPARED.iter().any(|n| n.eq_ignore_ascii_case(key)) {
            continue;
        }
        let tv = get_ci(stored, key).filter(|v| !v.is_null());
        match sv {
            Value::Object(subs) => {
                let sep = if key.to_ascii_lowercase().starts_with("urn:") {
                    ":"
                } else {
                    "."
                };
                let held = tv.and_then(Value::as_object).unwrap_or(&empty);
                for (sub, v) in subs {
                    if !v.is_null() && !get_ci(held, sub).is_some_and(|h| same(v, h)) {
                        push(format!("{key}{sep}{sub}"));
                    }
                }
            }
            Value::Array(items) if items.iter().any(Value::is_object) => {
                let Some(held) = tv.and_then(Value::as_array) else {
                    push(key.clone());
                    continue;
                };
                for item in items.iter().filter_map(Value::as_object) {
                    let value = get_ci(item, "value");
                    let twin = held.iter().filter_map(Value::as_object).find(|h| {
                        value.is_some_and(|v| get_ci(h, "value").is_some_and(|hv| same(v, hv)))
                    });
                    let Some(twin) = twin else {
                        push(format!("{key}.value"));
                        continue;
                    };
                    for (sub, v) in item {
                        if sub.eq_ignore_ascii_case("value") || v.is_null() {
                            continue;
                        }
                        if !get_ci(twin, sub).is_some_and(|h| same(v, h)) {
                            push(format!("{key}.{sub}"));
                        }
                    }
                }
            }
            other => {
                if !tv.is_some_and(|t| same(other, t)) {
                    push(key.clone());
                }
            }
        }
    }
    out
}

/// The top-level attribute a path belongs to (`emails` for `emails.type`, the extension URN's
/// attribute for `urn:…:User:department`).
fn attribute_of(path: &str) -> &str {
    if path.to_ascii_lowercase().starts_with("urn:") {
        path
    } else {
        path.split(['.', '[']).next().unwrap_or(path)
    }
}

/// What an update set that the provider did not keep: [`unkept`] of `after` against
/// `stored`, only for the attributes the update changed.
pub fn unkept_by_update(before: &Value, after: &Value, stored: &Value) -> Vec<String> {
    let empty = Map::new();
    let (b, a) = (
        before.as_object().unwrap_or(&empty),
        after.as_object().unwrap_or(&empty),
    );
    unkept(after, stored)
        .into_iter()
        .filter(|p| {
            let attr = attribute_of(p);
            // An extension attribute: compare the attribute inside the extension object.
            let pick = |m: &Map<String, Value>| -> Option<Value> {
                match attr.rfind(':').filter(|_| attr.starts_with("urn:")) {
                    Some(i) => get_ci(m, &attr[..i])
                        .and_then(Value::as_object)
                        .and_then(|e| get_ci(e, &attr[i + 1..]).cloned()),
                    None => get_ci(m, attr).cloned(),
                }
            };
            pick(b) != pick(a)
        })
        .collect()
}

impl Desk {
    /// Counts one record of `kind` at `provider` whose `paths` were accepted but not kept.
    pub(crate) fn note_unkept(
        &self,
        provider: &str,
        kind: Kind,
        paths: &[String],
    ) -> Result<(), DeskError> {
        if paths.is_empty() {
            return Ok(());
        }
        let db = self.db()?;
        let row = db.provider(provider)?;
        Ok(db.note_unkept(row.id, kind, paths)?)
    }

    /// The attributes `provider` accepted in writes but did not keep, most records first.
    pub fn not_kept(&self, provider: &str) -> Result<Vec<NotKept>, DeskError> {
        let db = self.db()?;
        let row = db.provider(provider)?;
        Ok(db
            .unkept(row.id)?
            .into_iter()
            .map(|r| NotKept {
                kind: r.kind,
                path: r.path,
                records: u32::try_from(r.records).unwrap_or(u32::MAX),
                first_seen: r.first_seen,
            })
            .collect())
    }
}

/// True when `path` (a change's path: `title`, `emails[type eq "work"].type`,
/// `urn:…:User:department`) is an attribute in `not_kept` for `kind`.
pub fn is_not_kept(not_kept: &[NotKept], kind: Kind, path: &str) -> bool {
    // `emails[type eq "work"].type` is `emails.type`; `emails[type eq "work"]` is `emails`.
    let general = match (path.find('['), path.find(']')) {
        (Some(i), Some(j)) if j > i => format!("{}{}", &path[..i], &path[j + 1..]),
        _ => path.to_string(),
    };
    not_kept.iter().any(|n| {
        n.kind == kind
            && (n.path.eq_ignore_ascii_case(&general)
                || n.path.eq_ignore_ascii_case(attribute_of(&general)))
    })
}

/// The not-kept attribute of `kind` that makes `change` one that cannot stick, if any: the
/// attribute itself (`title`), or, for a change of a whole multi-valued or complex attribute
/// (`emails`), sub-attributes it does not keep (`emails.type`) when the change is only in them.
pub fn why_not_sticking<'a>(
    not_kept: &'a [NotKept],
    kind: Kind,
    change: &crate::vocabulary::AttributeChange,
) -> Option<&'a NotKept> {
    if let Some(n) = not_kept
        .iter()
        .find(|n| is_not_kept(std::slice::from_ref(n), kind, &change.path))
    {
        return Some(n);
    }
    let prefix = format!("{}.", change.path.to_lowercase());
    let subs: Vec<&NotKept> = not_kept
        .iter()
        .filter(|n| n.kind == kind && n.path.to_lowercase().starts_with(&prefix))
        .collect();
    if subs.is_empty() {
        return None;
    }
    let names: Vec<String> = subs
        .iter()
        .map(|n| n.path[prefix.len()..].to_lowercase())
        .collect();
    let strip = |v: &Option<Value>| -> Value {
        let strip_one = |o: &Map<String, Value>| -> Value {
            Value::Object(
                o.iter()
                    .filter(|(k, _)| !names.contains(&k.to_lowercase()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        };
        match v {
            Some(Value::Array(items)) => Value::Array(
                items
                    .iter()
                    .map(|i| i.as_object().map_or_else(|| i.clone(), strip_one))
                    .collect(),
            ),
            Some(Value::Object(o)) => strip_one(o),
            Some(other) => other.clone(),
            None => Value::Null,
        }
    };
    let (b, a) = (strip(&change.before), strip(&change.after));
    // The same once they are out (compared as a provider may store them).
    (same(&a, &b) && same(&b, &a)).then(|| subs[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_was_not_kept_is_named_by_attribute() {
        let sent = json!({
            "schemas": ["x"], "userName": "Ann", "title": "Lead", "active": true,
            "name": {"givenName": "Ann", "familyName": "Lee"},
            "emails": [{"value": "ann@x.org", "type": "work", "primary": true}],
            "phoneNumbers": [{"value": "+1 555", "type": "work"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                {"department": "Sales", "manager": {"value": "m1"}},
            "password": "secret",
        });
        let stored = json!({
            "id": "1", "userName": "ann", "active": "True",
            "name": {"givenName": "Ann"},
            "emails": [{"value": "ANN@x.org", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                {"department": "Sales", "manager": {"value": "m1", "displayName": "Bo"}},
        });
        assert_eq!(
            unkept(&sent, &stored),
            ["title", "name.familyName", "emails.type", "phoneNumbers"]
        );
        // Everything kept (the provider adding its own attributes is fine).
        assert!(unkept(&sent, &json!({"id": "1"})).len() > 3);
        let mut all = sent.clone();
        all["id"] = json!("1");
        all["meta"] = json!({"version": "W/1"});
        assert!(unkept(&sent, &all).is_empty());
    }

    #[test]
    fn an_update_is_judged_on_what_it_changed() {
        let before = json!({"userName": "a", "title": "Old", "nickName": "x"});
        let after = json!({"userName": "a", "title": "New", "nickName": "x"});
        // The provider dropped nickName long ago, and now the new title.
        let stored = json!({"id": "1", "userName": "a", "title": "Old"});
        assert_eq!(unkept_by_update(&before, &after, &stored), ["title"]);
    }

    #[test]
    fn a_change_path_finds_its_attribute() {
        let nk = vec![NotKept {
            kind: Kind::User,
            path: "emails.type".into(),
            records: 3,
            first_seen: String::new(),
        }];
        assert!(is_not_kept(
            &nk,
            Kind::User,
            "emails[type eq \"work\"].type"
        ));
        assert!(!is_not_kept(
            &nk,
            Kind::User,
            "emails[type eq \"work\"].value"
        ));
        assert!(!is_not_kept(&nk, Kind::Group, "emails.type"));
    }
}
