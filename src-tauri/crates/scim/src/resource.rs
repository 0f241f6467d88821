//! Resources as the server sent them: a fixed header (`schemas`, `id`, `externalId`, `meta`)
//! plus every other attribute in a map, so unknown attributes and extensions survive every round
//! trip. Attribute names are looked up ignoring case (RFC 7643 section 2.1). `id` is a string,
//! whatever the provider's id scheme (numbers are accepted and kept as their text).
//!
//! Typed views ([`User`], [`Group`], [`EnterpriseUser`]) read the common attributes without
//! owning or reshaping the data.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::filter::AttrPath;
use crate::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};

/// The `meta` attribute (RFC 7643 section 3.1), with any extra keys kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    pub resource_type: Option<String>,
    pub created: Option<String>,
    pub last_modified: Option<String>,
    pub location: Option<String>,
    /// The ETag, e.g. `W/"3"`.
    pub version: Option<String>,
    pub other: Map<String, Value>,
}

/// A SCIM resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resource {
    pub schemas: Vec<String>,
    pub id: Option<String>,
    pub external_id: Option<String>,
    pub meta: Option<Meta>,
    /// Every other attribute, extensions (keyed by their URN) included, in the order received.
    pub attributes: Map<String, Value>,
}

fn take_ci(map: &mut Map<String, Value>, key: &str) -> Option<Value> {
    if let Some(v) = map.remove(key) {
        return Some(v);
    }
    let found = map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned();
    found.and_then(|k| map.remove(&k))
}

fn as_id(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn as_str(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        _ => None,
    }
}

impl Meta {
    fn from_map(mut m: Map<String, Value>) -> Self {
        Meta {
            resource_type: take_ci(&mut m, "resourceType").and_then(as_str),
            created: take_ci(&mut m, "created").and_then(as_str),
            last_modified: take_ci(&mut m, "lastModified").and_then(as_str),
            location: take_ci(&mut m, "location").and_then(as_str),
            version: take_ci(&mut m, "version").and_then(as_str),
            other: m,
        }
    }

    fn to_value(&self) -> Value {
        let mut m = Map::new();
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(k.to_string(), Value::String(v.clone()));
            }
        };
        put("resourceType", &self.resource_type);
        put("created", &self.created);
        put("lastModified", &self.last_modified);
        put("location", &self.location);
        put("version", &self.version);
        for (k, v) in &self.other {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }
}

impl Resource {
    /// Reads a resource from JSON; anything that is not an object is refused.
    pub fn from_value(v: Value) -> Result<Self, String> {
        let Value::Object(mut m) = v else {
            return Err("a resource must be a JSON object".into());
        };
        let schemas = match take_ci(&mut m, "schemas") {
            Some(Value::Array(a)) => a.into_iter().filter_map(as_str).collect(),
            Some(Value::String(s)) => vec![s],
            _ => Vec::new(),
        };
        let id = take_ci(&mut m, "id").and_then(as_id);
        let external_id = take_ci(&mut m, "externalId").and_then(as_id);
        let meta = match take_ci(&mut m, "meta") {
            Some(Value::Object(mm)) => Some(Meta::from_map(mm)),
            _ => None,
        };
        Ok(Resource {
            schemas,
            id,
            external_id,
            meta,
            attributes: m,
        })
    }

