//! The migration journal: each run's plan, the state of every operation, and the ID map.

use rusqlite::{params, OptionalExtension};

use crate::{Database, Kind, StoreError};

/// One operation of a run, as journaled.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalOp {
    pub seq: i64,
    pub op: String,
    pub source_id: String,
    pub label: String,
    /// pending, sent, done or failed.
    pub state: String,
    pub target_id: Option<String>,
    pub message: Option<String>,
}

/// One entry of a run's ID map.
#[derive(Debug, Clone, PartialEq)]
pub struct IdMapEntry {
    pub kind: Kind,
    pub source_id: String,
    pub target_id: String,
    pub external_id: Option<String>,
}

/// A run of a migration.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationRun {
    pub id: i64,
    pub source: String,
    pub target: String,
    pub plan: String,
    pub started_at: String,
    pub finished_at: Option<String>,
}

impl Database {
    /// Starts a run: the plan and its operations, all pending, in one transaction.
    pub fn start_migration(
        &self,
        source: &str,
        target: &str,
        plan: &str,
        ops: &[(i64, &str, &str, &str, Option<&str>)],
    ) -> Result<i64, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let now = crate::now_rfc3339();
        tx.execute(
            "INSERT INTO migrations (source, target, plan, started_at) VALUES (?1, ?2, ?3, ?4)",
            params![source, target, plan, now],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut stmt = tx.prepare(
                "INSERT INTO migration_ops (migration_id, seq, op, source_id, label, state,
                                            target_id, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7)",
            )?;
            for (seq, op, source_id, label, target_id) in ops {
                stmt.execute(params![id, seq, op, source_id, label, target_id, now])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// A run by id.
    pub fn migration(&self, id: i64) -> Result<Option<MigrationRun>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, source, target, plan, started_at, finished_at FROM migrations
                  WHERE id = ?1",
                [id],
                |r| {
                    Ok(MigrationRun {
                        id: r.get(0)?,
                        source: r.get(1)?,
                        target: r.get(2)?,
                        plan: r.get(3)?,
                        started_at: r.get(4)?,
                        finished_at: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    /// Every run, newest first: (id, source, target, started, finished, state -> count).
    #[allow(clippy::type_complexity)]
    pub fn migration_runs(
        &self,
    ) -> Result<
        Vec<(
            i64,
            String,
            String,
            String,
            Option<String>,
            Vec<(String, u32)>,
        )>,
        StoreError,
    > {
        let mut stmt = self.conn.prepare(
            "SELECT id, source, target, started_at, finished_at FROM migrations ORDER BY id DESC",
        )?;
        let runs = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<Vec<(i64, String, String, String, Option<String>)>, _>>()?;
        let mut counts = self.conn.prepare(
            "SELECT state, count(*) FROM migration_ops WHERE migration_id = ?1 GROUP BY state",
        )?;
        let mut out = Vec::new();
        for (id, source, target, started, finished) in runs {
            let states = counts
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<(String, u32)>, _>>()?;
            out.push((id, source, target, started, finished, states));
        }
        Ok(out)
    }

    /// The newest run that has not finished.
    pub fn unfinished_migration(&self) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM migrations WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Every operation of a run, in order.
    pub fn migration_ops(&self, id: i64) -> Result<Vec<JournalOp>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, op, source_id, label, state, target_id, message FROM migration_ops
              WHERE migration_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(JournalOp {
                    seq: r.get(0)?,
                    op: r.get(1)?,
                    source_id: r.get(2)?,
                    label: r.get(3)?,
                    state: r.get(4)?,
                    target_id: r.get(5)?,
                    message: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Records an operation's new state (committed at once).
    pub fn mark_op(
        &self,
        id: i64,
        seq: i64,
        state: &str,
        target_id: Option<&str>,
        message: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE migration_ops SET state = ?3, target_id = coalesce(?4, target_id),
                    message = ?5, updated_at = ?6
              WHERE migration_id = ?1 AND seq = ?2",
            )?
            .execute(params![
                id,
                seq,
                state,
                target_id,
                message,
                crate::now_rfc3339()
            ])?;
        Ok(())
    }

    /// Records that `source_id` is `target_id` at the target.
    pub fn map_id(
        &self,
        id: i64,
        kind: Kind,
        source_id: &str,
        target_id: &str,
        external_id: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn.prepare_cached(
            "INSERT INTO migration_ids (migration_id, kind, source_id, target_id, external_id)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (migration_id, kind, source_id) DO UPDATE SET target_id = excluded.target_id",
        )?
        .execute(params![id, kind, source_id, target_id, external_id])?;
        Ok(())
    }

    /// The ID map of a run.
    pub fn id_map(&self, id: i64) -> Result<Vec<IdMapEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT kind, source_id, target_id, external_id FROM migration_ids
              WHERE migration_id = ?1 ORDER BY kind, source_id",
        )?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(IdMapEntry {
                    kind: r.get(0)?,
                    source_id: r.get(1)?,
                    target_id: r.get(2)?,
                    external_id: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Marks a run finished.
    pub fn finish_migration(&self, id: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE migrations SET finished_at = ?2 WHERE id = ?1",
            params![id, crate::now_rfc3339()],
        )?;
        Ok(())
    }
}
