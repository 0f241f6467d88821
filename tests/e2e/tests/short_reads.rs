//! Providers that stop short of what they announce. A list whose pages end before its
//! `totalResults` (an empty page, a cursor that runs out) makes an incomplete copy: it is
//! labelled with how many were read of how many announced, it never justifies a deactivation
//! or a deletion, and an incremental sync never removes records on the strength of a short
//! listing of ids. Index and cursor paging, full and incremental, through the fault proxy in
//! front of scim2-server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;

use desk_e2e::faults::{Fault, Proxy};
use desk_engine::api::ProviderInput;
use desk_engine::migrate::{PlanOptions, TargetOnly};
use desk_engine::read::completeness::{ReadEnd, ReadWhat};
use desk_engine::vocabulary::CancelFlag;
use desk_engine::{Desk, ProfileOverrides};
use desk_reference::ReferenceServer;

const PEOPLE: usize = 300;

async fn seeded(seed: u64) -> ReferenceServer {
    desk_e2e::seeded_scim2_server(seed, PEOPLE, 4).await
}

fn desk(data: &std::path::Path) -> Desk {
    desk_e2e::desk_at(data)
}

/// Paging by index (`cursor=no`) or by cursor (`cursor=yes`), 100 per page.
fn page_by(desk: &Desk, name: &str, cursor: bool) {
    desk.set_overrides(
        name,
        &ProfileOverrides {
            cursor: Some(cursor),
            page_size: Some(100),
            ..Default::default()
        },
    )
    .unwrap();
}

/// The `startIndex` of a list request, when it has one.
fn start_index(path: &str) -> Option<u64> {
    let q = path.split_once('?')?.1;
    q.split('&')
        .find_map(|kv| kv.strip_prefix("startIndex="))
        .and_then(|v| v.parse().ok())
}

fn users_list(method: &str, path: &str) -> bool {
    method == "GET" && path.contains("/Users?")
}

fn page_of_users(desk: &Desk, name: &str) -> desk_engine::read::directory::DirectoryPage {
    desk_e2e::users_page(desk, name, 5)
}

fn deactivate_target_only() -> PlanOptions {
    PlanOptions {
        target_only: TargetOnly::Deactivate,
        ..Default::default()
    }
}

fn ops_named(plan: &desk_engine::migrate::MigrationPlan, op: &str) -> usize {
    plan.operations
        .iter()
        .filter(|o| o.op.as_str() == op)
        .count()
}

