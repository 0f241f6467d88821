//! The CLI against the real Secret Service (gnome-keyring in the D-Bus session `cargo xtask
//! test` provides), a real SQLite file and a real scim2-server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use desk_engine::providers::secrets::{KeyringStore, SecretStore};
use desk_reference::{ProviderKind, ReferenceServer};

mod common;
use common::*;

#[tokio::test]
async fn a_secret_stored_by_one_process_is_read_by_another_and_removed() {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let token = server.token().expose().clone();
    let name = format!("Keyring test {}", std::process::id());

    // Process 1 stores the token (from an environment variable, never an argument).
    let add = cli(
        data.path(),
        &[
            "provider",
            "add",
            &name,
            "--url",
            server.base_url(),
            "--token-env",
            "TEST_TOKEN",
        ],
        &[("TEST_TOKEN", &token)],
    );
    assert!(add.status.success(), "provider add: {}", text(&add));

    // This test process reads it back from the Secret Service.
    let key = format!("provider:{}", name.to_lowercase());
    let store = KeyringStore::for_this_build();
    let read = store.get(&key).expect("the Secret Service answers");
    assert_eq!(
        read.map(|s| s.expose().clone()),
        Some(token.clone()),
        "same secret read back"
    );

    // Nothing secret in the database files.
    for entry in std::fs::read_dir(data.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "the token must not be written to the data folder"
        );
    }

    // Process 2 reads it from the keyring and authenticates with it.
    let test = cli(data.path(), &["provider", "test", &name], &[]);
    let out = text(&test);
    assert!(test.status.success(), "provider test: {out}");
    assert!(
        out.contains("sort: supported"),
        "one line per capability: {out}"
    );
    assert!(out.contains("etag: supported"), "{out}");
    assert!(!out.contains(&token), "the token is never printed");

    // Process 3 removes the provider and its keyring entry.
    let rm = cli(data.path(), &["provider", "remove", &name], &[]);
    assert!(rm.status.success(), "provider remove: {}", text(&rm));
    assert!(
        store.get(&key).unwrap().is_none(),
        "the keyring entry is gone"
    );
}

#[tokio::test]
async fn a_wrong_token_is_reported_in_plain_words_with_a_stable_code() {
    let server = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let add = cli(
        data.path(),
        &[
            "provider",
            "add",
            "wrong",
            "--url",
            server.base_url(),
            "--token-env",
            "T",
        ],
        &[("T", "definitely-wrong")],
    );
    assert!(add.status.success(), "{}", text(&add));
    let test = cli(
        data.path(),
        &["--format", "json", "provider", "test", "wrong"],
        &[],
    );
    assert!(!test.status.success());
    let err: serde_json::Value =
        serde_json::from_slice(&test.stderr).expect("errors are JSON with --format json");
    assert_eq!(err["code"], "auth_rejected");
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("did not accept the credentials"));
    // The token is in none of what the CLI says: the error above, its detail, the provider as
    // listed and shown (text and JSON), a sync that fails the same way.
    let mut said = vec![text(&add), text(&test)];
    for args in [
        &["provider", "show", "wrong"][..],
        &["--format", "json", "provider", "show", "wrong"],
        &["--format", "json", "provider", "list"],
        &["sync", "wrong"],
        &["--format", "json", "sync", "wrong"],
    ] {
        said.push(text(&cli(data.path(), args, &[])));
    }
    for s in &said {
        assert!(!s.contains("definitely-wrong"), "the token leaked: {s}");
    }
    let _ = cli(data.path(), &["provider", "remove", "wrong"], &[]);
}

/// Runs the CLI with a bug planted where it holds `secret` (a panic whose message carries the
/// raw secret, test builds only) and checks that the crash is told in words, with a report, and
/// that the secret is in neither.
fn crash_leaks_nothing(data: &std::path::Path, args: &[&str], secret: &str) {
    let reports = data.join("crash-reports");
    let before = std::fs::read_dir(&reports).map_or(0, |d| d.count());
    let out = cli(data, args, &[("SCIM_DESK_TEST_PANIC", "client")]);
    assert_eq!(out.status.code(), Some(101), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("stopped because of an internal error")
            && said.contains("Nothing saved is lost"),
        "{said}"
    );
    assert!(
        said.contains("<secret removed>"),
        "the panic message was scrubbed: {said}"
    );
    assert!(
        !said.contains(secret),
        "the secret leaked on the terminal: {said}"
    );
    let mut found: Vec<_> = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(found.len(), before + 1, "one report per crash");
    found.sort_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap());
    let report_path = found.pop().unwrap();
    assert!(said.contains(&report_path.display().to_string()), "{said}");
    let report = std::fs::read(&report_path).unwrap();
    let report = String::from_utf8_lossy(&report);
    assert!(
        report.contains("test panic at client") && report.contains("<secret removed>"),
        "{report}"
    );
    assert!(
        report.contains("stack backtrace") || report.contains("0: "),
        "{report}"
    );
    assert!(
        !report.contains(secret),
        "the secret leaked into the report"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&report_path)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "the report is readable by its owner only");
}

