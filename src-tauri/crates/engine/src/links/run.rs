//! A run of a link: read both providers (incrementally where they allow), finish the writes of
//! a run that was killed, plan what is in scope, stop at a guard rail with nothing written,
//! write through the migration journal, verify by reading the target again, and record the
//! run (counts, the plan, failures, times) in the link's history.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::guard::Crossing;
use super::plan::{LeavingRecord, LinkPlan};
use super::{Link, LinkOutcome};
use crate::migrate::run::FailedOp;
use crate::migrate::PlanOperation;
use crate::vocabulary::{count_of, CancelFlag, Kind};
use crate::{Desk, DeskError};

/// How to run.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct LinkRunOptions {
    /// Plan and record, send nothing.
    pub dry_run: bool,
    /// Run even when a guard rail would be crossed (the person saw and accepted it).
    pub force: bool,
}

/// Where a run stands.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkProgress {
    pub link: String,
    /// "Reading HR", "Planning", "Writing to App", "Checking App".
    pub stage: String,
    pub done: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub total: Option<u32>,
}

/// How one provider was read for a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkRead {
    pub provider: String,
    /// "full" or "incremental".
    pub kind: String,
    /// Records read in full.
    pub fetched: u32,
    pub seconds: f64,
}

/// What a run did, as recorded in the link's history.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct LinkRunReport {
    #[ts(type = "number")]
    pub run_id: i64,
    pub link: String,
    pub source: String,
    pub target: String,
    pub outcome: LinkOutcome,
    /// One sentence: what happened and what to do.
    pub message: String,
    pub reads: Vec<LinkRead>,
    pub scope_users: u32,
    pub scope_groups: u32,
    /// Planned operations by kind.
    pub counts: BTreeMap<String, u32>,
    /// The plan's operations.
    pub operations: Vec<PlanOperation>,
    pub warnings: Vec<String>,
    /// Guard rails the plan crossed.
    pub crossings: Vec<Crossing>,
    /// Run although a guard rail was crossed.
    pub forced: bool,
    pub leaving: Vec<LeavingRecord>,
    pub protected: Vec<String>,
    pub done: u32,
    pub failed: Vec<FailedOp>,
    /// Differences found by reading the target again after the writes.
    pub remaining: u32,
    /// Operations of a killed earlier run finished first.
    pub resumed: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub migration_id: Option<i64>,
    pub seconds: f64,
}

/// A run in the history.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkRunView {
    #[ts(type = "number")]
    pub id: i64,
    pub started_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub finished_at: Option<String>,
    pub outcome: LinkOutcome,
    pub report: LinkRunReport,
}

/// What a run of a killed process left, said in its history.
const KILLED: &str = "This run stopped before it finished (SCIM Desk or the computer stopped). \
                      The next run finished its writes first.";

impl Desk {
    /// The newest runs of a link, newest first.
    pub fn link_history(&self, name: &str, limit: u32) -> Result<Vec<LinkRunView>, DeskError> {
        let link = self.link(name)?;
        let rows = self.db()?.link_runs(link.id, limit)?;
        Ok(rows
            .into_iter()
            .map(|r| LinkRunView {
                id: r.id,
                started_at: r.started_at,
                finished_at: r.finished_at,
                outcome: r.outcome,
                report: serde_json::from_str(&r.summary).unwrap_or_default(),
            })
            .collect())
    }

    /// Runs a link (see the module's documentation). A run a guard rail stopped, and one that
    /// left differences, end `Ok` with that outcome; a run that could not go on ends `Err` and
    /// is recorded as failed.
    pub async fn run_link(
        &self,
        name: &str,
        options: LinkRunOptions,
        cancel: &CancelFlag,
        progress: &(dyn Fn(LinkProgress) + Send + Sync),
    ) -> Result<LinkRunReport, DeskError> {
        let started = Instant::now();
        let link = self.link(name)?;
        link.settings.validate()?;
        // Held until the run ends: a run of this link in another process (the window, a
        // scheduled command) is not joined, and one that holds no lock was killed.
        let _lock = self.lock_link(&link)?;
        let resumed = self.finish_killed_run(&link, cancel, progress).await?;
        let run_id = self.db()?.start_link_run(link.id)?;
        let mut report = LinkRunReport {
            run_id,
            link: link.name.clone(),
            source: link.source.clone(),
            target: link.target.clone(),
            resumed,
            ..Default::default()
        };
        let result = self
            .run_link_steps(&link, options, cancel, progress, &mut report)
            .await;
        report.seconds = started.elapsed().as_secs_f64();
        if let Err(e) = &result {
            report.outcome = LinkOutcome::Failed;
            report.message = e.message_with_detail();
        }
        let summary = serde_json::to_string(&report)
            .map_err(|e| DeskError::Internal(format!("the run's summary: {e}")))?;
        self.db()?
            .finish_link_run(run_id, report.outcome, &summary)?;
        result.map(|()| report)
    }

