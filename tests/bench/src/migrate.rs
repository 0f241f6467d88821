//! `desk-bench migrate [USERS] [ROUNDS]`: a migration of USERS sample users and USERS/20
//! groups (memberships and managers included) between the two reference providers, both ways,
//! each round onto an empty target. The run's wall time is split into the time spent waiting
//! on the providers (scim-client sums, per request, the time from sending it until its whole
//! body has arrived) and the rest, the client's own share: planning is done before and is not
//! part of the run. Budget: the client's share at most 10% of the run.

use std::sync::Arc;
use std::time::Instant;

use desk_engine::api::ProviderInput;
use desk_engine::migrate::PlanOptions;
use desk_engine::vocabulary::CancelFlag;
use desk_engine::{DataPaths, Desk};
use desk_reference::sample::generate;
use desk_reference::{ProviderKind, ReferenceServer};

use crate::{median, spread};

struct Round {
    seconds: f64,
    waited: f64,
    requests: u64,
    operations: usize,
    plan: desk_engine::migrate::MigrationPlan,
}

fn add(desk: &Desk, name: &str, base: &str, token: &str) {
    desk.add_provider(ProviderInput::bearer(name, base, Some(token)))
        .expect("provider");
}

/// Plans and runs `source` -> `target` on a fresh data folder, the target's profile with
/// `overrides` (`key=value`); checks the result.
async fn once(
    source: (&str, &str),
    target: (&str, &str),
    users: usize,
    overrides: &[&str],
) -> Round {
    let data = tempfile::tempdir().expect("temp dir");
    let desk = Desk::open(
        DataPaths::at(data.path().to_path_buf()).expect("paths"),
        Arc::new(desk_engine::providers::secrets::MemoryStore::new()),
    )
    .expect("desk");
    add(&desk, "source", source.0, source.1);
    add(&desk, "target", target.0, target.1);
    let mut o = desk.overrides("target").expect("overrides");
    for item in overrides {
        desk_engine::providers::profiles::parse_override(&mut o, item).expect("override");
    }
    desk.set_overrides("target", &o).expect("overrides saved");
    for name in ["source", "target"] {
        desk.sync(name, &CancelFlag::new(), &|_| {})
            .await
            .expect("sync");
    }
    let options = PlanOptions::default();
    let plan = desk
        .plan_migration("source", "target", &options)
        .expect("plan");
    let operations = plan.operations.len();
    let (w0, r0) = scim_client::stats::waited();
    let started = Instant::now();
    let report = desk
        .run_migration(&plan, &CancelFlag::new(), &|_| {})
        .await
        .expect("run");
    let seconds = started.elapsed().as_secs_f64();
    let (w1, r1) = scim_client::stats::waited();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    // Idempotence: after a fresh read of the target, nothing is left to do.
    let after = desk
        .verify_migration("source", "target", &options, &|_| {})
        .await
        .expect("verify");
    assert!(
        after.operations.is_empty(),
        "{:?}",
        after.operations.first()
    );
    assert_eq!(
        after.counts.get("matched_equal").copied(),
        Some(users as u32)
    );
    Round {
        seconds,
        waited: (w1 - w0).as_secs_f64(),
        requests: r1 - r0,
        operations,
        plan,
    }
}

fn summary(name: &str, rounds: &mut [Round]) -> (String, f64) {
    let mut secs: Vec<f64> = rounds.iter().map(|r| r.seconds).collect();
    let mut shares: Vec<f64> = rounds
        .iter()
        .map(|r| (r.seconds - r.waited) / r.seconds)
        .collect();
    let mut waited: Vec<f64> = rounds.iter().map(|r| r.waited).collect();
    let (smin, smax) = spread(&shares);
    let share = median(&mut shares);
    let line = format!(
        "| {name} | {} | {} | {:.1} | {:.1} | {:.1}% ({:.1}-{:.1}) |",
        rounds[0].operations,
        rounds[0].requests,
        median(&mut secs),
        median(&mut waited),
        share * 100.0,
        smin * 100.0,
        smax * 100.0
    );
    (line, share)
}

/// The concurrencies the bare client tries for the write ceiling.
const CEILING_IN_FLIGHT: [usize; 4] = [1, 2, 4, 8];