    /// The resource as JSON, header first.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        if !self.schemas.is_empty() {
            m.insert(
                "schemas".into(),
                Value::Array(self.schemas.iter().cloned().map(Value::String).collect()),
            );
        }
        if let Some(id) = &self.id {
            m.insert("id".into(), Value::String(id.clone()));
        }
        if let Some(x) = &self.external_id {
            m.insert("externalId".into(), Value::String(x.clone()));
        }
        for (k, v) in &self.attributes {
            m.insert(k.clone(), v.clone());
        }
        if let Some(meta) = &self.meta {
            m.insert("meta".into(), meta.to_value());
        }
        Value::Object(m)
    }

    /// A new resource with the given schemas.
    pub fn new(schemas: &[&str]) -> Self {
        Resource {
            schemas: schemas.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    /// A top-level attribute by name, ignoring case.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.attributes.get(name).or_else(|| {
            self.attributes
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
    }

    /// A string attribute.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    /// Sets a top-level attribute, replacing any spelling of the same name.
    pub fn set(&mut self, name: &str, value: Value) {
        let existing = self
            .attributes
            .keys()
            .find(|k| k.eq_ignore_ascii_case(name))
            .cloned();
        match existing {
            Some(k) => {
                self.attributes.insert(k, value);
            }
            None => {
                self.attributes.insert(name.to_string(), value);
            }
        }
    }

    /// Removes a top-level attribute (any spelling); returns it.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        take_ci(&mut self.attributes, name)
    }

    /// An extension object by schema URN, ignoring case.
    pub fn extension(&self, urn: &str) -> Option<&Map<String, Value>> {
        self.get(urn).and_then(Value::as_object)
    }

    /// The value at an attribute path (`name`, `name.sub`, `urn:...:name.sub`). For a
    /// multi-valued attribute with a sub-attribute, the sub-attribute of every value (an array).
    pub fn path(&self, path: &AttrPath) -> Option<Value> {
        let base: Option<&Map<String, Value>> = match &path.urn {
            Some(urn) if !self.is_core_urn(urn) => self.extension(urn),
            _ => Some(&self.attributes),
        };
        let base = base?;
        let top = get_ci(base, &path.name)
            .cloned()
            .or_else(|| self.header(&path.name))?;
        match &path.sub {
            None => Some(top),
            Some(sub) => match top {
                Value::Object(o) => get_ci(&o, sub).cloned(),
                Value::Array(items) => {
                    let vals: Vec<Value> = items
                        .iter()
                        .filter_map(|i| i.as_object().and_then(|o| get_ci(o, sub)).cloned())
                        .collect();
                    Some(Value::Array(vals))
                }
                _ => None,
            },
        }
    }

    fn header(&self, name: &str) -> Option<Value> {
        if name.eq_ignore_ascii_case("id") {
            self.id.clone().map(Value::String)
        } else if name.eq_ignore_ascii_case("externalId") {
            self.external_id.clone().map(Value::String)
        } else if name.eq_ignore_ascii_case("meta") {
            self.meta.as_ref().map(Meta::to_value)
        } else if name.eq_ignore_ascii_case("schemas") {
            Some(Value::Array(
                self.schemas.iter().cloned().map(Value::String).collect(),
            ))
        } else {
            None
        }
    }

    fn is_core_urn(&self, urn: &str) -> bool {
        urn.eq_ignore_ascii_case(USER_SCHEMA)
            || urn.eq_ignore_ascii_case(GROUP_SCHEMA)
            || self
                .schemas
                .first()
                .is_some_and(|s| s.eq_ignore_ascii_case(urn))
    }

    /// The ETag, when the provider sent one in `meta.version`.
    pub fn version(&self) -> Option<&str> {
        self.meta.as_ref().and_then(|m| m.version.as_deref())
    }

    /// True when the resource lists `urn` in its `schemas`.
    pub fn has_schema(&self, urn: &str) -> bool {
        self.schemas.iter().any(|s| s.eq_ignore_ascii_case(urn))
    }
}

fn get_ci<'m>(m: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Resource::from_value(v).map_err(serde::de::Error::custom)
    }
}

/// One value of a multi-valued attribute such as `emails` or `phoneNumbers`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MultiValue {
    pub value: Option<String>,
    pub kind: Option<String>,
    pub primary: bool,
    pub display: Option<String>,
}

