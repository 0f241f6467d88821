//! How long the offline copies are kept: copies older than the person's limit are removed at
//! start and after each sync; the newest copy of each provider stays unless they choose
//! otherwise.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Desk, DeskError};

const KEEP_DAYS: &str = "keep_days";
const KEEP_NEWEST: &str = "keep_newest_copy";

/// The person's retention settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Retention {
    /// Copies older than this many days are removed; none: no age limit.
    pub keep_days: Option<u32>,
    /// The newest copy of each provider stays, however old (offline review keeps working).
    pub keep_newest: bool,
    /// At most this many copies per provider (the newest).
    pub keep_copies: u32,
}

impl Desk {
    /// The retention settings.
    pub fn retention(&self) -> Result<Retention, DeskError> {
        let keep_copies = u32::try_from(self.keep_snapshots()?).unwrap_or(u32::MAX);
        let db = self.db()?;
        Ok(Retention {
            keep_days: db
                .setting(KEEP_DAYS)?
                .and_then(|v| v.parse().ok())
                .filter(|d| *d > 0),
            keep_newest: db.setting(KEEP_NEWEST)?.as_deref() != Some("no"),
            keep_copies,
        })
    }

    /// Saves the retention settings and applies them at once; returns how many copies went.
    pub fn set_retention(&self, r: &Retention) -> Result<usize, DeskError> {
        if r.keep_days == Some(0) {
            return Err(DeskError::InvalidInput(
                "Keep copies for at least one day, or without a limit.".into(),
            ));
        }
        self.set_keep_snapshots(r.keep_copies)?;
        {
            let db = self.db()?;
            db.set_setting(
                KEEP_DAYS,
                &r.keep_days.map(|d| d.to_string()).unwrap_or_default(),
            )?;
            db.set_setting(KEEP_NEWEST, if r.keep_newest { "yes" } else { "no" })?;
        }
        self.apply_retention()
    }

    /// Removes every provider's copies older than the limit (none without one); returns how
    /// many went.
    pub fn apply_retention(&self) -> Result<usize, DeskError> {
        let r = self.retention()?;
        let Some(days) = r.keep_days else {
            return Ok(0);
        };
        let cutoff = desk_store::format_rfc3339(
            time::OffsetDateTime::now_utc() - time::Duration::days(i64::from(days)),
        );
        let db = self.db()?;
        let mut removed = 0;
        for p in db.providers()? {
            removed += db.prune_older_than(p.id, &cutoff, r.keep_newest)?;
        }
        Ok(removed)
    }
}
