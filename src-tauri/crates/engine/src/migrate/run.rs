//! Running a migration plan with a journal in SQLite (issue 6, second part). Each operation is
//! marked `sent` before its request goes out and `done` or `failed` after; after a crash or a
//! kill, resuming settles the operations in doubt by reading the target (a create that did
//! reach the target is found by its externalId and not sent again), then goes on.

use std::collections::HashMap;
use std::time::Instant;

use serde::Serialize;
use serde_json::{json, Value};
use ts_rs::TS;

use crate::migrate::{MigrationPlan, Operation, PlanOperation};
use crate::vocabulary::CancelFlag;
use crate::vocabulary::Kind;
use crate::write::edit::{EditRequest, MembershipChange, SaveOutcome};
use crate::{Desk, DeskError};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// An operation that failed, with the provider's reason in plain words.
#[derive(Debug, Clone, Serialize, TS)]
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

/// The most creates sent in one Bulk request (the provider's own limit applies too).
const BULK_BATCH: usize = 50;

fn endpoint(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "Users",
        Kind::Group => "Groups",
    }
}

/// `base` with the attributes of `overlay` laid over it (objects merged, the rest replaced).
fn overlay(base: &Value, over: &Value) -> Value {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            let mut out = b.clone();
            for (k, v) in o {
                let key = out
                    .keys()
                    .find(|x| x.eq_ignore_ascii_case(k))
                    .cloned()
                    .unwrap_or_else(|| k.clone());
                let merged = match out.get(&key) {
                    Some(existing) if existing.is_object() && v.is_object() => overlay(existing, v),
                    _ => v.clone(),
                };
                out.insert(key, merged);
            }
            Value::Object(out)
        }
        (_, other) => other.clone(),
    }
}

struct Runner<'a> {
    desk: &'a Desk,
    id: i64,
    plan: MigrationPlan,
    ids: HashMap<(Kind, String), String>,
    client: scim_client::ScimClient,
    profile: scim_client::CapabilityProfile,
    last_write: Option<Instant>,
    /// The target's write-only attributes, kept out of the audit log.
    write_only: Vec<String>,
}

