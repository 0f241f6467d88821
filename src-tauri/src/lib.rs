//! The Tauri layer: opens the window and adapts commands to the engine.
//!
//! Each command unpacks its arguments, calls one `Desk` method and maps the error to the IPC
//! shape `{code, message, detail}`. No logic lives here: the CLI calls the same methods.

use std::sync::Arc;

use desk_engine::api::{
    AppInfo, ConnectionReport, DemoProgress, DemoReport, IpcError, ProviderInput, ProviderSummary,
};
use desk_engine::migrate::run::{MigrationRunSummary, RunProgress, RunReport};
use desk_engine::migrate::{MigrationPlan, PlanOptions};
use desk_engine::providers::secrets::KeyringStore;
use desk_engine::read::detail::{AuditRow, FormSection, ResourceDetail};
use desk_engine::read::overview::Overview;
use desk_engine::read::sync::{SyncProgress, SyncReport};
use desk_engine::vocabulary::CancelFlag;
use desk_engine::vocabulary::Kind;
use desk_engine::write::bulk::{BulkPreview, BulkReport, BulkRequest};
use desk_engine::write::edit::{
    EditPreview, EditRequest, MembershipChange, MergeRequest, SaveOutcome,
};
use desk_engine::write::import::{ColumnMapping, ImportPreview, ImportRequest, ImportResult};
use desk_engine::{DataPaths, Desk, DeskError};
use tauri::{Emitter, Manager, State};

/// The engine, or why it could not start (e.g. a database from a newer version). The window
/// opens either way and shows the error in plain words.
struct DeskState(Result<Arc<Desk>, IpcError>);

/// Running syncs by provider name, so the window can cancel them.
#[derive(Default)]
struct RunningSyncs(std::sync::Mutex<std::collections::HashMap<String, CancelFlag>>);

/// Set when the app was started with `--demo`: the window starts the demo providers at once.
struct StartOptions {
    demo: bool,
}

impl DeskState {
    fn desk(&self) -> Result<Arc<Desk>, IpcError> {
        self.0.clone()
    }
}

/// Runs `work` as a task of its own, so that a bug (a panic) in it reaches the window as an error
/// in words, instead of a request that never answers; the crash report is written by the hook
/// `desk_engine::crash::install` set.
async fn guarded<T: Send + 'static>(
    work: impl std::future::Future<Output = Result<T, DeskError>> + Send + 'static,
) -> Result<T, IpcError> {
    match tauri::async_runtime::spawn(work).await {
        Ok(r) => r.map_err(ipc),
        Err(_) => Err(ipc(desk_engine::crash::task_failed())),
    }
}

/// Runs the body of a command that answers from the local copy, so that a bug (a panic) in it
/// reaches the window as an error in words instead of ending the app.
fn caught<T>(body: impl FnOnce() -> Result<T, IpcError>) -> Result<T, IpcError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body))
        .unwrap_or_else(|_| Err(ipc(desk_engine::crash::task_failed())))
}

fn ipc(e: DeskError) -> IpcError {
    e.to_ipc()
}

#[tauri::command]
fn app_info(
    state: State<'_, DeskState>,
    options: State<'_, StartOptions>,
) -> Result<AppInfo, IpcError> {
    caught(|| {
        let mut info = state.desk()?.app_info();
        info.start_demo = options.demo;
        Ok(info)
    })
}

#[tauri::command]
fn dismiss_crash_reports(state: State<'_, DeskState>) -> Result<(), IpcError> {
    caught(|| state.desk()?.dismiss_crash_reports().map_err(ipc))
}

#[tauri::command]
fn list_providers(state: State<'_, DeskState>) -> Result<Vec<ProviderSummary>, IpcError> {
    caught(|| state.desk()?.list_providers().map_err(ipc))
}

#[tauri::command]
fn add_provider(
    state: State<'_, DeskState>,
    input: ProviderInput,
) -> Result<ProviderSummary, IpcError> {
    caught(|| state.desk()?.add_provider(input).map_err(ipc))
}

