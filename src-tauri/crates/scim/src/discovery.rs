//! Discovery: the three documents a provider publishes (/ServiceProviderConfig,
//! /ResourceTypes, /Schemas), turned into a [`CapabilityProfile`] and confirmed with safe,
//! read-only probes where the documents are known to lie.

use serde_json::Value;

use crate::filter::AttrPath;
use crate::ops::{ListQuery, PageRequest};
use crate::profile::{CapabilityProfile, Preset};
use crate::schema::SchemaSet;
use crate::{ScimClient, ScimError, ENTERPRISE_USER_SCHEMA};

/// One resource type (RFC 7643 section 6) with its endpoint as the provider wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceType {
    pub name: String,
    pub endpoint: String,
    pub schema: String,
    pub extensions: Vec<String>,
}

/// Everything discovery learnt.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub service_provider_config: Value,
    pub resource_types: Vec<ResourceType>,
    pub schemas: SchemaSet,
    /// The /Schemas documents as received (empty when the provider serves none).
    pub schema_documents: Vec<Value>,
    /// The /ResourceTypes documents as received.
    pub resource_type_documents: Vec<Value>,
    pub profile: CapabilityProfile,
    /// What the probes found that the documents did not say, in plain words.
    pub notes: Vec<String>,
    /// How the probes' findings came: sent now, or remembered from an earlier discovery.
    pub probes: Probes,
}

/// Where a discovery's probe findings (paging, filters; see [`discover`]) come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probes {
    /// Sent now over a directory with at least one user: the findings hold for next time.
    Sent,
    /// Not sent (an empty directory, or a provider that lists nothing without a filter).
    NotSent,
    /// Taken from an earlier discovery of the same documents (see [`discover_with`]).
    Remembered,
}

impl Discovery {
    /// The endpoint of a resource type (`Users` when the provider did not say).
    pub fn endpoint(&self, name: &str) -> String {
        self.resource_types
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
            .map(|t| t.endpoint.clone())
            .unwrap_or_else(|| format!("/{name}s"))
    }
}

