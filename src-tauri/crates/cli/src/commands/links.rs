//! `link add | edit | list | show | run | remove`.

use std::io::IsTerminal;

use desk_engine::links::run::{LinkProgress, LinkRunOptions, LinkRunReport};
use desk_engine::links::{Leaving, Limit, LinkInput, LinkOutcome, LinkSettings, LinkView};
use desk_engine::migrate::TargetOnly;
use desk_engine::write::spreadsheet::SafeCsv;
use desk_engine::DeskError;

use crate::args::*;
use crate::commands::migrate::read_rules;
use crate::session::*;

pub(crate) fn run(cmd: LinkCmd, format: Format) -> Result<(), DeskError> {
    match cmd {
        LinkCmd::Add { name, options } => {
            let (Some(source), Some(target)) = (options.from.clone(), options.to.clone()) else {
                return Err(DeskError::InvalidInput(
                    "A link needs its source and target: --from SOURCE --to TARGET.".into(),
                ));
            };
            let mut settings = LinkSettings::default();
            apply(&mut settings, &options)?;
            let view = open()?.add_link(&LinkInput {
                name,
                source,
                target,
                settings,
            })?;
            print_link(&view, format)
        }
        LinkCmd::Edit {
            name,
            rename,
            options,
        } => {
            let desk = open()?;
            let link = desk.link(&name)?;
            let mut settings = link.settings.clone();
            apply(&mut settings, &options)?;
            let view = desk.edit_link(
                &name,
                &LinkInput {
                    name: rename.unwrap_or(link.name),
                    source: options.from.unwrap_or(link.source),
                    target: options.to.unwrap_or(link.target),
                    settings,
                },
            )?;
            print_link(&view, format)
        }
        LinkCmd::List => list(format),
        LinkCmd::Show { name, runs } => show(&name, runs, format),
        LinkCmd::Run {
            name,
            dry_run,
            yes,
            force,
        } => run_link(&name, dry_run, yes, force, format),
        LinkCmd::Remove { name, yes } => {
            let desk = open()?;
            let link = desk.link(&name)?;
            if !yes
                && !confirm(&format!(
                    "Remove the link \"{}\" ({} -> {}) and its history? Nothing at either \
                     provider changes.",
                    link.name, link.source, link.target
                ))?
            {
                return Err(DeskError::Cancelled);
            }
            desk.remove_link(&name)?;
            if format == Format::Json {
                print_json(&serde_json::json!({"removed": link.name}))
            } else {
                println!("removed the link \"{}\"", link.name);
                Ok(())
            }
        }
    }
}

/// `none` (or nothing) clears a limit.
fn limit(text: &str) -> Result<Option<Limit>, DeskError> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("none") {
        Ok(None)
    } else {
        Limit::parse(t).map(Some)
    }
}

/// An optional text where '' clears it.
fn text(v: &str) -> Option<String> {
    Some(v.trim().to_string()).filter(|t| !t.is_empty())
}

/// Lays the options given over `settings`.
fn apply(settings: &mut LinkSettings, o: &LinkOptions) -> Result<(), DeskError> {
    if let Some(f) = &o.filter {
        settings.scope.filter = text(f);
    }
    if let Some(f) = &o.exclude {
        settings.scope.exclude = text(f);
    }
    if !o.groups.is_empty() {
        settings.scope.groups = o.groups.iter().filter_map(|g| text(g)).collect();
    }
    if !o.protect.is_empty() {
        settings.protect = o.protect.iter().filter_map(|p| text(p)).collect();
    }
    if o.rules.is_some() {
        settings.rules = read_rules(o.rules.clone())?;
    }
    if let Some(t) = o.target_only {
        settings.target_only = match t {
            TargetOnlyArg::Keep => TargetOnly::Keep,
            TargetOnlyArg::Deactivate => TargetOnly::Deactivate,
            TargetOnlyArg::Delete => TargetOnly::Delete,
        };
    }
    if let Some(l) = o.leaving {
        settings.leaving = match l {
            LeavingArg::Keep => Leaving::Keep,
            LeavingArg::Deactivate => Leaving::Deactivate,
        };
    }
    let g = &mut settings.guard;
    for (given, field) in [
        (&o.max_creates, &mut g.max_creates),
        (&o.max_updates, &mut g.max_updates),
        (&o.max_deactivations, &mut g.max_deactivations),
        (&o.max_deletes, &mut g.max_deletes),
    ] {
        if let Some(v) = given {
            *field = limit(v)?;
        }
    }
    if let Some(m) = o.every {
        settings.every_minutes = (m > 0).then_some(m);
    }
    Ok(())
}

fn or_none(l: Option<Limit>) -> String {
    l.map_or_else(|| "no limit".to_string(), |l| l.to_string())
}

fn describe(view: &LinkView) {
    let s = &view.settings;
    println!("{}: {} -> {}", view.name, view.source, view.target);
    let scope = if s.scope.is_everything() {
        "every user and group".to_string()
    } else {
        let mut parts = Vec::new();
        if let Some(f) = &s.scope.filter {
            parts.push(format!("users where {f}"));
        }
        if !s.scope.groups.is_empty() {
            parts.push(format!(
                "groups {} and their members",
                s.scope.groups.join(", ")
            ));
        }
        if let Some(x) = &s.scope.exclude {
            parts.push(format!("except {x}"));
        }
        parts.join("; ")
    };
    println!("  scope: {scope}");
    println!(
        "  target-only users: {}; users leaving the scope: {}",
        serde_json::to_value(s.target_only)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        match s.leaving {
            Leaving::Keep => "kept",
            Leaving::Deactivate => "deactivated",
        }
    );
    if !s.protect.is_empty() {
        println!("  never touched at the target: {}", s.protect.join(", "));
    }
    println!(
        "  guard rails a run: creates {}, changes {}, deactivations {}, deletes {}",
        or_none(s.guard.max_creates),
        or_none(s.guard.max_updates),
        or_none(s.guard.max_deactivations),
        or_none(s.guard.max_deletes)
    );
    if let Some(m) = s.every_minutes {
        println!("  runs every {m} minutes while the window is open");
    }
}

