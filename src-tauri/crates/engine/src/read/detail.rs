//! One record for the detail panel: the resource from the cache, the form generated from the
//! provider's /Schemas (the RFC 7643 schemas when it serves none), the names behind its
//! references (groups, members, manager) and its audit entries.

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use scim_client::schema::AttributeDef;
use scim_client::SchemaSet;

use crate::vocabulary::Kind;
use crate::{Desk, DeskError};

/// One attribute of the generated form.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FormAttribute {
    pub name: String,
    /// string, boolean, decimal, integer, dateTime, binary, reference or complex.
    #[serde(rename = "type")]
    pub kind: String,
    pub multi_valued: bool,
    pub required: bool,
    /// readOnly, readWrite, immutable or writeOnly.
    pub mutability: String,
    pub case_exact: bool,
    pub canonical_values: Vec<String>,
    pub reference_types: Vec<String>,
    pub description: String,
    pub sub_attributes: Vec<FormAttribute>,
}

/// One schema of the form: the core schema or an extension.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FormSection {
    /// The schema URN.
    pub schema: String,
    pub name: String,
    /// Attributes of an extension live under the URN key of the resource.
    pub extension: bool,
    pub attributes: Vec<FormAttribute>,
}

/// A referenced resource with a name people can read.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NamedRef {
    pub id: String,
    pub label: String,
    pub kind: Kind,
}

/// One audit entry, for the record's history.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    pub id: i32,
    pub at: String,
    pub os_user: String,
    pub provider: String,
    pub resource_kind: Kind,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    pub operation: String,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[ts(optional, type = "unknown")]
    pub before: Option<Value>,
    #[ts(optional, type = "unknown")]
    pub after: Option<Value>,
    /// What the write changed, attribute by attribute (empty for creates and deletes).
    pub changes: Vec<crate::vocabulary::AttributeChange>,
}

/// What a recorded write changed. A group's members are counted, not compared one by one
/// (a group of 30,000 members would take seconds to diff on every read of its history).
fn audit_changes(before: &Value, after: &Value) -> Vec<crate::vocabulary::AttributeChange> {
    let members = |v: &Value| -> std::collections::HashSet<String> {
        v.get("members")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let without_members = |v: &Value| {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("members");
        }
        v
    };
    let mut out =
        crate::vocabulary::attribute_changes(&without_members(before), &without_members(after));
    let (old, new) = (members(before), members(after));
    let added = new.difference(&old).count();
    let removed = old.difference(&new).count();
    if added + removed > 0 {
        out.push(crate::vocabulary::AttributeChange {
            change: crate::vocabulary::ChangeKind::Changed,
            path: "members".into(),
            before: Some(Value::String(format!("{} members", old.len()))),
            after: Some(Value::String(format!(
                "{} members ({added} added, {removed} removed)",
                new.len()
            ))),
        });
    }
    out
}

impl From<desk_store::AuditEntry> for AuditRow {
    fn from(e: desk_store::AuditEntry) -> Self {
        AuditRow {
            id: i32::try_from(e.id).unwrap_or(i32::MAX),
            at: e.at,
            os_user: e.os_user,
            provider: e.provider,
            resource_kind: e.resource_kind,
            resource_id: e.resource_id,
            operation: e.operation,
            http_status: e.http_status,
            changes: match (&e.before, &e.after) {
                (Some(b), Some(a)) => audit_changes(b, a),
                _ => Vec::new(),
            },
            before: e.before,
            after: e.after,
        }
    }
}

/// Members a group's detail carries; the window asks for more page by page.
pub const MEMBERS_SHOWN: u32 = 100;

/// One page of a group's members, sorted by name.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MemberPage {
    /// How many members match the search (all of them without one).
    pub total: u32,
    pub members: Vec<NamedRef>,
}

fn member_page(
    db: &desk_store::Database,
    snapshot_id: i64,
    group_id: &str,
    needle: &str,
    offset: u32,
    limit: u32,
) -> Result<MemberPage, DeskError> {
    let (total, rows) =
        db.group_member_page(snapshot_id, group_id, needle.trim(), offset, limit)?;
    Ok(MemberPage {
        total: u32::try_from(total).unwrap_or(u32::MAX),
        members: rows
            .into_iter()
            .map(|m| NamedRef {
                label: m
                    .label
                    .unwrap_or_else(|| format!("{} (not in the copy)", m.id)),
                id: m.id,
                kind: m.kind,
            })
            .collect(),
    })
}

