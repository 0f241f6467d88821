//! Drift: every person whose accounts disagree on an attribute, per attribute with each
//! provider's value, exportable as CSV and JSON.

use std::io::Write;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::fields::PersonField;
use super::index::PeopleIndex;
use crate::write::spreadsheet::SafeCsv;
use crate::{Desk, DeskError};

/// One attribute of one person that differs between providers.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DriftRow {
    pub person_id: String,
    pub name: String,
    pub field: PersonField,
    /// The SCIM attribute.
    pub attribute: String,
    /// The source of truth's value, when the source has an account.
    pub source_value: Option<String>,
    /// Each provider's value, in the order of [`DriftReport::providers`] (None: no account, or
    /// no value).
    pub values: Vec<Option<String>>,
}

/// What `drift` shows.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DriftReport {
    /// The provider compared against (the source of truth), when there is one.
    pub source: Option<String>,
    /// The providers, in the order of each row's values.
    pub providers: Vec<String>,
    /// People with at least one difference.
    pub people: u32,
    pub rows: Vec<DriftRow>,
}

/// How a drift report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum DriftFormat {
    Csv,
    Json,
}

impl PeopleIndex {
    /// A value as people read it: the manager by name.
    fn shown(&self, account: usize, field: PersonField) -> Option<String> {
        let (p, row) = &self.accounts[account];
        let v = field.value(row)?;
        if field == PersonField::Manager {
            return Some(
                self.account(*p, &v)
                    .map(|m| self.name(self.person_of[m]))
                    .unwrap_or(v),
            );
        }
        Some(v)
    }
}

impl Desk {
    /// Everyone whose accounts disagree, attribute by attribute. With `source`, only the
    /// differences from that provider's values (people without an account there are left out).
    pub fn drift(
        &self,
        source: Option<&str>,
        fields: &[PersonField],
    ) -> Result<DriftReport, DeskError> {
        let index = self.people_index()?;
        let source = match source.filter(|s| !s.trim().is_empty()) {
            None => None,
            Some(name) => Some(index.provider(name).ok_or_else(|| {
                DeskError::NotFound(format!(
                    "No synced provider is called \"{name}\". Sync it first, then look again."
                ))
            })?),
        };
        let mut rows = Vec::new();
        let mut people = 0u32;
        for person in 0..index.persons.len() {
            let accounts = &index.persons[person];
            let source_account = match source {
                Some(s) => match accounts.iter().copied().find(|&a| index.accounts[a].0 == s) {
                    Some(a) => Some(a),
                    None => continue,
                },
                None => index.source_account(person),
            };
            let mut any = false;
            for &field in &index.differences[person] {
                if !fields.is_empty() && !fields.contains(&field) {
                    continue;
                }
                if let (Some(s), Some(sa)) = (source, source_account) {
                    // Against the chosen source: another account holds a different value.
                    let want = index.value(sa, field);
                    let differs = want.is_some()
                        && accounts.iter().any(|&a| {
                            index.accounts[a].0 != s
                                && index.value(a, field).is_some_and(|v| Some(v) != want)
                        });
                    if !differs {
                        continue;
                    }
                }
                let mut values = vec![None; index.providers.len()];
                for &a in accounts {
                    values[index.accounts[a].0] = index.shown(a, field);
                }
                rows.push(DriftRow {
                    person_id: index.ids[person].clone(),
                    name: index.name(person),
                    field,
                    attribute: field.attribute().to_string(),
                    source_value: source_account.and_then(|a| index.shown(a, field)),
                    values,
                });
                any = true;
            }
            people += u32::from(any);
        }
        rows.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then(a.person_id.cmp(&b.person_id))
                .then(a.field.cmp(&b.field))
        });
        let source_name = source.map(|s| index.providers[s].name.clone()).or_else(|| {
            index
                .providers
                .iter()
                .find(|p| p.source_of_truth)
                .map(|p| p.name.clone())
        });
        Ok(DriftReport {
            source: source_name,
            providers: index.providers.iter().map(|p| p.name.clone()).collect(),
            people,
            rows,
        })
    }
}

impl Desk {
    /// Writes the drift report (as [`Desk::drift`] with `source`) to `path`.
    pub fn save_drift_to(
        &self,
        source: Option<&str>,
        format: DriftFormat,
        path: &std::path::Path,
    ) -> Result<u32, DeskError> {
        let report = self.drift(source, &[])?;
        let file = std::fs::File::create(path).map_err(|e| {
            DeskError::InvalidInput(format!(
                "The drift list could not be written to {}: {e}. Choose another place.",
                path.display()
            ))
        })?;
        report.write(format, std::io::BufWriter::new(file))?;
        Ok(report.people)
    }
}

impl DriftReport {
    /// Writes the report as CSV (every cell neutralised) or JSON.
    pub fn write(&self, format: DriftFormat, out: impl Write) -> Result<(), DeskError> {
        match format {
            DriftFormat::Json => serde_json::to_writer_pretty(out, self)
                .map_err(|e| DeskError::Internal(format!("writing the drift report failed: {e}"))),
            DriftFormat::Csv => {
                let mut csv = SafeCsv::new(out);
                let mut head = vec![
                    "person".to_string(),
                    "name".into(),
                    "attribute".into(),
                    "source value".into(),
                ];
                head.extend(self.providers.iter().cloned());
                csv.row(&head)?;
                for r in &self.rows {
                    let mut cells = vec![
                        r.person_id.clone(),
                        r.name.clone(),
                        r.attribute.clone(),
                        r.source_value.clone().unwrap_or_default(),
                    ];
                    cells.extend(r.values.iter().map(|v| v.clone().unwrap_or_default()));
                    csv.row(&cells)?;
                }
                csv.flush()
            }
        }
    }
}
