//! Bulk changes through the real window: people selected with their checkboxes, one attribute
//! changed for all of them through one review, the result per person, and undo of the run;
//! each step checked on the provider itself.

use desk_e2e::{Gui, GUI_LOCK};
use scim_client::ops::{ListQuery, PageRequest};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const DEPT: &str = "Bulk Test Department";

/// How many people the provider holds with the department `DEPT`.
async fn in_department(client: &scim_client::ScimClient) -> usize {
    let page = client
        .list(
            "Users",
            &ListQuery {
                count: Some(200),
                ..ListQuery::default()
            },
            &PageRequest::Index(1),
        )
        .await
        .unwrap();
    assert!(page.resources.len() >= 30, "one page holds everyone");
    page.resources
        .iter()
        .filter(|u| u[ENT]["department"] == DEPT)
        .count()
}

#[tokio::test]
async fn change_the_department_of_three_people_at_once_and_undo_it() {
    let _one_at_a_time = GUI_LOCK.lock().await;
    let server = desk_e2e::seeded_scim2_server(5, 30, 4).await;
    let client = server.client();
    assert_eq!(in_department(&client).await, 0);
    let gui = Gui::start().await;
    gui.add_and_sync("HR", &server).await;

    gui.until("the rows show", || async {
        gui.all_by_id("row-check").await.len() >= 3
    })
    .await;
    for check in gui.all_by_id("row-check").await.into_iter().take(3) {
        check.click().await.unwrap();
    }
    assert_eq!(
        gui.by_id("bulk-count").await.text().await.unwrap(),
        "3 people selected"
    );
    gui.click("bulk-set-attribute").await;
    // Department is the first attribute offered.
    gui.type_into("bulk-value", DEPT).await;
    gui.click("bulk-review").await;
    let summary = gui.by_id("bulk-summary").await.text().await.unwrap();
    assert!(
        summary.contains(&format!("Set Department to “{DEPT}” for 3 people")),
        "{summary}"
    );
    assert_eq!(gui.all_by_id("bulk-preview-row").await.len(), 3);
    gui.screenshot("bulk-review").await;
    gui.click("bulk-save").await;
    gui.until("the run ends", || async {
        gui.by_id("bulk-result")
            .await
            .text()
            .await
            .is_ok_and(|t| t.contains("Saved for 3 people"))
    })
    .await;
    assert_eq!(in_department(&client).await, 3);
    gui.screenshot("bulk-result").await;

    gui.click("bulk-undo").await;
    gui.until("the undo ends", || async {
        gui.by_id("bulk-result")
            .await
            .text()
            .await
            .is_ok_and(|t| t.contains("Undone. Saved for 3 people"))
    })
    .await;
    assert_eq!(in_department(&client).await, 0);
    gui.click("bulk-done").await;
    let last = gui.by_id("bulk-last").await.text().await.unwrap();
    assert!(last.starts_with("Undone: Set Department"), "{last}");
    gui.close().await;
}
