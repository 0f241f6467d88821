//! The HTTP side: one `reqwest` client per provider with timeouts, a User-Agent, bearer or basic
//! auth, and lenient reading of what servers actually send.

use std::time::Duration;

use reqwest::{header, Method, StatusCode};
use serde_json::Value;
use url::Url;

use crate::{ScimError, ScimErrorBody, Sensitive};

/// How requests authenticate.
#[derive(Debug, Clone, Default)]
pub enum Auth {
    /// No credentials (discovery endpoints, local test servers).
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(Sensitive<String>),
    /// `Authorization: Basic ...`.
    Basic {
        username: String,
        password: Sensitive<String>,
    },
    /// OAuth 2.0 client credentials (RFC 6749 section 4.4): an access token is fetched from
    /// `token_url`, kept until shortly before it expires, and fetched again after a 401.
    OAuth2 {
        token_url: String,
        client_id: String,
        client_secret: Sensitive<String>,
        scope: Option<String>,
    },
}

/// An access token and when to stop using it.
#[derive(Debug, Clone)]
struct AccessToken {
    token: Sensitive<String>,
    renew_at: std::time::Instant,
}

/// Connection settings that are not secrets.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Connect timeout, kept short so an unreachable provider is reported quickly.
    pub connect_timeout: Duration,
    /// Skip TLS certificate checks. Only ever set from an explicit, visible user switch.
    pub danger_accept_invalid_certs: bool,
    /// Sent on every request; some providers (AWS, GitHub) refuse requests without one.
    pub user_agent: String,
    /// Certificate authorities (PEM) trusted for this provider besides the system's.
    pub extra_roots_pem: Option<String>,
    /// Allow plain http to a host other than this computer. Only ever set from an explicit,
    /// visible user switch: without it, http is refused except to loopback addresses.
    pub allow_plain_http: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            danger_accept_invalid_certs: false,
            user_agent: format!("SCIM-Desk/{}", env!("CARGO_PKG_VERSION")),
            extra_roots_pem: None,
            allow_plain_http: false,
        }
    }
}

/// A client bound to one provider's base URL (e.g. `https://host/scim/v2`).
#[derive(Debug, Clone)]
pub struct ScimClient {
    http: reqwest::Client,
    base: Url,
    auth: Auth,
    /// Headers the provider requires on every request (from its capability profile).
    extra_headers: Vec<(String, String)>,
    /// The OAuth 2.0 access token, shared by the clones of this client.
    access_token: std::sync::Arc<tokio::sync::Mutex<Option<AccessToken>>>,
    /// The pace the provider's limits call for, shared by the clones of this client.
    pacer: std::sync::Arc<crate::pace::Pacer>,
}

