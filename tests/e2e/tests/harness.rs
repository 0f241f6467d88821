//! The reference-provider harness: both providers start on 127.0.0.1, answer with the token,
//! refuse a wrong one, isolate tests, and leave no process behind.

use std::path::Path;

use desk_reference::sample::generate;
use desk_reference::{ProviderKind, ReferenceServer};
use scim_client::{Auth, ClientOptions, ScimClient, Sensitive};

fn process_alive(pid: u32) -> bool {
    // A reaped process has no /proc entry; a zombie would show state Z.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.split_whitespace().nth(2).is_none_or(|s| s != "Z"),
        Err(_) => false,
    }
}

async fn check_provider(kind: ProviderKind) {
    let server = ReferenceServer::start(kind)
        .await
        .expect("the provider starts");
    let pid = server.pid().unwrap();
    assert!(process_alive(pid));
    assert!(
        server.base_url().starts_with("http://127.0.0.1:"),
        "loopback only"
    );

    let spc = server
        .client()
        .service_provider_config()
        .await
        .expect("ServiceProviderConfig answers with the token");
    assert!(
        spc["patch"]["supported"].is_boolean(),
        "a real SPC document: {spc}"
    );

    let wrong = ScimClient::new(
        server.base_url(),
        Auth::Bearer(Sensitive::new("wrong-token".into())),
        &ClientOptions::default(),
    )
    .unwrap();
    let err = wrong
        .list_page("Users", 1, 1, None)
        .await
        .expect_err("a wrong token is refused");
    assert_eq!(
        err.status(),
        Some(401),
        "{kind:?}: wrong token -> 401, got {err}"
    );

    drop(server);
    assert!(
        !process_alive(pid),
        "{kind:?} (pid {pid}) is stopped when its handle drops"
    );
}

#[tokio::test]
async fn scim2_server_starts_answers_refuses_and_stops() {
    check_provider(ProviderKind::Scim2Server).await;
}

#[tokio::test]
async fn scimmy_starts_answers_refuses_and_stops() {
    check_provider(ProviderKind::Scimmy).await;
}

#[tokio::test]
async fn the_embedded_provider_starts_answers_refuses_and_stops() {
    let server = ReferenceServer::start(ProviderKind::Embedded)
        .await
        .unwrap();
    assert_eq!(server.pid(), None, "it runs in this process");
    let port = server.port();
    let spc = server.client().service_provider_config().await.unwrap();
    assert_eq!(spc["etag"]["supported"], true);
    let wrong = ScimClient::new(
        server.base_url(),
        Auth::Bearer(Sensitive::new("wrong-token".into())),
        &ClientOptions::default(),
    )
    .unwrap();
    let err = wrong.list_page("Users", 1, 1, None).await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    drop(server);
    // The port is closed once the handle is gone.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_ok()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "still listening on {port}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_panicking_test_still_stops_its_server() {
    let pid = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let p2 = pid.clone();
    let handle = tokio::spawn(async move {
        let server = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
        p2.store(server.pid().unwrap(), std::sync::atomic::Ordering::SeqCst);
        panic!("a test failing while its server runs");
    });
    assert!(handle.await.is_err(), "the task panicked");
    let pid = pid.load(std::sync::atomic::Ordering::SeqCst);
    assert!(pid != 0);
    assert!(
        !process_alive(pid),
        "unwinding dropped the handle and stopped pid {pid}"
    );
}

#[tokio::test]
async fn scim2_server_tenants_are_isolated_and_cursor_paging_is_on() {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let a = server.client_for(&server.tenant_url("test-a"));
    let b = server.client_for(&server.tenant_url("test-b"));
    let dir = generate(1, 12, 0);
    a.create("Users", &dir.users[0].resource).await.unwrap();
    let in_a = a.list_page("Users", 1, 10, None).await.unwrap();
    let in_b = b.list_page("Users", 1, 10, None).await.unwrap();
    assert_eq!(in_a.total_results, Some(1));
    assert_eq!(
        in_b.total_results,
        Some(0),
        "tenant b does not see tenant a's user"
    );
    let spc = a.service_provider_config().await.unwrap();
    assert_eq!(
        spc["pagination"]["cursor"], true,
        "cursor paging enabled: {spc}"
    );
}

