//! The whole scenario against each quirk of the harness's proxy (real providers' behaviours,
//! see `desk_e2e::faults::Fault`): add, test, sync, migrate in from a seeded provider, verify,
//! re-plan (0 operations), offline filter, edit and undo. Each either passes or ends with the
//! provider's refusal in words and what the person can do (here: a mapping rule, then it passes).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use desk_e2e::faults::{Fault, Proxy};
use desk_engine::api::ProviderInput;
use desk_engine::migrate::{MappingRules, PlanOptions};
use desk_engine::vocabulary::CancelFlag;
use desk_engine::vocabulary::Kind;
use desk_engine::write::edit::{EditRequest, SaveOutcome};
use desk_reference::{ProviderKind, ReferenceServer};
use serde_json::json;

/// How often (every Nth request) the rate-limited quirk answers 429.
const EVERY: usize = 9;

/// One step of the scenario failed: which, and what was said.
fn failed(step: &str, e: impl std::fmt::Display) -> String {
    format!("{step}: {e}")
}

/// Runs the scenario with `quirk` in front of the target; the number of steps passed, or the
/// step that failed and why.
async fn scenario(
    kind: ProviderKind,
    quirk: fn(&str) -> Fault,
    rate_limited: bool,
    rules: Option<MappingRules>,
) -> Result<(u32, Vec<String>), String> {
    let source = desk_e2e::seeded_scim2_server(41, 25, 3).await;
    // People whose addresses are not plain ASCII (common in any real directory).
    for (user, email) in [
        ("zoe.muller", "zoë.müller@example.com"),
        ("lukasz.zolc", "łukasz.żółć@example.com"),
    ] {
        source
            .client()
            .create(
                "Users",
                &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                        "userName": user, "active": true,
                        "name": {"givenName": "A", "familyName": "B"},
                        "emails": [{"value": email, "type": "work", "primary": true}]}),
            )
            .await
            .unwrap();
    }
    let target = ReferenceServer::start(kind).await.unwrap();
    let proxy = Proxy::start(target.base_url()).await;
    let n = Arc::new(AtomicUsize::new(0));
    proxy.set(move |_, method, path| {
        if rate_limited && n.fetch_add(1, Ordering::SeqCst) % EVERY == EVERY - 1 {
            Fault::Status(429, Some(1))
        } else if path.ends_with("/Bulk") {
            // A quirk can tell a Bulk request from the others.
            quirk("BULK")
        } else {
            quirk(method)
        }
    });
    let data = tempfile::tempdir().unwrap();
    let desk = desk_e2e::desk_at(data.path());
    let cancel = CancelFlag::new();
    let mut steps = 0;
    // 1. Add both.
    desk.add_provider(ProviderInput::bearer(
        "src",
        source.base_url(),
        Some(source.token().expose()),
    ))
    .map_err(|e| failed("add", e.message()))?;
    desk.add_provider(ProviderInput::bearer(
        "dst",
        &proxy.base,
        Some(target.token().expose()),
    ))
    .map_err(|e| failed("add", e.message()))?;
    steps += 1;
    // 2. Test the connection.
    desk.test_provider("dst")
        .await
        .map_err(|e| failed("test", e.message()))?;
    steps += 1;
    // 3. Sync both.
    for p in ["src", "dst"] {
        desk.sync(p, &cancel, &|_| {})
            .await
            .map_err(|e| failed("sync", e.message()))?;
    }
    steps += 1;
    // 4. Migrate in: plan and run.
    let options = PlanOptions {
        rules: rules.unwrap_or_default(),
        ..Default::default()
    };
    let plan = desk
        .plan_migration("src", "dst", &options)
        .map_err(|e| failed("plan", e.message()))?;
    let run = desk
        .run_migration(&plan, &cancel, &|_| {})
        .await
        .map_err(|e| failed("run", e.message()))?;
    if let Some(f) = run.failed.first() {
        return Err(failed(
            "run",
            format!("{} {}: {}", f.op, f.label, f.message),
        ));
    }
    steps += 1;
    // 5. Verify: 0 differences.
    let verified = desk
        .verify_migration("src", "dst", &options, &|_| {})
        .await
        .map_err(|e| failed("verify", format!("{} ({e:?})", e.message())))?;
    if !verified.operations.is_empty() {
        return Err(failed(
            "verify",
            format!(
                "{} differences, first {:?}",
                verified.operations.len(),
                verified.operations[0].changes
            ),
        ));
    }
    steps += 1;
    // 6. Re-plan: 0 operations.
    let again = desk
        .plan_migration("src", "dst", &options)
        .map_err(|e| failed("re-plan", e.message()))?;
    if !again.operations.is_empty() {
        return Err(failed(
            "re-plan",
            format!("{} operations", again.operations.len()),
        ));
    }
    steps += 1;
    // 7. Offline filter: the target's copy answers as the source's.
    let active = |p: &str| {
        desk.offline_resources(p, Kind::User, Some("active eq true"), None)
            .map(|v| v.len())
    };
    let (s, t) = (
        active("src").map_err(|e| failed("offline filter", e.message()))?,
        active("dst").map_err(|e| failed("offline filter", e.message()))?,
    );
    if s != t || s == 0 {
        return Err(failed(
            "offline filter",
            format!("{t} active at the target, {s} at the source"),
        ));
    }
    steps += 1;
    // 8. Edit and undo at the target.
    let id = desk_e2e::users_page(&desk, "dst", 1).rows[0].id.clone();
    let before = desk
        .resource_detail("dst", Kind::User, &id)
        .map_err(|e| failed("edit", e.message()))?
        .resource;
    let mut after = before.clone();
    after["displayName"] = json!("Quirk Tested");
    let req = EditRequest {
        provider: "dst".into(),
        kind: desk_engine::vocabulary::Kind::User,
        id: id.clone(),
        before: before.clone(),
        after,
    };
    match desk
        .save_edit(&req)
        .await
        .map_err(|e| failed("edit", e.message()))?
    {
        SaveOutcome::Saved { .. } => {}
        other => return Err(failed("edit", format!("{other:?}"))),
    }
    let stored = target
        .client()
        .get("Users", &id)
        .await
        .map_err(|e| failed("edit", e))?;
    if stored["displayName"] != "Quirk Tested" {
        return Err(failed("edit", format!("stored {}", stored["displayName"])));
    }
    desk.undo_last("dst")
        .await
        .map_err(|e| failed("undo", e.message()))?;
    let stored = target
        .client()
        .get("Users", &id)
        .await
        .map_err(|e| failed("undo", e))?;
    if stored["displayName"] != before["displayName"] {
        return Err(failed("undo", format!("stored {}", stored["displayName"])));
    }
    steps += 1;
    let learned = desk
        .learned_facts("dst")
        .map_err(|e| failed("learned", e.message()))?
        .into_iter()
        .map(|f| f.words)
        .collect();
    Ok((steps, learned))
}

