//! Running a migration plan with a journal in SQLite (issue 6, second part). Each operation is
//! marked `sent` before its request goes out and `done` or `failed` after; after a crash or a
//! kill, resuming settles the operations in doubt by reading the target (a create that did
//! reach the target is found by its externalId and not sent again), then goes on.

use std::collections::HashMap;
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use super::runner::{failure_text, Runner, BULK_BATCH};
use crate::migrate::{MigrationPlan, Operation, PlanOperation};
use crate::vocabulary::CancelFlag;
use crate::vocabulary::Kind;
use crate::{Desk, DeskError};

/// An operation that failed, with the provider's reason in plain words.
#[derive(Debug, Clone, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FailedOp {
    #[ts(type = "number")]
    pub seq: i64,
    pub op: Operation,
    pub label: String,
    pub message: String,
    /// The source record's id (to fix a value for this record alone).
    pub source_id: String,
}

/// The outcome of running (or resuming) a migration.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    #[ts(type = "number")]
    pub migration_id: i64,
    pub done: u32,
    pub failed: Vec<FailedOp>,
    /// Operations found already done at the target when settling after a crash.
    pub settled: u32,
    pub seconds: f64,
}

/// Progress of a run: operations finished (done or failed) of all, and the time left at the
/// pace of this run so far.
#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunProgress {
    pub finished: u32,
    pub total: u32,
    pub elapsed_seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub eta_seconds: Option<f64>,
}

/// Counts progress and estimates the time left from the operations run in this session.
pub(crate) struct Pace {
    started: Instant,
    finished: u32,
    total: u32,
    /// Operations already finished when this session started (not timed here).
    at_start: u32,
}

impl Pace {
    /// A pace for `total` operations, none finished yet.
    pub(crate) fn new(total: u32) -> Self {
        Pace {
            started: Instant::now(),
            finished: 0,
            total,
            at_start: 0,
        }
    }

    pub(crate) fn tick(&mut self, n: u32) -> RunProgress {
        self.finished += n;
        let elapsed = self.started.elapsed().as_secs_f64();
        let here = self.finished.saturating_sub(self.at_start);
        let left = self.total.saturating_sub(self.finished);
        RunProgress {
            finished: self.finished,
            total: self.total,
            elapsed_seconds: elapsed,
            eta_seconds: (here >= 5 && elapsed > 0.0)
                .then(|| elapsed / f64::from(here) * f64::from(left)),
        }
    }
}

impl Desk {
    /// Runs a reviewed plan against its target, journaling every operation.
    pub async fn run_migration(
        &self,
        plan: &MigrationPlan,
        cancel: &CancelFlag,
        progress: &(dyn Fn(RunProgress) + Send + Sync),
    ) -> Result<RunReport, DeskError> {
        let id = self.journal_plan(plan)?;
        self.resume_migration(Some(id), cancel, progress).await
    }

    /// Checks a plan and starts its journal (every operation pending, the ID map it knows);
    /// nothing is sent. [`Desk::resume_migration`] sends it.
    pub(crate) fn journal_plan(&self, plan: &MigrationPlan) -> Result<i64, DeskError> {
        plan.check()?;
        self.refuse_removals_from_incomplete_copies(plan)?;
        let text = serde_json::to_string(plan)
            .map_err(|e| DeskError::Internal(format!("the plan: {e}")))?;
        let id = {
            let db = self.db()?;
            let ops: Vec<(i64, &str, &str, &str, Option<&str>)> = plan
                .operations
                .iter()
                .map(|o| {
                    (
                        i64::from(o.seq),
                        o.op.as_str(),
                        o.source_id.as_str(),
                        o.label.as_str(),
                        o.target_id.as_deref(),
                    )
                })
                .collect();
            let id = db.start_migration(&plan.source, &plan.target, &text, &ops)?;
            for (s, t) in &plan.user_ids {
                db.map_id(id, Kind::User, s, t, None)?;
            }
            for (s, t) in &plan.group_ids {
                db.map_id(id, Kind::Group, s, t, None)?;
            }
            id
        };
        Ok(id)
    }

    /// A plan that deactivates or deletes must come from complete copies: a saved plan made
    /// from a copy that is now known to be incomplete (or edited by hand to add removals) is
    /// refused with the reason, before anything is sent.
    fn refuse_removals_from_incomplete_copies(
        &self,
        plan: &MigrationPlan,
    ) -> Result<(), DeskError> {
        let removals = plan
            .operations
            .iter()
            .filter(|o| o.op.removes_access())
            .count();
        if removals == 0 {
            return Ok(());
        }
        let db = self.db()?;
        for (name, snapshot) in [
            (&plan.source, plan.source_snapshot),
            (&plan.target, plan.target_snapshot),
        ] {
            if let Some(snap) = db.snapshot(snapshot)? {
                if let Some(w) = crate::read::completeness::Completeness::of_snapshot(&snap).warning
                {
                    return Err(DeskError::InvalidInput(format!(
                        "The plan deactivates or deletes {removals} users, but it was made from \
                         {name}'s copy that is not complete ({w}). Nothing was sent. Sync both \
                         providers again and make a new plan."
                    )));
                }
            }
        }
        Ok(())
    }

