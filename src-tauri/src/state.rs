//! What the commands share: the engine (or why it did not start), the long jobs the window
//! can stop, and the error adapters.

use std::sync::Arc;

use desk_engine::api::IpcError;
use desk_engine::migrate::run::RunProgress;
use desk_engine::vocabulary::CancelFlag;
use desk_engine::{Desk, DeskError};
use tauri::Emitter;

/// The engine, or why it could not start (e.g. a database from a newer version, or an offline
/// copy whose key is gone). The window opens either way and shows the error in plain words;
/// starting fresh replaces it.
pub(crate) struct DeskState(std::sync::RwLock<Result<Arc<Desk>, IpcError>>);

/// Running syncs by provider name, so the window can cancel them.
#[derive(Default)]
pub(crate) struct RunningSyncs(
    pub(crate) std::sync::Mutex<std::collections::HashMap<String, CancelFlag>>,
);

/// Set when the app was started with `--demo`: the window starts the demo providers at once.
pub(crate) struct StartOptions {
    pub(crate) demo: bool,
}

impl DeskState {
    /// While the engine opens: every command answers that it is opening.
    pub(crate) fn opening() -> Self {
        Self(std::sync::RwLock::new(Err(IpcError {
            code: desk_engine::ErrorCode::Opening,
            message: "SCIM Desk is opening its offline copy.".into(),
            detail: None,
        })))
    }

    pub(crate) fn desk(&self) -> Result<Arc<Desk>, IpcError> {
        match self.0.read() {
            Ok(d) => d.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The engine opened again (after starting fresh).
    pub(crate) fn replace(&self, desk: Result<Arc<Desk>, IpcError>) {
        match self.0.write() {
            Ok(mut d) => *d = desk,
            Err(poisoned) => *poisoned.into_inner() = desk,
        }
    }
}

/// Runs `work` as a task of its own, so that a bug (a panic) in it reaches the window as an error
/// in words, instead of a request that never answers; the crash report is written by the hook
/// `desk_engine::crash::install` set.
pub(crate) async fn guarded<T: Send + 'static>(
    work: impl std::future::Future<Output = Result<T, DeskError>> + Send + 'static,
) -> Result<T, IpcError> {
    match tauri::async_runtime::spawn(work).await {
        Ok(r) => r.map_err(ipc),
        Err(_) => Err(ipc(desk_engine::crash::task_failed())),
    }
}

/// Runs the body of a command that answers from the local copy, so that a bug (a panic) in it
/// reaches the window as an error in words instead of ending the app.
pub(crate) fn caught<T>(body: impl FnOnce() -> Result<T, IpcError>) -> Result<T, IpcError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body))
        .unwrap_or_else(|_| Err(ipc(desk_engine::crash::task_failed())))
}

pub(crate) fn ipc(e: DeskError) -> IpcError {
    e.to_ipc()
}

/// Where the person wants a file with directory data saved: the system's save dialog (in the
/// documents folder), or `SCIM_DESK_EXPORT_DIR` (tests, scripted use). None when they cancel.
pub(crate) async fn ask_where_to_save(
    app: &tauri::AppHandle,
    title: &str,
    name: &str,
    kind: (&str, &str),
) -> Result<Option<std::path::PathBuf>, IpcError> {
    use tauri::Manager;
    use tauri_plugin_dialog::DialogExt;
    if let Some(dir) = std::env::var_os("SCIM_DESK_EXPORT_DIR").filter(|d| !d.is_empty()) {
        return Ok(Some(std::path::PathBuf::from(dir).join(name)));
    }
    let mut dialog = app
        .dialog()
        .file()
        .set_title(title)
        .set_file_name(name)
        .add_filter(kind.0, &[kind.1]);
    if let Ok(dir) = app.path().document_dir() {
        dialog = dialog.set_directory(dir);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    dialog.save_file(move |picked| {
        let _ = tx.send(picked);
    });
    match rx.await.ok().flatten().map(|p| p.into_path()) {
        Some(Ok(p)) => Ok(Some(p)),
        Some(Err(_)) => Err(ipc(DeskError::InvalidInput(
            "That place cannot be written to from here. Choose a folder on this computer.".into(),
        ))),
        None => Ok(None),
    }
}

/// The file the last export wrote, for "Show in folder" (the window never names a path).
#[derive(Default)]
pub(crate) struct LastExport(pub(crate) std::sync::Mutex<Option<std::path::PathBuf>>);

/// A long job the window can stop: its cancel flag, set while it runs.
#[derive(Default)]
pub(crate) struct RunningJob(pub(crate) std::sync::Mutex<Option<CancelFlag>>);

impl RunningJob {
    /// A new cancel flag for a run (kept for Stop or Pause) and a progress callback emitting
    /// `event` to the window.
    pub(crate) fn start(
        &self,
        app: tauri::AppHandle,
        event: &'static str,
    ) -> (CancelFlag, impl Fn(RunProgress) + Send + Sync) {
        let flag = CancelFlag::new();
        if let Ok(mut r) = self.0.lock() {
            *r = Some(flag.clone());
        }
        (flag, move |p: RunProgress| {
            let _ = app.emit(event, p);
        })
    }

    /// Asks the running job to stop.
    pub(crate) fn cancel(&self) {
        if let Ok(r) = self.0.lock() {
            if let Some(flag) = r.as_ref() {
                flag.cancel();
            }
        }
    }
}

/// The running migration, so the window can pause it.
#[derive(Default)]
pub(crate) struct RunningMigration(pub(crate) RunningJob);

impl RunningMigration {
    /// [`RunningJob::start`] with `migration-progress` events.
    pub(crate) fn start(
        &self,
        app: tauri::AppHandle,
    ) -> (CancelFlag, impl Fn(RunProgress) + Send + Sync) {
        self.0.start(app, "migration-progress")
    }
}

/// The running bulk change (one at a time), so the window can stop it.
#[derive(Default)]
pub(crate) struct RunningBulk(pub(crate) RunningJob);

impl RunningBulk {
    /// [`RunningJob::start`] with `bulk-progress` events.
    pub(crate) fn start(
        &self,
        app: tauri::AppHandle,
    ) -> (CancelFlag, impl Fn(RunProgress) + Send + Sync) {
        self.0.start(app, "bulk-progress")
    }
}
