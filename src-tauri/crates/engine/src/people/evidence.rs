//! The evidence of an offboarding, kept in the journal: saved as the JSON its SHA-256 is of, or
//! as CSV (one row per step).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::offboard::{AccountState, OffboardEvidence};
use crate::{Desk, DeskError};

/// How evidence is saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum EvidenceFormat {
    /// The JSON its SHA-256 is of, byte for byte.
    Json,
    /// One row per step.
    Csv,
}

impl Desk {
    /// The evidence of a finished offboarding (kept in the journal), with its exact JSON.
    pub fn offboard_evidence(&self, run_id: i64) -> Result<(OffboardEvidence, String), DeskError> {
        let run = self.db()?.person_run(run_id)?.ok_or_else(|| {
            DeskError::NotFound(format!(
                "No offboarding numbered {run_id} is in the journal."
            ))
        })?;
        let json = run.evidence.ok_or_else(|| {
            DeskError::NotFound(
                "This offboarding has not finished: run it again to finish it and write its \
                 evidence."
                    .into(),
            )
        })?;
        let evidence = serde_json::from_str(&json)
            .map_err(|e| DeskError::Internal(format!("the evidence cannot be read: {e}")))?;
        Ok((evidence, json))
    }

    /// Writes the evidence of run `run_id` to `path` (JSON byte for byte as hashed, or CSV).
    pub fn save_evidence_to(
        &self,
        run_id: i64,
        format: EvidenceFormat,
        path: &std::path::Path,
    ) -> Result<(), DeskError> {
        let (evidence, json) = self.offboard_evidence(run_id)?;
        let failed = |e: std::io::Error| {
            DeskError::InvalidInput(format!(
                "The evidence could not be written to {}: {e}. Choose another place.",
                path.display()
            ))
        };
        match format {
            EvidenceFormat::Json => std::fs::write(path, json.as_bytes()).map_err(failed),
            EvidenceFormat::Csv => {
                let file = std::fs::File::create(path).map_err(failed)?;
                evidence.write_csv(std::io::BufWriter::new(file))
            }
        }
    }

    /// A file name for the evidence of an offboarding.
    pub fn evidence_file_name(evidence: &OffboardEvidence, format: EvidenceFormat) -> String {
        let day = evidence.finished_at.get(..10).unwrap_or("today");
        let ext = match format {
            EvidenceFormat::Json => "json",
            EvidenceFormat::Csv => "csv",
        };
        format!("offboarding-{}-{day}.{ext}", evidence.person_id)
    }
}

impl OffboardEvidence {
    /// The evidence as CSV: one row per step (every cell neutralised).
    pub fn write_csv(&self, out: impl std::io::Write) -> Result<(), DeskError> {
        let mut csv = crate::write::spreadsheet::SafeCsv::new(out);
        csv.row([
            "person",
            "name",
            "provider",
            "account",
            "userName",
            "step",
            "outcome",
            "request",
            "http status",
            "at",
            "active before",
            "active after",
            "groups before",
            "groups after",
            "deleted",
            "ended",
            "message",
        ])?;
        let active = |s: &Option<AccountState>| {
            s.as_ref()
                .and_then(|s| s.active)
                .map(|a| a.to_string())
                .unwrap_or_default()
        };
        let groups =
            |s: &Option<AccountState>| s.as_ref().map(|s| s.groups.join("; ")).unwrap_or_default();
        for a in &self.accounts {
            for s in &a.steps {
                csv.row([
                    self.person_id.clone(),
                    self.name.clone(),
                    a.provider.clone(),
                    a.account_id.clone(),
                    a.user_name.clone().unwrap_or_default(),
                    s.words.clone(),
                    format!("{:?}", s.outcome),
                    s.request.clone().unwrap_or_default(),
                    s.http_status.map(|h| h.to_string()).unwrap_or_default(),
                    s.at.clone(),
                    active(&a.before),
                    active(&a.after),
                    groups(&a.before),
                    groups(&a.after),
                    a.after.as_ref().is_some_and(|s| s.deleted).to_string(),
                    a.ended.to_string(),
                    s.message
                        .clone()
                        .or_else(|| a.message.clone())
                        .unwrap_or_default(),
                ])?;
            }
        }
        csv.flush()
    }
}