#[tokio::test]
async fn a_crash_while_holding_a_token_is_told_in_words_and_leaks_nothing() {
    let server = desk_e2e::seeded_scim2_server(17, 60, 3).await;
    let data = tempfile::tempdir().unwrap();
    let token = server.token().expose().clone();
    let name = format!("crash-{}", std::process::id());
    add_provider(data.path(), &name, &server);
    ok(cli(data.path(), &["sync", &name], &[]));
    crash_leaks_nothing(data.path(), &["sync", &name], &token);
    // Nothing lost: the copy from before the crash is whole (read from this computer, not the
    // provider: all 60 people), and the next sync works.
    let users = ok(cli(
        data.path(),
        &["--format", "json", "users", &name, "--offline"],
        &[],
    ));
    let users: Vec<serde_json::Value> = serde_json::from_str(&users).unwrap();
    assert_eq!(
        users.len(),
        60,
        "the copy from before the crash reads in full"
    );
    ok(cli(data.path(), &["sync", &name], &[]));
    // No other file of the data folder holds the token either.
    for e in desk_e2e::files_under(data.path()) {
        let bytes = std::fs::read(&e).unwrap();
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "the token is in {}",
            e.display()
        );
    }
    ok(cli(data.path(), &["provider", "remove", &name], &[]));
}

#[test]
fn the_keyring_namespace_is_per_build_channel() {
    use desk_engine::providers::secrets::KEYRING_SERVICE;
    // What the app and the CLI of this build use: the `.dev` channel in debug builds (these
    // tests), the release service otherwise.
    let this_build = KeyringStore::for_this_build();
    let (own, other) = if cfg!(debug_assertions) {
        (
            format!("{KEYRING_SERVICE}.dev"),
            KEYRING_SERVICE.to_string(),
        )
    } else {
        (
            KEYRING_SERVICE.to_string(),
            format!("{KEYRING_SERVICE}.dev"),
        )
    };
    let key = format!("probe-{}", std::process::id());
    this_build
        .set(&key, &desk_engine::Sensitive::new("v-channel".into()))
        .expect("the Secret Service stores a secret");
    let seen = KeyringStore::with_service(own.as_str()).get(&key).unwrap();
    assert_eq!(
        seen.as_ref().map(|s| s.expose().as_str()),
        Some("v-channel"),
        "this build's entries live under {own}"
    );
    assert!(
        KeyringStore::with_service(other.as_str())
            .get(&key)
            .unwrap()
            .is_none(),
        "the other channel ({other}) does not see them"
    );
    assert!(
        KeyringStore::with_service("io.scimdesk.desktop.test-namespace")
            .get(&key)
            .unwrap()
            .is_none(),
        "nor does any other namespace"
    );
    this_build.delete(&key).unwrap();
    assert!(
        this_build.get(&key).unwrap().is_none(),
        "missing entries are None"
    );
}

#[tokio::test]
async fn oauth2_client_credentials_through_the_cli() {
    let data = tempfile::tempdir().unwrap();
    let server =
        desk_reference::ReferenceServer::start_scimmy_with_oauth("desk-client", "s3cr3t-client")
            .await
            .unwrap();
    let name = format!("oauth-{}", std::process::id());
    let token_url = server.token_url();
    // `provider add` or `provider edit` with the OAuth 2.0 settings and a client secret.
    let set = |verb: &str, secret: &str| {
        let out = cli(
            data.path(),
            &[
                "provider",
                verb,
                &name,
                "--url",
                server.base_url(),
                "--auth",
                "oauth2",
                "--client-id",
                "desk-client",
                "--token-url",
                &token_url,
                "--token-env",
                "S",
            ],
            &[("S", secret)],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // A wrong client secret: the token endpoint refuses, in plain words.
    set("add", "wrong");
    let out = cli(data.path(), &["provider", "test", &name], &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did not accept the credentials"), "{err}");
    // The right one, set with provider edit (the token endpoint issues an access token).
    set("edit", "s3cr3t-client");
    let out = cli(data.path(), &["provider", "test", &name], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A bug while holding the client secret leaks it neither to the terminal nor to the report.
    crash_leaks_nothing(data.path(), &["provider", "test", &name], "s3cr3t-client");
    let show = String::from_utf8_lossy(&cli(data.path(), &["provider", "show", &name], &[]).stdout)
        .to_string();
    assert!(
        show.contains("auth:        oauth2") && show.contains("token url:"),
        "{show}"
    );
    assert!(!show.contains("s3cr3t"), "{show}");
    let out = cli(data.path(), &["users", &name, "--format", "json"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with('['));
    // The client secret is in no file of the data folder (database, its log, crash reports).
    for f in desk_e2e::files_under(data.path()) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !bytes.windows(13).any(|w| w == b"s3cr3t-client"),
            "the client secret is in {}",
            f.display()
        );
    }
    let out = cli(data.path(), &["provider", "remove", &name], &[]);
    assert!(out.status.success());
}

#[tokio::test]
async fn presets_and_overrides_change_the_profile() {
    let data = tempfile::tempdir().unwrap();
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let name = format!("ovr-{}", std::process::id());
    let token = server.token().expose().clone();
    let out = cli(
        data.path(),
        &[
            "provider",
            "add",
            &name,
            "--url",
            server.base_url(),
            "--token-env",
            "T",
        ],
        &[("T", &token)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let test = || {
        String::from_utf8_lossy(&cli(data.path(), &["provider", "test", &name], &[]).stdout)
            .to_string()
    };
    assert!(test().contains("sort: supported"), "{}", test());
    let out = cli(
        data.path(),
        &["provider", "override", &name, "sort=no", "page_size=25"],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = test();
    assert!(report.contains("sort: not supported"), "{report}");
    let out = cli(
        data.path(),
        &["provider", "override", &name, "--clear"],
        &[],
    );
    assert!(out.status.success());
    assert!(test().contains("sort: supported"));
    let out = cli(data.path(), &["provider", "preset", &name, "okta"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cli(data.path(), &["provider", "preset", &name, "myspace"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("entra_id"));
    let out = cli(
        data.path(),
        &["provider", "override", &name, "colour=blue"],
        &[],
    );
    assert!(!out.status.success());
}
