//! The dashboard of a provider, from the cache: active and inactive users, users by department,
//! the largest groups, the directory's size over the kept snapshots and the edits made here.

use serde::Serialize;
use ts_rs::TS;

use crate::{Desk, DeskError};

/// One bar or slice.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Count {
    pub label: String,
    pub count: u32,
}

/// One kept snapshot, for the "over time" chart.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotPoint {
    pub id: i32,
    pub taken_at: String,
    pub users: u32,
    pub groups: u32,
    pub memberships: u32,
}

/// Everything the Overview tab draws.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub provider: String,
    /// When the latest snapshot was taken; absent before the first sync.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_at: Option<String>,
    pub users: u32,
    pub active: u32,
    pub inactive: u32,
    pub groups: u32,
    /// Users per department, largest first ("(none)" for users without one).
    pub by_department: Vec<Count>,
    /// The largest groups by members.
    pub largest_groups: Vec<Count>,
    /// The kept snapshots, oldest first.
    pub snapshots: Vec<SnapshotPoint>,
    /// Writes made through SCIM Desk per day, oldest first.
    pub edits_by_day: Vec<Count>,
}

fn u32_of(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

fn counts(rows: Vec<(String, i64)>) -> Vec<Count> {
    rows.into_iter()
        .map(|(label, n)| Count {
            label,
            count: u32_of(n),
        })
        .collect()
}

impl Desk {
    /// The dashboard of `provider` from its latest snapshot.
    pub fn overview(&self, provider: &str) -> Result<Overview, DeskError> {
        let db = self.db()?;
        let row = db.provider(provider)?;
        let mut snapshots: Vec<SnapshotPoint> = db
            .snapshots(row.id)?
            .into_iter()
            .map(|s| SnapshotPoint {
                id: i32::try_from(s.id).unwrap_or(i32::MAX),
                taken_at: s.finished_at,
                users: u32_of(s.users),
                groups: u32_of(s.groups),
                memberships: u32_of(s.memberships),
            })
            .collect();
        snapshots.reverse();
        let edits_by_day = counts(db.audit_per_day(&row.name)?);
        let Some(latest) = db.latest_snapshot(row.id)? else {
            return Ok(Overview {
                provider: row.name,
                snapshot_at: None,
                users: 0,
                active: 0,
                inactive: 0,
                groups: 0,
                by_department: Vec::new(),
                largest_groups: Vec::new(),
                snapshots,
                edits_by_day,
            });
        };
        let stats = db.user_stats(latest.id)?;
        Ok(Overview {
            provider: row.name,
            snapshot_at: Some(latest.finished_at),
            users: u32_of(stats.users),
            active: u32_of(stats.active),
            inactive: u32_of(stats.inactive),
            groups: u32_of(latest.groups),
            by_department: counts(db.users_by_department(latest.id)?),
            largest_groups: counts(db.largest_groups(latest.id, 12)?),
            snapshots,
            edits_by_day,
        })
    }
}
