//! A fault proxy on 127.0.0.1 in front of the reference providers: it passes requests through
//! to scim2-server or SCIMMY and, on a schedule the test sets, answers instead with a 429 storm
//! (Retry-After), 500/502/503, a reset connection, truncated or malformed JSON, an HTML page, or
//! a body far too large. Sync and migration either recover within their limits or stop with a
//! clear error; a failed sync publishes nothing; a migration resumed after the faults ends with
//! every record exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use desk_engine::api::ProviderInput;
use desk_engine::migrate::PlanOptions;
use desk_engine::sync::CancelFlag;
use desk_engine::{DataPaths, Desk};
use desk_harness::sample::generate;
use desk_harness::{ProviderKind, ReferenceServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does with one request.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    Pass,
    Status(u16, Option<u32>),
    Reset,
    Truncated,
    Html,
    Huge,
}

type Schedule = Arc<Mutex<Box<dyn Fn(usize, &str, &str) -> Fault + Send>>>;

struct Proxy {
    base: String,
    schedule: Schedule,
    seen: Arc<AtomicUsize>,
    faults: Arc<AtomicUsize>,
}

impl Proxy {
    /// Starts a proxy for `upstream` (a base URL such as `http://127.0.0.1:P/v2`).
    async fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (origin, prefix) = split(upstream);
        let schedule: Schedule = Arc::new(Mutex::new(Box::new(|_, _, _| Fault::Pass)));
        let seen = Arc::new(AtomicUsize::new(0));
        let faults = Arc::new(AtomicUsize::new(0));
        let (s, n, f) = (schedule.clone(), seen.clone(), faults.clone());
        let http = reqwest::Client::new();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (s, n, f, http, origin) = (
                    s.clone(),
                    n.clone(),
                    f.clone(),
                    http.clone(),
                    origin.clone(),
                );
                tokio::spawn(async move {
                    let _ = serve(sock, &origin, &s, &n, &f, &http).await;
                });
            }
        });
        Proxy {
            base: format!("http://127.0.0.1:{port}{prefix}"),
            schedule,
            seen,
            faults,
        }
    }

    fn set(&self, f: impl Fn(usize, &str, &str) -> Fault + Send + 'static) {
        *self.schedule.lock().unwrap() = Box::new(f);
    }
}

fn split(url: &str) -> (String, String) {
    let rest = url.split_once("://").unwrap().1;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    (format!("http://{host}"), format!("/{path}"))
}

async fn serve(
    mut sock: TcpStream,
    origin: &str,
    schedule: &Schedule,
    seen: &AtomicUsize,
    faults: &AtomicUsize,
    http: &reqwest::Client,
) -> std::io::Result<()> {
    // The request: head, then a body of Content-Length bytes.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let (method, path) = (
        first.next().unwrap_or_default().to_string(),
        first.next().unwrap_or_default().to_string(),
    );
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..].to_vec();
    let n = seen.fetch_add(1, Ordering::SeqCst);
    let fault = (schedule.lock().unwrap())(n, &method, &path);
    if fault != Fault::Pass {
        faults.fetch_add(1, Ordering::SeqCst);
    }
    let respond = |status: u16, ctype: &str, extra: &str, body: &[u8], claimed: usize| {
        let mut out = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {claimed}\r\n{extra}Connection: close\r\n\r\n"
        )
        .into_bytes();
        out.extend_from_slice(body);
        out
    };
    let out = match fault {
        Fault::Reset => return Ok(()), // closed without a word
        Fault::Status(code, retry) => {
            let extra = retry
                .map(|r| format!("Retry-After: {r}\r\n"))
                .unwrap_or_default();
            let b = format!(
                r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"{code}","detail":"injected by the fault proxy"}}"#
            );
            respond(code, "application/scim+json", &extra, b.as_bytes(), b.len())
        }
        Fault::Html => {
            let b = b"<html><body>Please sign in</body></html>";
            respond(200, "text/html", "", b, b.len())
        }
        Fault::Huge => respond(
            200,
            "application/scim+json",
            "",
            b"{\"Resources\":[",
            900_000_000,
        ),
        Fault::Pass | Fault::Truncated => {
            let mut req = http.request(method.parse().unwrap(), format!("{origin}{path}"));
            for (k, v) in &headers {
                if ["authorization", "content-type", "if-match", "accept"].contains(&k.as_str()) {
                    req = req.header(k, v);
                }
            }
            let resp = req.body(body).send().await.unwrap();
            let status = resp.status().as_u16();
            let mut extra = String::new();
            for h in ["etag", "location"] {
                if let Some(v) = resp.headers().get(h).and_then(|v| v.to_str().ok()) {
                    extra.push_str(&format!("{h}: {v}\r\n"));
                }
            }
            let ctype = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/scim+json")
                .to_string();
            let bytes = resp.bytes().await.unwrap();
            if fault == Fault::Truncated {
                respond(
                    status,
                    &ctype,
                    &extra,
                    &bytes[..bytes.len() / 2],
                    bytes.len() / 2,
                )
            } else {
                respond(status, &ctype, &extra, &bytes, bytes.len())
            }
        }
    };
    sock.write_all(&out).await?;
    sock.shutdown().await
}

