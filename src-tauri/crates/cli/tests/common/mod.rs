//! What the CLI's integration tests share: running the program on a data folder.

#![allow(dead_code)] // each test file uses its own part

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use desk_reference::ReferenceServer;
use serde_json::Value;

/// Runs `scim-desk-cli ARGS` with the data folder `data` and extra environment variables.
pub fn cli(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scim-desk-cli"));
    cmd.args(args).env("SCIM_DESK_DATA_DIR", data);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the CLI runs")
}

/// Standard output then standard error, as text.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn ok(o: Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{text}");
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// Adds a reference server as provider `name` through the CLI (token from the environment).
pub fn add_provider(data: &Path, name: &str, server: &ReferenceServer) {
    let token = server.token().expose().clone();
    ok(cli(
        data,
        &[
            "provider",
            "add",
            name,
            "--url",
            server.base_url(),
            "--token-env",
            "T",
        ],
        &[("T", &token)],
    ));
}

/// Operations journaled as done by runs numbered `from_run` or later.
pub fn ops_done(data: &Path, from_run: i64) -> i64 {
    desk_store::Database::open(&desk_engine::offline::key::in_folder(data).unwrap())
        .ok()
        .and_then(|db| {
            db.conn()
                .query_row(
                    "SELECT count(*) FROM migration_ops WHERE state = 'done'
                      AND migration_id >= ?1",
                    [from_run],
                    |r| r.get(0),
                )
                .ok()
        })
        .unwrap_or(0)
}

/// The number the next migration run will get.
pub fn next_run(data: &Path) -> i64 {
    desk_store::Database::open(&desk_engine::offline::key::in_folder(data).unwrap())
        .ok()
        .and_then(|db| {
            db.conn()
                .query_row("SELECT coalesce(max(id), 0) + 1 FROM migrations", [], |r| {
                    r.get(0)
                })
                .ok()
        })
        .unwrap_or(1)
}

/// Starts the CLI with `args` and kills it (SIGKILL) once runs numbered `from_run` or later
/// have `done_at` operations done; false when it finished first.
pub async fn run_and_kill(data: &Path, args: &[&str], from_run: i64, done_at: i64) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scim-desk-cli"))
        .args(args)
        .env("SCIM_DESK_DATA_DIR", data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if ops_done(data, from_run) >= done_at {
            break;
        }
        // A run that makes no progress is a failure, not a kill.
        if started.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run did not reach {done_at} operations in 300 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    true
}

/// Every record of `endpoint` at `server`, read in pages.
pub async fn all_at(server: &ReferenceServer, endpoint: &str) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let page = server
            .client()
            .list_page(endpoint, out.len() as u64 + 1, 200, None)
            .await
            .unwrap();
        let total = page.total_results.unwrap_or(0) as usize;
        let n = page.resources.len();
        out.extend(page.resources);
        if n == 0 || out.len() >= total {
            return out;
        }
    }
}
