//! Subcommands that write: set an attribute, undo the last edit.

use desk_engine::DeskError;

use crate::args::*;
use crate::session::*;

pub(crate) fn set(
    name: String,
    id: String,
    changes: Vec<String>,
    group: bool,
    yes: bool,
    format: Format,
) -> Result<(), DeskError> {
    let json = format == Format::Json;
    let desk = open()?;
    let kind = desk_engine::vocabulary::Kind::from_group_flag(group);
    let endpoint = if group { "Groups" } else { "Users" };
    let rt = runtime()?;
    let before = rt.block_on(desk.client(&name)?.get(endpoint, &id))?;
    let mut after = before.clone();
    for c in &changes {
        let (path, value) = c.split_once('=').ok_or_else(|| {
            DeskError::InvalidInput(format!(
                "\"{c}\" is not ATTRIBUTE=VALUE (for example title=\"Head of People\")."
            ))
        })?;
        let value = serde_json::from_str(value)
            .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
        let path = path.trim();
        if !desk_engine::vocabulary::set_path(&mut after, path, Some(value)) {
            return Err(DeskError::InvalidInput(format!(
                "\"{path}\" is not an attribute path."
            )));
        }
    }
    let request = desk_engine::write::edit::EditRequest {
        provider: name.clone(),
        kind,
        id: id.clone(),
        before,
        after,
    };
    let preview = rt.block_on(desk.preview_edit(&request))?;
    if preview.changes.is_empty() {
        eprintln!("Nothing to change.");
        return Ok(());
    }
    eprintln!("{} {}", preview.method, preview.path);
    for b in &preview.bodies {
        eprintln!("{}", serde_json::to_string_pretty(b).unwrap_or_default());
    }
    if !yes && !confirm("Send this change?")? {
        return Err(DeskError::Cancelled);
    }
    match rt.block_on(desk.save_edit(&request))? {
        desk_engine::write::edit::SaveOutcome::Saved { resource, .. } => {
            if json {
                print_json(&resource)?;
            } else {
                println!("Saved.");
            }
        }
        desk_engine::write::edit::SaveOutcome::Conflict { fields, .. } => {
            for f in fields {
                eprintln!("  {}: yours {:?}, theirs {:?}", f.path, f.mine, f.theirs);
            }
            return Err(DeskError::Conflict(
                "The record changed on the provider since it was read; nothing was saved.".into(),
            ));
        }
    }
    Ok(())
}

pub(crate) fn undo(name: String, yes: bool, _format: Format) -> Result<(), DeskError> {
    let desk = open()?;
    if !yes && !confirm("Revert the last change saved through SCIM Desk?")? {
        return Err(DeskError::Cancelled);
    }
    match runtime()?.block_on(desk.undo_last(&name))? {
        desk_engine::write::edit::SaveOutcome::Saved { .. } => println!("Reverted."),
        desk_engine::write::edit::SaveOutcome::Conflict { .. } => {
            return Err(DeskError::Conflict(
                "The record changed on the provider after that edit; nothing was reverted.".into(),
            ))
        }
    }
    Ok(())
}
