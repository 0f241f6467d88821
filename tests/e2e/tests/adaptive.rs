//! Adaptive interop: a provider that advertises PATCH and refuses it (501, 405, or a 400 saying
//! it is not supported). The edit still saves (the whole record by PUT), the fact is learned
//! with its evidence, kept across restarts, used from then on (no PATCH sent again, for edits
//! and group membership), shown, and forgotten on request.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use desk_e2e::faults::{Fault, Proxy};
use desk_engine::providers::learned::Learned;
use desk_engine::vocabulary::CancelFlag;
use desk_engine::vocabulary::Kind;
use desk_engine::write::edit::{EditRequest, SaveOutcome};
use desk_engine::write::membership::MembershipChange;
use serde_json::json;

async fn patch_refused(refusal: Fault, evidence: &str) {
    let server = desk_e2e::seeded_scim2_server(21, 20, 3).await;
    let client = server.client();
    let proxy = Proxy::start(server.base_url()).await;
    let patches = Arc::new(AtomicUsize::new(0));
    let seen = patches.clone();
    proxy.set(move |_, method, _| {
        if method == "PATCH" {
            seen.fetch_add(1, Ordering::SeqCst);
            refusal
        } else {
            Fault::Pass
        }
    });
    let (data, desk) = desk_e2e::desk_with("p", &proxy.base, &server).await;
    let row = desk_e2e::users_page(&desk, "p", 3).rows;
    let id = row[0].id.clone();
    let before = desk.resource_detail("p", Kind::User, &id).unwrap().resource;
    assert!(
        desk.saved_profile("p").unwrap().unwrap().patch.supported,
        "the provider advertises PATCH"
    );

    // 1. The edit saves although PATCH is refused: the whole record goes by PUT.
    let mut after = before.clone();
    after["title"] = json!("Head of Payroll");
    after["name"]["familyName"] = json!("Adaptive");
    let req = EditRequest {
        provider: "p".into(),
        kind: desk_engine::vocabulary::Kind::User,
        id: id.clone(),
        before: before.clone(),
        after,
    };
    match desk.save_edit(&req).await.unwrap() {
        SaveOutcome::Saved { note, .. } => {
            let note = note.expect("the person is told");
            assert!(
                note.contains("refused changes by PATCH") && note.contains("whole record"),
                "{note}"
            );
        }
        other => panic!("not saved: {other:?}"),
    }
    let stored = client.get("Users", &id).await.unwrap();
    assert_eq!(stored["title"], "Head of Payroll");
    assert_eq!(stored["name"]["familyName"], "Adaptive");
    assert_eq!(stored["userName"], before["userName"], "the rest kept");
    assert_eq!(patches.load(Ordering::SeqCst), 1, "one PATCH tried");

    // 2. Learned, with the answer that taught it, and shown in words.
    let facts = desk.learned_facts("p").unwrap();
    assert_eq!(facts.len(), 1, "{facts:?}");
    assert_eq!(facts[0].fact, Learned::PatchUnsupported);
    assert!(
        facts[0].evidence.starts_with(evidence) && facts[0].evidence.contains("/Users/"),
        "{}",
        facts[0].evidence
    );
    assert!(facts[0].words.contains("learned on"), "{}", facts[0].words);
    assert_eq!(
        desk.preview_edit(&req).await.unwrap().method,
        "PUT",
        "the review says what will be sent"
    );

    // 3. Used from then on: the next edit and a membership change send no PATCH.
    let before2 = desk.resource_detail("p", Kind::User, &id).unwrap().resource;
    let mut after2 = before2.clone();
    after2["title"] = json!("Payroll Lead");
    desk.save_edit(&EditRequest {
        provider: "p".into(),
        kind: desk_engine::vocabulary::Kind::User,
        id: id.clone(),
        before: before2,
        after: after2,
    })
    .await
    .unwrap();
    assert_eq!(
        client.get("Users", &id).await.unwrap()["title"],
        "Payroll Lead"
    );
    let group = desk
        .directory_page(&desk_engine::read::directory::DirectoryQuery {
            provider: "p".into(),
            kind: desk_engine::vocabulary::Kind::Group,
            search: None,
            filter: None,
            sort: None,
            descending: false,
            offset: 0,
            limit: 1,
        })
        .unwrap()
        .rows[0]
        .id
        .clone();
    let newcomer = row[2].id.clone();
    desk.change_membership(&MembershipChange {
        provider: "p".into(),
        group_id: group.clone(),
        add: vec![newcomer.clone()],
        remove: vec![],
    })
    .await
    .unwrap();
    let members = client.get("Groups", &group).await.unwrap()["members"].clone();
    assert!(
        members
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["value"] == json!(newcomer)),
        "{members}"
    );
    assert_eq!(patches.load(Ordering::SeqCst), 1, "no PATCH sent again");

    // 4. Kept across restarts; the person can make SCIM Desk forget it.
    drop(desk);
    let desk = desk_e2e::desk_at(data.path());
    assert!(!desk.saved_profile("p").unwrap().unwrap().patch.supported);
    assert_eq!(desk.learned_facts("p").unwrap().len(), 1);
    assert_eq!(desk.relearn("p").unwrap(), 1);
    assert!(desk.saved_profile("p").unwrap().unwrap().patch.supported);
}

