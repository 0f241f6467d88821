//! The People room in the real window, with three providers (an HR directory and an identity
//! provider on scim2-server, an app on SCIMMY): find a person, see their accounts side by side
//! with the difference highlighted, make HR the source of truth, offboard them everywhere, and
//! read and save the evidence.

use desk_e2e::{Gui, GUI_LOCK};
use desk_reference::sample::generate;
use desk_reference::{ProviderKind, ReferenceServer};
use fantoccini::Locator;
use serde_json::json;
use sha2::{Digest, Sha256};

/// The providers started and seeded with `dir` (changed per provider by `change`), and the
/// window with each added and synced.
async fn providers_and_window(
    dir: &desk_reference::sample::SampleDirectory,
    providers: &[(&'static str, ProviderKind)],
    change: impl Fn(&str, &mut desk_reference::sample::SampleDirectory),
) -> (Vec<(&'static str, ReferenceServer)>, Gui) {
    let mut servers = Vec::new();
    for &(name, kind) in providers {
        let server = ReferenceServer::start(kind).await.unwrap();
        let mut d = dir.clone();
        change(name, &mut d);
        desk_reference::seed::seed(&server.client(), &d, |_, _| {})
            .await
            .unwrap();
        servers.push((name, server));
    }
    let gui = Gui::start().await;
    for (name, server) in &servers {
        gui.add_and_sync(name, server).await;
    }
    (servers, gui)
}

#[tokio::test]
async fn find_compare_and_offboard_a_person_everywhere_in_the_window() {
    let _one_at_a_time = GUI_LOCK.lock().await;
    let dir = generate(51, 40, 4);
    let who = 3;
    let user_name = dir.users[who].resource["userName"]
        .as_str()
        .unwrap()
        .to_string();
    let family = dir.users[who].resource["name"]["familyName"]
        .as_str()
        .unwrap()
        .to_string();
    let (servers, gui) = providers_and_window(
        &dir,
        &[
            ("App", ProviderKind::Scimmy),
            ("HR", ProviderKind::Scim2Server),
            ("IdP", ProviderKind::Scim2Server),
        ],
        |name, d| {
            if name == "IdP" {
                // The person married: the identity provider has the new name, HR not yet.
                d.users[who].resource["name"]["familyName"] = json!("Okafor-Newname");
            }
        },
    )
    .await;

    // Everyone, linked across the three.
    gui.click("open-people").await;
    gui.until("the people are listed", || async {
        gui.all_by_id("people-row").await.len() >= 10
    })
    .await;
    let count = gui.text_of("people-count").await;
    assert!(count.starts_with("40 of 40 people"), "{count:?}");
    let as_of = gui.text_of("people-as-of").await;
    for name in ["App", "HR", "IdP"] {
        assert!(as_of.contains(&format!("{name} as of")), "{as_of:?}");
    }
    // Find the person.
    gui.type_into("people-search", &user_name).await;
    gui.until("one person is found", || async {
        gui.all_by_id("people-row").await.len() == 1
    })
    .await;
    let row = gui.all_by_id("people-row").await[0].text().await.unwrap();
    assert!(
        row.contains("Family name"),
        "the difference is listed: {row:?}"
    );
    gui.screenshot("people").await;
    // The differences list names the person and both family names.
    gui.click("people-tab-drift").await;
    gui.until("the difference is listed", || async {
        let rows = gui.all_by_id("drift-row").await;
        let mut found = false;
        for r in rows {
            let t = r.text().await.unwrap_or_default();
            found |= t.contains("Okafor-Newname") && t.contains(&family);
        }
        found
    })
    .await;
    gui.screenshot("people-drift").await;
    gui.click("people-tab-list").await;
    gui.click("people-open").await;

    // Side by side: three accounts, the family name highlighted where it differs.
    gui.by_id("person-name").await;
    assert_eq!(gui.all_by_id("person-column").await.len(), 3);
    let differing = gui
        .client
        .find_all(Locator::Css(
            "[data-testid=person-cell][data-field=familyName].differs",
        ))
        .await
        .unwrap();
    assert!(!differing.is_empty(), "a differing cell is highlighted");
    // HR is the source of truth: then the identity provider's value is the one that differs.
    let columns = gui.all_by_id("person-column").await;
    let hr = &columns[1];
    assert!(hr.text().await.unwrap().starts_with("HR"));
    hr.find(Locator::Css("[data-testid=make-source]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    gui.until("HR is the source of truth", || async {
        gui.text_of("person").await.contains("source of truth: HR")
    })
    .await;
    gui.until(
        "only the identity provider's family name differs",
        || async {
            let cells = gui
                .client
                .find_all(Locator::Css(
                    "[data-testid=person-cell][data-field=familyName].differs",
                ))
                .await
                .unwrap_or_default();
            let mut providers = Vec::new();
            for c in cells {
                providers.push(
                    c.attr("data-provider")
                        .await
                        .ok()
                        .flatten()
                        .unwrap_or_default(),
                );
            }
            providers == ["IdP"]
        },
    )
    .await;
    let idp_cell = gui
        .client
        .find(Locator::Css(
            "[data-testid=person-cell][data-field=familyName][data-provider=IdP]",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(idp_cell, "Okafor-Newname");
    gui.screenshot("person").await;

    // Make the identity provider match HR, through the migration engine, from the differences.
    gui.click("person-back").await;
    gui.click("people-tab-drift").await;
    gui.until("the difference is listed against HR", || async {
        gui.all_by_id("drift-row").await.len() == 1
            && gui.text_of("people").await.contains("compared with HR")
    })
    .await;
    gui.click("drift-pick").await;
    gui.click("make-match-open").await;
    gui.until("the plan for the identity provider is shown", || async {
        let targets = gui.all_by_id("make-match-target").await;
        let mut idp = false;
        for t in targets {
            let text = t.text().await.unwrap_or_default();
            idp |= text.starts_with("HR → IdP") && text.contains("familyName");
        }
        idp
    })
    .await;
    gui.screenshot("make-match").await;
    gui.click("make-match-run").await;
    let result = gui.text_of("make-match-result").await;
    assert!(
        result.contains("IdP") && result.contains("verified: matches HR"),
        "{result}"
    );
    gui.client
        .find(Locator::Css(
            "[data-testid=make-match-dialog] button.primary",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    gui.until("no difference is left", || async {
        gui.text_of("people").await.contains("No differences")
    })
    .await;
    gui.click("people-tab-list").await;
    gui.click("people-open").await;
    gui.by_id("person-name").await;

    // One edit everywhere: the new family name, reviewed per provider, saved side by side.
    gui.click("person-edit-open").await;
    gui.replace_text_at(
        "[data-testid=person-edit-field][data-attribute=familyName]",
        "Okafor-Newname",
    )
    .await;
    gui.click("person-edit-review").await;
    gui.until("each provider's request is shown", || async {
        gui.all_by_id("person-edit-request").await.len() == 3
    })
    .await;
    let mut reviewed = Vec::new();
    for r in gui.all_by_id("person-edit-request").await {
        reviewed.push(r.text().await.unwrap());
    }
    let hr_review = reviewed.iter().find(|t| t.starts_with("HR")).unwrap();
    assert!(
        hr_review.contains("PATCH /Users/") && hr_review.contains("If-Match"),
        "{hr_review}"
    );
    gui.screenshot("person-edit-review").await;
    gui.click("person-edit-save").await;
    gui.by_id("person-edit-result").await;
    let mut outcomes = Vec::new();
    for a in gui.all_by_id("person-edit-account").await {
        outcomes.push(a.attr("data-outcome").await.unwrap().unwrap_or_default());
    }
    assert_eq!(outcomes, ["saved", "saved", "saved"]);
    gui.client
        .find(Locator::Css(
            "[data-testid=person-edit-dialog] button.primary",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    gui.until("nothing differs any more", || async {
        gui.client
            .find_all(Locator::Css("[data-testid=person-cell].differs"))
            .await
            .map(|c| c.is_empty())
            .unwrap_or(false)
    })
    .await;
    for (name, server) in &servers {
        let found = server
            .client()
            .list(
                "Users",
                &scim_client::ListQuery {
                    filter: Some(format!("userName eq \"{user_name}\"")),
                    ..Default::default()
                },
                &scim_client::PageRequest::Index(1),
            )
            .await
            .unwrap();
        let live = &found.resources[0];
        assert_eq!(
            live["name"]["familyName"], "Okafor-Newname",
            "{name}: {live}"
        );
    }

    // Offboard everywhere, out of every group first.
    gui.click("offboard-open").await;
    gui.by_id("offboard-dialog").await;
    gui.click("offboard-groups").await;
    gui.until("the review names the three accounts", || async {
        let s = gui.text_of("offboard-summary").await;
        s.starts_with("Remove from every group and deactivate 3 accounts of")
            && ["App", "HR", "IdP"].iter().all(|p| s.contains(p))
    })
    .await;
    gui.screenshot("offboard-review").await;
    gui.click("offboard-confirm").await;
    gui.by_id("offboard-result").await;
    let accounts = gui.all_by_id("offboard-account").await;
    assert_eq!(accounts.len(), 3);
    for a in &accounts {
        assert_eq!(
            a.attr("data-ended").await.unwrap().as_deref(),
            Some("true"),
            "{}",
            a.text().await.unwrap()
        );
    }
    let sha = gui.text_of("offboard-sha").await;
    assert_eq!(sha.len(), 64, "{sha:?}");
    gui.screenshot("offboard-evidence").await;
    // The evidence saved as JSON is what the SHA-256 shown is of.
    gui.click("evidence-save-json").await;
    let saved = gui.text_of("evidence-saved").await;
    let file = std::fs::read_dir(gui.data_dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("offboarding-"))
        })
        .unwrap_or_else(|| panic!("no evidence file; the window said {saved:?}"));
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(hex::encode(Sha256::digest(&bytes)), sha);
    let evidence: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(evidence["complete"], true);
    // Each provider has the account inactive.
    for (name, server) in &servers {
        let id = evidence["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["provider"] == *name)
            .unwrap()["accountId"]
            .as_str()
            .unwrap()
            .to_string();
        let live = server.client().get("Users", &id).await.unwrap();
        assert_eq!(live["active"], false, "{name}");
    }
    gui.screenshot("offboard-evidence").await;
    // Closed: the page shows the accounts inactive.
    gui.client
        .find(Locator::Css("[data-testid=offboard-dialog] button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    gui.until("the page shows every account inactive", || async {
        let cells = gui
            .client
            .find_all(Locator::Css("[data-testid=person-cell][data-field=active]"))
            .await
            .unwrap_or_default();
        let mut texts = Vec::new();
        for c in cells {
            texts.push(c.text().await.unwrap_or_default());
        }
        texts.len() == 3 && texts.iter().all(|t| t == "inactive")
    })
    .await;

    // Nothing differs any more.
    gui.click("person-back").await;
    gui.click("people-tab-drift").await;
    gui.until("the differences list is empty", || async {
        gui.text_of("people").await.contains("No differences")
    })
    .await;
    gui.close().await;
}

#[tokio::test]
async fn onboard_a_new_hire_with_the_departments_groups_in_the_window() {
    let _one_at_a_time = GUI_LOCK.lock().await;
    let dir = generate(52, 30, 4);
    let department = dir.users[3].resource
        ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"]
        .as_str()
        .unwrap()
        .to_string();
    let (servers, gui) = providers_and_window(
        &dir,
        &[
            ("App", ProviderKind::Scimmy),
            ("HR", ProviderKind::Scim2Server),
        ],
        |_, _| {},
    )
    .await;
    gui.click("open-people").await;
    gui.click("onboard-open").await;
    for (attribute, value) in [
        ("givenName", "Nia"),
        ("familyName", "Hire"),
        ("email", "nia.hire@example.com"),
        ("department", department.as_str()),
    ] {
        gui.replace_text_at(
            &format!("[data-testid=onboard-field][data-attribute={attribute}]"),
            value,
        )
        .await;
    }
    gui.click("onboard-usual").await;
    gui.until("the department's usual groups are offered", || async {
        !gui.all_by_id("onboard-group").await.is_empty()
    })
    .await;
    let offered = gui.all_by_id("onboard-group").await.len();
    gui.click("onboard-review").await;
    gui.until("both providers are reviewed", || async {
        gui.all_by_id("onboard-account").await.len() == 2
    })
    .await;
    gui.screenshot("onboard-review").await;
    gui.click("onboard-create").await;
    gui.by_id("onboard-result").await;
    let mut created = Vec::new();
    for a in gui.all_by_id("onboard-result-account").await {
        created.push(a.attr("data-created").await.unwrap().unwrap_or_default());
    }
    assert_eq!(
        created,
        ["true", "true"],
        "{}",
        gui.text_of("onboard-result").await
    );
    // Each provider has the new hire, in the groups offered for it.
    let mut joined = 0;
    for (name, server) in &servers {
        let page = server
            .client()
            .list(
                "Users",
                &scim_client::ListQuery {
                    filter: Some("userName eq \"nia.hire@example.com\"".into()),
                    ..Default::default()
                },
                &scim_client::PageRequest::Index(1),
            )
            .await
            .unwrap();
        assert_eq!(page.resources.len(), 1, "{name}");
        let id = page.resources[0]["id"].as_str().unwrap().to_string();
        let groups = server
            .client()
            .list(
                "Groups",
                &scim_client::ListQuery {
                    count: Some(500),
                    ..Default::default()
                },
                &scim_client::PageRequest::Index(1),
            )
            .await
            .unwrap();
        joined += groups
            .resources
            .iter()
            .filter(|g| {
                g["members"]
                    .as_array()
                    .is_some_and(|m| m.iter().any(|m| m["value"] == id.as_str()))
            })
            .count();
    }
    assert_eq!(joined, offered, "every offered group was joined");
    gui.click("onboard-open-person").await;
    gui.until("the new hire's page shows both accounts", || async {
        gui.all_by_id("person-column").await.len() == 2
    })
    .await;
    assert_eq!(gui.text_of("person-name").await, "Nia Hire");
    gui.close().await;
}
