//! A sync through a rate limit: 100,000 users served from memory behind the harness's quirk
//! proxy keeping a token bucket (20 requests a second, 20 at once, as many providers allow),
//! read by the engine's ingest loop (scim-client's pager with 4 requests in flight, the cache
//! writer). The limiter's minimum time is what a perfect client needs: the burst at once, then
//! one request per token, `(requests - burst) / rate`. Two ways: the bucket stating its quota
//! in the IETF rate-limit fields on every answer, and saying nothing but a 429's Retry-After.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use crate::ingest::{pages, serve, IN_FLIGHT, PAGE};

const RATE: f64 = 20.0;
const BURST: u32 = 20;

/// One sync of `n` users through a fresh bucket; (seconds, requests, 429s).
async fn once(base: &str, n: usize, headers: bool) -> (f64, usize, usize) {
    let proxy = desk_e2e::faults::Proxy::start(base).await;
    proxy.limit_rate(RATE, BURST, headers);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = desk_store::DatabaseFile::encrypted(
        dir.path().join("bench.sqlite3"),
        desk_store::DatabaseKey::random().expect("key"),
    );
    let db = desk_store::Database::open(&file).expect("db");
    let provider = db
        .insert_provider(&desk_store::NewProvider::without_auth(
            "limited",
            &proxy.base,
        ))
        .expect("provider");
    let started = Instant::now();
    let got = crate::ingest::ingest_into(&file, provider.id, &proxy.base).await;
    assert_eq!(got, n, "every user read");
    let secs = started.elapsed().as_secs_f64();
    (
        secs,
        proxy.seen.load(Ordering::SeqCst),
        proxy.limited.load(Ordering::SeqCst),
    )
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

pub async fn run(n: usize, rounds: usize) {
    let base = serve(Arc::new(pages(n))).await;
    let accepted = n.div_ceil(PAGE);
    let minimum = (accepted.saturating_sub(BURST as usize)) as f64 / RATE;
    println!("## Sync through a rate limit: {n} users at {RATE} requests/s\n");
    println!(
        "**Method**: `desk-bench rate-limit {n} {rounds}`. {n} users in pages of {PAGE}, served \
         from memory behind the harness's quirk proxy keeping a token bucket ({RATE} requests a \
         second, {BURST} at once; a request finding it empty is answered 429 with Retry-After), \
         read by the engine's ingest loop (scim-client's pager, {IN_FLIGHT} requests in flight, \
         the encrypted cache). The limiter's minimum time: the burst at once, then one request \
         per token, ({accepted} pages - {BURST}) / {RATE} = {minimum:.1} s. Each round syncs \
         through a fresh bucket that states its quota in the IETF rate-limit fields \
         (`RateLimit-Policy`, `RateLimit-Remaining`, `RateLimit-Reset`) and, for comparison, \
         one that says nothing but the 429's Retry-After. **Budget**: within 5% of the \
         limiter's minimum time, no 429 after the first.\n"
    );
    println!("| bucket | sync s (median) | rounds | / minimum | requests | 429s (max) |");
    println!("|---|---|---|---|---|---|");
    let mut verdict = String::new();
    for headers in [true, false] {
        let (mut times, mut requests, mut refused) = (Vec::new(), 0, 0);
        for _ in 0..rounds {
            let (t, seen, limited) = once(&base, n, headers).await;
            eprintln!("rate limit (fields: {headers}): {t:.1} s, {seen} requests, {limited} 429s");
            times.push(t);
            requests = requests.max(seen);
            refused = refused.max(limited);
        }
        let list = times
            .iter()
            .map(|t| format!("{t:.1}"))
            .collect::<Vec<_>>()
            .join(", ");
        let m = median(&mut times);
        let label = if headers {
            "states its quota (IETF fields)"
        } else {
            "Retry-After only"
        };
        println!(
            "| {label} | {m:.1} | {list} | {:.3}x | {requests} | {refused} |",
            m / minimum
        );
        if headers {
            verdict = format!(
                "{:.1}% over the minimum and {refused} 429s: {}",
                (m / minimum - 1.0) * 100.0,
                if m <= minimum * 1.05 && refused <= 1 {
                    "met"
                } else {
                    "not met"
                }
            );
        }
    }
    println!(
        "\n**Budget (within 5% of the minimum, no 429 after the first)** with the quota stated: \
         {verdict}. With Retry-After alone a client cannot know the rate before it is refused; \
         SCIM Desk holds every request for the time the provider gave.\n"
    );
}
