//! The safety rules as a script sees them: an incomplete copy exits 9 and is labelled, plain
//! http needs an explicit switch (shown as NOT ENCRYPTED), an edit keeps the sign-in method
//! and does not send the stored secret to a new host unasked, and every CSV the CLI writes is
//! safe to open in a spreadsheet.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use desk_e2e::faults::{Fault, Proxy};
use desk_reference::{ProviderKind, ReferenceServer};
use serde_json::{json, Value};

mod common;
use common::*;

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

// Several threads: the proxy serves the CLI while this test waits for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incomplete_copy_exits_9_is_labelled_and_deactivates_nobody() {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let people = desk_reference::sample::generate(23, 150, 3);
    let target_url = server.tenant_url("target");
    for url in [server.base_url().to_string(), target_url.clone()] {
        desk_reference::seed::seed(&server.client_for(&url), &people, |_, _| {})
            .await
            .unwrap();
    }
    let proxy = Proxy::start(server.base_url()).await;
    // Pages of users stop after the first 100 of the 150 the provider announces.
    proxy.set(|_, m, p| {
        let start = p
            .split_once("startIndex=")
            .and_then(|(_, r)| r.split('&').next()?.parse::<u64>().ok());
        if m == "GET" && p.contains("/Users?") && start.is_some_and(|s| s > 100) {
            Fault::EmptyList
        } else {
            Fault::Pass
        }
    });
    let data = tempfile::tempdir().unwrap();
    let token = server.token().expose().clone();
    for (name, url) in [("src", proxy.base.as_str()), ("dst", target_url.as_str())] {
        ok(cli(
            data.path(),
            &["provider", "add", name, "--url", url, "--token-env", "T"],
            &[("T", &token)],
        ));
    }
    ok(cli(
        data.path(),
        &["provider", "override", "src", "cursor=no", "page_size=50"],
        &[],
    ));
    ok(cli(data.path(), &["sync", "dst"], &[]));
    let sync = cli(data.path(), &["sync", "src"], &[]);
    let said = text(&sync);
    assert_eq!(code(&sync), 9, "an incomplete copy is exit code 9: {said}");
    assert!(
        said.contains("INCOMPLETE COPY: Incomplete copy: 100 of 150 users"),
        "{said}"
    );
    assert!(said.contains("nobody is deactivated or deleted"), "{said}");
    // The copy keeps what was read.
    let users: Vec<Value> = serde_json::from_str(&ok(cli(
        data.path(),
        &["--format", "json", "users", "src", "--offline"],
        &[],
    )))
    .unwrap();
    assert_eq!(users.len(), 100);
    // A plan asked to deactivate target-only people deactivates none of the 50 unread ones.
    let plan_file = data.path().join("plan.json");
    let out = ok(cli(
        data.path(),
        &[
            "migrate",
            "plan",
            "src",
            "dst",
            "--deactivate-target-only",
            "--out",
            plan_file.to_str().unwrap(),
        ],
        &[],
    ));
    assert!(
        out.contains("src: Incomplete copy: 100 of 150 users"),
        "{out}"
    );
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
    assert_eq!(plan["counts"]["only_in_target"], json!(50));
    assert!(
        !plan["operations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["op"] == "deactivate_user"),
        "no deactivation planned from an incomplete copy"
    );
}

