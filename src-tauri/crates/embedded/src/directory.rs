//! One tenant's directory: users and groups in memory, in the order they were created, each
//! with a version; what a write must satisfy (required and unique attributes, members that
//! exist) and what the provider fills in (id, meta, members' display, users' groups).

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::discovery::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use crate::error::Refusal;

/// A resource endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Users,
    Groups,
}

impl Endpoint {
    pub fn from_path(segment: &str) -> Option<Self> {
        match segment {
            "Users" => Some(Self::Users),
            "Groups" => Some(Self::Groups),
            _ => None,
        }
    }
    pub fn path(self) -> &'static str {
        match self {
            Self::Users => "Users",
            Self::Groups => "Groups",
        }
    }
    pub fn resource_type(self) -> &'static str {
        match self {
            Self::Users => "User",
            Self::Groups => "Group",
        }
    }
    pub fn core_schema(self) -> &'static str {
        match self {
            Self::Users => USER_SCHEMA,
            Self::Groups => GROUP_SCHEMA,
        }
    }
}

/// One stored resource: its JSON as last written (with `id` and `meta`) and its version.
#[derive(Debug, Clone)]
struct Stored {
    resource: Value,
    version: u64,
}

/// The resources of one endpoint, in creation order.
#[derive(Debug, Default)]
struct Collection {
    order: BTreeMap<u64, String>,
    items: HashMap<String, (u64, Stored)>,
    next: u64,
}

impl Collection {
    fn get(&self, id: &str) -> Option<&Stored> {
        self.items.get(id).map(|(_, s)| s)
    }
    fn put(&mut self, id: String, stored: Stored) {
        if let Some((_, slot)) = self.items.get_mut(&id) {
            *slot = stored;
            return;
        }
        self.next += 1;
        self.order.insert(self.next, id.clone());
        self.items.insert(id, (self.next, stored));
    }
    fn remove(&mut self, id: &str) -> Option<Stored> {
        let (seq, stored) = self.items.remove(id)?;
        self.order.remove(&seq);
        Some(stored)
    }
    fn iter(&self) -> impl Iterator<Item = &Stored> {
        self.order
            .values()
            .filter_map(|id| self.items.get(id).map(|(_, s)| s))
    }
}

/// The weak ETag of a version, as headers and `meta.version` carry it.
pub fn etag(version: u64) -> String {
    format!("W/\"{version}\"")
}

/// Checks an `If-Match` header against the current version: `*` or one of its tags.
pub(crate) fn check_if_match(if_match: Option<&str>, version: u64) -> Result<(), Refusal> {
    let Some(header) = if_match else {
        return Ok(());
    };
    let current = etag(version);
    let strong = format!("\"{version}\"");
    let ok = header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == current || tag == strong);
    if ok {
        Ok(())
    } else {
        Err(Refusal::precondition(format!(
            "the resource changed since it was read: it is now at version {current}, not {header}"
        )))
    }
}