fn desk(data: &std::path::Path) -> Desk {
    Desk::open(
        DataPaths::at(data.to_path_buf()).unwrap(),
        Arc::new(desk_engine::secrets::MemoryStore::new()),
    )
    .unwrap()
}

fn add(desk: &Desk, name: &str, base: &str, token: &str) {
    desk.add_provider(ProviderInput::bearer(name, base, Some(token)))
        .unwrap();
}

fn is_list(method: &str, path: &str) -> bool {
    method == "GET" && path.contains("/Users?")
}

#[tokio::test]
async fn sync_recovers_from_what_it_may_and_publishes_nothing_otherwise() {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let dir = generate(5, 450, 6);
    desk_harness::seed::seed(&server.client(), &dir, |_, _| {})
        .await
        .unwrap();
    let proxy = Proxy::start(server.base_url()).await;
    let data = tempfile::tempdir().unwrap();
    let desk = desk(data.path());
    add(&desk, "p", &proxy.base, server.token().expose());
    let sync = || async { desk.sync("p", &CancelFlag::new(), &|_| {}).await };
    let snapshots = || {
        let db = desk_store::Database::open(&data.path().join("scim-desk.sqlite3")).unwrap();
        let id = db.provider("p").unwrap().id;
        db.snapshots(id).unwrap().len()
    };
    // A clean sync first: the copy every failed sync must leave alone.
    assert_eq!(sync().await.unwrap().users, 450);
    let published = snapshots();

    // Recovered within limits: a short 429 storm with Retry-After, a 503, a reset list page.
    for (what, fault) in [
        ("429 storm", Fault::Status(429, Some(1))),
        ("503", Fault::Status(503, None)),
        ("reset", Fault::Reset),
    ] {
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        proxy.set(move |_, m, p| {
            // The first two list requests fail, then the provider answers again.
            if is_list(m, p) && h.fetch_add(1, Ordering::SeqCst) < 2 {
                fault
            } else {
                Fault::Pass
            }
        });
        let report = sync()
            .await
            .unwrap_or_else(|e| panic!("{what}: {}", e.message()));
        assert_eq!(report.users, 450, "{what}");
    }
    assert!(snapshots() >= published);

    // Stopped with a clear error, and nothing half-written published.
    for (what, fault, words) in [
        ("500", Fault::Status(500, None), "500"),
        ("502", Fault::Status(502, None), "502"),
        ("a 429 that never ends", Fault::Status(429, Some(1)), "429"),
        ("truncated JSON", Fault::Truncated, ""),
        ("an HTML page", Fault::Html, ""),
        ("a 900 MB body", Fault::Huge, "MB"),
    ] {
        let before = snapshots();
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        proxy.set(move |_, m, p| {
            // The third list page onwards: part of the directory has been read already.
            if is_list(m, p) && h.fetch_add(1, Ordering::SeqCst) >= 2 {
                fault
            } else {
                Fault::Pass
            }
        });
        let err = sync().await.expect_err(what);
        let said = format!("{} {}", err.message(), err.detail().unwrap_or_default());
        assert!(said.contains(words), "{what}: {said}");
        assert!(!err.message().is_empty() && !err.message().contains("panicked"));
        assert_eq!(snapshots(), before, "{what}: nothing published");
        // The last complete copy still reads in full.
        let page = desk
            .directory_page(&desk_engine::directory::DirectoryQuery {
                provider: "p".into(),
                kind: "User".into(),
                search: None,
                filter: None,
                sort: None,
                descending: false,
                offset: 0,
                limit: 10,
            })
            .unwrap();
        assert_eq!(page.total, 450, "{what}");
    }
    eprintln!(
        "fault proxy: {} requests, {} faults injected",
        proxy.seen.load(Ordering::SeqCst),
        proxy.faults.load(Ordering::SeqCst)
    );
}

