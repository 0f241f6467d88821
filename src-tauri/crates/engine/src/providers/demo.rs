//! "Try the demo providers": SCIM Desk's embedded provider on 127.0.0.1 with two tenants, the
//! first seeded with the sample directory and the second empty, configured in the app. They
//! run inside the app (no Python or Node, nothing installed beside it) and stop when it closes.

use desk_embedded::EmbeddedProvider;
use desk_reference::sample::{generate, DEMO_SEED};
use desk_store::StoreError;

use crate::api::{AuthKind, DemoProgress, DemoReport, ProviderInput};
use crate::{Desk, DeskError};

/// Name of the seeded demo provider.
pub const DEMO_SOURCE: &str = "Demo HR directory";
/// Name of the empty demo provider.
pub const DEMO_TARGET: &str = "Demo target (empty)";
/// The embedded provider's tenants behind them.
const SOURCE_TENANT: &str = "hr";
const TARGET_TENANT: &str = "app";
/// Users in the demo directory.
pub const DEMO_USERS: usize = 1000;
/// Groups in the demo directory.
pub const DEMO_GROUPS: usize = 50;

/// The running demo provider.
#[derive(Debug)]
pub struct DemoProviders {
    /// Held so the server lives as long as the demo; dropping it stops the server.
    _server: EmbeddedProvider,
}

