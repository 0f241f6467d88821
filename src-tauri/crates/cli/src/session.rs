//! What every subcommand needs: the desk on the data folder, an async runtime, Ctrl-C as
//! cancel, a yes/no question on the terminal, JSON on standard output.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use desk_engine::providers::secrets::KeyringStore;
use desk_engine::{DataPaths, Desk, DeskError};

pub(crate) fn open() -> Result<Desk, DeskError> {
    // The first start after an upgrade encrypts the offline copy: said on stderr with progress.
    let mut said = 0u64;
    Desk::open_reporting(
        DataPaths::from_env()?,
        Arc::new(KeyringStore::for_this_build()),
        move |p| {
            let pct = (p.written_bytes * 100)
                .checked_div(p.total_bytes)
                .unwrap_or(100);
            if said == 0 || pct >= said + 10 {
                eprintln!("Encrypting the offline copy on this computer: {pct}%");
                said = pct.max(1);
            }
        },
    )
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, DeskError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| DeskError::Internal(format!("could not start the async runtime: {e}")))
}

pub(crate) fn print_json(v: &impl serde::Serialize) -> Result<(), DeskError> {
    let s = serde_json::to_string_pretty(v)
        .map_err(|e| DeskError::Internal(format!("could not write JSON: {e}")))?;
    println!("{s}");
    Ok(())
}

/// Asks a yes/no question on the terminal; `false` when there is no terminal to ask on.
pub(crate) fn confirm(question: &str) -> Result<bool, DeskError> {
    if !std::io::stdin().is_terminal() {
        return Err(DeskError::InvalidInput(
            "Confirmation is needed and there is no terminal to ask on: add --yes.".into(),
        ));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| DeskError::Internal(format!("reading the answer failed: {e}")))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// Runs a migration with Ctrl-C as cancel (the journal keeps its place) and a progress line.
pub(crate) fn with_cancel(
    f: impl for<'a> FnOnce(
        desk_engine::vocabulary::CancelFlag,
        Box<dyn Fn(desk_engine::migrate::run::RunProgress) + Send + Sync>,
    ) -> RunFuture<'static>,
) -> Result<desk_engine::migrate::run::RunReport, DeskError> {
    let rt = runtime()?;
    let cancel = cancel_on_ctrl_c(&rt);
    let tty = std::io::stderr().is_terminal();
    let progress = Box::new(move |p: desk_engine::migrate::run::RunProgress| {
        if tty {
            eprint!("\r{}/{} operations", p.finished, p.total);
        }
    });
    let out = rt.block_on(f(cancel, progress));
    if tty {
        eprintln!();
    }
    out
}

/// A cancel flag Ctrl-C sets (the work stops at its next step; nothing half-written is kept).
pub(crate) fn cancel_on_ctrl_c(
    rt: &tokio::runtime::Runtime,
) -> desk_engine::vocabulary::CancelFlag {
    let cancel = desk_engine::vocabulary::CancelFlag::new();
    let c2 = cancel.clone();
    rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            c2.cancel();
        }
    });
    cancel
}

pub(crate) type RunFuture<'a> = std::pin::Pin<
    Box<
        dyn std::future::Future<Output = Result<desk_engine::migrate::run::RunReport, DeskError>>
            + 'a,
    >,
>;