#[tauri::command]
fn update_provider(
    state: State<'_, DeskState>,
    name: String,
    input: ProviderInput,
) -> Result<ProviderSummary, IpcError> {
    caught(|| state.desk()?.update_provider(&name, input).map_err(ipc))
}

#[tauri::command]
fn remove_provider(state: State<'_, DeskState>, name: String) -> Result<(), IpcError> {
    caught(|| state.desk()?.remove_provider(&name).map_err(ipc))
}

#[tauri::command]
async fn test_connection(
    state: State<'_, DeskState>,
    input: ProviderInput,
) -> Result<ConnectionReport, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.test_connection(input).await }).await
}

#[tauri::command]
async fn test_provider(
    state: State<'_, DeskState>,
    name: String,
) -> Result<ConnectionReport, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.test_provider(&name).await }).await
}

#[tauri::command]
async fn start_demo(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
) -> Result<DemoReport, IpcError> {
    let desk = state.desk()?;
    guarded(async move {
        desk.start_demo(move |p: DemoProgress| {
            let _ = app.emit("demo-progress", p);
        })
        .await
    })
    .await
}

#[tauri::command]
async fn sync_provider(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
    running: State<'_, RunningSyncs>,
    name: String,
) -> Result<SyncReport, IpcError> {
    let desk = state.desk()?;
    let flag = CancelFlag::new();
    if let Ok(mut map) = running.0.lock() {
        map.insert(name.clone(), flag.clone());
    }
    let progress = move |p: SyncProgress| {
        let _ = app.emit("sync-progress", p);
    };
    let task = {
        let (name, flag) = (name.clone(), flag.clone());
        async move { desk.sync(&name, &flag, &progress).await }
    };
    let result = guarded(task).await;
    if let Ok(mut map) = running.0.lock() {
        map.remove(&name);
    }
    result
}

#[tauri::command]
fn cancel_sync(running: State<'_, RunningSyncs>, name: String) {
    if let Ok(map) = running.0.lock() {
        if let Some(flag) = map.get(&name) {
            flag.cancel();
        }
    }
}

#[tauri::command]
fn cached_page(
    state: State<'_, DeskState>,
    query: desk_engine::read::directory::DirectoryQuery,
) -> Result<desk_engine::read::directory::DirectoryPage, IpcError> {
    caught(|| state.desk()?.directory_page(&query).map_err(ipc))
}

#[tauri::command]
fn resource_detail(
    state: State<'_, DeskState>,
    provider: String,
    kind: Kind,
    id: String,
) -> Result<ResourceDetail, IpcError> {
    caught(|| {
        state
            .desk()?
            .resource_detail(&provider, kind, &id)
            .map_err(ipc)
    })
}

#[tauri::command]
fn group_members(
    state: State<'_, DeskState>,
    provider: String,
    group_id: String,
    search: String,
    offset: u32,
    limit: u32,
) -> Result<desk_engine::read::detail::MemberPage, IpcError> {
    caught(|| {
        state
            .desk()?
            .group_members(&provider, &group_id, &search, offset, limit)
            .map_err(ipc)
    })
}

#[tauri::command]
fn new_resource_form(
    state: State<'_, DeskState>,
    provider: String,
    kind: Kind,
) -> Result<Vec<FormSection>, IpcError> {
    caught(|| {
        state
            .desk()?
            .new_resource_form(&provider, kind)
            .map_err(ipc)
    })
}

#[tauri::command]
async fn preview_edit(
    state: State<'_, DeskState>,
    request: EditRequest,
) -> Result<EditPreview, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.preview_edit(&request).await }).await
}

#[tauri::command]
async fn save_edit(
    state: State<'_, DeskState>,
    request: EditRequest,
) -> Result<SaveOutcome, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.save_edit(&request).await }).await
}

#[tauri::command]
fn merge_conflict(request: MergeRequest) -> serde_json::Value {
    desk_engine::write::edit::merge(
        &request.base,
        &request.mine,
        &request.theirs,
        &request.take_mine,
    )
}

#[tauri::command]
async fn undo_last(state: State<'_, DeskState>, provider: String) -> Result<SaveOutcome, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.undo_last(&provider).await }).await
}

