//! What was run: the list of migration runs and one run's report (operations with their
//! state, the ID map), from the journal.

use super::run::FailedOp;
use crate::migrate::Operation;
use crate::vocabulary::Kind;
use crate::{Desk, DeskError};
use serde::Serialize;
use ts_rs::TS;

/// One run, for the window's list of runs.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MigrationRunSummary {
    #[ts(type = "number")]
    pub id: i64,
    pub source: String,
    pub target: String,
    pub started_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub finished_at: Option<String>,
    pub total: u32,
    pub done: u32,
    /// Operations that failed (tried again on resume).
    pub failed: Vec<FailedOp>,
    /// Operations not run yet or in doubt.
    pub waiting: u32,
}

/// A run as `migrate report` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationReport {
    pub id: i64,
    pub source: String,
    pub target: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// How many operations are pending, sent, done, failed.
    pub states: std::collections::BTreeMap<String, u32>,
    pub failed: Vec<FailedOp>,
    pub id_map: Vec<IdEntry>,
}

/// One record of the ID map.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdEntry {
    pub kind: Kind,
    pub source_id: String,
    pub target_id: String,
    pub external_id: Option<String>,
}

/// A failed operation as the journal recorded it.
pub(super) fn failed_op(o: desk_store::journal::JournalOp) -> Result<FailedOp, DeskError> {
    Ok(FailedOp {
        op: Operation::parse(&o.op).ok_or_else(|| {
            DeskError::Internal(format!("the journal names an unknown operation {:?}", o.op))
        })?,
        seq: o.seq,
        label: o.label,
        message: o.message.unwrap_or_default(),
        source_id: o.source_id,
    })
}

impl Desk {
    /// Every run, newest first, with how far it got and what failed.
    pub fn migration_runs(&self) -> Result<Vec<MigrationRunSummary>, DeskError> {
        let db = self.db()?;
        let mut out = Vec::new();
        for (id, source, target, started_at, finished_at, states) in db.migration_runs()? {
            let count = |s: &str| {
                states
                    .iter()
                    .filter(|(k, _)| k == s)
                    .map(|(_, n)| *n)
                    .sum::<u32>()
            };
            let failed = if count("failed") > 0 {
                db.migration_ops(id)?
                    .into_iter()
                    .filter(|o| o.state == "failed")
                    .map(failed_op)
                    .collect::<Result<_, _>>()?
            } else {
                Vec::new()
            };
            out.push(MigrationRunSummary {
                id,
                source,
                target,
                started_at,
                finished_at,
                total: states.iter().map(|(_, n)| *n).sum(),
                done: count("done"),
                failed,
                waiting: count("pending") + count("sent"),
            });
        }
        Ok(out)
    }

    /// The journal of a run (the newest when `id` is `None`).
    pub fn migration_report(&self, id: Option<i64>) -> Result<MigrationReport, DeskError> {
        let db = self.db()?;
        let id = match id {
            Some(i) => i,
            None => db
                .conn()
                .query_row("SELECT max(id) FROM migrations", [], |r| {
                    r.get::<_, Option<i64>>(0)
                })
                .map_err(desk_store::StoreError::from)?
                .ok_or_else(|| DeskError::NotFound("No migration has been run yet.".into()))?,
        };
        let run = db
            .migration(id)?
            .ok_or_else(|| DeskError::NotFound(format!("There is no migration {id}.")))?;
        let ops = db.migration_ops(id)?;
        let mut states = std::collections::BTreeMap::new();
        for o in &ops {
            *states.entry(o.state.clone()).or_insert(0) += 1;
        }
        Ok(MigrationReport {
            id,
            source: run.source,
            target: run.target,
            started_at: run.started_at,
            finished_at: run.finished_at,
            states,
            failed: ops
                .iter()
                .filter(|o| o.state == "failed")
                .cloned()
                .map(failed_op)
                .collect::<Result<_, _>>()?,
            id_map: db
                .id_map(id)?
                .into_iter()
                .map(|e| IdEntry {
                    kind: e.kind,
                    source_id: e.source_id,
                    target_id: e.target_id,
                    external_id: e.external_id,
                })
                .collect(),
        })
    }
}
