//! Subcommands that read: sync, diff, get, history, export, users, groups.

use std::io::{IsTerminal, Write};

use desk_engine::vocabulary::ChangeKind;
use desk_engine::write::spreadsheet::SafeCsv;
use desk_engine::DeskError;

use crate::args::*;
use crate::session::*;

pub(crate) fn sync(
    name: String,
    incremental: bool,
    keep: Option<u32>,
    format: Format,
) -> Result<(), DeskError> {
    let json = format == Format::Json;
    let desk = open()?;
    if let Some(n) = keep {
        desk.set_keep_snapshots(n)?;
    }
    let rt = runtime()?;
    let cancel = cancel_on_ctrl_c(&rt);
    let tty = std::io::stderr().is_terminal();
    let progress = move |p: desk_engine::read::sync::SyncProgress| {
        if tty {
            let total = p.total.map(|t| format!("/{t}")).unwrap_or_default();
            let eta = p
                .eta_seconds
                .map(|e| format!(", {e} s left"))
                .unwrap_or_default();
            eprint!(
                "\r\x1b[2K{}: {}{} ({:.0}/s{})",
                p.stage, p.resources, total, p.rate, eta
            );
            let _ = std::io::stderr().flush();
        }
    };
    let report = rt.block_on(desk.sync_with(&name, incremental, &cancel, &progress));
    if tty {
        eprintln!();
    }
    let report = report?;
    if json {
        print_json(&report)?;
    } else {
        println!(
                    "synced {:?} ({}, {} read): {} users, {} groups, {} memberships in {:.1} s (snapshot {})",
                    report.provider,
                    report.kind,
                    report.fetched,
                    report.users,
                    report.groups,
                    report.memberships,
                    report.seconds,
                    report.snapshot_id
                );
        for n in &report.notes {
            println!("note: {n}");
        }
        if let Some(w) = &report.completeness.warning {
            println!("INCOMPLETE COPY: {w}");
        }
    }
    // Stored and labelled, but a script must not take it for the whole directory.
    if let Some(w) = report.completeness.warning {
        return Err(DeskError::IncompleteCopy(w));
    }
    Ok(())
}

