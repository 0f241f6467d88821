//! Subcommands for the offline copy as personal data: wipe, retention, reset.

use std::sync::Arc;

use desk_engine::offline::retention::Retention;
use desk_engine::providers::secrets::KeyringStore;
use desk_engine::{DataPaths, DeskError};

use crate::args::*;
use crate::session::*;

pub(crate) fn wipe(provider: Option<String>, yes: bool, format: Format) -> Result<(), DeskError> {
    let desk = open()?;
    let what = desk.wipe_preview(provider.as_deref())?;
    if !yes {
        eprintln!("This removes from this computer, for good: {}.", what.words);
        if !confirm("Remove them?")? {
            return Err(DeskError::Cancelled);
        }
    }
    let done = desk.wipe(provider.as_deref())?;
    if format == Format::Json {
        return print_json(&done);
    }
    println!("Removed {}.", done.words);
    Ok(())
}

pub(crate) fn retention(
    days: Option<u32>,
    forever: bool,
    keep_newest: Option<String>,
    copies: Option<u32>,
    format: Format,
) -> Result<(), DeskError> {
    let desk = open()?;
    let mut r: Retention = desk.retention()?;
    let changing = days.is_some() || forever || keep_newest.is_some() || copies.is_some();
    let mut removed = 0;
    if changing {
        if forever {
            r.keep_days = None;
        } else if days.is_some() {
            r.keep_days = days;
        }
        if let Some(k) = keep_newest {
            r.keep_newest = k == "yes";
        }
        if let Some(c) = copies {
            r.keep_copies = c;
        }
        removed = desk.set_retention(&r)?;
    }
    if format == Format::Json {
        return print_json(&r);
    }
    match r.keep_days {
        Some(d) => println!("Offline copies are kept for {d} days."),
        None => println!("Offline copies are kept without an age limit."),
    }
    println!(
        "The newest copy of each provider is {}; at most {} copies per provider.",
        if r.keep_newest {
            "kept however old"
        } else {
            "removed too when it is older"
        },
        r.keep_copies
    );
    if changing {
        println!("{removed} older copies were removed now.");
    }
    Ok(())
}

pub(crate) fn reset(yes: bool) -> Result<(), DeskError> {
    let paths = DataPaths::from_env()?;
    let secrets = Arc::new(KeyringStore::for_this_build());
    // Only for a copy that cannot be opened: one that opens is wiped instead.
    match desk_engine::Desk::open(paths.clone(), secrets.clone()) {
        Ok(_) => {
            return Err(DeskError::InvalidInput(
                "The offline copy on this computer opens normally: nothing to reset. To remove \
                 its data, use `scim-desk-cli wipe`."
                    .into(),
            ))
        }
        Err(DeskError::OfflineKey(desk_engine::offline::key::KeyProblem::KeyringUnavailable(
            why,
        ))) => {
            return Err(DeskError::OfflineKey(
                desk_engine::offline::key::KeyProblem::KeyringUnavailable(why),
            ))
        }
        Err(_) => {}
    }
    if !yes {
        eprintln!(
            "The offline copy cannot be opened. Starting fresh sets it aside (it is not deleted) \
             and starts with an empty one: you add your providers again, and their directories \
             are read again from them."
        );
        if !confirm("Start fresh?")? {
            return Err(DeskError::Cancelled);
        }
    }
    let aside = desk_engine::offline::wipe::start_fresh(&paths, secrets.as_ref())?;
    println!(
        "Started fresh. The old copy was set aside as {}.",
        aside.display()
    );
    Ok(())
}