fn print_link(view: &LinkView, format: Format) -> Result<(), DeskError> {
    if format == Format::Json {
        return print_json(view);
    }
    describe(view);
    Ok(())
}

fn list(format: Format) -> Result<(), DeskError> {
    let links = open()?.links()?;
    match format {
        Format::Json => print_json(&links),
        Format::Csv => {
            let mut w = SafeCsv::new(std::io::stdout());
            w.row(["name", "source", "target", "last_run", "outcome", "message"])?;
            for l in &links {
                let (at, outcome, message) = l.last_run.as_ref().map_or(("", "", ""), |r| {
                    (
                        r.started_at.as_str(),
                        r.outcome.as_str(),
                        r.report.message.as_str(),
                    )
                });
                w.row([l.name.as_str(), &l.source, &l.target, at, outcome, message])?;
            }
            w.flush()
        }
        Format::Table => {
            if links.is_empty() {
                println!("no links yet: `link add NAME --from SOURCE --to TARGET` saves one");
            }
            for l in &links {
                let last = l.last_run.as_ref().map_or_else(
                    || "never run".to_string(),
                    |r| format!("{} {}", r.outcome.as_str(), r.started_at),
                );
                println!("{}\t{} -> {}\t{last}", l.name, l.source, l.target);
            }
            Ok(())
        }
    }
}

fn show(name: &str, runs: u32, format: Format) -> Result<(), DeskError> {
    let desk = open()?;
    let view = desk.link_view(name)?;
    let history = desk.link_history(name, runs)?;
    if format == Format::Json {
        return print_json(&serde_json::json!({"link": view, "runs": history}));
    }
    describe(&view);
    if history.is_empty() {
        println!("never run");
    }
    for r in &history {
        println!(
            "run {} at {}: {} ({:.1} s) {}",
            r.id,
            r.started_at,
            r.outcome.as_str(),
            r.report.seconds,
            r.report.message
        );
    }
    Ok(())
}

fn print_report(r: &LinkRunReport) {
    for read in &r.reads {
        eprintln!(
            "  read {} ({}, {} records, {:.2} s)",
            read.provider, read.kind, read.fetched, read.seconds
        );
    }
    println!(
        "{}: {} users and {} groups in scope",
        r.link, r.scope_users, r.scope_groups
    );
    for (k, v) in &r.counts {
        println!("  {k}: {v}");
    }
    for l in &r.leaving {
        println!("  left the scope: {} ({})", l.label, l.action);
    }
    if !r.protected.is_empty() {
        println!("  protected, left alone: {}", r.protected.join(", "));
    }
    for w in &r.warnings {
        println!("  note: {w}");
    }
    for f in &r.failed {
        println!("  failed: {} {}: {}", f.op, f.label, f.message);
    }
    println!("{}", r.message);
}

fn run_link(
    name: &str,
    dry_run: bool,
    yes: bool,
    force: bool,
    format: Format,
) -> Result<(), DeskError> {
    let desk = open()?;
    let rt = runtime()?;
    let cancel = cancel_on_ctrl_c(&rt);
    let tty = std::io::stderr().is_terminal();
    let progress = move |p: LinkProgress| {
        if tty {
            match p.total {
                Some(t) => eprint!("\r{}: {}/{t}          ", p.stage, p.done),
                None => eprint!("\r{}…                    ", p.stage),
            }
        }
    };
    // On a terminal, without --yes: show what would be sent, then ask.
    if !dry_run && !yes {
        if !std::io::stdin().is_terminal() {
            return Err(DeskError::InvalidInput(
                "Confirmation is needed and there is no terminal to ask on: add --yes (or \
                 --dry-run to see what a run would send)."
                    .into(),
            ));
        }
        let preview = rt.block_on(desk.run_link(
            name,
            LinkRunOptions {
                dry_run: true,
                force,
            },
            &cancel,
            &progress,
        ))?;
        if tty {
            eprintln!();
        }
        if preview.operations.is_empty() {
            print_report(&preview);
            return Ok(());
        }
        print_report(&preview);
        if !preview.crossings.is_empty() && !force {
            return Err(DeskError::GuardRail(preview.message));
        }
        if !confirm(&format!(
            "Send these {} changes to {}?",
            preview.operations.len(),
            preview.target
        ))? {
            return Err(DeskError::Cancelled);
        }
    }
    let report =
        rt.block_on(desk.run_link(name, LinkRunOptions { dry_run, force }, &cancel, &progress))?;
    if tty {
        eprintln!();
    }
    if format == Format::Json {
        print_json(&report)?;
    } else {
        print_report(&report);
    }
    match report.outcome {
        LinkOutcome::Stopped => Err(DeskError::GuardRail(report.message)),
        LinkOutcome::Unverified => Err(DeskError::Unfinished(report.message)),
        _ => Ok(()),
    }
}
