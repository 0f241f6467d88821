//! PATCH built as the smallest operation list that turns `before` into `after`
//! (RFC 7644 section 3.5.2), in the style the provider's profile asks for.

use serde_json::{json, Map, Value};

use crate::profile::{CapabilityProfile, PatchStyle};

/// Schema URN of PATCH requests.
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The kind of a PATCH operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOpKind {
    Add,
    Remove,
    Replace,
}

impl PatchOpKind {
    fn name(self, capitalized: bool) -> &'static str {
        match (self, capitalized) {
            (PatchOpKind::Add, false) => "add",
            (PatchOpKind::Remove, false) => "remove",
            (PatchOpKind::Replace, false) => "replace",
            (PatchOpKind::Add, true) => "Add",
            (PatchOpKind::Remove, true) => "Remove",
            (PatchOpKind::Replace, true) => "Replace",
        }
    }
}

/// One PATCH operation.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub op: PatchOpKind,
    pub path: Option<String>,
    pub value: Option<Value>,
}

impl PatchOperation {
    fn new(op: PatchOpKind, path: impl Into<String>, value: Option<Value>) -> Self {
        Self {
            op,
            path: Some(path.into()),
            value,
        }
    }

    /// The JSON of this operation in `style`.
    pub fn to_value(&self, style: &PatchStyle) -> Value {
        let mut m = Map::new();
        m.insert("op".into(), json!(self.op.name(style.capitalized_ops)));
        if let Some(p) = &self.path {
            m.insert("path".into(), json!(p));
        }
        if let Some(v) = &self.value {
            m.insert("value".into(), v.clone());
        }
        Value::Object(m)
    }

    /// True when this operation changes group membership.
    pub fn is_member_change(&self) -> bool {
        // Compared as bytes: a path is provider or user text, and slicing a str at a byte that
        // is not a character boundary (`abcdefé`) would panic.
        self.path.as_deref().is_some_and(|p| {
            let b = p.as_bytes();
            b.len() >= 7
                && b[..7].eq_ignore_ascii_case(b"members")
                && matches!(b.get(7), None | Some(b'[' | b'.' | b' '))
        })
    }
}

/// The value a PATCH path points at in `resource` now (RFC 7644 section 3.5.2): `name`,
/// `name.sub`, a URN-qualified attribute, or a value-filtered `name[filter]` /
/// `name[filter].sub` (the one value when one element matches, a list when several). `None`
/// when nothing is there.
pub fn value_at(resource: &Value, path: &str) -> Option<Value> {
    if let (Some(open), Some(close)) = (path.find('['), path.rfind(']')) {
        if close < open {
            return None;
        }
        let filter = crate::filter::parse(&path[open + 1..close]).ok()?;
        let sub = path[close + 1..].strip_prefix('.');
        let (_, items) = get_ci(resource.as_object()?, &path[..open])?;
        let picked: Vec<Value> = items
            .as_array()?
            .iter()
            .filter(|i| crate::filter::matches(&filter, i, &crate::filter::default_case_exact))
            .filter_map(|i| match sub {
                Some(s) => i
                    .as_object()
                    .and_then(|o| get_ci(o, s))
                    .map(|(_, v)| v.clone()),
                None => Some(i.clone()),
            })
            .collect();
        return match picked.len() {
            0 => None,
            1 => picked.into_iter().next(),
            _ => Some(Value::Array(picked)),
        };
    }
    let p = crate::AttrPath::parse(path).ok()?;
    crate::Resource::from_value(resource.clone()).ok()?.path(&p)
}

/// Attributes a client never writes.
const READ_ONLY: &[&str] = &["id", "meta", "schemas", "groups"];

fn get_ci<'m>(m: &'m Map<String, Value>, k: &str) -> Option<(&'m String, &'m Value)> {
    m.get_key_value(k)
        .or_else(|| m.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)))
}