impl ScimClient {
    /// Builds a client. The base URL must be http or https; a trailing slash is optional.
    ///
    /// Plain http is refused unless the host is this computer or `allow_plain_http` is set (for
    /// the OAuth 2.0 token address too). Redirects are followed only within the origin of the
    /// request that was sent: a credential never follows one to another origin.
    pub fn new(base_url: &str, auth: Auth, options: &ClientOptions) -> Result<Self, ScimError> {
        let base = parse_base_url(base_url)?;
        check_encrypted(&base, options.allow_plain_http)?;
        if let Auth::OAuth2 { token_url, .. } = &auth {
            check_encrypted(&parse_base_url(token_url)?, options.allow_plain_http)?;
        }
        let same_origin_only = reqwest::redirect::Policy::custom(|attempt| {
            let first = attempt.previous().first().map(Url::origin);
            if attempt.previous().len() < 10 && first == Some(attempt.url().origin()) {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        let mut builder = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .user_agent(options.user_agent.clone())
            .redirect(same_origin_only)
            .tls_danger_accept_invalid_certs(options.danger_accept_invalid_certs);
        if let Some(pem) = options.extra_roots_pem.as_deref() {
            let bad = |reason: String| ScimError::Tls {
                url: base.to_string(),
                reason,
            };
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| bad(format!("the certificate authority is not valid PEM: {e}")))?;
            if certs.is_empty() {
                return Err(bad(
                    "the certificate authority file holds no PEM certificate".into(),
                ));
            }
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        let http = builder.build().map_err(|e| ScimError::Tls {
            url: base.to_string(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            http,
            base,
            auth,
            extra_headers: Vec::new(),
            access_token: Default::default(),
            pacer: Default::default(),
        })
    }

    /// Adds headers sent on every request (e.g. a User-Agent a provider requires).
    pub fn with_headers(mut self, headers: Vec<(String, String)>) -> Self {
        self.extra_headers = headers;
        self
    }

    /// The base URL this client talks to.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// Resolves an endpoint. Both `Users`, `/Users` and an absolute path that already contains
    /// the base path (`/scim/v2/Users`, as some ResourceTypes documents give) end up at the
    /// same place: the prefix is never doubled.
    ///
    /// An absolute endpoint on another origin (scheme, host, port) than the configured base URL
    /// is refused with [`ScimError::OtherOrigin`]: the credential goes only to the origin the
    /// person configured, whatever a provider's documents say.
    pub fn endpoint_url(&self, endpoint: &str) -> Result<Url, ScimError> {
        let lower = endpoint.trim_start().to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//")
        {
            let url = self
                .base
                .join(endpoint.trim())
                .map_err(|e| ScimError::InvalidUrl {
                    url: endpoint.to_string(),
                    reason: e.to_string(),
                })?;
            self.check_origin(&url)?;
            return Ok(url);
        }
        let base_path = self.base.path().trim_end_matches('/');
        let rel = if !base_path.is_empty() && endpoint.starts_with(base_path) {
            endpoint[base_path.len()..].trim_start_matches('/')
        } else {
            endpoint.trim_start_matches('/')
        };
        let mut url = self.base.clone();
        url.set_path(&format!("{base_path}/{rel}"));
        Ok(url)
    }

    /// Refuses `url` unless it is on the configured base URL's origin.
    pub fn check_origin(&self, url: &Url) -> Result<(), ScimError> {
        if url.origin() == self.base.origin() {
            Ok(())
        } else {
            Err(ScimError::OtherOrigin {
                url: without_credentials(url),
                configured: self.base.origin().ascii_serialization(),
            })
        }
    }

    pub(crate) async fn get_json(
        &self,
        endpoint: &str,
        query: &[(&str, String)],
    ) -> Result<Value, ScimError> {
        let mut url = self.endpoint_url(endpoint)?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        let body = self.send(Method::GET, url.clone(), None).await?;
        body.ok_or_else(|| ScimError::Malformed {
            url: url.to_string(),
            reason: "the response body was empty".into(),
        })
    }

    /// Sends one request and reads a JSON body (None for an empty body, e.g. 204).
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Option<Value>, ScimError> {
        self.send_with(method, url, body, &[]).await.map(|r| r.body)
    }

    /// Sends one request with extra headers; returns status, ETag and body.
    ///
    /// Retries what is safe to retry: a 429 or 503 (the server did not act on the request)
    /// after its `Retry-After` (at most [`MAX_RETRY_AFTER`]), and, for GET only, a dropped or
    /// refused connection, with a short growing pause. At most [`MAX_RETRIES`] retries.
    pub(crate) async fn send_with(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        headers: &[(header::HeaderName, String)],
    ) -> Result<Reply, ScimError> {
        let mut attempt = 0u32;
        let mut token_renewed = false;
        loop {
            let result = self
                .send_once(method.clone(), url.clone(), body, headers)
                .await;
            // An OAuth 2.0 token the provider no longer accepts: fetch a new one, once.
            if let (Err(ScimError::Http { status: 401, .. }), Auth::OAuth2 { .. }, false) =
                (&result, &self.auth, token_renewed)
            {
                token_renewed = true;
                *self.access_token.lock().await = None;
                continue;
            }
            let wait = match &result {
                Err(ScimError::Http {
                    status: 429 | 503,
                    retry_after,
                    ..
                }) => Some(
                    retry_after
                        .map(Duration::from_secs)
                        .unwrap_or_else(|| backoff(attempt))
                        .min(MAX_RETRY_AFTER),
                ),
                Err(ScimError::Unreachable { .. } | ScimError::Timeout { .. })
                    if method == Method::GET =>
                {
                    Some(backoff(attempt))
                }
                _ => None,
            };
            match wait {
                Some(w) if attempt < MAX_RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(w).await;
                }
                _ => return result,
            }
        }
    }

    /// The current OAuth 2.0 access token, fetched with the client credentials when there is
    /// none or it is about to expire.
    async fn oauth_token(&self) -> Result<Sensitive<String>, ScimError> {
        let Auth::OAuth2 {
            token_url,
            client_id,
            client_secret,
            scope,
        } = &self.auth
        else {
            return Err(ScimError::Malformed {
                url: self.base.to_string(),
                reason: "no OAuth 2.0 settings".into(),
            });
        };
        let mut cached = self.access_token.lock().await;
        if let Some(t) = cached.as_ref() {
            if std::time::Instant::now() < t.renew_at {
                return Ok(t.token.clone());
            }
        }
        let url = Url::parse(token_url).map_err(|e| ScimError::InvalidUrl {
            url: token_url.clone(),
            reason: e.to_string(),
        })?;
        let body = {
            // Built in a block: the serializer is not Send and must not live across an await.
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "client_credentials");
            if let Some(s) = scope.as_deref().filter(|s| !s.is_empty()) {
                form.append_pair("scope", s);
            }
            form.finish()
        };
        let resp = self
            .http
            .post(url.clone())
            .basic_auth(client_id, Some(client_secret.expose()))
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error(&url, e))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| transport_error(&url, e))?;
        if !status.is_success() {
            return Err(ScimError::Http {
                method: "POST".into(),
                url: url.to_string(),
                status: status.as_u16(),
                body: Default::default(),
                retry_after: None,
            });
        }
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| ScimError::Malformed {
            url: url.to_string(),
            reason: format!("the token endpoint's answer is not JSON: {e}"),
        })?;
        let token = v
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| ScimError::Malformed {
                url: url.to_string(),
                reason: "the token endpoint's answer has no access_token".into(),
            })?;
        let lifetime = v.get("expires_in").and_then(Value::as_u64).unwrap_or(300);
        let token = Sensitive::new(token.to_string());
        *cached = Some(AccessToken {
            token: token.clone(),
            // Renewed 30 s early (or halfway through a very short lifetime).
            renew_at: std::time::Instant::now()
                + Duration::from_secs(lifetime.saturating_sub(30).max(lifetime / 2)),
        });
        Ok(token)
    }

    async fn send_once(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        headers: &[(header::HeaderName, String)],
    ) -> Result<Reply, ScimError> {
        let mut req = self
            .http
            .request(method.clone(), url.clone())
            .header(header::ACCEPT, "application/scim+json, application/json");
        req = match &self.auth {
            Auth::None => req,
            Auth::Bearer(t) => req.bearer_auth(t.expose()),
            Auth::Basic { username, password } => req.basic_auth(username, Some(password.expose())),
            Auth::OAuth2 { .. } => req.bearer_auth(self.oauth_token().await?.expose()),
        };
        for (k, v) in &self.extra_headers {
            req = req.header(k.as_str(), v.as_str());
        }
        for (k, v) in headers {
            req = req.header(k, v.as_str());
        }
        if let Some(b) = body {
            req = req
                .header(header::CONTENT_TYPE, "application/scim+json")
                .body(b.to_string());
        }
        self.pacer.wait_turn().await;
        let waiting = crate::stats::Waiting::start();
        let resp = req.send().await.map_err(|e| transport_error(&url, e))?;
        let status = resp.status();
        let header_str = |name: header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let retry_after =
            header_str(header::RETRY_AFTER).and_then(|v| v.trim().parse::<u64>().ok());
        self.pacer.observe(
            resp.headers(),
            status.as_u16(),
            retry_after.map(Duration::from_secs),
        );
        let etag = header_str(header::ETAG);
        let location = header_str(header::LOCATION);
        let too_big = |n: u64| ScimError::Malformed {
            url: url.to_string(),
            reason: format!(
                "the answer is {} MB, more than the {} MB SCIM Desk reads in one response",
                n / 1_000_000,
                MAX_BODY / 1_000_000
            ),
        };
        if let Some(n) = resp.content_length().filter(|n| *n > MAX_BODY) {
            return Err(too_big(n));
        }
        // Read in chunks, so a body without a length cannot grow past the limit either.
        let mut resp = resp;
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| transport_error(&url, e))? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > MAX_BODY {
                return Err(too_big(bytes.len() as u64));
            }
        }
        waiting.stop();
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            // Redirects within the origin were followed; this one leads elsewhere (or loops).
            let to = location
                .as_deref()
                .and_then(|l| url.join(l).ok())
                .unwrap_or_else(|| url.clone());
            self.check_origin(&to)?;
            return Err(ScimError::Http {
                method: method.to_string(),
                url: url.to_string(),
                status: status.as_u16(),
                body: Default::default(),
                retry_after,
            });
        }
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Reply {
                status: status.as_u16(),
                etag,
                location,
                body: None,
            });
        }
        if !status.is_success() {
            let body: ScimErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
            return Err(ScimError::Http {
                method: method.to_string(),
                url: url.to_string(),
                status: status.as_u16(),
                body: Box::new(body),
                retry_after,
            });
        }
        let body =
            if status == StatusCode::NO_CONTENT || bytes.iter().all(|b| b.is_ascii_whitespace()) {
                None
            } else {
                Some(
                    serde_json::from_slice(&bytes).map_err(|e| ScimError::Malformed {
                        url: url.to_string(),
                        reason: e.to_string(),
                    })?,
                )
            };
        Ok(Reply {
            status: status.as_u16(),
            etag,
            location,
            body,
        })
    }
}

