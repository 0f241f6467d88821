//! Discovery's probes remembered: what a provider does that its documents do not say (paging
//! past the end, filters ignored or refused, case in user names, extension attributes) is
//! found by a handful of reads before the first page of a sync. On a provider that answers one
//! request at a time those reads are a visible share of a sync, so their findings are kept with
//! the provider's profile and reused while the provider's documents are the same (by digest),
//! for a day; a failed sync forgets them, so the next one probes again.

use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::providers::profiles::preset_name;
use crate::{Desk, DeskError};

/// How long probe findings are reused.
const KEPT: time::Duration = time::Duration::days(1);

/// The digest of what a discovery's findings depend on: the three documents and the preset.
pub(crate) fn documents_digest(d: &scim_client::Discovery, preset: scim_client::Preset) -> String {
    let mut h = Sha256::new();
    for part in [
        preset_name(preset),
        d.service_provider_config.to_string(),
        serde_json::Value::from(d.resource_type_documents.clone()).to_string(),
        serde_json::Value::from(d.schema_documents.clone()).to_string(),
    ] {
        h.update(part.len().to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Whether findings probed at `probed_at` (RFC 3339) are still reused at `now`.
fn recent(probed_at: &str, now: OffsetDateTime) -> bool {
    OffsetDateTime::parse(probed_at, &Rfc3339).is_ok_and(|t| now - t < KEPT && t <= now)
}

impl Desk {
    /// Discovers provider `provider_id` through `client` with `preset`, reusing its remembered
    /// probe findings when its documents are the same and the findings recent, and saves the
    /// profile and notes found (remembering fresh findings for next time).
    pub(crate) async fn discover_remembering(
        &self,
        provider_id: i64,
        client: &scim_client::ScimClient,
        preset: scim_client::Preset,
    ) -> Result<scim_client::Discovery, DeskError> {
        let remembered = self.db()?.remembered_probes(provider_id)?;
        let now = OffsetDateTime::now_utc();
        let discovery = scim_client::discover_with(client, preset, |d| {
            let r = remembered.as_ref()?;
            if r.digest != documents_digest(d, preset) || !recent(&r.probed_at, now) {
                return None;
            }
            let profile = serde_json::from_str(&r.profile).ok()?;
            let notes = serde_json::from_str(&r.notes).ok()?;
            Some((profile, notes))
        })
        .await?;
        self.save_discovery(provider_id, preset, &discovery)?;
        Ok(discovery)
    }

    /// Saves the profile and notes `discovery` found for `provider_id`, and remembers its
    /// probe findings when it sent probes (forgets them when it could not).
    pub(crate) fn save_discovery(
        &self,
        provider_id: i64,
        preset: scim_client::Preset,
        discovery: &scim_client::Discovery,
    ) -> Result<(), DeskError> {
        let db = self.db()?;
        db.save_provider_profile(
            provider_id,
            &preset_name(preset),
            &serde_json::to_string(&discovery.profile).unwrap_or_default(),
            &serde_json::to_string(&discovery.notes).unwrap_or_default(),
        )?;
        match discovery.probes {
            scim_client::Probes::Sent => {
                db.remember_probes(provider_id, Some(&documents_digest(discovery, preset)))?
            }
            scim_client::Probes::NotSent => db.remember_probes(provider_id, None)?,
            scim_client::Probes::Remembered => {}
        }
        Ok(())
    }

    /// Forgets provider `provider_id`'s remembered probe findings: the next discovery probes.
    pub(crate) fn forget_probes(&self, provider_id: i64) -> Result<(), DeskError> {
        Ok(self.db()?.remember_probes(provider_id, None)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_reused_for_a_day_and_not_from_the_future_or_unreadable_times() {
        let now = OffsetDateTime::parse("2026-12-01T12:00:00Z", &Rfc3339).unwrap();
        assert!(recent("2026-12-01T11:00:00Z", now));
        assert!(recent("2026-11-30T12:00:01Z", now));
        assert!(!recent("2026-11-30T12:00:00Z", now));
        assert!(!recent("2026-12-01T13:00:00Z", now));
        assert!(!recent("yesterday", now));
    }
}
