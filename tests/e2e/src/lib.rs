//! Drives the real SCIM Desk window for GUI tests: tauri-driver + WebKitWebDriver under the
//! Xvfb display and D-Bus session that `cargo xtask test` provides.
//!
//! Each [`Gui`] runs its own tauri-driver on free loopback ports, with the app's data folder
//! redirected to a fresh temporary folder, and stops both (by process group) when dropped.

pub mod bucket;
pub mod faults;
pub mod gauge;
pub mod hostile;
mod http;
mod rewrites;

/// scim2-server on 127.0.0.1 seeded with `users` people and `groups` groups of the sample
/// directory (from `seed`), for tests that need a populated provider.
pub async fn seeded_scim2_server(
    seed: u64,
    users: usize,
    groups: usize,
) -> desk_reference::ReferenceServer {
    let server = desk_reference::ReferenceServer::start(desk_reference::ProviderKind::Scim2Server)
        .await
        .expect("scim2-server starts");
    desk_reference::seed::seed(
        &server.client(),
        &desk_reference::sample::generate(seed, users, groups),
        |_, _| {},
    )
    .await
    .expect("the sample directory loads");
    server
}

/// The secrets of the desks on data folder `data`, kept in memory (no keyring needed): one store
/// per folder, so a folder opened again finds the key of its encrypted database, and tests running
/// side by side with providers of the same name keep their own tokens.
fn memory_secrets(
    data: &std::path::Path,
) -> std::sync::Arc<desk_engine::providers::secrets::MemoryStore> {
    type Stores = std::collections::HashMap<
        std::path::PathBuf,
        std::sync::Arc<desk_engine::providers::secrets::MemoryStore>,
    >;
    static STORES: std::sync::OnceLock<std::sync::Mutex<Stores>> = std::sync::OnceLock::new();
    let mut stores = STORES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    stores.entry(data.to_path_buf()).or_default().clone()
}

/// A desk on the data folder `data` with secrets kept in memory (no keyring needed).
pub fn desk_at(data: &std::path::Path) -> desk_engine::Desk {
    desk_engine::Desk::open(
        desk_engine::DataPaths::at(data.to_path_buf()).expect("the data folder"),
        memory_secrets(data),
    )
    .expect("the desk opens")
}

/// Makes the data folder's copy one that this build's keyring key does not open (another
/// machine's copy, or a key since replaced): the keyring holds a key (made here if no test made
/// one yet) and the copy is encrypted with another. Returns the file's bytes.
pub fn copy_under_another_key(data: &std::path::Path) -> Vec<u8> {
    let scratch = tempfile::tempdir().expect("a scratch folder");
    desk_engine::offline::key::in_folder(scratch.path()).expect("this build's key");
    let path = data.join("scim-desk.sqlite3");
    let other = desk_store::DatabaseKey::random().expect("a key");
    drop(
        desk_store::Database::open(&desk_store::DatabaseFile::encrypted(&path, other))
            .expect("a copy under another key"),
    );
    std::fs::read(&path).expect("the copy")
}

/// The database of a [`desk_at`] data folder, with its key, to read what the desk wrote.
pub fn database_at(data: &std::path::Path) -> desk_store::DatabaseFile {
    desk_engine::offline::key::database_file(
        &desk_engine::DataPaths::at(data.to_path_buf()).expect("the data folder"),
        memory_secrets(data).as_ref(),
    )
    .expect("the key of the database")
}

/// A desk on a new data folder with `server` added as provider `name` at `url` (the server
/// itself, or a proxy in front of it), synced once. Keep the folder while the desk is used.
pub async fn desk_with(
    name: &str,
    url: &str,
    server: &desk_reference::ReferenceServer,
) -> (tempfile::TempDir, desk_engine::Desk) {
    let data = tempfile::tempdir().expect("a data folder");
    let desk = desk_at(data.path());
    add_synced(&desk, name, url, server).await;
    (data, desk)
}

/// Adds `server` to `desk` as provider `name` at `url` and makes its first copy.
pub async fn add_synced(
    desk: &desk_engine::Desk,
    name: &str,
    url: &str,
    server: &desk_reference::ReferenceServer,
) {
    desk.add_provider(desk_engine::api::ProviderInput::bearer(
        name,
        url,
        Some(server.token().expose()),
    ))
    .expect("the provider is added");
    desk.sync(name, &desk_engine::vocabulary::CancelFlag::new(), &|_| {})
        .await
        .expect("the first sync");
}

/// The first `limit` users of provider `name`'s local copy, as the window asks for them.
pub fn users_page(
    desk: &desk_engine::Desk,
    name: &str,
    limit: u32,
) -> desk_engine::read::directory::DirectoryPage {
    desk.directory_page(&desk_engine::read::directory::DirectoryQuery {
        provider: name.into(),
        kind: desk_engine::vocabulary::Kind::User,
        search: None,
        filter: None,
        sort: None,
        descending: false,
        offset: 0,
        limit,
    })
    .expect("the local copy reads")
}