fn now() -> String {
    OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

fn new_id() -> String {
    use rand::Rng;
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A key of `obj` matching `name` regardless of case.
pub fn key_ci(obj: &Map<String, Value>, name: &str) -> Option<String> {
    obj.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

fn text_ci<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
}

/// A tenant's users and groups.
#[derive(Debug)]
pub struct Directory {
    /// The tenant's base URL (`http://127.0.0.1:PORT/{tenant}/scim/v2`), for `$ref` and
    /// `meta.location`.
    base: String,
    users: Collection,
    groups: Collection,
}

impl Directory {
    pub fn new(base: String) -> Self {
        Self {
            base,
            users: Collection::default(),
            groups: Collection::default(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn collection(&self, e: Endpoint) -> &Collection {
        match e {
            Endpoint::Users => &self.users,
            Endpoint::Groups => &self.groups,
        }
    }

    fn collection_mut(&mut self, e: Endpoint) -> &mut Collection {
        match e {
            Endpoint::Users => &mut self.users,
            Endpoint::Groups => &mut self.groups,
        }
    }

    /// The current version of a resource.
    pub fn version(&self, e: Endpoint, id: &str) -> Option<u64> {
        self.collection(e).get(id).map(|s| s.version)
    }

    /// Each user's groups (group id and display name), from the groups' members.
    fn memberships(&self) -> HashMap<&str, Vec<(&str, &str)>> {
        let mut out: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
        for g in self.groups.iter() {
            let id = g.resource["id"].as_str().unwrap_or_default();
            let display = g.resource["displayName"].as_str().unwrap_or_default();
            if let Some(members) = g.resource.get("members").and_then(Value::as_array) {
                for m in members {
                    if let Some(v) = m.get("value").and_then(Value::as_str) {
                        out.entry(v).or_default().push((id, display));
                    }
                }
            }
        }
        out
    }

    /// A stored resource as the provider returns it (a user with its `groups`).
    fn render(
        &self,
        e: Endpoint,
        stored: &Stored,
        groups: &HashMap<&str, Vec<(&str, &str)>>,
    ) -> Value {
        let mut r = stored.resource.clone();
        if e == Endpoint::Users {
            let id = r["id"].as_str().unwrap_or_default().to_string();
            if let (Some(list), Some(o)) = (groups.get(id.as_str()), r.as_object_mut()) {
                let values: Vec<Value> = list
                    .iter()
                    .map(|(gid, display)| {
                        json!({"value": gid, "display": display, "type": "direct",
                               "$ref": format!("{}/Groups/{gid}", self.base)})
                    })
                    .collect();
                o.insert("groups".into(), Value::Array(values));
            }
        }
        r
    }

    /// One resource as returned, with its version.
    pub fn get(&self, e: Endpoint, id: &str) -> Option<(Value, u64)> {
        let stored = self.collection(e).get(id)?;
        let groups = if e == Endpoint::Users {
            self.memberships()
        } else {
            HashMap::new()
        };
        Some((self.render(e, stored, &groups), stored.version))
    }

    /// Every resource of an endpoint as returned, in creation order.
    pub fn all(&self, e: Endpoint) -> Vec<Value> {
        let groups = if e == Endpoint::Users {
            self.memberships()
        } else {
            HashMap::new()
        };
        self.collection(e)
            .iter()
            .map(|s| self.render(e, s, &groups))
            .collect()
    }

    /// Creates a resource from a request body; returns it as stored, with its version.
    pub fn create(&mut self, e: Endpoint, body: Value) -> Result<(Value, u64), Refusal> {
        let id = new_id();
        let stamp = now();
        let resource = self.admit(e, &id, body, &stamp, &stamp, 1)?;
        self.collection_mut(e).put(
            id.clone(),
            Stored {
                resource,
                version: 1,
            },
        );
        self.get(e, &id)
            .ok_or_else(|| Refusal::not_found("the new resource"))
    }

    /// Replaces a resource with `body` (PUT, and the result of a PATCH).
    pub fn replace(
        &mut self,
        e: Endpoint,
        id: &str,
        body: Value,
        if_match: Option<&str>,
    ) -> Result<(Value, u64), Refusal> {
        let stored = self
            .collection(e)
            .get(id)
            .ok_or_else(|| Refusal::not_found(&format!("{} {id}", e.resource_type())))?;
        check_if_match(if_match, stored.version)?;
        let created = stored.resource["meta"]["created"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let version = stored.version + 1;
        let resource = self.admit(e, id, body, &created, &now(), version)?;
        self.collection_mut(e)
            .put(id.to_string(), Stored { resource, version });
        self.get(e, id).ok_or_else(|| Refusal::not_found(id))
    }

    /// The stored form of a resource (what PATCH starts from: no computed `groups`).
    pub fn stored(&self, e: Endpoint, id: &str) -> Option<(Value, u64)> {
        self.collection(e)
            .get(id)
            .map(|s| (s.resource.clone(), s.version))
    }

    /// Deletes a resource; a deleted user leaves every group it was in.
    pub fn delete(&mut self, e: Endpoint, id: &str, if_match: Option<&str>) -> Result<(), Refusal> {
        let version = self
            .version(e, id)
            .ok_or_else(|| Refusal::not_found(&format!("{} {id}", e.resource_type())))?;
        check_if_match(if_match, version)?;
        self.collection_mut(e).remove(id);
        // Members pointing at the removed resource go (users and nested groups alike).
        let stamp = now();
        for gid in self.groups.order.values().cloned().collect::<Vec<_>>() {
            let Some((_, g)) = self.groups.items.get_mut(&gid) else {
                continue;
            };
            let Some(members) = g.resource.get_mut("members").and_then(Value::as_array_mut) else {
                continue;
            };
            let before = members.len();
            members.retain(|m| m.get("value").and_then(Value::as_str) != Some(id));
            let (after, emptied) = (members.len(), members.is_empty());
            if emptied {
                if let Some(o) = g.resource.as_object_mut() {
                    o.remove("members");
                }
            }
            if after != before {
                g.version += 1;
                g.resource["meta"]["version"] = json!(etag(g.version));
                g.resource["meta"]["lastModified"] = json!(stamp);
            }
        }
        Ok(())
    }

    /// What a write must satisfy, and what the provider sets: the resource `body` made ready
    /// to store under `id`.
    fn admit(
        &self,
        e: Endpoint,
        id: &str,
        body: Value,
        created: &str,
        modified: &str,
        version: u64,
    ) -> Result<Value, Refusal> {
        let Value::Object(mut obj) = body else {
            return Err(Refusal::invalid_syntax(
                "the request body is not a JSON object",
            ));
        };
        // Read-only attributes the client may echo back are ignored, as RFC 7643 says.
        for name in ["id", "meta", "groups", "schemas"] {
            if let Some(k) = key_ci(&obj, name) {
                if !(name == "groups" && e == Endpoint::Groups) {
                    obj.remove(&k);
                }
            }
        }
        let mut schemas = vec![json!(e.core_schema())];
        match e {
            Endpoint::Users => {
                let user_name = text_ci(&obj, "userName")
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| Refusal::invalid_value("userName is required"))?
                    .to_string();
                let taken = self.users.iter().any(|u| {
                    u.resource["id"].as_str() != Some(id)
                        && u.resource["userName"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case(&user_name))
                });
                if taken {
                    return Err(Refusal::uniqueness(format!(
                        "the userName {user_name:?} is already taken"
                    )));
                }
                if let Some(k) = key_ci(&obj, "userName") {
                    obj.remove(&k);
                }
                obj.insert("userName".into(), json!(user_name));
                if let Some(k) = key_ci(&obj, ENTERPRISE_SCHEMA) {
                    if obj.get(&k).is_some_and(Value::is_object) {
                        schemas.push(json!(ENTERPRISE_SCHEMA));
                    } else {
                        return Err(Refusal::invalid_value(
                            "the enterprise extension must be an object",
                        ));
                    }
                }
                if let Some(k) = key_ci(&obj, "active") {
                    if !obj[&k].is_boolean() && !obj[&k].is_null() {
                        return Err(Refusal::invalid_value("active must be true or false"));
                    }
                }
            }
            Endpoint::Groups => {
                let display = text_ci(&obj, "displayName")
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| Refusal::invalid_value("displayName is required"))?
                    .to_string();
                if let Some(k) = key_ci(&obj, "displayName") {
                    obj.remove(&k);
                }
                obj.insert("displayName".into(), json!(display));
                if let Some(k) = key_ci(&obj, "members") {
                    let members = obj.remove(&k).unwrap_or(Value::Null);
                    obj.insert("members".into(), self.admit_members(id, members)?);
                }
            }
        }
        // Multi-valued attributes hold at most one primary value.
        for (_, v) in obj.iter() {
            if let Some(items) = v.as_array() {
                let primaries = items
                    .iter()
                    .filter(|i| i.get("primary").and_then(Value::as_bool) == Some(true))
                    .count();
                if primaries > 1 {
                    return Err(Refusal::invalid_value(
                        "a multi-valued attribute has more than one primary value",
                    ));
                }
            }
        }
        let mut out = Map::new();
        out.insert("schemas".into(), Value::Array(schemas));
        out.insert("id".into(), json!(id));
        out.extend(obj);
        out.insert(
            "meta".into(),
            json!({
                "resourceType": e.resource_type(),
                "created": created,
                "lastModified": modified,
                "location": format!("{}/{}/{id}", self.base, e.path()),
                "version": etag(version),
            }),
        );
        Ok(Value::Object(out))
    }

    /// A group's members checked and completed: each names an existing user or group (not
    /// the group itself), once; `type`, `display` and `$ref` are the provider's.
    fn admit_members(&self, group_id: &str, members: Value) -> Result<Value, Refusal> {
        let items = match members {
            Value::Null => Vec::new(),
            Value::Array(a) => a,
            _ => return Err(Refusal::invalid_value("members must be a list")),
        };
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for m in items {
            let value = m
                .as_object()
                .and_then(|o| text_ci(o, "value"))
                .ok_or_else(|| Refusal::invalid_value("a member has no value (the member's id)"))?
                .to_string();
            if !seen.insert(value.clone()) {
                continue;
            }
            let (kind, display) = if let Some(u) = self.users.get(&value) {
                ("User", u.resource["userName"].as_str().unwrap_or_default())
            } else if let Some(g) = self.groups.get(&value).filter(|_| value != group_id) {
                (
                    "Group",
                    g.resource["displayName"].as_str().unwrap_or_default(),
                )
            } else {
                return Err(Refusal::invalid_value(format!(
                    "the member {value} is not a user or group of this provider"
                )));
            };
            out.push(json!({
                "value": value,
                "display": display,
                "type": kind,
                "$ref": format!("{}/{}s/{value}", self.base, kind),
            }));
        }
        Ok(Value::Array(out))
    }
}
