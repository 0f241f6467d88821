//! CSV in and out of the Users view: export the rows a view shows, and import a CSV to create
//! or update users, with a column mapping, validation and a preview of every change before
//! anything is sent. Rows match existing users by userName (ignoring case, as SCIM does).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;

use crate::read::directory::{latest_snapshot, read_cache, CacheRead, DirectoryQuery};

use crate::vocabulary::Kind;
use crate::vocabulary::{attribute_changes, AttributeChange};
use crate::write::edit::{EditRequest, SaveOutcome};
use crate::{Desk, DeskError};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The attributes a CSV column can fill, with the words a header may use for them.
pub const IMPORT_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("userName", &["username", "user name", "login", "user"]),
    (
        "name.givenName",
        &[
            "givenname",
            "given name",
            "first name",
            "firstname",
            "first",
        ],
    ),
    (
        "name.familyName",
        &[
            "familyname",
            "family name",
            "last name",
            "lastname",
            "surname",
            "last",
        ],
    ),
    (
        "displayName",
        &["displayname", "display name", "name", "full name"],
    ),
    (
        "emails.work",
        &["email", "e-mail", "work email", "mail", "emails"],
    ),
    (
        "phoneNumbers.work",
        &["phone", "work phone", "telephone", "phone number"],
    ),
    ("title", &["title", "job title", "position"]),
    ("department", &["department", "dept"]),
    (
        "employeeNumber",
        &[
            "employeenumber",
            "employee number",
            "employee id",
            "staff number",
        ],
    ),
    ("active", &["active", "enabled", "status"]),
    ("externalId", &["externalid", "external id"]),
];

/// One CSV column and the attribute it fills (none: ignored).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ColumnMapping {
    pub column: String,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
}

/// A CSV to import and how its columns map.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportRequest {
    pub provider: String,
    pub csv: String,
    pub mapping: Vec<ColumnMapping>,
}

/// What importing one row will do.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportRow {
    /// The line in the file (the header is line 1).
    pub line: u32,
    /// create, update, unchanged or error.
    pub action: String,
    pub user_name: String,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub changes: Vec<AttributeChange>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The preview of an import: nothing has been sent.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    pub rows: Vec<ImportRow>,
    pub creates: u32,
    pub updates: u32,
    pub unchanged: u32,
    pub errors: u32,
}

/// The outcome of an import.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportResult {
    pub created: u32,
    pub updated: u32,
    /// Rows that failed, with the reason in plain words.
    pub failed: Vec<ImportRow>,
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase().replace(['_', '-'], " ")
}

/// The CSV text without a byte-order mark (spreadsheets write one), refused when it was not
/// UTF-8: the file reader turns such bytes into U+FFFD, which would garble names silently.
fn csv_text(text: &str) -> Result<&str, DeskError> {
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(line) = t.lines().position(|l| l.contains('\u{fffd}')) {
        return Err(DeskError::InvalidInput(format!(
            "Line {} of the file is not UTF-8 text (the file was perhaps saved as Windows-1252 \
             or Latin-1). Save it as \"CSV UTF-8\" and open it again; nothing was sent.",
            line + 1
        )));
    }
    Ok(t)
}

/// A guess of the mapping from the CSV's header.
pub fn guess_mapping(csv_text_in: &str) -> Result<Vec<ColumnMapping>, DeskError> {
    let csv_text = csv_text(csv_text_in)?;
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let headers = r.headers().map_err(bad_csv)?.clone();
    Ok(headers
        .iter()
        .map(|h| {
            let n = norm(h);
            let attribute = IMPORT_ATTRIBUTES
                .iter()
                .find(|(a, words)| norm(a) == n || words.iter().any(|w| norm(w) == n))
                .map(|(a, _)| (*a).to_string());
            ColumnMapping {
                column: h.to_string(),
                attribute,
            }
        })
        .collect())
}

fn bad_csv(e: csv::Error) -> DeskError {
    DeskError::InvalidInput(format!(
        "The file could not be read as CSV ({e}). Save it from your spreadsheet as \"CSV (comma \
         separated)\" and try again."
    ))
}

