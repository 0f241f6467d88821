//! The Links room in the real window: create a group-scoped link from an HR directory to an
//! empty app (scim2-server both), see the scope preview, run it, change a record at the source,
//! run again and see exactly one update; the history and the sidebar say so.

use desk_e2e::{Gui, GUI_LOCK};
use desk_reference::sample::generate;
use desk_reference::{ProviderKind, ReferenceServer};
use serde_json::json;

#[tokio::test]
async fn create_a_scoped_link_run_it_change_the_source_and_see_one_update() {
    let _one_at_a_time = GUI_LOCK.lock().await;
    let dir = generate(61, 40, 4);
    let hr = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    desk_reference::seed::seed(&hr.client(), &dir, |_, _| {})
        .await
        .unwrap();
    let app = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let group = dir.groups[1].display_name.clone();
    let mut members: Vec<usize> = dir.groups[1].user_members.clone();
    members.sort_unstable();
    members.dedup();

    let gui = Gui::start().await;
    gui.add_and_sync("HR", &hr).await;
    gui.add_and_sync("App", &app).await;

    gui.click("open-links").await;
    gui.by_id("links-empty").await;
    gui.screenshot("links-empty").await;
    gui.click("link-new").await;
    gui.type_into("link-name", "Sales to App").await;
    for (id, name) in [("link-source", "HR"), ("link-target", "App")] {
        gui.by_id(id)
            .await
            .select_by_value(name)
            .await
            .expect("the provider is offered");
    }
    gui.type_into("link-groups", &group).await;
    let expected = format!("{} users and 1 group in scope", members.len());
    gui.until("the scope preview counts the group", || async {
        gui.text_of("link-scope-preview").await.contains(&expected)
    })
    .await;
    gui.screenshot("link-editor").await;
    gui.click("link-save").await;

    // First run: the group's members and the group.
    gui.click("link-run").await;
    gui.until("the first run completes", || async {
        gui.all_by_id("link-outcome").await.len() == 1
            && gui.text_of("link-outcome").await == "Completed"
    })
    .await;
    let counts = gui.text_of("link-counts").await;
    assert!(
        counts.contains(&format!("New users{}", members.len())),
        "{counts:?}"
    );
    assert!(counts.contains("New groups1"), "{counts:?}");
    let users = app.client().list_page("Users", 1, 200, None).await.unwrap();
    assert_eq!(users.resources.len(), members.len());

    // One change at the source; the next run sends exactly it.
    let who = dir.users[members[0]].resource["userName"]
        .as_str()
        .unwrap()
        .to_string();
    let source_users = hr
        .client()
        .list_page("Users", 1, 200, None)
        .await
        .unwrap()
        .resources;
    let mut u = source_users
        .into_iter()
        .find(|u| u["userName"] == who.as_str())
        .unwrap();
    u["title"] = json!("Chief Linking Officer");
    let id = u["id"].as_str().unwrap().to_string();
    hr.client().replace("Users", &id, &u, None).await.unwrap();

    gui.click("link-run").await;
    gui.until("the second run completes with one change", || async {
        gui.all_by_id("link-history-row").await.len() == 2
            && gui.text_of("link-counts").await.contains("Changed users")
    })
    .await;
    assert_eq!(gui.text_of("link-outcome").await, "Completed");
    let counts = gui.text_of("link-counts").await;
    assert_eq!(
        counts.trim(),
        "Changed users1",
        "only the one change: {counts:?}"
    );
    let at_app = app
        .client()
        .list_page("Users", 1, 5, Some(&format!("userName eq \"{who}\"")))
        .await
        .unwrap();
    assert_eq!(at_app.resources[0]["title"], "Chief Linking Officer");
    let note = gui.text_of("links-sidebar-note").await;
    assert!(note.contains("last run completed"), "{note:?}");
    gui.screenshot("links").await;
    gui.close().await;
}
