//! Which links are due to run on their schedule ("every N minutes while SCIM Desk is open").
//! The window's timer asks; the engine decides from the history.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::{Desk, DeskError};

/// The time now (what [`Desk::links_due`] is asked with).
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// True when a link run every `every_minutes`, last started at `last_start` (RFC 3339; none:
/// never run), is due at `now`.
pub fn is_due(every_minutes: u32, last_start: Option<&str>, now: OffsetDateTime) -> bool {
    let Some(last) = last_start else {
        return true;
    };
    match OffsetDateTime::parse(last, &Rfc3339) {
        Ok(t) => now - t >= time::Duration::minutes(i64::from(every_minutes)),
        // A start time that does not read: better run than never again.
        Err(_) => true,
    }
}

impl Desk {
    /// The names of the links with a schedule that are due at `now`.
    pub fn links_due(&self, now: OffsetDateTime) -> Result<Vec<String>, DeskError> {
        let mut due = Vec::new();
        for link in self.links()? {
            let Some(every) = link.settings.every_minutes else {
                continue;
            };
            let last = link.last_run.as_ref().map(|r| r.started_at.as_str());
            if is_due(every, last, now) {
                due.push(link.name);
            }
        }
        Ok(due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_due_once_its_interval_has_passed_since_its_last_start() {
        let now = OffsetDateTime::parse("2026-11-30T12:00:00Z", &Rfc3339).unwrap();
        assert!(is_due(15, None, now), "never run: due");
        assert!(!is_due(15, Some("2026-11-30T11:50:00Z"), now));
        assert!(is_due(15, Some("2026-11-30T11:45:00Z"), now));
        assert!(
            is_due(15, Some("2026-11-30T12:40:00+01:00"), now),
            "offsets count"
        );
        assert!(is_due(15, Some("yesterday"), now));
    }
}