/// Sets one import attribute on a user.
fn set(user: &mut Value, attribute: &str, text: &str) -> Result<(), String> {
    let text = text.trim();
    let obj = user
        .as_object_mut()
        .ok_or_else(|| "the record is not an object".to_string())?;
    let typed = |list: &str, kind: &str, obj: &mut serde_json::Map<String, Value>| {
        let items = obj.entry(list).or_insert_with(|| json!([]));
        if let Some(arr) = items.as_array_mut() {
            match arr
                .iter_mut()
                .find(|e| e.get("type").and_then(Value::as_str) == Some(kind))
            {
                Some(e) => e["value"] = json!(text),
                None => {
                    let primary = arr.is_empty();
                    arr.push(json!({"value": text, "type": kind, "primary": primary}));
                }
            }
        }
    };
    match attribute {
        "name.givenName" | "name.familyName" => {
            let sub = attribute.trim_start_matches("name.");
            let name = obj.entry("name").or_insert_with(|| json!({}));
            name[sub] = json!(text);
        }
        "emails.work" => {
            if !text.contains('@') {
                return Err(format!("\"{text}\" is not an email address"));
            }
            typed("emails", "work", obj);
        }
        "phoneNumbers.work" => typed("phoneNumbers", "work", obj),
        "department" | "employeeNumber" => {
            let ext = obj.entry(ENTERPRISE).or_insert_with(|| json!({}));
            ext[attribute] = json!(text);
            let schemas = obj.entry("schemas").or_insert_with(|| json!([]));
            if let Some(s) = schemas.as_array_mut() {
                if !s.iter().any(|x| x == ENTERPRISE) {
                    s.push(json!(ENTERPRISE));
                }
            }
        }
        "active" => {
            let b = match text.to_lowercase().as_str() {
                "true" | "yes" | "1" | "active" | "enabled" => true,
                "false" | "no" | "0" | "inactive" | "disabled" => false,
                other => return Err(format!("\"{other}\" is not yes or no for active")),
            };
            obj.insert("active".into(), json!(b));
        }
        other => {
            obj.insert(other.to_string(), json!(text));
        }
    }
    Ok(())
}

struct Planned {
    row: ImportRow,
    before: Option<Value>,
    after: Value,
}

impl Desk {
    /// Writes the rows of a view (every match, not only the page shown) to a CSV file in the
    /// exports folder; returns its path.
    pub fn export_view(&self, q: &DirectoryQuery) -> Result<String, DeskError> {
        let dir = self.paths().exports();
        crate::paths::private_dir(&dir)
            .map_err(|e| DeskError::Internal(format!("the exports folder: {e}")))?;
        self.export_view_to(q, &dir.join(Self::export_file_name(q)))
    }

    /// The file name an export of `q` suggests: the provider, users or groups, and when.
    pub fn export_file_name(q: &DirectoryQuery) -> String {
        let stamp = desk_store::now_rfc3339().replace([':', '-'], "");
        let safe: String = q
            .provider
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .collect();
        format!("{safe}-{}s-{stamp}.csv", q.kind.as_str().to_lowercase())
    }

    /// Writes the rows of a view to `path` (a file the person chose); returns its path.
    pub fn export_view_to(
        &self,
        q: &DirectoryQuery,
        path: &std::path::Path,
    ) -> Result<String, DeskError> {
        let kind = q.kind;
        let db = self.db()?;
        let snapshot = latest_snapshot(&db, &q.provider)?;
        let (rows, _) = read_cache(
            &db,
            snapshot.id,
            kind,
            &CacheRead {
                offset: 0,
                limit: 0,
                ..q.cache_read()
            },
        )?;
        let rows = crate::read::directory::directory_rows(&db, snapshot.id, kind, rows)?;
        drop(db);
        let file = crate::paths::private_file(path).map_err(|e| {
            DeskError::InvalidInput(format!(
                "The file {} could not be written ({e}). Choose another folder, or close \
                     the file if another program has it open.",
                path.display()
            ))
        })?;
        let mut w = crate::write::spreadsheet::SafeCsv::new(std::io::BufWriter::new(file));
        let none = String::new;
        match kind {
            Kind::User => {
                w.row([
                    "id",
                    "userName",
                    "displayName",
                    "email",
                    "phone",
                    "department",
                    "title",
                    "manager",
                    "employeeNumber",
                    "costCenter",
                    "location",
                    "active",
                    "externalId",
                    "lastModified",
                ])?;
                for r in rows {
                    w.row([
                        r.id,
                        r.user_name.unwrap_or_else(none),
                        r.display_name.unwrap_or_else(none),
                        r.email.unwrap_or_else(none),
                        r.phone.unwrap_or_else(none),
                        r.department.unwrap_or_else(none),
                        r.title.unwrap_or_else(none),
                        r.manager.unwrap_or_else(none),
                        r.employee_number.unwrap_or_else(none),
                        r.cost_center.unwrap_or_else(none),
                        r.location.unwrap_or_else(none),
                        r.active.map(|a| a.to_string()).unwrap_or_else(none),
                        r.external_id.unwrap_or_else(none),
                        r.last_modified.unwrap_or_else(none),
                    ])?;
                }
            }
            Kind::Group => {
                w.row(["id", "displayName", "members", "description", "externalId"])?;
                for r in rows {
                    w.row([
                        r.id,
                        r.display_name.unwrap_or_else(none),
                        r.member_count.map(|n| n.to_string()).unwrap_or_else(none),
                        r.description.unwrap_or_else(none),
                        r.external_id.unwrap_or_else(none),
                    ])?;
                }
            }
        }
        w.flush()?;
        Ok(path.display().to_string())
    }