/// The scenario's steps.
const STEPS: u32 = 8;

/// The providers each quirk is put in front of: a reference server and SCIM Desk's own embedded
/// provider (the demo of the installed app), which must hold up to the same client the same way.
const TARGETS: [ProviderKind; 2] = [ProviderKind::Scim2Server, ProviderKind::Embedded];

/// Runs the scenario against each target; what SCIM Desk learned on the way (from the first).
async fn passes(name: &str, quirk: fn(&str) -> Fault, rate_limited: bool) -> Vec<String> {
    let mut first = None;
    for kind in TARGETS {
        match scenario(kind, quirk, rate_limited, None).await {
            Ok((steps, learned)) => {
                assert_eq!(steps, STEPS);
                eprintln!("QUIRK {name} ({kind:?}): {steps}/{STEPS} steps; learned: {learned:?}");
                first.get_or_insert(learned);
            }
            Err(e) => panic!("{name} in front of {kind:?}: {e}"),
        }
    }
    first.unwrap_or_default()
}

#[tokio::test]
async fn patch_answered_501_while_advertised() {
    let learned = passes(
        "PATCH 501",
        |m| {
            if m == "PATCH" {
                Fault::Status(501, None)
            } else {
                Fault::Pass
            }
        },
        false,
    )
    .await;
    assert!(
        learned
            .iter()
            .any(|w| w.contains("changes (PATCH): not supported")),
        "{learned:?}"
    );
}

