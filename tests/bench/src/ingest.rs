//! Ingest: the client-only cost of a sync (HTTP, JSON parsing, SQLite with the search index),
//! reading pre-generated pages from a static server in another process's memory budget.
//!
//! The parent process builds the pages and serves them over HTTP/1.1 with keep-alive from
//! memory (a minimal static server: each request is a lookup, so the server's share is small
//! and the same for every run). A child process (`desk-bench ingest-client`) runs the engine's
//! ingest path — `desk_engine::read::sync::ingest_pages`: scim-client's `Pager` feeding a
//! `SnapshotWriter` — and reports its time and
//! peak resident memory (VmHWM), so the server's pages do not count. The anchor in the same run
//! is a bare HTTP client downloading the same pages at the same concurrency (no parsing, no
//! storing).

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub const PAGE: usize = 100;
pub const IN_FLIGHT: u32 = 4;

/// Pages of `n` sample users as ListResponse bodies, 1-based `startIndex` order.
pub fn pages(n: usize) -> Vec<Vec<u8>> {
    let users: Vec<serde_json::Value> = desk_reference::sample::many_users(7, n).collect();
    users
        .chunks(PAGE)
        .enumerate()
        .map(|(p, chunk)| {
            serde_json::to_vec(&json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": n, "startIndex": p * PAGE + 1,
                "itemsPerPage": chunk.len(), "Resources": chunk,
            }))
            .unwrap_or_default()
        })
        .collect()
}

