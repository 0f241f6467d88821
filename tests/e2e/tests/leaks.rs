//! What SCIM Desk writes to disk is safe to keep and to open: CSV cells that a spreadsheet
//! would run as formulas are neutralised (and import back unchanged), files holding directory
//! data are readable by their owner only, and passwords never reach the audit log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use desk_engine::api::ProviderInput;
use desk_engine::read::directory::DirectoryQuery;
use desk_engine::vocabulary::CancelFlag;
use desk_engine::vocabulary::Kind;
use desk_engine::write::import::{guess_mapping, ImportRequest};
use desk_engine::{Desk, ErrorCode};
use desk_reference::{ProviderKind, ReferenceServer};
use serde_json::json;

fn desk(data: &std::path::Path) -> Desk {
    desk_e2e::desk_at(data)
}

fn all_users(provider: &str) -> DirectoryQuery {
    DirectoryQuery {
        provider: provider.into(),
        kind: desk_engine::vocabulary::Kind::User,
        search: None,
        filter: None,
        sort: None,
        descending: false,
        offset: 0,
        limit: 1000,
    }
}

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

#[tokio::test]
async fn csv_cells_that_could_run_as_formulas_are_neutralised_and_import_back_unchanged() {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let client = server.client();
    let hostile = [
        (
            "eve@example.com",
            "=HYPERLINK(\"http://evil.example/\",\"Pay rise\")",
            "+SUM(A1:A9)",
            "@cmd|' /C calc'!A0",
        ),
        // (A leading tab or carriage return is neutralised too, see the unit tests; the import
        // trims the whitespace around cells, so it would not come back byte for byte.)
        ("mallory@example.com", "-2+3", "=1+1", "'=already quoted"),
        ("ada@example.com", "Ada Lovelace", "Engineer", "R&D"),
    ];
    for (user_name, display, title, department) in hostile {
        client
            .create(
                "Users",
                &json!({"schemas": [USER, ENT], "userName": user_name,
                        "displayName": display, "title": title, "active": true,
                        ENT: {"department": department}}),
            )
            .await
            .unwrap();
    }
    let data = tempfile::tempdir().unwrap();
    let desk = desk(data.path());
    desk.add_provider(ProviderInput::bearer(
        "p",
        server.base_url(),
        Some(server.token().expose()),
    ))
    .unwrap();
    desk.sync("p", &CancelFlag::new(), &|_| {}).await.unwrap();

    let path = desk.export_view(&all_users("p")).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let mut cells = 0;
    for rec in r.records() {
        for cell in rec.unwrap().iter() {
            cells += 1;
            let dangerous =
                cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && cell.parse::<f64>().is_err();
            assert!(!dangerous, "a spreadsheet would run {cell:?} as a formula");
        }
    }
    assert!(cells >= 3 * 8, "every user exported");
    for neutralised in [
        "'=HYPERLINK(\"http://evil.example/\",\"Pay rise\")",
        "'+SUM(A1:A9)",
        "'@cmd|' /C calc'!A0",
        "'-2+3",
        "''=already quoted",
    ] {
        assert!(
            csv::Reader::from_reader(text.as_bytes())
                .records()
                .any(|rec| rec.unwrap().iter().any(|c| c == neutralised)),
            "{neutralised:?} in the export:\n{text}"
        );
    }
    // The same file imported back changes nothing: the apostrophes come off again.
    let req = ImportRequest {
        provider: "p".into(),
        csv: text.clone(),
        mapping: guess_mapping(&text).unwrap(),
    };
    let preview = desk.preview_import(&req).unwrap();
    assert_eq!(
        (preview.updates, preview.creates, preview.errors),
        (0, 0, 0),
        "{:?}",
        preview.rows.iter().find(|r| r.action != "unchanged")
    );
    assert_eq!(preview.unchanged, 3);
}