/// A failed operation as the journal recorded it.
fn failed_op(o: desk_store::journal::JournalOp) -> Result<FailedOp, DeskError> {
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

/// True when a Bulk request was refused for what it holds (a value in one of its records, its
/// size), not for who sent it, how often, or because the provider is down: sending its records
/// one by one isolates the record refused.
fn refused_for_its_content(e: &scim_client::ScimError) -> bool {
    matches!(e.status(), Some(400 | 409 | 413 | 422))
}

/// The message journaled for a failed operation.
fn failure_text(e: &DeskError) -> String {
    match e.detail() {
        Some(d) => format!("{} ({d})", e.message()),
        None => e.message(),
    }
}

impl Runner<'_> {
    /// Keeps the target's least time between writes (its profile's rate limit).
    async fn pace_writes(&mut self) {
        let gap =
            std::time::Duration::from_millis(u64::from(self.profile.rate.min_write_interval_ms));
        if let Some(last) = self.last_write {
            let since = last.elapsed();
            if since < gap {
                tokio::time::sleep(gap - since).await;
            }
        }
        self.last_write = Some(Instant::now());
    }

    /// Creates several records in Bulk requests (split to the target's limits). Every
    /// operation is marked sent first; each ends done or failed; a create the target refused
    /// as a duplicate, or answered without a location, is looked up by its externalId.
    /// The creates of `batch` sent one by one (after looking for each at the target first,
    /// with `settle_first`): each one's id or reason, and the status it was answered with.
    async fn create_one_by_one(
        &mut self,
        batch: &[(i64, PlanOperation)],
        settle_first: bool,
    ) -> Result<(Vec<Result<String, String>>, Vec<Option<u16>>), DeskError> {
        let mut out = Vec::new();
        let mut statuses = Vec::new();
        for (_, op) in batch {
            if settle_first {
                if let Some(tid) = self.find_created(op).await? {
                    statuses.push(None);
                    out.push(Ok(tid));
                    continue;
                }
            }
            self.pace_writes().await;
            let kind = op.op.kind();
            match self.client.create_written(endpoint(kind), &op.data).await {
                Ok(w) => {
                    statuses.push(Some(w.status));
                    let id = w.resource.get("id").and_then(Value::as_str);
                    out.push(id.map(str::to_string).ok_or_else(|| {
                        "the target accepted the record but did not say where it is".to_string()
                    }));
                }
                Err(e) => {
                    statuses.push(e.status());
                    out.push(match self.find_created(op).await? {
                        Some(tid) => Ok(tid),
                        None => Err(failure_text(&DeskError::from(e))),
                    });
                }
            }
        }
        Ok((out, statuses))
    }

    async fn create_bulk(
        &mut self,
        batch: &[(i64, PlanOperation)],
    ) -> Result<Vec<Result<String, String>>, DeskError> {
        {
            let db = self.desk.db()?;
            for (seq, _) in batch {
                db.mark_op(self.id, *seq, "sent", None, None)?;
            }
        }
        self.pace_writes().await;
        let ops: Vec<scim_client::BulkOperation> = batch
            .iter()
            .map(|(seq, op)| {
                scim_client::BulkOperation::create(
                    endpoint(op.op.kind()),
                    &format!("op{seq}"),
                    op.data.clone(),
                )
            })
            .collect();
        let results = match self.client.bulk(&ops, &self.profile.bulk).await {
            Ok(r) => r,
            // Bulk refused as unsupported (whatever the provider's documents say): learned,
            // and these records go one by one, as every later batch of this run and others.
            Err(e) if e.refuses_as_unsupported() => {
                self.desk.learn(
                    &self.plan.target,
                    crate::providers::learned::Learned::BulkUnsupported,
                    &crate::providers::learned::evidence(&e, "POST", "/Bulk"),
                )?;
                self.profile.bulk.supported = false;
                let (out, statuses) = self.create_one_by_one(batch, false).await?;
                return self.conclude(batch, out, statuses);
            }
            // The request refused as a whole for what it holds (one record's value, its
            // size): each record is sent alone, so only the one refused fails, with its own
            // reason (any that arrived anyway are found first).
            Err(e) if refused_for_its_content(&e) => {
                let (out, statuses) = self.create_one_by_one(batch, true).await?;
                return self.conclude(batch, out, statuses);
            }
            // The request as a whole failed: some records may have arrived. Settle each one.
            Err(e) => {
                // The answer of the whole request, for every record; a record found at the
                // target anyway has no answer of its own.
                let status = e.status();
                let why = failure_text(&DeskError::from(e));
                let mut out = Vec::new();
                let mut statuses = Vec::new();
                for (_, op) in batch {
                    let found = self.find_created(op).await?;
                    statuses.push(if found.is_some() { None } else { status });
                    out.push(match found {
                        Some(tid) => Ok(tid),
                        None => Err(why.clone()),
                    });
                }
                return self.conclude(batch, out, statuses);
            }
        };
        let mut out = Vec::new();
        // The status the provider gave each operation inside its Bulk answer (0: none).
        let statuses: Vec<Option<u16>> = results
            .iter()
            .map(|r| Some(r.status).filter(|s| *s != 0))
            .collect();
        for ((_, op), r) in batch.iter().zip(results) {
            let outcome = if r.ok() {
                match r.id {
                    Some(id) => Ok(id),
                    None => self.find_created(op).await?.ok_or_else(|| {
                        "the target accepted the record but did not say where it is".to_string()
                    }),
                }
            } else if r.status == 0 {
                Err(
                    "The target did not process this record (it stopped the batch after an \
                     error); resuming tries it again."
                        .to_string(),
                )
            } else {
                let body: scim_client::ScimErrorBody = r
                    .response
                    .clone()
                    .and_then(|v| serde_json::from_value(v).ok())
                    .unwrap_or_default();
                let found = if r.status == 409 {
                    self.find_created(op).await?
                } else {
                    None
                };
                match found {
                    Some(id) => Ok(id),
                    None => Err(failure_text(&DeskError::Scim(
                        scim_client::ScimError::Http {
                            method: "POST".into(),
                            url: format!("{} (Bulk)", endpoint(op.op.kind())),
                            status: r.status,
                            body: Box::new(body),
                            retry_after: None,
                        },
                    ))),
                }
            };
            out.push(outcome);
        }
        self.conclude(batch, out, statuses)
    }

    /// Journals, remembers and audits the outcome of each create of a batch, in one
    /// transaction (a kill before it commits leaves them "sent", settled on resume), with the
    /// status the provider answered for each (`None` when it gave none of its own).
    fn conclude(
        &mut self,
        batch: &[(i64, PlanOperation)],
        out: Vec<Result<String, String>>,
        statuses: Vec<Option<u16>>,
    ) -> Result<Vec<Result<String, String>>, DeskError> {
        let desk = self.desk;
        let db = desk.db()?;
        let tx = db
            .conn()
            .unchecked_transaction()
            .map_err(desk_store::StoreError::from)?;
        for (((seq, op), outcome), status) in batch.iter().zip(&out).zip(statuses) {
            let kind = op.op.kind();
            let (resource_id, operation, after, state, message) = match outcome {
                Ok(tid) => {
                    let ext = op.data.get("externalId").and_then(Value::as_str);
                    self.ids
                        .insert((kind, op.source_id.clone()), tid.to_string());
                    db.map_id(self.id, kind.as_str(), &op.source_id, tid, ext)?;
                    let mut after = op.data.clone();
                    after["id"] = Value::String(tid.clone());
                    (Some(tid.as_str()), "create", after, "done", None)
                }
                Err(m) => (
                    None,
                    "create (failed)",
                    op.data.clone(),
                    "failed",
                    Some(m.as_str()),
                ),
            };
            db.append_audit_redacting(
                &desk_store::NewAudit {
                    provider: &self.plan.target,
                    resource_kind: kind.as_str(),
                    resource_id,
                    operation,
                    before: None,
                    after: Some(&after),
                    http_status: status,
                },
                &self.write_only,
            )?;
            db.mark_op(self.id, *seq, state, resource_id, message)?;
        }
        tx.commit().map_err(desk_store::StoreError::from)?;
        Ok(out)
    }

    fn target_of(&self, kind: Kind, source_id: &str, planned: Option<&String>) -> Option<String> {
        planned
            .cloned()
            .or_else(|| self.ids.get(&(kind, source_id.to_string())).cloned())
    }

    fn remember(
        &mut self,
        kind: Kind,
        source_id: &str,
        target_id: &str,
        ext: Option<&str>,
    ) -> Result<(), DeskError> {
        self.ids
            .insert((kind, source_id.to_string()), target_id.to_string());
        Ok(self
            .desk
            .db()?
            .map_id(self.id, kind.as_str(), source_id, target_id, ext)?)
    }

    /// A record created by an earlier attempt, found by its externalId.
    async fn find_created(&self, op: &PlanOperation) -> Result<Option<String>, DeskError> {
        let kind = op.op.kind();
        let Some(ext) = op.data.get("externalId").and_then(Value::as_str) else {
            return Ok(None);
        };
        let filter = scim_client::AttrPath::new("externalId").eq(ext).to_string();
        let page = self
            .client
            .list_page(endpoint(kind), 1, 2, Some(&filter))
            .await?;
        Ok(page
            .resources
            .iter()
            .find(|r| r.get("externalId").and_then(Value::as_str) == Some(ext))
            .and_then(|r| r.get("id").and_then(Value::as_str).map(str::to_string)))
    }

    async fn save(
        &self,
        kind: Kind,
        id: &str,
        change: impl Fn(&Value) -> Value,
    ) -> Result<(), DeskError> {
        // One retry with a fresh read when the record changed meanwhile.
        for _ in 0..2 {
            let before = self.client.get(endpoint(kind), id).await?;
            let after = change(&before);
            let req = EditRequest {
                provider: self.plan.target.clone(),
                kind,
                id: id.to_string(),
                before,
                after,
            };
            // `before` was read just now: no second read for providers without ETags.
            let outcome = self
                .desk
                .save_with(&self.client, &self.profile, &req, "update", false, false)
                .await?;
            if let SaveOutcome::Saved { .. } = outcome {
                return Ok(());
            }
        }
        Err(DeskError::Conflict(
            "The record kept changing at the target; try again later.".into(),
        ))
    }

    /// Runs one operation; returns the target id it produced or touched.
    async fn execute(&mut self, op: &PlanOperation) -> Result<Option<String>, DeskError> {
        let kind = op.op.kind();
        self.pace_writes().await;
        match op.op {
            Operation::CreateUser | Operation::CreateGroup => {
                let created = match self
                    .desk
                    .create_with(&self.client, &self.plan.target, kind, &op.data, false)
                    .await
                {
                    Ok(v) => v.get("id").and_then(Value::as_str).map(str::to_string),
                    // Already there (an attempt the journal could not confirm): adopt it.
                    Err(DeskError::Scim(scim_client::ScimError::Http { status: 409, .. })) => {
                        self.find_created(op).await?
                    }
                    Err(e) => return Err(e),
                };
                let tid = created
                    .ok_or_else(|| DeskError::Internal("the target did not return an id".into()))?;
                let ext = op.data.get("externalId").and_then(Value::as_str);
                self.remember(kind, &op.source_id, &tid, ext)?;
                Ok(Some(tid))
            }
            Operation::UpdateUser => {
                let tid = self
                    .target_of(kind, &op.source_id, op.target_id.as_ref())
                    .ok_or_else(|| DeskError::NotFound("the target record is unknown".into()))?;
                self.save(kind, &tid, |b| overlay(b, &op.data)).await?;
                Ok(Some(tid))
            }
            Operation::AddMembers => {
                let gid = self
                    .target_of(Kind::Group, &op.source_id, op.target_id.as_ref())
                    .ok_or_else(|| {
                        DeskError::NotFound("the group was not created at the target".into())
                    })?;
                let sources: Vec<&str> = op
                    .data
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let wanted: Vec<String> = sources
                    .iter()
                    .filter_map(|s| self.ids.get(&(Kind::User, s.to_string())).cloned())
                    .collect();
                // Members whose own creation failed are not at the target yet: add the others,
                // then fail so that resuming adds the rest once they exist.
                let missing = sources.len() - wanted.len();
                // Only the members not there yet (also after a crash mid-way).
                let group = self.client.get("Groups", &gid).await?;
                let present: Vec<&str> = group
                    .get("members")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(|m| m.get("value")?.as_str()).collect())
                    .unwrap_or_default();
                let add: Vec<String> = wanted
                    .into_iter()
                    .filter(|m| !present.contains(&m.as_str()))
                    .collect();
                if !add.is_empty() {
                    self.desk
                        .change_membership(&MembershipChange {
                            provider: self.plan.target.clone(),
                            group_id: gid.clone(),
                            add,
                            remove: Vec::new(),
                        })
                        .await?;
                }
                if missing > 0 {
                    return Err(DeskError::NotFound(format!(
                        "{missing} members are not at the target yet (creating them failed); \
                         resume adds them once they are"
                    )));
                }
                Ok(Some(gid))
            }
            Operation::SetManager => {
                let uid = self
                    .target_of(Kind::User, &op.source_id, op.target_id.as_ref())
                    .ok_or_else(|| DeskError::NotFound("the user was not created".into()))?;
                let manager_source = op.data.as_str().unwrap_or_default().to_string();
                let mid = self
                    .ids
                    .get(&(Kind::User, manager_source))
                    .cloned()
                    .ok_or_else(|| {
                        DeskError::NotFound("the manager is not at the target".into())
                    })?;
                self.save(Kind::User, &uid, |b| {
                    overlay(b, &json!({ENTERPRISE: {"manager": {"value": mid}}}))
                })
                .await?;
                Ok(Some(uid))
            }
            Operation::DeactivateUser => {
                let tid = op
                    .target_id
                    .clone()
                    .ok_or_else(|| DeskError::InvalidInput("the plan names no record".into()))?;
                self.save(Kind::User, &tid, |b| overlay(b, &json!({"active": false})))
                    .await?;
                Ok(Some(tid))
            }
            Operation::DeleteUser => {
                let tid = op
                    .target_id
                    .clone()
                    .ok_or_else(|| DeskError::InvalidInput("the plan names no record".into()))?;
                match self.client.get("Users", &tid).await {
                    Ok(current) => {
                        self.desk
                            .delete_resource(&self.plan.target, Kind::User, &current)
                            .await?
                    }
                    // Already gone (an earlier attempt, or someone else): nothing to do.
                    Err(scim_client::ScimError::Http { status: 404, .. }) => {}
                    Err(e) => return Err(e.into()),
                }
                Ok(Some(tid))
            }
        }
    }
}

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
                    kind: Kind::parse(&e.kind),
                    source_id: e.source_id,
                    target_id: e.target_id,
                    external_id: e.external_id,
                })
                .collect(),
        })
    }

    /// Runs a reviewed plan against its target, journaling every operation.
    pub async fn run_migration(
        &self,
        plan: &MigrationPlan,
        cancel: &CancelFlag,
        progress: &(dyn Fn(RunProgress) + Send + Sync),
    ) -> Result<RunReport, DeskError> {
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
                db.map_id(id, "User", s, t, None)?;
            }
            for (s, t) in &plan.group_ids {
                db.map_id(id, "Group", s, t, None)?;
            }
            id
        };
        self.resume_migration(Some(id), cancel, progress).await
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
                .map(|e| ((Kind::parse(&e.kind), e.source_id), e.target_id))
                .collect();
            (id, plan, db.migration_ops(id)?, ids)
        };
        let (client, profile) = self.client_with_profile(&plan.target).await?;
        let total = u32::try_from(journal.len()).unwrap_or(u32::MAX);
        let write_only = self.write_only_names(&plan.target)?;
        let mut runner = Runner {
            desk: self,
            id,
            plan,
            ids,
            client,
            profile,
            last_write: None,
            write_only,
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
        let op_of = |runner: &Runner<'_>, seq: i64| {
            usize::try_from(seq - 1)
                .ok()
                .and_then(|i| runner.plan.operations.get(i))
                .cloned()
        };
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
            // Creates of one kind in a row go out in Bulk where the target supports it.
            // (Not once Bulk was refused in this run: `create_bulk` learned it.)
            if runner.profile.bulk.supported && op.op.is_create() {
                let mut batch = vec![(j.seq, op.clone())];
                while batch.len() < BULK_BATCH {
                    let Some(next) = journal.get(i + batch.len()) else {
                        break;
                    };
                    match op_of(&runner, next.seq) {
                        Some(o)
                            if next.state != "done" && next.state != "sent" && o.op == op.op =>
                        {
                            batch.push((next.seq, o));
                        }
                        _ => break,
                    }
                }
                let n = batch.len();
                let outcomes = runner.create_bulk(&batch).await?;
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
                progress(pace.tick(u32::try_from(n).unwrap_or(0)));
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

/// Created records read back after a run to learn what the target keeps (creates sent in
/// Bulk come back without the stored record). A provider that drops an attribute drops it for
/// every record: a few show it.
const FIDELITY_SAMPLE: usize = 3;

impl Runner<'_> {
    /// Reads back a few records this run created and counts the attributes sent but not
    /// kept, so the next plan (and verify) leaves out changes that cannot stick.
    async fn sample_fidelity(&self) -> Result<(), DeskError> {
        for kind in [Kind::User, Kind::Group] {
            let create = if kind == Kind::User {
                Operation::CreateUser
            } else {
                Operation::CreateGroup
            };
            let created = self
                .plan
                .operations
                .iter()
                .filter(|o| o.op == create)
                .filter_map(|o| Some((o, self.ids.get(&(kind, o.source_id.clone()))?)))
                .take(FIDELITY_SAMPLE);
            for (op, tid) in created {
                let Ok(stored) = self.client.get(endpoint(kind), tid).await else {
                    continue;
                };
                let lost: Vec<String> = crate::write::fidelity::unkept(&op.data, &stored)
                    .into_iter()
                    .filter(|p| {
                        let name = p.rsplit([':', '.']).next().unwrap_or(p).to_lowercase();
                        !self.write_only.contains(&name)
                    })
                    .collect();
                self.desk.note_unkept(&self.plan.target, kind, &lost)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_merges_objects_and_replaces_the_rest() {
        let base = json!({"id": "1", "name": {"givenName": "A", "formatted": "A B"}, "title": "x",
                          ENTERPRISE: {"department": "Sales"}});
        let over = json!({"name": {"familyName": "B"}, "title": "y",
                          ENTERPRISE: {"manager": {"value": "m"}}});
        let out = overlay(&base, &over);
        assert_eq!(
            out["name"],
            json!({"givenName": "A", "formatted": "A B", "familyName": "B"})
        );
        assert_eq!(out["title"], "y");
        assert_eq!(out[ENTERPRISE]["department"], "Sales");
        assert_eq!(out[ENTERPRISE]["manager"]["value"], "m");
        assert_eq!(out["id"], "1");
    }
}
