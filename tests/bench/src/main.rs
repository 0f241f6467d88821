//! Benchmarks measured side by side with their anchor in the same run, so a noisy shared
//! machine shows up as spread, not as a wrong ratio.
//!
//! `desk-bench pull [USERS] [ROUNDS]`: a full pull of USERS users from scim2-server by
//! scim-client's pager, against the server's own ceiling: the best users/s a bare HTTP client
//! reaches at any concurrency (1 to 6 requests in flight), reading the same pages without
//! parsing them. Prints a Markdown table.

mod ingest;
mod search;

use std::time::Instant;

use desk_harness::sample::generate;
use desk_harness::{ProviderKind, ReferenceServer};
use scim_client::{CapabilityProfile, ListQuery, Pager};

const PAGE: u64 = 100;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn spread(v: &[f64]) -> (f64, f64) {
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(0.0, f64::max);
    (min, max)
}

/// Users/s of a bare client reading every page with `conc` requests in flight.
async fn ceiling_once(base: &str, token: &str, total: u64, conc: usize) -> f64 {
    let http = reqwest::Client::new();
    let starts: Vec<u64> = (0..total.div_ceil(PAGE)).map(|p| 1 + p * PAGE).collect();
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    let mut next = 0;
    let mut bytes = 0usize;
    while next < starts.len() || !set.is_empty() {
        while next < starts.len() && set.len() < conc {
            let url = format!("{base}/Users?startIndex={}&count={PAGE}", starts[next]);
            let http = http.clone();
            let auth = format!("Bearer {token}");
            set.spawn(async move {
                loop {
                    // The server's listen backlog is 5: a refused connect is retried.
                    if let Ok(r) = http.get(&url).header("Authorization", &auth).send().await {
                        if let Ok(b) = r.bytes().await {
                            return b.len();
                        }
                    }
                }
            });
            next += 1;
        }
        if let Some(Ok(n)) = set.join_next().await {
            bytes += n;
        }
    }
    assert!(bytes > 0);
    total as f64 / started.elapsed().as_secs_f64()
}

async fn pull(users: usize, rounds: usize) {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .expect("scim2-server starts (cargo xtask install)");
    let base = server.tenant_url("bench");
    let client = server.client_for(&base);
    eprintln!("seeding {users} users ...");
    let dir = generate(7, users, 0);
    desk_harness::seed::seed(&client, &dir, |_, _| {})
        .await
        .expect("seed");
    let spc = client.service_provider_config().await.expect("spc");
    let mut profile = CapabilityProfile::from_service_provider_config(&spc);
    profile.paging.cursor = false;
    profile.paging.page_size = PAGE as u32;
    let token = server.token().expose().clone();
    let total = users as u64;

    let concurrencies = [1usize, 2, 3, 4, 6];
    let mut best_conc = 1;
    let mut ceiling_runs = Vec::new();
    let mut ours_runs = Vec::new();
    let mut per_conc: Vec<(usize, Vec<f64>)> =
        concurrencies.iter().map(|c| (*c, Vec::new())).collect();
    for round in 0..rounds {
        // Interleave: ceiling at every concurrency, then ours at the best one, each round.
        let mut best = 0.0;
        for (c, runs) in per_conc.iter_mut() {
            let r = ceiling_once(&base, &token, total, *c).await;
            runs.push(r);
            if r > best {
                best = r;
                best_conc = *c;
            }
        }
        ceiling_runs.push(best);
        profile.paging.max_in_flight = best_conc as u32;
        let started = Instant::now();
        let all = Pager::new(&client, "Users", ListQuery::default(), &profile)
            .collect_all()
            .await
            .expect("pull");
        assert_eq!(all.len(), users);
        let r = total as f64 / started.elapsed().as_secs_f64();
        ours_runs.push(r);
        eprintln!("round {round}: ceiling {best:.0} users/s (at {best_conc} in flight), scim-client {r:.0} users/s");
    }
    let (cmin, cmax) = spread(&ceiling_runs);
    let (omin, omax) = spread(&ours_runs);
    let c = median(&mut ceiling_runs);
    let o = median(&mut ours_runs);
    println!("| what | median users/s | min-max | ratio |");
    println!("|---|---|---|---|");
    println!("| scim2-server ceiling (bare HTTP, best of 1-6 in flight) | {c:.0} | {cmin:.0}-{cmax:.0} | 1.00 |");
    println!(
        "| scim-client Pager, full pull of {users} users | {o:.0} | {omin:.0}-{omax:.0} | {:.2} |",
        o / c
    );
    for (conc, mut runs) in per_conc {
        println!(
            "| ceiling at {conc} in flight | {:.0} | | |",
            median(&mut runs)
        );
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("pull") => {
            let users = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5000);
            let rounds = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
            pull(users, rounds).await;
        }
        Some("search") => {
            let users = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
            let rounds = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
            search::run(users, rounds).await;
        }
        Some("ingest") => {
            let sizes: Vec<usize> = args
                .get(1)
                .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
                .unwrap_or_else(|| vec![10_000, 100_000]);
            let rounds = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
            ingest::run(&sizes, rounds).await;
        }
        Some("ingest-client") => {
            let base = args.get(1).cloned().unwrap_or_default();
            let n = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
            ingest::client(&base, n).await;
        }
        _ => eprintln!(
            "usage: desk-bench pull [USERS] [ROUNDS] | search [USERS] [ROUNDS] | ingest [N,N,...] [ROUNDS]"
        ),
    }
}
