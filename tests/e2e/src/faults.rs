//! A fault proxy on 127.0.0.1 in front of a reference provider: it passes requests through
//! and, on a schedule a test sets, answers instead with an error status (with Retry-After), a
//! reset connection, a truncated body, an HTML page or a body far too large.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does with one request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fault {
    Pass,
    Status(u16, Option<u32>),
    /// An error status with this detail (a provider saying why it refused).
    Saying(u16, &'static str),
    /// Accepts a write but silently does not keep these attributes (`title`, `phoneNumbers`,
    /// `emails.type`, `urn:…:User:department`): taken out of the request before it reaches
    /// the provider, which answers as usual (Okta, Entra ID and Google keep a subset of the
    /// schema and say nothing of the rest).
    DropsAttributes(&'static [&'static str]),
    /// Refuses a write whose e-mail addresses are not plain ASCII (400 with the reason), as
    /// Google Workspace and several HR systems do with accented addresses.
    RefusesNonAsciiEmails,
    /// Answers a PATCH or PUT with 200 and an empty object `{}` (seen with Slack and some
    /// Okta integrations): the client must read the record back.
    EmptyWriteBody,
    /// Leaves `totalResults` out of list answers (several small implementations).
    NoTotalResults,
    /// Serves at most this many records per page whatever `count` asked (Entra ID serves
    /// 100, GitHub EMU 100, Okta 200).
    CountCapped(u32),
    /// Leaves `meta.lastModified` out of every record (incremental syncs must not rely on it).
    NoLastModified,
    /// Leaves the `Location` header out of create answers.
    NoLocation,
    /// Advertises ETags but ignores `If-Match` (several gateways in front of SCIM servers):
    /// the header is taken out before the provider sees it.
    IgnoresIfMatch,
    /// Filters only on these attributes (Okta: userName, externalId, id with eq); any other
    /// filter is answered 400 invalidFilter.
    FiltersOnly(&'static [&'static str]),
    /// Group members change only through PATCH: a PUT of a group with members is refused
    /// (GitHub EMU, Slack).
    MembersOnlyByPatch,
    /// Refuses a PATCH adding more than this many members at once (Entra ID: 20 per request).
    MemberAddsAtMost(usize),
    /// Refuses to create a user without this attribute, though its /Schemas do not say it is
    /// required (many HR systems require an employee number or a cost center).
    Requires(&'static str),
    /// Counts `startIndex` from 0 (an offset, as several home-grown SCIM layers over SQL do):
    /// asked for 1, it starts at its second record.
    StartIndexFromZero,
    /// Serves at most this many records per page and announces as `totalResults` the number
    /// in the page, not in the directory (seen with servers that report itemsPerPage there).
    TotalIsPageSize(u32),
    /// Compares text in `eq` filters case-sensitively, although userName and e-mail
    /// addresses should ignore case (SCIMMY, several LDAP-backed gateways).
    CaseSensitiveEq,
    /// Refuses a user whose userName is longer than this (400 with the reason; Slack: 21
    /// characters for display names, several HR systems 20 for user names).
    UserNameAtMost(usize),
    Reset,
    Truncated,
    Html,
    Huge,
    /// Answers after this many milliseconds.
    Slow(u64),
    /// Sends the head and half the body, then stalls for this many milliseconds.
    SlowBody(u64),
    /// Passes the request on, then answers its list response with no resources, keeping
    /// `totalResults` (a provider whose pages stop before the total it announced).
    EmptyList,
    /// Passes the request on, then takes `nextCursor` out of its list response (a cursor that
    /// runs out before the announced total).
    NoNextCursor,
}

type Schedule = Arc<Mutex<Box<dyn Fn(usize, &str, &str) -> Fault + Send>>>;

use crate::bucket::{Bucket, Limiter};
use crate::gauge::WriteGauge;
use crate::rewrites::{
    cap_count, drop_attributes, drop_from_patch, exact_eq, filter_refused, member_adds,
    refused_email, shift_start_index, start_index, strip_last_modified,
};

pub struct Proxy {
    /// The base URL to give SCIM Desk instead of the provider's.
    pub base: String,
    schedule: Schedule,
    /// Requests seen, and faults injected.
    pub seen: Arc<AtomicUsize>,
    pub faults: Arc<AtomicUsize>,
    limiter: Limiter,
    /// Requests the rate limit refused (429).
    pub limited: Arc<AtomicUsize>,
    /// Writes in flight at once.
    pub writes: Arc<WriteGauge>,
    /// Bulk requests (POST …/Bulk) in flight at once.
    pub bulks: Arc<WriteGauge>,
}

