//! Sending a plan's operations to the target: paced, creates in Bulk where it takes them (one
//! by one where it refuses), each settled and journaled, a few created records read back to
//! learn what the target keeps.

use crate::migrate::{MigrationPlan, Operation, PlanOperation};
use crate::vocabulary::Kind;
use crate::write::edit::{EditRequest, SaveOutcome};
use crate::{Desk, DeskError};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Instant;

/// The most creates sent in one Bulk request (the provider's own limit applies too).
pub(super) const BULK_BATCH: usize = 50;

pub(super) fn endpoint(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "Users",
        Kind::Group => "Groups",
    }
}

/// `base` with the attributes of `overlay` laid over it (objects merged, the rest replaced).
pub(super) fn overlay(base: &Value, over: &Value) -> Value {
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

pub(super) struct Runner<'a> {
    pub(super) desk: &'a Desk,
    pub(super) id: i64,
    pub(super) plan: MigrationPlan,
    pub(super) ids: HashMap<(Kind, String), String>,
    pub(super) client: scim_client::ScimClient,
    pub(super) profile: scim_client::CapabilityProfile,
    /// When the last write went out (or is booked to), for the target's least time between
    /// writes; shared by the changes sent at once.
    pub(super) last_write: std::sync::Mutex<Option<Instant>>,
    /// The target's write-only attributes, kept out of the audit log.
    pub(super) write_only: Vec<String>,
    /// The place in the plan of each record's create, by kind and source id.
    pub(super) created: HashMap<(Kind, String), usize>,
}

/// What became of one Bulk request of creates.
enum BulkSent {
    /// Each record's outcome (its target id, or why not) and the status it was answered with.
    Answered(Vec<Result<String, String>>, Vec<Option<u16>>),
    /// The target refused Bulk itself, not these records.
    Unsupported(scim_client::ScimError),
}

/// True when a Bulk request was refused for what it holds (a value in one of its records, its
/// size), not for who sent it, how often, or because the provider is down: sending its records
/// one by one isolates the record refused.
pub(super) fn refused_for_its_content(e: &scim_client::ScimError) -> bool {
    matches!(e.status(), Some(400 | 409 | 413 | 422))
}

/// The message journaled for a failed operation.
pub(super) fn failure_text(e: &DeskError) -> String {
    match e.detail() {
        Some(d) => format!("{} ({d})", e.message()),
        None => e.message(),
    }
}

/// Created records read back after a run to learn what the target keeps (creates sent in
/// Bulk come back without the stored record). A provider that drops an attribute drops it for
/// every record: a few show it.
pub(super) const FIDELITY_SAMPLE: usize = 3;