#[tokio::test]
async fn a_patch_answered_501_is_learned_and_the_edit_saves_by_put() {
    patch_refused(Fault::Status(501, None), "HTTP 501 to PATCH").await;
}

#[tokio::test]
async fn a_patch_answered_405_is_learned_and_the_edit_saves_by_put() {
    patch_refused(Fault::Status(405, None), "HTTP 405 to PATCH").await;
}

#[tokio::test]
async fn a_patch_refused_as_not_supported_is_learned_and_the_edit_saves_by_put() {
    patch_refused(
        Fault::Saying(400, "PATCH operations are not supported by this server"),
        "HTTP 400 to PATCH",
    )
    .await;
}

#[tokio::test]
async fn a_patch_refused_for_a_bad_value_is_not_mistaken_for_an_unsupported_one() {
    let server = desk_e2e::seeded_scim2_server(22, 5, 1).await;
    let proxy = Proxy::start(server.base_url()).await;
    proxy.set(|_, method, _| {
        if method == "PATCH" {
            Fault::Saying(400, "title: the value is too long")
        } else {
            Fault::Pass
        }
    });
    let (_data, desk) = desk_e2e::desk_with("p", &proxy.base, &server).await;
    let id = desk_e2e::users_page(&desk, "p", 1).rows[0].id.clone();
    let before = desk.resource_detail("p", Kind::User, &id).unwrap().resource;
    let mut after = before.clone();
    after["title"] = json!("x".repeat(300));
    let err = desk
        .save_edit(&EditRequest {
            provider: "p".into(),
            kind: desk_engine::vocabulary::Kind::User,
            id,
            before,
            after,
        })
        .await
        .unwrap_err();
    assert!(
        err.message().contains("too long") || err.detail().unwrap_or_default().contains("too long"),
        "{}",
        err.message()
    );
    assert!(
        desk.learned_facts("p").unwrap().is_empty(),
        "nothing learned"
    );
}

#[tokio::test]
async fn a_bulk_request_refused_as_unsupported_is_learned_and_the_records_go_one_by_one() {
    let source = desk_e2e::seeded_scim2_server(24, 20, 3).await;
    let target = desk_reference::ReferenceServer::start(desk_reference::ProviderKind::Scim2Server)
        .await
        .unwrap();
    let proxy = Proxy::start(target.base_url()).await;
    let bulks = Arc::new(AtomicUsize::new(0));
    let seen = bulks.clone();
    proxy.set(move |_, method, path| {
        if method == "POST" && path.ends_with("/Bulk") {
            seen.fetch_add(1, Ordering::SeqCst);
            Fault::Status(501, None)
        } else {
            Fault::Pass
        }
    });
    let (_data, desk) = desk_e2e::desk_with("src", source.base_url(), &source).await;
    desk_e2e::add_synced(&desk, "dst", &proxy.base, &target).await;
    let cancel = CancelFlag::new();
    assert!(desk.saved_profile("dst").unwrap().unwrap().bulk.supported);
    let options = desk_engine::migrate::PlanOptions::default();
    let plan = desk.plan_migration("src", "dst", &options).unwrap();
    let run = desk.run_migration(&plan, &cancel, &|_| {}).await.unwrap();
    assert!(run.failed.is_empty(), "{:?}", run.failed);
    assert_eq!(
        target
            .client()
            .list_page("Users", 1, 1, None)
            .await
            .unwrap()
            .total_results,
        Some(20),
        "every person created, once"
    );
    assert_eq!(bulks.load(Ordering::SeqCst), 1, "Bulk tried once");
    let facts = desk.learned_facts("dst").unwrap();
    assert!(
        facts
            .iter()
            .any(|f| f.fact == Learned::BulkUnsupported && f.evidence == "HTTP 501 to POST /Bulk"),
        "{facts:?}"
    );
    assert!(!desk.saved_profile("dst").unwrap().unwrap().bulk.supported);
}

