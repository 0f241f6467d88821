//! Fault tests: a local misbehaving server on 127.0.0.1 that answers 429 with Retry-After,
//! sends truncated JSON, or drops the connection. The client must recover where it safely can
//! and otherwise fail with a typed error, never hang or panic.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use scim_client::{Auth, ClientOptions, ListQuery, PageRequest, ScimClient, ScimError};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the server does with one connection.
#[derive(Clone)]
enum Script {
    Respond(String),
    Drop,
}

fn http(status: &str, headers: &[(&str, &str)], body: &str) -> Script {
    let mut s = format!("HTTP/1.1 {status}\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("\r\n");
    s.push_str(body);
    Script::Respond(s)
}

/// Serves `scripts` in order, one per connection (the last repeats); returns the base URL and
/// the number of connections seen.
async fn misbehaving(scripts: Vec<Script>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let script = scripts[n.min(scripts.len() - 1)].clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                // Read the request head (small requests fit in one read here).
                let _ = sock.read(&mut buf).await;
                match script {
                    Script::Respond(text) => {
                        let _ = sock.write_all(text.as_bytes()).await;
                        let _ = sock.shutdown().await;
                    }
                    Script::Drop => {
                        drop(sock);
                    }
                }
            });
        }
    });
    (format!("http://127.0.0.1:{port}/scim/v2"), seen)
}

fn client(base: &str) -> ScimClient {
    ScimClient::new(base, Auth::None, &ClientOptions::default()).unwrap()
}

const EMPTY_LIST: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;

#[tokio::test]
async fn a_429_is_retried_after_retry_after() {
    let (base, seen) = misbehaving(vec![
        http(
            "429 Too Many Requests",
            &[("Retry-After", "1")],
            r#"{"status":"429","detail":"slow down"}"#,
        ),
        http("200 OK", &[], EMPTY_LIST),
    ])
    .await;
    let started = Instant::now();
    let page = client(&base)
        .list("Users", &ListQuery::default(), &PageRequest::Index(1))
        .await
        .expect("the retry succeeds");
    assert_eq!(page.total_results, Some(0));
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After was honoured"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_429_that_persists_is_reported_with_its_status() {
    let (base, seen) = misbehaving(vec![http(
        "429 Too Many Requests",
        &[("Retry-After", "0")],
        r#"{"status":429}"#,
    )])
    .await;
    let err = client(&base).get("Users", "x").await.unwrap_err();
    assert_eq!(err.status(), Some(429));
    match err {
        ScimError::Http { retry_after, .. } => assert_eq!(retry_after, Some(0)),
        other => panic!("{other:?}"),
    }
    assert_eq!(seen.load(Ordering::SeqCst), 4, "one try and three retries");
}

/// Reads the first page of users from `base` and expects the typed "not valid SCIM JSON" error.
async fn list_is_refused_as_malformed(base: &str) {
    let err = client(base)
        .list("Users", &ListQuery::default(), &PageRequest::Index(1))
        .await
        .unwrap_err();
    assert!(matches!(err, ScimError::Malformed { .. }), "{err:?}");
    assert!(err.to_string().contains("not valid SCIM JSON"), "{err}");
}

#[tokio::test]
async fn truncated_json_is_a_typed_error() {
    let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":5,"Resources":[{"id":"a""#;
    let (base, _) = misbehaving(vec![http("200 OK", &[], body)]).await;
    list_is_refused_as_malformed(&base).await;
}