fn quote(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// The operations that turn `before` into `after` (both full resources as JSON).
pub fn diff(before: &Value, after: &Value, style: &PatchStyle) -> Vec<PatchOperation> {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut ops = Vec::new();
    for (key, old) in b {
        if READ_ONLY.iter().any(|r| r.eq_ignore_ascii_case(key)) {
            continue;
        }
        if get_ci(a, key).is_none_or(|(_, v)| v.is_null()) && !old.is_null() {
            ops.push(PatchOperation::new(PatchOpKind::Remove, key.clone(), None));
        }
    }
    for (key, new) in a {
        if READ_ONLY.iter().any(|r| r.eq_ignore_ascii_case(key)) || new.is_null() {
            continue;
        }
        match get_ci(b, key) {
            None => ops.push(PatchOperation::new(
                PatchOpKind::Add,
                key.clone(),
                Some(new.clone()),
            )),
            Some((_, old)) if old == new => {}
            Some((_, old)) => diff_attr(key, old, new, style, &mut ops),
        }
    }
    ops
}

fn diff_attr(
    key: &str,
    old: &Value,
    new: &Value,
    style: &PatchStyle,
    ops: &mut Vec<PatchOperation>,
) {
    let is_extension = key.to_ascii_lowercase().starts_with("urn:");
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            // A complex attribute or an extension: change only the sub-attributes that differ.
            let sep = if is_extension { ":" } else { "." };
            for (sub, ov) in o {
                if get_ci(n, sub).is_none_or(|(_, v)| v.is_null()) && !ov.is_null() {
                    ops.push(PatchOperation::new(
                        PatchOpKind::Remove,
                        format!("{key}{sep}{sub}"),
                        None,
                    ));
                }
            }
            for (sub, nv) in n {
                if nv.is_null() {
                    continue;
                }
                match get_ci(o, sub) {
                    Some((_, ov)) if ov == nv => {}
                    _ => ops.push(PatchOperation::new(
                        PatchOpKind::Replace,
                        format!("{key}{sep}{sub}"),
                        Some(nv.clone()),
                    )),
                }
            }
        }
        (Value::Array(o), Value::Array(n)) if key.eq_ignore_ascii_case("members") => {
            let ids = |v: &[Value]| -> Vec<String> {
                v.iter()
                    .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_string))
                    .collect()
            };
            let (old_ids, new_ids) = (ids(o), ids(n));
            let added: Vec<Value> = n
                .iter()
                .filter(|m| {
                    m.get("value")
                        .and_then(Value::as_str)
                        .is_some_and(|id| !old_ids.iter().any(|x| x == id))
                })
                .map(|m| json!({"value": m["value"]}))
                .collect();
            if !added.is_empty() {
                ops.push(PatchOperation::new(
                    PatchOpKind::Add,
                    "members",
                    Some(Value::Array(added)),
                ));
            }
            for id in old_ids.iter().filter(|id| !new_ids.contains(id)) {
                ops.push(PatchOperation::new(
                    PatchOpKind::Remove,
                    format!("members[value eq {}]", quote(id)),
                    None,
                ));
            }
        }
        (Value::Array(o), Value::Array(n)) if style.value_path_filters => {
            match (keyed_by_type(o), keyed_by_type(n)) {
                (Some(ok), Some(nk)) => {
                    for (t, _) in &ok {
                        if !nk.iter().any(|(nt, _)| nt == t) {
                            ops.push(PatchOperation::new(
                                PatchOpKind::Remove,
                                format!("{key}[type eq {}]", quote(t)),
                                None,
                            ));
                        }
                    }
                    for (t, nv) in &nk {
                        match ok.iter().find(|(ot, _)| ot == t) {
                            None => ops.push(PatchOperation::new(
                                PatchOpKind::Add,
                                key,
                                Some(Value::Array(vec![(*nv).clone()])),
                            )),
                            Some((_, ov)) if ov == nv => {}
                            Some((_, ov)) => {
                                let (om, nm) = (ov.as_object(), nv.as_object());
                                if let (Some(om), Some(nm)) = (om, nm) {
                                    let filt = format!("{key}[type eq {}]", quote(t));
                                    for (sub, osv) in om {
                                        if get_ci(nm, sub).is_none() && !osv.is_null() {
                                            ops.push(PatchOperation::new(
                                                PatchOpKind::Remove,
                                                format!("{filt}.{sub}"),
                                                None,
                                            ));
                                        }
                                    }
                                    for (sub, nsv) in nm {
                                        if get_ci(om, sub).is_none_or(|(_, v)| v != nsv) {
                                            ops.push(PatchOperation::new(
                                                PatchOpKind::Replace,
                                                format!("{filt}.{sub}"),
                                                Some(nsv.clone()),
                                            ));
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                _ => ops.push(PatchOperation::new(
                    PatchOpKind::Replace,
                    key,
                    Some(new.clone()),
                )),
            }
        }
        _ => ops.push(PatchOperation::new(
            PatchOpKind::Replace,
            key,
            Some(new.clone()),
        )),
    }
}

/// Values of a multi-valued attribute keyed by `type`, when every value has a distinct type.
fn keyed_by_type(items: &[Value]) -> Option<Vec<(String, &Value)>> {
    let mut out: Vec<(String, &Value)> = Vec::with_capacity(items.len());
    for i in items {
        let t = i.get("type")?.as_str()?.to_string();
        if out.iter().any(|(x, _)| *x == t) {
            return None;
        }
        out.push((t, i));
    }
    Some(out)
}

/// The PATCH request bodies for `ops`: member changes split to the provider's limits (and kept
/// alone where it asks), everything else in one request first.
pub fn requests(ops: &[PatchOperation], profile: &CapabilityProfile) -> Vec<Value> {
    let style = &profile.patch;
    let body = |ops: Vec<Value>| json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops});
    let (members, other): (Vec<&PatchOperation>, Vec<&PatchOperation>) =
        ops.iter().partition(|o| o.is_member_change());
    let mut out = Vec::new();
    let limited = style.max_member_adds.is_some() || style.max_member_removes.is_some();
    if members.is_empty() || (!limited && !style.members_alone) {
        if !ops.is_empty() {
            out.push(body(ops.iter().map(|o| o.to_value(style)).collect()));
        }
        return out;
    }
    if !other.is_empty() {
        out.push(body(other.iter().map(|o| o.to_value(style)).collect()));
    }
    let adds: Vec<Value> = members
        .iter()
        .filter(|o| o.op == PatchOpKind::Add)
        .flat_map(|o| {
            o.value
                .as_ref()
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    let removes: Vec<Value> = members
        .iter()
        .filter(|o| o.op != PatchOpKind::Add)
        .map(|o| o.to_value(style))
        .collect();
    for (a, r) in profile.member_patch_batches(&adds, &removes) {
        let mut batch = Vec::new();
        if !a.is_empty() {
            batch.push(
                PatchOperation::new(PatchOpKind::Add, "members", Some(Value::Array(a)))
                    .to_value(style),
            );
        }
        batch.extend(r);
        out.push(body(batch));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Preset;

    fn style() -> PatchStyle {
        CapabilityProfile::default().patch
    }

    fn paths(ops: &[PatchOperation]) -> Vec<String> {
        ops.iter()
            .map(|o| format!("{:?} {}", o.op, o.path.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn changes_only_what_changed() {
        let before = json!({"id": "1", "userName": "a", "title": "Eng", "nickName": "x",
            "name": {"givenName": "Ann", "familyName": "Lee"}, "meta": {"version": "W/\"1\""}});
        let after = json!({"id": "1", "userName": "a", "title": "Lead", "displayName": "Ann Lee",
            "name": {"givenName": "Ann", "familyName": "Li"}, "meta": {"version": "W/\"2\""}});
        let ops = diff(&before, &after, &style());
        assert_eq!(
            paths(&ops),
            [
                "Remove nickName",
                "Replace title",
                "Add displayName",
                "Replace name.familyName"
            ]
        );
        assert!(
            diff(&before, &before, &style()).is_empty(),
            "no change, no operation"
        );
    }

    #[test]
    fn extensions_are_patched_attribute_by_attribute() {
        let urn = crate::ENTERPRISE_USER_SCHEMA;
        let before = json!({urn: {"department": "Sales", "costCenter": "1"}});
        let after = json!({urn: {"department": "Support", "manager": {"value": "9"}}});
        let ops = diff(&before, &after, &style());
        assert_eq!(
            paths(&ops),
            [
                format!("Remove {urn}:costCenter"),
                format!("Replace {urn}:department"),
                format!("Replace {urn}:manager"),
            ]
        );
    }

    #[test]
    fn multi_valued_attributes_use_value_path_filters() {
        let before = json!({"emails": [{"type": "work", "value": "a@x", "primary": true},
                                        {"type": "home", "value": "a@y"}]});
        let after = json!({"emails": [{"type": "work", "value": "a@z", "primary": true},
                                       {"type": "other", "value": "a@o"}]});
        let ops = diff(&before, &after, &style());
        assert_eq!(
            paths(&ops),
            [
                "Remove emails[type eq \"home\"]",
                "Replace emails[type eq \"work\"].value",
                "Add emails",
            ]
        );
        let mut no_filters = style();
        no_filters.value_path_filters = false;
        assert_eq!(
            paths(&diff(&before, &after, &no_filters)),
            ["Replace emails"]
        );
    }

    #[test]
    fn members_are_added_and_removed_by_id() {
        let before = json!({"members": [{"value": "1"}, {"value": "2"}]});
        let after = json!({"members": [{"value": "2"}, {"value": "3", "display": "C"}]});
        let ops = diff(&before, &after, &style());
        assert_eq!(
            paths(&ops),
            ["Add members", "Remove members[value eq \"1\"]"]
        );
        assert_eq!(ops[0].value, Some(json!([{"value": "3"}])));
    }

    #[test]
    fn value_at_reads_plain_and_value_filtered_paths() {
        let u = json!({"userName": "a", "name": {"familyName": "Old"},
            "emails": [{"type": "home", "value": "h@x.org"}, {"type": "work", "value": "w@x.org"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"}});
        assert_eq!(value_at(&u, "name.familyName"), Some(json!("Old")));
        assert_eq!(
            value_at(&u, "emails[type eq \"work\"].value"),
            Some(json!("w@x.org"))
        );
        assert_eq!(
            value_at(&u, "emails[type eq \"work\"]"),
            Some(json!({"type": "work", "value": "w@x.org"}))
        );
        assert_eq!(value_at(&u, "emails[type eq \"other\"].value"), None);
        assert_eq!(
            value_at(
                &u,
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
            ),
            Some(json!("R&D"))
        );
        assert_eq!(value_at(&u, "emails]["), None);
    }

    #[test]
    fn a_non_ascii_path_builds_a_request_without_panicking() {
        // `set p id 'abcdefé=x'`: the 7th byte is inside "é" (a panic before the fix).
        let op = PatchOperation::new(PatchOpKind::Replace, "abcdefé", Some(json!("x")));
        assert!(!op.is_member_change());
        let profile = CapabilityProfile::default();
        let bodies = requests(std::slice::from_ref(&op), &profile);
        assert_eq!(bodies.len(), 1);
        assert_eq!(bodies[0]["Operations"][0]["path"], "abcdefé");
        for path in ["members", "members[value eq \"1\"]", "Members.value"] {
            let m = PatchOperation::new(PatchOpKind::Remove, path, None);
            assert!(m.is_member_change(), "{path} changes membership");
        }
        let other = PatchOperation::new(PatchOpKind::Replace, "membersOnly", Some(json!(1)));
        assert!(
            !other.is_member_change(),
            "an attribute that only starts with members"
        );
    }

    #[test]
    fn requests_follow_the_profile() {
        let before = json!({"displayName": "G", "members": []});
        let adds: Vec<Value> = (0..45).map(|i| json!({"value": i.to_string()})).collect();
        let after = json!({"displayName": "G2", "members": adds});
        let ops = diff(&before, &after, &style());
        let generic = requests(&ops, &CapabilityProfile::default());
        assert_eq!(
            generic.len(),
            1,
            "one request when the provider has no limits"
        );
        assert_eq!(generic[0]["Operations"].as_array().unwrap().len(), 2);
        let mut entra = CapabilityProfile::default();
        entra.apply_preset(Preset::EntraId);
        entra.patch.capitalized_ops = true;
        let reqs = requests(&ops, &entra);
        assert_eq!(
            reqs.len(),
            4,
            "displayName alone, then 20 + 20 + 5 member adds"
        );
        assert_eq!(reqs[0]["Operations"][0]["op"], "Replace");
        assert_eq!(
            reqs[1]["Operations"][0]["value"].as_array().unwrap().len(),
            20
        );
        assert_eq!(reqs[0]["schemas"][0], PATCH_OP_SCHEMA);
    }
}
