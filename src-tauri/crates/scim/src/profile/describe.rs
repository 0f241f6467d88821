//! A profile in words, one line per capability, for `provider test` and the window.

use super::*;

/// One capability of a provider, as `provider test` and the window show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapabilityLine {
    pub name: String,
    /// The provider has it (a limit or a fact about it counts as had).
    pub supported: bool,
    /// How, in words ("supported (at most 1000 operations)", "not supported (PUT is used)").
    pub words: String,
}

impl CapabilityProfile {
    /// One line per capability, e.g. `sort: not supported`, for `provider test` and the UI:
    /// whether the provider has it, decided from the profile, and the words that say how.
    pub fn describe(&self) -> Vec<CapabilityLine> {
        let line = |name: &str, supported: bool, words: String| CapabilityLine {
            name: name.to_string(),
            supported,
            words,
        };
        let yn = |b: bool| if b { "supported" } else { "not supported" }.to_string();
        let mut v = vec![
            line("preset", true, self.preset.label().to_string()),
            line(
                "paging",
                !self.paging.requires_filter,
                match (
                    self.paging.cursor,
                    self.paging.index,
                    self.paging.requires_filter,
                ) {
                    (_, _, true) => "none (lookups by filter only)".to_string(),
                    (true, true, _) => {
                        format!("cursor and index, {} per page", self.paging.page_size)
                    }
                    (true, false, _) => format!("cursor only, {} per page", self.paging.page_size),
                    (false, _, _) => format!("index, {} per page", self.paging.page_size),
                },
            ),
            line(
                "filter",
                self.filter.supported,
                match (&self.filter.supported, &self.filter.operators) {
                    (false, _) => "not supported".to_string(),
                    (true, Some(ops)) => format!("supported ({} only)", ops.join(", ")),
                    (true, None) => match self.filter.max_results {
                        Some(m) => format!("supported (at most {m} results)"),
                        None => "supported".to_string(),
                    },
                },
            ),
            line("sort", self.sort, yn(self.sort)),
            line(
                "patch",
                self.patch.supported,
                if self.patch.supported {
                    "supported"
                } else {
                    "not supported (PUT is used)"
                }
                .to_string(),
            ),
            line("put", self.put, yn(self.put)),
            line("etag", self.etag, yn(self.etag)),
            line(
                "bulk",
                self.bulk.supported,
                if self.bulk.supported {
                    format!(
                        "supported (at most {} operations)",
                        self.bulk.max_operations
                    )
                } else {
                    "not supported".to_string()
                },
            ),
            line(
                "group members",
                self.members_read == MembersRead::Inline,
                match self.members_read {
                    MembersRead::Inline => "read with the group".to_string(),
                    MembersRead::FilterPerUser => "hidden: read per user with a filter".to_string(),
                },
            ),
            line(
                "concurrency",
                true,
                format!("{} request(s) at once", self.rate.max_concurrency),
            ),
        ];
        if let Some(n) = self.patch.max_member_adds {
            v.push(line("member adds per request", true, n.to_string()));
        }
        if let Some(n) = self.patch.max_member_removes {
            v.push(line("member removes per request", true, n.to_string()));
        }
        v
    }
}
