//! Reading a directory: offline from the latest snapshot, or live from the provider (the filter
//! is sent when the provider supports it and applied on this computer otherwise).

use scim_client::filter::{matches, parse};
use scim_client::{CapabilityProfile, ListQuery, Pager, SortOrder};
use serde_json::Value;

use crate::vocabulary::Kind;
use crate::{Desk, DeskError};

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

/// Lists from this many records on have their in-memory index built in the background when
/// their first rows are read (below, building it on the first query that needs it is quick).
const LARGE_LIST: i64 = 20_000;

/// The cache column (and direction) a read sorts by, if any.
fn sort_key(read: &CacheRead<'_>) -> Option<(String, bool)> {
    read.sort.and_then(|(attr, desc)| {
        let col = if desk_store::cache::is_sort_key(attr) {
            Some(attr)
        } else {
            sort_column(attr)
        };
        col.map(|c| (c.to_string(), desc))
    })
}

fn filter_of(filter: Option<&str>) -> Result<Option<scim_client::Filter>, DeskError> {
    filter
        .map(|f| {
            parse(f).map_err(|e| DeskError::InvalidInput(format!("The filter is not valid: {e}.")))
        })
        .transpose()
}

/// The sort key an attribute path sorts on, for the paths that have one (from the column
/// table): the attribute itself (`name.familyName`, `urn:…:department`), its name alone
/// (`department`) or a multi-valued attribute standing for its value (`emails`).
pub fn sort_column(attr: &str) -> Option<&'static str> {
    desk_store::cache::COLUMNS
        .iter()
        .find(|c| {
            let a = c.attribute.to_ascii_lowercase();
            let attr = attr.to_ascii_lowercase();
            a == attr || a.ends_with(&format!(":{attr}")) || a == format!("{attr}.value")
        })
        .and_then(desk_store::Column::sort_key)
}

/// What to read from a cached snapshot.
#[derive(Debug, Clone, Default)]
pub struct CacheRead<'a> {
    pub search: Option<&'a str>,
    pub filter: Option<&'a str>,
    /// An attribute path (`name.familyName`) or a cache column (`family_name`), and descending.
    pub sort: Option<(&'a str, bool)>,
    pub offset: u64,
    /// 0: everything.
    pub limit: u64,
}