/// Every file below `dir`, at any depth (to look for what must be in none of them).
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The files below `dir` whose bytes contain `needle`.
pub fn files_holding(dir: &std::path::Path, needle: &str) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|f| {
            std::fs::read(f).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        })
        .collect()
}

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

/// One WebDriver session at a time: tests in a binary take this lock.
pub static GUI_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long to wait for an element or a condition before failing.
pub const WAIT: Duration = Duration::from_secs(20);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The app binary built by `cargo xtask test` (bundled front end, no dev server).
pub fn app_binary() -> PathBuf {
    let p = std::env::var_os("SCIM_DESK_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/scim-desk")
        });
    assert!(
        p.exists(),
        "the app binary {} is missing: run the GUI tests through `cargo xtask test`",
        p.display()
    );
    p
}

/// A running app window under WebDriver.
pub struct Gui {
    pub client: Client,
    driver: Child,
    stopped: bool,
    pub data_dir: tempfile::TempDir,
}

impl Gui {
    /// Starts the app with an empty data folder.
    pub async fn start() -> Gui {
        Self::start_with(tempfile::tempdir().expect("a temp data folder"), &[]).await
    }

    /// Starts the app on `data_dir` with extra environment variables.
    pub async fn start_with(data_dir: tempfile::TempDir, env: &[(&str, &str)]) -> Gui {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "no DISPLAY: run the GUI tests through `cargo xtask test` (it starts Xvfb)"
        );
        let port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new("tauri-driver");
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .env("SCIM_DESK_DATA_DIR", data_dir.path())
            // The system's save dialog cannot be driven through WebDriver: exports go here.
            .env("SCIM_DESK_EXPORT_DIR", data_dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            // Its own process group, so the app and WebKitWebDriver go with it.
            cmd.process_group(0);
        }
        let driver = cmd.spawn().expect(
            "tauri-driver could not start: is it installed (cargo xtask test installs it)?",
        );
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app_binary() }),
        );
        caps.insert("browserName".into(), serde_json::json!("wry"));
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let attempt = ClientBuilder::rustls()
                .expect("a WebDriver client")
                .capabilities(caps.clone())
                .connect(&url)
                .await;
            match attempt {
                Ok(c) => break c,
                Err(e) if started.elapsed() < WAIT => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("could not open a WebDriver session on {url}: {e}"),
            }
        };
        let gui = Gui {
            client,
            driver,
            stopped: false,
            data_dir,
        };
        gui.wait_for(Locator::Css(
            "[data-testid=app], [data-testid=startup-error]",
        ))
        .await;
        gui
    }

    /// Waits for an element matching `loc`.
    pub async fn wait_for(&self, loc: Locator<'_>) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(loc)
            .await
            .unwrap_or_else(|e| panic!("element {loc:?} did not appear: {e}"))
    }

    /// Waits for the element with `data-testid=id`.
    pub async fn by_id(&self, id: &str) -> Element {
        self.wait_for(Locator::Css(&format!("[data-testid=\"{id}\"]")))
            .await
    }

    /// The text of the element with `data-testid=id`, found again when the window re-rendered
    /// it between finding and reading (a stale element).
    pub async fn text_of(&self, id: &str) -> String {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match self.by_id(id).await.text().await {
                Ok(t) => return t,
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference
                        && std::time::Instant::now() < until =>
                {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("text of {id}: {e:?}"),
            }
        }
    }

    /// Every element with `data-testid=id` at this moment.
    pub async fn all_by_id(&self, id: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(&format!("[data-testid=\"{id}\"]")))
            .await
            .unwrap_or_default()
    }

    /// Polls `cond` until it holds.
    pub async fn until<F, Fut>(&self, what: &str, cond: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        self.until_within(what, WAIT * 3, cond).await;
    }

    /// [`Gui::until`] with its own limit, for work that takes long on a loaded machine (the
    /// demo starts two providers and loads 1,000 people into one).
    pub async fn until_within<F, Fut>(&self, what: &str, limit: Duration, mut cond: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        while !cond().await {
            assert!(started.elapsed() < limit, "timed out waiting until {what}");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Adds a provider through the dialog (bearer token) and makes its first copy.
    pub async fn add_and_sync(&self, name: &str, server: &desk_reference::ReferenceServer) {
        self.add_at_and_sync(name, server.base_url(), server).await;
    }

    /// Adds `server` at the address `url` (a proxy in front of it) and makes its first copy.
    pub async fn add_at_and_sync(
        &self,
        name: &str,
        url: &str,
        server: &desk_reference::ReferenceServer,
    ) {
        self.click("add-provider").await;
        self.type_into("field-name", name).await;
        self.type_into("field-url", url).await;
        self.type_into("field-secret", server.token().expose())
            .await;
        self.click("save-provider").await;
        self.click("sync-now").await;
        self.by_id("sync-result").await;
    }

    /// Opens the migration page with `from` and `to` chosen.
    pub async fn open_migration(&self, from: &str, to: &str) {
        self.click("open-migration").await;
        for (id, name) in [("migration-source", from), ("migration-target", to)] {
            self.by_id(id)
                .await
                .select_by_value(name)
                .await
                .expect("the provider is offered");
        }
    }

    /// Clicks the element with `data-testid=id`. An element present but not yet interactable
    /// (the page is inert for the moment a dialog takes to close) is tried again for a while.
    pub async fn click(&self, id: &str) {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match self.by_id(id).await.click().await {
                Ok(()) => return,
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::ElementNotInteractable
                        && std::time::Instant::now() < until =>
                {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("click {id}: {e:?}"),
            }
        }
    }

    /// Types into the element with `data-testid=id`.
    pub async fn type_into(&self, id: &str, text: &str) {
        let e = self.by_id(id).await;
        e.clear().await.expect("clear");
        e.send_keys(text).await.expect("type");
    }

    /// Replaces the text of a filled-in field as a person would: End, Backspace over the old
    /// text, then the new text (real key events, so the page sees every change).
    pub async fn replace_text(&self, id: &str, text: &str) {
        self.replace_text_at(&format!("[data-testid=\"{id}\"]"), text)
            .await;
    }

    /// [`Gui::replace_text`] in the field a CSS selector finds (one of several alike).
    pub async fn replace_text_at(&self, css: &str, text: &str) {
        let e = self.wait_for(Locator::Css(css)).await;
        let old = e.prop("value").await.ok().flatten().unwrap_or_default();
        let mut keys = String::from("\u{E010}");
        keys.extend(std::iter::repeat_n('\u{E003}', old.chars().count()));
        keys.push_str(text);
        e.send_keys(&keys).await.expect("type");
    }

    /// Pastes text into a field (as the clipboard would: one input event with the whole text,
    /// line breaks included).
    pub async fn paste_into(&self, id: &str, text: &str) {
        let e = self.by_id(id).await;
        let script = "const el = arguments[0];
            const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype
                                                            : HTMLInputElement.prototype;
            Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, arguments[1]);
            el.dispatchEvent(new Event('input', { bubbles: true }));";
        self.client
            .execute(
                script,
                vec![
                    serde_json::to_value(&e).expect("element"),
                    serde_json::Value::String(text.to_string()),
                ],
            )
            .await
            .expect("paste");
    }

    /// Runs a script in the window (for arranging a screenshot, never for what a test proves).
    pub async fn script(&self, js: &str) {
        self.client
            .execute(js, Vec::new())
            .await
            .expect("the script runs");
    }

    /// Saves a PNG of the window to `target/screenshots/NAME.png` (and, with
    /// `UPDATE_SCREENSHOTS=1`, to `tests/screenshots/NAME.png` for the README).
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = tokio::time::timeout(WAIT, self.client.screenshot())
            .await
            .expect("the WebDriver screenshot answers in time")
            .expect("a screenshot");
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let dir = root.join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, &png).expect("write screenshot");
        if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
            let keep = root.join("tests/screenshots");
            std::fs::create_dir_all(&keep).expect("screenshot folder");
            std::fs::write(keep.join(format!("{name}.png")), &png).expect("write screenshot");
        }
        path
    }

    /// Ends the session (closing the app) and stops tauri-driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        self.stop_driver();
    }

    /// Ends the session like [`Gui::close`] and hands back the data folder, to open the app on
    /// it again.
    pub async fn close_keeping_data(mut self) -> tempfile::TempDir {
        let _ = self.client.clone().close().await;
        self.stop_driver();
        std::mem::replace(
            &mut self.data_dir,
            tempfile::tempdir().expect("a temp data folder"),
        )
    }

    fn stop_driver(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let pid = self.driver.id();
        // Signal the driver's own process group (the app and WebKitWebDriver are in it), but
        // only while the driver is alive and still leads that group: a stale or reused id
        // must never reach another group.
        let leads_its_group = || {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    let after_comm = stat.rsplit_once(')').map(|(_, rest)| rest.to_string())?;
                    after_comm
                        .split_whitespace()
                        .nth(2)
                        .map(|pgrp| pgrp == pid.to_string())
                })
                .unwrap_or(false)
        };
        let signal_group = |driver: &mut Child, sig: &str| {
            if matches!(driver.try_wait(), Ok(None)) && leads_its_group() {
                let _ = Command::new("kill")
                    .arg(sig)
                    .arg("--")
                    .arg(format!("-{pid}"))
                    .status();
            }
        };
        signal_group(&mut self.driver, "-TERM");
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.driver.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        signal_group(&mut self.driver, "-KILL");
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Gui {
    fn drop(&mut self) {
        self.stop_driver();
    }
}
