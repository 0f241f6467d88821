//! Commands that read: syncs, the grid's pages, one record, the audit log, the dashboard, the
//! changes between copies, export and print.

use desk_engine::api::IpcError;
use desk_engine::read::detail::{AuditRow, ResourceDetail};
use desk_engine::read::overview::Overview;
use desk_engine::read::sync::{SyncProgress, SyncReport};
use desk_engine::vocabulary::CancelFlag;
use desk_engine::vocabulary::Kind;
use desk_engine::{Desk, DeskError};
use tauri::{Emitter, State};

use crate::state::*;

#[tauri::command]
pub async fn sync_provider(
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
pub fn cancel_sync(running: State<'_, RunningSyncs>, name: String) {
    if let Ok(map) = running.0.lock() {
        if let Some(flag) = map.get(&name) {
            flag.cancel();
        }
    }
}

#[tauri::command]
pub fn cached_page(
    state: State<'_, DeskState>,
    query: desk_engine::read::directory::DirectoryQuery,
) -> Result<desk_engine::read::directory::DirectoryPage, IpcError> {
    caught(|| state.desk()?.directory_page(&query).map_err(ipc))
}

#[tauri::command]
pub fn resource_detail(
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
pub fn group_members(
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
pub fn audit_log(
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
pub fn overview(state: State<'_, DeskState>, provider: String) -> Result<Overview, IpcError> {
    caught(|| state.desk()?.overview(&provider).map_err(ipc))
}

#[tauri::command]
pub fn diff_snapshots(
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

/// Exports a view to a CSV file the person chooses in the system's save dialog; `None` when
/// they cancel it. With `SCIM_DESK_EXPORT_DIR` set (tests, scripted use) it writes there
/// without asking.
#[tauri::command]
pub async fn export_view(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
    last: State<'_, LastExport>,
    query: desk_engine::read::directory::DirectoryQuery,
) -> Result<Option<String>, IpcError> {
    let desk = state.desk()?;
    let name = Desk::export_file_name(&query);
    let Some(path) = ask_where_to_save(
        &app,
        "Export to a spreadsheet (CSV)",
        &name,
        ("Spreadsheet (CSV)", "csv"),
    )
    .await?
    else {
        return Ok(None);
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
pub fn print_page(window: tauri::WebviewWindow) -> Result<(), IpcError> {
    window.print().map_err(|e| {
        ipc(DeskError::Internal(format!(
            "the print dialog could not open: {e}"
        )))
    })
}

/// Shows the last exported file in the system's file manager.
#[tauri::command]
pub fn reveal_export(last: State<'_, LastExport>) -> Result<(), IpcError> {
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
