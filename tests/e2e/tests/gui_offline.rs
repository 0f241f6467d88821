//! The offline copy as personal data, in the real window (issue 21): a copy the keyring's key
//! does not open is refused in words and can be started afresh; "Offline data…" wipes one
//! provider's copies after naming what goes, and keeps the other's.

use desk_e2e::{Gui, GUI_LOCK};
use desk_store::Database;

#[tokio::test]
async fn a_copy_the_key_does_not_open_is_refused_in_words_and_started_afresh_after_asking() {
    let _one_at_a_time = GUI_LOCK.lock().await;
    let data = tempfile::tempdir().unwrap();
    let before = desk_e2e::copy_under_another_key(data.path());
    let gui = Gui::start_with(data, &[]).await;
    let text = gui.text_of("startup-error").await;
    assert!(
        text.contains("does not open the offline copy")
            && text.contains("Nothing has been changed"),
        "{text:?}"
    );
    let code = gui
        .by_id("error-box")
        .await
        .attr("data-code")
        .await
        .unwrap();
    assert_eq!(code.as_deref(), Some("offline_copy_locked"));
    gui.screenshot("offline-copy-locked").await;
    gui.click("start-fresh").await;
    let ask = gui.text_of("start-fresh-confirm").await;
    assert!(ask.contains("not deleted"), "{ask:?}");
    assert_eq!(
        std::fs::read(gui.data_dir.path().join("scim-desk.sqlite3")).unwrap(),
        before,
        "nothing happens before the person agrees"
    );
    gui.click("start-fresh-confirm-yes").await;
    // The window starts with an empty copy: the first-run screen offers to add a provider.
    gui.by_id("add-provider").await;
    let aside: Vec<_> = std::fs::read_dir(gui.data_dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("scim-desk.set-aside-"))
        .collect();
    assert_eq!(aside.len(), 1, "the old copy is set aside, not deleted");
    assert_eq!(
        std::fs::read(gui.data_dir.path().join(&aside[0])).unwrap(),
        before
    );
    gui.close().await;
}

#[tokio::test]
async fn wipe_one_providers_offline_data_after_seeing_what_goes() {
    let _one_at_a_time = GUI_LOCK.lock().await;
    let server = desk_e2e::seeded_scim2_server(9, 25, 3).await;
    let gui = Gui::start().await;
    gui.add_and_sync("HR", &server).await;
    gui.add_at_and_sync("Second", &server.tenant_url("second"), &server)
        .await;
    gui.click("open-offline-data").await;
    gui.by_id("offline-data-dialog").await;
    gui.screenshot("offline-data").await;
    // Retention: 30 days, applied at once (nothing is that old yet).
    gui.click("retention-no-limit").await;
    gui.click("retention-save").await;
    let saved = gui.text_of("retention-result").await;
    assert!(saved.contains("0 older copies were removed"), "{saved:?}");

    gui.script(
        "const s = document.querySelector('[data-testid=wipe-scope]'); \
         s.value = 'HR'; s.dispatchEvent(new Event('change', { bubbles: true }));",
    )
    .await;
    gui.click("wipe-start").await;
    let what = gui.text_of("wipe-what").await;
    assert!(
        what.contains("1 offline copy (") && what.contains("of \"HR\""),
        "{what:?}"
    );
    gui.click("wipe-confirm").await;
    let done = gui.text_of("wipe-result").await;
    assert!(done.starts_with("Removed 1 offline copy"), "{done:?}");

    let db = Database::open(&desk_engine::offline::key::in_folder(gui.data_dir.path()).unwrap())
        .unwrap();
    let hr = db.provider("HR").unwrap().id;
    let second = db.provider("Second").unwrap().id;
    assert!(
        db.latest_snapshot(hr).unwrap().is_none(),
        "HR's copy is gone"
    );
    assert!(
        db.latest_snapshot(second).unwrap().is_some(),
        "the other copy stays"
    );
    assert_eq!(
        db.setting("keep_days").unwrap().as_deref(),
        Some("30"),
        "the retention setting is saved"
    );
    gui.close().await;
}

#[tokio::test]
async fn the_window_opens_a_plain_copy_from_an_earlier_version_encrypted() {
    let _one_at_a_time = GUI_LOCK.lock().await;
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("scim-desk.sqlite3");
    {
        // The copy an earlier version left: plain, a provider and 30,000 people.
        let file = desk_store::DatabaseFile::plain(&path);
        let db = Database::open(&file).unwrap();
        let p = db
            .insert_provider(&desk_store::NewProvider::without_auth(
                "Earlier HR",
                "http://127.0.0.1:9/scim/v2",
            ))
            .unwrap();
        let mut w = desk_store::SnapshotWriter::begin(&file, p.id, "full").unwrap();
        let users: Vec<_> = desk_reference::sample::many_users(4, 30_000).collect();
        for chunk in users.chunks(1000) {
            w.add_users(chunk).unwrap();
        }
        w.finish(true, &serde_json::json!({})).unwrap();
    }
    let gui = Gui::start_with(data, &[]).await;
    // The window opens, encrypts the copy, and shows the provider with its people offline.
    let count = gui.text_of("result-count").await;
    assert!(count.starts_with("30000 users"), "{count:?}");
    assert_eq!(
        desk_store::DatabaseFile::plain(gui.data_dir.path().join("scim-desk.sqlite3"))
            .state()
            .unwrap(),
        desk_store::FileState::Encrypted
    );
    gui.close().await;
}
