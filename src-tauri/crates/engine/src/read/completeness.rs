//! How complete a local copy is.
//!
//! A copy is complete only when every read of its sync reached what the provider announced
//! (`totalResults`). Providers stop early (pages that end before the announced total, a cursor
//! that runs out, a page repeated), and a copy made from such a read is missing people: it is
//! labelled in the window and the CLI, and it is never the base of a deletion or deactivation.

use desk_store::SnapshotInfo;
use scim_client::{PagerEnd, ReadOutcome};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What one read of a sync listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReadWhat {
    Users,
    Groups,
    /// Group memberships read per user (providers that hide members on group reads).
    Memberships,
    /// The list of every user id an incremental sync reads to find deletions.
    UserIds,
    /// The list of every group id an incremental sync reads to find deletions.
    GroupIds,
    /// The earlier copy an incremental sync starts from.
    EarlierCopy,
}

/// How a read ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReadEnd {
    /// Reached what the provider announced (or its own end, when it announced nothing).
    Complete,
    /// A page came back empty before the announced total.
    EmptyPage,
    /// A page repeated an earlier one before the announced total.
    RepeatedPage,
    /// The provider gave no next cursor before the announced total.
    CursorEnded,
    /// The earlier copy an incremental sync was built on was itself incomplete.
    IncompleteBase,
}

impl From<PagerEnd> for ReadEnd {
    fn from(e: PagerEnd) -> Self {
        match e {
            PagerEnd::Complete => ReadEnd::Complete,
            PagerEnd::EmptyPage => ReadEnd::EmptyPage,
            PagerEnd::RepeatedPage => ReadEnd::RepeatedPage,
            PagerEnd::CursorEnded => ReadEnd::CursorEnded,
        }
    }
}

/// One read of a sync: what, how it ended, how many were read of how many announced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReadRecord {
    pub what: ReadWhat,
    pub end: ReadEnd,
    pub read: u32,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announced: Option<u32>,
}

fn u32_of(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl ReadRecord {
    /// The record of a finished paged read.
    pub fn of(what: ReadWhat, outcome: Option<ReadOutcome>, read: u64) -> Self {
        match outcome {
            Some(o) => ReadRecord {
                what,
                end: o.end.into(),
                read: u32_of(o.read),
                announced: o.announced.map(u32_of),
            },
            // A pager that handed out its last page without saying why has no end: it read
            // what the provider gave until the provider had nothing more.
            None => ReadRecord {
                what,
                end: ReadEnd::Complete,
                read: u32_of(read),
                announced: None,
            },
        }
    }

    pub fn is_complete(&self) -> bool {
        self.end == ReadEnd::Complete
    }

    /// The shortfall in words, e.g. "200 of 300 users" (None when complete).
    pub fn shortfall(&self) -> Option<String> {
        if self.is_complete() {
            return None;
        }
        let of = |noun: &str| match self.announced {
            Some(a) => format!("{} of {a} {noun}", self.read),
            None => format!("{} {noun}", self.read),
        };
        Some(match self.what {
            ReadWhat::Users => of("users"),
            ReadWhat::Groups => of("groups"),
            ReadWhat::Memberships => "some group memberships were cut short".into(),
            ReadWhat::UserIds => format!("the check for deleted users stopped at {}", of("ids")),
            ReadWhat::GroupIds => format!("the check for deleted groups stopped at {}", of("ids")),
            ReadWhat::EarlierCopy => "built on an earlier copy that was incomplete".into(),
        })
    }
}

/// How complete a copy is, in a form the window and the CLI show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Completeness {
    /// True only when every read reached what the provider announced.
    pub complete: bool,
    /// "Incomplete copy: 200 of 300 users", when not complete.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// Why, and what to do, in plain words (when not complete).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
    pub reads: Vec<ReadRecord>,
}

/// What an incomplete copy means for the person.
pub const INCOMPLETE_ADVICE: &str = "The provider stopped sending records before it had sent \
     all it announced. Browsing and search show what was read; nobody is deactivated or deleted \
     on the strength of this copy. Sync again; if it stays incomplete, the provider is cutting \
     its lists short: ask its administrators.";

impl Completeness {
    /// From the reads of a sync (complete when every read was).
    pub fn of_reads(reads: Vec<ReadRecord>) -> Self {
        let complete = reads.iter().all(ReadRecord::is_complete);
        Self::labelled(complete, reads)
    }

    /// Of a stored snapshot. A snapshot with no reads recorded was made by an earlier version,
    /// which marked every copy complete whatever its reads did: not known to be complete.
    pub fn of_snapshot(s: &SnapshotInfo) -> Self {
        let reads: Vec<ReadRecord> = serde_json::from_value(s.reads.clone()).unwrap_or_default();
        if reads.is_empty() && !s.complete {
            return Completeness {
                complete: false,
                warning: Some(
                    "Copy not known to be complete (made by an earlier version of SCIM Desk)"
                        .into(),
                ),
                advice: Some(
                    "Sync again: SCIM Desk now checks that every read reached what the provider \
                     announced. Until then nobody is deactivated or deleted on the strength of \
                     this copy."
                        .into(),
                ),
                reads,
            };
        }
        Self::labelled(s.complete, reads)
    }

    fn labelled(complete: bool, reads: Vec<ReadRecord>) -> Self {
        if complete {
            return Completeness {
                complete,
                warning: None,
                advice: None,
                reads,
            };
        }
        let parts: Vec<String> = reads.iter().filter_map(ReadRecord::shortfall).collect();
        let warning = if parts.is_empty() {
            "Incomplete copy".to_string()
        } else {
            format!("Incomplete copy: {}", parts.join("; "))
        };
        Completeness {
            complete,
            warning: Some(warning),
            advice: Some(INCOMPLETE_ADVICE.into()),
            reads,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(what: ReadWhat, end: ReadEnd, read: u32, announced: Option<u32>) -> ReadRecord {
        ReadRecord {
            what,
            end,
            read,
            announced,
        }
    }

    #[test]
    fn a_short_read_makes_an_incomplete_copy_labelled_with_counts() {
        let c = Completeness::of_reads(vec![
            rec(ReadWhat::Users, ReadEnd::EmptyPage, 200, Some(300)),
            rec(ReadWhat::Groups, ReadEnd::Complete, 12, Some(12)),
        ]);
        assert!(
            !c.complete,
            "one short read makes the whole copy incomplete"
        );
        assert_eq!(
            c.warning.as_deref(),
            Some("Incomplete copy: 200 of 300 users")
        );
        let ok = Completeness::of_reads(vec![rec(ReadWhat::Users, ReadEnd::Complete, 3, None)]);
        assert!(ok.complete && ok.warning.is_none());
    }

    #[test]
    fn a_snapshot_from_an_earlier_version_is_not_known_to_be_complete() {
        let s = SnapshotInfo {
            id: 1,
            provider_id: 1,
            kind: "full".into(),
            started_at: String::new(),
            finished_at: String::new(),
            users: 3,
            groups: 0,
            memberships: 0,
            complete: false,
            reads: serde_json::json!([]),
        };
        let c = Completeness::of_snapshot(&s);
        assert!(!c.complete);
        assert!(c.warning.unwrap().contains("not known to be complete"));
    }
}
