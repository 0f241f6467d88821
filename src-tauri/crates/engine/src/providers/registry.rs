//! The configured providers: adding, editing and removing one (its secret in the keyring, never
//! sent to another address unasked), its client, and testing the connection.

use std::time::Instant;

use desk_store::{NewProvider, ProviderRow};
use scim_client::{Auth, ClientOptions, ScimClient, Sensitive};

use crate::api::{AuthKind, Capability, ConnectionReport, ProviderInput, ProviderSummary};
use crate::{Desk, DeskError};

/// The credentials of a provider; `None` when its kind needs a secret and there is none.
fn auth_of(
    kind: AuthKind,
    username: Option<String>,
    secret: Option<Sensitive<String>>,
    token_url: Option<String>,
    scope: Option<String>,
) -> Option<Auth> {
    Some(match (kind, secret) {
        (AuthKind::None, _) => Auth::None,
        (AuthKind::Bearer, Some(t)) => Auth::Bearer(t),
        (AuthKind::Basic, Some(p)) => Auth::Basic {
            username: username.unwrap_or_default(),
            password: p,
        },
        (AuthKind::OAuth2, Some(s)) => Auth::OAuth2 {
            token_url: token_url.unwrap_or_default(),
            client_id: username.unwrap_or_default(),
            client_secret: s,
            scope,
        },
        _ => return None,
    })
}

/// The keyring key of a provider's secret.
fn secret_key(provider_name: &str) -> String {
    format!("provider:{}", provider_name.to_lowercase())
}

/// Discovers the provider: its documents, then read-only probes with the credentials (a wrong
/// token fails here even where discovery endpoints are public).
async fn probe(
    client: &ScimClient,
    preset: scim_client::Preset,
) -> Result<(ConnectionReport, scim_client::Discovery), DeskError> {
    let started = Instant::now();
    let discovery = scim_client::discover(client, preset).await?;
    // The directory itself must answer with these credentials, also when it is empty.
    client
        .list_page(&discovery.endpoint("User"), 1, 1, None)
        .await?;
    let elapsed_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    let report = ConnectionReport {
        base_url: client.base_url().to_string(),
        elapsed_ms,
        capabilities: capabilities_of(&discovery.profile),
        resource_types: discovery
            .resource_types
            .iter()
            .map(|t| t.name.clone())
            .collect(),
        notes: discovery.notes.clone(),
        learned: Vec::new(),
    };
    Ok((report, discovery))
}

/// One line per capability of a profile, e.g. `sort: not supported`.
pub(crate) fn capabilities_of(profile: &scim_client::CapabilityProfile) -> Vec<Capability> {
    profile
        .describe()
        .into_iter()
        .map(|l| Capability {
            supported: l.supported,
            name: l.name,
            value: l.words,
        })
        .collect()
}

impl Desk {
    /// Every configured provider, by name.
    pub fn list_providers(&self) -> Result<Vec<ProviderSummary>, DeskError> {
        let rows = self.db()?.providers()?;
        Ok(rows.into_iter().map(|r| self.summary(r)).collect())
    }

    /// One provider by name.
    pub fn provider(&self, name: &str) -> Result<ProviderSummary, DeskError> {
        let row = self.db()?.provider(name)?;
        Ok(self.summary(row))
    }

    fn summary(&self, r: ProviderRow) -> ProviderSummary {
        let has_secret = r
            .secret_ref
            .as_deref()
            .map(|k| matches!(self.secrets.get(k), Ok(Some(_))))
            .unwrap_or(false);
        ProviderSummary {
            auth_kind: AuthKind::parse(&r.auth_kind).unwrap_or(AuthKind::None),
            name: r.name,
            base_url: r.base_url,
            username: r.username,
            has_secret,
            tls_skip_verify: r.tls_skip_verify,
            demo_stopped: r.is_demo && !self.demo_running(),
            source_of_truth: r.source_of_truth,
            is_demo: r.is_demo,
            created_at: r.created_at,
            last_sync_at: r.last_sync_at,
            token_url: r.token_url,
            scope: r.scope,
            ca_certificate: r.ca_pem,
            allow_plain_http: r.allow_plain_http,
        }
    }

