//! A fault proxy on 127.0.0.1 in front of the reference providers: it passes requests through
//! to scim2-server or SCIMMY and, on a schedule the test sets, answers instead with a 429 storm
//! (Retry-After), 500/502/503, a reset connection, truncated or malformed JSON, an HTML page, or
//! a body far too large. Sync and migration either recover within their limits or stop with a
//! clear error; a failed sync publishes nothing; a migration resumed after the faults ends with
//! every record exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use desk_e2e::faults::{Fault, Proxy};
use desk_engine::api::ProviderInput;
use desk_engine::migrate::PlanOptions;
use desk_engine::vocabulary::CancelFlag;
use desk_engine::Desk;
use desk_reference::sample::generate;
use desk_reference::{ProviderKind, ReferenceServer};

fn desk(data: &std::path::Path) -> Desk {
    desk_e2e::desk_at(data)
}

fn add(desk: &Desk, name: &str, base: &str, token: &str) {
    desk.add_provider(ProviderInput::bearer(name, base, Some(token)))
        .unwrap();
}

/// scim2-server seeded with the sample directory, the fault proxy in front of it, and a desk
/// on a fresh data folder with provider "p" going through the proxy.
async fn behind_proxy(
    seed: u64,
    users: usize,
    groups: usize,
) -> (ReferenceServer, Proxy, tempfile::TempDir, Desk) {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let dir = generate(seed, users, groups);
    desk_reference::seed::seed(&server.client(), &dir, |_, _| {})
        .await
        .unwrap();
    let proxy = Proxy::start(server.base_url()).await;
    let data = tempfile::tempdir().unwrap();
    let desk = desk(data.path());
    desk.add_provider(ProviderInput::bearer(
        "p",
        &proxy.base,
        Some(server.token().expose()),
    ))
    .unwrap();
    (server, proxy, data, desk)
}

/// How many users the last complete copy of "p" holds.
fn users_in_copy(desk: &Desk) -> u32 {
    desk_e2e::users_page(desk, "p", 5).total
}

fn is_list(method: &str, path: &str) -> bool {
    method == "GET" && path.contains("/Users?")
}

#[tokio::test]
async fn sync_recovers_from_what_it_may_and_publishes_nothing_otherwise() {
    let (_server, proxy, data, desk) = behind_proxy(5, 450, 6).await;
    let sync = || async { desk.sync("p", &CancelFlag::new(), &|_| {}).await };
    let snapshots = || {
        let db = desk_store::Database::open(&desk_e2e::database_at(data.path())).unwrap();
        let id = db.provider("p").unwrap().id;
        db.snapshots(id).unwrap().len()
    };
    // A clean sync first: the copy every failed sync must leave alone.
    assert_eq!(sync().await.unwrap().users, 450);
    let published = snapshots();

    // Recovered within limits: a short 429 storm with Retry-After, a 503, a reset list page.
    for (what, fault) in [
        ("429 storm", Fault::Status(429, Some(1))),
        ("503", Fault::Status(503, None)),
        ("reset", Fault::Reset),
    ] {
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        proxy.set(move |_, m, p| {
            // The first two list requests fail, then the provider answers again.
            if is_list(m, p) && h.fetch_add(1, Ordering::SeqCst) < 2 {
                fault
            } else {
                Fault::Pass
            }
        });
        let report = sync()
            .await
            .unwrap_or_else(|e| panic!("{what}: {}", e.message()));
        assert_eq!(report.users, 450, "{what}");
    }
    // Each of the three recovered syncs published its own copy (5 are kept).
    assert_eq!(snapshots(), published + 3);

    // Stopped with a clear error, and nothing half-written published.
    use desk_engine::ErrorCode;
    for (what, fault, words, code) in [
        (
            "500",
            Fault::Status(500, None),
            "500",
            ErrorCode::ProviderError,
        ),
        (
            "502",
            Fault::Status(502, None),
            "502",
            ErrorCode::ProviderError,
        ),
        (
            "a 429 that never ends",
            Fault::Status(429, Some(1)),
            "429",
            ErrorCode::RateLimited,
        ),
        (
            "truncated JSON",
            Fault::Truncated,
            "not valid SCIM JSON",
            ErrorCode::MalformedResponse,
        ),
        (
            "an HTML page",
            Fault::Html,
            "not valid SCIM JSON",
            ErrorCode::MalformedResponse,
        ),
        (
            "a 900 MB body",
            Fault::Huge,
            "MB",
            ErrorCode::MalformedResponse,
        ),
    ] {
        let before = snapshots();
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        proxy.set(move |_, m, p| {
            // The third list page onwards: part of the directory has been read already.
            if is_list(m, p) && h.fetch_add(1, Ordering::SeqCst) >= 2 {
                fault
            } else {
                Fault::Pass
            }
        });
        let err = sync().await.expect_err(what);
        let said = format!("{} {}", err.message(), err.detail().unwrap_or_default());
        assert!(said.contains(words), "{what}: {said}");
        assert_eq!(err.code(), code, "{what}: {said}");
        assert!(!err.message().is_empty() && !err.message().contains("panicked"));
        assert_eq!(snapshots(), before, "{what}: nothing published");
        // The last complete copy still reads in full.
        assert_eq!(users_in_copy(&desk), 450, "{what}");
    }
    eprintln!(
        "fault proxy: {} requests, {} faults injected",
        proxy.seen.load(Ordering::SeqCst),
        proxy.faults.load(Ordering::SeqCst)
    );
}