#[tauri::command]
async fn create_resource(
    state: State<'_, DeskState>,
    provider: String,
    kind: Kind,
    resource: serde_json::Value,
) -> Result<serde_json::Value, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.create_resource(&provider, kind, &resource).await }).await
}

#[tauri::command]
async fn delete_resource(
    state: State<'_, DeskState>,
    provider: String,
    kind: Kind,
    before: serde_json::Value,
) -> Result<(), IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.delete_resource(&provider, kind, &before).await }).await
}

#[tauri::command]
async fn change_membership(
    state: State<'_, DeskState>,
    change: MembershipChange,
) -> Result<serde_json::Value, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.change_membership(&change).await }).await
}

#[tauri::command]
fn audit_log(
    state: State<'_, DeskState>,
    provider: Option<String>,
    limit: u32,
) -> Result<Vec<AuditRow>, IpcError> {
    caught(|| {
        Ok(state
            .desk()?
            .audit_entries(provider.as_deref(), None, limit)
            .map_err(ipc)?
            .into_iter()
            .map(AuditRow::from)
            .collect())
    })
}

#[tauri::command]
fn overview(state: State<'_, DeskState>, provider: String) -> Result<Overview, IpcError> {
    caught(|| state.desk()?.overview(&provider).map_err(ipc))
}

#[tauri::command]
fn diff_snapshots(
    state: State<'_, DeskState>,
    provider: String,
) -> Result<desk_engine::read::history::SnapshotDiff, IpcError> {
    caught(|| {
        state
            .desk()?
            .diff_snapshots(&provider, None, None)
            .map_err(ipc)
    })
}

/// The file the last export wrote, for "Show in folder" (the window never names a path).
#[derive(Default)]
struct LastExport(std::sync::Mutex<Option<std::path::PathBuf>>);

/// Exports a view to a CSV file the person chooses in the system's save dialog; `None` when
/// they cancel it. With `SCIM_DESK_EXPORT_DIR` set (tests, scripted use) it writes there
/// without asking.
#[tauri::command]
async fn export_view(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
    last: State<'_, LastExport>,
    query: desk_engine::read::directory::DirectoryQuery,
) -> Result<Option<String>, IpcError> {
    use tauri_plugin_dialog::DialogExt;
    let desk = state.desk()?;
    let name = Desk::export_file_name(&query);
    let path = match std::env::var_os("SCIM_DESK_EXPORT_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => std::path::PathBuf::from(dir).join(name),
        None => {
            let mut dialog = app
                .dialog()
                .file()
                .set_title("Export to a spreadsheet (CSV)")
                .set_file_name(&name)
                .add_filter("Spreadsheet (CSV)", &["csv"]);
            if let Ok(dir) = app.path().document_dir() {
                dialog = dialog.set_directory(dir);
            }
            let (tx, rx) = tokio::sync::oneshot::channel();
            dialog.save_file(move |picked| {
                let _ = tx.send(picked);
            });
            match rx.await.ok().flatten().map(|p| p.into_path()) {
                Some(Ok(p)) => p,
                Some(Err(_)) => {
                    return Err(ipc(DeskError::InvalidInput(
                        "That place cannot be written to from here. Choose a folder on this \
                         computer."
                            .into(),
                    )))
                }
                None => return Ok(None),
            }
        }
    };
    let written = guarded(async move {
        desk.export_view_to(&query, &path)?;
        Ok(path)
    })
    .await?;
    let shown = written.display().to_string();
    if let Ok(mut l) = last.0.lock() {
        *l = Some(written);
    }
    Ok(Some(shown))
}

/// Opens the system's print dialog for the window (which prints the page the window laid out
/// for printing; the dialog also saves as PDF). WebKitGTK leaves `window.print()` unanswered.
#[tauri::command]
fn print_page(window: tauri::WebviewWindow) -> Result<(), IpcError> {
    window.print().map_err(|e| {
        ipc(DeskError::Internal(format!(
            "the print dialog could not open: {e}"
        )))
    })
}

/// Creates a scratch user at the provider, changes it (PATCH, PUT), reads it back and deletes
/// it: what the provider refuses or does not keep is learned before the first real edit.
#[tauri::command]
async fn write_check(
    state: State<'_, DeskState>,
    name: String,
) -> Result<desk_engine::providers::write_check::WriteCheck, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.write_check(&name).await }).await
}

