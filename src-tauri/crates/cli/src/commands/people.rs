//! One person across every provider: find, show, link and unlink, sources of truth, drift, and
//! offboarding everywhere with evidence.

use desk_engine::people::drift::DriftFormat;
use desk_engine::people::{PeopleFilter, PeopleQuery, PersonField, PersonPage};
use desk_engine::DeskError;

use crate::args::*;
use crate::session::*;

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "active",
        Some(false) => "inactive",
        None => "-",
    }
}

fn dash(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("-")
}

pub(crate) fn run(cmd: PersonCmd, format: Format) -> Result<(), DeskError> {
    let desk = open()?;
    match cmd {
        PersonCmd::Find {
            text,
            filter,
            provider,
            limit,
        } => {
            let page = desk.find_people(&PeopleQuery {
                text: text.join(" "),
                filter: filter.map(PeopleFilter::from).unwrap_or_default(),
                provider,
                offset: 0,
                limit,
            })?;
            if format == Format::Json {
                return print_json(&page);
            }
            for p in &page.people {
                let accounts: Vec<String> = p
                    .accounts
                    .iter()
                    .map(|a| format!("{} ({})", a.provider, yes_no(a.active)))
                    .collect();
                let drift = if p.differences.is_empty() {
                    String::new()
                } else {
                    format!("  differs: {}", labels(&p.differences))
                };
                println!(
                    "{}  {}  {}  {}{drift}",
                    p.id,
                    p.name,
                    dash(&p.email),
                    accounts.join(", ")
                );
            }
            eprintln!(
                "{} of {} people; {} with differences; {} to decide (see `person show`)",
                page.total, page.everyone, page.drifting, page.needs_decision
            );
            for c in &page.copies {
                eprintln!("  {} as of {}", c.provider, c.as_of);
            }
            for u in &page.unsynced {
                eprintln!("  {u}: never synced, its people are not included");
            }
            Ok(())
        }
        PersonCmd::Show { key } => {
            let page = desk.person(&key)?;
            if format == Format::Json {
                return print_json(&page);
            }
            print_person(&page);
            Ok(())
        }
        PersonCmd::Set {
            key,
            changes,
            providers,
            yes,
        } => set(&desk, key, changes, providers, yes, format),
        PersonCmd::Link { a, b } => {
            let page = desk.person_link(&a, &b)?;
            if format == Format::Json {
                return print_json(&page);
            }
            eprintln!("Linked: the same person from now on.");
            print_person(&page);
            Ok(())
        }
        PersonCmd::Unlink { a, b } => {
            let page = desk.person_unlink(&a, &b)?;
            if format == Format::Json {
                return print_json(&page);
            }
            eprintln!("Unlinked: two people from now on.");
            print_person(&page);
            Ok(())
        }
        PersonCmd::Source { provider, off } => {
            desk.set_source_of_truth(&provider, !off)?;
            eprintln!(
                "{provider} {} a source of truth for people.",
                if off { "is no longer" } else { "is now" }
            );
            Ok(())
        }
    }
}