#[tokio::test]
async fn the_sample_directory_loads_over_scim() {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let client = server.client_for(&server.tenant_url("seed"));
    let dir = generate(desk_reference::sample::DEMO_SEED, 120, 20);
    let mut last = 0;
    let seeded = desk_reference::seed::seed(&client, &dir, |done, _| last = done)
        .await
        .expect("the sample directory loads");
    assert_eq!(
        last,
        dir.users.len() + dir.groups.len(),
        "progress reaches the total"
    );
    let users = client.list_page("Users", 1, 1, None).await.unwrap();
    let groups = client.list_page("Groups", 1, 1, None).await.unwrap();
    assert_eq!(users.total_results, Some(120));
    assert_eq!(groups.total_results, Some(dir.groups.len() as u64));
    // Manager references carry the provider's ids.
    let some_report = dir.users.iter().find(|u| u.level == 3).unwrap();
    let stored = client
        .get("Users", &seeded.user_ids[some_report.index])
        .await
        .unwrap();
    let manager = &stored[scim_client::ENTERPRISE_USER_SCHEMA]["manager"]["value"];
    assert_eq!(
        manager.as_str(),
        Some(seeded.user_ids[some_report.manager.unwrap()].as_str()),
        "the manager reference points at the manager's provider id"
    );
}

#[test]
fn the_scimmy_server_keeps_its_lock_file_in_the_repo() {
    let dir = desk_reference::assets_dir().join("scimmy");
    assert!(Path::new(&dir.join("package.json")).exists());
    assert!(Path::new(&dir.join("package-lock.json")).exists());
    let pkg = std::fs::read_to_string(dir.join("package.json")).unwrap();
    assert!(pkg.contains("\"scimmy\": \"1.3.5\"") && pkg.contains("\"scimmy-routers\": \"1.3.2\""));
    assert!(
        pkg.contains("\"express\": \"~4."),
        "Express 4 pinned (5 breaks SCIMMY paging)"
    );
}

/// The demo and test providers get their tokens (and SCIMMY its OAuth client secret) through
/// the environment, readable by this user only, never on the command line every local user
/// can list (`ps`, /proc/PID/cmdline).
#[tokio::test]
async fn provider_secrets_are_not_on_any_command_line() {
    let scim2 = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let scimmy = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    let oauth = ReferenceServer::start_scimmy_with_oauth("desk-client", "cl1ent-s3cret-xyz")
        .await
        .unwrap();
    for (server, secrets) in [
        (&scim2, vec![scim2.token().expose().clone()]),
        (&scimmy, vec![scimmy.token().expose().clone()]),
        (
            &oauth,
            vec![oauth.token().expose().clone(), "cl1ent-s3cret-xyz".into()],
        ),
    ] {
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", server.pid().unwrap())).unwrap();
        let shown = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        assert!(!shown.trim().is_empty(), "the command line was read");
        for s in &secrets {
            assert!(
                !shown.contains(s.as_str()),
                "a secret on the command line: {shown}"
            );
        }
        // The server still checks the token it was given.
        let wrong = ScimClient::new(
            server.base_url(),
            Auth::Bearer(Sensitive::new("wrong".into())),
            &ClientOptions::default(),
        )
        .unwrap();
        assert!(wrong.list_page("Users", 1, 1, None).await.is_err());
        assert!(server.client().list_page("Users", 1, 1, None).await.is_ok());
    }
    // The OAuth client secret works from the environment.
    let c = ScimClient::new(
        oauth.base_url(),
        Auth::OAuth2 {
            token_url: oauth.token_url(),
            client_id: "desk-client".into(),
            client_secret: Sensitive::new("cl1ent-s3cret-xyz".into()),
            scope: None,
        },
        &ClientOptions::default(),
    )
    .unwrap();
    assert!(c.list_page("Users", 1, 1, None).await.is_ok());
}