/// Forgets what was learned from a provider's answers.
#[tauri::command]
fn relearn_provider(state: State<'_, DeskState>, name: String) -> Result<u32, IpcError> {
    caught(|| {
        let n = state.desk()?.relearn(&name).map_err(ipc)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    })
}

/// Shows the last exported file in the system's file manager.
#[tauri::command]
fn reveal_export(last: State<'_, LastExport>) -> Result<(), IpcError> {
    let path = last
        .0
        .lock()
        .ok()
        .and_then(|l| l.clone())
        .ok_or_else(|| ipc(DeskError::NotFound("Nothing was exported yet.".into())))?;
    tauri_plugin_opener::reveal_item_in_dir(&path).map_err(|e| {
        ipc(DeskError::InvalidInput(format!(
            "The folder could not be opened ({e}). The file is at {}.",
            path.display()
        )))
    })
}

#[tauri::command]
fn csv_columns(csv: String) -> Result<Vec<ColumnMapping>, IpcError> {
    caught(|| desk_engine::write::import::guess_mapping(&csv).map_err(ipc))
}

#[tauri::command]
fn preview_import(
    state: State<'_, DeskState>,
    request: ImportRequest,
) -> Result<ImportPreview, IpcError> {
    caught(|| state.desk()?.preview_import(&request).map_err(ipc))
}

#[tauri::command]
async fn apply_import(
    state: State<'_, DeskState>,
    request: ImportRequest,
) -> Result<ImportResult, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.apply_import(&request).await }).await
}

/// A long job the window can stop: its cancel flag, set while it runs.
#[derive(Default)]
struct RunningJob(std::sync::Mutex<Option<CancelFlag>>);