#[tokio::test]
async fn a_sort_or_filter_refused_is_done_here_instead_and_sorting_is_learned() {
    let server = desk_e2e::seeded_scim2_server(25, 12, 1).await;
    let proxy = Proxy::start(server.base_url()).await;
    let refused = Arc::new(AtomicUsize::new(0));
    let count = refused.clone();
    proxy.set(move |_, method, path| {
        if method == "GET" && path.contains("sortBy=") {
            count.fetch_add(1, Ordering::SeqCst);
            Fault::Saying(400, "sorting is not supported")
        } else if method == "GET" && path.contains("filter=title") {
            count.fetch_add(1, Ordering::SeqCst);
            Fault::Saying(400, "invalidFilter: title cannot be filtered on")
        } else {
            Fault::Pass
        }
    });
    let (_data, desk) = desk_e2e::desk_with("p", &proxy.base, &server).await;
    let sorted = desk
        .live_resources("p", Kind::User, None, Some("userName"))
        .await
        .unwrap();
    let names: Vec<String> = sorted
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_lowercase())
        .collect();
    let mut expected = names.clone();
    expected.sort();
    assert_eq!(names.len(), 12);
    assert_eq!(names, expected, "sorted here");
    assert!(desk
        .learned_facts("p")
        .unwrap()
        .iter()
        .any(|f| f.fact == Learned::SortUnsupported));
    // A filter on an attribute the provider refuses: evaluated here, the answer the same.
    let leads = desk
        .live_resources("p", Kind::User, Some("title co \"Lead\""), None)
        .await
        .unwrap();
    let everyone = desk
        .live_resources("p", Kind::User, None, None)
        .await
        .unwrap();
    let want = everyone
        .iter()
        .filter(|u| u["title"].as_str().is_some_and(|t| t.contains("Lead")))
        .count();
    assert_eq!(leads.len(), want);
    assert!(want > 0, "the sample has leads");
    // Refused: the sort once; the filter once, then its one condition tried alone once.
    assert_eq!(refused.load(Ordering::SeqCst), 3);
    assert!(desk
        .learned_facts("p")
        .unwrap()
        .iter()
        .any(|f| f.fact == Learned::FilterRefusedOn("title".into())));
    // From then on the attribute is not sent, and the rest of a filter still is.
    let lead = everyone
        .iter()
        .find(|u| u["title"].as_str().is_some_and(|t| t.contains("Lead")))
        .unwrap();
    let user_name = lead["userName"].as_str().unwrap();
    let filter = format!("userName eq \"{user_name}\" and title co \"Lead\"");
    let found = desk
        .live_resources("p", Kind::User, Some(&filter), None)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["userName"], user_name);
    assert_eq!(refused.load(Ordering::SeqCst), 3, "nothing refused again");
}

#[tokio::test]
async fn the_write_check_learns_on_a_scratch_user_and_cleans_up() {
    let server = desk_e2e::seeded_scim2_server(26, 5, 1).await;
    let proxy = Proxy::start(server.base_url()).await;
    proxy.set(|_, method, _| {
        if method == "PATCH" {
            Fault::Status(501, None)
        } else {
            Fault::DropsAttributes(&["title"])
        }
    });
    let (_data, desk) = desk_e2e::desk_with("p", &proxy.base, &server).await;
    let check = desk.write_check("p").await.unwrap();
    let steps: Vec<(&str, bool)> = check
        .steps
        .iter()
        .map(|s| (s.step.as_str(), s.ok))
        .collect();
    assert_eq!(
        steps,
        [
            ("create", true),
            ("change (PATCH)", true),
            ("replace (PUT)", true),
            ("version check (If-Match)", true),
            ("read back", true),
            ("delete", true)
        ],
        "{:?}",
        check.steps
    );
    assert!(check.cleaned_up);
    assert!(
        check.steps[1].detail.contains("refused changes by PATCH"),
        "{}",
        check.steps[1].detail
    );
    assert!(check
        .learned
        .iter()
        .any(|l| l.fact == Learned::PatchUnsupported));
    assert!(
        check.not_kept.iter().any(|n| n.path == "title"),
        "{:?}",
        check.not_kept
    );
    // Nothing left at the provider.
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
    assert_eq!(left.total_results, Some(0));
}

