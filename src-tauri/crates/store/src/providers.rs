//! The provider registry table. Secrets are never stored here, only the name of their keyring
//! entry (`secret_ref`).

use rusqlite::{params, OptionalExtension, Row};

use crate::{Database, Kind, StoreError};

/// A provider as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderRow {
    pub id: i64,
    pub name: String,
    pub base_url: String,
    pub auth_kind: String,
    pub username: Option<String>,
    pub secret_ref: Option<String>,
    pub tls_skip_verify: bool,
    pub is_demo: bool,
    pub created_at: String,
    pub last_sync_at: Option<String>,
    /// OAuth 2.0 token endpoint (client credentials).
    pub token_url: Option<String>,
    pub scope: Option<String>,
    /// The provider's own certificate authority (PEM), when it has one.
    pub ca_pem: Option<String>,
    /// Plain http to a host other than this computer, switched on by the person.
    pub allow_plain_http: bool,
    /// Its values are the truth for people (the HR directory).
    pub source_of_truth: bool,
}

/// The connection settings of a provider (all but its name), as written by add and edit.
#[derive(Debug, Clone, Default)]
pub struct ProviderSettings<'a> {
    pub base_url: &'a str,
    pub auth_kind: &'a str,
    pub username: Option<&'a str>,
    pub secret_ref: Option<&'a str>,
    pub tls_skip_verify: bool,
    pub token_url: Option<&'a str>,
    pub scope: Option<&'a str>,
    pub ca_pem: Option<&'a str>,
    pub allow_plain_http: bool,
}

/// What is needed to insert a provider.
#[derive(Debug, Clone)]
pub struct NewProvider<'a> {
    pub name: &'a str,
    pub base_url: &'a str,
    pub auth_kind: &'a str,
    pub username: Option<&'a str>,
    pub secret_ref: Option<&'a str>,
    pub tls_skip_verify: bool,
    pub is_demo: bool,
}

impl<'a> NewProvider<'a> {
    /// A provider that needs no credentials (tests, benchmarks, a local directory read offline).
    pub fn without_auth(name: &'a str, base_url: &'a str) -> Self {
        Self {
            name,
            base_url,
            auth_kind: "none",
            username: None,
            secret_ref: None,
            tls_skip_verify: false,
            is_demo: false,
        }
    }
}

const COLUMNS: &str = "id, name, base_url, auth_kind, username, secret_ref, tls_skip_verify, \
                       is_demo, created_at, last_sync_at, token_url, scope, ca_pem, \
                       allow_plain_http, source_of_truth";

fn row_to_provider(r: &Row<'_>) -> rusqlite::Result<ProviderRow> {
    Ok(ProviderRow {
        id: r.get(0)?,
        name: r.get(1)?,
        base_url: r.get(2)?,
        auth_kind: r.get(3)?,
        username: r.get(4)?,
        secret_ref: r.get(5)?,
        tls_skip_verify: r.get(6)?,
        is_demo: r.get(7)?,
        created_at: r.get(8)?,
        last_sync_at: r.get(9)?,
        token_url: r.get(10)?,
        scope: r.get(11)?,
        ca_pem: r.get(12)?,
        allow_plain_http: r.get(13)?,
        source_of_truth: r.get(14)?,
    })
}

/// An attribute a provider accepted in writes but did not keep.
#[derive(Debug, Clone, PartialEq)]
pub struct UnkeptRow {
    pub kind: Kind,
    pub path: String,
    /// Records it happened to.
    pub records: i64,
    /// RFC 3339.
    pub first_seen: String,
}