    fn plan_import(&self, req: &ImportRequest) -> Result<Vec<Planned>, DeskError> {
        // A CSV file is plain text anyone holding it can read: no secret comes from one, and
        // none would reach the preview or the audit log.
        let write_only = self.write_only_names(&req.provider)?;
        if let Some(m) = req.mapping.iter().find(|m| {
            m.attribute.as_deref().is_some_and(|a| {
                let leaf = a.rsplit(':').next().unwrap_or(a).to_ascii_lowercase();
                desk_store::audit::ALWAYS_SECRET.contains(&leaf.as_str())
                    || write_only.contains(&leaf)
            })
        }) {
            return Err(DeskError::InvalidInput(format!(
                "The column \"{}\" is mapped to {}, a secret the provider only accepts and \
                 never shows. SCIM Desk does not import secrets from CSV files; set passwords at \
                 the provider. Map that column to \"ignore\" and try again.",
                m.column,
                m.attribute.as_deref().unwrap_or_default()
            )));
        }
        let user_col = req
            .mapping
            .iter()
            .position(|m| m.attribute.as_deref() == Some("userName"))
            .ok_or_else(|| {
                DeskError::InvalidInput(
                    "Choose which column holds the user name: rows are matched to people by it."
                        .into(),
                )
            })?;
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(csv_text(&req.csv)?.as_bytes());
        let db = self.db()?;
        let provider = db.provider(&req.provider)?;
        let snapshot = db.latest_snapshot(provider.id)?;
        let mut out = Vec::new();
        for (i, rec) in r.records().enumerate() {
            let line = u32::try_from(i + 2).unwrap_or(u32::MAX);
            let rec = rec.map_err(bad_csv)?;
            // Cells an export neutralised for spreadsheets ('=…) come back as they were.
            let cell = |i: usize| rec.get(i).map(crate::write::spreadsheet::restore);
            let user_name = cell(user_col).unwrap_or_default().trim().to_string();
            let error_row = |msg: String| ImportRow {
                line,
                action: "error".into(),
                user_name: user_name.clone(),
                id: None,
                changes: Vec::new(),
                error: Some(msg),
            };
            if user_name.is_empty() {
                out.push(Planned {
                    row: error_row("The user name is empty.".into()),
                    before: None,
                    after: Value::Null,
                });
                continue;
            }
            let existing = match &snapshot {
                Some(s) => {
                    let filter = scim_client::AttrPath::new("userName").eq(user_name.as_str());
                    db.resources(&desk_store::ResourceQuery {
                        snapshot_id: s.id,
                        kind: Kind::User,
                        filter: Some(&filter),
                        limit: 1,
                        ..Default::default()
                    })?
                    .0
                    .into_iter()
                    .next()
                    .map(|r| r.raw)
                }
                None => None,
            };
            let mut after = existing.clone().unwrap_or_else(
                || json!({"schemas": [scim_client::USER_SCHEMA], "userName": user_name}),
            );
            let mut problem = None;
            for (col, m) in req.mapping.iter().enumerate() {
                let (Some(attr), Some(text)) = (&m.attribute, cell(col)) else {
                    continue;
                };
                if text.trim().is_empty() || (attr == "userName" && existing.is_some()) {
                    continue;
                }
                if let Err(e) = set(&mut after, attr, text) {
                    problem = Some(format!("Column \"{}\": {e}.", m.column));
                    break;
                }
            }
            let row = match (problem, &existing) {
                (Some(p), _) => error_row(p),
                (None, Some(before)) => {
                    let changes = attribute_changes(before, &after);
                    ImportRow {
                        line,
                        action: if changes.is_empty() {
                            "unchanged"
                        } else {
                            "update"
                        }
                        .into(),
                        user_name: user_name.clone(),
                        id: before.get("id").and_then(Value::as_str).map(str::to_string),
                        changes,
                        error: None,
                    }
                }
                (None, None) => ImportRow {
                    line,
                    action: "create".into(),
                    user_name: user_name.clone(),
                    id: None,
                    changes: attribute_changes(&json!({}), &after),
                    error: None,
                },
            };
            out.push(Planned {
                row,
                before: existing,
                after,
            });
        }
        Ok(out)
    }

