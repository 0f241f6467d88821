//! Commands of the Links room: saved links, their scope preview, runs (now, dry, anyway) with
//! progress, their history, and the timer that runs scheduled links while the window is open
//! (with a desktop notification when a run does not complete).

use std::sync::Arc;

use desk_engine::api::IpcError;
use desk_engine::links::run::{LinkProgress, LinkRunOptions, LinkRunReport, LinkRunView};
use desk_engine::links::scope::ScopePreview;
use desk_engine::links::{LinkInput, LinkOutcome, LinkView, Scope};
use desk_engine::vocabulary::CancelFlag;
use desk_engine::{Desk, DeskError};
use tauri::{Emitter, Manager, State};

use crate::state::*;

/// Links running now, by name, so the window can stop them and a timer never starts one twice.
#[derive(Default)]
pub(crate) struct RunningLinks(
    pub(crate) std::sync::Mutex<std::collections::HashMap<String, CancelFlag>>,
);

#[tauri::command]
pub fn list_links(state: State<'_, DeskState>) -> Result<Vec<LinkView>, IpcError> {
    caught(|| state.desk()?.links().map_err(ipc))
}

/// Saves a new link (`original` none) or the new form of the link named `original`.
#[tauri::command]
pub fn save_link(
    state: State<'_, DeskState>,
    original: Option<String>,
    link: LinkInput,
) -> Result<LinkView, IpcError> {
    caught(|| {
        let desk = state.desk()?;
        match original {
            Some(name) => desk.edit_link(&name, &link),
            None => desk.add_link(&link),
        }
        .map_err(ipc)
    })
}

#[tauri::command]
pub fn remove_link(state: State<'_, DeskState>, name: String) -> Result<(), IpcError> {
    caught(|| state.desk()?.remove_link(&name).map_err(ipc))
}

#[tauri::command]
pub fn link_history(
    state: State<'_, DeskState>,
    name: String,
    limit: u32,
) -> Result<Vec<LinkRunView>, IpcError> {
    caught(|| state.desk()?.link_history(&name, limit).map_err(ipc))
}

#[tauri::command]
pub fn link_scope_preview(
    state: State<'_, DeskState>,
    source: String,
    scope: Scope,
) -> Result<ScopePreview, IpcError> {
    caught(|| {
        state
            .desk()?
            .link_scope_preview(&source, &scope)
            .map_err(ipc)
    })
}

#[tauri::command]
pub async fn run_link(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
    name: String,
    options: LinkRunOptions,
) -> Result<LinkRunReport, IpcError> {
    let desk = state.desk()?;
    run_one(app, desk, name, options).await
}

#[tauri::command]
pub fn cancel_link(running: State<'_, RunningLinks>, name: String) {
    if let Ok(r) = running.0.lock() {
        if let Some(flag) = r.get(&name) {
            flag.cancel();
        }
    }
}

/// Runs one link (refused while it runs already), emitting `link-progress` as it goes and
/// `link-finished` at the end (the sidebar shows the last result).
async fn run_one(
    app: tauri::AppHandle,
    desk: Arc<Desk>,
    name: String,
    options: LinkRunOptions,
) -> Result<LinkRunReport, IpcError> {
    let flag = CancelFlag::new();
    {
        let running = app.state::<RunningLinks>();
        let mut r = running
            .0
            .lock()
            .map_err(|_| ipc(DeskError::Internal("the list of running links".into())))?;
        if r.contains_key(&name) {
            return Err(ipc(DeskError::InvalidInput(format!(
                "The link \"{name}\" is running already; wait for it to finish."
            ))));
        }
        r.insert(name.clone(), flag.clone());
    }
    let events = app.clone();
    let n = name.clone();
    let result = guarded(async move {
        desk.run_link(&n, options, &flag, &move |p: LinkProgress| {
            let _ = events.emit("link-progress", p);
        })
        .await
    })
    .await;
    if let Ok(mut r) = app.state::<RunningLinks>().0.lock() {
        r.remove(&name);
    }
    let _ = app.emit("link-finished", &name);
    result
}

/// Says on the desktop that a scheduled run did not complete (the window may be hidden).
fn notify(app: &tauri::AppHandle, name: &str, what: &str, message: &str) {
    use tauri_plugin_notification::NotificationExt;
    let _ = app
        .notification()
        .builder()
        .title(format!("SCIM Desk: link \"{name}\" {what}"))
        .body(message)
        .show();
}

/// Every 30 seconds while the app runs: the links due on their schedule run, one at a time.
pub(crate) fn start_schedule(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            let Ok(desk) = app.state::<DeskState>().desk() else {
                continue;
            };
            let due = match desk.links_due(desk_engine::links::schedule::now()) {
                Ok(d) => d,
                Err(_) => continue,
            };
            for name in due {
                let outcome = run_one(
                    app.clone(),
                    desk.clone(),
                    name.clone(),
                    LinkRunOptions::default(),
                )
                .await;
                match outcome {
                    Ok(r) if r.outcome == LinkOutcome::Completed => {}
                    Ok(r) if r.outcome == LinkOutcome::Stopped => {
                        notify(&app, &name, "stopped at a guard rail", &r.message)
                    }
                    Ok(r) => notify(&app, &name, "did not finish", &r.message),
                    // A run of this link already going: the next tick looks again.
                    Err(e) if e.code == desk_engine::ErrorCode::InvalidInput => {}
                    Err(e) => notify(&app, &name, "failed", &e.message),
                }
            }
        }
    });
}
