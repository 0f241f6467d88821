//! SCIM Desk's embedded SCIM 2.0 provider: a real HTTP server on 127.0.0.1 with one directory
//! per tenant, kept in memory and gone when it stops.
//!
//! It is the demo of the installed app ("Try the demo providers" works on any machine, with no
//! Python or Node), and the harness's third server implementation beside scim2-server and
//! SCIMMY. It behaves like a provider for everything SCIM Desk uses: discovery (with the
//! enterprise extension), filters, sorting, index paging with `totalResults`, the
//! `attributes` projection, POST/PUT/PATCH/DELETE with ETags and `If-Match`, groups whose
//! members must exist, users' `groups`, `.search` and Bulk with `bulkId` references.
//!
//! Built on axum (HTTP) and scim-client's filter parser and evaluator (RFC 7644 semantics, the
//! same code SCIM Desk uses offline); the Rust SCIM server crates were weighed and not used
//! (see the crate's README section in ARCHITECTURE.md).

mod directory;
mod discovery;
mod error;
mod list;
mod patch;
mod routes;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use scim_client::{Auth, ClientOptions, ScimClient, Sensitive};
use tokio::sync::oneshot;

pub use directory::Endpoint;
pub use error::Refusal;

/// The most resources one page or filter returns.
pub const MAX_PAGE: usize = 1000;
/// The most operations one Bulk request may carry.
pub const MAX_BULK_OPERATIONS: usize = 1000;

/// Why the provider could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("no free port on 127.0.0.1 for the demo provider: {0}")]
    NoPort(std::io::Error),
    #[error("two tenants are named {0:?}")]
    DuplicateTenant(String),
    #[error("no tenant is named {0:?}")]
    NoTenant(String),
    #[error("could not start the demo provider's thread: {0}")]
    Runtime(std::io::Error),
}

/// A running embedded provider. Dropping it stops the server (it stops accepting at once and
/// ends when the last open request is answered).
#[derive(Debug)]
pub struct EmbeddedProvider {
    port: u16,
    tokens: Vec<(String, Sensitive<String>)>,
    stop: Option<oneshot::Sender<()>>,
}

/// A random token of 40 letters and digits (the providers' bearer tokens).
pub fn random_token() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..40)
        .map(|_| {
            let n: u8 = rng.random_range(0..62);
            (match n {
                0..=9 => b'0' + n,
                10..=35 => b'a' + n - 10,
                _ => b'A' + n - 36,
            }) as char
        })
        .collect()
}

impl EmbeddedProvider {
    /// Starts the server on a free port of 127.0.0.1 with one empty directory per tenant
    /// name, each with its own random token. The server runs on a thread of its own with its
    /// own runtime, so a caller that blocks (a test waiting on a child process, a synchronous
    /// command) never stalls it.
    pub fn start(tenants: &[&str]) -> Result<Self, StartError> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(StartError::NoPort)?;
        listener.set_nonblocking(true).map_err(StartError::NoPort)?;
        let port = listener.local_addr().map_err(StartError::NoPort)?.port();
        let mut map = HashMap::new();
        let mut tokens = Vec::new();
        for name in tenants {
            let token = random_token();
            let base = format!("http://127.0.0.1:{port}/{name}/scim/v2");
            let tenant = routes::Tenant {
                token: token.clone(),
                directory: Mutex::new(directory::Directory::new(base)),
            };
            if map.insert((*name).to_string(), tenant).is_some() {
                return Err(StartError::DuplicateTenant((*name).to_string()));
            }
            tokens.push(((*name).to_string(), Sensitive::new(token)));
        }
        let app = routes::router(Arc::new(map));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(StartError::Runtime)?;
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("embedded-scim-provider".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await;
                });
            })
            .map_err(StartError::Runtime)?;
        Ok(Self {
            port,
            tokens,
            stop: Some(stop),
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A tenant's SCIM base URL.
    pub fn base_url(&self, tenant: &str) -> Option<String> {
        self.token(tenant)
            .map(|_| format!("http://127.0.0.1:{}/{tenant}/scim/v2", self.port))
    }

    /// A tenant's bearer token.
    pub fn token(&self, tenant: &str) -> Option<&Sensitive<String>> {
        self.tokens
            .iter()
            .find(|(name, _)| name == tenant)
            .map(|(_, t)| t)
    }

    /// A SCIM client for a tenant, with its token.
    pub fn client(&self, tenant: &str) -> Option<ScimClient> {
        let base = self.base_url(tenant)?;
        let token = self.token(tenant)?.clone();
        ScimClient::new(&base, Auth::Bearer(token), &ClientOptions::default()).ok()
    }
}

impl Drop for EmbeddedProvider {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