/// A migration from scim2-server (seeded with a sample directory) to a SCIMMY behind the
/// proxy, both synced and planned on a fresh data folder; the target's profile with
/// `overrides` (`key=value`).
struct Migration {
    _source: ReferenceServer,
    target: ReferenceServer,
    proxy: Proxy,
    _data: tempfile::TempDir,
    desk: Desk,
    plan: desk_engine::migrate::MigrationPlan,
}

async fn migration_behind_proxy(
    seed: u64,
    users: usize,
    groups: usize,
    overrides: &[&str],
) -> Migration {
    let source = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let dir = generate(seed, users, groups);
    desk_reference::seed::seed(&source.client(), &dir, |_, _| {})
        .await
        .unwrap();
    let target = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    let proxy = Proxy::start(target.base_url()).await;
    let data = tempfile::tempdir().unwrap();
    let desk = desk(data.path());
    add(&desk, "src", source.base_url(), source.token().expose());
    add(&desk, "dst", &proxy.base, target.token().expose());
    let mut o = desk.overrides("dst").unwrap();
    for item in overrides {
        desk_engine::providers::profiles::parse_override(&mut o, item).unwrap();
    }
    desk.set_overrides("dst", &o).unwrap();
    for p in ["src", "dst"] {
        desk.sync(p, &CancelFlag::new(), &|_| {}).await.unwrap();
    }
    let plan = desk
        .plan_migration("src", "dst", &PlanOptions::default())
        .unwrap();
    Migration {
        _source: source,
        target,
        proxy,
        _data: data,
        desk,
        plan,
    }
}

#[tokio::test]
async fn a_migration_through_faults_lists_what_failed_and_resumes_to_exactly_once() {
    let m = migration_behind_proxy(9, 120, 6, &[]).await;
    let (target, proxy, desk, plan) = (&m.target, &m.proxy, &m.desk, &m.plan);
    // Every 7th write is refused with a 500 or a 502, every 11th connection reset after the
    // provider did the work (the answer is lost: the run must not create it twice), and 429s
    // with Retry-After now and then.
    proxy.set(|n, m, _| match (m, n % 7, n % 11, n % 13) {
        ("GET", ..) => Fault::Pass,
        (_, 0, ..) => Fault::Status(if n % 2 == 0 { 500 } else { 502 }, None),
        (_, _, 0, _) => Fault::Truncated,
        (_, _, _, 0) => Fault::Status(429, Some(1)),
        _ => Fault::Pass,
    });
    let report = desk
        .run_migration(plan, &CancelFlag::new(), &|_| {})
        .await
        .unwrap();
    assert!(!report.failed.is_empty(), "some operations failed");
    for f in &report.failed {
        assert!(!f.message.is_empty(), "{f:?}");
    }
    let failed = report.failed.len();
    // The faults end; resuming tries the failed operations again.
    proxy.set(|_, _, _| Fault::Pass);
    let again = desk
        .resume_migration(Some(report.migration_id), &CancelFlag::new(), &|_| {})
        .await
        .unwrap();
    assert!(again.failed.is_empty(), "{:?}", again.failed);
    let users = target
        .client()
        .list_page("Users", 1, 200, None)
        .await
        .unwrap();
    assert_eq!(users.total_results, Some(120), "every user exactly once");
    let verify = desk
        .verify_migration("src", "dst", &PlanOptions::default(), &|_| {})
        .await
        .unwrap();
    assert!(
        verify.operations.is_empty(),
        "{:?}",
        verify.operations.first()
    );
    eprintln!(
        "migration through faults: {failed} operations failed first, {} faults injected, 0 left after resume",
        proxy.faults.load(Ordering::SeqCst)
    );
}