#[tokio::test]
async fn a_body_cut_short_of_its_length_is_a_typed_error() {
    // Content-Length promises more than is sent before the connection closes.
    let cut = "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: 500\r\nConnection: close\r\n\r\n{\"schemas\":[".to_string();
    let (base, seen) = misbehaving(vec![Script::Respond(cut)]).await;
    let err = client(&base).get("Users", "x").await.unwrap_err();
    assert!(
        matches!(
            err,
            ScimError::Unreachable { .. } | ScimError::Malformed { .. }
        ),
        "{err:?}"
    );
    assert!(seen.load(Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn a_reset_connection_is_retried_for_reads_only() {
    let ok = http(
        "200 OK",
        &[],
        &json!({"id": "u1", "userName": "ann"}).to_string(),
    );
    let (base, seen) = misbehaving(vec![Script::Drop, Script::Drop, ok.clone()]).await;
    let user = client(&base)
        .get("Users", "u1")
        .await
        .expect("a read survives two resets");
    assert_eq!(user["userName"], "ann");
    assert_eq!(seen.load(Ordering::SeqCst), 3);

    // A write is never sent twice on its own: the caller decides (it may have been applied).
    let (base, seen) = misbehaving(vec![Script::Drop, ok]).await;
    let err = client(&base)
        .create("Users", &json!({"userName": "bob"}))
        .await
        .unwrap_err();
    assert!(matches!(err, ScimError::Unreachable { .. }), "{err:?}");
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_refused_connection_fails_fast_with_a_typed_error() {
    // Bind then drop: nothing listens on the port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let err = client(&format!("http://127.0.0.1:{port}/v2"))
        .service_provider_config()
        .await
        .unwrap_err();
    assert!(matches!(err, ScimError::Unreachable { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "retries are short"
    );
}

#[tokio::test]
async fn error_bodies_with_numeric_status_and_no_scim_type_are_read() {
    let (base, _) = misbehaving(vec![http(
        "409 Conflict",
        &[],
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":409,"detail":"exists"}"#,
    )])
    .await;
    match client(&base)
        .create("Users", &json!({"userName": "a"}))
        .await
    {
        Err(ScimError::Http {
            status: 409, body, ..
        }) => {
            assert_eq!(body.status.as_deref(), Some("409"));
            assert_eq!(body.scim_type, None);
            assert_eq!(body.detail.as_deref(), Some("exists"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn deeply_nested_json_is_read_within_a_limit_and_refused_in_words_beyond() {
    let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let page = |value: &str| {
        format!(
            r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[{{"id":"a","userName":"deep","urn:example:vendor:1.0:User":{{"x":{value}}}}}]}}"#
        )
    };
    // 100 levels (more than any real schema has): read, and the value is kept whole.
    let (base, _) = misbehaving(vec![http("200 OK", &[], &page(&nested(100)))]).await;
    let got = client(&base)
        .list("Users", &ListQuery::default(), &PageRequest::Index(1))
        .await
        .unwrap();
    let mut v = &got.resources[0]["urn:example:vendor:1.0:User"]["x"];
    let mut depth = 0;
    while let Some(inner) = v.get(0) {
        v = inner;
        depth += 1;
    }
    assert_eq!((depth, v.clone()), (100, json!(1)));
    // The local copy stores it, searches past it and gives it back whole.
    let dir = tempfile::tempdir().unwrap();
    let path = desk_store::DatabaseFile::encrypted(
        dir.path().join("scim-desk.sqlite3"),
        desk_store::DatabaseKey::random().unwrap(),
    );
    let db = desk_store::Database::open(&path).unwrap();
    let provider = db
        .insert_provider(&desk_store::NewProvider::without_auth("Deep", &base))
        .unwrap();
    let mut w = desk_store::SnapshotWriter::begin(&path, provider.id, "full").unwrap();
    w.add_users(&got.resources).unwrap();
    let snap = w.finish(true, &json!({})).unwrap();
    assert_eq!(
        db.cached_resource(snap.id, desk_store::Kind::User, "a")
            .unwrap()
            .as_ref(),
        Some(&got.resources[0])
    );
    let (_, found) = db
        .resources(&desk_store::ResourceQuery {
            snapshot_id: snap.id,
            kind: desk_store::Kind::User,
            search: Some("deep"),
            filter: None,
            sort: None,
            offset: 0,
            limit: 10,
        })
        .unwrap();
    assert_eq!(found, 1);
    // 200,000 levels: a typed error in words, not a stack overflow.
    let (base, _) = misbehaving(vec![http("200 OK", &[], &page(&nested(200_000)))]).await;
    list_is_refused_as_malformed(&base).await;
}

/// A body with no length (the answer ends when the connection closes) that would grow past
/// 64 MB: refused once the limit is passed, not read to the end into memory.
#[tokio::test]
async fn a_body_without_a_length_is_refused_past_64_mb() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nConnection: close\r\n\r\n{\"Resources\":[\"";
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                // Up to 200 MB, 1 MB at a time, until the client hangs up.
                let chunk = vec![b'x'; 1_000_000];
                for _ in 0..200 {
                    if sock.write_all(&chunk).await.is_err() {
                        return;
                    }
                    counter.fetch_add(chunk.len(), Ordering::SeqCst);
                }
            });
        }
    });
    let err = client(&format!("http://127.0.0.1:{port}/scim/v2"))
        .list("Users", &ListQuery::default(), &PageRequest::Index(1))
        .await
        .expect_err("a body past 64 MB is refused");
    match &err {
        ScimError::Malformed { reason, .. } => {
            assert!(reason.contains("more than the 64 MB"), "{reason}")
        }
        other => panic!("refused as too large, not {other:?}"),
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mb = sent.load(Ordering::SeqCst) / 1_000_000;
    assert!(
        mb < 100,
        "the client stopped reading soon after 64 MB ({mb} MB sent)"
    );
}