impl Database {
    /// Inserts a provider; names are unique regardless of case.
    pub fn insert_provider(&self, p: &NewProvider<'_>) -> Result<ProviderRow, StoreError> {
        let res = self.conn.execute(
            "INSERT INTO providers (name, base_url, auth_kind, username, secret_ref,
                                    tls_skip_verify, is_demo, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                p.name,
                p.base_url,
                p.auth_kind,
                p.username,
                p.secret_ref,
                p.tls_skip_verify,
                p.is_demo,
                crate::now_rfc3339()
            ],
        );
        match res {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(StoreError::DuplicateProvider(p.name.to_string()))
            }
            Err(e) => Err(e.into()),
            Ok(_) => self.provider(p.name),
        }
    }

    /// All providers, by name.
    pub fn providers(&self) -> Result<Vec<ProviderRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM providers ORDER BY name COLLATE NOCASE"
        ))?;
        let rows = stmt
            .query_map([], row_to_provider)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// One provider by name (case-insensitive).
    pub fn provider(&self, name: &str) -> Result<ProviderRow, StoreError> {
        self.conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM providers WHERE name = ?1"))?
            .query_row([name], row_to_provider)
            .optional()?
            .ok_or_else(|| StoreError::ProviderNotFound(name.to_string()))
    }

    /// Sets the OAuth 2.0 settings of a provider.
    pub fn set_provider_oauth(
        &self,
        id: i64,
        token_url: Option<&str>,
        scope: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE providers SET token_url = ?2, scope = ?3 WHERE id = ?1",
            params![id, token_url, scope],
        )?;
        Ok(())
    }

    /// Switches plain http to a host other than this computer on or off for a provider.
    pub fn set_provider_plain_http(&self, id: i64, allow: bool) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE providers SET allow_plain_http = ?2 WHERE id = ?1",
            params![id, allow],
        )?;
        Ok(())
    }

    /// Sets (or clears) the provider's own certificate authority.
    pub fn set_provider_ca(&self, id: i64, ca_pem: Option<&str>) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE providers SET ca_pem = ?2 WHERE id = ?1",
            params![id, ca_pem],
        )?;
        Ok(())
    }

    /// Changes the connection settings of a provider (its name stays).
    pub fn update_provider(
        &self,
        name: &str,
        p: &ProviderSettings<'_>,
    ) -> Result<ProviderRow, StoreError> {
        let row = self.provider(name)?;
        self.conn.execute(
            "UPDATE providers SET base_url = ?2, auth_kind = ?3, username = ?4, secret_ref = ?5,
                    tls_skip_verify = ?6, token_url = ?7, scope = ?8, ca_pem = ?9,
                    allow_plain_http = ?10 WHERE id = ?1",
            params![
                row.id,
                p.base_url,
                p.auth_kind,
                p.username,
                p.secret_ref,
                p.tls_skip_verify,
                p.token_url,
                p.scope,
                p.ca_pem,
                p.allow_plain_http
            ],
        )?;
        self.provider(name)
    }

    /// Removes a provider row. Returns the removed row.
    pub fn delete_provider(&self, name: &str) -> Result<ProviderRow, StoreError> {
        let row = self.provider(name)?;
        self.conn
            .execute("DELETE FROM providers WHERE id = ?1", [row.id])?;
        Ok(row)
    }
}

impl Database {
    /// The preset chosen for a provider, when one was saved.
    pub fn provider_preset(&self, provider_id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT preset FROM provider_profiles WHERE provider_id = ?1",
                [provider_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Saves the detected capability profile (JSON) of a provider.
    pub fn save_provider_profile(
        &self,
        provider_id: i64,
        preset: &str,
        profile: &str,
        notes: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO provider_profiles (provider_id, preset, profile, notes, detected_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (provider_id) DO UPDATE SET preset = excluded.preset,
                 profile = excluded.profile, notes = excluded.notes,
                 detected_at = excluded.detected_at",
            params![provider_id, preset, profile, notes, crate::now_rfc3339()],
        )?;
        Ok(())
    }

    /// Chooses the preset of a provider (used from its next test or sync).
    pub fn set_provider_preset(&self, provider_id: i64, preset: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO provider_profiles (provider_id, preset, profile, detected_at)
             VALUES (?1, ?2, '{}', ?3)
             ON CONFLICT (provider_id) DO UPDATE SET preset = excluded.preset",
            params![provider_id, preset, crate::now_rfc3339()],
        )?;
        Ok(())
    }

    /// Saves the person's overrides (JSON) of a provider's detected profile.
    pub fn set_provider_overrides(
        &self,
        provider_id: i64,
        overrides: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO provider_profiles (provider_id, profile, overrides, detected_at)
             VALUES (?1, '{}', ?2, ?3)
             ON CONFLICT (provider_id) DO UPDATE SET overrides = excluded.overrides",
            params![provider_id, overrides, crate::now_rfc3339()],
        )?;
        Ok(())
    }

