//! Reading a directory: offline from the latest snapshot, or live from the provider (the filter
//! is sent when the provider supports it and applied on this computer otherwise).

use scim_client::filter::{matches, parse};
use scim_client::{CapabilityProfile, ListQuery, Pager, SortOrder};
use serde_json::Value;

use crate::{Desk, DeskError};

/// Users or groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Group,
}

impl Kind {
    /// `Group` when `group` is set, else `User`.
    pub fn from_group_flag(group: bool) -> Self {
        if group {
            Kind::Group
        } else {
            Kind::User
        }
    }

    /// Reads a resource type name (`User`, `Group`); anything else is a user.
    pub fn parse(name: &str) -> Self {
        Kind::from_group_flag(name.eq_ignore_ascii_case("Group"))
    }

    /// The resource type name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
        }
    }
}

fn sort_value(v: &Value, attr: &str) -> String {
    let path = scim_client::AttrPath::parse(attr).ok();
    let r = scim_client::Resource::from_value(v.clone()).ok();
    match (path, r) {
        (Some(p), Some(r)) => match r.path(&p) {
            Some(Value::String(s)) => s.to_lowercase(),
            Some(other) => other.to_string(),
            None => String::new(),
        },
        _ => String::new(),
    }
}

fn filter_of(filter: Option<&str>) -> Result<Option<scim_client::Filter>, DeskError> {
    filter
        .map(|f| {
            parse(f).map_err(|e| DeskError::InvalidInput(format!("The filter is not valid: {e}.")))
        })
        .transpose()
}

impl Desk {
    /// Resources of the latest snapshot of `name`, filtered with the SCIM filter language and
    /// sorted by an attribute path, all on this computer.
    pub fn offline_resources(
        &self,
        name: &str,
        kind: Kind,
        filter: Option<&str>,
        sort_by: Option<&str>,
    ) -> Result<Vec<Value>, DeskError> {
        let filter = filter_of(filter)?;
        let db = self.db()?;
        let provider = db.provider(name)?;
        let snapshot = db.latest_snapshot(provider.id)?.ok_or_else(|| {
            DeskError::NotFound(format!(
                "There is no copy of \"{}\" on this computer yet. Sync it first \
                 (scim-desk-cli sync \"{}\").",
                provider.name, provider.name
            ))
        })?;
        let case_exact = scim_client::filter::default_case_exact;
        let mut out = Vec::new();
        db.for_each_resource(snapshot.id, kind.as_str(), |v| {
            if filter.as_ref().is_none_or(|f| matches(f, &v, &case_exact)) {
                out.push(v);
            }
            Ok(())
        })?;
        if let Some(attr) = sort_by {
            out.sort_by_cached_key(|v| sort_value(v, attr));
        }
        Ok(out)
    }

    /// The saved capability profile of a provider (detected at its last sync or test).
    pub fn saved_profile(&self, name: &str) -> Result<Option<CapabilityProfile>, DeskError> {
        let db = self.db()?;
        let provider = db.provider(name)?;
        Ok(db
            .provider_profile(provider.id)?
            .and_then(|p| serde_json::from_str(&p).ok()))
    }

    /// Resources read live from the provider.
    pub async fn live_resources(
        &self,
        name: &str,
        kind: Kind,
        filter: Option<&str>,
        sort_by: Option<&str>,
    ) -> Result<Vec<Value>, DeskError> {
        let parsed = filter_of(filter)?;
        let client = self.client(name)?;
        let profile = match self.saved_profile(name)? {
            Some(p) => p,
            None => {
                scim_client::discover(&client, scim_client::Preset::Generic)
                    .await?
                    .profile
            }
        };
        let client = client.with_headers(profile.required_headers.clone());
        let send_filter = parsed.as_ref().is_some_and(|f| profile.accepts_filter(f));
        let query = ListQuery {
            filter: if send_filter {
                filter.map(str::to_string)
            } else {
                None
            },
            sort_by: sort_by.filter(|_| profile.sort).map(str::to_string),
            sort_order: sort_by
                .filter(|_| profile.sort)
                .map(|_| SortOrder::Ascending),
            ..Default::default()
        };
        let endpoint = match kind {
            Kind::User => "Users",
            Kind::Group => "Groups",
        };
        let mut all = Pager::new(&client, endpoint, query, &profile)
            .collect_all()
            .await?;
        if let (Some(f), false) = (&parsed, send_filter) {
            let case_exact = scim_client::filter::default_case_exact;
            all.retain(|v| matches(f, v, &case_exact));
        }
        if let (Some(attr), false) = (sort_by, profile.sort) {
            all.sort_by_cached_key(|v| sort_value(v, attr));
        }
        Ok(all)
    }
}

/// One row of the Users or Groups view, from the cache.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryRow {
    pub id: String,
    #[ts(optional)]
    pub user_name: Option<String>,
    #[ts(optional)]
    pub display_name: Option<String>,
    #[ts(optional)]
    pub email: Option<String>,
    #[ts(optional)]
    pub department: Option<String>,
    #[ts(optional)]
    pub title: Option<String>,
    #[ts(optional)]
    pub active: Option<bool>,
    #[ts(optional)]
    pub external_id: Option<String>,
}

/// A page of the cached directory.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryPage {
    /// Rows matching the search, in all.
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<DirectoryRow>,
    /// When the snapshot was taken; absent when the provider was never synced.
    #[ts(optional)]
    pub snapshot_at: Option<String>,
}

impl Desk {
    /// One page of the latest snapshot of `name`, with an optional full-text search.
    pub fn cached_page(
        &self,
        name: &str,
        kind: Kind,
        search: Option<&str>,
        sort: Option<(&str, bool)>,
        offset: u32,
        limit: u32,
    ) -> Result<DirectoryPage, DeskError> {
        let db = self.db()?;
        let provider = db.provider(name)?;
        let Some(snapshot) = db.latest_snapshot(provider.id)? else {
            return Ok(DirectoryPage {
                total: 0,
                offset,
                rows: Vec::new(),
                snapshot_at: None,
            });
        };
        let (rows, total) = db.resources(
            snapshot.id,
            kind.as_str(),
            search.filter(|s| !s.trim().is_empty()),
            sort,
            u64::from(offset),
            u64::from(limit.min(1000)),
        )?;
        Ok(DirectoryPage {
            total: u32::try_from(total).unwrap_or(u32::MAX),
            offset,
            rows: rows
                .into_iter()
                .map(|r| {
                    let e = r.extracted;
                    DirectoryRow {
                        id: e.id,
                        user_name: e.user_name,
                        display_name: e.display_name,
                        email: e.email,
                        department: e.department,
                        title: e.title,
                        active: e.active,
                        external_id: e.external_id,
                    }
                })
                .collect(),
            snapshot_at: Some(snapshot.finished_at),
        })
    }
}
