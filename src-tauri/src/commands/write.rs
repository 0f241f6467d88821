//! Commands that write: edits (review, save, conflicts, undo), new and deleted records, group
//! membership, CSV imports and bulk changes.

use desk_engine::api::IpcError;
use desk_engine::read::detail::FormSection;
use desk_engine::vocabulary::Kind;
use desk_engine::write::bulk::{BulkPreview, BulkReport, BulkRequest};
use desk_engine::write::conflicts::MergeRequest;
use desk_engine::write::edit::{EditPreview, EditRequest, SaveOutcome};
use desk_engine::write::import::{ColumnMapping, ImportPreview, ImportRequest, ImportResult};
use desk_engine::write::membership::MembershipChange;
use tauri::State;

use crate::state::*;

#[tauri::command]
pub fn new_resource_form(
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
pub async fn preview_edit(
    state: State<'_, DeskState>,
    request: EditRequest,
) -> Result<EditPreview, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.preview_edit(&request).await }).await
}

#[tauri::command]
pub async fn save_edit(
    state: State<'_, DeskState>,
    request: EditRequest,
) -> Result<SaveOutcome, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.save_edit(&request).await }).await
}

#[tauri::command]
pub fn merge_conflict(request: MergeRequest) -> serde_json::Value {
    desk_engine::write::conflicts::merge(
        &request.base,
        &request.mine,
        &request.theirs,
        &request.take_mine,
    )
}

#[tauri::command]
pub async fn undo_last(
    state: State<'_, DeskState>,
    provider: String,
) -> Result<SaveOutcome, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.undo_last(&provider).await }).await
}

#[tauri::command]
pub async fn create_resource(
    state: State<'_, DeskState>,
    provider: String,
    kind: Kind,
    resource: serde_json::Value,
) -> Result<serde_json::Value, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.create_resource(&provider, kind, &resource).await }).await
}

#[tauri::command]
pub async fn delete_resource(
    state: State<'_, DeskState>,
    provider: String,
    kind: Kind,
    before: serde_json::Value,
) -> Result<(), IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.delete_resource(&provider, kind, &before).await }).await
}

#[tauri::command]
pub async fn change_membership(
    state: State<'_, DeskState>,
    change: MembershipChange,
) -> Result<serde_json::Value, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.change_membership(&change).await }).await
}

#[tauri::command]
pub fn csv_columns(csv: String) -> Result<Vec<ColumnMapping>, IpcError> {
    caught(|| desk_engine::write::import::guess_mapping(&csv).map_err(ipc))
}

#[tauri::command]
pub fn preview_import(
    state: State<'_, DeskState>,
    request: ImportRequest,
) -> Result<ImportPreview, IpcError> {
    caught(|| state.desk()?.preview_import(&request).map_err(ipc))
}

#[tauri::command]
pub async fn apply_import(
    state: State<'_, DeskState>,
    request: ImportRequest,
) -> Result<ImportResult, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.apply_import(&request).await }).await
}

#[tauri::command]
pub fn preview_bulk(
    state: State<'_, DeskState>,
    request: BulkRequest,
) -> Result<BulkPreview, IpcError> {
    caught(|| state.desk()?.preview_bulk(&request).map_err(ipc))
}

#[tauri::command]
pub async fn run_bulk(
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
pub async fn undo_bulk(
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
pub fn cancel_bulk(running: State<'_, RunningBulk>) {
    running.0.cancel();
}
