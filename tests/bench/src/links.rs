//! `desk-bench links [USERS] [ROUNDS]`: a link from a scim2-server source of USERS sample users
//! (and USERS/20 groups) to a scim2-server tenant that the link's first run filled.
//!
//! - **Unchanged source**: a whole link run (incremental reads of both providers, the plan from
//!   the two copies, the guard rails, the history) against the anchor, the same two incremental
//!   reads alone ("reading only what changed"). Budget: the run at most 3x the reads.
//! - **100 changes**: 100 source users get a new title; the link's run (reads, plan, 100
//!   writes, verify by reading the target again) is split into the time spent waiting on the
//!   providers (summed per request in scim-client) and the rest, the client's share. Budget:
//!   the client's share at most 10% of the run.

use std::sync::Arc;
use std::time::Instant;

use desk_engine::api::ProviderInput;
use desk_engine::links::run::LinkRunOptions;
use desk_engine::links::{GuardRails, LinkInput, LinkOutcome, LinkSettings};
use desk_engine::vocabulary::CancelFlag;
use desk_engine::{DataPaths, Desk};
use desk_reference::sample::generate;
use desk_reference::{ProviderKind, ReferenceServer};
use serde_json::json;

use crate::{median, spread};

async fn run_link(desk: &Desk) -> desk_engine::links::run::LinkRunReport {
    let r = desk
        .run_link(
            "bench",
            LinkRunOptions::default(),
            &CancelFlag::new(),
            &|_| {},
        )
        .await
        .expect("the link runs");
    assert_eq!(r.outcome, LinkOutcome::Completed, "{}", r.message);
    r
}

/// Gives `n` source users (from the `round`th block) a new title, straight at the provider.
async fn change_titles(server: &ReferenceServer, base: &str, n: usize, round: usize) {
    let client = server.client_for(base);
    let page = client
        .list_page("Users", 1 + (round * n) as u64, n as u64, None)
        .await
        .expect("a page of users");
    for u in page.resources {
        let id = u["id"].as_str().expect("id").to_string();
        let mut v = u.clone();
        v["title"] = json!(format!("Benchmarked {round}"));
        client
            .replace("Users", &id, &v, None)
            .await
            .expect("a change at the source");
    }
}