fn multi_values(v: Option<&Value>) -> Vec<MultiValue> {
    v.and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|i| MultiValue {
                    value: i.get("value").and_then(Value::as_str).map(str::to_string),
                    kind: i.get("type").and_then(Value::as_str).map(str::to_string),
                    primary: match i.get("primary") {
                        Some(Value::Bool(b)) => *b,
                        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
                        _ => false,
                    },
                    display: i.get("display").and_then(Value::as_str).map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A read-only view of a User resource.
#[derive(Debug, Clone, Copy)]
pub struct User<'r>(pub &'r Resource);

impl<'r> User<'r> {
    pub fn user_name(&self) -> Option<&'r str> {
        self.0.get_str("userName")
    }
    pub fn display_name(&self) -> Option<&'r str> {
        self.0.get_str("displayName")
    }
    pub fn given_name(&self) -> Option<&'r str> {
        self.0
            .get("name")
            .and_then(|n| n.as_object())
            .and_then(|n| get_ci(n, "givenName"))
            .and_then(Value::as_str)
    }
    pub fn family_name(&self) -> Option<&'r str> {
        self.0
            .get("name")
            .and_then(|n| n.as_object())
            .and_then(|n| get_ci(n, "familyName"))
            .and_then(Value::as_str)
    }
    pub fn title(&self) -> Option<&'r str> {
        self.0.get_str("title")
    }
    /// `active`, reading `"True"`/`"False"` strings as some providers send them; absent is
    /// active (RFC 7643 leaves the default to the provider; every reference provider does so).
    pub fn active(&self) -> bool {
        match self.0.get("active") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => !s.eq_ignore_ascii_case("false"),
            _ => true,
        }
    }
    pub fn emails(&self) -> Vec<MultiValue> {
        multi_values(self.0.get("emails"))
    }
    /// The primary email, else the first work email, else the first one.
    pub fn primary_email(&self) -> Option<String> {
        let emails = self.emails();
        emails
            .iter()
            .find(|e| e.primary)
            .or_else(|| emails.iter().find(|e| e.kind.as_deref() == Some("work")))
            .or_else(|| emails.first())
            .and_then(|e| e.value.clone())
    }
    pub fn phone_numbers(&self) -> Vec<MultiValue> {
        multi_values(self.0.get("phoneNumbers"))
    }
    pub fn enterprise(&self) -> Option<EnterpriseUser<'r>> {
        self.0.extension(ENTERPRISE_USER_SCHEMA).map(EnterpriseUser)
    }
}

/// A read-only view of the Enterprise User extension.
#[derive(Debug, Clone, Copy)]
pub struct EnterpriseUser<'r>(pub &'r Map<String, Value>);

impl<'r> EnterpriseUser<'r> {
    fn s(&self, k: &str) -> Option<&'r str> {
        get_ci(self.0, k).and_then(Value::as_str)
    }
    pub fn employee_number(&self) -> Option<&'r str> {
        self.s("employeeNumber")
    }
    pub fn department(&self) -> Option<&'r str> {
        self.s("department")
    }
    pub fn cost_center(&self) -> Option<&'r str> {
        self.s("costCenter")
    }
    pub fn organization(&self) -> Option<&'r str> {
        self.s("organization")
    }
    pub fn division(&self) -> Option<&'r str> {
        self.s("division")
    }
    /// The manager's id (`manager.value`).
    pub fn manager_id(&self) -> Option<&'r str> {
        get_ci(self.0, "manager")
            .and_then(Value::as_object)
            .and_then(|m| get_ci(m, "value"))
            .and_then(Value::as_str)
    }
}

/// A group member.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub value: String,
    pub kind: Option<String>,
    pub display: Option<String>,
}

/// A read-only view of a Group resource.
#[derive(Debug, Clone, Copy)]
pub struct Group<'r>(pub &'r Resource);