    /// Goes on with a run (the newest unfinished one when `id` is `None`): operations in doubt
    /// are settled by reading the target, failed ones are tried again.
    pub async fn resume_migration(
        &self,
        id: Option<i64>,
        cancel: &CancelFlag,
        progress: &(dyn Fn(RunProgress) + Send + Sync),
    ) -> Result<RunReport, DeskError> {
        // Thousands of small commits: copy the log into the file every ~40 MB instead of every
        // 4 MB (measured: the checkpoints were a tenth of the client's time), then once at the end.
        self.db()?.set_autocheckpoint(10_000)?;
        let result = self.resume_inner(id, cancel, progress).await;
        let db = self.db()?;
        db.set_autocheckpoint(1_000)?;
        db.checkpoint()?;
        result
    }

    async fn resume_inner(
        &self,
        id: Option<i64>,
        cancel: &CancelFlag,
        progress: &(dyn Fn(RunProgress) + Send + Sync),
    ) -> Result<RunReport, DeskError> {
        let started = Instant::now();
        let (id, plan, journal, ids) = {
            let db = self.db()?;
            let id = match id {
                Some(i) => i,
                None => db.unfinished_migration()?.ok_or_else(|| {
                    DeskError::NotFound("There is no unfinished migration to resume.".into())
                })?,
            };
            let run = db
                .migration(id)?
                .ok_or_else(|| DeskError::NotFound(format!("There is no migration {id}.")))?;
            let plan: MigrationPlan = serde_json::from_str(&run.plan)
                .map_err(|e| DeskError::Internal(format!("the saved plan: {e}")))?;
            let ids: HashMap<(Kind, String), String> = db
                .id_map(id)?
                .into_iter()
                .map(|e| ((e.kind, e.source_id), e.target_id))
                .collect();
            (id, plan, db.migration_ops(id)?, ids)
        };
        let (client, profile) = self.client_with_profile(&plan.target).await?;
        let total = u32::try_from(journal.len()).unwrap_or(u32::MAX);
        let write_only = self.write_only_names(&plan.target)?;
        let created = plan
            .operations
            .iter()
            .enumerate()
            .filter(|(_, o)| o.op.is_create())
            .map(|(i, o)| ((o.op.kind(), o.source_id.clone()), i))
            .collect();
        let mut runner = Runner {
            desk: self,
            id,
            plan,
            ids,
            client,
            profile,
            last_write: std::sync::Mutex::new(None),
            write_only,
            created,
        };
        let mut report = RunReport {
            migration_id: id,
            done: 0,
            failed: Vec::new(),
            settled: 0,
            seconds: 0.0,
        };
        let already = journal.iter().filter(|j| j.state == "done").count();
        report.done = u32::try_from(already).unwrap_or(u32::MAX);
        let mut pace = Pace {
            started,
            finished: report.done,
            total,
            at_start: report.done,
        };
        let op_of = |runner: &Runner<'_>, seq: i64| op_at(&runner.plan, seq);
        let mut i = 0;
        while i < journal.len() {
            let j = &journal[i];
            if j.state == "done" {
                i += 1;
                continue;
            }
            if cancel.is_cancelled() {
                return Err(DeskError::Cancelled);
            }
            let Some(op) = op_of(&runner, j.seq) else {
                i += 1;
                continue;
            };
            // In doubt after a crash: a create may have reached the target.
            if j.state == "sent" && op.op.is_create() {
                if let Some(tid) = runner.find_created(&op).await? {
                    let ext = op.data.get("externalId").and_then(Value::as_str);
                    runner.remember(op.op.kind(), &op.source_id, &tid, ext)?;
                    self.db()?.mark_op(id, j.seq, "done", Some(&tid), None)?;
                    report.done += 1;
                    report.settled += 1;
                    progress(pace.tick(1));
                    i += 1;
                    continue;
                }
            }
            // Creates of one kind in a row go out in Bulk where the target supports it, as
            // many requests side by side as its concurrency allows. (Not once Bulk was refused
            // in this run: `create_in_bulk` learned it.)
            if runner.profile.bulk.supported && op.op.is_create() {
                let at_once = runner.write_concurrency();
                let run = gather(
                    &runner.plan,
                    &journal[i..],
                    BULK_BATCH * at_once,
                    |next, o| next.state != "done" && next.state != "sent" && o.op == op.op,
                );
                let n = run.len();
                let batches: Vec<Vec<_>> = run.chunks(BULK_BATCH).map(<[_]>::to_vec).collect();
                let outcomes = runner.create_in_bulk(&batches).await?;
                for (batch, outcomes) in batches.iter().zip(outcomes) {
                    for ((seq, op), outcome) in batch.iter().zip(outcomes) {
                        match outcome {
                            Ok(_) => report.done += 1,
                            Err(message) => report.failed.push(FailedOp {
                                seq: *seq,
                                op: op.op,
                                label: op.label.clone(),
                                message,
                                source_id: op.source_id.clone(),
                            }),
                        }
                    }
                    progress(pace.tick(u32::try_from(batch.len()).unwrap_or(0)));
                }
                i += n;
                continue;
            }
            // Changes of one kind in a row (updates, memberships, managers, deactivations,
            // deletes) touch one record each: up to the target's concurrency go out at once.
            // Their order was only the plan's listing; memberships still follow every create and
            // managers every membership, as the plan orders kinds.
            let at_once = runner.write_concurrency();
            if at_once > 1 && !op.op.is_create() {
                let mut records = std::collections::HashSet::new();
                let batch = gather(&runner.plan, &journal[i..], CHANGE_BATCH, |next, o| {
                    next.state != "done" && o.op == op.op && records.insert(o.record_key())
                });
                let n = batch.len();
                self.run_changes(&runner, &batch, at_once, cancel, &mut report, &mut |k| {
                    progress(pace.tick(k))
                })
                .await?;
                i += n;
                continue;
            }
            self.db()?.mark_op(id, j.seq, "sent", None, None)?;
            match runner.execute(&op).await {
                Ok(tid) => {
                    self.db()?
                        .mark_op(id, j.seq, "done", tid.as_deref(), None)?;
                    report.done += 1;
                }
                Err(e) => {
                    let message = failure_text(&e);
                    self.db()?
                        .mark_op(id, j.seq, "failed", None, Some(&message))?;
                    report.failed.push(FailedOp {
                        seq: j.seq,
                        op: op.op,
                        label: op.label.clone(),
                        message,
                        source_id: op.source_id.clone(),
                    });
                }
            }
            progress(pace.tick(1));
            i += 1;
        }
        runner.sample_fidelity().await?;
        if report.failed.is_empty() {
            self.db()?.finish_migration(id)?;
        }
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }
}