pub(crate) fn diff(
    name: String,
    from: Option<i64>,
    to: Option<i64>,
    format: Format,
) -> Result<(), DeskError> {
    let json = format == Format::Json;
    let d = open()?.diff_snapshots(&name, from, to)?;
    if json {
        print_json(&d)?;
    } else {
        println!(
            "{}: snapshot {} -> {}: {} change(s)",
            d.provider,
            d.from_snapshot,
            d.to_snapshot,
            d.changes.len()
        );
        for c in &d.changes {
            let sign = match c.change {
                ChangeKind::Added => "+",
                ChangeKind::Removed => "-",
                ChangeKind::Changed => "~",
            };
            println!("{sign} {} {} ({})", c.kind, c.label, c.id);
            for a in &c.attributes {
                let show = |v: &Option<serde_json::Value>| match v {
                    Some(serde_json::Value::String(s)) => format!("{s:?}"),
                    Some(v) => v.to_string(),
                    None => "(none)".to_string(),
                };
                println!(
                    "    {} {}: {} -> {}",
                    a.change,
                    a.path,
                    show(&a.before),
                    show(&a.after)
                );
            }
        }
        if !d.made_here.is_empty() {
            println!(
                "made here through SCIM Desk since snapshot {}: {} change(s)",
                d.from_snapshot,
                d.made_here.len()
            );
            for a in &d.made_here {
                println!(
                    "  {} {} {} by {} at {}",
                    a.operation,
                    a.resource_kind,
                    a.resource_id.as_deref().unwrap_or("(new)"),
                    a.os_user,
                    a.at
                );
                for c in &a.changes {
                    println!("    {} {}", c.change, c.path);
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn get(
    name: String,
    id: String,
    group: bool,
    offline: bool,
    _format: Format,
) -> Result<(), DeskError> {
    let desk = open()?;
    let kind = desk_engine::vocabulary::Kind::from_group_flag(group);
    let found = if offline {
        desk.offline_resources(&name, kind, None, None)?
            .into_iter()
            .find(|v| v.get("id").and_then(|x| x.as_str()) == Some(id.as_str()))
            .ok_or_else(|| {
                DeskError::NotFound(format!(
                    "The latest copy of \"{name}\" has no {} with id {id}.",
                    kind.as_str().to_lowercase()
                ))
            })?
    } else {
        let endpoint = if group { "Groups" } else { "Users" };
        runtime()?.block_on(desk.client(&name)?.get(endpoint, &id))?
    };
    print_json(&found)?;
    Ok(())
}

pub(crate) fn history(
    name: String,
    id: String,
    group: bool,
    format: Format,
) -> Result<(), DeskError> {
    let json = format == Format::Json;
    let kind = desk_engine::vocabulary::Kind::from_group_flag(group);
    let versions = open()?.resource_history(&name, kind, &id)?;
    if json {
        print_json(&versions)?;
    } else {
        for v in versions {
            // The oldest copy kept may not be where the record first appeared.
            let change = match v.change.as_str() {
                "first_kept" => "in the oldest copy kept",
                other => other,
            };
            println!("snapshot {} ({}): {change}", v.snapshot_id, v.taken_at);
            for a in v.attributes {
                println!("    {} {}", a.change, a.path);
            }
        }
    }
    Ok(())
}

pub(crate) fn export(name: String, format: Format) -> Result<(), DeskError> {
    let _json = format == Format::Json;

    let desk = open()?;
    if format == Format::Csv {
        list(
            ListArgs {
                name,
                filter: None,
                sort: None,
                offline: true,
            },
            desk_engine::vocabulary::Kind::User,
            Format::Csv,
        )?;
    } else {
        let users =
            desk.offline_resources(&name, desk_engine::vocabulary::Kind::User, None, None)?;
        let groups =
            desk.offline_resources(&name, desk_engine::vocabulary::Kind::Group, None, None)?;
        print_json(&serde_json::json!({"users": users, "groups": groups}))?;
    }
    Ok(())
}

pub(crate) fn users(args: ListArgs, format: Format) -> Result<(), DeskError> {
    list(args, desk_engine::vocabulary::Kind::User, format)?;
    Ok(())
}

pub(crate) fn groups(args: ListArgs, format: Format) -> Result<(), DeskError> {
    list(args, desk_engine::vocabulary::Kind::Group, format)?;
    Ok(())
}

pub(crate) fn list(
    args: ListArgs,
    kind: desk_engine::vocabulary::Kind,
    format: Format,
) -> Result<(), DeskError> {
    let desk = open()?;
    let items = if args.offline {
        desk.offline_resources(
            &args.name,
            kind,
            args.filter.as_deref(),
            args.sort.as_deref(),
        )?
    } else {
        runtime()?.block_on(desk.live_resources(
            &args.name,
            kind,
            args.filter.as_deref(),
            args.sort.as_deref(),
        ))?
    };
    // The columns the CLI lists, from the one column table, with their headings.
    let group = kind == desk_engine::vocabulary::Kind::Group;
    let columns: Vec<(&str, &desk_engine::columns::Column)> = desk_engine::columns::COLUMNS
        .iter()
        .filter(|c| c.is_for(group))
        .filter_map(|c| Some((c.cli?, c)))
        .collect();
    let cell = |v: &serde_json::Value, c: &desk_engine::columns::Column| -> String {
        let (Ok(r), Ok(p)) = (
            desk_engine::Resource::from_value(v.clone()),
            desk_engine::AttrPath::parse(c.attribute),
        ) else {
            return String::new();
        };
        let value = match c.value {
            desk_engine::columns::ValueType::Count => r
                .path(&p)
                .and_then(|m| m.as_array().map(|a| serde_json::Value::from(a.len()))),
            _ => primary_value(&r, &p),
        };
        match value {
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    };
    match format {
        Format::Json => print_json(&items)?,
        Format::Csv => {
            let mut w = SafeCsv::new(std::io::stdout());
            w.row(columns.iter().map(|(h, _)| *h))?;
            for v in &items {
                w.row(columns.iter().map(|(_, c)| cell(v, c)))?;
            }
            w.flush()?;
        }
        Format::Table => {
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|v| columns.iter().map(|(_, c)| cell(v, c)).collect())
                .collect();
            let widths: Vec<usize> = columns
                .iter()
                .enumerate()
                .map(|(i, (h, _))| {
                    rows.iter()
                        .map(|r| r[i].chars().count())
                        .chain([h.len()])
                        .max()
                        .unwrap_or(0)
                        .min(40)
                })
                .collect();
            let line = |cells: Vec<String>| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| {
                        let c: String = c.chars().take(*w).collect();
                        format!("{c:<w$}", w = *w)
                    })
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            println!(
                "{}",
                line(columns.iter().map(|(h, _)| h.to_string()).collect())
            );
            for r in rows {
                println!("{}", line(r));
            }
            eprintln!(
                "{} {}",
                items.len(),
                if items.len() == 1 {
                    "result"
                } else {
                    "results"
                }
            );
        }
    }
    Ok(())
}

/// The value at `path`; for a sub-attribute of a multi-valued attribute (`emails.value`), the
/// primary value's (or the first's), as the grid shows it.
fn primary_value(
    r: &desk_engine::Resource,
    path: &desk_engine::AttrPath,
) -> Option<serde_json::Value> {
    let Some(sub) = &path.sub else {
        return r.path(path);
    };
    let list = desk_engine::AttrPath {
        sub: None,
        ..path.clone()
    };
    match r.path(&list) {
        Some(serde_json::Value::Array(items)) => {
            let item = items
                .iter()
                .find(|i| i.get("primary") == Some(&serde_json::Value::Bool(true)))
                .or_else(|| items.first())?;
            item.get(sub).cloned()
        }
        _ => r.path(path),
    }
}