#[tokio::test]
async fn if_match_ignored_is_found_by_the_write_check_and_changes_made_meanwhile_still_conflict() {
    let server = desk_e2e::seeded_scim2_server(27, 5, 1).await;
    let proxy = Proxy::start(server.base_url()).await;
    proxy.set(|_, _, _| Fault::IgnoresIfMatch);
    let (_data, desk) = desk_e2e::desk_with("p", &proxy.base, &server).await;
    assert!(desk.saved_profile("p").unwrap().unwrap().etag, "advertised");
    let check = desk.write_check("p").await.unwrap();
    let version = check
        .steps
        .iter()
        .find(|s| s.step == "version check (If-Match)")
        .unwrap();
    assert!(
        version.detail.contains("If-Match is ignored"),
        "{}",
        version.detail
    );
    assert!(!desk.saved_profile("p").unwrap().unwrap().etag);
    // Someone changes a record after it was read; the edit of the same attribute is a
    // conflict (the record is read again first), not a silent overwrite.
    let id = desk_e2e::users_page(&desk, "p", 1).rows[0].id.clone();
    let before = desk.resource_detail("p", Kind::User, &id).unwrap().resource;
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "Changed elsewhere"}]});
    server
        .client()
        .patch("Users", &id, &patch, None)
        .await
        .unwrap();
    let mut after = before.clone();
    after["title"] = json!("Mine");
    let out = desk
        .save_edit(&EditRequest {
            provider: "p".into(),
            kind: desk_engine::vocabulary::Kind::User,
            id: id.clone(),
            before,
            after,
        })
        .await
        .unwrap();
    assert!(matches!(out, SaveOutcome::Conflict { .. }), "{out:?}");
    assert_eq!(
        server.client().get("Users", &id).await.unwrap()["title"],
        "Changed elsewhere",
        "nothing overwritten"
    );
}

#[tokio::test]
async fn lookups_ignore_case_here_on_a_provider_comparing_text_case_sensitively() {
    let server = desk_e2e::seeded_scim2_server(27, 12, 1).await;
    let proxy = Proxy::start(server.base_url()).await;
    proxy.set(|_, _, _| Fault::CaseSensitiveEq);
    // The first sync's probe finds the case-sensitive comparison.
    let (_data, desk) = desk_e2e::desk_with("p", &proxy.base, &server).await;
    let everyone = desk
        .live_resources("p", Kind::User, None, None)
        .await
        .unwrap();
    let user_name = everyone[3]["userName"].as_str().unwrap();
    // Standard SCIM: userName ignores case. Sent as is, this provider would find no one.
    let filter = format!("userName eq \"{}\"", user_name.to_uppercase());
    let found = desk
        .live_resources("p", Kind::User, Some(&filter), None)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{filter}");
    assert_eq!(found[0]["userName"], user_name);
    // An id is compared exactly everywhere: still sent to the provider, and found.
    let id = everyone[3]["id"].as_str().unwrap();
    let by_id = desk
        .live_resources("p", Kind::User, Some(&format!("id eq \"{id}\"")), None)
        .await
        .unwrap();
    assert_eq!(by_id.len(), 1);
}

#[tokio::test]
async fn what_the_probes_found_is_reused_until_a_sync_fails_or_the_preset_changes() {
    let server = desk_e2e::seeded_scim2_server(28, 12, 1).await;
    let proxy = Proxy::start(server.base_url()).await;
    // The probe that a lookup of no one finds no one (sent by every probing discovery), and
    // list reads of users failing on demand.
    let probes = Arc::new(AtomicUsize::new(0));
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (seen, fail) = (probes.clone(), failing.clone());
    proxy.set(move |_, method, path| {
        if method == "GET" && path.contains("scim-desk-probe") {
            seen.fetch_add(1, Ordering::SeqCst);
        }
        let list = path
            .split('?')
            .next()
            .unwrap_or_default()
            .ends_with("/Users");
        if fail.load(Ordering::SeqCst) && list {
            Fault::Status(500, None)
        } else {
            Fault::Pass
        }
    });
    let (_data, desk) = desk_e2e::desk_with("p", &proxy.base, &server).await;
    let cancel = CancelFlag::new();
    let sync = || desk.sync("p", &cancel, &|_| {});
    assert_eq!(probes.load(Ordering::SeqCst), 1, "the first sync probes");
    let report = sync().await.unwrap();
    assert_eq!(report.users, 12);
    assert_eq!(
        probes.load(Ordering::SeqCst),
        1,
        "the same documents a minute later: the findings are reused"
    );
    // A failed sync forgets them: the provider may have changed how it behaves.
    failing.store(true, Ordering::SeqCst);
    sync().await.unwrap_err();
    failing.store(false, Ordering::SeqCst);
    sync().await.unwrap();
    assert_eq!(
        probes.load(Ordering::SeqCst),
        2,
        "probed again after a failure"
    );
    sync().await.unwrap();
    assert_eq!(probes.load(Ordering::SeqCst), 2);
    // Another preset is another profile: probed again.
    desk.set_preset("p", scim_client::Preset::Okta).unwrap();
    sync().await.unwrap();
    assert_eq!(
        probes.load(Ordering::SeqCst),
        3,
        "probed again for a new preset"
    );
}