    /// The form's certificate authority, checked: PEM text with at least one certificate.
    fn ca_of(input: &ProviderInput) -> Result<Option<String>, DeskError> {
        let Some(pem) = input
            .ca_certificate
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        else {
            return Ok(None);
        };
        let options = ClientOptions {
            extra_roots_pem: Some(pem.to_string()),
            ..ClientOptions::default()
        };
        let ok = pem.contains("-----BEGIN CERTIFICATE-----")
            && ScimClient::new("https://check.invalid", Auth::default(), &options).is_ok();
        if !ok {
            return Err(DeskError::InvalidInput(
                "The certificate authority is not a PEM certificate (text starting with \
                 -----BEGIN CERTIFICATE-----). Ask your provider's administrator for it."
                    .into(),
            ));
        }
        Ok(Some(pem.to_string()))
    }

    /// Checks a provider form and returns it cleaned up (trimmed name, normalised URL).
    fn validate(input: &ProviderInput) -> Result<(String, String), DeskError> {
        let name = input.name.trim().to_string();
        if name.is_empty() {
            return Err(DeskError::InvalidInput(
                "Give the provider a name, for example \"Okta production\".".into(),
            ));
        }
        if name.chars().count() > 80 || name.chars().any(char::is_control) {
            return Err(DeskError::InvalidInput(
                "The provider name must be at most 80 characters, without line breaks.".into(),
            ));
        }
        // ScimClient::new validates the URL the same way it will be used (http only to this
        // computer unless the person switched plain http on).
        let checks = ClientOptions {
            allow_plain_http: input.allow_plain_http,
            ..ClientOptions::default()
        };
        let client = ScimClient::new(&input.base_url, Auth::None, &checks)?;
        let url = client.base_url().as_str().trim_end_matches('/').to_string();
        match input.auth_kind {
            AuthKind::Bearer if input.secret.as_deref().unwrap_or("").is_empty() => {
                return Err(DeskError::InvalidInput(
                    "Enter the bearer token the provider gave you.".into(),
                ))
            }
            AuthKind::Basic
                if input.username.as_deref().unwrap_or("").trim().is_empty()
                    || input.secret.as_deref().unwrap_or("").is_empty() =>
            {
                return Err(DeskError::InvalidInput(
                    "Enter both the user name and the password for basic authentication.".into(),
                ))
            }
            AuthKind::OAuth2 => {
                let token_url = input.token_url.as_deref().unwrap_or("").trim();
                if input.username.as_deref().unwrap_or("").trim().is_empty()
                    || input.secret.as_deref().unwrap_or("").is_empty()
                {
                    return Err(DeskError::InvalidInput(
                        "Enter the client ID and the client secret for OAuth 2.0.".into(),
                    ));
                }
                if !(token_url.starts_with("https://") || token_url.starts_with("http://")) {
                    return Err(DeskError::InvalidInput(
                        "Enter the token address (token URL) for OAuth 2.0, starting with \
                         https://."
                            .into(),
                    ));
                }
                // The client secret goes to the token address: the same rules as the base URL.
                ScimClient::new(token_url, Auth::None, &checks)?;
            }
            _ => {}
        }
        Ok((name, url))
    }

    /// Adds a provider: the secret goes to the keyring, the rest to the database.
    /// Nothing is sent over the network (use [`Desk::test_connection`] for that).
    pub fn add_provider(&self, input: ProviderInput) -> Result<ProviderSummary, DeskError> {
        self.add_provider_inner(input, false)
    }

    pub(crate) fn add_provider_inner(
        &self,
        input: ProviderInput,
        is_demo: bool,
    ) -> Result<ProviderSummary, DeskError> {
        let (name, url) = Self::validate(&input)?;
        let ca = Self::ca_of(&input)?;
        let db = self.db()?;
        if db.provider(&name).is_ok() {
            return Err(DeskError::DuplicateName(name));
        }
        let secret = input.secret.map(Sensitive::new);
        let secret_ref = secret.as_ref().map(|_| secret_key(&name));
        if let (Some(key), Some(s)) = (&secret_ref, &secret) {
            self.secrets.set(key, s)?;
        }
        let inserted = db
            .insert_provider(&NewProvider {
                name: &name,
                base_url: &url,
                auth_kind: input.auth_kind.as_str(),
                username: input.username.as_deref().map(str::trim),
                secret_ref: secret_ref.as_deref(),
                tls_skip_verify: input.tls_skip_verify,
                is_demo,
            })
            .and_then(|row| {
                db.set_provider_oauth(
                    row.id,
                    input.token_url.as_deref().map(str::trim),
                    input
                        .scope
                        .as_deref()
                        .map(str::trim)
                        .filter(|s| !s.is_empty()),
                )?;
                db.set_provider_ca(row.id, ca.as_deref())?;
                db.set_provider_plain_http(row.id, input.allow_plain_http)?;
                db.provider(&row.name)
            });
        match inserted {
            Ok(row) => {
                drop(db);
                Ok(self.summary(row))
            }
            Err(e) => {
                // Leave no orphan secret behind when the row could not be written.
                if let Some(key) = &secret_ref {
                    let _ = self.secrets.delete(key);
                }
                Err(e.into())
            }
        }
    }