/// Reads one window of a snapshot: filters that translate to SQL run in SQLite (indexes, no
/// JSON parsing in Rust); the rest are evaluated here over the rows the search leaves.
pub(crate) fn read_cache(
    db: &desk_store::Database,
    snapshot_id: i64,
    kind: Kind,
    read: &CacheRead<'_>,
) -> Result<(Vec<desk_store::ResourceRow>, u64), DeskError> {
    let filter = filter_of(read.filter)?;
    let column = read.sort.and_then(|(attr, desc)| {
        let col = if desk_store::cache::is_sort_key(attr) {
            Some(attr)
        } else {
            sort_column(attr)
        };
        col.map(|c| (c, desc))
    });
    let limit = if read.limit == 0 {
        i64::MAX as u64
    } else {
        read.limit
    };
    let mut q = desk_store::ResourceQuery {
        snapshot_id,
        kind,
        search: read.search.filter(|s| !s.trim().is_empty()),
        filter: filter.as_ref(),
        sort: column,
        offset: read.offset,
        limit,
    };
    let in_memory_sort = read.sort.is_some() && column.is_none();
    let in_sql = filter.as_ref().is_none_or(desk_store::query::translates);
    if in_sql && !in_memory_sort {
        return Ok(db.resources(&q)?);
    }
    // The evaluator's path: every row the search leaves, filtered and sorted here.
    q.filter = None;
    q.offset = 0;
    q.limit = i64::MAX as u64;
    let (mut rows, _) = db.resources(&q)?;
    if let Some(f) = &filter {
        let case_exact = scim_client::filter::default_case_exact;
        rows.retain(|r| matches(f, &r.raw, &case_exact));
    }
    if let (Some((attr, desc)), true) = (read.sort, in_memory_sort) {
        rows.sort_by_cached_key(|r| sort_value(&r.raw, attr));
        if desc {
            rows.reverse();
        }
    }
    let total = rows.len() as u64;
    let rows = rows
        .into_iter()
        .skip(usize::try_from(read.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    Ok((rows, total))
}

/// The latest snapshot of provider `name`, or a plain-words error when it was never synced.
pub(crate) fn latest_snapshot(
    db: &desk_store::Database,
    name: &str,
) -> Result<desk_store::SnapshotInfo, DeskError> {
    let provider = db.provider(name)?;
    db.latest_snapshot(provider.id)?.ok_or_else(|| {
        DeskError::NotFound(format!(
            "There is no copy of \"{}\" on this computer yet. Sync it first \
             (\"Sync now\", or scim-desk-cli sync \"{}\").",
            provider.name, provider.name
        ))
    })
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
        let db = self.db()?;
        let snapshot = latest_snapshot(&db, name)?;
        let (rows, _) = read_cache(
            &db,
            snapshot.id,
            kind,
            &CacheRead {
                filter,
                sort: sort_by.map(|s| (s, false)),
                ..Default::default()
            },
        )?;
        Ok(rows.into_iter().map(|r| r.raw).collect())
    }

    /// The saved capability profile of a provider (detected at its last sync or test).
    pub fn saved_profile(&self, name: &str) -> Result<Option<CapabilityProfile>, DeskError> {
        let detected: Option<CapabilityProfile> = {
            let db = self.db()?;
            let provider = db.provider(name)?;
            db.provider_profile(provider.id)?
                .and_then(|p| serde_json::from_str(&p).ok())
        };
        detected.map(|p| self.with_overrides(name, p)).transpose()
    }

    /// A client for `name` carrying the headers its profile requires, and that profile (the
    /// saved one, or discovered now when there is none yet).
    pub async fn client_with_profile(
        &self,
        name: &str,
    ) -> Result<(scim_client::ScimClient, CapabilityProfile), DeskError> {
        let client = self.client(name)?;
        let profile = match self.saved_profile(name)? {
            Some(p) => p,
            None => {
                scim_client::discover(&client, scim_client::Preset::Generic)
                    .await?
                    .profile
            }
        };
        Ok((
            client.with_headers(profile.required_headers.clone()),
            profile,
        ))
    }

    /// Resources read live from the provider. The filter is sent as far as the provider takes
    /// it (conditions on attributes it refuses, or text it compares with the wrong case, are
    /// checked here); a filter refused as a whole teaches which of its attributes the provider
    /// refuses, and the rest is sent again.
    pub async fn live_resources(
        &self,
        name: &str,
        kind: Kind,
        filter: Option<&str>,
        sort_by: Option<&str>,
    ) -> Result<Vec<Value>, DeskError> {
        let parsed = filter_of(filter)?;
        let (client, mut profile) = self.client_with_profile(name).await?;
        let endpoint = match kind {
            Kind::User => "Users",
            Kind::Group => "Groups",
        };
        let mut all = loop {
            let sent = parsed.as_ref().and_then(|f| profile.sendable_part(f));
            let query = ListQuery {
                filter: sent.as_ref().map(ToString::to_string),
                sort_by: sort_by.filter(|_| profile.sort).map(str::to_string),
                sort_order: sort_by
                    .filter(|_| profile.sort)
                    .map(|_| SortOrder::Ascending),
                ..Default::default()
            };
            let sent_sort = query.sort_by.is_some();
            let read = Pager::new(&client, endpoint, query, &profile)
                .collect_all()
                .await;
            match (read, &sent) {
                (Ok(all), _) => break all,
                // Sorting refused as unsupported although advertised: learned; sorted here.
                (Err(e), _) if sent_sort && e.refuses_as_unsupported() => {
                    self.learn(
                        name,
                        crate::providers::learned::Learned::SortUnsupported,
                        &crate::providers::learned::evidence(
                            &e,
                            "GET",
                            &format!("/{endpoint}?sortBy=…"),
                        ),
                    )?;
                    profile.sort = false;
                }
                // The filter refused: learn which attributes, then send what is left.
                (Err(e), Some(sent)) if e.status() == Some(400) || e.refuses_as_unsupported() => {
                    let refused = self
                        .refused_filter_attributes(&client, &profile, endpoint, sent)
                        .await;
                    if refused.is_empty() {
                        // Nothing narrower to learn: this list is filtered here.
                        profile.filter.supported = false;
                    }
                    for attr in refused {
                        let evidence = crate::providers::learned::evidence(
                            &e,
                            "GET",
                            &format!("/{endpoint}?filter={attr} …"),
                        );
                        let fact = crate::providers::learned::Learned::FilterRefusedOn(attr);
                        self.learn(name, fact.clone(), &evidence)?;
                        fact.apply(&mut profile);
                    }
                }
                (Err(e), _) => return Err(e.into()),
            }
        };
        if let Some(f) = &parsed {
            let sent = profile.sendable_part(f);
            if sent.as_ref() != Some(f) {
                let case_exact = scim_client::filter::default_case_exact;
                all.retain(|v| matches(f, v, &case_exact));
            }
        }
        if let (Some(attr), false) = (sort_by, profile.sort) {
            all.sort_by_cached_key(|v| sort_value(v, attr));
        }
        Ok(all)
    }

    /// The attributes of `refused` (a filter the provider refused) that it refuses on their
    /// own: each condition of the `and` is tried alone (one record asked for).
    async fn refused_filter_attributes(
        &self,
        client: &scim_client::ScimClient,
        profile: &scim_client::CapabilityProfile,
        endpoint: &str,
        refused: &scim_client::Filter,
    ) -> Vec<String> {
        let mut conditions = Vec::new();
        conjuncts(refused, &mut conditions);
        let mut out: Vec<String> = Vec::new();
        for c in conditions {
            let mut attrs: Vec<String> = c.paths().iter().map(|p| p.dotted()).collect();
            attrs.sort();
            attrs.dedup();
            let [attr] = attrs.as_slice() else {
                continue;
            };
            if out.contains(attr) {
                continue;
            }
            let q = ListQuery {
                filter: Some(c.to_string()),
                count: Some(1),
                ..Default::default()
            };
            let page = if profile.paging.cursor {
                scim_client::PageRequest::Cursor(None)
            } else {
                scim_client::PageRequest::Index(if profile.paging.zero_based_index {
                    0
                } else {
                    1
                })
            };
            if let Err(e) = client.list(endpoint, &q, &page).await {
                if e.status() == Some(400) || e.refuses_as_unsupported() {
                    out.push(attr.clone());
                }
            }
        }
        out
    }
}

/// The conditions of a chain of `and`s.
fn conjuncts<'f>(f: &'f scim_client::Filter, out: &mut Vec<&'f scim_client::Filter>) {
    match f {
        scim_client::Filter::And(a, b) => {
            conjuncts(a, out);
            conjuncts(b, out);
        }
        other => out.push(other),
    }
}

