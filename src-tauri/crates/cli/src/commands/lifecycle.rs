//! Joining and leaving: offboard a person everywhere (with evidence), onboard a new hire.

use desk_engine::people::{OffboardRequest, PersonRunProgress};
use desk_engine::DeskError;

use super::people::{changes_of, split_list};
use crate::args::*;
use crate::session::*;

pub(crate) fn offboard(args: OffboardArgs, format: Format) -> Result<(), DeskError> {
    let desk = open()?;
    let req = OffboardRequest {
        person: args.key,
        providers: split_list(&args.providers),
        remove_from_groups: args.remove_from_groups,
        delete: args.delete,
    };
    let plan = desk.plan_offboard(&req)?;
    eprintln!("{}", plan.summary);
    for a in &plan.accounts {
        let steps: Vec<String> = a
            .actions
            .iter()
            .filter(|s| {
                !matches!(
                    s,
                    desk_engine::people::OffboardAction::Read
                        | desk_engine::people::OffboardAction::Verify
                )
            })
            .map(|s| s.words())
            .collect();
        eprintln!(
            "  {} {}: {}",
            a.provider,
            a.user_name.as_deref().unwrap_or(&a.account_id),
            steps.join(", ")
        );
        if let Some(why) = &a.cannot_deactivate {
            eprintln!("    {why}");
        }
    }
    for p in &plan.no_account_in {
        eprintln!("  {p}: no account, nothing to do");
    }
    if plan.accounts.is_empty() {
        return Err(DeskError::NotFound(plan.summary));
    }
    if !args.yes && !confirm("Offboard now?")? {
        return Err(DeskError::Cancelled);
    }
    let rt = runtime()?;
    let report = rt.block_on(desk.offboard(&req, &|p: PersonRunProgress| {
        if p.done == p.total {
            eprintln!("  {}: {}", p.provider, p.doing);
        }
    }))?;
    if let Some(path) = &args.evidence {
        std::fs::write(path, report.evidence_json.as_bytes()).map_err(|e| {
            DeskError::InvalidInput(format!(
                "The evidence could not be written to {}: {e}. It is kept in SCIM Desk's journal \
                 (run {}).",
                path.display(),
                report.evidence.run_id
            ))
        })?;
        eprintln!(
            "Evidence written to {} (SHA-256 {}, also in the audit log).",
            path.display(),
            report.evidence_sha256
        );
    }
    match format {
        Format::Json => print_json(&report.evidence)?,
        Format::Csv => report.evidence.write_csv(std::io::stdout().lock())?,
        Format::Table => {
            for a in &report.evidence.accounts {
                let state = match &a.after {
                    Some(s) if s.deleted => "deleted",
                    Some(s) if s.active == Some(false) => "deactivated",
                    _ => "STILL ACTIVE",
                };
                println!(
                    "{}  {}  {state}{}",
                    a.provider,
                    a.user_name.as_deref().unwrap_or(&a.account_id),
                    a.message
                        .as_deref()
                        .filter(|_| !a.ended)
                        .map(|m| format!("  {m}"))
                        .unwrap_or_default()
                );
            }
        }
    }
    if report.evidence.complete {
        Ok(())
    } else {
        let open: Vec<&str> = report
            .evidence
            .accounts
            .iter()
            .filter(|a| !a.ended)
            .map(|a| a.provider.as_str())
            .collect();
        Err(DeskError::Unfinished(format!(
            "Not every account ended deactivated or deleted: {} still active. See the evidence, \
             then offboard again (what is done stays done).",
            open.join(", ")
        )))
    }
}

pub(crate) fn onboard(
    providers: Vec<String>,
    values: Vec<String>,
    groups: Vec<String>,
    yes: bool,
    format: Format,
) -> Result<(), DeskError> {
    use desk_engine::people::{GroupPick, OnboardRequest};
    let desk = open()?;
    let groups = split_list(&groups)
        .into_iter()
        .map(|g| {
            g.split_once(':')
                .map(|(p, n)| GroupPick {
                    provider: p.trim().to_string(),
                    group: n.trim().to_string(),
                })
                .ok_or_else(|| {
                    DeskError::InvalidInput(format!(
                        "\"{g}\" is not PROVIDER:GROUP (for example HR:Sales)."
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let req = OnboardRequest {
        providers: split_list(&providers),
        values: changes_of(&values)?,
        groups,
    };
    let plan = desk.plan_onboard(&req)?;
    eprintln!("{}", plan.summary);
    for a in &plan.accounts {
        match &a.blocked {
            Some(why) => eprintln!("{}: {why}", a.provider),
            None => {
                eprintln!("{}: POST /Users", a.provider);
                eprintln!(
                    "{}",
                    serde_json::to_string_pretty(&a.record).unwrap_or_default()
                );
                if !a.groups.is_empty() {
                    let names: Vec<&str> = a.groups.iter().map(|(_, n)| n.as_str()).collect();
                    eprintln!("  then joins: {}", names.join(", "));
                }
            }
        }
        for n in &a.notes {
            eprintln!("  note: {n}");
        }
    }
    if plan.accounts.iter().all(|a| a.blocked.is_some()) {
        return Err(DeskError::InvalidInput(plan.summary));
    }
    if !yes && !confirm("Create these accounts?")? {
        return Err(DeskError::Cancelled);
    }
    let report = runtime()?.block_on(desk.onboard(&req, &|p: PersonRunProgress| {
        if p.done == p.total {
            eprintln!("  {}: {}", p.provider, p.doing);
        }
    }))?;
    if format == Format::Json {
        print_json(&report)?;
    } else {
        for a in &report.accounts {
            println!(
                "{}  {}{}{}",
                a.provider,
                if a.created { "created" } else { "NOT created" },
                a.account_id
                    .as_deref()
                    .map(|id| format!(" (id {id})"))
                    .unwrap_or_default(),
                a.message
                    .as_deref()
                    .map(|m| format!("  {m}"))
                    .unwrap_or_default()
            );
        }
    }
    if report.complete {
        Ok(())
    } else {
        Err(DeskError::Unfinished(
            "Not every provider got the account with its groups: see above. Fix what is said, \
             then run the same command again (what was created is not created twice)."
                .into(),
        ))
    }
}
