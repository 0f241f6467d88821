//! `scim-desk-cli`: the same engine and data folder as the desktop app, for scripting.
//! `SCIM_DESK_DATA_DIR` redirects the data folder. Secrets are never command-line arguments:
//! they come from an environment variable (`--token-env`) or standard input (`--token-stdin`).

mod args;
mod commands;
mod session;

use std::process::ExitCode;

use clap::Parser;
use desk_engine::{DataPaths, DeskError};

use crate::args::*;

fn main() -> ExitCode {
    if let Ok(paths) = DataPaths::from_env() {
        desk_engine::crash::install(paths.root(), "scim-desk-cli");
    }
    let cli = Cli::parse();
    let format = cli.format;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if format == Format::Json {
                let v = serde_json::to_string(&e.to_ipc()).unwrap_or_default();
                eprintln!("{v}");
            } else {
                eprintln!("error: {}", e.message());
                if let Some(d) = e.detail() {
                    eprintln!("  detail: {d}");
                }
            }
            ExitCode::from(exit_code(e.code()))
        }
    }
}

/// The documented exit codes (see `--help`).
fn exit_code(code: desk_engine::ErrorCode) -> u8 {
    use desk_engine::ErrorCode as C;
    match code {
        C::InvalidInput | C::DuplicateName => 2,
        C::NotFound => 3,
        C::ProviderUnreachable | C::ProviderTimeout | C::TlsFailed => 4,
        C::AuthRejected => 5,
        C::EditConflict => 6,
        C::Database | C::DatabaseTooNew | C::KeyringUnavailable | C::OfflineCopyLocked => 7,
        C::Cancelled => 130,
        C::Unverified => 8,
        C::IncompleteCopy => 9,
        C::GuardRail => 10,
        _ => 1,
    }
}

fn run(cli: Cli) -> Result<(), DeskError> {
    match cli.command {
        Command::Sync {
            name,
            incremental,
            keep,
        } => commands::read::sync(name, incremental, keep, cli.format),
        Command::Person(cmd) => commands::people::run(cmd, cli.format),
        Command::Link(cmd) => commands::links::run(cmd, cli.format),
        Command::Offboard(args) => commands::lifecycle::offboard(args, cli.format),
        Command::Onboard {
            providers,
            values,
            groups,
            yes,
        } => commands::lifecycle::onboard(providers, values, groups, yes, cli.format),
        Command::Drift {
            source,
            make_match: false,
            ..
        } => commands::people::drift(source, cli.format),
        Command::Drift {
            source,
            people,
            yes,
            ..
        } => commands::people::make_match(source, people, yes),
        Command::Diff { name, from, to } => commands::read::diff(name, from, to, cli.format),
        Command::Wipe { provider, yes } => commands::offline::wipe(provider, yes, cli.format),
        Command::Retention {
            days,
            forever,
            keep_newest,
            copies,
        } => commands::offline::retention(days, forever, keep_newest, copies, cli.format),
        Command::Reset { yes } => commands::offline::reset(yes),
        Command::Get {
            name,
            id,
            group,
            offline,
        } => commands::read::get(name, id, group, offline, cli.format),
        Command::History { name, id, group } => {
            commands::read::history(name, id, group, cli.format)
        }
        Command::Export { name } => commands::read::export(name, cli.format),
        Command::Set {
            name,
            id,
            changes,
            group,
            yes,
        } => commands::write::set(name, id, changes, group, yes, cli.format),
        Command::Undo { name, yes } => commands::write::undo(name, yes, cli.format),
        Command::Audit(AuditCmd::Export { provider }) => {
            commands::audit::export(provider, cli.format)
        }
        Command::Migrate(MigrateCmd::Plan {
            source,
            target,
            out,
            rules,
            deactivate_target_only,
            delete_target_only,
            max_deletes,
        }) => commands::migrate::plan(
            source,
            target,
            out,
            rules,
            deactivate_target_only,
            delete_target_only,
            max_deletes,
            cli.format,
        ),
        Command::Migrate(MigrateCmd::Run { plan, yes }) => {
            commands::migrate::run(plan, yes, cli.format)
        }
        Command::Migrate(MigrateCmd::Verify {
            source,
            target,
            rules,
            strict,
        }) => commands::migrate::verify(source, target, rules, strict, cli.format),
        Command::Migrate(MigrateCmd::Report { id }) => commands::migrate::report(id, cli.format),
        Command::Migrate(MigrateCmd::Resume { id }) => commands::migrate::resume(id, cli.format),
        Command::Users(args) => commands::read::users(args, cli.format),
        Command::Groups(args) => commands::read::groups(args, cli.format),
        Command::Provider(cmd) => commands::provider::run(cmd, cli.format),
    }
}
