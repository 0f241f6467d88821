//! `audit export`: the audit log of writes made through SCIM Desk.

use desk_engine::write::spreadsheet::SafeCsv;
use desk_engine::DeskError;

use crate::args::*;
use crate::session::*;

pub(crate) fn export(provider: Option<String>, format: Format) -> Result<(), DeskError> {
    let json = format == Format::Json;
    let entries = open()?.audit_entries(provider.as_deref(), None, 0)?;
    if json {
        print_json(&entries)?;
    } else {
        let mut w = SafeCsv::new(std::io::stdout());
        let write = |w: &mut SafeCsv<std::io::Stdout>, row: &[String]| w.row(row);
        let header = [
            "id",
            "at",
            "os_user",
            "provider",
            "resource_kind",
            "resource_id",
            "operation",
            "http_status",
            "before",
            "after",
        ];
        write(&mut w, &header.map(String::from))?;
        for e in entries {
            let j = |v: &Option<serde_json::Value>| {
                v.as_ref().map(ToString::to_string).unwrap_or_default()
            };
            write(
                &mut w,
                &[
                    e.id.to_string(),
                    e.at.clone(),
                    e.os_user.clone(),
                    e.provider.clone(),
                    e.resource_kind.to_string(),
                    e.resource_id.clone().unwrap_or_default(),
                    e.operation.clone(),
                    e.http_status.map(|s| s.to_string()).unwrap_or_default(),
                    j(&e.before),
                    j(&e.after),
                ],
            )?;
        }
        w.flush()?;
    }
    Ok(())
}