impl Desk {
    /// Starts the demo providers (or returns the running ones), seeds the first with the sample
    /// directory and configures both. Earlier demo entries are replaced, since their directories
    /// lived in memory and ended with the app.
    pub async fn start_demo(
        &self,
        progress: impl Fn(DemoProgress) + Send + Sync,
    ) -> Result<DemoReport, DeskError> {
        if self.demo_running() {
            return self.demo_report();
        }
        let say = |stage: &str, done: usize, total: usize| {
            progress(DemoProgress {
                stage: stage.to_string(),
                done: u32::try_from(done).unwrap_or(u32::MAX),
                total: u32::try_from(total).unwrap_or(u32::MAX),
            })
        };
        // The demo replaces its own earlier entries, never a provider the person configured.
        for name in [DEMO_SOURCE, DEMO_TARGET] {
            match self.db()?.provider(name) {
                Ok(row) if !row.is_demo => {
                    return Err(DeskError::DemoUnavailable(format!(
                        "A provider you added is already called \"{name}\". Rename it (or remove \
                         it), then try the demo again; it has not been changed."
                    )))
                }
                Ok(_) | Err(StoreError::ProviderNotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        say("Starting the demo providers", 0, 1);
        let server = EmbeddedProvider::start(&[SOURCE_TENANT, TARGET_TENANT])
            .map_err(|e| DeskError::DemoUnavailable(format!("The demo could not start: {e}.")))?;
        let dir = generate(DEMO_SEED, DEMO_USERS, DEMO_GROUPS);
        let client = server.client(SOURCE_TENANT).ok_or_else(|| {
            DeskError::DemoUnavailable("The demo provider has no HR directory.".into())
        })?;
        desk_reference::seed::seed(&client, &dir, |done, total| {
            if done.is_multiple_of(25) || done == total {
                say("Loading the sample directory", done, total);
            }
        })
        .await?;
        for (name, tenant) in [(DEMO_SOURCE, SOURCE_TENANT), (DEMO_TARGET, TARGET_TENANT)] {
            let (Some(base_url), Some(token)) = (server.base_url(tenant), server.token(tenant))
            else {
                return Err(DeskError::DemoUnavailable(format!(
                    "The demo provider has no tenant {tenant}."
                )));
            };
            match self.remove_provider(name) {
                Ok(()) | Err(DeskError::Store(StoreError::ProviderNotFound(_))) => {}
                Err(e) => return Err(e),
            }
            self.add_provider_inner(
                ProviderInput {
                    name: name.to_string(),
                    base_url,
                    auth_kind: AuthKind::Bearer,
                    username: None,
                    secret: Some(token.expose().clone()),
                    tls_skip_verify: false,
                    token_url: None,
                    scope: None,
                    ca_certificate: None,
                    allow_plain_http: false,
                    keep_secret_for_new_address: false,
                },
                true,
            )?;
        }
        *self.demo_lock()? = Some(DemoProviders { _server: server });
        say("Ready", 1, 1);
        let mut report = self.demo_report()?;
        report.users = u32::try_from(dir.users.len()).unwrap_or(u32::MAX);
        report.groups = u32::try_from(dir.groups.len()).unwrap_or(u32::MAX);
        Ok(report)
    }

    fn demo_lock(&self) -> Result<std::sync::MutexGuard<'_, Option<DemoProviders>>, DeskError> {
        self.demo
            .lock()
            .map_err(|_| DeskError::Internal("the demo lock was poisoned".into()))
    }

    /// True while this process runs the demo provider.
    pub fn demo_running(&self) -> bool {
        self.demo_lock().map(|d| d.is_some()).unwrap_or(false)
    }

    fn demo_report(&self) -> Result<DemoReport, DeskError> {
        let providers = self
            .list_providers()?
            .into_iter()
            .filter(|p| p.is_demo)
            .collect();
        Ok(DemoReport {
            providers,
            users: 0,
            groups: 0,
        })
    }

    /// Stops the demo provider (called when the app closes).
    pub fn stop_demo(&self) {
        if let Ok(mut d) = self.demo.lock() {
            d.take();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::providers::secrets::MemoryStore;
    use crate::{DataPaths, ErrorCode};
    use std::sync::Arc;

    fn desk() -> (Desk, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let desk = Desk::in_memory(
            DataPaths::at(dir.path().to_path_buf()).unwrap(),
            Arc::new(MemoryStore::new()),
        )
        .unwrap();
        (desk, dir)
    }

    #[tokio::test]
    async fn entries_of_a_demo_that_stopped_say_so_and_starting_again_replaces_them() {
        let (desk, _dir) = desk();
        let first = desk.start_demo(|_| {}).await.unwrap();
        assert_eq!(first.users, DEMO_USERS as u32);
        assert!(desk
            .list_providers()
            .unwrap()
            .iter()
            .all(|p| p.is_demo && !p.demo_stopped));
        let old_url = desk.provider(DEMO_SOURCE).unwrap().base_url;
        // The app closes: the demo's server stops, its entries stay configured.
        desk.stop_demo();
        let stopped = desk.list_providers().unwrap();
        assert_eq!(stopped.len(), 2);
        assert!(stopped.iter().all(|p| p.demo_stopped), "{stopped:?}");
        // Started again: the same two names, a new server, nothing stopped.
        desk.start_demo(|_| {}).await.unwrap();
        let again = desk.list_providers().unwrap();
        assert_eq!(again.len(), 2);
        assert!(again.iter().all(|p| !p.demo_stopped));
        assert_ne!(desk.provider(DEMO_SOURCE).unwrap().base_url, old_url);
    }

    #[tokio::test]
    async fn a_provider_the_person_named_like_the_demo_is_never_replaced() {
        let (desk, _dir) = desk();
        let own = ProviderInput::bearer(DEMO_TARGET, "https://scim.example.test/v2", Some("t"));
        desk.add_provider(own).unwrap();
        let err = desk.start_demo(|_| {}).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::DemoUnavailable);
        assert!(
            err.message()
                .contains("already called \"Demo target (empty)\""),
            "{}",
            err.message()
        );
        let kept = desk.list_providers().unwrap();
        assert_eq!(kept.len(), 1, "nothing added: {kept:?}");
        assert_eq!(kept[0].base_url, "https://scim.example.test/v2");
        assert!(!kept[0].is_demo);
        assert!(!desk.demo_running());
    }
}