impl RunningJob {
    /// A new cancel flag for a run (kept for Stop or Pause) and a progress callback emitting
    /// `event` to the window.
    fn start(
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
    fn cancel(&self) {
        if let Ok(r) = self.0.lock() {
            if let Some(flag) = r.as_ref() {
                flag.cancel();
            }
        }
    }
}

/// The running migration, so the window can pause it.
#[derive(Default)]
struct RunningMigration(RunningJob);

impl RunningMigration {
    /// [`RunningJob::start`] with `migration-progress` events.
    fn start(&self, app: tauri::AppHandle) -> (CancelFlag, impl Fn(RunProgress) + Send + Sync) {
        self.0.start(app, "migration-progress")
    }
}

#[tauri::command]
fn plan_migration(
    state: State<'_, DeskState>,
    source: String,
    target: String,
    options: PlanOptions,
) -> Result<MigrationPlan, IpcError> {
    caught(|| {
        state
            .desk()?
            .plan_migration(&source, &target, &options)
            .map_err(ipc)
    })
}

/// A plan file the person picked, read and checked (nothing is sent).
#[tauri::command]
fn load_plan(text: String) -> Result<MigrationPlan, IpcError> {
    caught(|| MigrationPlan::from_json(&text).map_err(ipc))
}

#[tauri::command]
fn migration_runs(state: State<'_, DeskState>) -> Result<Vec<MigrationRunSummary>, IpcError> {
    caught(|| state.desk()?.migration_runs().map_err(ipc))
}

#[tauri::command]
fn save_plan(state: State<'_, DeskState>, plan: MigrationPlan) -> Result<String, IpcError> {
    caught(|| state.desk()?.save_plan(&plan).map_err(ipc))
}

#[tauri::command]
async fn run_migration(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
    running: State<'_, RunningMigration>,
    plan: MigrationPlan,
) -> Result<RunReport, IpcError> {
    let desk = state.desk()?;
    let (flag, progress) = running.start(app);
    guarded(async move { desk.run_migration(&plan, &flag, &progress).await }).await
}

/// Goes on with an unfinished run: settles operations in doubt, tries failed ones again.
#[tauri::command]
async fn resume_migration(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
    running: State<'_, RunningMigration>,
    id: i64,
) -> Result<RunReport, IpcError> {
    let desk = state.desk()?;
    let (flag, progress) = running.start(app);
    guarded(async move { desk.resume_migration(Some(id), &flag, &progress).await }).await
}

#[tauri::command]
fn cancel_migration(running: State<'_, RunningMigration>) {
    running.0.cancel();
}

#[tauri::command]
async fn verify_migration(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
    source: String,
    target: String,
    options: PlanOptions,
) -> Result<MigrationPlan, IpcError> {
    let desk = state.desk()?;
    // Verifying reads both providers again: the window shows it as it shows a sync.
    let progress = move |p: SyncProgress| {
        let _ = app.emit("sync-progress", p);
    };
    guarded(async move {
        desk.verify_migration(&source, &target, &options, &progress)
            .await
    })
    .await
}

/// The running bulk change (one at a time), so the window can stop it.
#[derive(Default)]
struct RunningBulk(RunningJob);

impl RunningBulk {
    /// [`RunningJob::start`] with `bulk-progress` events.
    fn start(&self, app: tauri::AppHandle) -> (CancelFlag, impl Fn(RunProgress) + Send + Sync) {
        self.0.start(app, "bulk-progress")
    }
}

#[tauri::command]
fn preview_bulk(
    state: State<'_, DeskState>,
    request: BulkRequest,
) -> Result<BulkPreview, IpcError> {
    caught(|| state.desk()?.preview_bulk(&request).map_err(ipc))
}

#[tauri::command]
async fn run_bulk(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
    running: State<'_, RunningBulk>,
    request: BulkRequest,
) -> Result<BulkReport, IpcError> {
    let desk = state.desk()?;
    let (flag, progress) = running.start(app);
    guarded(async move { desk.run_bulk(&request, &flag, &progress).await }).await
}

#[tauri::command]
async fn undo_bulk(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
    running: State<'_, RunningBulk>,
    report: BulkReport,
) -> Result<BulkReport, IpcError> {
    let desk = state.desk()?;
    let (flag, progress) = running.start(app);
    guarded(async move { desk.undo_bulk(&report, &flag, &progress).await }).await
}

#[tauri::command]
fn cancel_bulk(running: State<'_, RunningBulk>) {
    running.0.cancel();
}

fn open_desk() -> Result<Arc<Desk>, IpcError> {
    let paths = DataPaths::from_env().map_err(ipc)?;
    desk_engine::crash::install(paths.root(), "SCIM Desk");
    let secrets = Arc::new(KeyringStore::for_this_build());
    Desk::open(paths, secrets).map(Arc::new).map_err(ipc)
}

/// Opens the window and runs until it closes; the demo providers stop with it.
pub fn run() {
    let demo = std::env::args().any(|a| a == "--demo")
        || std::env::var("SCIM_DESK_DEMO").is_ok_and(|v| v == "1");
    let app = tauri::Builder::default()
        .manage(DeskState(open_desk()))
        .manage(StartOptions { demo })
        .manage(RunningSyncs::default())
        .manage(RunningMigration::default())
        .manage(RunningBulk::default())
        .manage(LastExport::default())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(tauri::generate_handler![
            app_info,
            dismiss_crash_reports,
            list_providers,
            add_provider,
            remove_provider,
            update_provider,
            test_connection,
            test_provider,
            start_demo,
            sync_provider,
            cancel_sync,
            cached_page,
            resource_detail,
            group_members,
            new_resource_form,
            preview_edit,
            save_edit,
            merge_conflict,
            undo_last,
            create_resource,
            delete_resource,
            change_membership,
            audit_log,
            overview,
            diff_snapshots,
            export_view,
            csv_columns,
            preview_import,
            apply_import,
            plan_migration,
            save_plan,
            run_migration,
            resume_migration,
            load_plan,
            migration_runs,
            cancel_migration,
            verify_migration,
            preview_bulk,
            run_bulk,
            undo_bulk,
            cancel_bulk,
            reveal_export,
            print_page,
            relearn_provider,
            write_check,
        ])
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("SCIM Desk could not open its window: {e}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            if let Ok(desk) = handle.state::<DeskState>().desk() {
                desk.stop_demo();
            }
        }
    });
}