pub async fn run(users: usize, rounds: usize) {
    let groups = (users / 20).max(1);
    let scim2 = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .expect("scim2-server starts (cargo xtask install)");
    let token = scim2.token().expose().clone();
    let source = scim2.tenant_url("link-source");
    let target = scim2.tenant_url("link-target");
    eprintln!("seeding {users} users and {groups} groups ...");
    let dir = generate(desk_reference::sample::DEMO_SEED, users, groups);
    desk_reference::seed::seed(&scim2.client_for(&source), &dir, |_, _| {})
        .await
        .expect("seed");
    let data = tempfile::tempdir().expect("temp dir");
    let desk = Desk::open(
        DataPaths::at(data.path().to_path_buf()).expect("paths"),
        Arc::new(desk_engine::providers::secrets::MemoryStore::new()),
    )
    .expect("desk");
    for (name, base) in [("source", &source), ("target", &target)] {
        desk.add_provider(ProviderInput::bearer(name, base, Some(&token)))
            .expect("provider");
        desk.sync(name, &CancelFlag::new(), &|_| {})
            .await
            .expect("first sync");
    }
    desk.add_link(&LinkInput {
        name: "bench".into(),
        source: "source".into(),
        target: "target".into(),
        settings: LinkSettings {
            guard: GuardRails {
                max_creates: None,
                max_updates: None,
                max_deactivations: None,
                max_deletes: None,
            },
            ..Default::default()
        },
    })
    .expect("the link");
    let started = Instant::now();
    let first = run_link(&desk).await;
    let first_s = started.elapsed().as_secs_f64();
    eprintln!("first run: {} operations in {first_s:.1} s", first.done);

    let mut unchanged = Vec::new();
    let mut reads = Vec::new();
    let mut ratios = Vec::new();
    let mut changed = Vec::new();
    let mut shares = Vec::new();
    let mut requests = 0;
    for round in 0..rounds {
        // The anchor: the two incremental reads alone.
        let t = Instant::now();
        for name in ["source", "target"] {
            desk.sync_with(name, true, &CancelFlag::new(), &|_| {})
                .await
                .expect("incremental read");
        }
        let read_s = t.elapsed().as_secs_f64();
        // The whole run on an unchanged source.
        let t = Instant::now();
        let r = run_link(&desk).await;
        let run_s = t.elapsed().as_secs_f64();
        assert!(r.operations.is_empty(), "an unchanged source plans nothing");
        eprintln!("round {round}: unchanged run {run_s:.2} s, reads alone {read_s:.2} s");
        unchanged.push(run_s);
        reads.push(read_s);
        ratios.push(run_s / read_s);

        // 100 changes.
        change_titles(&scim2, &source, 100, round).await;
        let (w0, r0) = scim_client::stats::waited();
        let t = Instant::now();
        let r = run_link(&desk).await;
        let s = t.elapsed().as_secs_f64();
        let (w1, r1) = scim_client::stats::waited();
        assert_eq!(r.counts.get("update_user"), Some(&100), "{:?}", r.counts);
        assert_eq!(r.remaining, 0);
        let waited = (w1 - w0).as_secs_f64();
        eprintln!("round {round}: 100 changes {s:.2} s, waited {waited:.2} s");
        changed.push(s);
        shares.push((s - waited) / s);
        requests = r1 - r0;
    }
    let (rmin, rmax) = spread(&ratios);
    let ratio = median(&mut ratios);
    let (smin, smax) = spread(&shares);
    let share = median(&mut shares);
    println!("## Links: {users} users + {groups} groups\n");
    println!(
        "**Method**: `desk-bench links {users} {rounds}`. scim2-server 0.8.3 on 127.0.0.1 holds \
         two tenants: the source, seeded with {users} sample users and {groups} groups, and the \
         target, filled by the link's first run ({} operations, {first_s:.1} s; not part of the \
         budgets). The link carries everything, without guard rails. Each round times (1) the \
         two incremental reads alone (source and target, what changed since the last read), \
         (2) a whole link run on the unchanged source (the same reads, the plan from both \
         copies, the history; it must plan 0 operations), then (3) a run after 100 source users \
         got a new title (it must send exactly 100 updates and verify with 0 differences left), \
         split into the time spent waiting on the providers (summed per request in scim-client, \
         from sending it to the last byte of its body) and the rest, the client's share.\n",
        first.done
    );
    println!("| measure | median | min-max |");
    println!("|---|---|---|");
    let (umin, umax) = spread(&unchanged);
    let (amin, amax) = spread(&reads);
    let (cmin, cmax) = spread(&changed);
    println!(
        "| incremental reads alone (anchor) | {:.2} s | {amin:.2}-{amax:.2} |",
        median(&mut reads)
    );
    println!(
        "| link run, unchanged source | {:.2} s | {umin:.2}-{umax:.2} |",
        median(&mut unchanged)
    );
    println!("| run / reads | {ratio:.2}x | {rmin:.2}-{rmax:.2} |");
    println!(
        "| link run, 100 changes ({requests} requests) | {:.2} s | {cmin:.2}-{cmax:.2} |",
        median(&mut changed)
    );
    println!(
        "| client share of that run | {:.1}% | {:.1}-{:.1}% |",
        share * 100.0,
        smin * 100.0,
        smax * 100.0
    );
    println!(
        "\n**Budgets**: unchanged run {ratio:.2}x the reads ({}; budget 3x); client share of a \
         100-change run {:.1}% ({}; budget 10%).\n",
        if ratio <= 3.0 { "met" } else { "not met" },
        share * 100.0,
        if share <= 0.10 { "met" } else { "not met" }
    );
}
