//! A provider's capability profile as the person wants it: the preset chosen for it (a
//! well-known provider's documented behaviour) and their overrides of what was detected.

use scim_client::{CapabilityProfile, Preset, ProfileOverrides};
use serde_json::Value;

use crate::{Desk, DeskError};

/// The stored spelling of a preset (`entra_id`, `okta`, …).
pub fn preset_name(p: Preset) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "generic".into())
}

/// A preset from its stored spelling.
pub fn parse_preset(s: &str) -> Option<Preset> {
    serde_json::from_value(Value::String(s.to_string())).ok()
}

impl Desk {
    /// The preset chosen for provider `name` (generic when none was chosen).
    pub fn preset(&self, name: &str) -> Result<Preset, DeskError> {
        let db = self.db()?;
        let row = db.provider(name)?;
        Ok(db
            .provider_preset(row.id)?
            .and_then(|p| parse_preset(&p))
            .unwrap_or(Preset::Generic))
    }

    /// Chooses the preset of provider `name`; it applies from the next test or sync.
    pub fn set_preset(&self, name: &str, preset: Preset) -> Result<(), DeskError> {
        let db = self.db()?;
        let row = db.provider(name)?;
        Ok(db.set_provider_preset(row.id, &preset_name(preset))?)
    }

    /// The person's overrides of provider `name`'s detected profile.
    pub fn overrides(&self, name: &str) -> Result<ProfileOverrides, DeskError> {
        let db = self.db()?;
        let row = db.provider(name)?;
        Ok(db
            .provider_overrides(row.id)?
            .and_then(|o| serde_json::from_str(&o).ok())
            .unwrap_or_default())
    }

    /// Replaces the person's overrides of provider `name`'s profile.
    pub fn set_overrides(&self, name: &str, o: &ProfileOverrides) -> Result<(), DeskError> {
        // The client is built with some of them (the timeout): build it again.
        self.forget_client(name);
        let db = self.db()?;
        let row = db.provider(name)?;
        let json = serde_json::to_string(o)
            .map_err(|e| DeskError::Internal(format!("the overrides: {e}")))?;
        Ok(db.set_provider_overrides(row.id, &json)?)
    }

    /// `detected` with what was learned about provider `name` and then the person's overrides
    /// applied (the person has the last word).
    pub(crate) fn with_overrides(
        &self,
        name: &str,
        mut detected: CapabilityProfile,
    ) -> Result<CapabilityProfile, DeskError> {
        for f in self.learned_facts(name)? {
            f.fact.apply(&mut detected);
        }
        detected.apply_overrides(&self.overrides(name)?);
        Ok(detected)
    }
}

/// Reads `key=value` overrides from the command line into `o`.
pub fn parse_override(o: &mut ProfileOverrides, item: &str) -> Result<(), DeskError> {
    let bad = |why: &str| {
        DeskError::InvalidInput(format!(
            "\"{item}\": {why}. Use page_size=N, cursor=yes|no, filter=yes|no, sort=yes|no, \
             etag=yes|no, bulk=yes|no, patch=yes|no, max_concurrency=N, min_write_interval_ms=N, \
             single_valued_multis=yes|no, timeout_secs=N or members_read=inline|filter_per_user|…"
        ))
    };
    let (key, value) = item.split_once('=').ok_or_else(|| bad("not key=value"))?;
    let flag = || match value.trim().to_lowercase().as_str() {
        "yes" | "true" | "on" => Ok(true),
        "no" | "false" | "off" => Ok(false),
        _ => Err(bad("not yes or no")),
    };
    let number = || value.trim().parse::<u32>().map_err(|_| bad("not a number"));
    match key.trim().replace('-', "_").as_str() {
        "page_size" => o.page_size = Some(number()?),
        "cursor" => o.cursor = Some(flag()?),
        "filter" => o.filter = Some(flag()?),
        "sort" => o.sort = Some(flag()?),
        "etag" => o.etag = Some(flag()?),
        "bulk" => o.bulk = Some(flag()?),
        "patch" => o.patch = Some(flag()?),
        "max_concurrency" => o.max_concurrency = Some(number()?),
        "min_write_interval_ms" => o.min_write_interval_ms = Some(number()?),
        "single_valued_multis" => o.single_valued_multis = Some(flag()?),
        "timeout_secs" => o.timeout_secs = Some(number()?.clamp(1, 600)),
        "members_read" => {
            o.members_read = Some(
                serde_json::from_value(Value::String(value.trim().to_string()))
                    .map_err(|_| bad("not a way of reading members"))?,
            )
        }
        _ => return Err(bad("unknown setting")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overrides_and_refuses_nonsense() {
        let mut o = ProfileOverrides::default();
        parse_override(&mut o, "page_size=50").unwrap();
        parse_override(&mut o, "sort=no").unwrap();
        parse_override(&mut o, "members-read=filter_per_user").unwrap();
        assert_eq!(o.page_size, Some(50));
        assert_eq!(o.sort, Some(false));
        assert_eq!(
            o.members_read,
            Some(scim_client::MembersRead::FilterPerUser)
        );
        assert!(parse_override(&mut o, "sort=maybe").is_err());
        assert!(parse_override(&mut o, "colour=blue").is_err());
        assert_eq!(
            parse_preset(&preset_name(Preset::EntraId)),
            Some(Preset::EntraId)
        );
    }
}