#[tokio::test]
async fn patch_answered_405_while_advertised() {
    passes(
        "PATCH 405",
        |m| {
            if m == "PATCH" {
                Fault::Status(405, None)
            } else {
                Fault::Pass
            }
        },
        false,
    )
    .await;
}

#[tokio::test]
async fn attributes_silently_dropped() {
    passes(
        "attributes dropped",
        |_| Fault::DropsAttributes(&["title", "phoneNumbers", "emails.type", "nickName"]),
        false,
    )
    .await;
}

#[tokio::test]
async fn writes_answered_with_an_empty_body() {
    passes("empty write answers", |_| Fault::EmptyWriteBody, false).await;
}

#[tokio::test]
async fn total_results_left_out() {
    passes("no totalResults", |_| Fault::NoTotalResults, false).await;
}

#[tokio::test]
async fn pages_capped_below_what_was_asked() {
    passes("count capped at 7", |_| Fault::CountCapped(7), false).await;
}

#[tokio::test]
async fn last_modified_left_out() {
    passes("no meta.lastModified", |_| Fault::NoLastModified, false).await;
}

#[tokio::test]
async fn no_location_on_creates() {
    passes("no Location", |_| Fault::NoLocation, false).await;
}

#[tokio::test]
async fn rate_limited_with_retry_after() {
    passes("429 with Retry-After", |_| Fault::Pass, true).await;
}

#[tokio::test]
async fn accented_emails_refused_then_fixed_with_a_rule() {
    // Without a rule: the run stops short on those records, with the provider's reason.
    let err = scenario(
        ProviderKind::Scim2Server,
        |_| Fault::RefusesNonAsciiEmails,
        false,
        None,
    )
    .await
    .unwrap_err();
    assert!(
        err.starts_with("run:") && err.contains("must contain only ASCII"),
        "{err}"
    );
    // With the rule the person adds (plain letters for e-mail addresses): it passes.
    let rules: MappingRules = serde_json::from_value(json!({
        "users": [{"attribute": "emails.value", "transform": "ascii"}]
    }))
    .unwrap();
    let (steps, _) = scenario(
        ProviderKind::Scim2Server,
        |_| Fault::RefusesNonAsciiEmails,
        false,
        Some(rules),
    )
    .await
    .unwrap();
    assert_eq!(steps, STEPS);
    eprintln!("QUIRK non-ASCII e-mails refused: {steps}/{STEPS} steps with an ascii rule");
}

#[tokio::test]
async fn if_match_ignored_while_etags_are_advertised() {
    passes("If-Match ignored", |_| Fault::IgnoresIfMatch, false).await;
}

#[tokio::test]
async fn filters_on_a_few_attributes_only() {
    passes(
        "filters on userName, externalId and id only",
        |_| Fault::FiltersOnly(&["userName", "externalId", "id"]),
        false,
    )
    .await;
}

#[tokio::test]
async fn group_members_only_through_patch() {
    passes(
        "members only by PATCH",
        |_| Fault::MembersOnlyByPatch,
        false,
    )
    .await;
}

#[tokio::test]
async fn member_adds_refused_above_a_limit() {
    passes(
        "member adds at most 4 per request",
        |_| Fault::MemberAddsAtMost(4),
        false,
    )
    .await;
}

#[tokio::test]
async fn an_attribute_required_but_not_in_the_schemas_then_filled_with_a_rule() {
    // Creates one by one (Bulk refused), each refused without a nickname.
    let quirk: fn(&str) -> Fault = |m| {
        if m == "BULK" {
            Fault::Status(501, None)
        } else {
            Fault::Requires("nickName")
        }
    };
    let err = scenario(ProviderKind::Scim2Server, quirk, false, None)
        .await
        .unwrap_err();
    assert!(
        err.starts_with("run:") && err.contains("nickName is required"),
        "{err}"
    );
    // The rule the reason calls for (a value when empty): it passes.
    let rules: MappingRules = serde_json::from_value(json!({
        "users": [{"attribute": "nickName", "transform": "default", "value": "n/a"}]
    }))
    .unwrap();
    let (steps, _) = scenario(ProviderKind::Scim2Server, quirk, false, Some(rules))
        .await
        .unwrap();
    assert_eq!(steps, STEPS);
    eprintln!(
        "QUIRK required attribute not in /Schemas: {steps}/{STEPS} steps with a default rule"
    );
}