/// Which writes the proxy answers late in [`migrate_with_slow`].
#[derive(Clone, Copy)]
enum Slowed {
    /// Every PATCH or PUT, 40 ms late (a directory with managers and memberships).
    Changes,
    /// Every Bulk request, 100 ms late (230 users: five Bulk requests of at most 50).
    Bulk,
}

/// What [`migrate_with_slow`] saw.
struct SlowRun {
    report: desk_engine::migrate::run::RunReport,
    /// The most slowed writes the target had in flight at once.
    most: usize,
    /// The plan's operations other than creates.
    changes: usize,
    /// The users the target holds after the run.
    users: u64,
    /// The operations a verify still finds.
    left: usize,
}

/// Migrates a sample directory from scim2-server into a SCIMMY behind the proxy, with the
/// writes `slowed` answered late, and counts how many of them were in flight at once.
async fn migrate_with_slow(slowed: Slowed, overrides: &[&str]) -> SlowRun {
    let m = match slowed {
        Slowed::Changes => migration_behind_proxy(21, 60, 4, overrides).await,
        Slowed::Bulk => migration_behind_proxy(22, 230, 0, overrides).await,
    };
    let (proxy, desk, plan) = (&m.proxy, &m.desk, &m.plan);
    let changes = plan.operations.iter().filter(|o| !o.op.is_create()).count();
    proxy.set(move |_, m, p| match (slowed, m) {
        (Slowed::Changes, "PATCH" | "PUT") => Fault::Slow(40),
        (Slowed::Bulk, "POST") if p.ends_with("/Bulk") => Fault::Slow(100),
        _ => Fault::Pass,
    });
    let gauge = match slowed {
        Slowed::Changes => &proxy.writes,
        Slowed::Bulk => &proxy.bulks,
    };
    gauge.reset();
    let report = desk
        .run_migration(plan, &CancelFlag::new(), &|_| {})
        .await
        .unwrap();
    let most = gauge.most();
    proxy.set(|_, _, _| Fault::Pass);
    let users = m
        .target
        .client()
        .list_page("Users", 1, 1, None)
        .await
        .unwrap()
        .total_results
        .unwrap_or_default();
    let left = desk
        .verify_migration("src", "dst", &PlanOptions::default(), &|_| {})
        .await
        .unwrap()
        .operations
        .len();
    SlowRun {
        report,
        most,
        changes,
        users,
        left,
    }
}

#[tokio::test]
async fn a_migrations_changes_go_out_side_by_side_within_the_targets_concurrency() {
    let run = migrate_with_slow(Slowed::Changes, &[]).await;
    assert!(
        run.changes >= 40,
        "managers and memberships to set: {}",
        run.changes
    );
    assert!(run.report.failed.is_empty(), "{:?}", run.report.failed);
    assert!(
        (2..=4).contains(&run.most),
        "changes in flight at once: {} (the target's profile allows 4)",
        run.most
    );
    assert_eq!(run.left, 0, "the target matches the source");
    // A target that takes one request at a time gets one.
    let run = migrate_with_slow(Slowed::Changes, &["max_concurrency=1"]).await;
    assert!(run.report.failed.is_empty(), "{:?}", run.report.failed);
    assert_eq!(run.most, 1, "one write at a time");
    assert_eq!(run.left, 0);
}