/// The most changes taken together to send at once (the journal marks them sent first).
const CHANGE_BATCH: usize = 64;

/// Operation `seq` of `plan` (journal sequence numbers count from 1).
fn op_at(plan: &MigrationPlan, seq: i64) -> Option<PlanOperation> {
    usize::try_from(seq - 1)
        .ok()
        .and_then(|i| plan.operations.get(i))
        .cloned()
}

/// The operations sent together from the start of `journal` (whose first one is taken): the
/// next ones while `joins` takes them, at most `limit`.
fn gather(
    plan: &MigrationPlan,
    journal: &[desk_store::journal::JournalOp],
    limit: usize,
    mut joins: impl FnMut(&desk_store::journal::JournalOp, &PlanOperation) -> bool,
) -> Vec<(i64, PlanOperation)> {
    let mut batch = Vec::new();
    for (k, next) in journal.iter().enumerate().take(limit) {
        match op_at(plan, next.seq) {
            // The first is taken whatever `joins` says (which still sees it).
            Some(o) if joins(next, &o) || k == 0 => batch.push((next.seq, o)),
            _ => break,
        }
    }
    batch
}

impl Desk {
    /// Sends `batch` (changes of one kind, one record each) `at_once` at a time: each is
    /// journaled sent before it goes out and done or failed when it is answered, in the order
    /// the answers come. A cancel stops sending; the ones in flight are dropped and stay
    /// `sent`, and resuming runs them again (every change reads the record first).
    async fn run_changes(
        &self,
        runner: &Runner<'_>,
        batch: &[(i64, PlanOperation)],
        at_once: usize,
        cancel: &CancelFlag,
        report: &mut RunReport,
        tick: &mut (dyn FnMut(u32) + Send),
    ) -> Result<(), DeskError> {
        use futures_util::StreamExt;
        let id = runner.id;
        // One future per change, made before the stream (a stream mapping borrowed items to
        // futures is not provably Send to the compiler).
        let sends: Vec<_> = (0..batch.len())
            .map(|k| async move {
                let (seq, op) = &batch[k];
                if cancel.is_cancelled() {
                    return (*seq, op, Err(DeskError::Cancelled));
                }
                if let Err(e) = self
                    .db()
                    .and_then(|db| Ok(db.mark_op(id, *seq, "sent", None, None)?))
                {
                    return (*seq, op, Err(e));
                }
                (*seq, op, runner.execute_change(op).await)
            })
            .collect();
        let mut answers = futures_util::stream::iter(sends).buffer_unordered(at_once);
        while let Some((seq, op, outcome)) = answers.next().await {
            match outcome {
                Ok(tid) => {
                    self.db()?.mark_op(id, seq, "done", tid.as_deref(), None)?;
                    report.done += 1;
                }
                Err(DeskError::Cancelled) => return Err(DeskError::Cancelled),
                Err(e) => {
                    let message = failure_text(&e);
                    self.db()?
                        .mark_op(id, seq, "failed", None, Some(&message))?;
                    report.failed.push(FailedOp {
                        seq,
                        op: op.op,
                        label: op.label.clone(),
                        message,
                        source_id: op.source_id.clone(),
                    });
                }
            }
            tick(1);
        }
        Ok(())
    }
}
