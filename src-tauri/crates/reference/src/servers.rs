//! Starting and stopping the reference providers.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use desk_embedded::random_token;
use scim_client::{Auth, ClientOptions, ScimClient, Sensitive};

/// Which reference provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// scim2-server 0.8.3 (Python): ETags, cursor and index paging, Bulk, full filters.
    Scim2Server,
    /// SCIMMY 1.3.5 + scimmy-routers 1.3.2 (Node, Express 4): no ETags, index paging with quirks.
    Scimmy,
    /// SCIM Desk's embedded provider (Rust, in this process): the installed app's demo.
    Embedded,
}

impl ProviderKind {
    /// A human name for messages.
    pub fn label(self) -> &'static str {
        match self {
            ProviderKind::Scim2Server => "scim2-server",
            ProviderKind::Scimmy => "SCIMMY",
            ProviderKind::Embedded => "the embedded provider",
        }
    }
}

/// Why a reference provider could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "{what} is not installed at {path}; run `cargo xtask test` or `cargo xtask run` once \
         to install the reference providers"
    )]
    NotInstalled { what: &'static str, path: PathBuf },
    #[error("could not start {what}: {source}")]
    Spawn {
        what: &'static str,
        source: std::io::Error,
    },
    #[error("{what} did not become ready within {seconds} s; its output was:\n{output}")]
    NotReady {
        what: &'static str,
        seconds: u64,
        output: String,
    },
    #[error("could not find a free port on 127.0.0.1: {0}")]
    NoPort(std::io::Error),
    #[error("could not write the server configuration: {0}")]
    Config(std::io::Error),
    #[error("the embedded provider did not start: {0}")]
    Embedded(#[from] desk_embedded::StartError),
}

/// The tenant of the embedded provider a [`ReferenceServer`] serves.
const EMBEDDED_TENANT: &str = "main";

/// What runs the provider: a process of its own, or the embedded server in this process.
#[derive(Debug)]
enum Running {
    Process {
        child: Child,
        // Holds the server's configuration and log files as long as the server lives.
        work_dir: tempfile::TempDir,
    },
    /// Held so the server lives as long as this value; dropping it stops the server.
    Embedded(#[allow(dead_code)] desk_embedded::EmbeddedProvider),
}

/// The folder holding the reference providers' installed assets (`.venv/`, `scimmy/`). `SCIM_DESK_REFERENCE_DIR`
/// overrides the folder this crate was built from.
pub fn assets_dir() -> PathBuf {
    std::env::var_os("SCIM_DESK_REFERENCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// A running reference provider. Dropping it stops the process (by its own PID) and waits for
/// it, so nothing is left running, also when a test panics.
#[derive(Debug)]
pub struct ReferenceServer {
    kind: ProviderKind,
    running: Running,
    port: u16,
    base_url: String,
    token: Sensitive<String>,
}

/// scim2-server's ServiceProviderConfig with cursor paging (RFC 9865) enabled beside index
/// paging; everything else as the server's own default.
const SCIM2_SPC: &str = r#"{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
  "patch": {"supported": true},
  "bulk": {"supported": true, "maxOperations": 1000, "maxPayloadSize": 1048576},
  "filter": {"supported": true, "maxResults": 1000},
  "changePassword": {"supported": true},
  "sort": {"supported": true},
  "etag": {"supported": true},
  "pagination": {"cursor": true, "index": true, "defaultPaginationMethod": "index",
                 "defaultPageSize": 100, "maxPageSize": 1000, "cursorTimeout": 3600}
}"#;

fn free_port() -> Result<u16, ServerError> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(ServerError::NoPort)?;
    let port = l.local_addr().map_err(ServerError::NoPort)?.port();
    Ok(port)
}

impl ReferenceServer {
    /// Starts a provider on a free port with a fresh random token and waits until it answers.
    pub async fn start(kind: ProviderKind) -> Result<Self, ServerError> {
        Self::start_on(kind, None, None).await
    }

    /// Starts SCIMMY issuing OAuth 2.0 access tokens to `client_id`/`client_secret` by the
    /// client credentials grant at `{origin}/oauth/token` (see [`ReferenceServer::token_url`]).
    pub async fn start_scimmy_with_oauth(
        client_id: &str,
        client_secret: &str,
    ) -> Result<Self, ServerError> {
        Self::start_full(
            ProviderKind::Scimmy,
            None,
            None,
            &["--client-id".into(), client_id.into()],
            Some(client_secret),
        )
        .await
    }

    /// The OAuth 2.0 token endpoint of a server started with
    /// [`ReferenceServer::start_scimmy_with_oauth`].
    pub fn token_url(&self) -> String {
        format!("http://127.0.0.1:{}/oauth/token", self.port())
    }

    /// Starts a provider on `port` (or a free one) with `token` (or a fresh random one).
    pub async fn start_on(
        kind: ProviderKind,
        port: Option<u16>,
        token: Option<String>,
    ) -> Result<Self, ServerError> {
        Self::start_full(kind, port, token, &[], None).await
    }

    /// Secrets reach the server through its environment (readable by this user only), never
    /// its command line (which every local user can list).
    async fn start_full(
        kind: ProviderKind,
        port: Option<u16>,
        token: Option<String>,
        extra_args: &[String],
        client_secret: Option<&str>,
    ) -> Result<Self, ServerError> {
        let port = match port {
            Some(p) => p,
            None => free_port()?,
        };
        let token = token.unwrap_or_else(random_token);
        let dir = assets_dir();
        let work_dir = tempfile::tempdir().map_err(ServerError::Config)?;
        let (mut cmd, base_url) = match kind {
            ProviderKind::Scim2Server => {
                require(
                    &dir.join(".venv/bin/scim2-server"),
                    "scim2-server (Python venv)",
                )?;
                let spc = work_dir.path().join("service-provider-config.json");
                std::fs::write(&spc, SCIM2_SPC).map_err(ServerError::Config)?;
                // scim2-server takes its token only as an argument: its own entry point is
                // called with the token added to sys.argv inside the process, from the
                // environment, so the process's command line never shows it.
                let mut cmd = Command::new(dir.join(".venv/bin/python3"));
                cmd.arg("-c")
                    .arg(
                        "import os, sys\n\
                         from scim2_server.testserver.cli import main\n\
                         sys.argv = ['scim2-server'] + sys.argv[1:] + \
                         ['--bearer-token', os.environ.pop('SCIM_DESK_PROVIDER_TOKEN')]\n\
                         sys.exit(main())",
                    )
                    .env("SCIM_DESK_PROVIDER_TOKEN", &token)
                    .arg("--hostname")
                    .arg("127.0.0.1")
                    .arg("--port")
                    .arg(port.to_string())
                    .arg("--service-provider-config")
                    .arg(&spc)
                    .arg("--dynamic-tenants");
                // With dynamic tenants every store lives under /NAME/v2; the default is "main".
                (cmd, format!("http://127.0.0.1:{port}/main/v2"))
            }
            ProviderKind::Scimmy => {
                let script = dir.join("scimmy/server.js");
                require(
                    &dir.join("scimmy/node_modules/scimmy"),
                    "SCIMMY (node modules)",
                )?;
                let mut cmd = Command::new("node");
                cmd.arg(script)
                    .env("SCIMMY_TOKEN", &token)
                    .arg("--port")
                    .arg(port.to_string())
                    .args(extra_args);
                if let Some(s) = client_secret {
                    cmd.env("SCIMMY_CLIENT_SECRET", s);
                }
                (cmd, format!("http://127.0.0.1:{port}/scim/v2"))
            }
            ProviderKind::Embedded => return Self::start_embedded(),
        };
        // The servers log every request: to a file, never to a pipe nobody reads (a full pipe
        // would block the server).
        let log = std::fs::File::create(work_dir.path().join("server.log"))
            .map_err(ServerError::Config)?;
        let log2 = log.try_clone().map_err(ServerError::Config)?;
        cmd.stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2));
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::process::CommandExt;
            // If the process that started the server dies without running its destructors
            // (killed, crashed), the kernel stops the server too: no orphaned providers.
            // SAFETY: prctl with PR_SET_PDEATHSIG is async-signal-safe and touches no memory.
            unsafe {
                cmd.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                    Ok(())
                });
            }
        }
        let child = cmd.spawn().map_err(|source| ServerError::Spawn {
            what: kind.label(),
            source,
        })?;
        let mut server = ReferenceServer {
            kind,
            running: Running::Process { child, work_dir },
            port,
            base_url,
            token: Sensitive::new(token),
        };
        server.wait_ready(Duration::from_secs(30)).await?;
        Ok(server)
    }

    /// The embedded provider: its own free port and token, one tenant.
    fn start_embedded() -> Result<Self, ServerError> {
        let provider = desk_embedded::EmbeddedProvider::start(&[EMBEDDED_TENANT])?;
        let (Some(base_url), Some(token)) = (
            provider.base_url(EMBEDDED_TENANT),
            provider.token(EMBEDDED_TENANT).cloned(),
        ) else {
            return Err(ServerError::Embedded(desk_embedded::StartError::NoTenant(
                EMBEDDED_TENANT.into(),
            )));
        };
        Ok(ReferenceServer {
            kind: ProviderKind::Embedded,
            port: provider.port(),
            base_url,
            token,
            running: Running::Embedded(provider),
        })
    }

    async fn wait_ready(&mut self, limit: Duration) -> Result<(), ServerError> {
        let client = self.client_for(&self.base_url);
        let started = Instant::now();
        loop {
            if let Running::Process { child, .. } = &mut self.running {
                if let Ok(Some(_)) = child.try_wait() {
                    return Err(self.not_ready(limit));
                }
            }
            if client.service_provider_config().await.is_ok() {
                return Ok(());
            }
            if started.elapsed() > limit {
                return Err(self.not_ready(limit));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn not_ready(&mut self, limit: Duration) -> ServerError {
        if let Running::Process { child, .. } = &mut self.running {
            let _ = child.kill();
            let _ = child.wait();
        }
        let output = self.log_tail(40);
        ServerError::NotReady {
            what: self.kind.label(),
            seconds: limit.as_secs(),
            output,
        }
    }

    /// The last `lines` lines the server logged.
    pub fn log_tail(&self, lines: usize) -> String {
        let Running::Process { work_dir, .. } = &self.running else {
            return String::new();
        };
        let text = std::fs::read_to_string(work_dir.path().join("server.log")).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Which provider this is.
    pub fn kind(&self) -> ProviderKind {
        self.kind
    }

    /// The PID of the listening process (none for the embedded provider, which runs in this
    /// process).
    pub fn pid(&self) -> Option<u32> {
        match &self.running {
            Running::Process { child, .. } => Some(child.id()),
            Running::Embedded(_) => None,
        }
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The SCIM base URL (`.../v2`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The SCIM base URL of an isolated tenant (scim2-server only; SCIMMY has one store per
    /// process, so isolate with a fresh server instead).
    pub fn tenant_url(&self, tenant: &str) -> String {
        match self.kind {
            ProviderKind::Scim2Server => format!("http://127.0.0.1:{}/{tenant}/v2", self.port),
            ProviderKind::Scimmy | ProviderKind::Embedded => self.base_url.clone(),
        }
    }

    /// The bearer token the server accepts.
    pub fn token(&self) -> &Sensitive<String> {
        &self.token
    }

    /// A client for the server's base URL with its token.
    pub fn client(&self) -> ScimClient {
        self.client_for(&self.base_url)
    }

    /// A client for a URL on this server (e.g. a tenant) with its token.
    pub fn client_for(&self, base_url: &str) -> ScimClient {
        // The URL is ours and well formed; a failure here is a bug in this file.
        #[allow(clippy::expect_used)]
        ScimClient::new(
            base_url,
            Auth::Bearer(self.token.clone()),
            &ClientOptions::default(),
        )
        .expect("the harness builds valid loopback URLs")
    }

    /// Stops the server and waits for its process to end.
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        // The embedded provider stops when it is dropped with this value.
        let Running::Process { child, .. } = &mut self.running else {
            return;
        };
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        // SIGTERM first so Node closes its listener cleanly; SIGKILL if it lingers.
        let pid = child.id();
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        self.terminate();
    }
}

fn require(path: &Path, what: &'static str) -> Result<(), ServerError> {
    if path.exists() {
        Ok(())
    } else {
        Err(ServerError::NotInstalled {
            what,
            path: path.to_path_buf(),
        })
    }
}
