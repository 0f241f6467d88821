//! `migrate plan | run | resume | verify | report`.

use desk_engine::write::spreadsheet::SafeCsv;
use desk_engine::DeskError;

use crate::args::*;
use crate::session::*;

/// `migrate plan`: one parameter per argument of the subcommand.
#[allow(clippy::too_many_arguments)]
pub(crate) fn plan(
    source: String,
    target: String,
    out: std::path::PathBuf,
    rules: Option<std::path::PathBuf>,
    deactivate_target_only: bool,
    delete_target_only: bool,
    max_deletes: u32,
    format: Format,
) -> Result<(), DeskError> {
    let json = format == Format::Json;
    use desk_engine::migrate::{PlanOptions, TargetOnly};
    let options = PlanOptions {
        rules: read_rules(rules)?,
        target_only: if delete_target_only {
            TargetOnly::Delete
        } else if deactivate_target_only {
            TargetOnly::Deactivate
        } else {
            TargetOnly::Keep
        },
        max_deletes,
    };
    let plan = open()?.plan_migration(&source, &target, &options)?;
    let text = serde_json::to_string_pretty(&plan)
        .map_err(|e| DeskError::Internal(format!("the plan: {e}")))?;
    desk_engine::paths::write_private(&out, text.as_bytes()).map_err(|e| {
        DeskError::InvalidInput(format!(
            "The plan could not be written to {}: {e}.",
            out.display()
        ))
    })?;
    if json {
        print_json(&plan.counts)?;
    } else {
        println!(
            "plan written to {} ({} operations; nothing was sent)",
            out.display(),
            plan.operations.len()
        );
        for (k, v) in &plan.counts {
            println!("  {k}: {v}");
        }
        if !plan.review.is_empty() {
            println!(
                "  {} records need a decision (see \"review\" in the plan)",
                plan.review.len()
            );
        }
        for w in &plan.warnings {
            println!("  note: {w}");
        }
    }
    Ok(())
}

pub(crate) fn run(plan: std::path::PathBuf, yes: bool, format: Format) -> Result<(), DeskError> {
    let json = format == Format::Json;
    let text = std::fs::read_to_string(&plan).map_err(|e| {
        DeskError::InvalidInput(format!(
            "The plan {} could not be read: {e}.",
            plan.display()
        ))
    })?;
    let plan = desk_engine::migrate::MigrationPlan::from_json(&text)?;
    eprintln!(
        "{} operations from {:?} to {:?}: {}",
        plan.operations.len(),
        plan.source,
        plan.target,
        serde_json::to_string(&plan.counts).unwrap_or_default()
    );
    if !yes && !confirm("Send these changes to the target?")? {
        return Err(DeskError::Cancelled);
    }
    let desk = open()?;
    let report = with_cancel(|cancel, progress| {
        Box::pin(async move { desk.run_migration(&plan, &cancel, &progress).await })
    })?;
    print_run(&report, json)?;
    Ok(())
}

pub(crate) fn verify(
    source: String,
    target: String,
    rules: Option<std::path::PathBuf>,
    strict: bool,
    format: Format,
) -> Result<(), DeskError> {
    let _json = format == Format::Json;

    let desk = open()?;
    let options = desk_engine::migrate::PlanOptions {
        rules: read_rules(rules)?,
        ..Default::default()
    };
    let plan = runtime()?.block_on(desk.verify_migration(&source, &target, &options, &|_| {}))?;
    match format {
        Format::Json => print_json(&serde_json::json!({
            "differences": plan.operations, "review": plan.review,
            "not_kept_by_target": plan.not_kept
        }))?,
        Format::Csv => {
            let mut w = SafeCsv::new(std::io::stdout());
            w.row(["op", "record", "source_id", "target_id", "attributes"])?;
            for o in &plan.operations {
                let attrs: Vec<&str> = o.changes.iter().map(|c| c.path.as_str()).collect();
                w.row([
                    o.op.as_str(),
                    o.label.as_str(),
                    o.source_id.as_str(),
                    o.target_id.as_deref().unwrap_or_default(),
                    &attrs.join(" "),
                ])?;
            }
            w.flush()?;
        }
        Format::Table => {
            println!(
                "{} differences remain, {} records need a decision",
                plan.operations.len(),
                plan.review.len()
            );
            for o in &plan.operations {
                println!("  {} {}", o.op, o.label);
            }
            if !plan.not_kept.is_empty() {
                println!(
                    "not kept by the target ({target} accepts these but does not store \
                             them; sending them again does not help):"
                );
                for n in &plan.not_kept {
                    println!("  {} on {} records", n.path, n.records);
                }
            }
        }
    }
    if !plan.operations.is_empty() {
        return Err(DeskError::Unverified(plan.operations.len()));
    }
    if strict && !plan.not_kept.is_empty() {
        let lost: Vec<String> = plan
            .not_kept
            .iter()
            .map(|n| format!("{} ({} records)", n.path, n.records))
            .collect();
        return Err(DeskError::NotKept(format!(
            "{target} holds everything it keeps, but it did not keep {}. Running the \
                     migration again will not change that: map these to attributes it keeps \
                     (--rules), or accept the loss (verify without --strict).",
            lost.join(", ")
        )));
    }
    Ok(())
}