#[test]
fn plain_http_and_moved_addresses_need_the_person_to_say_so() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let t = [("T", "tok-cli-s3cret")];
    let add = |name: &str, url: &str, extra: &[&str]| {
        let mut args = vec!["provider", "add", name, "--url", url, "--token-env", "T"];
        args.extend_from_slice(extra);
        cli(d, &args, &t)
    };
    // http to another host: refused in words, exit 2.
    let refused = add("lab", "http://scim.lab.example.test/v2", &[]);
    assert_eq!(code(&refused), 2, "{}", text(&refused));
    assert!(
        text(&refused).contains("not encrypted"),
        "{}",
        text(&refused)
    );
    // To this computer: accepted as is.
    ok(add("local", "http://127.0.0.1:9/v2", &[]));
    // Switched on: accepted and shown.
    ok(add(
        "lab",
        "http://scim.lab.example.test/v2",
        &["--allow-plain-http"],
    ));
    let shown = ok(cli(d, &["provider", "show", "lab"], &[]));
    assert!(shown.contains("NOT ENCRYPTED"), "{shown}");
    let listed = ok(cli(d, &["provider", "list"], &[]));
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("lab ") && l.contains("NOT ENCRYPTED")),
        "{listed}"
    );
    // An edit keeps the sign-in method unless --auth says otherwise.
    ok(cli(
        d,
        &[
            "provider",
            "add",
            "hr",
            "--url",
            "https://hr.example.test/scim/v2",
            "--auth",
            "basic",
            "--username",
            "admin",
            "--token-env",
            "T",
        ],
        &t,
    ));
    ok(cli(
        d,
        &[
            "provider",
            "edit",
            "hr",
            "--url",
            "https://hr.example.test/scim/v3",
        ],
        &[],
    ));
    let hr: Value = serde_json::from_str(&ok(cli(
        d,
        &["--format", "json", "provider", "show", "hr"],
        &[],
    )))
    .unwrap();
    assert_eq!(hr["authKind"], "basic", "{hr}");
    assert_eq!(hr["username"], "admin", "{hr}");
    assert_eq!(hr["hasSecret"], true);
    // A new host does not get the stored password unasked.
    let moved = cli(
        d,
        &[
            "provider",
            "edit",
            "hr",
            "--url",
            "https://other.example.test/scim/v2",
        ],
        &[],
    );
    assert_eq!(code(&moved), 2, "{}", text(&moved));
    assert!(
        text(&moved).contains("https://other.example.test")
            && text(&moved).contains("--keep-secret"),
        "{}",
        text(&moved)
    );
    ok(cli(
        d,
        &[
            "provider",
            "edit",
            "hr",
            "--url",
            "https://other.example.test/scim/v2",
            "--keep-secret",
        ],
        &[],
    ));
    let hr: Value = serde_json::from_str(&ok(cli(
        d,
        &["--format", "json", "provider", "show", "hr"],
        &[],
    )))
    .unwrap();
    assert_eq!(hr["baseUrl"], "https://other.example.test/scim/v2");
    for name in ["lab", "local", "hr"] {
        ok(cli(d, &["provider", "remove", name], &[]));
    }
}

#[tokio::test]
async fn every_csv_the_cli_writes_is_safe_to_open_in_a_spreadsheet() {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let user = server
        .client()
        .create(
            "Users",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": "eve@example.com",
                    "displayName": "=HYPERLINK(\"http://evil.example/\",\"Pay rise\")",
                    "title": "@cmd|' /C calc'!A0"}),
        )
        .await
        .unwrap();
    let id = user["id"].as_str().unwrap().to_string();
    let data = tempfile::tempdir().unwrap();
    let name = format!("csv-{}", std::process::id());
    add_provider(data.path(), &name, &server);
    ok(cli(data.path(), &["sync", &name], &[]));
    ok(cli(
        data.path(),
        &["set", &name, &id, "title=+SUM(A1:A9)", "--yes"],
        &[],
    ));
    for args in [
        vec!["--format", "csv", "users", name.as_str(), "--offline"],
        vec!["--format", "csv", "users", name.as_str()],
        vec!["audit", "export", "--provider", name.as_str()],
    ] {
        let out = ok(cli(data.path(), &args, &[]));
        let mut cells = Vec::new();
        for rec in csv::Reader::from_reader(out.as_bytes()).records() {
            cells.extend(rec.unwrap().iter().map(str::to_string));
        }
        for c in &cells {
            assert!(
                !(c.starts_with(['=', '+', '-', '@', '\t', '\r']) && c.parse::<f64>().is_err()),
                "{args:?}: a spreadsheet would run {c:?}"
            );
        }
        if args.contains(&"users") {
            assert!(
                cells.iter().any(|c| c.starts_with("'=HYPERLINK")),
                "{args:?}: the hostile cell is there, neutralised:\n{out}"
            );
        }
    }
    ok(cli(data.path(), &["provider", "remove", &name], &[]));
}
