//! Wiping directory data on request: the offline copies, audit entries and migration journals
//! of one provider or of all, named before they go; and starting fresh when the encrypted copy
//! cannot be opened any more.

use serde::Serialize;
use ts_rs::TS;

use crate::{DataPaths, Desk, DeskError};

/// What a wipe removes (before) or removed (after).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WipeSummary {
    /// The provider whose data goes; none: every provider's.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    pub copies: u32,
    /// Users and groups in those copies.
    pub records: u32,
    pub audit_entries: u32,
    pub migrations: u32,
    /// The same in words, for the confirmation and the result.
    pub words: String,
}

fn n(x: i64) -> u32 {
    u32::try_from(x.max(0)).unwrap_or(u32::MAX)
}

fn count(n: u32, one: &str, many: &str) -> String {
    let num = n
        .to_string()
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(",");
    format!("{num} {}", if n == 1 { one } else { many })
}

impl WipeSummary {
    fn of(provider: Option<&str>, c: desk_store::WipeCounts) -> Self {
        let (copies, records, audit_entries, migrations) = (
            n(c.copies),
            n(c.records),
            n(c.audit_entries),
            n(c.migrations),
        );
        let whose = provider.map_or("every provider".to_string(), |p| format!("\"{p}\""));
        let words = format!(
            "{} ({}), {} and {} of {whose}",
            count(copies, "offline copy", "offline copies"),
            count(records, "user or group", "users and groups"),
            count(audit_entries, "audit entry", "audit entries"),
            count(migrations, "journal", "journals"),
        );
        Self {
            provider: provider.map(str::to_string),
            copies,
            records,
            audit_entries,
            migrations,
            words,
        }
    }
}

impl Desk {
    /// What [`Desk::wipe`] would remove, in numbers and words (for the confirmation).
    pub fn wipe_preview(&self, provider: Option<&str>) -> Result<WipeSummary, DeskError> {
        let db = self.db()?;
        if let Some(p) = provider {
            db.provider(p)?;
        }
        Ok(WipeSummary::of(provider, db.wipe_counts(provider)?))
    }

    /// Removes the offline copies, audit entries and migration journals of `provider` (none:
    /// every provider), overwriting them and rebuilding the file; the providers stay configured.
    pub fn wipe(&self, provider: Option<&str>) -> Result<WipeSummary, DeskError> {
        let db = self.db()?;
        if let Some(p) = provider {
            db.provider(p)?;
        }
        Ok(WipeSummary::of(provider, db.wipe(provider)?))
    }
}

/// Starts fresh when the encrypted copy cannot be opened (its key lost, or not the one in the
/// keyring): the database and its companions are set aside under a dated name (not deleted: if
/// the key turns up, the file can be put back), and an unreadable keyring entry is removed so a
/// new key can be made. The next start makes a new, empty, encrypted database. Returns the name
/// the old file now has.
pub fn start_fresh(
    paths: &DataPaths,
    secrets: &dyn crate::providers::secrets::SecretStore,
) -> Result<std::path::PathBuf, DeskError> {
    let db = paths.database();
    let stamp = desk_store::now_rfc3339().replace([':', '-'], "");
    let aside = db.with_file_name(format!("scim-desk.set-aside-{stamp}.sqlite3"));
    let io = |e: std::io::Error| DeskError::Internal(format!("setting the old copy aside: {e}"));
    if db.exists() {
        std::fs::rename(&db, &aside).map_err(io)?;
    }
    for suffix in ["-wal", "-shm"] {
        let mut from = db.as_os_str().to_owned();
        from.push(suffix);
        let mut to = aside.as_os_str().to_owned();
        to.push(suffix);
        if std::path::Path::new(&from).exists() {
            std::fs::rename(&from, &to).map_err(io)?;
        }
    }
    if let Ok(Some(v)) = secrets.get(super::key::KEY_ENTRY) {
        if desk_store::DatabaseKey::from_hex(v.expose()).is_none() {
            secrets.delete(super::key::KEY_ENTRY)?;
        }
    }
    Ok(aside)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_words() {
        let s = WipeSummary::of(
            Some("HR"),
            desk_store::WipeCounts {
                copies: 3,
                records: 12_345,
                audit_entries: 1,
                migrations: 0,
            },
        );
        assert_eq!(
            s.words,
            "3 offline copies (12,345 users and groups), 1 audit entry and 0 journals \
             of \"HR\""
        );
    }
}