#[tokio::test]
async fn a_migration_through_faults_lists_what_failed_and_resumes_to_exactly_once() {
    let source = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let dir = generate(9, 120, 6);
    desk_harness::seed::seed(&source.client(), &dir, |_, _| {})
        .await
        .unwrap();
    let target = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    let proxy = Proxy::start(target.base_url()).await;
    let data = tempfile::tempdir().unwrap();
    let desk = desk(data.path());
    add(&desk, "src", source.base_url(), source.token().expose());
    add(&desk, "dst", &proxy.base, target.token().expose());
    for p in ["src", "dst"] {
        desk.sync(p, &CancelFlag::new(), &|_| {}).await.unwrap();
    }
    let plan = desk
        .plan_migration("src", "dst", &PlanOptions::default())
        .unwrap();
    // Every 7th write is refused with a 500 or a 502, every 11th connection reset after the
    // provider did the work (the answer is lost: the run must not create it twice), and 429s
    // with Retry-After now and then.
    proxy.set(|n, m, _| match (m, n % 7, n % 11, n % 13) {
        ("GET", ..) => Fault::Pass,
        (_, 0, ..) => Fault::Status(if n % 2 == 0 { 500 } else { 502 }, None),
        (_, _, 0, _) => Fault::Truncated,
        (_, _, _, 0) => Fault::Status(429, Some(1)),
        _ => Fault::Pass,
    });
    let report = desk
        .run_migration(&plan, &CancelFlag::new(), &|_| {})
        .await
        .unwrap();
    assert!(!report.failed.is_empty(), "some operations failed");
    for f in &report.failed {
        assert!(!f.message.is_empty(), "{f:?}");
    }
    let failed = report.failed.len();
    // The faults end; resuming tries the failed operations again.
    proxy.set(|_, _, _| Fault::Pass);
    let again = desk
        .resume_migration(Some(report.migration_id), &CancelFlag::new(), &|_| {})
        .await
        .unwrap();
    assert!(again.failed.is_empty(), "{:?}", again.failed);
    let users = target
        .client()
        .list_page("Users", 1, 200, None)
        .await
        .unwrap();
    assert_eq!(users.total_results, Some(120), "every user exactly once");
    let verify = desk
        .verify_migration("src", "dst", &PlanOptions::default())
        .await
        .unwrap();
    assert!(
        verify.operations.is_empty(),
        "{:?}",
        verify.operations.first()
    );
    eprintln!(
        "migration through faults: {failed} operations failed first, {} faults injected, 0 left after resume",
        proxy.faults.load(Ordering::SeqCst)
    );
}