    fn lock_link(&self, link: &Link) -> Result<std::fs::File, DeskError> {
        let path = self.paths.link_lock(link.id);
        let io = |e: std::io::Error| {
            DeskError::Internal(format!("the lock file of link \"{}\": {e}", link.name))
        };
        if let Some(dir) = path.parent() {
            crate::paths::private_dir(dir).map_err(io)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => Err(DeskError::InvalidInput(format!(
                "The link \"{}\" is running already (in the window or a scheduled command); \
                 this run did not start. Wait for that one to finish.",
                link.name
            ))),
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        }
    }

    /// A run whose process was killed is still `running`: its journal's writes are finished
    /// first (operations in doubt settled by reading the target), then it is recorded as
    /// stopped. Returns how many of its operations were finished now.
    async fn finish_killed_run(
        &self,
        link: &Link,
        cancel: &CancelFlag,
        progress: &(dyn Fn(LinkProgress) + Send + Sync),
    ) -> Result<u32, DeskError> {
        let last = self.db()?.link_runs(link.id, 1)?.into_iter().next();
        let Some(last) = last.filter(|r| r.outcome == LinkOutcome::Running) else {
            return Ok(0);
        };
        let mut resumed = 0;
        let unfinished = match last.migration_id {
            Some(mid) => self
                .db()?
                .migration(mid)?
                .filter(|m| m.finished_at.is_none())
                .map(|_| mid),
            None => None,
        };
        if let Some(mid) = unfinished {
            let report = self
                .resume_migration(Some(mid), cancel, &|p| {
                    progress(LinkProgress {
                        link: link.name.clone(),
                        stage: format!("Finishing the stopped run's writes to {}", link.target),
                        done: p.finished,
                        total: Some(p.total),
                    })
                })
                .await?;
            resumed = report.done;
            // Whatever failed again is planned afresh by this run.
            self.db()?.finish_migration(mid)?;
        }
        let mut old: LinkRunReport = serde_json::from_str(&last.summary).unwrap_or_default();
        old.outcome = LinkOutcome::Failed;
        old.message = KILLED.into();
        let text = serde_json::to_string(&old).unwrap_or_default();
        self.db()?
            .finish_link_run(last.id, LinkOutcome::Failed, &text)?;
        Ok(resumed)
    }