fn start_index(request: &str) -> usize {
    request
        .split(['?', '&', ' '])
        .find_map(|kv| kv.strip_prefix("startIndex="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// Serves `pages` at `/v2/Users?startIndex=…` on 127.0.0.1; returns the base URL.
pub async fn serve(pages: Arc<Vec<Vec<u8>>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let pages = pages.clone();
            tokio::spawn(async move {
                let mut buf = Vec::with_capacity(4096);
                let mut chunk = [0u8; 4096];
                loop {
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    buf.drain(..end + 4);
                    let line = head.lines().next().unwrap_or_default();
                    let page = (start_index(line).max(1) - 1) / PAGE;
                    let empty = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;
                    let body: &[u8] = pages.get(page).map_or(&empty[..], Vec::as_slice);
                    let header = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    if sock.write_all(header.as_bytes()).await.is_err()
                        || sock.write_all(body).await.is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    format!("http://127.0.0.1:{port}/v2")
}

/// The anchor: a bare client downloading every page, IN_FLIGHT at a time. Seconds.
async fn download_only(base: &str, n: usize) -> f64 {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    let starts: Vec<usize> = (0..n.div_ceil(PAGE)).map(|p| 1 + p * PAGE).collect();
    let mut next = 0;
    while next < starts.len() || !set.is_empty() {
        while next < starts.len() && set.len() < IN_FLIGHT as usize {
            let url = format!("{base}/Users?startIndex={}&count={PAGE}", starts[next]);
            let http = http.clone();
            set.spawn(async move {
                match http.get(&url).send().await {
                    Ok(r) => r.bytes().await.map(|b| b.len()).unwrap_or(0),
                    Err(_) => 0,
                }
            });
            next += 1;
        }
        let _ = set.join_next().await;
    }
    started.elapsed().as_secs_f64()
}

/// Runs the child; returns (seconds, peak MiB).
fn client_run(base: &str, n: usize) -> (f64, f64) {
    client_run_with(base, n, true)
}

/// Runs the child writing an encrypted database (what the app does) or a plain one (the
/// comparison of the at-rest bench); returns (seconds, peak MiB).
pub fn client_run_with(base: &str, n: usize, encrypted: bool) -> (f64, f64) {
    let exe = std::env::current_exe().expect("own path");
    let mode = if encrypted { "encrypted" } else { "plain" };
    let out = std::process::Command::new(exe)
        .args(["ingest-client", base, &n.to_string(), mode])
        .output()
        .expect("the ingest client runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace();
    let secs: f64 = it.next().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN);
    let mib: f64 = it.next().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN);
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    (secs, mib)
}

fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// User + system CPU time of this process, from /proc/self/stat (clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
            let u: f64 = after.get(11)?.parse().ok()?;
            let k: f64 = after.get(12)?.parse().ok()?;
            Some((u + k) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// The child: the engine's ingest path into a fresh database. Prints "seconds peak_mib".
pub async fn client(base: &str, n: usize, encrypted: bool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("bench.sqlite3");
    let path = if encrypted {
        desk_store::DatabaseFile::encrypted(file, desk_store::DatabaseKey::random().expect("key"))
    } else {
        desk_store::DatabaseFile::plain(file)
    };
    let db = desk_store::Database::open(&path).expect("db");
    let provider = db
        .insert_provider(&desk_store::NewProvider::without_auth("bench", base))
        .expect("provider");
    let started = Instant::now();
    let got = ingest_into(&path, provider.id, base).await;
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(got, n, "every user ingested");
    eprintln!("client CPU: {:.2} s", cpu_seconds());
    println!("{secs} {}", peak_mib());
}

/// The engine's ingest loop (what a sync runs: scim-client's pager with IN_FLIGHT pages of PAGE
/// in flight, the cache writer) reading every user at `base` into a new snapshot of
/// `provider` in `file`; returns how many users were read.
pub async fn ingest_into(file: &desk_store::DatabaseFile, provider: i64, base: &str) -> usize {
    let client = scim_client::ScimClient::new(
        base,
        scim_client::Auth::None,
        &scim_client::ClientOptions::default(),
    )
    .expect("client");
    let mut profile = scim_client::CapabilityProfile::default();
    profile.paging.cursor = false;
    profile.paging.page_size = PAGE as u32;
    profile.paging.max_in_flight = IN_FLIGHT;
    let writer = desk_store::SnapshotWriter::begin(file, provider, "full").expect("writer");
    let mut pager = scim_client::Pager::new(
        &client,
        "Users",
        scim_client::ListQuery::default(),
        &profile,
    );
    let writer = desk_engine::read::sync::ingest_pages(
        &mut pager,
        writer,
        desk_engine::vocabulary::Kind::User,
        |_, _| Ok(()),
    )
    .await
    .expect("ingest");
    let got = pager.received() as usize;
    writer.finish(true, &json!({})).expect("commit");
    got
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// `desk-bench ingest [SIZES] [ROUNDS]`.
pub async fn run(sizes: &[usize], rounds: usize) {
    println!("## Ingest (client-only cost of a sync)\n");
    println!(
        "**Method**: `desk-bench ingest {} {rounds}`. The bench builds pages of 100 sample users \
         (ListResponse JSON as a provider sends it) and serves them from memory over HTTP/1.1 on \
         127.0.0.1. A child process runs the engine's ingest loop \
         (`desk_engine::read::sync::ingest_pages`: scim-client's pager, {IN_FLIGHT} pages in flight, \
         JSON parsing, column extraction, SQLite rows, indexes and the full-text index, one \
         transaction) and reports its time and peak resident memory (VmHWM). The anchor in the \
         same round is a bare HTTP client downloading the same pages (no parsing, no storing). \
         **Budget**: 100,000 users in <= 2 s and <= 150 MiB; time linear and memory flat as the \
         directory grows.\n",
        sizes
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    println!("| users | ingest median s (min-max) | download only s | client share of ingest | peak MiB (max) | users/s |");
    println!("|---|---|---|---|---|---|");
    let mut verdict = None;
    for &n in sizes {
        eprintln!("building {n} users of pages ...");
        let pages = Arc::new(pages(n));
        let base = serve(pages).await;
        let (mut ours, mut anchor, mut mem) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let d = download_only(&base, n).await;
            let base2 = base.clone();
            let (s, m) = tokio::task::spawn_blocking(move || client_run(&base2, n))
                .await
                .expect("join");
            eprintln!("{n} users, round {round}: ingest {s:.2} s, {m:.0} MiB peak; download only {d:.2} s");
            ours.push(s);
            anchor.push(d);
            mem.push(m);
        }
        let (lo, hi) = (
            ours.iter().copied().fold(f64::INFINITY, f64::min),
            ours.iter().copied().fold(0.0, f64::max),
        );
        let o = median(&mut ours);
        let a = median(&mut anchor);
        let peak = mem.iter().copied().fold(0.0, f64::max);
        println!(
            "| {n} | {o:.2} ({lo:.2}-{hi:.2}) | {a:.2} | {:.0}% | {peak:.0} | {:.0} |",
            // As measured: a negative share says the anchor took longer (noise), not 0.
            100.0 * (o - a) / o,
            n as f64 / o
        );
        if n == 100_000 {
            verdict = Some((o, peak));
        }
    }
    if let Some((o, peak)) = verdict {
        println!(
            "\n**Budget (100,000 users: <= 2 s, <= 150 MiB)**: time {}; memory {}.\n",
            if o <= 2.0 {
                format!("met ({o:.2} s)")
            } else {
                format!("not met ({o:.2} s)")
            },
            if peak <= 150.0 {
                format!("met ({peak:.0} MiB)")
            } else {
                format!("not met ({peak:.0} MiB)")
            }
        );
    } else {
        println!();
    }
}
