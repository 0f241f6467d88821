//! Commands for the providers themselves: the list, adding, editing and removing one, testing
//! it, the demo providers, what was learned from a provider and the write check.

use desk_engine::api::{
    AppInfo, ConnectionReport, DemoProgress, DemoReport, IpcError, ProviderInput, ProviderSummary,
};
use tauri::{Emitter, State};

use crate::state::*;

#[tauri::command]
pub fn app_info(
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
pub fn dismiss_crash_reports(state: State<'_, DeskState>) -> Result<(), IpcError> {
    caught(|| state.desk()?.dismiss_crash_reports().map_err(ipc))
}

#[tauri::command]
pub fn list_providers(state: State<'_, DeskState>) -> Result<Vec<ProviderSummary>, IpcError> {
    caught(|| state.desk()?.list_providers().map_err(ipc))
}

#[tauri::command]
pub fn add_provider(
    state: State<'_, DeskState>,
    input: ProviderInput,
) -> Result<ProviderSummary, IpcError> {
    caught(|| state.desk()?.add_provider(input).map_err(ipc))
}

#[tauri::command]
pub fn update_provider(
    state: State<'_, DeskState>,
    name: String,
    input: ProviderInput,
) -> Result<ProviderSummary, IpcError> {
    caught(|| state.desk()?.update_provider(&name, input).map_err(ipc))
}

#[tauri::command]
pub fn remove_provider(state: State<'_, DeskState>, name: String) -> Result<(), IpcError> {
    caught(|| state.desk()?.remove_provider(&name).map_err(ipc))
}

#[tauri::command]
pub async fn test_connection(
    state: State<'_, DeskState>,
    input: ProviderInput,
) -> Result<ConnectionReport, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.test_connection(input).await }).await
}

#[tauri::command]
pub async fn test_provider(
    state: State<'_, DeskState>,
    name: String,
) -> Result<ConnectionReport, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.test_provider(&name).await }).await
}

#[tauri::command]
pub async fn start_demo(
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

/// Creates a scratch user at the provider, changes it (PATCH, PUT), reads it back and deletes
/// it: what the provider refuses or does not keep is learned before the first real edit.
#[tauri::command]
pub async fn write_check(
    state: State<'_, DeskState>,
    name: String,
) -> Result<desk_engine::providers::write_check::WriteCheck, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.write_check(&name).await }).await
}

/// Forgets what was learned from a provider's answers.
#[tauri::command]
pub fn relearn_provider(state: State<'_, DeskState>, name: String) -> Result<u32, IpcError> {
    caught(|| {
        let n = state.desk()?.relearn(&name).map_err(ipc)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    })
}