pub async fn run(users: usize, rounds: usize) {
    let groups = (users / 20).max(1);
    let scim2 = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .expect("scim2-server starts (cargo xtask install)");
    let token2 = scim2.token().expose().clone();
    let source2 = scim2.tenant_url("source");
    eprintln!("seeding {users} users and {groups} groups ...");
    let dir = generate(desk_reference::sample::DEMO_SEED, users, groups);
    desk_reference::seed::seed(&scim2.client_for(&source2), &dir, |_, _| {})
        .await
        .expect("seed");
    let mut there = Vec::new();
    let mut one_at_a_time = Vec::new();
    let mut ceilings: Vec<(f64, usize)> = Vec::new();
    let mut back = Vec::new();
    for round in 0..rounds {
        // scim2-server -> a fresh SCIMMY (creates in Bulk).
        let scimmy = ReferenceServer::start(ProviderKind::Scimmy)
            .await
            .expect("SCIMMY starts");
        let t = scimmy.token().expose().clone();
        // The same, one write at a time (the runner before issue 19), onto another SCIMMY.
        let other = ReferenceServer::start(ProviderKind::Scimmy)
            .await
            .expect("SCIMMY starts");
        let ot = other.token().expose().clone();
        let r = once(
            (&source2, &token2),
            (other.base_url(), &ot),
            users,
            &["max_concurrency=1"],
        )
        .await;
        eprintln!(
            "round {round}: scim2-server -> SCIMMY one at a time {:.1} s, waited {:.1} s",
            r.seconds, r.waited
        );
        one_at_a_time.push(r);
        drop(other);
        let r = once((&source2, &token2), (scimmy.base_url(), &t), users, &[]).await;
        eprintln!(
            "round {round}: scim2-server -> SCIMMY {:.1} s, waited {:.1} s",
            r.seconds, r.waited
        );
        // The target's write ceiling for the same plan: a bare client onto fresh SCIMMYs.
        let mut best = (f64::INFINITY, 0);
        for in_flight in CEILING_IN_FLIGHT {
            let fresh = ReferenceServer::start(ProviderKind::Scimmy)
                .await
                .expect("SCIMMY starts");
            let token = fresh.token().expose().clone();
            let s =
                crate::write_ceiling::send_plan(&r.plan, fresh.base_url(), &token, in_flight).await;
            eprintln!("round {round}: bare client, {in_flight} at once: {s:.1} s");
            if s < best.0 {
                best = (s, in_flight);
            }
        }
        ceilings.push(best);
        there.push(r);
        // That SCIMMY -> a fresh scim2-server tenant.
        let empty = scim2.tenant_url(&format!("empty{round}"));
        let r = once((scimmy.base_url(), &t), (&empty, &token2), users, &[]).await;
        eprintln!(
            "round {round}: SCIMMY -> scim2-server {:.1} s, waited {:.1} s",
            r.seconds, r.waited
        );
        back.push(r);
    }
    let (a, share_a) = summary("scim2-server -> SCIMMY (Bulk creates)", &mut there);
    let walls = |rounds: &[Round]| {
        let mut v: Vec<f64> = rounds.iter().map(|r| r.seconds).collect();
        median(&mut v)
    };
    let (side_by_side, sequential) = (walls(&there), walls(&one_at_a_time));
    let (a1, _) = summary(
        "scim2-server -> SCIMMY, one write at a time (max_concurrency=1)",
        &mut one_at_a_time,
    );
    let (b, share_b) = summary("SCIMMY -> scim2-server (Bulk creates)", &mut back);
    println!("## Migration: {users} users + {groups} groups\n");
    println!(
        "**Method**: `desk-bench migrate {users} {rounds}`. The harness starts scim2-server 0.8.3 \
         and SCIMMY 1.3.5 on 127.0.0.1; scim2-server is seeded with {users} sample users and \
         {groups} groups (memberships, managers). Each round plans on a fresh data folder (both \
         sides synced first) and runs the plan onto an empty target: scim2-server to a new \
         SCIMMY, then that SCIMMY to a new scim2-server tenant; a verify after each run must find \
         0 differences (re-plan = 0 operations). The run's time is split into the time spent \
         waiting on the providers (the time during which at least one request is out, from \
         sending it to the last byte of its body, as scim-client counts it: requests side by \
         side count once) and the rest, the client's share (journal, audit log, JSON, mapping; the run does not rewrite the local copy record by record, verify reads the target again). **Budget**: client share \
         <= 10% of the run. Changes (memberships, managers, updates) go to the target side by \
         side, as many at once as its profile allows (`max_concurrency`, 4 unless a preset, a lesson or the person says fewer); each round also runs \
         scim2-server to a second new SCIMMY one write at a time (`max_concurrency=1`, the \
         runner before), for comparison.\n"
    );
    println!("| direction | operations | requests | run s (median) | waiting on providers s | client share (min-max) |");
    println!("|---|---|---|---|---|---|");
    println!("{a}");
    println!("{a1}");
    println!("{b}");
    let mut best: Vec<f64> = ceilings.iter().map(|c| c.0).collect();
    let ceiling = median(&mut best);
    let ratio = side_by_side / ceiling;
    println!(
        "\nscim2-server -> SCIMMY run time, median: {side_by_side:.1} s side by side, \
         {sequential:.1} s one write at a time ({:.2}x).",
        sequential / side_by_side
    );
    println!(
        "\n**The target's write ceiling** (SCIMMY, the same plan): a bare HTTP client (no \
         journal, no reads before writes) sending its operations to a fresh SCIMMY in the plan's \
         order of kinds, creates in Bulk requests of 50, a group's members in one PATCH, a \
         manager in one PATCH, with {} requests at once; best of each round (at once: {}), \
         median {ceiling:.1} s. SCIM Desk's run: {side_by_side:.1} s, **{ratio:.2}x** the ceiling \
         (budget <= 1.15x: {}).",
        CEILING_IN_FLIGHT
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        ceilings
            .iter()
            .map(|c| format!("{:.1} s with {}", c.0, c.1))
            .collect::<Vec<_>>()
            .join("; "),
        if ratio <= 1.15 { "met" } else { "not met" }
    );
    let worst = share_a.max(share_b);
    println!(
        "\n**Budget**: client share {:.1}% at most ({}).\n",
        worst * 100.0,
        if worst <= 0.10 { "met" } else { "not met" }
    );
}