impl<'r> Group<'r> {
    pub fn display_name(&self) -> Option<&'r str> {
        self.0.get_str("displayName")
    }
    /// The members, or `None` when the provider did not send the attribute (some never do).
    pub fn members(&self) -> Option<Vec<Member>> {
        let items = self.0.get("members")?.as_array()?;
        Some(
            items
                .iter()
                .filter_map(|m| {
                    let value = match m.get("value")? {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => return None,
                    };
                    Some(Member {
                        value,
                        kind: m.get("type").and_then(Value::as_str).map(str::to_string),
                        display: m.get("display").and_then(Value::as_str).map(str::to_string),
                    })
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The full User example of RFC 7643 section 8.2 (abridged only in whitespace).
    pub(crate) const RFC_FULL_USER: &str = r#"{
     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
     "id":"2819c223-7f76-453a-919d-413861904646",
     "externalId":"701984",
     "userName":"bjensen@example.com",
     "name":{"formatted":"Ms. Barbara J Jensen, III","familyName":"Jensen","givenName":"Barbara",
             "middleName":"Jane","honorificPrefix":"Ms.","honorificSuffix":"III"},
     "displayName":"Babs Jensen",
     "nickName":"Babs",
     "profileUrl":"https://login.example.com/bjensen",
     "emails":[{"value":"bjensen@example.com","type":"work","primary":true},
               {"value":"babs@jensen.org","type":"home"}],
     "addresses":[{"type":"work","streetAddress":"100 Universal City Plaza","locality":"Hollywood",
                   "region":"CA","postalCode":"91608","country":"USA",
                   "formatted":"100 Universal City Plaza\nHollywood, CA 91608 USA","primary":true}],
     "phoneNumbers":[{"value":"555-555-5555","type":"work"},{"value":"555-555-4444","type":"mobile"}],
     "ims":[{"value":"someaimhandle","type":"aim"}],
     "photos":[{"value":"https://photos.example.com/profilephoto/72930000000Ccne/F","type":"photo"}],
     "userType":"Employee",
     "title":"Tour Guide",
     "preferredLanguage":"en-US",
     "locale":"en-US",
     "timezone":"America/Los_Angeles",
     "active":true,
     "password":"t1meMa$heen",
     "groups":[{"value":"e9e30dba-f08f-4109-8486-d5c6a331660a","$ref":"https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a","display":"Tour Guides"}],
     "x509Certificates":[{"value":"MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}],
     "meta":{"resourceType":"User","created":"2010-01-23T04:56:22Z","lastModified":"2011-05-13T04:42:34Z",
             "version":"W/\"a330bc54f0671c9\"","location":"https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"}
    }"#;

    #[test]
    fn the_rfc_user_round_trips_exactly() {
        let v: Value = serde_json::from_str(RFC_FULL_USER).unwrap();
        let r = Resource::from_value(v.clone()).unwrap();
        assert_eq!(r.to_value(), v, "nothing is lost or reshaped");
        let u = User(&r);
        assert_eq!(u.user_name(), Some("bjensen@example.com"));
        assert_eq!(u.given_name(), Some("Barbara"));
        assert_eq!(u.primary_email().as_deref(), Some("bjensen@example.com"));
        assert_eq!(r.version(), Some("W/\"a330bc54f0671c9\""));
        assert!(u.active());
    }

    #[test]
    fn unknown_attributes_and_extensions_survive() {
        let v = json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, "urn:example:custom:1.0:User"],
            "id": 42,
            "userName": "x",
            "vendorThing": {"nested": [1, 2, 3]},
            ENTERPRISE_USER_SCHEMA: {"department": "Sales", "manager": {"value": "7"}},
            "urn:example:custom:1.0:User": {"badge": "A-1"}
        });
        let r = Resource::from_value(v).unwrap();
        assert_eq!(r.id.as_deref(), Some("42"), "numeric ids become strings");
        let back = r.to_value();
        assert_eq!(back["vendorThing"]["nested"][2], 3);
        assert_eq!(back["urn:example:custom:1.0:User"]["badge"], "A-1");
        let ent = User(&r).enterprise().unwrap();
        assert_eq!(ent.department(), Some("Sales"));
        assert_eq!(ent.manager_id(), Some("7"));
    }

    #[test]
    fn names_ignore_case() {
        let r = Resource::from_value(json!({"Schemas": [USER_SCHEMA], "ID": "1",
            "USERNAME": "a", "Name": {"GivenName": "Zoë"}}))
        .unwrap();
        assert_eq!(r.id.as_deref(), Some("1"));
        assert_eq!(r.get_str("userName"), Some("a"));
        assert_eq!(User(&r).given_name(), Some("Zoë"));
        let mut r = r;
        r.set("username", json!("b"));
        assert_eq!(r.attributes.len(), 2, "set replaces the existing spelling");
        assert_eq!(
            r.path(&AttrPath::parse("name.givenname").unwrap()),
            Some(json!("Zoë"))
        );
    }

    #[test]
    fn paths_reach_extensions_and_multi_values() {
        let v: Value = serde_json::from_str(RFC_FULL_USER).unwrap();
        let r = Resource::from_value(v).unwrap();
        assert_eq!(
            r.path(&AttrPath::parse("emails.type").unwrap()),
            Some(json!(["work", "home"]))
        );
        assert_eq!(
            r.path(
                &AttrPath::parse("urn:ietf:params:scim:schemas:core:2.0:User:userName").unwrap()
            ),
            Some(json!("bjensen@example.com"))
        );
        assert_eq!(
            r.path(&AttrPath::parse("id").unwrap()),
            Some(json!("2819c223-7f76-453a-919d-413861904646"))
        );
    }

    #[test]
    fn group_members_may_be_absent() {
        let g = Resource::from_value(
            json!({"schemas": [GROUP_SCHEMA], "id": "g", "displayName": "Ops",
            "members": [{"value": "u1", "display": "Ann"}, {"value": 2}]}),
        )
        .unwrap();
        let m = Group(&g).members().unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].value, "2");
        let hidden = Resource::from_value(json!({"schemas": [GROUP_SCHEMA], "id": "g"})).unwrap();
        assert_eq!(
            Group(&hidden).members(),
            None,
            "hidden members are not an empty group"
        );
    }

    /// RFC 7643 section 8.1: the minimal user.
    const RFC_MINIMAL_USER: &str = r#"{
      "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
      "id": "2819c223-7f76-453a-919d-413861904646",
      "userName": "bjensen@example.com",
      "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z",
               "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff590\"",
               "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"}
    }"#;

    /// RFC 7643 section 8.3: the enterprise part of the enterprise user example.
    const RFC_ENTERPRISE: &str = r#"{
      "employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
      "division": "Theme Park", "department": "Tour Operations",
      "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d",
                  "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
                  "displayName": "John Smith"}
    }"#;

    /// RFC 7643 section 8.4: a group.
    const RFC_GROUP: &str = r#"{
      "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
      "displayName": "Tour Guides",
      "members": [
        {"value": "2819c223-7f76-453a-919d-413861904646",
         "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
         "display": "Babs Jensen"},
        {"value": "902c246b-6245-4190-8e05-00816be7344a",
         "$ref": "https://example.com/v2/Users/902c246b-6245-4190-8e05-00816be7344a",
         "display": "Mandy Pepperidge"}
      ],
      "meta": {"resourceType": "Group", "created": "2010-01-23T04:56:22Z",
               "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff592\"",
               "location": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a"}
    }"#;

    #[test]
    fn rfc_section_8_examples_round_trip() {
        let minimal: Value = serde_json::from_str(RFC_MINIMAL_USER).unwrap();
        let r = Resource::from_value(minimal.clone()).unwrap();
        assert_eq!(r.to_value(), minimal);
        assert_eq!(r.version(), Some("W/\"3694e05e9dff590\""));

        let mut enterprise: Value = serde_json::from_str(RFC_FULL_USER).unwrap();
        enterprise["schemas"] = json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
        enterprise[ENTERPRISE_USER_SCHEMA] = serde_json::from_str(RFC_ENTERPRISE).unwrap();
        let r = Resource::from_value(enterprise.clone()).unwrap();
        assert_eq!(r.to_value(), enterprise);
        let e = User(&r).enterprise().unwrap();
        assert_eq!(e.employee_number(), Some("701984"));
        assert_eq!(e.cost_center(), Some("4130"));
        assert_eq!(e.organization(), Some("Universal Studios"));
        assert_eq!(e.division(), Some("Theme Park"));
        assert_eq!(e.manager_id(), Some("26118915-6090-4610-87e4-49d8ca9f808d"));

        let group: Value = serde_json::from_str(RFC_GROUP).unwrap();
        let g = Resource::from_value(group.clone()).unwrap();
        assert_eq!(g.to_value(), group);
        let members = Group(&g).members().unwrap();
        assert_eq!(members.len(), 2);
        assert_eq!(members[1].display.as_deref(), Some("Mandy Pepperidge"));
        assert_eq!(Group(&g).display_name(), Some("Tour Guides"));
    }

    #[test]
    fn non_objects_are_refused() {
        assert!(Resource::from_value(json!([1])).is_err());
    }
}
