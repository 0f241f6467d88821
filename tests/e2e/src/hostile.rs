//! A hostile "provider" on 127.0.0.1: answers each request from a routing function the test
//! gives (a status, headers, a body) and records every request it saw with its Authorization
//! header. Used both as a provider that points elsewhere (endpoints, redirects on another
//! origin) and as the "elsewhere" that must never receive a credential.

use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// One request the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
}

/// What to answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    /// 200 with a JSON body.
    pub fn json(body: serde_json::Value) -> Self {
        Answer {
            status: 200,
            headers: vec![("Content-Type".into(), "application/scim+json".into())],
            body: body.to_string(),
        }
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Self {
        Answer {
            status,
            headers: vec![("Location".into(), location.into())],
            body: String::new(),
        }
    }
}

type Route = Arc<dyn Fn(&str, &str) -> Answer + Send + Sync>;

pub struct Hostile {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Hostile {
    /// Starts a server answering `route(method, path)`.
    pub async fn start(route: impl Fn(&str, &str) -> Answer + Send + Sync + 'static) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let route: Route = Arc::new(route);
        let s = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (s, route) = (s.clone(), route.clone());
                tokio::spawn(async move {
                    let Ok(Some(req)) = crate::http::read_request(&mut sock).await else {
                        return;
                    };
                    s.lock().unwrap().push(Seen {
                        method: req.method.clone(),
                        path: req.path.clone(),
                        authorization: req.header("authorization").map(str::to_string),
                    });
                    let a = route(&req.method, &req.path);
                    let mut out = format!(
                        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                        a.status,
                        a.body.len()
                    );
                    for (k, v) in &a.headers {
                        out.push_str(&format!("{k}: {v}\r\n"));
                    }
                    out.push_str("\r\n");
                    out.push_str(&a.body);
                    let _ = sock.write_all(out.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        Hostile {
            origin: format!("http://127.0.0.1:{port}"),
            seen,
        }
    }

    /// The requests seen so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}
