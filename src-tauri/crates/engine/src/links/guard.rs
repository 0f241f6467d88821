//! Guard rails: a run that would create, change, deactivate or delete more than its link allows
//! stops before writing anything, saying which rail and by how much.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::settings::{GuardRails, Limit};
use crate::migrate::{Operation, PlanOperation};

/// What a guard rail counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Rail {
    Creates,
    Updates,
    Deactivations,
    Deletes,
}

impl Rail {
    /// The rail an operation counts against.
    pub fn of(op: Operation) -> Rail {
        match op {
            Operation::CreateUser | Operation::CreateGroup => Rail::Creates,
            Operation::DeactivateUser => Rail::Deactivations,
            Operation::DeleteUser => Rail::Deletes,
            Operation::UpdateUser
            | Operation::AddMembers
            | Operation::RemoveMembers
            | Operation::SetManager => Rail::Updates,
        }
    }

    /// The verb, for "would create 40 records".
    fn verb(self) -> &'static str {
        match self {
            Rail::Creates => "create",
            Rail::Updates => "change",
            Rail::Deactivations => "deactivate",
            Rail::Deletes => "delete",
        }
    }

    /// The CLI option that sets it.
    pub fn option(self) -> &'static str {
        match self {
            Rail::Creates => "--max-creates",
            Rail::Updates => "--max-updates",
            Rail::Deactivations => "--max-deactivations",
            Rail::Deletes => "--max-deletes",
        }
    }

    fn limit(self, g: &GuardRails) -> Option<Limit> {
        match self {
            Rail::Creates => g.max_creates,
            Rail::Updates => g.max_updates,
            Rail::Deactivations => g.max_deactivations,
            Rail::Deletes => g.max_deletes,
        }
    }
}

/// A rail a plan would cross.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Crossing {
    pub rail: Rail,
    /// What the plan holds.
    pub planned: u32,
    /// The most the link allows (for this target).
    pub most: u32,
    /// The setting as the person gave it ("10" or "5%").
    pub setting: String,
}

impl Crossing {
    /// "would deactivate 40 users; the link allows at most 10 (set with 10)".
    pub fn describe(&self) -> String {
        let what = match self.rail {
            Rail::Creates | Rail::Updates => "records",
            Rail::Deactivations | Rail::Deletes => "users",
        };
        let over = if self.most == 0 {
            String::new()
        } else {
            format!(
                ", {:.1} times as many",
                f64::from(self.planned) / f64::from(self.most)
            )
        };
        let setting = if self.setting.ends_with('%') {
            format!(" ({} of the target)", self.setting)
        } else {
            String::new()
        };
        format!(
            "it would {} {} {what}; the link allows at most {}{setting} a run{over}",
            self.rail.verb(),
            self.planned,
            self.most
        )
    }
}

/// The rails `operations` would cross, for a target holding `target_records` records.
pub fn crossings(
    guard: &GuardRails,
    operations: &[PlanOperation],
    target_records: u32,
) -> Vec<Crossing> {
    let mut out = Vec::new();
    for rail in [
        Rail::Creates,
        Rail::Updates,
        Rail::Deactivations,
        Rail::Deletes,
    ] {
        let Some(limit) = rail.limit(guard) else {
            continue;
        };
        let planned = operations.iter().filter(|o| Rail::of(o.op) == rail).count();
        let planned = u32::try_from(planned).unwrap_or(u32::MAX);
        let most = limit.most(target_records);
        if planned > most {
            out.push(Crossing {
                rail,
                planned,
                most,
                setting: limit.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn op(op: Operation) -> PlanOperation {
        PlanOperation {
            seq: 1,
            op,
            label: "x".into(),
            source_id: String::new(),
            target_id: None,
            data: Value::Null,
            changes: Vec::new(),
        }
    }

    #[test]
    fn a_plan_over_a_rail_names_the_rail_and_by_how_much() {
        let mut ops: Vec<PlanOperation> = (0..40).map(|_| op(Operation::DeactivateUser)).collect();
        ops.push(op(Operation::UpdateUser));
        let guard = GuardRails::default();
        let c = crossings(&guard, &ops, 1_000);
        assert_eq!(c.len(), 1);
        assert_eq!(
            (c[0].rail, c[0].planned, c[0].most),
            (Rail::Deactivations, 40, 10)
        );
        assert_eq!(
            c[0].describe(),
            "it would deactivate 40 users; the link allows at most 10 a run, 4.0 times as many"
        );
        let pct = GuardRails {
            max_updates: Some(Limit::Percent(0.1)),
            ..GuardRails::default()
        };
        let c = crossings(&pct, &ops[30..], 1_000);
        assert!(
            c.is_empty(),
            "10 deactivations and 1 update of 1,000: {c:?}"
        );
        let c = crossings(&pct, &ops[30..], 100);
        assert_eq!(c[0].rail, Rail::Updates);
        assert!(c[0].describe().contains("(0.1% of the target)"));
    }
}
