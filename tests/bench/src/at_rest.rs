//! What encryption at rest costs (issue 21): the same work on an encrypted database (SQLCipher,
//! what the app writes) and on a plain one, side by side in one run.
//!
//! - Ingest: the child process of the ingest bench (the engine's sync loop over pages served from
//!   memory) writing USERS users, encrypted and plain in alternating order each round.
//! - Offline search: two databases holding the same USERS users, the search bench's queries
//!   through the store's query (filter translated to SQL or the full-text index, count plus the
//!   first 100 rows sorted by user name), alternating between the two for every query.
//!
//! Budget: encryption costs <= 15% on each (median ingest time; search p95).

use std::sync::Arc;
use std::time::Instant;

use desk_store::{Database, DatabaseFile, DatabaseKey, NewProvider, ResourceQuery, SnapshotWriter};
use serde_json::json;

use crate::ingest::{client_run_with, pages, serve};
use crate::search::{percentile, QUERIES};

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// A database holding `users` sample users in one snapshot; returns it and the snapshot id.
fn filled(file: &DatabaseFile, users: usize) -> (Database, i64) {
    let db = Database::open(file).expect("db");
    let p = db
        .insert_provider(&NewProvider::without_auth("bench", "http://127.0.0.1:9/v2"))
        .expect("provider");
    let mut w = SnapshotWriter::begin(file, p.id, "full").expect("writer");
    let all: Vec<serde_json::Value> = desk_reference::sample::many_users(7, users).collect();
    for chunk in all.chunks(1000) {
        w.add_users(chunk).expect("store");
    }
    let snap = w.finish(true, &json!({})).expect("commit");
    (db, snap.id)
}

/// One query as the Users view asks it: count plus the first 100 rows sorted by user name.
fn query(db: &Database, snapshot: i64, filter: Option<&str>, search: Option<&str>) -> (f64, u64) {
    let parsed = filter.map(|f| scim_client::filter::parse(f).expect("filter"));
    let started = Instant::now();
    let (_, total) = db
        .resources(&ResourceQuery {
            snapshot_id: snapshot,
            kind: desk_store::Kind::User,
            search,
            filter: parsed.as_ref(),
            sort: Some(("user_name", false)),
            offset: 0,
            limit: 100,
        })
        .expect("query");
    (started.elapsed().as_secs_f64() * 1000.0, total)
}

fn verdict(overhead: f64) -> &'static str {
    if overhead <= 15.0 {
        "met"
    } else {
        "not met"
    }
}

pub async fn run(users: usize, rounds: usize) {
    println!("## Encryption at rest: encrypted vs plain database\n");
    println!(
        "**Method**: `desk-bench at-rest {users} {rounds}`, one run. *Ingest*: the ingest bench's \
         child process (the engine's sync loop: pager, JSON parsing, columns, indexes and the \
         full-text index, one transaction) stores {users} users served from memory, into an \
         encrypted database (SQLCipher, AES-256, what the app writes) and into a plain one, the \
         order alternating each round; median of {rounds} rounds each. *Offline search*: two \
         databases with the same {users} users; each of the search bench's {} queries (count \
         plus the first 100 rows sorted by user name, through the store's query) runs on both, \
         alternating, {rounds} rounds; p95 over every query. The answers are checked to be the \
         same. **Budget**: encryption costs <= 15% on each.\n",
        QUERIES.len()
    );

    // Ingest.
    let base = serve(Arc::new(pages(users))).await;
    let (mut enc, mut plain) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        for encrypted in if round % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        } {
            let b = base.clone();
            let (s, _) = tokio::task::spawn_blocking(move || client_run_with(&b, users, encrypted))
                .await
                .expect("join");
            eprintln!(
                "ingest round {round}: {} {s:.2} s",
                if encrypted { "encrypted" } else { "plain" }
            );
            if encrypted {
                enc.push(s);
            } else {
                plain.push(s);
            }
        }
    }
    let (e, p) = (median(&mut enc), median(&mut plain));
    let ingest_over = 100.0 * (e / p - 1.0);

    // Offline search.
    let dir = tempfile::tempdir().expect("temp dir");
    eprintln!("filling two databases with {users} users ...");
    let enc_file = DatabaseFile::encrypted(
        dir.path().join("enc.sqlite3"),
        DatabaseKey::random().expect("key"),
    );
    let plain_file = DatabaseFile::plain(dir.path().join("plain.sqlite3"));
    let (enc_db, enc_snap) = filled(&enc_file, users);
    let (plain_db, plain_snap) = filled(&plain_file, users);
    let (mut enc_ms, mut plain_ms) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        for (_, filter, search) in QUERIES {
            let order = if round % 2 == 0 {
                [true, false]
            } else {
                [false, true]
            };
            let mut totals = [0u64; 2];
            for encrypted in order {
                let (ms, total) = if encrypted {
                    query(&enc_db, enc_snap, *filter, *search)
                } else {
                    query(&plain_db, plain_snap, *filter, *search)
                };
                if encrypted {
                    enc_ms.push(ms);
                    totals[0] = total;
                } else {
                    plain_ms.push(ms);
                    totals[1] = total;
                }
            }
            assert_eq!(totals[0], totals[1], "the same answer from both");
        }
    }
    let (e95, p95) = (
        percentile(&mut enc_ms, 0.95),
        percentile(&mut plain_ms, 0.95),
    );
    let (e50, p50) = (percentile(&mut enc_ms, 0.5), percentile(&mut plain_ms, 0.5));
    let search_over = 100.0 * (e95 / p95 - 1.0);

    println!("| work | encrypted | plain | cost of encryption | budget <= 15% |");
    println!("|---|---|---|---|---|");
    println!(
        "| ingest of {users} users (median s) | {e:.2} | {p:.2} | {ingest_over:+.0}% | {} |",
        verdict(ingest_over)
    );
    println!(
        "| offline search p95 ms (p50) | {e95:.1} ({e50:.1}) | {p95:.1} ({p50:.1}) | {search_over:+.0}% | {} |",
        verdict(search_over)
    );
    // The database file and its write-ahead log (not yet copied back into the file).
    let size = |f: &DatabaseFile| {
        let len = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let mut wal = f.path().as_os_str().to_owned();
        wal.push("-wal");
        (len(f.path()) + len(std::path::Path::new(&wal))) / 1_000_000
    };
    println!(
        "\nFile size: encrypted {} MB, plain {} MB.\n",
        size(&enc_file),
        size(&plain_file)
    );
}