impl Runner<'_> {
    /// Keeps the target's least time between writes (its profile's rate limit): each write
    /// books the next free moment, so writes sent at once are spaced too.
    pub(super) async fn pace_writes(&self) {
        let gap =
            std::time::Duration::from_millis(u64::from(self.profile.rate.min_write_interval_ms));
        let wait = {
            let mut last = self
                .last_write
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            let at = match *last {
                Some(l) if l + gap > now => l + gap,
                _ => now,
            };
            *last = Some(at);
            at - now
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// How many changes go to the target at once: the requests in flight its profile allows
    /// (4 unless a preset, a lesson or the person says fewer).
    pub(super) fn write_concurrency(&self) -> usize {
        usize::try_from(self.profile.rate.max_concurrency.max(1)).unwrap_or(1)
    }

    /// The creates of `batch` sent one by one (after looking for each at the target first,
    /// with `settle_first`): each one's id or reason, and the status it was answered with.
    pub(super) async fn create_one_by_one(
        &self,
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

    /// Creates records in Bulk requests, `batches` of them sent side by side (each split to
    /// the target's limits; as many at once as the caller gathered, within the target's
    /// concurrency). Every operation is marked sent first; each ends done or failed, journaled
    /// batch by batch in order once every request is answered; a create the target refused as
    /// a duplicate, or answered without a location, is looked up by its externalId. Returns
    /// each batch's outcomes.
    pub(super) async fn create_in_bulk(
        &mut self,
        batches: &[Vec<(i64, PlanOperation)>],
    ) -> Result<Vec<Vec<Result<String, String>>>, DeskError> {
        let sends: Vec<_> = batches.iter().map(|b| self.send_bulk(b)).collect();
        let answers = futures_util::future::join_all(sends).await;
        let mut outcomes = Vec::with_capacity(batches.len());
        // A request that could not be settled at all (the target unreachable while looking
        // for what arrived) stops the run after the others are journaled: resuming settles it.
        let mut stop = None;
        for (batch, answer) in batches.iter().zip(answers) {
            let (out, statuses) = match answer {
                Ok(BulkSent::Answered(out, statuses)) => (out, statuses),
                // Bulk refused as unsupported (whatever the provider's documents say): learned,
                // and these records go one by one, as every later batch of this run and others.
                Ok(BulkSent::Unsupported(e)) => {
                    if self.profile.bulk.supported {
                        self.desk.learn(
                            &self.plan.target,
                            crate::providers::learned::Learned::BulkUnsupported,
                            &crate::providers::learned::evidence(&e, "POST", "/Bulk"),
                        )?;
                        self.profile.bulk.supported = false;
                    }
                    match self.create_one_by_one(batch, false).await {
                        Ok(sent) => sent,
                        Err(e) => {
                            stop.get_or_insert(e);
                            continue;
                        }
                    }
                }
                Err(e) => {
                    stop.get_or_insert(e);
                    continue;
                }
            };
            outcomes.push(self.conclude(batch, out, statuses)?);
        }
        match stop {
            Some(e) => Err(e),
            None => Ok(outcomes),
        }
    }

    /// Sends one Bulk request of creates and settles what it can without the journal: each
    /// record's outcome and status, or that the target refused Bulk itself.
    async fn send_bulk(&self, batch: &[(i64, PlanOperation)]) -> Result<BulkSent, DeskError> {
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
            Err(e) if e.refuses_as_unsupported() => return Ok(BulkSent::Unsupported(e)),
            // The request refused as a whole for what it holds (one record's value, its
            // size): each record is sent alone, so only the one refused fails, with its own
            // reason (any that arrived anyway are found first).
            Err(e) if refused_for_its_content(&e) => {
                let (out, statuses) = self.create_one_by_one(batch, true).await?;
                return Ok(BulkSent::Answered(out, statuses));
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
                return Ok(BulkSent::Answered(out, statuses));
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
        Ok(BulkSent::Answered(out, statuses))
    }

    /// Journals, remembers and audits the outcome of each create of a batch, in one
    /// transaction (a kill before it commits leaves them "sent", settled on resume), with the
    /// status the provider answered for each (`None` when it gave none of its own).
    pub(super) fn conclude(
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
                    db.map_id(self.id, kind, &op.source_id, tid, ext)?;
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
                    resource_kind: kind,
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

    pub(super) fn target_of(
        &self,
        kind: Kind,
        source_id: &str,
        planned: Option<&String>,
    ) -> Option<String> {
        planned
            .cloned()
            .or_else(|| self.ids.get(&(kind, source_id.to_string())).cloned())
    }

    pub(super) fn remember(
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
            .map_id(self.id, kind, source_id, target_id, ext)?)
    }

    /// A record created by an earlier attempt, found by its externalId.
    pub(super) async fn find_created(
        &self,
        op: &PlanOperation,
    ) -> Result<Option<String>, DeskError> {
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

    pub(super) async fn save(
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

    /// The record as this migration created it at the target (what it sent, with the id the
    /// target gave it), when a change to it may go without reading it first: the target takes
    /// PATCH (said and not refused since), so only what changes is sent, and keeps no versions
    /// a write would have to name. `None` for a record the plan found at the target (someone
    /// else's: always read first), or when the target needs the read.
    pub(super) fn as_created(
        &self,
        kind: Kind,
        source_id: &str,
        planned: Option<&String>,
        target_id: &str,
    ) -> Result<Option<Value>, DeskError> {
        if planned.is_some() || !self.profile.patch.supported || self.profile.etag {
            return Ok(None);
        }
        let Some(op) = self.created.get(&(kind, source_id.to_string())) else {
            return Ok(None);
        };
        if self.desk.has_learned(
            &self.plan.target,
            crate::providers::learned::Learned::PatchUnsupported,
        )? {
            return Ok(None);
        }
        let mut record = self.plan.operations[*op].data.clone();
        record["id"] = Value::String(target_id.to_string());
        Ok(Some(record))
    }

    /// Saves `change` to a record this migration created, based on `created` (see
    /// [`Runner::as_created`]) instead of a read: a manager set on 2,000 new users is 2,000
    /// requests, not 4,000. The change is a PATCH of what differs (setting what is already
    /// set again changes nothing, so a repeat after a kill is harmless); a PATCH refused after
    /// all is sent whole from a fresh read, and a conflict is saved again from a read.
    pub(super) async fn save_unread(
        &self,
        kind: Kind,
        id: &str,
        created: Value,
        change: impl Fn(&Value) -> Value,
    ) -> Result<(), DeskError> {
        let after = change(&created);
        let req = EditRequest {
            provider: self.plan.target.clone(),
            kind,
            id: id.to_string(),
            before: created,
            after,
        };
        let outcome = self
            .desk
            .save_with(&self.client, &self.profile, &req, "update", false, false)
            .await?;
        match outcome {
            SaveOutcome::Saved { .. } => Ok(()),
            SaveOutcome::Conflict { .. } => self.save(kind, id, change).await,
        }
    }

    /// Runs one operation; returns the target id it produced or touched.
    pub(super) async fn execute(
        &mut self,
        op: &PlanOperation,
    ) -> Result<Option<String>, DeskError> {
        if !op.op.is_create() {
            return self.execute_change(op).await;
        }
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
            _ => self.execute_change(op).await,
        }
    }

    /// Reads back a few records this run created and counts the attributes sent but not
    /// kept, so the next plan (and verify) leaves out changes that cannot stick.
    pub(super) async fn sample_fidelity(&self) -> Result<(), DeskError> {
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
    use super::super::records::ENTERPRISE;
    use super::*;
    use serde_json::json;

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