/// The source's pages stop after 200 of the 300 people it announces. The target holds all
/// 300: taken at face value, the 100 unread people would look "only at the target" and be
/// deactivated there.
#[tokio::test]
async fn a_short_read_by_index_or_cursor_is_labelled_and_deactivates_nobody() {
    let source = seeded(41).await;
    let target = seeded(41).await;
    let proxy = Proxy::start(source.base_url()).await;
    let data = tempfile::tempdir().unwrap();
    let desk = desk(data.path());
    desk.add_provider(ProviderInput::bearer(
        "src",
        &proxy.base,
        Some(source.token().expose()),
    ))
    .unwrap();
    desk.add_provider(ProviderInput::bearer(
        "dst",
        target.base_url(),
        Some(target.token().expose()),
    ))
    .unwrap();
    desk.sync("dst", &CancelFlag::new(), &|_| {}).await.unwrap();

    for (how, cursor) in [("index", false), ("cursor", true)] {
        page_by(&desk, "src", cursor);
        let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let s = seen.clone();
        proxy.set(move |_, m, p| {
            if !users_list(m, p) {
                return Fault::Pass;
            }
            if cursor {
                // The second page of users read by cursor (discovery's probes page by index)
                // comes without a next cursor.
                if !p.contains("cursor=") {
                    return Fault::Pass;
                }
                let n = s.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if n == 1 {
                    Fault::NoNextCursor
                } else {
                    Fault::Pass
                }
            } else if start_index(p).is_some_and(|i| i > 200) {
                Fault::EmptyList
            } else {
                Fault::Pass
            }
        });
        let report = desk.sync("src", &CancelFlag::new(), &|_| {}).await.unwrap();
        let c = &report.completeness;
        assert!(
            !c.complete,
            "{how}: 200 of 300 read is not a complete copy: {c:?}"
        );
        assert_eq!(
            c.warning.as_deref(),
            Some("Incomplete copy: 200 of 300 users"),
            "{how}: the label says how many of how many"
        );
        let users = c.reads.iter().find(|r| r.what == ReadWhat::Users).unwrap();
        assert_eq!(
            (users.end, users.read, users.announced),
            (
                if cursor {
                    ReadEnd::CursorEnded
                } else {
                    ReadEnd::EmptyPage
                },
                200,
                Some(300)
            ),
            "{how}: how the read ended is recorded"
        );
        // The window's directory shows the same label from the stored copy.
        let page = page_of_users(&desk, "src");
        assert_eq!(page.total, 200, "{how}: what was read is browsable");
        assert_eq!(
            page.completeness.and_then(|c| c.warning).as_deref(),
            Some("Incomplete copy: 200 of 300 users"),
            "{how}: the stored copy keeps its label"
        );
        // A plan asked to deactivate target-only users deactivates nobody, and says why.
        let plan = desk
            .plan_migration("src", "dst", &deactivate_target_only())
            .unwrap();
        assert_eq!(
            plan.counts.get("only_in_target").copied(),
            Some(100),
            "{how}: the unread 100 look target-only"
        );
        assert_eq!(
            ops_named(&plan, "deactivate_user"),
            0,
            "{how}: an incomplete copy never justifies a deactivation"
        );
        assert!(
            plan.warnings
                .iter()
                .any(|w| w.contains("src: Incomplete copy: 200 of 300 users")),
            "{how}: the plan names the incomplete copy: {:?}",
            plan.warnings
        );
        // A saved plan edited to deactivate anyway is refused before anything is sent.
        let mut forced = plan.clone();
        // An active person the short read left out.
        let mut victim = None;
        for id in plan
            .matches
            .iter()
            .filter(|m| m.tag == desk_engine::migrate::MatchTag::OnlyInTarget)
            .filter_map(|m| m.target_id.clone())
        {
            let u = target.client().get("Users", &id).await.unwrap();
            if u["active"] == serde_json::json!(true) {
                victim = Some(id);
                break;
            }
        }
        let victim = victim.expect("an active person among the 100 unread");
        forced.operations.push(desk_engine::migrate::PlanOperation {
            seq: forced.operations.len() as u32 + 1,
            op: desk_engine::migrate::Operation::DeactivateUser,
            label: "forced".into(),
            source_id: String::new(),
            target_id: Some(victim.clone()),
            data: serde_json::json!({"active": false}),
            changes: Vec::new(),
        });
        let err = desk
            .run_migration(&forced, &CancelFlag::new(), &|_| {})
            .await
            .expect_err("a removal planned from an incomplete copy must be refused");
        assert!(
            err.message().contains("not complete") && err.message().contains("Nothing was sent"),
            "{how}: {}",
            err.message()
        );
        let still = target.client().get("Users", &victim).await.unwrap();
        assert_eq!(
            still["active"],
            serde_json::json!(true),
            "{how}: nobody deactivated at the target"
        );
    }

    // The provider sends everything again: the copy is complete and nobody is target-only.
    proxy.set(|_, _, _| Fault::Pass);
    let report = desk.sync("src", &CancelFlag::new(), &|_| {}).await.unwrap();
    assert!(report.completeness.complete, "{:?}", report.completeness);
    assert!(page_of_users(&desk, "src")
        .completeness
        .unwrap()
        .warning
        .is_none());
    let plan = desk
        .plan_migration("src", "dst", &deactivate_target_only())
        .unwrap();
    assert_eq!(plan.counts.get("only_in_target"), None);
    assert_eq!(ops_named(&plan, "deactivate_user"), 0);
}

