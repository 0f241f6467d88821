//! Commands of the Migrate screen: plan, save and open plans, run, pause, resume, verify.

use desk_engine::api::IpcError;
use desk_engine::migrate::reports::MigrationRunSummary;
use desk_engine::migrate::run::RunReport;
use desk_engine::migrate::{MigrationPlan, PlanOptions};
use desk_engine::read::sync::SyncProgress;
use tauri::{Emitter, State};

use crate::state::*;

#[tauri::command]
pub fn plan_migration(
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
pub fn load_plan(text: String) -> Result<MigrationPlan, IpcError> {
    caught(|| MigrationPlan::from_json(&text).map_err(ipc))
}

#[tauri::command]
pub fn migration_runs(state: State<'_, DeskState>) -> Result<Vec<MigrationRunSummary>, IpcError> {
    caught(|| state.desk()?.migration_runs().map_err(ipc))
}

#[tauri::command]
pub async fn save_plan(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
    plan: MigrationPlan,
) -> Result<Option<String>, IpcError> {
    let desk = state.desk()?;
    let name = desk_engine::Desk::plan_file_name(&plan);
    let Some(path) = ask_where_to_save(
        &app,
        "Save the migration plan",
        &name,
        ("Plan (JSON)", "json"),
    )
    .await?
    else {
        return Ok(None);
    };
    let shown = path.display().to_string();
    guarded(async move { desk.save_plan_to(&plan, &path) }).await?;
    Ok(Some(shown))
}

#[tauri::command]
pub async fn run_migration(
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
pub async fn resume_migration(
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
pub fn cancel_migration(running: State<'_, RunningMigration>) {
    running.0.cancel();
}

#[tauri::command]
pub async fn verify_migration(
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
