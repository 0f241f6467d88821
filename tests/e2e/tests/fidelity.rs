//! Write fidelity: a target that accepts writes with 2xx but silently keeps only some
//! attributes (title, phone numbers and the type of an e-mail dropped, through the harness's
//! quirk proxy). A migration converges: verify after the run finds 0 differences and lists what
//! the target does not keep, a re-plan has 0 operations, and an edit is warned before and told
//! after.

use desk_e2e::faults::{Fault, Proxy};
use desk_engine::migrate::PlanOptions;
use desk_engine::vocabulary::CancelFlag;
use desk_engine::vocabulary::Kind;
use desk_engine::write::edit::{EditRequest, SaveOutcome};
use desk_reference::{ProviderKind, ReferenceServer};
use serde_json::json;

const DROPPED: &[&str] = &["title", "phoneNumbers", "emails.type"];

#[tokio::test]
async fn a_target_that_keeps_only_some_attributes_converges() {
    let source = desk_e2e::seeded_scim2_server(31, 30, 4).await;
    let target = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let proxy = Proxy::start(target.base_url()).await;
    proxy.set(|_, _, _| Fault::DropsAttributes(DROPPED));
    let (_data, desk) = desk_e2e::desk_with("src", source.base_url(), &source).await;
    desk_e2e::add_synced(&desk, "dst", &proxy.base, &target).await;
    let cancel = CancelFlag::new();
    let options = PlanOptions::default();
    let plan = desk.plan_migration("src", "dst", &options).unwrap();
    assert!(plan.operations.len() >= 30, "{}", plan.operations.len());
    let run = desk.run_migration(&plan, &cancel, &|_| {}).await.unwrap();
    assert!(run.failed.is_empty(), "{:?}", run.failed);
    // The target really dropped them.
    let stored = target
        .client()
        .list_page("Users", 1, 5, None)
        .await
        .unwrap()
        .resources;
    assert!(
        stored.iter().all(|u| u.get("title").is_none()),
        "{stored:?}"
    );

    // Verify: everything the target keeps matches; what it does not keep is listed apart.
    let verified = desk
        .verify_migration("src", "dst", &options, &|_| {})
        .await
        .unwrap();
    assert_eq!(
        verified.operations.len(),
        0,
        "{:?}",
        verified
            .operations
            .iter()
            .map(|o| (
                &o.op,
                &o.label,
                o.changes.iter().map(|c| &c.path).collect::<Vec<_>>()
            ))
            .take(5)
            .collect::<Vec<_>>()
    );
    let mut lost: Vec<&str> = verified.not_kept.iter().map(|n| n.path.as_str()).collect();
    lost.sort_unstable();
    assert_eq!(
        lost,
        ["emails.type", "phoneNumbers", "title"],
        "{:?}",
        verified.not_kept
    );
    assert!(verified.not_kept.iter().all(|n| n.records > 0));
    assert!(
        verified
            .warnings
            .iter()
            .any(|w| w.contains("accepts but does not keep")),
        "{:?}",
        verified.warnings
    );
    // A re-plan proposes nothing that cannot stick.
    let again = desk.plan_migration("src", "dst", &options).unwrap();
    assert_eq!(again.operations.len(), 0);

    // An edit of the title at the target: warned before, told after.
    let id = desk_e2e::users_page(&desk, "dst", 1).rows[0].id.clone();
    let before = desk
        .resource_detail("dst", Kind::User, &id)
        .unwrap()
        .resource;
    let mut after = before.clone();
    after["title"] = json!("Chief Convergence Officer");
    after["nickName"] = json!("Conv");
    let req = EditRequest {
        provider: "dst".into(),
        kind: desk_engine::vocabulary::Kind::User,
        id,
        before,
        after,
    };
    let preview = desk.preview_edit(&req).await.unwrap();
    assert!(
        preview
            .warnings
            .iter()
            .any(|w| w.contains("“title”") && w.contains("probably not stick")),
        "{:?}",
        preview.warnings
    );
    match desk.save_edit(&req).await.unwrap() {
        SaveOutcome::Saved { not_kept, .. } => assert_eq!(not_kept, ["title"]),
        other => panic!("not saved: {other:?}"),
    }
}