/// An incremental sync lists every id to find deletions. A listing that stops short removes
/// nothing: the 200 people it did not list are still in the copy, which is labelled.
#[tokio::test]
async fn a_short_id_listing_removes_nothing_from_the_copy() {
    let source = seeded(42).await;
    let proxy = Proxy::start(source.base_url()).await;
    let data = tempfile::tempdir().unwrap();
    let desk = desk(data.path());
    desk.add_provider(ProviderInput::bearer(
        "p",
        &proxy.base,
        Some(source.token().expose()),
    ))
    .unwrap();
    for (how, cursor) in [("index", false), ("cursor", true)] {
        page_by(&desk, "p", cursor);
        proxy.set(|_, _, _| Fault::Pass);
        let full = desk.sync("p", &CancelFlag::new(), &|_| {}).await.unwrap();
        assert!(full.completeness.complete, "{how}: {:?}", full.completeness);
        assert_eq!(full.users, PEOPLE as u32);
        // Only the id listing of users is cut after its first page of 100.
        let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let s = seen.clone();
        proxy.set(move |_, m, p| {
            let id_listing = users_list(m, p) && p.contains("attributes=id");
            if id_listing && s.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= 1 {
                Fault::EmptyList
            } else {
                Fault::Pass
            }
        });
        let inc = desk
            .sync_with("p", true, &CancelFlag::new(), &|_| {})
            .await
            .unwrap();
        assert_eq!(inc.kind, "incremental", "{how}: {:?}", inc.notes);
        assert_eq!(
            inc.users, PEOPLE as u32,
            "{how}: no one removed on the strength of a short listing"
        );
        assert_eq!(page_of_users(&desk, "p").total, PEOPLE as u32, "{how}");
        assert!(!inc.completeness.complete, "{how}");
        assert_eq!(
            inc.completeness.warning.as_deref(),
            Some("Incomplete copy: the check for deleted users stopped at 100 of 300 ids"),
            "{how}"
        );
        // An incremental sync on top of an incomplete copy stays incomplete, even when all
        // its own reads finish.
        proxy.set(|_, _, _| Fault::Pass);
        let again = desk
            .sync_with("p", true, &CancelFlag::new(), &|_| {})
            .await
            .unwrap();
        assert!(
            again
                .completeness
                .reads
                .iter()
                .any(|r| r.end == ReadEnd::IncompleteBase),
            "{how}: {:?}",
            again.completeness
        );
        assert!(!again.completeness.complete, "{how}");
    }
}

/// An incremental sync asks for what changed since the last *read*. An edit made through SCIM
/// Desk after that read updates its record in the copy with a newer lastModified; a change
/// someone else made at the provider in between must still be read (before the fix, the
/// newest lastModified of the copy was used, and that change was missed for good).
#[tokio::test]
async fn an_edit_through_scim_desk_does_not_hide_changes_made_elsewhere_since_the_last_read() {
    use desk_engine::write::edit::{EditRequest, SaveOutcome};
    let server = seeded(33).await;
    let data = tempfile::tempdir().unwrap();
    let desk = desk(data.path());
    desk_e2e::add_synced(&desk, "p", server.base_url(), &server).await;
    let rows = page_of_users(&desk, "p").rows;
    let (elsewhere, here) = (rows[0].id.clone(), rows[1].id.clone());
    // Someone else changes a user at the provider...
    let client = server.client();
    let mut u = client.get("Users", &elsewhere).await.unwrap();
    u["title"] = serde_json::json!("Changed elsewhere");
    client.replace("Users", &elsewhere, &u, None).await.unwrap();
    // ... then, a moment later (lastModified counts seconds), an edit through SCIM Desk.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let before = desk
        .resource_detail("p", desk_engine::vocabulary::Kind::User, &here)
        .unwrap()
        .resource;
    let mut after = before.clone();
    after["title"] = serde_json::json!("Changed here");
    let saved = desk
        .save_edit(&EditRequest {
            provider: "p".into(),
            kind: desk_engine::vocabulary::Kind::User,
            id: here.clone(),
            before,
            after,
        })
        .await
        .unwrap();
    assert!(matches!(saved, SaveOutcome::Saved { .. }), "{saved:?}");
    let inc = desk
        .sync_with("p", true, &CancelFlag::new(), &|_| {})
        .await
        .unwrap();
    assert_eq!(inc.kind, "incremental", "{:?}", inc.notes);
    let copy = |id: &str| {
        desk.resource_detail("p", desk_engine::vocabulary::Kind::User, id)
            .unwrap()
            .resource["title"]
            .clone()
    };
    assert_eq!(copy(&elsewhere), "Changed elsewhere");
    assert_eq!(copy(&here), "Changed here");
}
