//! The snapshots of a provider: listing, the latest, pruning, what discovery found.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use crate::{Database, StoreError};

/// A committed snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotInfo {
    pub id: i64,
    pub provider_id: i64,
    pub kind: String,
    pub started_at: String,
    pub finished_at: String,
    pub users: i64,
    pub groups: i64,
    pub memberships: i64,
    /// True only when every read reached what the provider announced.
    pub complete: bool,
    /// How each read ended (a JSON list written by the engine's sync; `[]` when not recorded).
    pub reads: Value,
}

pub(crate) fn snapshot_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<SnapshotInfo> {
    Ok(SnapshotInfo {
        id: r.get(0)?,
        provider_id: r.get(1)?,
        kind: r.get(2)?,
        started_at: r.get(3)?,
        finished_at: r.get(4)?,
        users: r.get(5)?,
        groups: r.get(6)?,
        memberships: r.get(7)?,
        complete: r.get(8)?,
        reads: serde_json::from_str(&r.get::<_, String>(9)?).unwrap_or(Value::Null),
    })
}

pub(crate) const SNAPSHOT_COLUMNS: &str =
    "id, provider_id, kind, started_at, finished_at, users, groups, memberships, complete, reads";

impl Database {
    /// Consumes the database handle, returning its connection.
    pub fn into_connection(self) -> Connection {
        self.conn
    }

    /// The newest `meta.lastModified` the sync that made a snapshot read from the provider
    /// (its clock, as it wrote it); `None` for copies made before it was kept, or of providers
    /// that send none.
    pub fn snapshot_read_mark(&self, snapshot_id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT read_mark FROM snapshots WHERE id = ?1",
                [snapshot_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// The snapshots of a provider, newest first.
    pub fn snapshots(&self, provider_id: i64) -> Result<Vec<SnapshotInfo>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE provider_id = ?1 ORDER BY id DESC"
        ))?;
        let rows = stmt
            .query_map([provider_id], snapshot_of)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// One snapshot by id, if it is still kept.
    pub fn snapshot(&self, snapshot_id: i64) -> Result<Option<SnapshotInfo>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE id = ?1"),
                [snapshot_id],
                snapshot_of,
            )
            .optional()?)
    }

    /// The newest snapshot of a provider.
    pub fn latest_snapshot(&self, provider_id: i64) -> Result<Option<SnapshotInfo>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE provider_id = ?1
                     ORDER BY id DESC LIMIT 1"
            ))?
            .query_row([provider_id], snapshot_of)
            .optional()?)
    }

    /// Keeps the newest `keep` snapshots of a provider and deletes the rest. Returns how many
    /// were deleted.
    pub fn prune_snapshots(&self, provider_id: i64, keep: usize) -> Result<usize, StoreError> {
        let n = self.conn.execute(
            "DELETE FROM snapshots WHERE provider_id = ?1 AND id NOT IN
               (SELECT id FROM snapshots WHERE provider_id = ?1 ORDER BY id DESC LIMIT ?2)",
            params![provider_id, keep as i64],
        )?;
        Ok(n)
    }

    /// The discovery documents stored with a snapshot (ServiceProviderConfig, ResourceTypes,
    /// Schemas, notes).
    pub fn snapshot_discovery(&self, snapshot_id: i64) -> Result<Value, StoreError> {
        let raw: Option<String> = self
            .conn
            .query_row(
                "SELECT discovery FROM snapshots WHERE id = ?1",
                [snapshot_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(raw
            .and_then(|r| serde_json::from_str(&r).ok())
            .unwrap_or(Value::Null))
    }
}
