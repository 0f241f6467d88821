//! Commands for the offline copy as personal data: how long copies are kept, wiping them, and
//! starting fresh when the encrypted copy cannot be opened.

use desk_engine::api::IpcError;
use desk_engine::offline::retention::Retention;
use desk_engine::offline::wipe::WipeSummary;
use desk_engine::providers::secrets::KeyringStore;
use desk_engine::{DataPaths, DeskError, ErrorCode};
use tauri::State;

use crate::state::*;

#[tauri::command]
pub fn retention(state: State<'_, DeskState>) -> Result<Retention, IpcError> {
    caught(|| state.desk()?.retention().map_err(ipc))
}

#[tauri::command]
pub fn set_retention(state: State<'_, DeskState>, retention: Retention) -> Result<u32, IpcError> {
    caught(|| {
        let n = state.desk()?.set_retention(&retention).map_err(ipc)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    })
}

#[tauri::command]
pub fn wipe_preview(
    state: State<'_, DeskState>,
    provider: Option<String>,
) -> Result<WipeSummary, IpcError> {
    caught(|| state.desk()?.wipe_preview(provider.as_deref()).map_err(ipc))
}

#[tauri::command]
pub async fn wipe_offline(
    state: State<'_, DeskState>,
    provider: Option<String>,
) -> Result<WipeSummary, IpcError> {
    let desk = state.desk()?;
    // VACUUM rewrites the whole file: off the window's thread.
    guarded(async move { desk.wipe(provider.as_deref()) }).await
}

/// Only while the offline copy cannot be opened for want of its key; then opens the new one.
#[tauri::command]
pub fn start_fresh(state: State<'_, DeskState>) -> Result<String, IpcError> {
    caught(|| {
        match state.desk() {
            Err(e) if e.code == ErrorCode::OfflineCopyLocked => {}
            _ => {
                return Err(ipc(DeskError::InvalidInput(
                    "The offline copy opens normally: there is nothing to start afresh.".into(),
                )))
            }
        }
        let paths = DataPaths::from_env().map_err(ipc)?;
        let aside =
            desk_engine::offline::wipe::start_fresh(&paths, &KeyringStore::for_this_build())
                .map_err(ipc)?;
        state.replace(crate::open_desk(|_| {}));
        state.desk()?;
        Ok(aside.display().to_string())
    })
}