fn labels(fields: &[PersonField]) -> String {
    fields
        .iter()
        .map(|f| f.label())
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_person(p: &PersonPage) {
    println!("{}  ({})", p.name, p.id);
    if let Some(s) = &p.source {
        println!("source of truth: {s}");
    }
    for a in &p.accounts {
        println!();
        println!(
            "{}{}  as of {}",
            a.provider,
            if a.source_of_truth {
                " (source of truth)"
            } else {
                ""
            },
            a.as_of
        );
        println!("  id           {}", a.id);
        println!("  userName     {}", dash(&a.user_name));
        println!("  externalId   {}", dash(&a.external_id));
        if let Some(rule) = a.linked_by {
            println!("  linked by    {}", rule.words());
        }
        println!("  active       {}", yes_no(a.active));
        println!(
            "  name         {} {}",
            dash(&a.given_name),
            dash(&a.family_name)
        );
        println!("  e-mails      {}", a.emails.join(", "));
        println!("  title        {}", dash(&a.title));
        println!("  department   {}", dash(&a.department));
        if let Some(m) = &a.manager {
            println!("  manager      {}", m.name.as_deref().unwrap_or(&m.id));
        }
        println!("  groups       {}", a.groups.join(", "));
    }
    if !p.differences.is_empty() {
        println!();
        println!("differs between providers: {}", labels(&p.differences));
    }
    if !p.missing_in.is_empty() {
        println!("no account in: {}", p.missing_in.join(", "));
    }
    for q in &p.questions {
        let accounts: Vec<String> = q
            .accounts
            .iter()
            .map(|a| format!("{}:{} ({})", a.provider, a.id, a.person_name))
            .collect();
        println!(
            "to decide: the {} \"{}\" is shared by {} — `person link` or `person unlink` two of them",
            q.rule.words().trim_start_matches("same "),
            q.value,
            accounts.join(", ")
        );
    }
}

pub(crate) fn drift(source: Option<String>, format: Format) -> Result<(), DeskError> {
    let desk = open()?;
    let report = desk.drift(source.as_deref(), &[])?;
    match format {
        Format::Json => report.write(DriftFormat::Json, std::io::stdout().lock()),
        Format::Csv => report.write(DriftFormat::Csv, std::io::stdout().lock()),
        Format::Table => {
            for r in &report.rows {
                let values: Vec<String> = report
                    .providers
                    .iter()
                    .zip(&r.values)
                    .filter_map(|(p, v)| v.as_ref().map(|v| format!("{p}: {v}")))
                    .collect();
                println!(
                    "{}  {}  {}  {}",
                    r.person_id,
                    r.name,
                    r.field.label(),
                    values.join(" | ")
                );
            }
            eprintln!(
                "{} people differ{}",
                report.people,
                report
                    .source
                    .as_deref()
                    .map(|s| format!(" (source of truth: {s})"))
                    .unwrap_or_default()
            );
            Ok(())
        }
    }
}

fn set(
    desk: &desk_engine::Desk,
    key: String,
    changes: Vec<String>,
    providers: Vec<String>,
    yes: bool,
    format: Format,
) -> Result<(), DeskError> {
    use desk_engine::people::{PersonEditOutcome, PersonEditRequest};
    let list = changes_of(&changes)?;
    let req = PersonEditRequest {
        person: key,
        changes: list,
        providers: split_list(&providers),
    };
    let rt = runtime()?;
    let preview = rt.block_on(desk.preview_person_edit(&req))?;
    eprintln!("{} ({})", preview.name, preview.person_id);
    let mut sending = 0;
    for a in &preview.accounts {
        let who = a.user_name.as_deref().unwrap_or(&a.account_id);
        match (&a.preview, &a.note) {
            (Some(p), _) => {
                sending += 1;
                eprintln!(
                    "{}  {who}: {} {}{}",
                    a.provider,
                    p.method,
                    p.path,
                    p.if_match
                        .as_deref()
                        .map(|m| format!(" (If-Match: {m})"))
                        .unwrap_or_default()
                );
                for b in &p.bodies {
                    eprintln!("{}", serde_json::to_string_pretty(b).unwrap_or_default());
                }
                for w in &p.warnings {
                    eprintln!("  note: {w}");
                }
            }
            (None, Some(note)) => eprintln!("{}  {who}: {note}", a.provider),
            (None, None) => {}
        }
    }
    if sending == 0 {
        eprintln!("Nothing to change.");
        return Ok(());
    }
    if !yes && !confirm("Send these changes?")? {
        return Err(DeskError::Cancelled);
    }
    let report = rt.block_on(desk.save_person_edit(&req))?;
    if format == Format::Json {
        print_json(&report)?;
    } else {
        for a in &report.accounts {
            println!(
                "{}  {:?}{}",
                a.provider,
                a.outcome,
                a.message
                    .as_deref()
                    .map(|m| format!("  {m}"))
                    .unwrap_or_default()
            );
        }
    }
    let failed: Vec<&str> = report
        .accounts
        .iter()
        .filter(|a| {
            matches!(
                a.outcome,
                PersonEditOutcome::Failed | PersonEditOutcome::Conflict
            )
        })
        .map(|a| a.provider.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(DeskError::Unfinished(format!(
            "Not saved in {}: see above. Run the same command with --providers {} to try again.",
            failed.join(", "),
            failed.join(",")
        )))
    }
}

/// `--providers a,b --providers c` as one list.
pub(crate) fn split_list(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|p| p.split(','))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// `ATTR=VALUE` pairs as changes (`null` clears).
pub(crate) fn changes_of(
    pairs: &[String],
) -> Result<Vec<desk_engine::people::PersonChange>, DeskError> {
    pairs
        .iter()
        .map(|c| {
            let (attribute, value) = c.split_once('=').ok_or_else(|| {
                DeskError::InvalidInput(format!(
                    "\"{c}\" is not ATTRIBUTE=VALUE (for example familyName=Okafor)."
                ))
            })?;
            Ok(desk_engine::people::PersonChange {
                attribute: attribute.trim().to_string(),
                value: if value == "null" {
                    serde_json::Value::Null
                } else {
                    serde_json::Value::String(value.to_string())
                },
            })
        })
        .collect()
}

pub(crate) fn make_match(
    source: Option<String>,
    people: Vec<String>,
    yes: bool,
) -> Result<(), DeskError> {
    use desk_engine::people::MatchRequest;
    let desk = open()?;
    let report = desk.drift(source.as_deref(), &[])?;
    let Some(source) = report.source.clone() else {
        return Err(DeskError::InvalidInput(
            "Say which provider's values win: --source NAME (or make one the source of truth \
             with `person source NAME`)."
                .into(),
        ));
    };
    let mut chosen = split_list(&people);
    if chosen.is_empty() {
        chosen = report.rows.iter().map(|r| r.person_id.clone()).collect();
        chosen.dedup();
    }
    if chosen.is_empty() {
        eprintln!("Nobody differs from {source}.");
        return Ok(());
    }
    let plan = desk.plan_make_match(&MatchRequest {
        source: source.clone(),
        people: chosen,
    })?;
    for p in &plan.plans {
        eprintln!(
            "{} -> {}: {} operations",
            p.source,
            p.target,
            p.operations.len()
        );
        for o in &p.operations {
            let paths: Vec<&str> = o.changes.iter().map(|c| c.path.as_str()).collect();
            eprintln!("  {} {}  {}", o.op, o.label, paths.join(", "));
        }
        for w in &p.warnings {
            eprintln!("  note: {w}");
        }
    }
    for l in &plan.left_out {
        eprintln!("left out: {l}");
    }
    if plan.plans.is_empty() {
        eprintln!("Nothing to send.");
        return Ok(());
    }
    if !yes && !confirm("Send these changes?")? {
        return Err(DeskError::Cancelled);
    }
    let done = runtime()?.block_on(desk.run_make_match(&plan, &|_| {}))?;
    let mut left = 0;
    for (target, run) in &done.runs {
        let remaining = done
            .remaining
            .iter()
            .find(|(t, _)| t == target)
            .map(|(_, n)| *n)
            .unwrap_or(0);
        left += remaining + u32::try_from(run.failed.len()).unwrap_or(u32::MAX);
        println!(
            "{target}: {} done, {} failed, {remaining} still differ after reading both sides again",
            run.done,
            run.failed.len()
        );
    }
    if left == 0 {
        Ok(())
    } else {
        Err(DeskError::Unfinished(format!(
            "{left} accounts still differ from {source}: see above (`migrate report` has each \
             run's journal)."
        )))
    }
}
