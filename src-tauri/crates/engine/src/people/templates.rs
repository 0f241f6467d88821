//! Department templates for onboarding: the groups most people of a department are in, per
//! provider, read from the copies (at least half of them, most shared first).

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

use crate::{Desk, DeskError};

/// A group the people of a department are usually in, in one provider.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UsualGroup {
    pub provider: String,
    pub group_id: String,
    pub name: String,
    /// How many of the department's people are in it, of how many.
    pub members: u32,
    pub of: u32,
}

impl Desk {
    /// The groups most people of `department` are in, per provider (from the copies): at least
    /// half of them, most shared first.
    pub fn usual_groups(&self, department: &str) -> Result<Vec<UsualGroup>, DeskError> {
        let index = self.people_index()?;
        let db = self.db()?;
        let want = department.trim().to_lowercase();
        let mut out = Vec::new();
        for (pi, p) in index.providers.iter().enumerate() {
            let staff: Vec<&str> = index
                .accounts
                .iter()
                .filter(|(ap, row)| {
                    *ap == pi
                        && row
                            .department
                            .as_deref()
                            .is_some_and(|d| d.trim().to_lowercase() == want)
                })
                .map(|(_, row)| row.id.as_str())
                .collect();
            if staff.is_empty() {
                continue;
            }
            let mut counts: BTreeMap<(String, String), u32> = BTreeMap::new();
            for id in &staff {
                for (gid, name) in db.account_groups(p.snapshot_id, id)? {
                    let name = name.unwrap_or_else(|| gid.clone());
                    *counts.entry((gid, name)).or_default() += 1;
                }
            }
            let of = u32::try_from(staff.len()).unwrap_or(u32::MAX);
            let mut usual: Vec<UsualGroup> = counts
                .into_iter()
                .filter(|(_, n)| n * 2 >= of)
                .map(|((group_id, name), members)| UsualGroup {
                    provider: p.name.clone(),
                    group_id,
                    name,
                    members,
                    of,
                })
                .collect();
            usual.sort_by(|a, b| b.members.cmp(&a.members).then(a.name.cmp(&b.name)));
            out.extend(usual);
        }
        Ok(out)
    }
}