    async fn read_for_link(
        &self,
        link: &Link,
        provider: &str,
        cancel: &CancelFlag,
        progress: &(dyn Fn(LinkProgress) + Send + Sync),
    ) -> Result<LinkRead, DeskError> {
        let started = Instant::now();
        let sync = self
            .sync_with(provider, true, cancel, &|p| {
                progress(LinkProgress {
                    link: link.name.clone(),
                    stage: format!("Reading {provider}"),
                    done: p.resources,
                    total: p.total,
                })
            })
            .await?;
        Ok(LinkRead {
            provider: provider.into(),
            kind: sync.kind,
            fetched: sync.fetched,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    async fn run_link_steps(
        &self,
        link: &Link,
        options: LinkRunOptions,
        cancel: &CancelFlag,
        progress: &(dyn Fn(LinkProgress) + Send + Sync),
        report: &mut LinkRunReport,
    ) -> Result<(), DeskError> {
        for provider in [&link.source, &link.target] {
            let read = self.read_for_link(link, provider, cancel, progress).await?;
            report.reads.push(read);
        }
        progress(LinkProgress {
            link: link.name.clone(),
            stage: "Planning".into(),
            done: 0,
            total: None,
        });
        let planned = self.plan_link(link)?;
        take_plan(report, &planned);
        let n = planned.plan.operations.len();
        if options.dry_run {
            report.outcome = LinkOutcome::DryRun;
            report.message = format!(
                "Dry run: {} would be sent to {}{}. Nothing was sent.",
                count_of(n as u64, "change", "changes"),
                link.target,
                guard_words(&planned.crossings, " (a run would stop: {})")
            );
            return Ok(());
        }
        if !planned.crossings.is_empty() && !options.force {
            report.outcome = LinkOutcome::Stopped;
            report.message = format!(
                "Stopped before writing anything: {}. Look at the changes; if they are right, run \
                 it anyway (\"Run anyway\", or `link run {} --force`), or change the link's \
                 limits.",
                guard_words(&planned.crossings, "{}"),
                link.name
            );
            return Ok(());
        }
        report.forced = !planned.crossings.is_empty();
        if n == 0 {
            self.remember_link_records(link, &planned)?;
            report.outcome = LinkOutcome::Completed;
            report.message = format!(
                "Nothing to change: {} already holds the {} and {} in scope.",
                link.target,
                count_of(planned.scope_users, "user", "users"),
                count_of(planned.scope_groups, "group", "groups")
            );
            return Ok(());
        }
        let mid = self.journal_plan(&planned.plan)?;
        report.migration_id = Some(mid);
        self.db()?.set_link_run_migration(report.run_id, mid)?;
        let run = self
            .resume_migration(Some(mid), cancel, &|p| {
                progress(LinkProgress {
                    link: link.name.clone(),
                    stage: format!("Writing to {}", link.target),
                    done: p.finished,
                    total: Some(p.total),
                })
            })
            .await?;
        // Failures are planned afresh by the next run, not resumed from this journal.
        self.db()?.finish_migration(mid)?;
        report.done = run.done;
        report.failed = run.failed;
        // Verify: the target read again, planned again; what remains differs still.
        let check = self
            .read_for_link(link, &link.target, cancel, &|p| {
                progress(LinkProgress {
                    stage: format!("Checking {}", link.target),
                    ..p
                })
            })
            .await?;
        report.reads.push(check);
        let after = self.plan_link(link)?;
        report.remaining = u32::try_from(after.plan.operations.len()).unwrap_or(u32::MAX);
        self.remember_link_records(link, &after)?;
        let failed = report.failed.len();
        if failed == 0 && report.remaining == 0 {
            report.outcome = LinkOutcome::Completed;
            report.message = format!(
                "Done: {} sent to {} and checked by reading it again.",
                count_of(report.done, "change", "changes"),
                link.target
            );
        } else {
            report.outcome = LinkOutcome::Unverified;
            report.message = format!(
                "{} sent, {failed} failed; {} remain at {}. The failures say why; the next run \
                 tries again.",
                count_of(report.done, "change", "changes"),
                count_of(report.remaining, "difference", "differences"),
                link.target
            );
        }
        Ok(())
    }

    /// Keeps the target records this link has matched or created (with those it knew), so a
    /// record that leaves the scope later is known to be one it brought.
    fn remember_link_records(&self, link: &Link, planned: &LinkPlan) -> Result<(), DeskError> {
        use desk_store::links::LinkRecord;
        let db = self.db()?;
        let labels: HashMap<&str, &str> = planned
            .plan
            .matches
            .iter()
            .filter_map(|m| Some((m.source_id.as_deref()?, m.label.as_str())))
            .collect();
        let mut records: BTreeMap<(Kind, String), LinkRecord> = db
            .link_records(link.id)?
            .into_iter()
            .map(|r| ((r.kind, r.source_id.clone()), r))
            .collect();
        for (kind, ids) in [
            (Kind::User, &planned.plan.user_ids),
            (Kind::Group, &planned.plan.group_ids),
        ] {
            for (s, t) in ids {
                records.insert(
                    (kind, s.clone()),
                    LinkRecord {
                        kind,
                        source_id: s.clone(),
                        target_id: t.clone(),
                        label: labels.get(s.as_str()).copied().unwrap_or(s).to_string(),
                    },
                );
            }
        }
        let list: Vec<LinkRecord> = records.into_values().collect();
        db.set_link_records(link.id, &list)?;
        Ok(())
    }
}

fn take_plan(report: &mut LinkRunReport, planned: &LinkPlan) {
    report.scope_users = planned.scope_users;
    report.scope_groups = planned.scope_groups;
    report.counts = planned
        .plan
        .operations
        .iter()
        .fold(BTreeMap::new(), |mut m, o| {
            *m.entry(o.op.to_string()).or_insert(0) += 1;
            m
        });
    report.operations = planned.plan.operations.clone();
    report.warnings = planned.plan.warnings.clone();
    report.crossings = planned.crossings.clone();
    report.leaving = planned.leaving.clone();
    report.protected = planned.protected.clone();
}

/// The crossings in words, put into `template` at `{}` (nothing when there are none).
fn guard_words(crossings: &[Crossing], template: &str) -> String {
    if crossings.is_empty() {
        return String::new();
    }
    let words: Vec<String> = crossings.iter().map(Crossing::describe).collect();
    template.replace("{}", &words.join("; "))
}
