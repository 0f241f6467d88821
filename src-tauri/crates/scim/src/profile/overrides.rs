//! The person's corrections to a detected profile (`provider override`).

use super::*;
use serde::{Deserialize, Serialize};

/// The person's corrections to a detected profile. `None` keeps what was detected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileOverrides {
    pub page_size: Option<u32>,
    pub cursor: Option<bool>,
    pub filter: Option<bool>,
    pub sort: Option<bool>,
    pub etag: Option<bool>,
    pub bulk: Option<bool>,
    pub max_concurrency: Option<u32>,
    pub members_read: Option<MembersRead>,
    /// Least time between writes in milliseconds (a provider that throttles writes).
    #[serde(default)]
    pub min_write_interval_ms: Option<u32>,
    /// Multi-valued attributes hold one value only.
    #[serde(default)]
    pub single_valued_multis: Option<bool>,
    /// Seconds a request may take before it is given up (a slow provider); 60 by default.
    #[serde(default)]
    pub timeout_secs: Option<u32>,
    /// PATCH works (or not), whatever was detected or learned.
    #[serde(default)]
    pub patch: Option<bool>,
}

impl CapabilityProfile {
    /// Applies the person's overrides.
    pub fn apply_overrides(&mut self, o: &ProfileOverrides) {
        if let Some(v) = o.page_size {
            self.paging.page_size = v.clamp(1, self.paging.max_page_size.max(1));
        }
        if let Some(v) = o.cursor {
            self.paging.cursor = v;
        }
        if let Some(v) = o.filter {
            self.filter.supported = v;
        }
        if let Some(v) = o.sort {
            self.sort = v;
        }
        if let Some(v) = o.etag {
            self.etag = v;
        }
        if let Some(v) = o.bulk {
            self.bulk.supported = v && self.bulk.max_operations > 0;
        }
        if let Some(v) = o.max_concurrency {
            self.rate.max_concurrency = v.max(1);
        }
        if let Some(v) = o.members_read {
            self.members_read = v;
        }
        if let Some(v) = o.min_write_interval_ms {
            self.rate.min_write_interval_ms = v;
        }
        if let Some(v) = o.single_valued_multis {
            self.single_valued_multis = v;
        }
        if let Some(v) = o.patch {
            self.patch.supported = v;
        }
    }
}
