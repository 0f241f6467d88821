//! `scim-desk-cli sync`, `users` and `groups` against real providers, a real SQLite file and
//! the real Secret Service (run inside `cargo xtask test`'s D-Bus session).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use desk_reference::sample::generate;
use desk_reference::{ProviderKind, ReferenceServer};
use serde_json::Value;

mod common;
use common::{add_provider, all_at, cli, next_run, ok, run_and_kill};

/// Starts a provider seeded with `users` sample users; returns it and the number of groups.
async fn provider_with(
    kind: ProviderKind,
    users: usize,
    groups: usize,
    data: &Path,
    name: &str,
) -> (ReferenceServer, usize) {
    let server = ReferenceServer::start(kind).await.unwrap();
    let dir = generate(desk_reference::sample::DEMO_SEED, users, groups);
    let n_groups = dir.groups.len();
    desk_reference::seed::seed(&server.client(), &dir, |_, _| {})
        .await
        .unwrap();
    add_provider(data, name, &server);
    (server, n_groups)
}

fn json_list(out: &str) -> Vec<Value> {
    serde_json::from_str::<Value>(out)
        .expect("one JSON array")
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn sync_then_browse_offline_with_filters_sort_and_formats() {
    let data = tempfile::tempdir().unwrap();
    let name = format!("sync-{}", std::process::id());
    let (_server, n_groups) =
        provider_with(ProviderKind::Scim2Server, 300, 20, data.path(), &name).await;
    let out = ok(cli(data.path(), &["sync", &name], &[]));
    assert!(out.contains("300 users"), "{out}");
    assert!(out.contains("groups"), "{out}");

    let all = json_list(&ok(cli(
        data.path(),
        &["--format", "json", "users", &name, "--offline"],
        &[],
    )));
    assert_eq!(all.len(), 300);

    // The same filter offline (evaluated here) and live (sent to the provider) agree.
    let f = r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales" and active eq true"#;
    let offline = json_list(&ok(cli(
        data.path(),
        &[
            "--format",
            "json",
            "users",
            &name,
            "--offline",
            "--filter",
            f,
        ],
        &[],
    )));
    let live = json_list(&ok(cli(
        data.path(),
        &["--format", "json", "users", &name, "--filter", f],
        &[],
    )));
    assert!(!offline.is_empty());
    assert_eq!(offline.len(), live.len());

    let sorted = json_list(&ok(cli(
        data.path(),
        &[
            "--format",
            "json",
            "users",
            &name,
            "--offline",
            "--sort",
            "userName",
        ],
        &[],
    )));
    let names: Vec<String> = sorted
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_lowercase())
        .collect();
    let mut want = names.clone();
    want.sort();
    assert_eq!(names, want, "sorted by userName");

    let csv = ok(cli(
        data.path(),
        &["--format", "csv", "users", &name, "--offline"],
        &[],
    ));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,userName,displayName,givenName,familyName,email,department,title,active")
    );
    assert_eq!(lines.count(), 300);

    let groups = json_list(&ok(cli(
        data.path(),
        &["--format", "json", "groups", &name, "--offline"],
        &[],
    )));
    assert_eq!(groups.len(), n_groups);
    let table = ok(cli(
        data.path(),
        &["groups", &name, "--offline", "--sort", "displayName"],
        &[],
    ));
    assert!(table.starts_with("id"), "{table}");

    let bad = cli(
        data.path(),
        &[
            "--format",
            "json",
            "users",
            &name,
            "--offline",
            "--filter",
            "userName eq",
        ],
        &[],
    );
    assert!(!bad.status.success());
    let err: Value = serde_json::from_slice(&bad.stderr).unwrap();
    assert_eq!(err["code"], "invalid_input");
    let _ = cli(data.path(), &["provider", "remove", &name], &[]);
}

