//! Builds the Tauri context and the ACL of the app's own commands: each command is listed here
//! and granted to the window by a capability in `capabilities/`.

/// Every app command. A command missing here cannot be granted, so cannot be called.
const COMMANDS: &[&str] = &[
    "app_info",
    "dismiss_crash_reports",
    "list_providers",
    "add_provider",
    "remove_provider",
    "update_provider",
    "test_connection",
    "test_provider",
    "start_demo",
    "sync_provider",
    "cancel_sync",
    "cached_page",
    "resource_detail",
    "group_members",
    "new_resource_form",
    "preview_edit",
    "save_edit",
    "merge_conflict",
    "undo_last",
    "create_resource",
    "delete_resource",
    "change_membership",
    "audit_log",
    "overview",
    "diff_snapshots",
    "export_view",
    "csv_columns",
    "preview_import",
    "apply_import",
    "plan_migration",
    "save_plan",
    "run_migration",
    "resume_migration",
    "load_plan",
    "migration_runs",
    "cancel_migration",
    "verify_migration",
    "preview_bulk",
    "run_bulk",
    "undo_bulk",
    "cancel_bulk",
    "reveal_export",
    "print_page",
    "relearn_provider",
    "write_check",
    "retention",
    "set_retention",
    "wipe_preview",
    "wipe_offline",
    "start_fresh",
    "find_people",
    "person_page",
    "person_link",
    "person_unlink",
    "set_source_of_truth",
    "drift_report",
    "save_drift",
    "plan_offboard",
    "offboard",
    "save_evidence",
    "preview_person_edit",
    "save_person_edit",
    "undo_person_edit",
    "usual_groups",
    "plan_onboard",
    "onboard",
    "plan_make_match",
    "run_make_match",
];

fn main() {
    let attrs = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attrs) {
        // A build script reports failure by exiting non-zero with a message.
        eprintln!("tauri build script failed: {e:#}");
        std::process::exit(1);
    }
}