/// The rows of a view from the cache rows: managers by name, groups with their member counts.
pub(crate) fn directory_rows(
    db: &desk_store::Database,
    snapshot_id: i64,
    kind: Kind,
    rows: Vec<desk_store::ResourceRow>,
) -> Result<Vec<DirectoryRow>, DeskError> {
    let managers: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.extracted.manager_id.as_deref())
        .collect();
    let managers = db.labels(snapshot_id, Kind::User, &managers)?;
    let groups: Vec<&str> = match kind {
        Kind::Group => rows.iter().map(|r| r.extracted.id.as_str()).collect(),
        Kind::User => Vec::new(),
    };
    let counts = db.member_counts(snapshot_id, &groups)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let description = r
                .raw
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string);
            let e = r.extracted;
            DirectoryRow {
                manager: e.manager_id.map(|m| managers.get(&m).cloned().unwrap_or(m)),
                member_count: counts.get(&e.id).copied(),
                description,
                id: e.id,
                user_name: e.user_name,
                display_name: e.display_name,
                email: e.email,
                department: e.department,
                title: e.title,
                active: e.active,
                external_id: e.external_id,
                phone: e.phone,
                employee_number: e.employee_number,
                cost_center: e.cost_center,
                location: e.locality,
                last_modified: e.last_modified,
            }
        })
        .collect())
}