impl Proxy {
    /// Starts a proxy for `upstream` (a base URL such as `http://127.0.0.1:P/v2`).
    pub async fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (origin, prefix) = split(upstream);
        let schedule: Schedule = Arc::new(Mutex::new(Box::new(|_, _, _| Fault::Pass)));
        let seen = Arc::new(AtomicUsize::new(0));
        let faults = Arc::new(AtomicUsize::new(0));
        let limiter: Limiter = Arc::default();
        let limited = Arc::new(AtomicUsize::new(0));
        let writes = Arc::new(WriteGauge::default());
        let bulks = Arc::new(WriteGauge::default());
        let (s, n, f, l, ln, w, b) = (
            schedule.clone(),
            seen.clone(),
            faults.clone(),
            limiter.clone(),
            limited.clone(),
            writes.clone(),
            bulks.clone(),
        );
        let http = reqwest::Client::new();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (s, n, f, l, ln, w, b, http, origin) = (
                    s.clone(),
                    n.clone(),
                    f.clone(),
                    l.clone(),
                    ln.clone(),
                    w.clone(),
                    b.clone(),
                    http.clone(),
                    origin.clone(),
                );
                tokio::spawn(async move {
                    let _ = serve(sock, &origin, &s, (&n, &f), (&l, &ln), (&w, &b), &http).await;
                });
            }
        });
        Proxy {
            base: format!("http://127.0.0.1:{port}{prefix}"),
            schedule,
            seen,
            faults,
            limiter,
            limited,
            writes,
            bulks,
        }
    }

    /// Limits requests to `rate` a second, `burst` at once (a token bucket; see [`Bucket`]).
    pub fn limit_rate(&self, rate: f64, burst: u32, headers: bool) {
        *self.limiter.lock().unwrap() = Some(Bucket::new(rate, burst, headers));
    }

    /// Sets the schedule: request number, method and path in, what to do out.
    pub fn set(&self, f: impl Fn(usize, &str, &str) -> Fault + Send + 'static) {
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
    (seen, faults): (&AtomicUsize, &AtomicUsize),
    (limiter, limited): (&Limiter, &AtomicUsize),
    (writes, bulks): (&WriteGauge, &WriteGauge),
    http: &reqwest::Client,
) -> std::io::Result<()> {
    let Some(request) = crate::http::read_request(&mut sock).await? else {
        return Ok(());
    };
    let crate::http::Request {
        method,
        path,
        headers,
        body,
    } = request;
    let n = seen.fetch_add(1, Ordering::SeqCst);
    let _write = (method != "GET").then(|| writes.enter());
    let is_bulk = method == "POST" && path.split('?').next().is_some_and(|p| p.ends_with("/Bulk"));
    let _bulk = is_bulk.then(|| bulks.enter());
    // The rate limit first: a refused request goes no further.
    let verdict = {
        let mut bucket = limiter.lock().unwrap();
        bucket.as_mut().map(|b| match b.take() {
            Ok(left) => Ok(b.fields(left)),
            Err(wait) => Err(format!(
                "Retry-After: {}\r\n{}",
                wait.ceil().max(1.0),
                b.fields(0.0)
            )),
        })
    };
    let quota = match verdict {
        None => String::new(),
        Some(Ok(fields)) => fields,
        Some(Err(extra)) => {
            limited.fetch_add(1, Ordering::SeqCst);
            let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"429","detail":"too many requests"}"#;
            let out = format!(
                "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
                body.len()
            );
            sock.write_all(out.as_bytes()).await?;
            return sock.shutdown().await;
        }
    };
    let fault = (schedule.lock().unwrap())(n, &method, &path);
    if fault != Fault::Pass {
        faults.fetch_add(1, Ordering::SeqCst);
    }
    let respond = |status: u16, ctype: &str, extra: &str, body: &[u8], claimed: usize| {
        let mut out = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {claimed}\r\n{extra}{quota}Connection: close\r\n\r\n"
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
        Fault::Saying(code, detail) => {
            let b = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": code.to_string(),
                "detail": detail,
            })
            .to_string();
            respond(code, "application/scim+json", "", b.as_bytes(), b.len())
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
        Fault::RefusesNonAsciiEmails if refused_email(&method, &body).is_some() => {
            let address = refused_email(&method, &body).unwrap_or_default();
            let b = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "scimType": "invalidValue",
                "detail": format!("emails.value {address:?} must contain only ASCII characters"),
            })
            .to_string();
            respond(400, "application/scim+json", "", b.as_bytes(), b.len())
        }
        Fault::FiltersOnly(allowed) if filter_refused(&path, allowed) => {
            let b = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "scimType": "invalidFilter",
                "detail": format!("filtering is supported on {} only", allowed.join(", ")),
            })
            .to_string();
            respond(400, "application/scim+json", "", b.as_bytes(), b.len())
        }
        Fault::MembersOnlyByPatch
            if method == "PUT"
                && path.contains("/Groups/")
                && serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .is_some_and(|v| v.get("members").is_some()) =>
        {
            let b = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "scimType": "mutability",
                "detail": "members can only be changed with PATCH",
            })
            .to_string();
            respond(400, "application/scim+json", "", b.as_bytes(), b.len())
        }
        Fault::MemberAddsAtMost(max) if method == "PATCH" && member_adds(&body) > max => {
            let b = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "detail": format!("too many members in one request: at most {max}"),
            })
            .to_string();
            respond(400, "application/scim+json", "", b.as_bytes(), b.len())
        }
        Fault::Requires(attr)
            if method == "POST"
                && path.ends_with("/Users")
                && serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .is_some_and(|v| v.get(attr).is_none_or(|x| x.is_null() || x == "")) =>
        {
            let b = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "scimType": "invalidValue",
                "detail": format!("{attr} is required"),
            })
            .to_string();
            respond(400, "application/scim+json", "", b.as_bytes(), b.len())
        }
        Fault::UserNameAtMost(max)
            if (method == "POST" || method == "PUT")
                && path.contains("/Users")
                && serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["userName"].as_str().map(|u| u.chars().count()))
                    .is_some_and(|n| n > max) =>
        {
            let b = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "scimType": "invalidValue",
                "detail": format!("userName must be at most {max} characters"),
            })
            .to_string();
            respond(400, "application/scim+json", "", b.as_bytes(), b.len())
        }
        Fault::Pass
        | Fault::UserNameAtMost(_)
        | Fault::StartIndexFromZero
        | Fault::TotalIsPageSize(_)
        | Fault::CaseSensitiveEq
        | Fault::Requires(_)
        | Fault::MemberAddsAtMost(_)
        | Fault::IgnoresIfMatch
        | Fault::FiltersOnly(_)
        | Fault::MembersOnlyByPatch
        | Fault::RefusesNonAsciiEmails
        | Fault::EmptyWriteBody
        | Fault::NoTotalResults
        | Fault::CountCapped(_)
        | Fault::NoLastModified
        | Fault::NoLocation
        | Fault::DropsAttributes(_)
        | Fault::Truncated
        | Fault::Slow(_)
        | Fault::SlowBody(_)
        | Fault::EmptyList
        | Fault::NoNextCursor => {
            if let Fault::Slow(ms) = fault {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            let asked_index = start_index(&path);
            let path = match fault {
                Fault::CountCapped(max) | Fault::TotalIsPageSize(max) => cap_count(&path, max),
                Fault::StartIndexFromZero => shift_start_index(&path),
                _ => path,
            };
            let eq_filter = exact_eq(&path);
            let mut req = http.request(method.parse().unwrap(), format!("{origin}{path}"));
            for (k, v) in &headers {
                let passed = ["authorization", "content-type", "if-match", "accept"]
                    .contains(&k.as_str())
                    && !(fault == Fault::IgnoresIfMatch && k == "if-match");
                if passed {
                    req = req.header(k, v);
                }
            }
            let mut body = body;
            let mut as_get = false;
            if let Fault::DropsAttributes(dropped) = fault {
                if let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&body) {
                    if method == "PATCH" {
                        drop_from_patch(&mut v, dropped);
                        let empty = v["Operations"].as_array().is_none_or(Vec::is_empty);
                        if empty {
                            // Nothing left to change: answer as if done, with the record.
                            as_get = true;
                            req = http.request(reqwest::Method::GET, format!("{origin}{path}"));
                            for (k, val) in &headers {
                                if ["authorization", "accept"].contains(&k.as_str()) {
                                    req = req.header(k, val);
                                }
                            }
                        }
                    } else if path.ends_with("/Bulk") {
                        // Each operation of a Bulk request, as if sent alone.
                        for op in v["Operations"].as_array_mut().into_iter().flatten() {
                            let patch = op["method"].as_str() == Some("PATCH");
                            if let Some(data) = op.get_mut("data") {
                                if patch {
                                    drop_from_patch(data, dropped);
                                } else {
                                    drop_attributes(data, dropped);
                                }
                            }
                        }
                    } else {
                        drop_attributes(&mut v, dropped);
                    }
                    body = serde_json::to_vec(&v).unwrap();
                }
            }
            let resp = if as_get { req } else { req.body(body) }
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let mut extra = String::new();
            let headers_back: &[&str] = if fault == Fault::NoLocation {
                &["etag"]
            } else {
                &["etag", "location"]
            };
            for &h in headers_back {
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
            let mut bytes = resp.bytes().await.unwrap().to_vec();
            if fault == Fault::EmptyWriteBody
                && (method == "PATCH" || method == "PUT")
                && (200..300).contains(&status)
            {
                bytes = b"{}".to_vec();
            }
            if matches!(fault, Fault::NoTotalResults | Fault::NoLastModified) {
                if let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                    if fault == Fault::NoTotalResults {
                        if let Some(m) = v.as_object_mut() {
                            m.remove("totalResults");
                        }
                    } else {
                        strip_last_modified(&mut v);
                    }
                    bytes = serde_json::to_vec(&v).unwrap();
                }
            }
            if matches!(fault, Fault::StartIndexFromZero | Fault::TotalIsPageSize(_))
                && path.contains("/ServiceProviderConfig")
            {
                // Index paging only (the behaviour is about startIndex and totalResults).
                if let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                    if let Some(p) = v.get_mut("pagination").and_then(|p| p.as_object_mut()) {
                        p.insert("cursor".into(), serde_json::json!(false));
                    }
                    bytes = serde_json::to_vec(&v).unwrap();
                }
            }
            if matches!(
                fault,
                Fault::StartIndexFromZero | Fault::TotalIsPageSize(_) | Fault::CaseSensitiveEq
            ) && method == "GET"
            {
                if let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                    if let Some(list) = v.get_mut("Resources").and_then(|r| r.as_array_mut()) {
                        if let (Fault::CaseSensitiveEq, Some((attr, value))) = (fault, &eq_filter) {
                            list.retain(|r| r[attr.as_str()].as_str() == Some(value.as_str()));
                            let n = list.len();
                            v["totalResults"] = serde_json::json!(n);
                            v["itemsPerPage"] = serde_json::json!(n);
                        } else if let Fault::TotalIsPageSize(_) = fault {
                            let n = list.len();
                            v["totalResults"] = serde_json::json!(n);
                        } else if let (Fault::StartIndexFromZero, Some(i)) = (fault, asked_index) {
                            v["startIndex"] = serde_json::json!(i);
                        }
                        bytes = serde_json::to_vec(&v).unwrap();
                    }
                }
            }
            if matches!(fault, Fault::EmptyList | Fault::NoNextCursor) {
                let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                if let Some(m) = v.as_object_mut() {
                    if fault == Fault::EmptyList {
                        m.insert("Resources".into(), serde_json::json!([]));
                        m.remove("nextCursor");
                    } else {
                        m.remove("nextCursor");
                    }
                }
                bytes = serde_json::to_vec(&v).unwrap();
            }
            if fault == Fault::Truncated {
                respond(
                    status,
                    &ctype,
                    &extra,
                    &bytes[..bytes.len() / 2],
                    bytes.len() / 2,
                )
            } else if let Fault::SlowBody(ms) = fault {
                let full = respond(status, &ctype, &extra, &bytes, bytes.len());
                let half = full.len() - bytes.len() / 2;
                sock.write_all(&full[..half]).await?;
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                full[half..].to_vec()
            } else {
                respond(status, &ctype, &extra, &bytes, bytes.len())
            }
        }
    };
    sock.write_all(&out).await?;
    sock.shutdown().await
}
