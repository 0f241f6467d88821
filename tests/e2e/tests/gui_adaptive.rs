//! The window with a provider that advertises PATCH and answers it 501: the edit saves, the
//! person is told how, the learned fact shows beside the detected capabilities and can be
//! forgotten.

use desk_e2e::faults::{Fault, Proxy};
use desk_e2e::{Gui, GUI_LOCK};

#[tokio::test]
async fn an_edit_through_a_provider_refusing_patch_saves_and_shows_what_was_learned() {
    let _one_at_a_time = GUI_LOCK.lock().await;
    let server = desk_e2e::seeded_scim2_server(23, 20, 3).await;
    let proxy = Proxy::start(server.base_url()).await;
    proxy.set(|_, method, _| {
        if method == "PATCH" {
            Fault::Status(501, None)
        } else {
            Fault::Pass
        }
    });
    let gui = Gui::start().await;
    gui.add_at_and_sync("Stubborn", &proxy.base, &server).await;
    gui.click("directory-row").await;
    gui.by_id("detail-panel").await;
    gui.replace_text("attr-title", "Head of Adaptation").await;
    gui.click("save-changes").await;
    gui.by_id("review-changes").await;
    gui.click("confirm-save").await;
    let note = gui.by_id("saved-note").await.text().await.unwrap();
    assert!(
        note.contains("Stubborn refused changes by PATCH (HTTP 501)")
            && note.contains("whole record"),
        "{note}"
    );
    let users = server
        .client()
        .list_page("Users", 1, 50, Some("title eq \"Head of Adaptation\""))
        .await
        .unwrap();
    assert_eq!(users.resources.len(), 1, "saved at the provider");

    gui.click("test-provider").await;
    let learned = gui.by_id("learned-facts").await.text().await.unwrap();
    assert!(
        learned.contains("changes (PATCH): not supported") && learned.contains("HTTP 501"),
        "{learned}"
    );
    gui.screenshot("learned-fact").await;
    // The write check from the window: a scratch user created, changed, read back, deleted.
    gui.click("write-check").await;
    gui.click("write-check-run").await;
    let result = gui.by_id("write-check-result").await.text().await.unwrap();
    for step in [
        "create",
        "change (PATCH)",
        "replace (PUT)",
        "read back",
        "delete",
    ] {
        assert!(result.contains(&format!("ok {step}:")), "{step}: {result}");
    }
    let left = server
        .client()
        .list_page(
            "Users",
            1,
            10,
            Some("userName sw \"scim-desk-write-check\""),
        )
        .await
        .unwrap();
    assert_eq!(left.total_results, Some(0), "cleaned up");
    gui.screenshot("write-check").await;
    gui.click("write-check-close").await;
    gui.click("forget-learned").await;
    gui.until("the learned fact is forgotten", || async {
        gui.all_by_id("learned-facts").await.is_empty()
    })
    .await;
    gui.close().await;
}

#[tokio::test]
async fn a_record_the_target_refuses_is_fixed_for_that_person_and_the_migration_finishes() {
    use desk_reference::{ProviderKind, ReferenceServer};
    let _one_at_a_time = GUI_LOCK.lock().await;
    let source = desk_e2e::seeded_scim2_server(29, 6, 1).await;
    source
        .client()
        .create(
            "Users",
            &serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "zoe.muller", "active": true,
                "name": {"givenName": "Zoë", "familyName": "Müller"},
                "emails": [{"value": "zoë.müller@example.com", "type": "work", "primary": true}]}),
        )
        .await
        .unwrap();
    let target = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let proxy = Proxy::start(target.base_url()).await;
    proxy.set(|_, _, _| Fault::RefusesNonAsciiEmails);
    let gui = Gui::start().await;
    gui.add_and_sync("Old HR", &source).await;
    gui.add_at_and_sync("Mail", &proxy.base, &target).await;
    gui.open_migration("Old HR", "Mail").await;
    gui.click("migration-plan").await;
    gui.click("migration-run").await;
    gui.click("confirm-action").await;
    let report = gui.by_id("migration-report").await.text().await.unwrap();
    assert!(
        report.contains(" 1 failed") && report.contains("must contain only ASCII"),
        "{report}"
    );
    // Fix and retry: for this person only, starting from the address that was refused.
    gui.click("fix-record").await;
    let value = gui.by_id("fix-value").await;
    assert_eq!(
        value.prop("value").await.unwrap().as_deref(),
        Some("zoë.müller@example.com")
    );
    gui.replace_text("fix-value", "zoe.muller@example.com")
        .await;
    gui.screenshot("fix-one-record").await;
    gui.click("fix-apply").await;
    gui.until("the new plan holds only what is missing", || async {
        match gui.all_by_id("migration-run").await.first() {
            Some(b) => b.text().await.unwrap_or_default() == "Run 1 operations",
            None => false,
        }
    })
    .await;
    gui.click("migration-run").await;
    gui.click("confirm-action").await;
    gui.until("the second run reports", || async {
        match gui.all_by_id("migration-report").await.first() {
            Some(r) => r
                .text()
                .await
                .unwrap_or_default()
                .contains("1 operations done, 0 failed"),
            None => false,
        }
    })
    .await;
    let zoe = target
        .client()
        .list_page("Users", 1, 5, Some("userName eq \"zoe.muller\""))
        .await
        .unwrap();
    assert_eq!(zoe.resources.len(), 1, "created at the target");
    assert_eq!(
        zoe.resources[0]["emails"][0]["value"],
        "zoe.muller@example.com"
    );
    let count = |c: scim_client::ScimClient| async move {
        c.list_page("Users", 1, 1, None)
            .await
            .unwrap()
            .total_results
    };
    assert_eq!(
        count(target.client()).await,
        count(source.client()).await,
        "everyone is there"
    );
    gui.close().await;
}
