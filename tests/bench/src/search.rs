//! Offline filter and full-text search over a large cache, as the window asks for them: the
//! count of matches plus the first page of 100 rows sorted by user name, through
//! `Desk::directory_page` (filter parsing, SQL, row conversion). The baseline in the same run is
//! a plain SQLite LIKE scan over the stored JSON (count plus first page), what a cache without
//! columns, indexes or FTS would do.

use std::sync::Arc;
use std::time::Instant;

use desk_engine::read::directory::DirectoryQuery;
use serde_json::json;

pub fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

/// (label, SCIM filter, quick search, LIKE pattern for the baseline)
pub const QUERIES: &[(&str, Option<&str>, Option<&str>, &str)] = &[
    (
        "userName sw",
        Some(r#"userName sw "sofia""#),
        None,
        "%\"userName\":\"sofia%",
    ),
    (
        "familyName co",
        Some(r#"name.familyName co "ber""#),
        None,
        "%ber%",
    ),
    (
        "email ew (any email)",
        Some(r#"emails.value ew "example.com""#),
        None,
        "%example.com%",
    ),
    (
        "department eq and active",
        Some(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Finance" and active eq true"#,
        ),
        None,
        "%Finance%",
    ),
    (
        "inactive",
        Some("active eq false"),
        None,
        "%\"active\":false%",
    ),
    (
        "title co or",
        Some(r#"title co "lead" or title co "head""#),
        None,
        "%Lead%",
    ),
    (
        "quick search: a surname",
        None,
        Some("nakamura"),
        "%Nakamura%",
    ),
    (
        "quick search: two words",
        None,
        Some("software engineer"),
        "%Software Engineer%",
    ),
    (
        "quick search: department",
        None,
        Some("marketing"),
        "%Marketing%",
    ),
    ("no filter (first page)", None, None, "%"),
];

pub async fn run(users: usize, rounds: usize) {
    let data = tempfile::tempdir().expect("temp dir");
    let secrets = Arc::new(desk_engine::providers::secrets::MemoryStore::new());
    let paths = desk_engine::DataPaths::at(data.path().to_path_buf()).expect("paths");
    let desk = desk_engine::Desk::open(paths.clone(), secrets.clone()).expect("desk");
    desk.add_provider(desk_engine::api::ProviderInput::bearer(
        "bench",
        "http://127.0.0.1:9/v2",
        None,
    ))
    .expect("provider");
    let path = desk_engine::offline::key::database_file(&paths, secrets.as_ref()).expect("key");
    let db = desk_store::Database::open(&path).expect("db");
    let provider = db.provider("bench").expect("row");
    eprintln!("caching {users} users ...");
    let mut writer = desk_store::SnapshotWriter::begin(&path, provider.id, "full").expect("writer");
    let mut batch = Vec::with_capacity(1000);
    for u in desk_reference::sample::many_users(7, users) {
        batch.push(u);
        if batch.len() == 1000 {
            writer.add_users(&batch).expect("store");
            batch.clear();
        }
    }
    writer.add_users(&batch).expect("store");
    let snapshot = writer.finish(true, &json!({})).expect("commit");
    let conn = db.conn();
    if std::env::var_os("BENCH_KEEP").is_some() {
        eprintln!("database kept at {}", path.path().display());
    }

    let (mut ours_all, mut base_all) = (Vec::new(), Vec::new());
    let mut per_query: Vec<(&str, Vec<f64>, Vec<f64>, u32)> = QUERIES
        .iter()
        .map(|q| (q.0, Vec::new(), Vec::new(), 0))
        .collect();
    for _ in 0..rounds {
        for (qi, (_, filter, search, like)) in QUERIES.iter().enumerate() {
            let started = Instant::now();
            let page = desk
                .directory_page(&DirectoryQuery {
                    provider: "bench".into(),
                    kind: desk_engine::vocabulary::Kind::User,
                    search: search.map(str::to_string),
                    filter: filter.map(str::to_string),
                    sort: Some("user_name".into()),
                    descending: false,
                    offset: 0,
                    limit: 100,
                })
                .expect("query");
            let ours = started.elapsed().as_secs_f64() * 1000.0;
            let started = Instant::now();
            let n: i64 = conn
                .query_row(
                    "SELECT count(*) FROM resources WHERE snapshot_id = ?1 AND kind = 'User'
                       AND scim_unpack(raw) LIKE ?2",
                    rusqlite::params![snapshot.id, like],
                    |r| r.get(0),
                )
                .expect("count");
            let mut stmt = conn
                .prepare_cached(
                    "SELECT raw FROM resources WHERE snapshot_id = ?1 AND kind = 'User'
                       AND scim_unpack(raw) LIKE ?2 ORDER BY user_name COLLATE NOCASE LIMIT 100",
                )
                .expect("prepare");
            let rows: Vec<String> = stmt
                .query_map(rusqlite::params![snapshot.id, like], |r| r.get(0))
                .expect("query")
                .filter_map(Result::ok)
                .collect();
            let base = started.elapsed().as_secs_f64() * 1000.0;
            assert!(n >= 0 && rows.len() <= 100);
            per_query[qi].1.push(ours);
            per_query[qi].2.push(base);
            per_query[qi].3 = page.total;
            ours_all.push(ours);
            base_all.push(base);
        }
    }
    println!("## Offline filter and full-text search over {users} cached users\n");
    println!(
        "**Method**: `desk-bench search {users} {rounds}`. {users} sample users are written into a \
         snapshot of a real SQLite file by the engine's writer. Each query asks what the Users \
         view asks: the count of matches and the first 100 rows sorted by user name, through \
         `Desk::directory_page` (filter parsing, SQL, JSON of the rows). The baseline, in the \
         same loop, is a plain SQLite `LIKE` scan over the stored JSON (count plus first page). \
         {rounds} rounds of the {} queries below. **Budget**: p95 <= 10 ms.\n",
        QUERIES.len()
    );
    println!("| query (count + first 100 rows sorted) | matches | SCIM Desk p50 / p95 ms | LIKE scan p50 / p95 ms |");
    println!("|---|---|---|---|");
    let mut slow = Vec::new();
    for (label, mut o, mut b, n) in per_query {
        if percentile(&mut o, 0.95) > 10.0 {
            slow.push(label.to_string());
        }
        println!(
            "| {label} | {n} | {:.1} / {:.1} | {:.1} / {:.1} |",
            percentile(&mut o, 0.5),
            percentile(&mut o, 0.95),
            percentile(&mut b, 0.5),
            percentile(&mut b, 0.95)
        );
    }
    let o95 = percentile(&mut ours_all, 0.95);
    let b95 = percentile(&mut base_all, 0.95);
    println!(
        "| **all queries** | | **{:.1} / {o95:.1}** | {:.1} / {b95:.1} |",
        percentile(&mut ours_all, 0.5),
        percentile(&mut base_all, 0.5)
    );
    if std::env::var_os("BENCH_KEEP").is_some() {
        let _ = data.keep();
    }
    println!("\nRatio of p95 (LIKE scan / SCIM Desk): {:.1}x.", b95 / o95);
    let over: Vec<&str> = slow.iter().map(String::as_str).collect();
    println!(
        "\n**Budget p95 <= 10 ms**: {}\n",
        if o95 <= 10.0 {
            "met.".to_string()
        } else {
            format!(
                "not met over all queries ({o95:.1} ms); over budget: {}.",
                over.join(", ")
            )
        }
    );
}