pub(crate) fn report(id: Option<i64>, format: Format) -> Result<(), DeskError> {
    let json = format == Format::Json;
    let report = open()?.migration_report(id)?;
    match format {
        Format::Csv => {
            let mut w = SafeCsv::new(std::io::stdout());
            w.row(["kind", "source_id", "target_id", "external_id"])?;
            for e in &report.id_map {
                w.row([
                    e.kind.as_str(),
                    e.source_id.as_str(),
                    e.target_id.as_str(),
                    e.external_id.as_deref().unwrap_or_default(),
                ])?;
            }
            w.flush()?;
        }
        _ if json => print_json(&report)?,
        _ => {
            println!(
                "migration {} from {:?} to {:?}, started {}{}",
                report.id,
                report.source,
                report.target,
                report.started_at,
                report
                    .finished_at
                    .as_deref()
                    .map(|f| format!(", finished {f}"))
                    .unwrap_or_default()
            );
            for (state, n) in &report.states {
                println!("  {state}: {n}");
            }
            for f in &report.failed {
                println!("  failed #{} {} {}: {}", f.seq, f.op, f.label, f.message);
            }
            println!(
                "  ID map: {} records (export with --format csv)",
                report.id_map.len()
            );
        }
    }
    Ok(())
}

pub(crate) fn resume(id: Option<i64>, format: Format) -> Result<(), DeskError> {
    let json = format == Format::Json;
    let desk = open()?;
    let report = with_cancel(|cancel, progress| {
        Box::pin(async move { desk.resume_migration(id, &cancel, &progress).await })
    })?;
    print_run(&report, json)?;
    Ok(())
}

pub(crate) fn print_run(
    r: &desk_engine::migrate::run::RunReport,
    json: bool,
) -> Result<(), DeskError> {
    if json {
        return print_json(r);
    }
    println!(
        "migration {}: {} operations done ({} found already done), {} failed, {:.1} s",
        r.migration_id,
        r.done,
        r.settled,
        r.failed.len(),
        r.seconds
    );
    for f in &r.failed {
        println!("  #{} {} {}: {}", f.seq, f.op, f.label, f.message);
    }
    if !r.failed.is_empty() {
        eprintln!(
            "{} operations failed; fix what they say, then `scim-desk-cli migrate resume {}`.",
            r.failed.len(),
            r.migration_id
        );
        return Err(DeskError::Unverified(r.failed.len()));
    }
    Ok(())
}

/// Reads a mapping rules file (none: the default mapping).
pub(crate) fn read_rules(
    path: Option<std::path::PathBuf>,
) -> Result<desk_engine::migrate::MappingRules, DeskError> {
    let Some(p) = path else {
        return Ok(Default::default());
    };
    let text = std::fs::read_to_string(&p).map_err(|e| {
        DeskError::InvalidInput(format!(
            "The rules file {} could not be read: {e}.",
            p.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        DeskError::InvalidInput(format!("The rules file {} is not valid: {e}.", p.display()))
    })
}
