//! Sync: a full pull of a provider's users, groups and memberships into a new snapshot.
//!
//! Streaming page by page into one SQLite transaction: memory holds the pages in flight (and
//! the user ids, for providers that hide group members), never the directory. A failed,
//! cancelled or killed sync rolls back and the previous snapshot stays the latest.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use desk_store::SnapshotWriter;
use scim_client::{discover, ListQuery, MembersRead, PageRequest, Pager, Preset};
use serde::Serialize;
use serde_json::{json, Value};
use ts_rs::TS;

use crate::{Desk, DeskError};

/// How many snapshots of each provider are kept by default.
pub const KEEP_SNAPSHOTS: usize = 5;

/// Progress of a running sync.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    pub provider: String,
    /// "Reading users", "Reading groups", "Reading memberships", "Saving".
    pub stage: String,
    pub pages: u32,
    pub resources: u32,
    /// Resources to read in this stage, when the provider said.
    #[ts(optional)]
    pub total: Option<u32>,
    /// Resources per second so far.
    pub rate: f64,
    /// Seconds left in this stage, estimated.
    #[ts(optional)]
    pub eta_seconds: Option<u32>,
}

/// What a finished sync stored.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    pub provider: String,
    pub snapshot_id: i32,
    pub users: u32,
    pub groups: u32,
    pub memberships: u32,
    pub seconds: f64,
    /// What discovery noticed about the provider, in plain words.
    pub notes: Vec<String>,
}

/// Cancels a running sync from another task or thread.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }
    /// Asks the sync to stop at the next page.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// True once cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

fn u32_of(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

struct Meter<'a> {
    provider: &'a str,
    started: Instant,
    progress: &'a (dyn Fn(SyncProgress) + Send + Sync),
}

impl Meter<'_> {
    fn report(&self, stage: &str, pages: u64, resources: u64, total: Option<u64>) {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = resources as f64 / secs;
        let eta = total.and_then(|t| {
            (rate > 0.0)
                .then(|| u32_of(((t.saturating_sub(resources)) as f64 / rate).ceil() as u64))
        });
        (self.progress)(SyncProgress {
            provider: self.provider.to_string(),
            stage: stage.to_string(),
            pages: u32_of(pages),
            resources: u32_of(resources),
            total: total.map(u32_of),
            rate,
            eta_seconds: eta,
        });
    }
}

impl Desk {
    /// Pulls everything from provider `name` into a new snapshot.
    pub async fn sync(
        &self,
        name: &str,
        cancel: &CancelFlag,
        progress: &(dyn Fn(SyncProgress) + Send + Sync),
    ) -> Result<SyncReport, DeskError> {
        let started = Instant::now();
        let row = self.db()?.provider(name)?;
        let client = self.client(name)?;
        let meter = Meter {
            provider: &row.name,
            started,
            progress,
        };
        meter.report("Reading the provider's configuration", 0, 0, None);
        let preset: Preset = self
            .db()?
            .provider_preset(row.id)?
            .and_then(|p| serde_json::from_value(Value::String(p)).ok())
            .unwrap_or(Preset::Generic);
        let discovery = discover(&client, preset).await?;
        let profile = discovery.profile.clone();
        let preset_name = serde_json::to_value(preset)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "generic".into());
        self.db()?.save_provider_profile(
            row.id,
            &preset_name,
            &serde_json::to_string(&profile).unwrap_or_default(),
            &serde_json::to_string(&discovery.notes).unwrap_or_default(),
        )?;
        let client = client.with_headers(profile.required_headers.clone());
        let db_path = self.paths().database();
        let mut writer = SnapshotWriter::begin(&db_path, row.id, "full")?;

        let check = |c: &CancelFlag| {
            if c.is_cancelled() {
                Err(DeskError::Cancelled)
            } else {
                Ok(())
            }
        };
        // Users.
        let mut user_ids: Vec<String> = Vec::new();
        let mut pager = Pager::new(
            &client,
            &discovery.endpoint("User"),
            ListQuery::default(),
            &profile,
        );
        while let Some(page) = pager.next_page().await? {
            check(cancel)?;
            if profile.members_read == MembersRead::FilterPerUser {
                user_ids.extend(
                    page.iter()
                        .filter_map(|u| u.get("id").and_then(Value::as_str).map(str::to_string)),
                );
            }
            writer.add_users(&page)?;
            meter.report(
                "Reading users",
                pager.pages(),
                pager.received(),
                pager.total(),
            );
        }
        let users = pager.received();
        // Groups.
        let group_meter = Meter {
            started: Instant::now(),
            ..meter
        };
        let mut pager = Pager::new(
            &client,
            &discovery.endpoint("Group"),
            ListQuery::default(),
            &profile,
        );
        while let Some(page) = pager.next_page().await? {
            check(cancel)?;
            writer.add_groups(&page)?;
            group_meter.report(
                "Reading groups",
                pager.pages(),
                pager.received(),
                pager.total(),
            );
        }
        let groups = pager.received();
        // Memberships hidden from group reads: one `members.value eq` query per user.
        if profile.members_read == MembersRead::FilterPerUser {
            let m = Meter {
                started: Instant::now(),
                ..group_meter
            };
            let endpoint = discovery.endpoint("Group");
            for (i, uid) in user_ids.iter().enumerate() {
                check(cancel)?;
                let q = ListQuery {
                    filter: Some(
                        scim_client::AttrPath::new("members")
                            .with_sub("value")
                            .eq(uid.as_str())
                            .to_string(),
                    ),
                    attributes: if profile.attributes_param {
                        vec!["id".into()]
                    } else {
                        Vec::new()
                    },
                    ..Default::default()
                };
                let first = if profile.paging.index {
                    PageRequest::Index(1)
                } else {
                    PageRequest::Cursor(None)
                };
                let page = client.list(&endpoint, &q, &first).await?;
                for g in &page.resources {
                    if let Some(gid) = g.get("id").and_then(Value::as_str) {
                        writer.add_membership(gid, uid, Some("User"))?;
                    }
                }
                m.report(
                    "Reading memberships",
                    i as u64 + 1,
                    i as u64 + 1,
                    Some(user_ids.len() as u64),
                );
            }
        }
        check(cancel)?;
        meter.report("Saving", 0, users + groups, None);
        let discovery_doc = json!({
            "serviceProviderConfig": discovery.service_provider_config,
            "notes": discovery.notes,
        });
        let info = writer.finish(true, &discovery_doc)?;
        self.db()?.prune_snapshots(row.id, KEEP_SNAPSHOTS)?;
        Ok(SyncReport {
            provider: row.name,
            snapshot_id: i32::try_from(info.id).unwrap_or(i32::MAX),
            users: u32_of(users),
            groups: u32_of(groups),
            memberships: u32_of(info.memberships.max(0) as u64),
            seconds: started.elapsed().as_secs_f64(),
            notes: discovery.notes,
        })
    }
}