/// Everything the detail panel shows for one record.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDetail {
    #[ts(type = "unknown")]
    pub resource: Value,
    pub sections: Vec<FormSection>,
    /// The groups a user belongs to (from the cache).
    pub groups: Vec<NamedRef>,
    /// The first members of a group by name (from the cache); the rest come page by page from
    /// [`Desk::group_members`].
    pub members: Vec<NamedRef>,
    /// How many members the group has in the copy.
    pub members_total: u32,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager: Option<NamedRef>,
    /// The people whose manager this person is, by name (at most 500).
    pub reports: Vec<NamedRef>,
    pub audit: Vec<AuditRow>,
    /// The record across the kept snapshots, oldest first.
    pub versions: Vec<crate::read::history::ResourceVersion>,
    /// When the snapshot the record comes from was taken.
    pub snapshot_at: String,
}

fn form_attribute(d: &AttributeDef) -> FormAttribute {
    FormAttribute {
        name: d.name.clone(),
        kind: d.kind.as_str().to_string(),
        multi_valued: d.multi_valued,
        required: d.required,
        mutability: d.mutability.as_str().to_string(),
        case_exact: d.case_exact,
        canonical_values: d.canonical_values.clone(),
        reference_types: d.reference_types.clone(),
        description: d.description.clone(),
        sub_attributes: d.sub_attributes.iter().map(form_attribute).collect(),
    }
}

