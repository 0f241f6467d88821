//! `scim-desk-cli link` against real providers (scim2-server), a real SQLite file and the real
//! Secret Service: saving and editing links, a guard rail stopping a run with exit code 10 and
//! nothing written, a run killed mid-way (SIGKILL) finished by the next one with every user
//! exactly once, and the history saying so.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use desk_reference::sample::generate;
use desk_reference::{ProviderKind, ReferenceServer};
use serde_json::Value;

mod common;
use common::{add_provider, all_at, cli, next_run, ok, ops_done, run_and_kill, text};

fn json(out: String) -> Value {
    serde_json::from_str(&out).unwrap()
}

#[tokio::test]
async fn links_are_saved_guarded_killed_and_finished_by_the_next_run() {
    let dir = generate(52, 160, 8);
    let hr = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    desk_reference::seed::seed(&hr.client(), &dir, |_, _| {})
        .await
        .unwrap();
    let app = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let other = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    add_provider(d, "HR", &hr);
    add_provider(d, "App", &app);
    add_provider(d, "Other", &other);

    // Saved, listed, shown; a broken filter is refused (exit 2) naming it.
    let bad = cli(
        d,
        &[
            "link", "add", "Bad", "--from", "HR", "--to", "App", "--filter", "title eq",
        ],
        &[],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert!(
        text(&bad).contains("The scope filter \"title eq\""),
        "{}",
        text(&bad)
    );
    ok(cli(
        d,
        &[
            "link",
            "add",
            "Few",
            "--from",
            "HR",
            "--to",
            "Other",
            "--max-creates",
            "5",
        ],
        &[],
    ));
    ok(cli(
        d,
        &[
            "link",
            "add",
            "Everyone",
            "--from",
            "HR",
            "--to",
            "App",
            "--max-creates",
            "none",
            "--max-deactivations",
            "2%",
        ],
        &[],
    ));
    let list = json(ok(cli(d, &["link", "list", "--format", "json"], &[])));
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Everyone", "Few"]);
    assert_eq!(list[0]["settings"]["guard"]["maxDeactivations"], "2%");
    assert!(list[0]["settings"]["guard"].get("maxCreates").is_none());

    // No terminal and no --yes: refused before anything is read.
    let asked = cli(d, &["link", "run", "Few"], &[]);
    assert_eq!(asked.status.code(), Some(2), "{}", text(&asked));
    assert!(text(&asked).contains("add --yes"));

    // A guard rail: exit 10, what it would have done, nothing written.
    let stopped = cli(d, &["link", "run", "Few", "--yes"], &[]);
    assert_eq!(stopped.status.code(), Some(10), "{}", text(&stopped));
    let said = text(&stopped);
    let creates = 160 + dir.groups.len();
    assert!(
        said.contains(&format!(
            "Stopped before writing anything: it would create {creates} records; the link \
             allows at most 5 a run"
        )),
        "{said}"
    );
    assert!(all_at(&other, "Users").await.is_empty(), "nothing written");
    let dry = cli(
        d,
        &["link", "run", "Few", "--dry-run", "--format", "json"],
        &[],
    );
    assert!(dry.status.success(), "{}", text(&dry));
    assert_eq!(
        json(String::from_utf8_lossy(&dry.stdout).into())["outcome"],
        "dry_run"
    );
    // Run anyway, then nothing is left to do.
    ok(cli(d, &["link", "run", "Few", "--yes", "--force"], &[]));
    assert_eq!(all_at(&other, "Users").await.len(), 160);
    let again = json(ok(cli(
        d,
        &["link", "run", "Few", "--yes", "--format", "json"],
        &[],
    )));
    assert_eq!(again["outcome"], "completed");
    assert_eq!(again["operations"], Value::Array(Vec::new()));

    // Killed mid-way (SIGKILL), then finished by the next run: every user once.
    let run = next_run(d);
    assert!(
        run_and_kill(d, &["link", "run", "Everyone", "--yes"], run, 40).await,
        "the run was killed before it could finish"
    );
    let done_before = ops_done(d, run);
    assert!((40..200).contains(&done_before), "{done_before}");
    let finished = json(ok(cli(
        d,
        &["link", "run", "Everyone", "--yes", "--format", "json"],
        &[],
    )));
    assert_eq!(finished["outcome"], "completed", "{}", finished["message"]);
    assert!(finished["resumed"].as_u64().unwrap() > 0, "{finished}");
    let users = all_at(&app, "Users").await;
    let mut names: Vec<String> = users
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_lowercase())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!((users.len(), names.len()), (160, 160), "every user once");
    assert_eq!(all_at(&app, "Groups").await.len(), dir.groups.len());
    let shown = json(ok(cli(
        d,
        &["link", "show", "Everyone", "--format", "json"],
        &[],
    )));
    let runs = shown["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["outcome"], "completed");
    assert_eq!(runs[1]["outcome"], "failed");
    assert!(runs[1]["report"]["message"]
        .as_str()
        .unwrap()
        .contains("stopped before it finished"));

    // Edited, renamed, removed.
    ok(cli(
        d,
        &[
            "link", "edit", "Few", "--rename", "Some", "--groups", "Dept*",
        ],
        &[],
    ));
    let some = json(ok(cli(
        d,
        &["link", "show", "Some", "--format", "json"],
        &[],
    )));
    assert_eq!(some["link"]["settings"]["scope"]["groups"][0], "Dept*");
    assert_eq!(
        some["runs"].as_array().unwrap().len(),
        4,
        "the history stays"
    );
    ok(cli(d, &["link", "remove", "Some", "--yes"], &[]));
    let gone = cli(d, &["link", "show", "Some"], &[]);
    assert_eq!(gone.status.code(), Some(3), "{}", text(&gone));
}