    /// What importing the CSV would do, row by row. Nothing is sent.
    pub fn preview_import(&self, req: &ImportRequest) -> Result<ImportPreview, DeskError> {
        let rows: Vec<ImportRow> = self.plan_import(req)?.into_iter().map(|p| p.row).collect();
        let count = |a: &str| {
            u32::try_from(rows.iter().filter(|r| r.action == a).count()).unwrap_or(u32::MAX)
        };
        Ok(ImportPreview {
            creates: count("create"),
            updates: count("update"),
            unchanged: count("unchanged"),
            errors: count("error"),
            rows,
        })
    }

    /// Sends the creates and updates of the preview (rows in error are skipped); each write is
    /// audited. Rows the provider refuses are listed with its reason; the rest go through.
    pub async fn apply_import(&self, req: &ImportRequest) -> Result<ImportResult, DeskError> {
        let mut result = ImportResult {
            created: 0,
            updated: 0,
            failed: Vec::new(),
        };
        for p in self.plan_import(req)? {
            let outcome = match (p.row.action.as_str(), &p.before) {
                ("create", _) => self
                    .create_resource(&req.provider, Kind::User, &p.after)
                    .await
                    .map(|_| result.created += 1),
                ("update", Some(before)) => {
                    let edit = EditRequest {
                        provider: req.provider.clone(),
                        kind: Kind::User,
                        id: p.row.id.clone().unwrap_or_default(),
                        before: before.clone(),
                        after: p.after.clone(),
                    };
                    match self.save_edit(&edit).await {
                        Ok(SaveOutcome::Saved { .. }) => {
                            result.updated += 1;
                            Ok(())
                        }
                        Ok(SaveOutcome::Conflict { .. }) => Err(DeskError::Conflict(
                            "Changed on the provider since the last sync; sync and import again."
                                .into(),
                        )),
                        Err(e) => Err(e),
                    }
                }
                _ => Ok(()),
            };
            if let Err(e) = outcome {
                let mut row = p.row;
                row.error = Some(match e.detail() {
                    Some(d) => format!("{} ({d})", e.message()),
                    None => e.message(),
                });
                result.failed.push(row);
            }
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_dropped_and_text_that_was_not_utf8_is_refused() {
        let m = guess_mapping("\u{feff}userName,Email\nana,a@x.org\n").unwrap();
        assert_eq!(m[0].attribute.as_deref(), Some("userName"));
        // What a browser's file reader makes of "Jos\xe9" saved as Latin-1.
        let e = guess_mapping("userName,First name\njose,Jos\u{fffd}\n").unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::InvalidInput);
        assert!(e.message().contains("Line 2") && e.message().contains("CSV UTF-8"));
    }

    #[test]
    fn a_file_without_a_user_name_column_is_refused_before_any_row_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let desk = Desk::in_memory(
            crate::DataPaths::at(dir.path().to_path_buf()).unwrap(),
            std::sync::Arc::new(crate::providers::secrets::MemoryStore::new()),
        )
        .unwrap();
        let csv = "First name,Email\nAda,ada@example.com\n";
        let req = ImportRequest {
            provider: "nobody-configured".into(),
            csv: csv.into(),
            mapping: guess_mapping(csv).unwrap(),
        };
        let e = desk.preview_import(&req).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::InvalidInput);
        assert!(
            e.message().contains("which column holds the user name"),
            "refused for the missing column, not for the unknown provider: {}",
            e.message()
        );
    }

    #[test]
    fn guesses_columns_from_common_headers() {
        let m = guess_mapping("User Name,First name,Surname,E-mail,Dept,Shoe size\n").unwrap();
        let got: Vec<Option<&str>> = m.iter().map(|c| c.attribute.as_deref()).collect();
        assert_eq!(
            got,
            [
                Some("userName"),
                Some("name.givenName"),
                Some("name.familyName"),
                Some("emails.work"),
                Some("department"),
                None
            ]
        );
    }

    #[test]
    fn sets_work_email_department_and_active() {
        let mut u = json!({"schemas": [scim_client::USER_SCHEMA], "userName": "a",
                           "emails": [{"value": "old@x.org", "type": "work", "primary": true}]});
        set(&mut u, "emails.work", "new@x.org").unwrap();
        set(&mut u, "department", "Finance").unwrap();
        set(&mut u, "active", "no").unwrap();
        assert_eq!(u["emails"][0]["value"], "new@x.org");
        assert_eq!(u["emails"].as_array().unwrap().len(), 1);
        assert_eq!(u[ENTERPRISE]["department"], "Finance");
        assert!(u["schemas"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == ENTERPRISE));
        assert_eq!(u["active"], false);
        assert!(set(&mut u, "active", "maybe").is_err());
        assert!(set(&mut u, "emails.work", "not-an-address").is_err());
    }
}