fn text(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The form sections for a resource of `kind` from the discovery documents (falling back to
/// RFC 7643's), plus any extension the resource itself carries.
pub fn form_sections(discovery: &Value, kind: Kind, resource: &Value) -> Vec<FormSection> {
    let served: Vec<Value> = discovery
        .get("schemas")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let set = SchemaSet::from_documents(&if served.is_empty() {
        scim_client::schema::rfc7643_documents()
    } else {
        served
    });
    let core = match kind {
        Kind::User => scim_client::USER_SCHEMA,
        Kind::Group => scim_client::GROUP_SCHEMA,
    };
    // The resource type says which extensions belong to it.
    let mut urns = vec![core.to_string()];
    let types = discovery.get("resourceTypes").and_then(Value::as_array);
    let declared: Vec<String> = types
        .and_then(|t| {
            t.iter()
                .find(|rt| text(rt, "schema").eq_ignore_ascii_case(core))
                .and_then(|rt| rt.get("schemaExtensions"))
                .and_then(Value::as_array)
                .map(|ext| ext.iter().map(|e| text(e, "schema")).collect())
        })
        .unwrap_or_else(|| match kind {
            Kind::User => vec![scim_client::ENTERPRISE_USER_SCHEMA.to_string()],
            Kind::Group => Vec::new(),
        });
    urns.extend(declared);
    if let Some(m) = resource.as_object() {
        for k in m.keys() {
            if k.to_ascii_lowercase().starts_with("urn:") && !urns.iter().any(|u| u == k) {
                urns.push(k.clone());
            }
        }
    }
    urns.iter()
        .enumerate()
        .filter_map(|(i, urn)| {
            let schema = set.schema(urn)?;
            Some(FormSection {
                schema: urn.clone(),
                name: match schema.name.as_str() {
                    "" => urn.rsplit(':').next().unwrap_or(urn).to_string(),
                    n => n.to_string(),
                },
                extension: i > 0,
                attributes: schema.attributes.iter().map(form_attribute).collect(),
            })
        })
        .collect()
}

pub(crate) fn label_of(v: &Value) -> String {
    ["displayName", "userName", "id"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
        .to_string()
}

impl Desk {
    /// One record of the latest snapshot of `provider`, with its form and references.
    pub fn resource_detail(
        &self,
        provider: &str,
        kind: Kind,
        id: &str,
    ) -> Result<ResourceDetail, DeskError> {
        let db = self.db()?;
        // Test builds only: a bug while the database is in use (the lock is held here).
        crate::crash::test_panic_point("detail", id);
        let snapshot = crate::read::directory::latest_snapshot(&db, provider)?;
        let resource = db.cached_resource(snapshot.id, kind, id)?.ok_or_else(|| {
            DeskError::NotFound(
                "This record is not in the latest copy of the directory any more. Sync to \
                     see the provider's current records."
                    .into(),
            )
        })?;
        let discovery = db.snapshot_discovery(snapshot.id)?;
        let named = |k: Kind, ids: Vec<String>| -> Result<Vec<NamedRef>, DeskError> {
            let mut out = Vec::with_capacity(ids.len());
            for i in ids {
                let label = db
                    .cached_resource(snapshot.id, k, &i)?
                    .map(|v| label_of(&v))
                    .unwrap_or_else(|| format!("{i} (not in the copy)"));
                out.push(NamedRef {
                    id: i,
                    label,
                    kind: k,
                });
            }
            out.sort_by_key(|r| r.label.to_lowercase());
            Ok(out)
        };
        let (groups, members) = match kind {
            Kind::User => (
                named(Kind::Group, db.member_groups(snapshot.id, id)?)?,
                MemberPage::default(),
            ),
            Kind::Group => (
                vec![],
                member_page(&db, snapshot.id, id, "", 0, MEMBERS_SHOWN)?,
            ),
        };
        let manager = desk_store::extract(&resource)
            .manager_id
            .map(|m| named(Kind::User, vec![m]))
            .transpose()?
            .and_then(|mut v| v.pop());
        // The people whose manager this person is (from the copy).
        let reports = match kind {
            Kind::User => named(Kind::User, db.direct_reports(snapshot.id, id, 500)?)?,
            Kind::Group => Vec::new(),
        };
        let audit = db
            .audit_entries(&desk_store::AuditQuery {
                provider: Some(provider),
                resource_kind: Some(kind),
                resource_id: Some(id),
                limit: 50,
            })?
            .into_iter()
            .map(AuditRow::from)
            .collect();
        let sections = form_sections(&discovery, kind, &resource);
        drop(db);
        Ok(ResourceDetail {
            sections,
            resource,
            groups,
            members: members.members,
            members_total: members.total,
            manager,
            reports,
            audit,
            versions: self.resource_history(provider, kind, id)?,
            snapshot_at: snapshot.finished_at,
        })
    }

    /// A page of the members of group `group_id` in the latest copy of `provider`, sorted by
    /// name; `search` keeps those whose name, user name or id contains it (ignoring case).
    /// At most 1,000 a page.
    pub fn group_members(
        &self,
        provider: &str,
        group_id: &str,
        search: &str,
        offset: u32,
        limit: u32,
    ) -> Result<MemberPage, DeskError> {
        let db = self.db()?;
        let snapshot = crate::read::directory::latest_snapshot(&db, provider)?;
        member_page(
            &db,
            snapshot.id,
            group_id,
            search,
            offset,
            limit.clamp(1, 1_000),
        )
    }

    /// The form sections for a new record of `kind` on `provider`.
    pub fn new_resource_form(
        &self,
        provider: &str,
        kind: Kind,
    ) -> Result<Vec<FormSection>, DeskError> {
        let db = self.db()?;
        let row = db.provider(provider)?;
        let discovery = match db.latest_snapshot(row.id)? {
            Some(s) => db.snapshot_discovery(s.id)?,
            None => Value::Null,
        };
        Ok(form_sections(&discovery, kind, &Value::Null))
    }
}

#[cfg(test)]
mod tests {
    /// A 30,000-member group's recorded change is read at once: members counted, not diffed.
    #[test]
    fn a_huge_group_change_is_summarised_by_counts() {
        let members = |n: usize| -> Vec<Value> {
            (0..n)
                .map(|i| serde_json::json!({"value": format!("u{i}")}))
                .collect()
        };
        let before = serde_json::json!({"displayName": "All", "members": members(30_000)});
        let mut after = before.clone();
        after["members"].as_array_mut().unwrap().remove(42);
        after["displayName"] = serde_json::json!("Everyone");
        // (Diffed member by member this took 9.0 s in a debug build; counted, 0.06 s.)
        let t = std::time::Instant::now();
        let c = audit_changes(&before, &after);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            t.elapsed()
        );
        let paths: Vec<&str> = c.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(paths, ["displayName", "members"]);
        assert_eq!(
            c[1].after,
            Some(serde_json::json!("29999 members (0 added, 1 removed)"))
        );
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn falls_back_to_the_rfc_schemas_with_the_enterprise_extension() {
        let s = form_sections(&Value::Null, Kind::User, &json!({}));
        assert_eq!(s.len(), 2);
        assert!(!s[0].extension && s[1].extension);
        let user_name = s[0]
            .attributes
            .iter()
            .find(|a| a.name == "userName")
            .unwrap();
        assert!(user_name.required);
        let emails = s[0].attributes.iter().find(|a| a.name == "emails").unwrap();
        assert!(emails.multi_valued);
        let t = emails
            .sub_attributes
            .iter()
            .find(|a| a.name == "type")
            .unwrap();
        assert!(t.canonical_values.contains(&"work".to_string()));
        let id = s[0].attributes.iter().find(|a| a.name == "id");
        assert!(id.is_none_or(|a| a.mutability == "readOnly"));
        let manager = s[1]
            .attributes
            .iter()
            .find(|a| a.name == "manager")
            .unwrap();
        assert_eq!(manager.kind, "complex");
    }

    #[test]
    fn a_custom_extension_on_the_resource_gets_its_section() {
        let urn = "urn:example:custom:1.0:User";
        let discovery = json!({"schemas": [
            {"id": scim_client::USER_SCHEMA, "name": "User",
             "attributes": [{"name": "userName", "type": "string", "required": true}]},
            {"id": urn, "name": "Badge",
             "attributes": [{"name": "badge", "type": "integer"}]}
        ]});
        let s = form_sections(&discovery, Kind::User, &json!({urn: {"badge": 7}}));
        let names: Vec<&str> = s.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["User", "Badge"]);
        assert_eq!(s[1].attributes[0].kind, "integer");
    }
}