#[tokio::test]
async fn start_index_counted_from_zero() {
    // Asked for 1, the provider starts at its second record: the first read after the
    // migration comes back one short, finds the missing first record at 0 and learns it.
    let learned = passes("startIndex from 0", |_| Fault::StartIndexFromZero, false).await;
    assert!(
        learned.iter().any(|w| w.contains("counts from 0")),
        "{learned:?}"
    );
}

#[tokio::test]
async fn total_results_is_the_size_of_the_page() {
    // Pages of 10 announcing a total of 10: taken at its word, a read of 27 people would stop
    // after the first page and call 10 complete.
    let learned = passes(
        "totalResults = page size (10)",
        |_| Fault::TotalIsPageSize(10),
        false,
    )
    .await;
    assert!(
        learned
            .iter()
            .any(|w| w.contains("lower than what it lists")),
        "{learned:?}"
    );
}

#[tokio::test]
async fn user_names_longer_than_allowed_refused_then_shortened_with_a_rule() {
    let quirk: fn(&str) -> Fault = |m| {
        if m == "BULK" {
            Fault::Status(501, None)
        } else {
            Fault::UserNameAtMost(8)
        }
    };
    let err = scenario(ProviderKind::Scim2Server, quirk, false, None)
        .await
        .unwrap_err();
    assert!(
        err.starts_with("run:") && err.contains("at most 8 characters"),
        "{err}"
    );
    let rules: MappingRules = serde_json::from_value(json!({
        "users": [{"attribute": "userName", "transform": "truncate", "max": 8}]
    }))
    .unwrap();
    let (steps, _) = scenario(ProviderKind::Scim2Server, quirk, false, Some(rules))
        .await
        .unwrap();
    assert_eq!(steps, STEPS);
    eprintln!("QUIRK userName length limited: {steps}/{STEPS} steps with a truncate rule");
}

#[tokio::test]
async fn case_sensitive_eq() {
    passes("case-sensitive eq", |_| Fault::CaseSensitiveEq, false).await;
}

/// Syncs 1,500 seeded users through the proxy's token bucket (8 requests a second, 3 at
/// once; the quota stated in the IETF fields or not); the proxy, to count what it saw.
async fn sync_through_a_bucket(seed: u64, fields: bool) -> Proxy {
    let source = desk_e2e::seeded_scim2_server(seed, 1500, 0).await;
    let proxy = Proxy::start(source.base_url()).await;
    proxy.limit_rate(8.0, 3, fields);
    let data = tempfile::tempdir().unwrap();
    let desk = desk_e2e::desk_at(data.path());
    desk.add_provider(ProviderInput::bearer(
        "limited",
        &proxy.base,
        Some(source.token().expose()),
    ))
    .unwrap();
    let report = desk
        .sync("limited", &CancelFlag::new(), &|_| {})
        .await
        .unwrap();
    assert_eq!(report.users, 1500);
    assert!(report.completeness.complete, "{:?}", report.completeness);
    proxy
}

/// A sync through a token bucket (8 requests a second, 3 at once) that states its quota in
/// the IETF rate-limit fields: SCIM Desk spends the burst, then keeps to the rate the fields
/// give, and the provider never has to refuse a request (before the pacer, the pager's four
/// requests in flight emptied the bucket and drew a 429 each time it did).
#[tokio::test]
async fn a_stated_rate_limit_is_kept_to_with_no_refusal() {
    let proxy = sync_through_a_bucket(43, true).await;
    let seen = proxy.seen.load(Ordering::SeqCst);
    assert!(
        seen > 20,
        "the sync sent {seen} requests: more than the burst"
    );
    assert_eq!(proxy.limited.load(Ordering::SeqCst), 0, "429s sent");
}

/// The same bucket stating nothing but a 429's `Retry-After`: the refusals are waited out
/// and the copy is whole.
#[tokio::test]
async fn a_rate_limit_said_only_by_retry_after_is_waited_out_and_the_copy_is_whole() {
    let proxy = sync_through_a_bucket(44, false).await;
    let (seen, limited) = (
        proxy.seen.load(Ordering::SeqCst),
        proxy.limited.load(Ordering::SeqCst),
    );
    eprintln!("{seen} requests, {limited} refused");
    assert!(limited >= 1, "the bucket ran out at least once");
}
