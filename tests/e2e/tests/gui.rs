//! GUI tests: the real app binary, driven through tauri-driver + WebKitWebDriver under Xvfb.

use desk_e2e::{Gui, GUI_LOCK};
use fantoccini::Locator;

/// Numbers as shown, without the locale's thousands separators.
fn plain(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ',' | '\u{a0}' | '\u{202f}'))
        .collect()
}

const XSS: &str = "<img src=x onerror=alert(1)> Payroll";

#[tokio::test]
async fn the_window_opens_on_the_empty_state() {
    let _one_at_a_time = GUI_LOCK.lock().await;
    let gui = Gui::start().await;
    assert_eq!(gui.client.title().await.unwrap(), "SCIM Desk");
    let empty = gui.by_id("providers-empty").await;
    let text = empty.text().await.unwrap();
    assert!(
        text.contains("No providers yet"),
        "empty state says so: {text:?}"
    );
    gui.by_id("add-provider").await;
    gui.by_id("try-demo").await;
    assert_eq!(gui.by_id("tab-users").await.text().await.unwrap(), "Users");
    assert_eq!(
        gui.by_id("tab-groups").await.text().await.unwrap(),
        "Groups"
    );
    let status = gui.by_id("status-bar").await.text().await.unwrap();
    assert!(
        status.contains("Last sync: never"),
        "status bar shows the last sync: {status:?}"
    );
    assert!(
        status.contains("No provider"),
        "status bar shows online state: {status:?}"
    );
    gui.screenshot("empty-state").await;
    gui.close().await;
}

#[tokio::test]
async fn provider_data_sent_through_ipc_renders_as_text() {
    let _one_at_a_time = GUI_LOCK.lock().await;
    let gui = Gui::start().await;
    gui.click("add-provider").await;
    gui.by_id("add-provider-dialog").await;
    gui.type_into("field-name", XSS).await;
    gui.type_into("field-url", "http://127.0.0.1:9/scim/v2")
        .await;
    gui.type_into("field-secret", "not-a-real-token").await;
    gui.click("save-provider").await;
    // The name went to Rust through IPC, into SQLite, and came back through IPC.
    let name = gui.by_id("provider-name").await;
    assert_eq!(
        name.text().await.unwrap(),
        XSS,
        "the name is shown literally, as text"
    );
    let imgs = gui
        .client
        .find_all(Locator::Css(
            "[data-testid=providers-sidebar] img, main img",
        ))
        .await
        .unwrap();
    assert!(
        imgs.is_empty(),
        "no <img> element was created from provider data"
    );
    let heading = gui.wait_for(Locator::Css("main h1")).await;
    assert_eq!(heading.text().await.unwrap(), XSS);
    gui.close().await;
}

#[tokio::test]
async fn an_error_from_a_command_reaches_the_ui_with_code_and_message() {
    let _one_at_a_time = GUI_LOCK.lock().await;
    let gui = Gui::start().await;
    gui.click("add-provider").await;
    gui.type_into("field-name", "Nobody home").await;
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    gui.type_into("field-url", "http://127.0.0.1:9/scim/v2")
        .await;
    gui.type_into("field-secret", "token").await;
    gui.click("test-connection").await;
    let err = gui.by_id("error-box").await;
    assert_eq!(
        err.attr("data-code").await.unwrap().as_deref(),
        Some("provider_unreachable"),
        "the stable code crosses IPC"
    );
    let msg = gui.by_id("error-message").await.text().await.unwrap();
    assert!(msg.contains("could not reach"), "plain words: {msg:?}");
    // The code and the technical detail are one click away.
    gui.wait_for(Locator::Css("[data-testid=error-box] summary"))
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(
        gui.by_id("error-code").await.text().await.unwrap(),
        "provider_unreachable"
    );
    let detail = gui.by_id("error-detail").await.text().await.unwrap();
    assert!(
        detail.contains("127.0.0.1:9"),
        "detail names the address: {detail:?}"
    );
    assert!(!detail.contains("token"), "no secret in the detail");

    // A bad address is refused before anything is sent, with its own code.
    gui.type_into("field-url", "ftp://example").await;
    gui.click("save-provider").await;
    gui.until("the invalid-input error shows", || async {
        for e in gui.all_by_id("error-box").await {
            if e.attr("data-code").await.ok().flatten().as_deref() == Some("invalid_input") {
                return true;
            }
        }
        false
    })
    .await;
    gui.close().await;
}