    /// Records a fact learned about a provider from how it answered; the first time it was
    /// learned is kept. True when it was new.
    pub fn learn_fact(
        &self,
        provider_id: i64,
        fact: &str,
        evidence: &str,
    ) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "INSERT OR IGNORE INTO provider_learned (provider_id, fact, evidence, learned_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![provider_id, fact, evidence, crate::now_rfc3339()],
        )? > 0)
    }

    /// Forgets the facts learned about a provider whose names match `like` (SQL LIKE).
    pub fn forget_fact(&self, provider_id: i64, like: &str) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM provider_learned WHERE provider_id = ?1 AND fact LIKE ?2",
            params![provider_id, like],
        )?)
    }

    /// The facts learned about a provider: (fact, evidence, learned at), oldest first.
    pub fn learned_facts(
        &self,
        provider_id: i64,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT fact, evidence, learned_at FROM provider_learned
              WHERE provider_id = ?1 ORDER BY learned_at, fact",
        )?;
        let rows = stmt
            .query_map([provider_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Forgets what was learned about a provider (facts and attributes it does not keep);
    /// how many.
    pub fn forget_learned(&self, provider_id: i64) -> Result<usize, StoreError> {
        let facts = self.conn.execute(
            "DELETE FROM provider_learned WHERE provider_id = ?1",
            [provider_id],
        )?;
        let unkept = self.conn.execute(
            "DELETE FROM provider_unkept WHERE provider_id = ?1",
            [provider_id],
        )?;
        Ok(facts + unkept)
    }

    /// Counts one more record of `kind` whose `paths` the provider accepted but did not keep.
    pub fn note_unkept(
        &self,
        provider_id: i64,
        kind: Kind,
        paths: &[String],
    ) -> Result<(), StoreError> {
        let now = crate::now_rfc3339();
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO provider_unkept (provider_id, kind, path, records, first_seen, last_seen)
             VALUES (?1, ?2, ?3, 1, ?4, ?4)
             ON CONFLICT (provider_id, kind, path)
             DO UPDATE SET records = records + 1, last_seen = excluded.last_seen",
        )?;
        for p in paths {
            stmt.execute(params![provider_id, kind, p, now])?;
        }
        Ok(())
    }

    /// The attributes a provider did not keep, most records first.
    pub fn unkept(&self, provider_id: i64) -> Result<Vec<UnkeptRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, path, records, first_seen FROM provider_unkept
              WHERE provider_id = ?1 ORDER BY records DESC, path",
        )?;
        let rows = stmt
            .query_map([provider_id], |r| {
                Ok(UnkeptRow {
                    kind: r.get(0)?,
                    path: r.get(1)?,
                    records: r.get(2)?,
                    first_seen: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The person's overrides (JSON) of a provider's profile.
    pub fn provider_overrides(&self, provider_id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT overrides FROM provider_profiles WHERE provider_id = ?1")?
            .query_row([provider_id], |r| r.get(0))
            .optional()?)
    }

    /// The saved profile (JSON) of a provider.
    /// What discovery's probes found for `provider_id`, as saved with its profile, with the
    /// digest of the documents they were found with and when they were probed; `None` when
    /// nothing probed is remembered.
    pub fn remembered_probes(
        &self,
        provider_id: i64,
    ) -> Result<Option<RememberedProbes>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT documents_digest, probed_at, profile, notes FROM provider_profiles
                  WHERE provider_id = ?1 AND documents_digest IS NOT NULL
                    AND probed_at IS NOT NULL",
            )?
            .query_row([provider_id], |r| {
                Ok(RememberedProbes {
                    digest: r.get(0)?,
                    probed_at: r.get(1)?,
                    profile: r.get(2)?,
                    notes: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// Remembers that the profile saved for `provider_id` was probed just now with documents
    /// of `digest`; `None` forgets it (the next discovery probes again).
    pub fn remember_probes(
        &self,
        provider_id: i64,
        digest: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE provider_profiles SET documents_digest = ?2,
                    probed_at = CASE WHEN ?2 IS NULL THEN NULL ELSE ?3 END
              WHERE provider_id = ?1",
            params![provider_id, digest, crate::now_rfc3339()],
        )?;
        Ok(())
    }

    pub fn provider_profile(&self, provider_id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT profile FROM provider_profiles WHERE provider_id = ?1")?
            .query_row([provider_id], |r| r.get(0))
            .optional()?)
    }
}

/// A provider's profile as probed, remembered for the next discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RememberedProbes {
    /// The digest of the documents the probes were sent with.
    pub digest: String,
    /// When (RFC 3339).
    pub probed_at: String,
    /// The profile (JSON) and the notes (JSON list) they gave.
    pub profile: String,
    pub notes: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample<'a>(name: &'a str) -> NewProvider<'a> {
        NewProvider {
            name,
            base_url: "http://127.0.0.1:1/v2",
            auth_kind: "bearer",
            username: None,
            secret_ref: Some("provider:1"),
            tls_skip_verify: false,
            is_demo: false,
        }
    }

    #[test]
    fn providers_round_trip_and_names_are_unique_ignoring_case() {
        let db = Database::open_in_memory().unwrap();
        let row = db.insert_provider(&sample("Okta prod")).unwrap();
        assert_eq!(row.name, "Okta prod");
        assert!(matches!(
            db.insert_provider(&sample("okta PROD")),
            Err(StoreError::DuplicateProvider(_))
        ));
        assert_eq!(db.providers().unwrap().len(), 1);
        assert_eq!(db.provider("OKTA prod").unwrap().id, row.id);
        db.delete_provider("okta prod").unwrap();
        assert!(matches!(
            db.provider("Okta prod"),
            Err(StoreError::ProviderNotFound(_))
        ));
    }
}
