//! The journal of runs across a person's accounts (offboarding, onboarding, one edit
//! everywhere): the plan, each step's state and result, and the evidence written at the end.

use rusqlite::{params, OptionalExtension};

use crate::{now_rfc3339, Database, StoreError};

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Pending,
    /// Its request may have gone out (marked before sending): settle it by reading.
    Sent,
    Done,
    Failed,
}

impl StepState {
    fn as_str(self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::Sent => "sent",
            StepState::Done => "done",
            StepState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> StepState {
        match s {
            "sent" => StepState::Sent,
            "done" => StepState::Done,
            "failed" => StepState::Failed,
            _ => StepState::Pending,
        }
    }
}

/// A run as journaled.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRun {
    pub id: i64,
    pub action: String,
    pub person_id: String,
    pub person_name: String,
    /// The plan (JSON).
    pub plan: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub evidence: Option<String>,
    pub evidence_sha256: Option<String>,
}

/// A step as journaled.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonStep {
    pub seq: i64,
    pub provider: String,
    pub account_id: String,
    /// The step (JSON).
    pub step: String,
    pub state: StepState,
    /// How it ended (JSON), once it did.
    pub result: Option<String>,
}

const RUN_COLUMNS: &str = "id, action, person_id, person_name, plan, started_at, finished_at, \
                           evidence, evidence_sha256";

fn run_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<PersonRun> {
    Ok(PersonRun {
        id: r.get(0)?,
        action: r.get(1)?,
        person_id: r.get(2)?,
        person_name: r.get(3)?,
        plan: r.get(4)?,
        started_at: r.get(5)?,
        finished_at: r.get(6)?,
        evidence: r.get(7)?,
        evidence_sha256: r.get(8)?,
    })
}

impl Database {
    /// Starts a run: its plan and steps (provider, account, step JSON), all pending, at once.
    pub fn start_person_run(
        &self,
        action: &str,
        person_id: &str,
        person_name: &str,
        plan: &str,
        steps: &[(&str, &str, String)],
    ) -> Result<i64, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let now = now_rfc3339();
        tx.execute(
            "INSERT INTO person_runs (action, person_id, person_name, plan, started_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![action, person_id, person_name, plan, now],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut stmt = tx.prepare(
                "INSERT INTO person_run_steps (run_id, seq, provider, account_id, step, state,
                                               updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)",
            )?;
            for (seq, (provider, account, step)) in steps.iter().enumerate() {
                stmt.execute(params![id, seq as i64, provider, account, step, now])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// A run by id.
    pub fn person_run(&self, id: i64) -> Result<Option<PersonRun>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM person_runs WHERE id = ?1"),
                [id],
                run_of,
            )
            .optional()?)
    }

    /// The newest runs, newest first.
    pub fn person_runs(&self, limit: u32) -> Result<Vec<PersonRun>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {RUN_COLUMNS} FROM person_runs ORDER BY id DESC LIMIT ?1"
        ))?;
        let rows = stmt
            .query_map([limit], run_of)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The unfinished run of `action` for a person, if a kill or a failure left one.
    pub fn unfinished_person_run(
        &self,
        action: &str,
        person_id: &str,
    ) -> Result<Option<PersonRun>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {RUN_COLUMNS} FROM person_runs
                      WHERE action = ?1 AND person_id = ?2 AND finished_at IS NULL
                      ORDER BY id DESC LIMIT 1"
                ),
                params![action, person_id],
                run_of,
            )
            .optional()?)
    }

    /// A run's steps, in order.
    pub fn person_steps(&self, run_id: i64) -> Result<Vec<PersonStep>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, provider, account_id, step, state, result FROM person_run_steps
              WHERE run_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([run_id], |r| {
                let state: String = r.get(4)?;
                Ok(PersonStep {
                    seq: r.get(0)?,
                    provider: r.get(1)?,
                    account_id: r.get(2)?,
                    step: r.get(3)?,
                    state: StepState::parse(&state),
                    result: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Marks a step (committed at once: `Sent` before its request goes out).
    pub fn mark_person_step(
        &self,
        run_id: i64,
        seq: i64,
        state: StepState,
        result: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE person_run_steps SET state = ?3, result = coalesce(?4, result), updated_at = ?5
              WHERE run_id = ?1 AND seq = ?2",
            params![run_id, seq, state.as_str(), result, now_rfc3339()],
        )?;
        Ok(())
    }

    /// Ends a run with its evidence and the evidence's SHA-256.
    pub fn finish_person_run(
        &self,
        run_id: i64,
        evidence: &str,
        sha256: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE person_runs SET finished_at = ?2, evidence = ?3, evidence_sha256 = ?4
              WHERE id = ?1",
            params![run_id, now_rfc3339(), evidence, sha256],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_run_keeps_its_steps_states_and_evidence() {
        let db = Database::open_in_memory().unwrap();
        let steps = [
            ("HR", "u1", r#"{"kind":"deactivate"}"#.to_string()),
            ("App", "9", r#"{"kind":"deactivate"}"#.to_string()),
        ];
        let id = db
            .start_person_run("offboard", "p-1", "Ada", "{}", &steps)
            .unwrap();
        assert_eq!(
            db.unfinished_person_run("offboard", "p-1")
                .unwrap()
                .unwrap()
                .id,
            id
        );
        db.mark_person_step(id, 0, StepState::Sent, None).unwrap();
        db.mark_person_step(id, 0, StepState::Done, Some(r#"{"status":200}"#))
            .unwrap();
        db.mark_person_step(id, 1, StepState::Sent, None).unwrap();
        let s = db.person_steps(id).unwrap();
        assert_eq!(s[0].state, StepState::Done);
        assert_eq!(s[0].result.as_deref(), Some(r#"{"status":200}"#));
        assert_eq!(s[1].state, StepState::Sent);
        assert_eq!(s[1].provider, "App");
        db.finish_person_run(id, "{}", "abc").unwrap();
        assert!(db
            .unfinished_person_run("offboard", "p-1")
            .unwrap()
            .is_none());
        let run = db.person_run(id).unwrap().unwrap();
        assert_eq!(run.evidence_sha256.as_deref(), Some("abc"));
        assert_eq!(db.person_runs(10).unwrap().len(), 1);
    }
}
