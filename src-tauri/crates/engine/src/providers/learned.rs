//! What SCIM Desk learns about a provider while working with it: a request its documents say
//! it supports, refused as unsupported. The fact is kept (with the answer that taught it and
//! when), applied to the provider's profile from then on, shown beside the detected
//! capabilities, and forgotten on request (`provider relearn`).

use scim_client::{CapabilityProfile, ScimError};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Desk, DeskError};

/// A fact learned from a provider's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Learned {
    /// PATCH refused: changes are sent as the whole record (PUT).
    PatchUnsupported,
    /// Bulk refused: writes are sent one by one.
    BulkUnsupported,
    /// Sorting refused: lists are sorted on this computer.
    SortUnsupported,
    /// Filtering refused: lists are read whole and filtered on this computer.
    FilterUnsupported,
    /// Version tags advertised but `If-Match` not enforced (a write with a wrong version went
    /// through): records are read again before saving to catch changes made meanwhile.
    IfMatchIgnored,
    /// Members added to a group in one request: at most this many (more were refused).
    MemberAddsAtMost(u32),
    /// `startIndex` counted from 0 (asked for 1, the first record was skipped): pages are
    /// asked from 0.
    StartIndexFromZero,
    /// `totalResults` smaller than what the provider then listed: every read goes on to the
    /// provider's own end.
    TotalResultsWrong,
    /// Filters on this attribute refused (others accepted): conditions on it are evaluated
    /// on this computer.
    FilterRefusedOn(String),
}

impl Learned {
    const ALL: [Learned; 7] = [
        Learned::PatchUnsupported,
        Learned::BulkUnsupported,
        Learned::SortUnsupported,
        Learned::FilterUnsupported,
        Learned::IfMatchIgnored,
        Learned::StartIndexFromZero,
        Learned::TotalResultsWrong,
    ];

    /// The stored spelling (with its number or attribute, for those that have one).
    fn stored(&self) -> String {
        match self {
            Learned::MemberAddsAtMost(n) => format!("member_adds_at_most:{n}"),
            Learned::FilterRefusedOn(a) => format!("filter_refused_on:{a}"),
            other => other.key().to_string(),
        }
    }

    /// The stored spelling of a fact without a number.
    fn key(&self) -> &'static str {
        match self {
            Learned::PatchUnsupported => "patch_unsupported",
            Learned::BulkUnsupported => "bulk_unsupported",
            Learned::SortUnsupported => "sort_unsupported",
            Learned::FilterUnsupported => "filter_unsupported",
            Learned::IfMatchIgnored => "if_match_ignored",
            Learned::MemberAddsAtMost(_) => "member_adds_at_most",
            Learned::StartIndexFromZero => "start_index_from_zero",
            Learned::TotalResultsWrong => "total_results_wrong",
            Learned::FilterRefusedOn(_) => "filter_refused_on",
        }
    }

    fn parse(key: &str) -> Option<Learned> {
        if let Some(n) = key.strip_prefix("member_adds_at_most:") {
            return n.parse().ok().map(Learned::MemberAddsAtMost);
        }
        if let Some(a) = key.strip_prefix("filter_refused_on:") {
            return Some(Learned::FilterRefusedOn(a.to_string()));
        }
        Self::ALL.into_iter().find(|l| l.key() == key)
    }

    /// What it means, in words.
    fn words(&self) -> String {
        match self {
            Learned::MemberAddsAtMost(n) => {
                return format!(
                    "group members added in one request: at most {n}; larger changes are split"
                )
            }
            Learned::FilterRefusedOn(a) => {
                return format!(
                    "filtering on {a}: refused; that condition is checked here, the rest is \
                     still sent"
                )
            }
            _ => {}
        }
        match self {
            Learned::PatchUnsupported => {
                "changes (PATCH): not supported; SCIM Desk sends the whole record instead"
            }
            Learned::BulkUnsupported => {
                "several changes at once (Bulk): not supported; sent one by one instead"
            }
            Learned::SortUnsupported => "sorting: not supported; lists are sorted here instead",
            Learned::FilterUnsupported => {
                "filtering: not supported; lists are read whole and filtered here instead"
            }
            Learned::IfMatchIgnored => {
                "version checks (If-Match): ignored; SCIM Desk reads each record again before \
                 saving instead"
            }
            Learned::StartIndexFromZero => {
                "page numbering (startIndex): counts from 0, not 1; pages are asked from 0"
            }
            Learned::TotalResultsWrong => {
                "record counts (totalResults): lower than what it lists; every read goes on \
                 until the provider has nothing more"
            }
            Learned::MemberAddsAtMost(_) | Learned::FilterRefusedOn(_) => "",
        }
        .to_string()
    }

    /// The profile as this fact says the provider behaves.
    pub fn apply(&self, p: &mut CapabilityProfile) {
        match self {
            Learned::PatchUnsupported => p.patch.supported = false,
            Learned::BulkUnsupported => p.bulk.supported = false,
            Learned::SortUnsupported => p.sort = false,
            Learned::FilterUnsupported => p.filter.supported = false,
            Learned::IfMatchIgnored => p.etag = false,
            Learned::StartIndexFromZero => p.paging.zero_based_index = true,
            Learned::TotalResultsWrong => p.paging.total_unreliable = true,
            Learned::MemberAddsAtMost(n) => {
                let n = *n;
                p.patch.max_member_adds =
                    Some(p.patch.max_member_adds.map_or(n, |m| m.min(n)).max(1));
            }
            Learned::FilterRefusedOn(a) => {
                if !p.filter.refused_attributes.contains(a) {
                    p.filter.refused_attributes.push(a.clone());
                }
            }
        }
    }
}