#[tokio::test]
async fn a_migrations_bulk_creates_go_out_side_by_side_within_the_targets_concurrency() {
    let run = migrate_with_slow(Slowed::Bulk, &[]).await;
    assert!(run.report.failed.is_empty(), "{:?}", run.report.failed);
    assert!(
        (2..=4).contains(&run.most),
        "Bulk requests in flight at once: {} (the target's profile allows 4)",
        run.most
    );
    assert_eq!(run.users, 230, "every user created exactly once");
    assert_eq!(run.left, 0, "the target matches the source");
    // A target that takes one request at a time gets one Bulk request at a time.
    let run = migrate_with_slow(Slowed::Bulk, &["max_concurrency=1"]).await;
    assert!(run.report.failed.is_empty(), "{:?}", run.report.failed);
    assert_eq!(run.most, 1, "one Bulk request at a time");
    assert_eq!(run.users, 230);
    assert_eq!(run.left, 0);
}

/// Requests a run sent to single users (`/Users/{id}`) by method, counted by the proxy.
#[derive(Default)]
struct ToOneUser {
    gets: AtomicUsize,
    patches: AtomicUsize,
    puts: AtomicUsize,
}

/// Counts the requests to single users from now on; PATCH answered `patch` (None: passed).
fn count_to_one_user(proxy: &Proxy, patch: Option<Fault>) -> Arc<ToOneUser> {
    let seen = Arc::new(ToOneUser::default());
    let counts = seen.clone();
    proxy.set(move |_, method, path| {
        let path = path.split('?').next().unwrap_or_default();
        let one = path
            .rsplit_once("/Users/")
            .is_some_and(|(_, id)| !id.is_empty() && !id.contains('/'));
        if !one {
            return Fault::Pass;
        }
        match method {
            "GET" => counts.gets.fetch_add(1, Ordering::SeqCst),
            "PATCH" => counts.patches.fetch_add(1, Ordering::SeqCst),
            "PUT" => counts.puts.fetch_add(1, Ordering::SeqCst),
            _ => 0,
        };
        match (method, &patch) {
            ("PATCH", Some(f)) => *f,
            _ => Fault::Pass,
        }
    });
    seen
}

/// Runs `m`'s plan with the proxy counting requests to single users (PATCH answered `patch`),
/// checks nothing failed and the target matches the source after; returns the counts and
/// how many managers the plan set.
async fn run_counting(m: &Migration, patch: Option<Fault>) -> (Arc<ToOneUser>, usize) {
    let managers = m
        .plan
        .operations
        .iter()
        .filter(|o| o.op == desk_engine::migrate::Operation::SetManager)
        .count();
    let seen = count_to_one_user(&m.proxy, patch);
    let report = m
        .desk
        .run_migration(&m.plan, &CancelFlag::new(), &|_| {})
        .await
        .unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    m.proxy.set(|_, _, _| Fault::Pass);
    let left = m
        .desk
        .verify_migration("src", "dst", &PlanOptions::default(), &|_| {})
        .await
        .unwrap();
    assert!(left.operations.is_empty(), "{:?}", left.operations);
    (seen, managers)
}

#[tokio::test]
async fn a_manager_set_on_a_user_the_run_created_is_one_patch_without_a_read_first() {
    let m = migration_behind_proxy(23, 80, 0, &[]).await;
    let (seen, managers) = run_counting(&m, None).await;
    assert!(managers >= 20, "managers to set: {managers}");
    assert_eq!(
        seen.patches.load(Ordering::SeqCst),
        managers,
        "one PATCH a manager"
    );
    // Only the few records read back to learn what the target keeps; before, one read
    // before each manager's PATCH.
    let gets = seen.gets.load(Ordering::SeqCst);
    assert!(
        gets <= 3,
        "single users read during the run: {gets} ({managers} managers)"
    );
}

#[tokio::test]
async fn a_manager_patch_refused_by_the_target_is_sent_whole_from_a_read_and_learned() {
    let m = migration_behind_proxy(26, 40, 0, &[]).await;
    let (seen, managers) = run_counting(&m, Some(Fault::Status(501, None))).await;
    assert!(managers >= 8, "managers to set: {managers}");
    // The first PATCHes (as many as go out at once) are refused and learned; every manager
    // then goes whole, from a read of the record as the target keeps it (nothing it holds is
    // lost).
    let patches = seen.patches.load(Ordering::SeqCst);
    assert!((1..=4).contains(&patches), "PATCH tried {patches} times");
    assert_eq!(
        seen.puts.load(Ordering::SeqCst),
        managers,
        "one PUT a manager"
    );
    assert!(seen.gets.load(Ordering::SeqCst) >= managers);
    assert!(m
        .desk
        .learned_facts("dst")
        .unwrap()
        .iter()
        .any(|f| f.fact == desk_engine::providers::learned::Learned::PatchUnsupported));
}