#[cfg(unix)]
#[tokio::test]
async fn files_with_directory_data_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let server = desk_e2e::seeded_scim2_server(3, 20, 2).await;
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data");
    // A database left readable by others by an earlier version is tightened when opened.
    std::fs::create_dir_all(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    desk_store::Database::open(&desk_e2e::database_at(&data)).unwrap();
    std::fs::set_permissions(
        data.join("scim-desk.sqlite3"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let desk = desk(&data);
    for (name, url) in [
        ("a", server.base_url().to_string()),
        ("b", server.tenant_url("b")),
    ] {
        desk.add_provider(ProviderInput::bearer(
            name,
            &url,
            Some(server.token().expose()),
        ))
        .unwrap();
        desk.sync(name, &CancelFlag::new(), &|_| {}).await.unwrap();
    }
    let export = desk.export_view(&all_users("a")).unwrap();
    let plan = desk.plan_migration("a", "b", &Default::default()).unwrap();
    // A plan the person saves where they choose (here, beside the exports).
    let saved = data
        .join("exports")
        .join(desk_engine::Desk::plan_file_name(&plan));
    desk.save_plan_to(&plan, &saved).unwrap();
    assert_eq!(mode(&data), 0o700, "the data folder");
    assert_eq!(mode(&data.join("exports")), 0o700, "the exports folder");
    for f in [
        data.join("scim-desk.sqlite3"),
        data.join("scim-desk.sqlite3-wal"),
        std::path::PathBuf::from(&export),
        std::path::PathBuf::from(&saved),
    ] {
        assert!(f.exists(), "{}", f.display());
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
}

#[tokio::test]
async fn passwords_never_reach_the_audit_log_or_any_file() {
    const PASSWORD: &str = "Sup3r-s3cret-Passw0rd!";
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let desk = desk(data.path());
    desk.add_provider(ProviderInput::bearer(
        "p",
        server.base_url(),
        Some(server.token().expose()),
    ))
    .unwrap();
    desk.sync("p", &CancelFlag::new(), &|_| {}).await.unwrap();
    let new_user = json!({"schemas": [USER], "userName": "new.hire@example.com",
                          "name": {"givenName": "New", "familyName": "Hire"},
                          "password": PASSWORD, "active": true});
    let created = desk
        .create_resource("p", Kind::User, &new_user)
        .await
        .unwrap();
    // The same user again: refused as a duplicate; the request body (with the password) is
    // what a failed create records.
    let err = desk
        .create_resource("p", Kind::User, &new_user)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProviderError, "{}", err.message());
    let audit = desk.audit_entries(Some("p"), None, 0).unwrap();
    let failed = audit
        .iter()
        .find(|e| e.operation == "create (failed)")
        .expect("the failed create is recorded");
    assert_eq!(failed.http_status, Some(409), "the provider's own answer");
    assert_eq!(
        failed.after.as_ref().unwrap()["password"],
        json!(desk_store::NOT_RECORDED),
        "that a password was set is recorded, not its value"
    );
    let ok = audit.iter().find(|e| e.operation == "create").unwrap();
    assert_eq!(ok.http_status, Some(201));
    assert_eq!(ok.resource_id.as_deref(), created["id"].as_str());
    // A CSV column mapped to password is refused before anything is read or sent.
    let csv_text = format!("userName,password\nnew.hire@example.com,{PASSWORD}\n");
    let mut mapping = guess_mapping(&csv_text).unwrap();
    mapping[1].attribute = Some("password".into());
    let err = desk
        .preview_import(&ImportRequest {
            provider: "p".into(),
            csv: csv_text,
            mapping,
        })
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(
        err.message().contains("does not import secrets"),
        "{}",
        err.message()
    );
    // No file of the data folder holds the password (database, its log, exports).
    assert!(!desk_e2e::files_under(data.path()).is_empty());
    assert_eq!(
        desk_e2e::files_holding(data.path(), PASSWORD),
        Vec::<std::path::PathBuf>::new(),
        "files holding the password"
    );
}