/// A learned fact as the window and `provider test` show it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LearnedFact {
    pub fact: Learned,
    /// The answer that taught it ("HTTP 501 to PATCH /Users/2819c223").
    pub evidence: String,
    /// RFC 3339.
    pub learned_at: String,
    /// "changes (PATCH): not supported, learned on 2026-11-29 from HTTP 501 to PATCH /Users/…".
    pub words: String,
}

/// The answer as evidence: its status and the request it answered.
pub(crate) fn evidence(e: &ScimError, method: &str, path: &str) -> String {
    match e.status() {
        Some(s) => format!("HTTP {s} to {method} {path}"),
        None => format!("{method} {path}: {e}"),
    }
}

/// What a finished read taught about the provider's paging, with the evidence.
pub(crate) fn lessons_of_read(
    pager: &scim_client::Pager,
    endpoint: &str,
) -> Vec<(Learned, String)> {
    let mut out = Vec::new();
    if pager.found_zero_based() {
        out.push((
            Learned::StartIndexFromZero,
            format!(
                "GET {endpoint}?startIndex=1 skipping the first record, which startIndex=0 \
                 returned"
            ),
        ));
    }
    if pager.total_was_wrong() {
        out.push((
            Learned::TotalResultsWrong,
            format!(
                "GET {endpoint} announcing {} records and listing {}",
                pager.total().unwrap_or(0),
                pager.received()
            ),
        ));
    }
    out
}

impl Desk {
    /// What was learned about provider `name`, oldest first.
    pub fn learned_facts(&self, name: &str) -> Result<Vec<LearnedFact>, DeskError> {
        let db = self.db()?;
        let row = db.provider(name)?;
        Ok(db
            .learned_facts(row.id)?
            .into_iter()
            .filter_map(|(fact, evidence, learned_at)| {
                let fact = Learned::parse(&fact)?;
                let day = learned_at.get(..10).unwrap_or(&learned_at).to_string();
                Some(LearnedFact {
                    words: format!("{}, learned on {day} from {evidence}", fact.words()),
                    fact,
                    evidence,
                    learned_at,
                })
            })
            .collect())
    }

    /// True when `fact` was learned about provider `name`.
    pub(crate) fn has_learned(&self, name: &str, fact: Learned) -> Result<bool, DeskError> {
        // (Facts without a number only.)
        Ok(self.learned_facts(name)?.iter().any(|f| f.fact == fact))
    }

    /// Remembers `fact` about provider `name` (the first time only).
    pub(crate) fn learn(&self, name: &str, fact: Learned, evidence: &str) -> Result<(), DeskError> {
        let db = self.db()?;
        let row = db.provider(name)?;
        if let Learned::MemberAddsAtMost(_) = &fact {
            // A smaller limit replaces a larger one learned before.
            db.forget_fact(row.id, "member_adds_at_most:%")?;
        }
        db.learn_fact(row.id, &fact.stored(), evidence)?;
        Ok(())
    }

    /// Forgets what was learned about provider `name` (it is learned again if it still holds);
    /// how many facts were forgotten.
    pub fn relearn(&self, name: &str) -> Result<usize, DeskError> {
        let db = self.db()?;
        let row = db.provider(name)?;
        Ok(db.forget_learned(row.id)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_round_trips_with_its_number_and_keeps_the_smaller() {
        let l = Learned::MemberAddsAtMost(20);
        assert_eq!(Learned::parse(&l.stored()), Some(l.clone()));
        let mut p = CapabilityProfile::default();
        p.patch.max_member_adds = Some(100);
        l.apply(&mut p);
        assert_eq!(p.patch.max_member_adds, Some(20));
        Learned::MemberAddsAtMost(50).apply(&mut p);
        assert_eq!(p.patch.max_member_adds, Some(20));
    }

    #[test]
    fn every_fact_round_trips_and_turns_its_capability_off() {
        for l in Learned::ALL {
            assert_eq!(Learned::parse(l.key()), Some(l.clone()));
            let mut p = CapabilityProfile::from_service_provider_config(&serde_json::json!({
                "patch": {"supported": true}, "bulk": {"supported": true, "maxOperations": 10},
                "filter": {"supported": true}, "sort": {"supported": true}}));
            l.apply(&mut p);
            let off = match l {
                Learned::PatchUnsupported => !p.patch.supported,
                Learned::BulkUnsupported => !p.bulk.supported,
                Learned::SortUnsupported => !p.sort,
                Learned::FilterUnsupported => !p.filter.supported,
                Learned::IfMatchIgnored => !p.etag,
                Learned::StartIndexFromZero => p.paging.zero_based_index,
                Learned::TotalResultsWrong => p.paging.total_unreliable,
                Learned::MemberAddsAtMost(_) | Learned::FilterRefusedOn(_) => true,
            };
            assert!(off, "{l:?}");
        }
    }
}