#[tokio::test]
async fn sync_works_against_scimmy_too() {
    let data = tempfile::tempdir().unwrap();
    let name = format!("scimmy-{}", std::process::id());
    let (_server, n_groups) = provider_with(ProviderKind::Scimmy, 60, 12, data.path(), &name).await;
    let out = ok(cli(data.path(), &["sync", &name], &[]));
    assert!(
        out.contains(&format!("60 users, {n_groups} groups")),
        "{out}"
    );
    assert!(
        out.contains("note:"),
        "SCIMMY's quirks are explained: {out}"
    );
    let _ = cli(data.path(), &["provider", "remove", &name], &[]);
}

#[tokio::test]
async fn a_killed_sync_leaves_the_previous_snapshot_untouched() {
    let data = tempfile::tempdir().unwrap();
    let name = format!("kill-{}", std::process::id());
    let (_server, _) = provider_with(ProviderKind::Scim2Server, 1500, 10, data.path(), &name).await;
    ok(cli(data.path(), &["sync", &name], &[]));
    let before = json_list(&ok(cli(
        data.path(),
        &["--format", "json", "users", &name, "--offline"],
        &[],
    )));
    assert_eq!(before.len(), 1500);

    let mut child = Command::new(env!("CARGO_BIN_EXE_scim-desk-cli"))
        .args(["sync", &name])
        .env("SCIM_DESK_DATA_DIR", data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed while its snapshot's write transaction is open: the database's write lock is
    // held (a second writer is refused at once) until the sync commits.
    let watcher =
        desk_store::Database::open(&desk_engine::offline::key::in_folder(data.path()).unwrap())
            .unwrap();
    watcher.conn().busy_timeout(Duration::ZERO).unwrap();
    let writing = || {
        watcher
            .conn()
            .execute_batch("BEGIN IMMEDIATE; ROLLBACK;")
            .is_err()
    };
    let started = std::time::Instant::now();
    loop {
        // Writing, and still writing some pages later: inside the snapshot (not the short
        // write of the provider's profile before it).
        if writing() {
            tokio::time::sleep(Duration::from_millis(150)).await;
            if writing() {
                break;
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sync ended before it was seen writing"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the sync never began writing"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the sync was killed mid-way");
    drop(watcher);

    let db =
        desk_store::Database::open(&desk_engine::offline::key::in_folder(data.path()).unwrap())
            .unwrap();
    let provider = db.provider(&name).unwrap();
    assert_eq!(
        db.snapshots(provider.id).unwrap().len(),
        1,
        "no partial snapshot"
    );
    let after = json_list(&ok(cli(
        data.path(),
        &["--format", "json", "users", &name, "--offline"],
        &[],
    )));
    assert_eq!(
        after.len(),
        1500,
        "the previous snapshot still reads in full"
    );
    let _ = cli(data.path(), &["provider", "remove", &name], &[]);
}

#[tokio::test]
async fn diff_shows_what_changed_between_two_syncs() {
    let data = tempfile::tempdir().unwrap();
    let name = format!("diff-{}", std::process::id());
    let (server, _) = provider_with(ProviderKind::Scim2Server, 40, 5, data.path(), &name).await;
    ok(cli(data.path(), &["sync", &name], &[]));
    let client = server.client();
    let users = json_list(&ok(cli(
        data.path(),
        &[
            "--format",
            "json",
            "users",
            &name,
            "--offline",
            "--sort",
            "userName",
        ],
        &[],
    )));
    let first = users[0]["id"].as_str().unwrap().to_string();
    let second = users[1]["id"].as_str().unwrap().to_string();
    let patch = serde_json::json!({"schemas": [scim_client_patch_schema()],
        "Operations": [{"op": "replace", "path": "title", "value": "Chief Tea Officer"}]});
    client.patch("Users", &first, &patch, None).await.unwrap();
    client.delete("Users", &second).await.unwrap();
    ok(cli(data.path(), &["sync", &name], &[]));
    let out = ok(cli(data.path(), &["diff", &name], &[]));
    assert!(out.contains("2 change(s)"), "{out}");
    assert!(
        out.contains("changed title:") && out.contains("\"Chief Tea Officer\""),
        "{out}"
    );
    assert!(out.contains("- User") && out.contains(&second), "{out}");
    let d: Value = serde_json::from_str(&ok(cli(
        data.path(),
        &["--format", "json", "diff", &name],
        &[],
    )))
    .unwrap();
    assert_eq!(d["changes"].as_array().unwrap().len(), 2);
    let _ = cli(data.path(), &["provider", "remove", &name], &[]);
}

fn scim_client_patch_schema() -> &'static str {
    "urn:ietf:params:scim:api:messages:2.0:PatchOp"
}

#[tokio::test]
async fn get_history_and_export_read_the_cache() {
    let data = tempfile::tempdir().unwrap();
    let name = format!("hist-{}", std::process::id());
    let (server, n_groups) =
        provider_with(ProviderKind::Scim2Server, 30, 5, data.path(), &name).await;
    ok(cli(data.path(), &["sync", &name], &[]));
    let users = json_list(&ok(cli(
        data.path(),
        &["--format", "json", "users", &name, "--offline"],
        &[],
    )));
    let id = users[3]["id"].as_str().unwrap().to_string();
    let live: Value =
        serde_json::from_str(&ok(cli(data.path(), &["get", &name, &id], &[]))).unwrap();
    let cached: Value = serde_json::from_str(&ok(cli(
        data.path(),
        &["get", &name, &id, "--offline"],
        &[],
    )))
    .unwrap();
    assert_eq!(live["userName"], cached["userName"]);
    let patch = serde_json::json!({"schemas": [scim_client_patch_schema()],
        "Operations": [{"op": "replace", "path": "title", "value": "Archivist"}]});
    server
        .client()
        .patch("Users", &id, &patch, None)
        .await
        .unwrap();
    ok(cli(data.path(), &["sync", &name], &[]));
    let hist = ok(cli(data.path(), &["history", &name, &id], &[]));
    let lines: Vec<&str> = hist.lines().collect();
    // The first copy kept: not "added" (older copies may have been pruned).
    assert!(lines[0].ends_with(": in the oldest copy kept"), "{hist}");
    assert!(lines[1].ends_with(": changed"), "{hist}");
    assert!(lines[2].contains("changed title"), "{hist}");
    let export: Value =
        serde_json::from_str(&ok(cli(data.path(), &["export", &name], &[]))).unwrap();
    assert_eq!(export["users"].as_array().unwrap().len(), 30);
    assert_eq!(export["groups"].as_array().unwrap().len(), n_groups);
    let csv = ok(cli(data.path(), &["--format", "csv", "export", &name], &[]));
    assert_eq!(csv.lines().count(), 31, "header and one line per user");
    let missing = cli(
        data.path(),
        &["--format", "json", "history", &name, "no-such-id"],
        &[],
    );
    assert!(!missing.status.success());
    let _ = cli(data.path(), &["provider", "remove", &name], &[]);
}

#[tokio::test]
async fn an_incremental_sync_reads_only_changes_and_finds_deletions() {
    let data = tempfile::tempdir().unwrap();
    let name = format!("inc-{}", std::process::id());
    let (server, _) = provider_with(ProviderKind::Scim2Server, 120, 5, data.path(), &name).await;
    ok(cli(data.path(), &["sync", &name], &[]));
    let users = json_list(&ok(cli(
        data.path(),
        &[
            "--format",
            "json",
            "users",
            &name,
            "--offline",
            "--sort",
            "userName",
        ],
        &[],
    )));
    let (changed, deleted) = (
        users[0]["id"].as_str().unwrap().to_string(),
        users[1]["id"].as_str().unwrap().to_string(),
    );
    // The provider's clock moves on by at least a second (lastModified has second precision).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let client = server.client();
    let patch = serde_json::json!({"schemas": [scim_client_patch_schema()],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Zebulon Incremental"}]});
    client.patch("Users", &changed, &patch, None).await.unwrap();
    client.delete("Users", &deleted).await.unwrap();
    client
        .create(
            "Users",
            &serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "newcomer@example.com", "displayName": "Nora Newcomer"}),
        )
        .await
        .unwrap();
    let out = ok(cli(
        data.path(),
        &["--format", "json", "sync", &name, "--incremental"],
        &[],
    ));
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["kind"], "incremental", "{out}");
    assert_eq!(report["users"], 120, "one deleted, one added: {out}");
    assert!(
        report["fetched"].as_u64().unwrap() < 20,
        "only the changes were read in full: {out}"
    );
    let now = json_list(&ok(cli(
        data.path(),
        &["--format", "json", "users", &name, "--offline"],
        &[],
    )));
    assert_eq!(now.len(), 120);
    assert!(now
        .iter()
        .any(|u| u["displayName"] == "Zebulon Incremental"));
    assert!(now.iter().any(|u| u["userName"] == "newcomer@example.com"));
    assert!(!now.iter().any(|u| u["id"] == deleted.as_str()));
    let diff: Value = serde_json::from_str(&ok(cli(
        data.path(),
        &["--format", "json", "diff", &name],
        &[],
    )))
    .unwrap();
    assert_eq!(diff["changes"].as_array().unwrap().len(), 3, "{diff}");
    let _ = cli(data.path(), &["provider", "remove", &name], &[]);
}

/// `migrate plan SRC DST --out FILE` in the data folder: the CLI's output and the plan.
fn plan(data: &Path, src: &str, dst: &str, file: &str) -> (String, Value) {
    let path = data.join(file);
    let out = ok(cli(
        data,
        &["migrate", "plan", src, dst, "--out", path.to_str().unwrap()],
        &[],
    ));
    let plan = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    (out, plan)
}

/// Adds an empty-or-seeded SCIMMY as provider `name` and syncs it and `source`.
fn add_target_and_sync(data: &Path, name: &str, target: &ReferenceServer, source: &str) {
    add_provider(data, name, target);
    ok(cli(data, &["sync", source], &[]));
    ok(cli(data, &["sync", name], &[]));
}

#[tokio::test]
async fn migrate_plan_from_scim2_server_to_scimmy() {
    let data = tempfile::tempdir().unwrap();
    let pid = std::process::id();
    let (src, dst) = (format!("src-{pid}"), format!("dst-{pid}"));
    let (_source, n_groups) =
        provider_with(ProviderKind::Scim2Server, 200, 10, data.path(), &src).await;
    // The target already holds two of the people (by userName), one with another title.
    let target = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    let dir = generate(desk_reference::sample::DEMO_SEED, 200, 10);
    let tc = target.client();
    for (i, u) in dir.users.iter().take(2).enumerate() {
        let mut v = u.resource.clone();
        if i == 1 {
            v["title"] = serde_json::json!("Something else");
        }
        v.as_object_mut()
            .unwrap()
            .remove("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
        tc.create("Users", &v).await.unwrap();
    }
    add_target_and_sync(data.path(), &dst, &target, &src);
    let (out, plan) = plan(data.path(), &src, &dst, "plan.json");
    assert!(out.contains("nothing was sent"), "{out}");
    let ops = plan["operations"].as_array().unwrap();
    let count = |op: &str| ops.iter().filter(|o| o["op"] == op).count();
    assert_eq!(count("create_user"), 198, "{}", plan["counts"]);
    assert!(count("update_user") >= 1, "{}", plan["counts"]);
    assert_eq!(count("create_group"), n_groups);
    assert!(count("add_members") > 0 && count("set_manager") > 0);
    // Operations are ordered: users, then groups, then members, then managers.
    let order: Vec<&str> = ops.iter().map(|o| o["op"].as_str().unwrap()).collect();
    let first = |op: &str| order.iter().position(|o| *o == op).unwrap();
    assert!(first("create_group") > first("create_user"));
    assert!(first("add_members") > first("create_group"));
    assert!(first("set_manager") > first("add_members"));
    // Nothing was written to the target.
    assert_eq!(
        tc.list_page("Users", 1, 10, None)
            .await
            .unwrap()
            .total_results,
        Some(2)
    );
}

#[tokio::test]
async fn migrate_run_killed_then_resumed_then_replanned_to_nothing() {
    let data = tempfile::tempdir().unwrap();
    let pid = std::process::id();
    let (src, dst) = (format!("msrc-{pid}"), format!("mdst-{pid}"));
    let (source, _) = provider_with(ProviderKind::Scim2Server, 120, 8, data.path(), &src).await;
    let target = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    add_target_and_sync(data.path(), &dst, &target, &src);
    plan(data.path(), &src, &dst, "plan.json");
    let plan_file = data.path().join("plan.json");
    let plan_arg = plan_file.to_str().unwrap();
    // Run, and kill -9 once some operations are done.
    assert!(run_and_kill(data.path(), &["migrate", "run", plan_arg, "--yes"], 1, 30).await);

    // Before resuming, verify sees what is missing and says so with exit code 8.
    let out = cli(data.path(), &["migrate", "verify", &src, &dst], &[]);
    assert_eq!(
        out.status.code(),
        Some(8),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = ok(cli(data.path(), &["migrate", "resume"], &[]));
    assert!(out.contains("0 failed"), "{out}");
    // After it: nothing remains; the report lists every operation done and the ID map.
    let out = ok(cli(data.path(), &["migrate", "verify", &src, &dst], &[]));
    assert!(out.starts_with("0 differences remain"), "{out}");
    let report: Value = serde_json::from_str(&ok(cli(
        data.path(),
        &["--format", "json", "migrate", "report"],
        &[],
    )))
    .unwrap();
    assert!(report["finishedAt"].is_string(), "{report}");
    assert!(report["states"].get("failed").is_none(), "{report}");
    let map = ok(cli(
        data.path(),
        &["--format", "csv", "migrate", "report"],
        &[],
    ));
    assert!(map.starts_with("kind,source_id,target_id,external_id"));
    assert!(
        map.lines().filter(|l| l.starts_with("User,")).count() >= 120,
        "{map}"
    );
    // No duplicates at the target, and a new plan after a fresh read has nothing to do.
    let users = target
        .client()
        .list_page("Users", 1, 500, None)
        .await
        .unwrap();
    assert_eq!(users.total_results, Some(120), "every user exactly once");
    ok(cli(data.path(), &["sync", &dst], &[]));
    let (_, replan) = plan(data.path(), &src, &dst, "again.json");
    assert_eq!(
        replan["operations"].as_array().unwrap().len(),
        0,
        "{}",
        serde_json::to_string_pretty(&replan["operations"]).unwrap()
    );
    // Neither token is in any file the run left behind: the database and its log, plans,
    // exports, the report and ID map printed above.
    let report_text = format!("{report}{map}");
    for token in [source.token().expose(), target.token().expose()] {
        assert!(
            !report_text.contains(token.as_str()),
            "a token in the report"
        );
        assert_no_secret(data.path(), token);
    }
}

/// Fails when `secret` appears in any file under `dir` (SQLite files read as bytes).
fn assert_no_secret(dir: &Path, secret: &str) {
    let mut stack = vec![dir.to_path_buf()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                files += 1;
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "the secret is in {}",
                    path.display()
                );
            }
        }
    }
    assert!(
        files >= 3,
        "the data folder holds the database, plans and more"
    );
}

/// Counts what a provider holds: users, groups, and memberships of its groups.
async fn holdings(server: &ReferenceServer) -> (u64, u64, usize) {
    let c = server.client();
    let users = c.list_page("Users", 1, 1, None).await.unwrap();
    let groups = c.list_page("Groups", 1, 1000, None).await.unwrap();
    let members = groups
        .resources
        .iter()
        .map(|g| g["members"].as_array().map_or(0, Vec::len))
        .sum();
    (
        users.total_results.unwrap(),
        groups.total_results.unwrap(),
        members,
    )
}

#[tokio::test]
async fn migrate_through_the_embedded_provider_from_and_to_both_reference_servers() {
    // The embedded provider (the installed app's demo) as a third implementation: a whole
    // migration into it from scim2-server, verified, then out of it into SCIMMY, verified.
    let data = tempfile::tempdir().unwrap();
    let pid = std::process::id();
    let (src, mid, dst) = (
        format!("esrc-{pid}"),
        format!("emid-{pid}"),
        format!("edst-{pid}"),
    );
    let (source, n_groups) =
        provider_with(ProviderKind::Scim2Server, 120, 8, data.path(), &src).await;
    let embedded = ReferenceServer::start(ProviderKind::Embedded)
        .await
        .unwrap();
    let scimmy = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    let want = holdings(&source).await;
    assert_eq!((want.0, want.1 as usize), (120, n_groups));
    assert!(want.2 > 0, "the groups have members");
    for (from, to, server, file) in [
        (&src, &mid, &embedded, "into.json"),
        (&mid, &dst, &scimmy, "out.json"),
    ] {
        add_target_and_sync(data.path(), to, server, from);
        let (_, p) = plan(data.path(), from, to, file);
        assert_eq!(
            p["operations"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|o| o["op"] == "create_user")
                .count(),
            120,
            "{from} -> {to}"
        );
        let plan_file = data.path().join(file);
        ok(cli(
            data.path(),
            &["migrate", "run", plan_file.to_str().unwrap(), "--yes"],
            &[],
        ));
        ok(cli(data.path(), &["migrate", "verify", from, to], &[]));
        assert_eq!(holdings(server).await, want, "{to} holds what {from} held");
    }
}

#[tokio::test]
async fn migrate_from_scimmy_to_scim2_server_and_a_refused_record() {
    let data = tempfile::tempdir().unwrap();
    let pid = std::process::id();
    let (src, dst) = (format!("rsrc-{pid}"), format!("rdst-{pid}"));
    // SCIMMY as the source this time, scim2-server as the target.
    let (_source, _) = provider_with(ProviderKind::Scimmy, 60, 6, data.path(), &src).await;
    let target = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    add_target_and_sync(data.path(), &dst, &target, &src);
    let (_, p) = plan(data.path(), &src, &dst, "plan.json");
    assert_eq!(
        p["operations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["op"] == "create_user")
            .count(),
        60
    );
    // With mapping rules: titles dropped, user names in capitals, a constant user type.
    let rules = data.path().join("rules.json");
    std::fs::write(
        &rules,
        r#"{"users": [{"attribute": "title", "drop": true},
                      {"attribute": "userName", "transform": "upper"},
                      {"attribute": "userType", "constant": "Migrated"}]}"#,
    )
    .unwrap();
    let rules_arg = rules.to_str().unwrap();
    let plan_file = data.path().join("ruled.json");
    ok(cli(
        data.path(),
        &[
            "migrate",
            "plan",
            &src,
            &dst,
            "--rules",
            rules_arg,
            "--out",
            plan_file.to_str().unwrap(),
        ],
        &[],
    ));
    ok(cli(
        data.path(),
        &["migrate", "run", plan_file.to_str().unwrap(), "--yes"],
        &[],
    ));
    ok(cli(
        data.path(),
        &["migrate", "verify", &src, &dst, "--rules", rules_arg],
        &[],
    ));
    let users = target
        .client()
        .list_page("Users", 1, 100, None)
        .await
        .unwrap()
        .resources;
    assert!(users.iter().all(|u| u.get("title").is_none()
        && u["userType"] == "Migrated"
        && u["userName"]
            .as_str()
            .is_some_and(|n| n == n.to_uppercase())));

    // Back the other way, with one record SCIMMY refuses (a non-canonical email type): that
    // operation fails with the provider's reason, the others go through.
    let scimmy = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    let back = format!("back-{pid}");
    target
        .client()
        .create(
            "Users",
            &serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "odd.one", "emails": [{"value": "odd@example.com", "type": "pager"}]}),
        )
        .await
        .unwrap();
    add_target_and_sync(data.path(), &back, &scimmy, &dst);
    plan(data.path(), &dst, &back, "back.json");
    let out = cli(
        data.path(),
        &[
            "migrate",
            "run",
            data.path().join("back.json").to_str().unwrap(),
            "--yes",
        ],
        &[],
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(8), "{text}");
    assert!(text.contains("1 failed"), "{text}");
    assert!(text.contains("create_user odd.one"), "{text}");
    // The provider's own reason (SCIMMY names the attribute it did not accept).
    let failed_line = text
        .lines()
        .find(|l| l.contains("create_user odd.one"))
        .unwrap();
    assert!(
        failed_line.contains("HTTP 400 (invalidValue)")
            && failed_line.contains("non-canonical value from complex attribute 'emails'"),
        "the reason SCIMMY gave: {failed_line}"
    );
    let users = scimmy
        .client()
        .list_page("Users", 1, 200, None)
        .await
        .unwrap();
    assert_eq!(users.total_results, Some(60), "everyone else arrived");
    // Resuming tries the failed record again (still refused, for the same reason) and
    // nothing else: nobody is created twice.
    let again = cli(data.path(), &["migrate", "resume"], &[]);
    let said = String::from_utf8_lossy(&again.stdout).to_string();
    assert_eq!(again.status.code(), Some(8), "{said}");
    assert!(
        said.contains("1 failed") && said.contains("non-canonical value"),
        "{said}"
    );
    let users = scimmy
        .client()
        .list_page("Users", 1, 200, None)
        .await
        .unwrap();
    assert_eq!(users.total_results, Some(60), "nobody created twice");
}

