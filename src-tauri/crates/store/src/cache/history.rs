//! What changed: between two snapshots, and one record across them.

use rusqlite::{params, OptionalExtension};
use serde_json::Value;

use super::packed::RecordJson;
use super::snapshots::SnapshotInfo;
use crate::{Database, Kind, StoreError};

/// How a resource differs between two snapshots.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotChange {
    pub kind: Kind,
    pub id: String,
    /// The resource in the older snapshot (None when added).
    pub before: Option<Value>,
    /// The resource in the newer snapshot (None when removed).
    pub after: Option<Value>,
}

impl Database {
    /// Resources added, removed or changed from snapshot `from` to snapshot `to`.
    pub fn diff_snapshots(&self, from: i64, to: i64) -> Result<Vec<SnapshotChange>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT a.kind, a.id, ra.raw, rb.raw FROM resources a
               JOIN resource_records ra ON ra.rowid = a.rowid
               LEFT JOIN resources b ON b.snapshot_id = ?2 AND b.kind = a.kind AND b.id = a.id
               LEFT JOIN resource_records rb ON rb.rowid = b.rowid
              WHERE a.snapshot_id = ?1 AND (rb.raw IS NULL OR rb.raw <> ra.raw)
             UNION ALL
             SELECT b.kind, b.id, NULL, rb.raw FROM resources b
               JOIN resource_records rb ON rb.rowid = b.rowid
              WHERE b.snapshot_id = ?2 AND NOT EXISTS
                (SELECT 1 FROM resources a WHERE a.snapshot_id = ?1 AND a.kind = b.kind AND a.id = b.id)
             ORDER BY 1, 2",
        )?;
        let parse = |s: Option<RecordJson>| s.and_then(|s| serde_json::from_str(&s.0).ok());
        let rows = stmt
            .query_map(params![from, to], |r| {
                Ok((
                    r.get::<_, Kind>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<RecordJson>>(2)?,
                    r.get::<_, Option<RecordJson>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        // Packed bytes can differ for the same record (packed at another zstd level by another
        // version): a change is a record that differs once read.
        Ok(rows
            .into_iter()
            .map(|(kind, id, a, b)| SnapshotChange {
                kind,
                id,
                before: parse(a),
                after: parse(b),
            })
            .filter(|c| c.before.is_none() || c.after.is_none() || c.before != c.after)
            .collect())
    }

    /// One resource across the snapshots of a provider, oldest first: (snapshot, JSON or None).
    pub fn resource_history(
        &self,
        provider_id: i64,
        kind: Kind,
        id: &str,
    ) -> Result<Vec<(SnapshotInfo, Option<Value>)>, StoreError> {
        let mut out = Vec::new();
        let mut snaps = self.snapshots(provider_id)?;
        snaps.reverse();
        for s in snaps {
            let raw: Option<RecordJson> = self
                .conn
                .query_row(
                    "SELECT d.raw FROM resources r JOIN resource_records d ON d.rowid = r.rowid
                      WHERE r.snapshot_id = ?1 AND r.kind = ?2 AND r.id = ?3",
                    params![s.id, kind, id],
                    |r| r.get(0),
                )
                .optional()?;
            out.push((s, raw.and_then(|r| serde_json::from_str(&r.0).ok())));
        }
        Ok(out)
    }
}