fn resource_type_of(v: &Value) -> Option<ResourceType> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Some(ResourceType {
        name: s("name").or_else(|| s("id"))?,
        endpoint: s("endpoint")?,
        schema: s("schema").unwrap_or_default(),
        extensions: v
            .get("schemaExtensions")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.get("schema").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// Reads the documents, applies `preset`, and probes. Only GET requests are sent.
pub async fn discover(client: &ScimClient, preset: Preset) -> Result<Discovery, ScimError> {
    discover_with(client, preset, |_| None).await
}

/// Like [`discover`], but once the documents are read, `remembered` may give the profile and
/// notes an earlier discovery found by probing (the caller knows the documents are the same
/// and the findings recent): then no probe is sent.
pub async fn discover_with(
    client: &ScimClient,
    preset: Preset,
    remembered: impl FnOnce(&Discovery) -> Option<(CapabilityProfile, Vec<String>)>,
) -> Result<Discovery, ScimError> {
    let spc = client.service_provider_config().await?;
    let mut profile = CapabilityProfile::from_service_provider_config(&spc);
    profile.apply_preset(preset);
    // Some providers serve no /ResourceTypes or /Schemas: fall back to the RFC defaults.
    let resource_type_documents = match client.resource_types().await {
        Ok(list) => list,
        Err(ScimError::Http {
            status: 404 | 501, ..
        }) => Vec::new(),
        Err(e) => return Err(e),
    };
    let resource_types: Vec<ResourceType> = resource_type_documents
        .iter()
        .filter_map(resource_type_of)
        .collect();
    let schema_documents = match client.schemas().await {
        Ok(list) => list,
        Err(ScimError::Http {
            status: 404 | 501, ..
        }) => Vec::new(),
        Err(e) => return Err(e),
    };
    let schemas = SchemaSet::from_documents(&schema_documents);
    let mut d = Discovery {
        service_provider_config: spc,
        resource_types,
        schemas,
        schema_documents,
        resource_type_documents,
        profile,
        notes: Vec::new(),
        probes: Probes::NotSent,
    };
    if let Some((profile, notes)) = remembered(&d) {
        d.profile = profile;
        d.notes = notes;
        d.probes = Probes::Remembered;
    } else if !d.profile.paging.requires_filter {
        probe(client, &mut d).await?;
    }
    Ok(d)
}

async fn probe(client: &ScimClient, d: &mut Discovery) -> Result<(), ScimError> {
    let users = d.endpoint("User");
    let one = ListQuery {
        count: Some(1),
        ..Default::default()
    };
    let first_page = if d.profile.paging.index {
        client.list(&users, &one, &PageRequest::Index(1)).await?
    } else {
        client
            .list(&users, &one, &PageRequest::Cursor(None))
            .await?
    };
    let Some(sample) = first_page.resources.first().cloned() else {
        d.notes
            .push("The directory is empty, so filters and paging could not be checked.".into());
        return Ok(());
    };
    d.probes = Probes::Sent;
    let total = first_page.total_results.unwrap_or(0);
    // Index paging past the end: the RFC says an empty page; SCIMMY repeats the first page.
    if d.profile.paging.index && total > 0 && total <= 5_000 {
        let past = client
            .list(&users, &one, &PageRequest::Index(total + 1))
            .await?;
        if past.resources.first().and_then(|r| r.get("id")) == sample.get("id")
            && sample.get("id").is_some()
        {
            d.profile.paging.repeats_first_page_past_end = true;
            d.notes.push(
                "Asking past the last page returns the first page again; SCIM Desk stops on \
                 the total instead."
                    .into(),
            );
        }
    }
    if !d.profile.filter.supported {
        return Ok(());
    }
    // Filters: a lookup that matches nothing must answer 200 with no resources.
    let probe_filter = r#"userName eq "scim-desk-probe-3f1c9a""#.to_string();
    match lookup(client, &users, probe_filter, d).await {
        Ok(p) if p.resources.is_empty() => {}
        Ok(_) => {
            d.profile.filter.supported = false;
            d.notes.push(
                "The provider ignores filters (it answered a lookup with unrelated records); \
                 SCIM Desk filters on this computer instead."
                    .into(),
            );
            return Ok(());
        }
        Err(ScimError::Http {
            status: 400 | 403 | 501,
            ..
        }) => {
            d.profile.filter.supported = false;
            d.notes.push(
                "The provider refuses filters although its configuration announces them.".into(),
            );
            return Ok(());
        }
        Err(e) => return Err(e),
    }
    // userName eq must ignore case (RFC 7643: userName is caseExact false).
    if let Some(user_name) = sample.get("userName").and_then(Value::as_str) {
        let swapped: String = user_name
            .chars()
            .map(|c| {
                if c.is_uppercase() {
                    c.to_lowercase().next().unwrap_or(c)
                } else {
                    c.to_uppercase().next().unwrap_or(c)
                }
            })
            .collect();
        if swapped != user_name {
            let f = AttrPath::new("userName").eq(swapped.as_str()).to_string();
            let p = lookup(client, &users, f, d).await?;
            if p.resources.is_empty() {
                d.profile.filter.user_name_eq_case_sensitive = true;
                d.notes
                    .push("userName lookups are case-sensitive here, unlike the standard.".into());
            }
        }
    }
    // Extension attributes in filters (SCIMMY silently matches nothing).
    let department = sample
        .get(ENTERPRISE_USER_SCHEMA)
        .and_then(|e| e.get("department"))
        .and_then(Value::as_str);
    if let Some(dep) = department {
        let f = AttrPath::new("department")
            .with_urn(ENTERPRISE_USER_SCHEMA)
            .eq(dep)
            .to_string();
        let p = lookup(client, &users, f, d).await;
        match p {
            Ok(p) if !p.resources.is_empty() => {}
            Ok(_) | Err(ScimError::Http { status: 400, .. }) => {
                d.profile.filter.extension_attributes = false;
                d.notes.push(
                    "Filters on Enterprise User attributes find nothing here; SCIM Desk \
                     applies them on this computer."
                        .into(),
                );
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A one-result filtered read of the first page, as the probes use.
async fn lookup(
    client: &ScimClient,
    users: &str,
    filter: String,
    d: &Discovery,
) -> Result<crate::ListPage, ScimError> {
    let q = ListQuery {
        filter: Some(filter),
        count: Some(1),
        ..Default::default()
    };
    client.list(users, &q, &first_page_request(d)).await
}

fn first_page_request(d: &Discovery) -> PageRequest {
    if d.profile.paging.index {
        PageRequest::Index(1)
    } else {
        PageRequest::Cursor(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resource_types_keep_absolute_or_relative_endpoints() {
        let t = resource_type_of(&json!({"name": "User", "endpoint": "/scim/v2/Users",
            "schema": crate::USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_USER_SCHEMA, "required": false}]}))
        .unwrap();
        assert_eq!(t.endpoint, "/scim/v2/Users");
        assert_eq!(t.extensions, [ENTERPRISE_USER_SCHEMA]);
        assert!(resource_type_of(&json!({"name": "X"})).is_none());
    }
}