/// One row of the Users or Groups view, from the cache.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryRow {
    pub id: String,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The primary (or first) phone number.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<String>,
    /// The city of the primary (or first) address.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The manager's name (their id when they are not in the copy).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// Groups: how many members the copy holds.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_count: Option<u32>,
    /// Groups: the description, where the provider keeps one.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// What the Users or Groups view asks of the cache.
#[derive(Debug, Clone, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryQuery {
    pub provider: String,
    /// `User` or `Group`.
    pub kind: Kind,
    /// Full-text quick search.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// A SCIM filter (`title co "lead" and active eq true`).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// A column (`family_name`) or an attribute path (`name.familyName`).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    pub descending: bool,
    pub offset: u32,
    pub limit: u32,
}

impl DirectoryQuery {
    /// The cache read this query asks for.
    pub fn cache_read(&self) -> CacheRead<'_> {
        CacheRead {
            search: self.search.as_deref(),
            filter: self.filter.as_deref().filter(|f| !f.trim().is_empty()),
            sort: self.sort.as_deref().map(|s| (s, self.descending)),
            offset: u64::from(self.offset),
            limit: u64::from(self.limit),
        }
    }
}

impl Desk {
    /// [`Desk::cached_page`] for a view's query.
    pub fn directory_page(&self, q: &DirectoryQuery) -> Result<DirectoryPage, DeskError> {
        self.cached_page(&q.provider, q.kind, &q.cache_read())
    }
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_at: Option<String>,
    /// Whether the copy is complete; absent when the provider was never synced.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completeness: Option<crate::read::completeness::Completeness>,
}

impl Desk {
    /// One page of the latest snapshot of `name`, with an optional full-text search and SCIM
    /// filter.
    pub fn cached_page(
        &self,
        name: &str,
        kind: Kind,
        read: &CacheRead<'_>,
    ) -> Result<DirectoryPage, DeskError> {
        let db = self.db()?;
        let provider = db.provider(name)?;
        let offset = u32::try_from(read.offset).unwrap_or(u32::MAX);
        let Some(snapshot) = db.latest_snapshot(provider.id)? else {
            return Ok(DirectoryPage {
                total: 0,
                offset,
                rows: Vec::new(),
                snapshot_at: None,
                completeness: None,
            });
        };
        let read = CacheRead {
            limit: read.limit.clamp(1, 1000),
            ..read.clone()
        };
        let (rows, total) = read_cache(&db, snapshot.id, kind, &read)?;
        let rows = directory_rows(&db, snapshot.id, kind, rows)?;
        // The first rows of a large list, or a filter SQLite answered (a user name): its order
        // and columns are built meanwhile, so a jump far down or the next filter finds them
        // ready.
        let size = match kind {
            Kind::User => snapshot.users,
            Kind::Group => snapshot.groups,
        };
        let unfiltered = read.search.is_none_or(|s| s.trim().is_empty()) && read.filter.is_none();
        if (!unfiltered || read.offset < 10_000) && size >= LARGE_LIST {
            if let (Ok(file), Some(sort)) = (self.database_file(), sort_key(&read)) {
                db.build_index_in_background(file, snapshot.id, kind, Some(sort))?;
            }
        }
        Ok(DirectoryPage {
            total: u32::try_from(total).unwrap_or(u32::MAX),
            offset,
            rows,
            completeness: Some(crate::read::completeness::Completeness::of_snapshot(
                &snapshot,
            )),
            snapshot_at: Some(snapshot.finished_at),
        })
    }
}
