//! What SCIM Desk learns about a provider while working with it: a request its documents say
//! it supports, refused as unsupported. The fact is kept (with the answer that taught it and
//! when), applied to the provider's profile from then on, shown beside the detected
//! capabilities, and forgotten on request (`provider relearn`).

use scim_client::{CapabilityProfile, ScimError};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Desk, DeskError};

/// A fact learned from a provider's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
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
}

impl Learned {
    const ALL: [Learned; 5] = [
        Learned::PatchUnsupported,
        Learned::BulkUnsupported,
        Learned::SortUnsupported,
        Learned::FilterUnsupported,
        Learned::IfMatchIgnored,
    ];

    /// The stored spelling (with its number, for a limit).
    fn stored(self) -> String {
        match self {
            Learned::MemberAddsAtMost(n) => format!("member_adds_at_most:{n}"),
            other => other.key().to_string(),
        }
    }

    /// The stored spelling of a fact without a number.
    fn key(self) -> &'static str {
        match self {
            Learned::PatchUnsupported => "patch_unsupported",
            Learned::BulkUnsupported => "bulk_unsupported",
            Learned::SortUnsupported => "sort_unsupported",
            Learned::FilterUnsupported => "filter_unsupported",
            Learned::IfMatchIgnored => "if_match_ignored",
            Learned::MemberAddsAtMost(_) => "member_adds_at_most",
        }
    }

    fn parse(key: &str) -> Option<Learned> {
        if let Some(n) = key.strip_prefix("member_adds_at_most:") {
            return n.parse().ok().map(Learned::MemberAddsAtMost);
        }
        Self::ALL.into_iter().find(|l| l.key() == key)
    }

    /// What it means, in words.
    fn words(self) -> String {
        if let Learned::MemberAddsAtMost(n) = self {
            return format!(
                "group members added in one request: at most {n}; larger changes are split"
            );
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
            Learned::MemberAddsAtMost(_) => "",
        }
        .to_string()
    }

    /// The profile as this fact says the provider behaves.
    pub fn apply(self, p: &mut CapabilityProfile) {
        match self {
            Learned::PatchUnsupported => p.patch.supported = false,
            Learned::BulkUnsupported => p.bulk.supported = false,
            Learned::SortUnsupported => p.sort = false,
            Learned::FilterUnsupported => p.filter.supported = false,
            Learned::IfMatchIgnored => p.etag = false,
            Learned::MemberAddsAtMost(n) => {
                p.patch.max_member_adds =
                    Some(p.patch.max_member_adds.map_or(n, |m| m.min(n)).max(1));
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
        if let Learned::MemberAddsAtMost(_) = fact {
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
        assert_eq!(Learned::parse(&l.stored()), Some(l));
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
            assert_eq!(Learned::parse(l.key()), Some(l));
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
                Learned::MemberAddsAtMost(_) => true,
            };
            assert!(off, "{l:?}");
        }
    }
}