#[tokio::test]
async fn try_the_demo_providers_starts_and_configures_two_providers() {
    let _one_at_a_time = GUI_LOCK.lock().await;
    let gui = Gui::start().await;
    gui.click("try-demo").await;
    gui.until(
        "both demo providers are listed, or the demo fails",
        || async {
            gui.all_by_id("provider-item").await.len() == 2
                || !gui.all_by_id("demo-error").await.is_empty()
        },
    )
    .await;
    if let Some(e) = gui.all_by_id("demo-error").await.first() {
        panic!("the demo failed: {}", e.text().await.unwrap_or_default());
    }
    let mut names = Vec::new();
    for n in gui.all_by_id("provider-name").await {
        names.push(n.text().await.unwrap());
    }
    names.sort();
    assert_eq!(names, ["Demo HR (scim2-server)", "Demo Target (SCIMMY)"]);
    // The seeded provider answers with the token the app keeps in the keyring.
    gui.click("test-provider").await;
    let report = gui.by_id("connection-report").await.text().await.unwrap();
    assert!(report.contains("etag"), "capabilities listed: {report:?}");
    let status = gui.by_id("status-online").await.text().await.unwrap();
    assert!(
        status.contains("Online"),
        "status bar shows online: {status:?}"
    );

    // Sync the seeded provider into a local snapshot and browse it.
    gui.click("sync-now").await;
    let result = plain(&gui.by_id("sync-result").await.text().await.unwrap());
    assert!(result.contains("1000 users"), "sync result: {result:?}");
    gui.until("the cached users are listed", || async {
        gui.all_by_id("directory-row").await.len() >= 10
    })
    .await;
    let count = plain(&gui.by_id("result-count").await.text().await.unwrap());
    assert!(count.starts_with("1000 users"), "{count:?}");
    let status = gui.by_id("status-last-sync").await.text().await.unwrap();
    assert!(
        !status.contains("never"),
        "the status bar shows the last sync: {status:?}"
    );
    // Quick search runs on the local copy.
    gui.type_into("quick-search", "Engineering").await;
    gui.until("the search narrows the list", || async {
        gui.by_id("result-count")
            .await
            .text()
            .await
            .is_ok_and(|t| t.contains("found") && !plain(&t).starts_with("1000"))
    })
    .await;
    gui.screenshot("main-window").await;
    let mut ports = Vec::new();
    for u in gui
        .client
        .find_all(Locator::Css(".provider-url"))
        .await
        .unwrap()
    {
        let url = u.text().await.unwrap();
        let port: u16 = url
            .split(':')
            .nth(2)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        ports.push(port);
    }
    assert_eq!(ports.len(), 2);
    gui.close().await;
    // Closing the app stops the demo providers.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    for port in ports {
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            assert!(
                std::time::Instant::now() < deadline,
                "demo provider on {port} still runs"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused_with_a_clear_message() {
    let _one_at_a_time = GUI_LOCK.lock().await;
    let data = tempfile::tempdir().unwrap();
    {
        // A database another, newer SCIM Desk wrote: it knows a migration this build does not.
        let db = desk_store::Database::open(&data.path().join("scim-desk.sqlite3")).unwrap();
        db.conn()
            .execute(
                "INSERT INTO _migrations (name, applied_at) VALUES ('29991231235959_future', 'x')",
                [],
            )
            .unwrap();
    }
    let gui = Gui::start_with(data, &[]).await;
    let err = gui.by_id("startup-error").await;
    let text = err.text().await.unwrap();
    assert!(text.contains("newer version of SCIM Desk"), "{text:?}");
    let code = gui
        .by_id("error-box")
        .await
        .attr("data-code")
        .await
        .unwrap();
    assert_eq!(code.as_deref(), Some("database_too_new"));
    gui.close().await;
}

/// The work email of a user and its position in `emails`.
fn work_email(v: &serde_json::Value) -> (usize, String) {
    v["emails"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .find(|(_, e)| e["type"] == "work")
        .map(|(i, e)| (i, e["value"].as_str().unwrap().to_string()))
        .unwrap()
}

#[tokio::test]
async fn edit_a_user_in_the_window_and_resolve_a_conflict() {
    use desk_harness::{ProviderKind, ReferenceServer};
    let _one_at_a_time = GUI_LOCK.lock().await;
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let dir = desk_harness::sample::generate(5, 60, 8);
    desk_harness::seed::seed(&server.client(), &dir, |_, _| {})
        .await
        .unwrap();
    let client = server.client();
    let users = client
        .list_page("Users", 1, 200, None)
        .await
        .unwrap()
        .resources;
    let target = users
        .iter()
        .find(|u| u["active"] == true && u["userName"].as_str().is_some_and(|n| n.is_ascii()))
        .unwrap()
        .clone();
    let id = target["id"].as_str().unwrap().to_string();
    let user_name = target["userName"].as_str().unwrap().to_string();
    let (email_index, _) = work_email(&target);

    let gui = Gui::start().await;
    gui.click("add-provider").await;
    gui.type_into("field-name", "HR").await;
    gui.type_into("field-url", server.base_url()).await;
    gui.type_into("field-secret", server.token().expose()).await;
    gui.click("save-provider").await;
    gui.click("sync-now").await;
    gui.by_id("sync-result").await;
    gui.type_into("quick-search", &user_name).await;
    gui.until("the search finds the user", || async {
        gui.all_by_id("directory-row").await.len() == 1
    })
    .await;
    gui.click("directory-row").await;
    gui.by_id("detail-panel").await;

    // familyName and the work email, reviewed, then saved.
    gui.replace_text("attr-name.familyName", "Okafor-Test")
        .await;
    gui.replace_text(
        &format!("attr-emails-{email_index}-value"),
        "edited.person@example.com",
    )
    .await;
    gui.click("save-changes").await;
    let review = gui.by_id("review-changes").await.text().await.unwrap();
    gui.screenshot("edit-review").await;
    assert!(
        review.contains("name.familyName") && review.contains("Okafor-Test"),
        "{review}"
    );
    gui.screenshot("edit-review").await;
    gui.click("confirm-save").await;
    gui.by_id("saved-line").await;
    let stored = client.get("Users", &id).await.unwrap();
    assert_eq!(stored["name"]["familyName"], "Okafor-Test");
    assert_eq!(work_email(&stored).1, "edited.person@example.com");

    // Someone changes the title on the provider; my title edit conflicts; I keep mine.
    let patch = serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "Chief of Staff"}]});
    client.patch("Users", &id, &patch, None).await.unwrap();
    gui.replace_text("attr-title", "Head of People").await;
    gui.click("save-changes").await;
    gui.click("confirm-save").await;
    gui.by_id("conflict-dialog").await;
    gui.screenshot("conflict").await;
    gui.click("keep-mine-title").await;
    gui.click("resolve-conflict").await;
    gui.click("confirm-save").await;
    gui.by_id("saved-line").await;
    gui.until("the provider has my title", || async {
        client
            .get("Users", &id)
            .await
            .is_ok_and(|u| u["title"] == "Head of People")
    })
    .await;
    gui.screenshot("detail-panel").await;

    // Undo the last saved edit: the provider's title comes back.
    gui.click("undo").await;
    gui.until("the undo reached the provider", || async {
        client
            .get("Users", &id)
            .await
            .is_ok_and(|u| u["title"] == "Chief of Staff")
    })
    .await;

    // An invalid filter says so as you type; a valid one narrows the list.
    gui.replace_text("quick-search", "").await;
    gui.type_into("filter-input", "title co").await;
    gui.by_id("filter-error").await;
    gui.type_into("filter-input", "active eq false").await;
    gui.until("the filter applies", || async {
        gui.by_id("result-count")
            .await
            .text()
            .await
            .is_ok_and(|t| t.contains("found"))
    })
    .await;
    gui.close().await;
}