/// Runs `plan.json` with kill -9 at each of `kills` (operations done), resuming after each,
/// then checks the target holds the directory exactly once, verify finds nothing, and a
/// plan after a fresh read has nothing to do.
async fn run_killed_at(
    data: &Path,
    (src, dst): (&str, &str),
    target: &ReferenceServer,
    (users, groups): (usize, usize),
    kills: &[i64],
) {
    let plan_file = data.join("plan.json");
    let run = ["migrate", "run", plan_file.to_str().unwrap(), "--yes"];
    let mut killed = 0;
    let this_run = next_run(data);
    for (i, at) in kills.iter().enumerate() {
        let args: &[&str] = if i == 0 { &run } else { &["migrate", "resume"] };
        if run_and_kill(data, args, this_run, *at).await {
            killed += 1;
        }
    }
    assert_eq!(killed, kills.len(), "every kill landed before the end");
    let out = ok(cli(data, &["migrate", "resume"], &[]));
    assert!(out.contains("0 failed"), "{out}");
    let at_target = all_at(target, "Users").await;
    let mut names: Vec<String> = at_target
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_lowercase())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(at_target.len(), users, "every user exactly once");
    assert_eq!(names.len(), users);
    assert_eq!(
        all_at(target, "Groups").await.len(),
        groups,
        "every group once"
    );
    let out = ok(cli(data, &["migrate", "verify", src, dst], &[]));
    assert!(out.starts_with("0 differences remain"), "{out}");
    let (_, replan) = plan(data, src, dst, "again.json");
    assert_eq!(replan["operations"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn migrate_2000_users_and_100_groups_both_ways_with_kills() {
    let data = tempfile::tempdir().unwrap();
    let pid = std::process::id();
    // scim2-server to SCIMMY, creates in Bulk: killed in the users, the groups and memberships,
    // and the managers.
    let (src, dst) = (format!("big-src-{pid}"), format!("big-dst-{pid}"));
    let (_source, n_groups) =
        provider_with(ProviderKind::Scim2Server, 2000, 100, data.path(), &src).await;
    assert_eq!(n_groups, 100);
    let target = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    add_target_and_sync(data.path(), &dst, &target, &src);
    let (_, p) = plan(data.path(), &src, &dst, "plan.json");
    let ops = p["operations"].as_array().unwrap();
    assert_eq!(
        ops.iter().filter(|o| o["op"] == "create_user").count(),
        2000
    );
    let members_start = ops.iter().position(|o| o["op"] == "add_members").unwrap() as i64;
    let managers_start = ops.iter().position(|o| o["op"] == "set_manager").unwrap() as i64;
    run_killed_at(
        data.path(),
        (&src, &dst),
        &target,
        (2000, 100),
        &[700, members_start + 20, managers_start + 300],
    )
    .await;

    // And back from SCIMMY to a fresh scim2-server, one request per record (Bulk switched
    // off for the target), killed twice.
    let back = format!("big-back-{pid}");
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    add_provider(data.path(), &back, &server);
    ok(cli(
        data.path(),
        &["provider", "override", &back, "bulk=no"],
        &[],
    ));
    ok(cli(data.path(), &["sync", &dst], &[]));
    ok(cli(data.path(), &["sync", &back], &[]));
    plan(data.path(), &dst, &back, "plan.json");
    run_killed_at(
        data.path(),
        (&dst, &back),
        &server,
        (2000, 100),
        &[500, 2500],
    )
    .await;
}

#[tokio::test]
async fn target_only_users_deleted_only_within_the_cap_and_a_broken_plan_sends_nothing() {
    let data = tempfile::tempdir().unwrap();
    let pid = std::process::id();
    let (src, dst) = (format!("dsrc-{pid}"), format!("ddst-{pid}"));
    let (_source, _) = provider_with(ProviderKind::Scim2Server, 20, 2, data.path(), &src).await;
    let target = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    for i in 0..3 {
        target
            .client()
            .create(
                "Users",
                &serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": format!("leaver{i}")}),
            )
            .await
            .unwrap();
    }
    add_target_and_sync(data.path(), &dst, &target, &src);
    let plan_with = |extra: &[&str], file: &str| {
        let path = data.path().join(file);
        let mut args = vec![
            "migrate",
            "plan",
            &src,
            &dst,
            "--out",
            path.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = ok(cli(data.path(), &args, &[]));
        let plan: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        (out, plan)
    };
    let count = |p: &Value, op: &str| {
        p["operations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["op"] == op)
            .count()
    };
    // Over the cap: deactivated, none deleted, and the plan says why.
    let (out, capped) = plan_with(
        &["--delete-target-only", "--max-deletes", "2"],
        "capped.json",
    );
    assert_eq!(count(&capped, "deactivate_user"), 3);
    assert_eq!(count(&capped, "delete_user"), 0);
    assert!(out.contains("limit of 2 deletes"), "{out}");
    // Within it: deactivated first, deleted at the very end.
    let (_, p) = plan_with(
        &["--delete-target-only", "--max-deletes", "5"],
        "delete.json",
    );
    assert_eq!(count(&p, "delete_user"), 3);
    assert_eq!(
        p["operations"].as_array().unwrap().last().unwrap()["op"],
        "delete_user"
    );

    // A plan edited by hand into nonsense is refused before anything is sent.
    let mut broken = p.clone();
    broken["operations"][0]["op"] = serde_json::json!("create_everything");
    let broken_file = data.path().join("broken.json");
    std::fs::write(&broken_file, broken.to_string()).unwrap();
    let out = cli(
        data.path(),
        &["migrate", "run", broken_file.to_str().unwrap(), "--yes"],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not an operation SCIM Desk knows"), "{err}");
    std::fs::write(&broken_file, "{\"version\": 1, \"operations\": 7}").unwrap();
    let out = cli(
        data.path(),
        &["migrate", "run", broken_file.to_str().unwrap(), "--yes"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(all_at(&target, "Users").await.len(), 3, "nothing was sent");

    ok(cli(
        data.path(),
        &[
            "migrate",
            "run",
            data.path().join("delete.json").to_str().unwrap(),
            "--yes",
        ],
        &[],
    ));
    let users = all_at(&target, "Users").await;
    assert_eq!(users.len(), 20);
    assert!(users
        .iter()
        .all(|u| !u["userName"].as_str().unwrap().starts_with("leaver")));
}
