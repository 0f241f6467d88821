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
