//! The Tauri layer: opens the window and adapts commands to the engine.
//!
//! Each command unpacks its arguments, calls one `Desk` method and maps the error to the IPC
//! shape `{code, message, detail}`. No logic lives here: the CLI calls the same methods.

mod commands;
mod state;

use std::sync::Arc;

use desk_engine::api::IpcError;
use desk_engine::offline::EncryptProgress;
use desk_engine::providers::secrets::KeyringStore;
use desk_engine::{DataPaths, Desk};
use tauri::{Emitter, Manager};

use crate::state::*;

/// Opens the engine; `progress` hears how far encrypting a plain copy left by an earlier version
/// has come (once, at the first start of this version).
pub(crate) fn open_desk(
    progress: impl FnMut(EncryptProgress) + Send + 'static,
) -> Result<Arc<Desk>, IpcError> {
    let paths = DataPaths::from_env().map_err(ipc)?;
    let secrets = Arc::new(KeyringStore::for_this_build());
    Desk::open_reporting(paths, secrets, progress)
        .map(Arc::new)
        .map_err(ipc)
}

/// Opens the window and runs until it closes; the demo providers stop with it.
pub fn run() {
    if let Ok(paths) = DataPaths::from_env() {
        desk_engine::crash::install(paths.root(), "SCIM Desk");
    }
    let demo = std::env::args().any(|a| a == "--demo")
        || std::env::var("SCIM_DESK_DEMO").is_ok_and(|v| v == "1");
    let app = tauri::Builder::default()
        // The window opens at once; the engine opens beside it (the window shows the progress
        // of a first-start encryption) and takes the state's place when ready.
        .manage(DeskState::opening())
        .manage(StartOptions { demo })
        .manage(RunningSyncs::default())
        .manage(RunningMigration::default())
        .manage(RunningBulk::default())
        .manage(LastExport::default())
        .manage(commands::links::RunningLinks::default())
        .setup(|app| {
            let handle = app.handle().clone();
            std::thread::spawn(move || {
                let events = handle.clone();
                let desk = open_desk(move |p| {
                    let _ = events.emit("encrypt-progress", p);
                });
                handle.state::<DeskState>().replace(desk);
                let _ = handle.emit("desk-opened", ());
                commands::links::start_schedule(handle.clone());
            });
            Ok(())
        })
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(tauri::generate_handler![
            commands::providers::app_info,
            commands::providers::dismiss_crash_reports,
            commands::providers::list_providers,
            commands::providers::add_provider,
            commands::providers::update_provider,
            commands::providers::remove_provider,
            commands::providers::test_connection,
            commands::providers::test_provider,
            commands::providers::start_demo,
            commands::providers::write_check,
            commands::providers::relearn_provider,
            commands::links::list_links,
            commands::links::save_link,
            commands::links::remove_link,
            commands::links::link_history,
            commands::links::link_scope_preview,
            commands::links::run_link,
            commands::links::cancel_link,
            commands::offline::retention,
            commands::offline::set_retention,
            commands::offline::wipe_preview,
            commands::offline::wipe_offline,
            commands::offline::start_fresh,
            commands::read::sync_provider,
            commands::read::cancel_sync,
            commands::read::cached_page,
            commands::read::resource_detail,
            commands::read::group_members,
            commands::read::audit_log,
            commands::read::overview,
            commands::read::diff_snapshots,
            commands::read::export_view,
            commands::read::print_page,
            commands::read::reveal_export,
            commands::write::new_resource_form,
            commands::write::preview_edit,
            commands::write::save_edit,
            commands::write::merge_conflict,
            commands::write::undo_last,
            commands::write::create_resource,
            commands::write::delete_resource,
            commands::write::change_membership,
            commands::write::csv_columns,
            commands::write::preview_import,
            commands::write::apply_import,
            commands::write::preview_bulk,
            commands::write::run_bulk,
            commands::write::undo_bulk,
            commands::write::cancel_bulk,
            commands::migrate::plan_migration,
            commands::migrate::load_plan,
            commands::migrate::migration_runs,
            commands::migrate::save_plan,
            commands::migrate::run_migration,
            commands::migrate::resume_migration,
            commands::migrate::cancel_migration,
            commands::migrate::verify_migration,
            commands::people::find_people,
            commands::people::person_page,
            commands::people::person_link,
            commands::people::person_unlink,
            commands::people::set_source_of_truth,
            commands::people::drift_report,
            commands::people::save_drift,
            commands::people::plan_offboard,
            commands::people::offboard,
            commands::people::save_evidence,
            commands::people::preview_person_edit,
            commands::people::save_person_edit,
            commands::people::undo_person_edit,
            commands::people::usual_groups,
            commands::people::plan_onboard,
            commands::people::onboard,
            commands::people::plan_make_match,
            commands::people::run_make_match,
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