#[tokio::test]
async fn an_edit_through_faults_is_retried_or_refused_and_recorded() {
    let (server, proxy, _data, desk) = behind_proxy(3, 20, 2).await;
    desk.sync("p", &CancelFlag::new(), &|_| {}).await.unwrap();
    let page = server
        .client()
        .list_page("Users", 1, 1, None)
        .await
        .unwrap();
    let before = page.resources[0].clone();
    let id = before["id"].as_str().unwrap().to_string();
    let edit = |title: &str| {
        let mut after = before.clone();
        after["title"] = serde_json::json!(title);
        desk_engine::write::edit::EditRequest {
            provider: "p".into(),
            kind: desk_engine::vocabulary::Kind::User,
            id: id.clone(),
            before: before.clone(),
            after,
        }
    };
    // A 502 on the write: refused in words, recorded as failed, nothing changed anywhere.
    proxy.set(|_, m, _| {
        if m == "PATCH" {
            Fault::Status(502, None)
        } else {
            Fault::Pass
        }
    });
    let err = desk.save_edit(&edit("Refused title")).await.unwrap_err();
    assert!(err.message().contains("502") || err.detail().unwrap_or_default().contains("502"));
    let now = server.client().get("Users", &id).await.unwrap();
    assert_eq!(
        now["title"], before["title"],
        "the provider kept the old title"
    );
    let log = desk.audit_entries(Some("p"), None, 5).unwrap();
    assert!(
        log[0].operation.contains("failed"),
        "{:?}",
        log[0].operation
    );
    assert_eq!(log[0].http_status, Some(502));
    // A 429 with Retry-After on the write: waited out, then saved.
    let once = Arc::new(AtomicUsize::new(0));
    let o = once.clone();
    proxy.set(move |_, m, _| {
        if m == "PATCH" && o.fetch_add(1, Ordering::SeqCst) == 0 {
            Fault::Status(429, Some(1))
        } else {
            Fault::Pass
        }
    });
    let saved = desk.save_edit(&edit("Saved after a 429")).await.unwrap();
    assert!(matches!(
        saved,
        desk_engine::write::edit::SaveOutcome::Saved { .. }
    ));
    let now = server.client().get("Users", &id).await.unwrap();
    assert_eq!(now["title"], "Saved after a 429");
}

#[tokio::test]
async fn slow_answers_time_out_in_words_and_publish_nothing() {
    let (_server, proxy, _data, desk) = behind_proxy(6, 120, 3).await;
    // A provider known to be slow gets its own time limit (here 2 s, to keep the test short).
    let mut o = desk.overrides("p").unwrap();
    desk_engine::providers::profiles::parse_override(&mut o, "timeout_secs=2").unwrap();
    desk.set_overrides("p", &o).unwrap();
    desk.sync("p", &CancelFlag::new(), &|_| {}).await.unwrap();
    // One slow answer: the read is tried again and the sync completes.
    let once = Arc::new(AtomicUsize::new(0));
    let first = once.clone();
    proxy.set(move |_, m, p| {
        if m == "GET" && p.contains("/Users?") && first.fetch_add(1, Ordering::SeqCst) == 0 {
            Fault::Slow(3_000)
        } else {
            Fault::Pass
        }
    });
    assert_eq!(
        desk.sync("p", &CancelFlag::new(), &|_| {})
            .await
            .unwrap()
            .users,
        120
    );
    // Always slow, before the answer or in the middle of its body: stopped in plain words.
    for fault in [Fault::Slow(3_000), Fault::SlowBody(3_000)] {
        proxy.set(move |_, m, p| {
            if m == "GET" && p.contains("/Users?") {
                fault
            } else {
                Fault::Pass
            }
        });
        let err = desk
            .sync("p", &CancelFlag::new(), &|_| {})
            .await
            .expect_err("too slow");
        assert_eq!(
            err.code(),
            desk_engine::ErrorCode::ProviderTimeout,
            "{fault:?}"
        );
        assert!(err.message().contains("took too long"), "{}", err.message());
        assert_eq!(users_in_copy(&desk), 120, "{fault:?}: the last copy stays");
    }
}