    /// Changes a provider's connection settings (its name stays). A secret in `input` replaces
    /// the one in the keyring; without one, the stored secret is kept, but only for the same
    /// sign-in method and the same origins: a stored secret never goes to a new host (or a new
    /// token address) unless `keep_secret_for_new_address` says the person agreed.
    pub fn update_provider(
        &self,
        name: &str,
        mut input: ProviderInput,
    ) -> Result<ProviderSummary, DeskError> {
        let row = self.db()?.provider(name)?;
        self.forget_client(name);
        input.name = row.name.clone();
        let new_secret = input.secret.clone().filter(|s| !s.is_empty());
        if new_secret.is_none() && input.auth_kind != AuthKind::None && row.secret_ref.is_some() {
            Self::check_kept_secret(&row, &input)?;
        }
        // Validate as if the stored secret were typed again, so "keep the secret" passes.
        if new_secret.is_none() && input.auth_kind != AuthKind::None {
            input.secret = Some("kept".into());
        }
        let (_, url) = Self::validate(&input)?;
        let ca = Self::ca_of(&input)?;
        let secret_ref = match (input.auth_kind, &new_secret) {
            (AuthKind::None, _) => None,
            (_, Some(s)) => {
                let key = secret_key(&row.name);
                self.secrets.set(&key, &Sensitive::new(s.clone()))?;
                Some(key)
            }
            (_, None) => row.secret_ref.clone(),
        };
        if input.auth_kind == AuthKind::None {
            if let Some(old) = &row.secret_ref {
                self.secrets.delete(old)?;
            }
        }
        let updated = self.db()?.update_provider(
            &row.name,
            &desk_store::ProviderSettings {
                base_url: &url,
                auth_kind: input.auth_kind.as_str(),
                username: input.username.as_deref().map(str::trim),
                secret_ref: secret_ref.as_deref(),
                tls_skip_verify: input.tls_skip_verify,
                token_url: input.token_url.as_deref().map(str::trim),
                scope: input
                    .scope
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty()),
                ca_pem: ca.as_deref(),
                allow_plain_http: input.allow_plain_http,
            },
        )?;
        Ok(self.summary(updated))
    }

    /// The stored secret may be kept only for the same sign-in method, and for a new origin
    /// only when the person agreed after being told the new host.
    fn check_kept_secret(row: &ProviderRow, input: &ProviderInput) -> Result<(), DeskError> {
        let what = match AuthKind::parse(&row.auth_kind) {
            Some(AuthKind::Basic) => "password",
            Some(AuthKind::OAuth2) => "client secret",
            _ => "token",
        };
        if AuthKind::parse(&row.auth_kind) != Some(input.auth_kind) {
            return Err(DeskError::InvalidInput(format!(
                "The sign-in method changes from {} to {}: enter the secret for the new method. \
                 SCIM Desk does not reuse the stored {what} for another kind of sign-in.",
                row.auth_kind,
                input.auth_kind.as_str()
            )));
        }
        let origin = |u: &str| url::Url::parse(u.trim()).ok().map(|u| u.origin());
        let moved = |old: Option<&str>, new: Option<&str>| match (old, new) {
            (Some(o), Some(n)) => origin(o) != origin(n),
            _ => false,
        };
        let new_host = if moved(Some(&row.base_url), Some(&input.base_url)) {
            Some(input.base_url.trim())
        } else if input.auth_kind == AuthKind::OAuth2
            && moved(row.token_url.as_deref(), input.token_url.as_deref())
        {
            input.token_url.as_deref().map(str::trim)
        } else {
            None
        };
        if let (Some(new_host), false) = (new_host, input.keep_secret_for_new_address) {
            let host = url::Url::parse(new_host)
                .ok()
                .map(|u| u.origin().ascii_serialization())
                .unwrap_or_else(|| new_host.to_string());
            return Err(DeskError::InvalidInput(format!(
                "The address now points to another place ({host}). SCIM Desk does not send the \
                 stored {what} to a new place without asking: enter it again, or confirm that \
                 {host} may receive it (\"Send the stored {what} to the new address\", or \
                 --keep-secret on the command line)."
            )));
        }
        Ok(())
    }

    /// Removes a provider and its keyring entry.
    pub fn remove_provider(&self, name: &str) -> Result<(), DeskError> {
        self.forget_client(name);
        let row = self.db()?.delete_provider(name)?;
        if let Some(key) = row.secret_ref {
            self.secrets.delete(&key)?;
        }
        Ok(())
    }

    /// A SCIM client for a configured provider, with its secret from the keyring.
    pub fn client(&self, name: &str) -> Result<ScimClient, DeskError> {
        let key = name.to_lowercase();
        if let Some(c) = self.clients.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(c);
        }
        let client = self.new_client(name)?;
        if let Ok(mut m) = self.clients.lock() {
            m.insert(key, client.clone());
        }
        Ok(client)
    }

    /// Forgets the cached client of a provider (after its settings changed).
    pub(crate) fn forget_client(&self, name: &str) {
        if let Ok(mut m) = self.clients.lock() {
            m.remove(&name.to_lowercase());
        }
    }

    fn new_client(&self, name: &str) -> Result<ScimClient, DeskError> {
        let row = self.db()?.provider(name)?;
        let secret = match &row.secret_ref {
            Some(key) => self.secrets.get(key)?,
            None => None,
        };
        if let Some(s) = &secret {
            crate::crash::test_panic_point("client", s.expose());
        }
        let auth = auth_of(
            AuthKind::parse(&row.auth_kind).unwrap_or(AuthKind::None),
            row.username.clone(),
            secret,
            row.token_url.clone(),
            row.scope.clone(),
        )
        .ok_or_else(|| {
            DeskError::InvalidInput(format!(
                "The password or token of \"{}\" is missing from the system keyring. Edit \
                 the provider and enter it again.",
                row.name
            ))
        })?;
        let defaults = ClientOptions::default();
        let options = ClientOptions {
            danger_accept_invalid_certs: row.tls_skip_verify,
            extra_roots_pem: row.ca_pem.clone(),
            allow_plain_http: row.allow_plain_http,
            timeout: self
                .overrides(name)?
                .timeout_secs
                .map_or(defaults.timeout, |s| {
                    std::time::Duration::from_secs(u64::from(s.clamp(1, 600)))
                }),
            ..defaults
        };
        Ok(ScimClient::new(&row.base_url, auth, &options)?)
    }

    /// Connects to a configured provider and reads its capabilities.
    pub async fn test_provider(&self, name: &str) -> Result<ConnectionReport, DeskError> {
        let client = self.client(name)?;
        let preset = self.preset(name)?;
        let (mut report, discovery) = probe(&client, preset).await?;
        let effective = self.with_overrides(name, discovery.profile.clone())?;
        report.capabilities = capabilities_of(&effective);
        report.learned = self.learned_facts(name)?;
        let row = self.db()?.provider(name)?;
        // Probed just now: what the next sync reuses (see `providers::probes`).
        self.save_discovery(row.id, preset, &discovery)?;
        Ok(report)
    }

    /// Connects with the settings of a form that is not saved yet ("Test connection").
    pub async fn test_connection(
        &self,
        input: ProviderInput,
    ) -> Result<ConnectionReport, DeskError> {
        Self::validate(&input)?;
        let ca = Self::ca_of(&input)?;
        let auth = auth_of(
            input.auth_kind,
            input.username,
            input.secret.map(Sensitive::new),
            input.token_url,
            input.scope,
        )
        .unwrap_or_default();
        let options = ClientOptions {
            danger_accept_invalid_certs: input.tls_skip_verify,
            extra_roots_pem: ca,
            allow_plain_http: input.allow_plain_http,
            ..ClientOptions::default()
        };
        let client = ScimClient::new(&input.base_url, auth, &options)?;
        Ok(probe(&client, scim_client::Preset::Generic).await?.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::secrets::MemoryStore;
    use crate::DataPaths;
    use crate::ErrorCode;
    use serde_json::Value;
    use std::sync::Arc;

    fn desk() -> (Desk, Arc<MemoryStore>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Arc::new(MemoryStore::new());
        let desk = Desk::in_memory(
            DataPaths::at(dir.path().to_path_buf()).unwrap(),
            secrets.clone(),
        )
        .unwrap();
        (desk, secrets, dir)
    }

    fn input(name: &str) -> ProviderInput {
        ProviderInput {
            name: name.into(),
            base_url: "https://scim.example.test/scim/v2/".into(),
            auth_kind: AuthKind::Bearer,
            username: None,
            secret: Some("s3cret-token".into()),
            tls_skip_verify: false,
            token_url: None,
            scope: None,
            ca_certificate: None,
            allow_plain_http: false,
            keep_secret_for_new_address: false,
        }
    }

    #[test]
    fn adding_a_provider_puts_the_secret_in_the_store_only() {
        let (desk, secrets, _dir) = desk();
        let p = desk.add_provider(input("Okta prod")).unwrap();
        assert!(p.has_secret);
        assert_eq!(p.base_url, "https://scim.example.test/scim/v2");
        assert_eq!(secrets.len(), 1);
        let json = serde_json::to_string(&desk.list_providers().unwrap()).unwrap();
        assert!(
            !json.contains("s3cret"),
            "listed providers never carry the secret"
        );
        let db = desk.db().unwrap();
        let dump: String = db
            .conn()
            .query_row(
                "SELECT group_concat(coalesce(secret_ref,'')) FROM providers",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            !dump.contains("s3cret"),
            "the database holds only a reference"
        );
    }

    #[test]
    fn duplicate_names_and_bad_input_are_refused_with_codes() {
        let (desk, _s, _dir) = desk();
        desk.add_provider(input("A")).unwrap();
        let e = desk.add_provider(input("a")).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::DuplicateName);
        let mut bad = input("B");
        bad.base_url = "ftp://nope".into();
        assert_eq!(
            desk.add_provider(bad).unwrap_err().code(),
            crate::ErrorCode::InvalidInput
        );
        let mut no_token = input("C");
        no_token.secret = None;
        assert_eq!(
            desk.add_provider(no_token).unwrap_err().code(),
            crate::ErrorCode::InvalidInput
        );
    }

    #[test]
    fn plain_http_goes_only_to_this_computer_unless_switched_on() {
        let (desk, _s, _dir) = desk();
        let with_url = |name: &str, url: &str| ProviderInput {
            base_url: url.into(),
            ..input(name)
        };
        // To this computer: no switch needed.
        for (i, url) in [
            "http://127.0.0.1:8080/v2",
            "http://localhost:8080/v2",
            "http://[::1]:8080/v2",
        ]
        .iter()
        .enumerate()
        {
            let p = desk
                .add_provider(with_url(&format!("local{i}"), url))
                .unwrap();
            assert!(!p.allow_plain_http, "{url}");
        }
        // Anywhere else: refused in words, nothing stored, no secret kept.
        let err = desk
            .add_provider(with_url("remote", "http://scim.example.test/v2"))
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(err.message().contains("not encrypted"), "{}", err.message());
        assert!(desk.provider("remote").is_err());
        // The OAuth token address follows the same rule.
        let oauth = ProviderInput {
            auth_kind: AuthKind::OAuth2,
            username: Some("client".into()),
            token_url: Some("http://login.example.test/token".into()),
            ..input("oauth")
        };
        let err = desk.add_provider(oauth.clone()).unwrap_err();
        assert!(err.message().contains("not encrypted"), "{}", err.message());
        // Switched on by the person: accepted and shown.
        let p = desk
            .add_provider(ProviderInput {
                allow_plain_http: true,
                ..with_url("remote", "http://scim.example.test/v2")
            })
            .unwrap();
        assert!(p.allow_plain_http);
        assert!(desk.client("remote").is_ok());
        desk.add_provider(ProviderInput {
            allow_plain_http: true,
            ..oauth
        })
        .unwrap();
    }

    #[test]
    fn a_stored_secret_never_moves_to_a_new_host_or_sign_in_method_unasked() {
        let (desk, secrets, _dir) = desk();
        desk.add_provider(input("p")).unwrap();
        let moved = ProviderInput {
            base_url: "https://scim.elsewhere.test/scim/v2".into(),
            secret: None,
            ..input("p")
        };
        let err = desk.update_provider("p", moved.clone()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(
            err.message().contains("https://scim.elsewhere.test"),
            "names the new host: {}",
            err.message()
        );
        assert_eq!(
            desk.provider("p").unwrap().base_url,
            "https://scim.example.test/scim/v2",
            "nothing changed"
        );
        // Another port is another origin too.
        let port = ProviderInput {
            base_url: "https://scim.example.test:8443/scim/v2".into(),
            secret: None,
            ..input("p")
        };
        assert!(desk.update_provider("p", port).is_err());
        // The same origin, another path: the secret stays without asking.
        let path = ProviderInput {
            base_url: "https://scim.example.test/scim/v3".into(),
            secret: None,
            ..input("p")
        };
        desk.update_provider("p", path).unwrap();
        // Another sign-in method reuses no stored secret.
        let basic = ProviderInput {
            auth_kind: AuthKind::Basic,
            username: Some("admin".into()),
            secret: None,
            ..input("p")
        };
        let err = desk.update_provider("p", basic).unwrap_err();
        assert!(
            err.message().contains("sign-in method"),
            "{}",
            err.message()
        );
        // With the person's agreement, or a new secret, the move goes through.
        let p = desk
            .update_provider(
                "p",
                ProviderInput {
                    keep_secret_for_new_address: true,
                    ..moved.clone()
                },
            )
            .unwrap();
        assert_eq!(p.base_url, "https://scim.elsewhere.test/scim/v2");
        assert!(p.has_secret);
        desk.update_provider(
            "p",
            ProviderInput {
                base_url: "https://third.example.test/v2".into(),
                secret: Some("new-token".into()),
                ..input("p")
            },
        )
        .unwrap();
        assert_eq!(secrets.len(), 1);
    }

    #[test]
    fn addresses_with_credentials_are_refused_without_echoing_them() {
        let (desk, _s, _dir) = desk();
        let err = desk
            .add_provider(ProviderInput {
                base_url: "https://admin:hunter2-pw@scim.example.test/v2".into(),
                ..input("p")
            })
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        let said = format!("{} {}", err.message(), err.detail().unwrap_or_default());
        assert!(said.contains("user name or password"), "{said}");
        assert!(
            !said.contains("hunter2-pw"),
            "the password is not repeated: {said}"
        );
    }

    #[test]
    fn the_debug_form_of_a_provider_form_hides_its_secret() {
        let shown = format!("{:?} {:#?}", input("p"), input("p"));
        assert!(!shown.contains("s3cret-token"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn removing_a_provider_removes_its_secret() {
        let (desk, secrets, _dir) = desk();
        desk.add_provider(input("A")).unwrap();
        desk.remove_provider("A").unwrap();
        assert!(
            secrets.is_empty(),
            "the keyring entry goes with the provider"
        );
        assert!(desk.list_providers().unwrap().is_empty());
    }

    #[test]
    fn capabilities_come_from_the_profile_one_line_each() {
        let spc: Value = serde_json::from_str(
            r#"{"patch":{"supported":"true"},"filter":{"supported":1,"maxResults":200},
                "sort":{"supported":false},"bulk":{"supported":true,"maxOperations":10}}"#,
        )
        .unwrap();
        let caps =
            capabilities_of(&scim_client::CapabilityProfile::from_service_provider_config(&spc));
        let get = |n: &str| caps.iter().find(|c| c.name == n).unwrap();
        assert_eq!(get("patch").value, "supported");
        assert_eq!(get("filter").value, "supported (at most 200 results)");
        assert_eq!(get("sort").value, "not supported");
        assert!(!get("sort").supported);
        assert_eq!(get("bulk").value, "supported (at most 10 operations)");
        assert!(get("paging").value.starts_with("index"));
    }
}