/// Retries of one request (429/503, or a dropped connection on a GET).
pub const MAX_RETRIES: u32 = 3;
/// The largest response body read (a page of 1,000 large users is a few MB).
pub const MAX_BODY: u64 = 64_000_000;
/// The longest `Retry-After` honoured before giving up and reporting the 429.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64 << attempt.min(6))
}

/// What a request answered.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub etag: Option<String>,
    #[allow(dead_code)] // read by Bulk and create callers that need the new location
    pub location: Option<String>,
    pub body: Option<Value>,
}

fn parse_base_url(s: &str) -> Result<Url, ScimError> {
    let url = Url::parse(s.trim()).map_err(|e| ScimError::InvalidUrl {
        url: s.to_string(),
        reason: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ScimError::InvalidUrl {
            url: s.to_string(),
            reason: "only http and https are supported".into(),
        });
    }
    if url.host_str().is_none() {
        return Err(ScimError::InvalidUrl {
            url: s.to_string(),
            reason: "the address has no host".into(),
        });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ScimError::InvalidUrl {
            url: without_credentials(&url),
            reason: "the address holds a user name or password (user:pass@); credentials belong \
                     in the provider's sign-in settings, where they go to the keyring"
                .into(),
        });
    }
    Ok(url)
}

/// The URL as text with any `user:pass@` taken out.
fn without_credentials(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// True for an address on this computer: 127.0.0.0/8, ::1, `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        None => false,
    }
}

