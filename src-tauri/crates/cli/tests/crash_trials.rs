//! Crash trials: the CLI killed with SIGKILL at 20 random points of a sync and at 20 random
//! points of a migration run. After every kill the database passes `pragma integrity_check`
//! and the last published snapshot reads in full; the migration, resumed after each kill,
//! ends with every record at the target exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use desk_reference::sample::generate;
use desk_reference::{ProviderKind, ReferenceServer};

mod common;
use common::{add_provider, all_at, cli, next_run, ok, ops_done, run_and_kill};

const TRIALS: usize = 20;

/// A small deterministic generator (the seed is printed, so a failing trial can be replayed).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

fn seed() -> Lcg {
    let s = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| u64::from(std::process::id()));
    eprintln!("crash trials seed: {s} (set CRASH_SEED to replay)");
    Lcg(s)
}

fn integrity(data: &Path) -> String {
    let db =
        desk_store::Database::open(&desk_engine::offline::key::in_folder(data).unwrap()).unwrap();
    db.conn()
        .query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
        .unwrap()
}

/// Users in the newest complete snapshot of provider `name`.
fn published(data: &Path, name: &str) -> i64 {
    let db =
        desk_store::Database::open(&desk_engine::offline::key::in_folder(data).unwrap()).unwrap();
    db.conn()
        .query_row(
            "SELECT s.users FROM snapshots s JOIN providers p ON p.id = s.provider_id
              WHERE p.name = ?1 AND s.complete = 1 ORDER BY s.id DESC LIMIT 1",
            [name],
            |r| r.get(0),
        )
        .unwrap()
}

/// A provider seeded with the sample directory; returns it and the number of groups.
async fn seeded(kind: ProviderKind, users: usize, groups: usize) -> (ReferenceServer, usize) {
    let server = ReferenceServer::start(kind).await.unwrap();
    let dir = generate(desk_reference::sample::DEMO_SEED, users, groups);
    desk_reference::seed::seed(&server.client(), &dir, |_, _| {})
        .await
        .unwrap();
    (server, dir.groups.len())
}

#[tokio::test]
async fn a_sync_killed_at_20_random_points_never_damages_the_database() {
    let data = tempfile::tempdir().unwrap();
    let name = "trial";
    let (server, _) = seeded(ProviderKind::Scim2Server, 1500, 30).await;
    add_provider(data.path(), name, &server);
    // The first sync also makes the database and its key; the kills interrupt syncs like the
    // second one, so that one sets the window they land in.
    ok(cli(data.path(), &["sync", name], &[]));
    let started = Instant::now();
    ok(cli(data.path(), &["sync", name], &[]));
    let full = started.elapsed().as_millis() as u64;
    let mut rng = seed();
    let mut mid_way = 0;
    for trial in 0..TRIALS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scim-desk-cli"))
            .args(["sync", name])
            .env("SCIM_DESK_DATA_DIR", data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Anywhere from start-up to just after the end of a sync.
        tokio::time::sleep(Duration::from_millis(rng.below(full + full / 5))).await;
        if child.try_wait().unwrap().is_none() {
            mid_way += 1;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(integrity(data.path()), "ok", "trial {trial}");
        assert_eq!(
            published(data.path(), name),
            1500,
            "trial {trial}: the newest snapshot is whole"
        );
        let out = ok(cli(
            data.path(),
            &["--format", "json", "users", name, "--offline"],
            &[],
        ));
        let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1500, "trial {trial}");
    }
    eprintln!("{TRIALS} sync kills, {mid_way} of them mid-way");
    assert!(mid_way >= TRIALS / 2, "most kills landed inside a sync");
}

#[tokio::test]
async fn a_migration_killed_at_20_random_points_resumes_to_exactly_once() {
    let data = tempfile::tempdir().unwrap();
    let (source, groups) = seeded(ProviderKind::Scim2Server, 300, 15).await;
    let target = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    add_provider(data.path(), "src", &source);
    add_provider(data.path(), "dst", &target);
    // One request per record with a little pacing, so kills land between and inside requests.
    ok(cli(
        data.path(),
        &[
            "provider",
            "override",
            "dst",
            "bulk=no",
            "min_write_interval_ms=5",
        ],
        &[],
    ));
    ok(cli(data.path(), &["sync", "src"], &[]));
    ok(cli(data.path(), &["sync", "dst"], &[]));
    let plan = data.path().join("plan.json");
    ok(cli(
        data.path(),
        &[
            "migrate",
            "plan",
            "src",
            "dst",
            "--out",
            plan.to_str().unwrap(),
        ],
        &[],
    ));
    let run = next_run(data.path());
    let mut rng = seed();
    let mut kills = 0;
    for trial in 0..TRIALS {
        let args: &[&str] = if trial == 0 {
            &["migrate", "run", plan.to_str().unwrap(), "--yes"]
        } else {
            &["migrate", "resume"]
        };
        // 1 to 25 operations further each time: 20 kills land before the ~620 operations end.
        let at = ops_done(data.path(), run) + 1 + rng.below(25) as i64;
        if run_and_kill(data.path(), args, run, at).await {
            kills += 1;
        } else {
            break;
        }
        assert_eq!(integrity(data.path()), "ok", "trial {trial}");
    }
    eprintln!("{kills} migration kills before the run could finish");
    assert_eq!(
        kills, TRIALS,
        "every one of the {TRIALS} kills landed inside the run"
    );
    let out = cli(data.path(), &["migrate", "resume"], &[]);
    let said = common::text(&out);
    assert!(
        out.status.success() || said.contains("no unfinished migration"),
        "{said}"
    );
    assert_eq!(integrity(data.path()), "ok");
    let users = all_at(&target, "Users").await;
    let mut names: Vec<String> = users
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_lowercase())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(
        (users.len(), names.len()),
        (300, 300),
        "every user exactly once"
    );
    assert_eq!(
        all_at(&target, "Groups").await.len(),
        groups,
        "every group once"
    );
    let out = ok(cli(data.path(), &["migrate", "verify", "src", "dst"], &[]));
    assert!(out.starts_with("0 differences remain"), "{out}");
}
