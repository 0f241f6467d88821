//! "Try the demo providers": two local reference providers, the first seeded with the sample
//! directory and the second empty, configured in the app. They stop when the app closes.

use desk_reference::sample::{generate, DEMO_SEED};
use desk_reference::{assets_dir, ProviderKind, ReferenceServer};
use desk_store::StoreError;

use crate::api::{AuthKind, DemoProgress, DemoReport, ProviderInput};
use crate::{Desk, DeskError};

/// Name of the seeded demo provider.
pub const DEMO_SOURCE: &str = "Demo HR (scim2-server)";
/// Name of the empty demo provider.
pub const DEMO_TARGET: &str = "Demo Target (SCIMMY)";
/// Users in the demo directory.
pub const DEMO_USERS: usize = 1000;
/// Groups in the demo directory.
pub const DEMO_GROUPS: usize = 50;

/// The running demo servers.
#[derive(Debug)]
pub struct DemoProviders {
    /// Held so the processes live as long as the demo; dropping them stops the servers.
    _servers: Vec<ReferenceServer>,
}

/// True when the reference providers are installed beside this build.
pub fn available() -> bool {
    let dir = assets_dir();
    dir.join(".venv/bin/scim2-server").exists() && dir.join("scimmy/node_modules/scimmy").exists()
}

impl Desk {
    /// Starts the demo providers (or returns the running ones), seeds the first with the sample
    /// directory and configures both. Earlier demo entries are replaced, since their servers
    /// lived in memory and ended with the app.
    pub async fn start_demo(
        &self,
        progress: impl Fn(DemoProgress) + Send + Sync,
    ) -> Result<DemoReport, DeskError> {
        if !available() {
            return Err(DeskError::DemoUnavailable(
                "The demo providers are not installed on this computer. They come with a \
                 development checkout of SCIM Desk: run `cargo xtask run --demo` there."
                    .into(),
            ));
        }
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
        say("Starting the demo providers", 0, 1);
        let source = ReferenceServer::start(ProviderKind::Scim2Server)
            .await
            .map_err(|e| {
                DeskError::DemoUnavailable(format!("The demo provider did not start: {e}"))
            })?;
        let target = ReferenceServer::start(ProviderKind::Scimmy)
            .await
            .map_err(|e| {
                DeskError::DemoUnavailable(format!("The demo provider did not start: {e}"))
            })?;
        let dir = generate(DEMO_SEED, DEMO_USERS, DEMO_GROUPS);
        let client = source.client();
        desk_reference::seed::seed(&client, &dir, |done, total| {
            if done.is_multiple_of(25) || done == total {
                say("Loading the sample directory", done, total);
            }
        })
        .await?;
        for (name, server) in [(DEMO_SOURCE, &source), (DEMO_TARGET, &target)] {
            match self.remove_provider(name) {
                Ok(()) | Err(DeskError::Store(StoreError::ProviderNotFound(_))) => {}
                Err(e) => return Err(e),
            }
            self.add_provider_inner(
                ProviderInput {
                    name: name.to_string(),
                    base_url: server.base_url().to_string(),
                    auth_kind: AuthKind::Bearer,
                    username: None,
                    secret: Some(server.token().expose().clone()),
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
        *self.demo_lock()? = Some(DemoProviders {
            _servers: vec![source, target],
        });
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

    /// True while this process runs the demo servers.
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

    /// Stops the demo servers (called when the app closes).
    pub fn stop_demo(&self) {
        if let Ok(mut d) = self.demo.lock() {
            d.take();
        }
    }
}