/// Plain http only to this computer, unless the person switched it on.
fn check_encrypted(url: &Url, allow_plain_http: bool) -> Result<(), ScimError> {
    if url.scheme() == "http" && !allow_plain_http && !is_loopback(url) {
        return Err(ScimError::PlainHttp {
            url: without_credentials(url),
        });
    }
    Ok(())
}

fn transport_error(url: &Url, e: reqwest::Error) -> ScimError {
    let url = url.to_string();
    if e.is_timeout() {
        return ScimError::Timeout { url };
    }
    let mut reason = e.to_string();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    while let Some(s) = src {
        reason = format!("{reason}: {s}");
        src = s.source();
    }
    if reason.contains("certificate") || reason.contains("tls") || reason.contains("TLS") {
        ScimError::Tls { url, reason }
    } else {
        ScimError::Unreachable { url, reason }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn no_secret_in_the_debug_form_of_a_client_or_its_auth() {
        let opts = ClientOptions::default();
        for auth in [
            Auth::Bearer(Sensitive::new("tok-5ecret".into())),
            Auth::Basic {
                username: "u".into(),
                password: Sensitive::new("tok-5ecret".into()),
            },
            Auth::OAuth2 {
                token_url: "http://127.0.0.1:9/token".into(),
                client_id: "c".into(),
                client_secret: Sensitive::new("tok-5ecret".into()),
                scope: None,
            },
        ] {
            let shown = format!("{auth:?}");
            assert!(!shown.contains("tok-5ecret"), "{shown}");
            let client = ScimClient::new("http://127.0.0.1:9/v2", auth, &opts).unwrap();
            let shown = format!("{client:?} {client:#?}");
            assert!(!shown.contains("tok-5ecret"), "{shown}");
        }
    }
    use super::*;

    fn client(base: &str) -> ScimClient {
        ScimClient::new(base, Auth::None, &ClientOptions::default()).unwrap()
    }

    #[test]
    fn endpoints_never_double_the_base_path() {
        let c = client("https://example.test/scim/v2/");
        for ep in ["Users", "/Users", "/scim/v2/Users"] {
            assert_eq!(
                c.endpoint_url(ep).unwrap().as_str(),
                "https://example.test/scim/v2/Users",
                "endpoint {ep:?} must resolve under the base once"
            );
        }
    }

    #[test]
    fn bad_urls_are_refused_with_a_reason() {
        for bad in ["", "ftp://x/y", "not a url", "http://"] {
            assert!(
                ScimClient::new(bad, Auth::None, &ClientOptions::default()).is_err(),
                "{bad:?} must be refused"
            );
        }
    }
}
