//! Errors of the SCIM client, typed so that callers never parse message text.

use serde::Deserialize;

/// The body of a SCIM error response (RFC 7644 section 3.12), read leniently: `status` may be a
/// string (as the RFC says) or a number (as some servers send), and `scimType` may be missing.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ScimErrorBody {
    #[serde(default, deserialize_with = "string_or_number")]
    pub status: Option<String>,
    #[serde(default)]
    pub scim_type: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// What went wrong talking to a SCIM service provider.
#[derive(Debug, thiserror::Error)]
pub enum ScimError {
    #[error("the address {url:?} is not a valid http(s) URL: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("could not connect to {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the request to {url} timed out")]
    Timeout { url: String },
    #[error("the secure connection to {url} failed: {reason}")]
    Tls { url: String, reason: String },
    #[error("{method} {url} answered HTTP {status}{}", describe(.body))]
    Http {
        method: String,
        url: String,
        status: u16,
        body: Box<ScimErrorBody>,
        /// Seconds from a `Retry-After` header, when the server sent one.
        retry_after: Option<u64>,
    },
    #[error("the record at {url} was changed by someone else since it was read (HTTP 412)")]
    PreconditionFailed {
        url: String,
        /// The server's current version of the resource, when it could be read.
        current: Option<Box<serde_json::Value>>,
    },
    #[error("{url} sent a response that is not valid SCIM JSON: {reason}")]
    Malformed { url: String, reason: String },
    /// The provider pointed to an address on another origin than the configured one (an
    /// endpoint, a location or a redirect): nothing was sent there.
    #[error("the provider pointed to {url}, outside the configured origin {configured}; nothing was sent there")]
    OtherOrigin { url: String, configured: String },
    /// Plain http to a host other than this computer, without the person's switch.
    #[error("{url} is plain http (not encrypted) to a host other than this computer")]
    PlainHttp { url: String },
}

fn describe(body: &ScimErrorBody) -> String {
    let mut s = String::new();
    if let Some(t) = &body.scim_type {
        s.push_str(&format!(" ({t})"));
    }
    if let Some(d) = &body.detail {
        s.push_str(&format!(": {d}"));
    }
    s
}

impl ScimError {
    /// The HTTP status, when the server answered at all.
    pub fn status(&self) -> Option<u16> {
        match self {
            ScimError::Http { status, .. } => Some(*status),
            ScimError::PreconditionFailed { .. } => Some(412),
            _ => None,
        }
    }

    /// True when the provider refused the request as something it does not do at all (not
    /// because of what was in it): HTTP 501 or 405, or a 400 or 403 whose message says it is
    /// not supported or not implemented. Providers advertise features they refuse; a client
    /// that decides from what they do falls back instead of failing.
    pub fn refuses_as_unsupported(&self) -> bool {
        match self {
            ScimError::Http {
                status: 501 | 405, ..
            } => true,
            ScimError::Http {
                status: 400 | 403,
                body,
                ..
            } => {
                let said = format!(
                    "{} {}",
                    body.scim_type.as_deref().unwrap_or_default(),
                    body.detail.as_deref().unwrap_or_default()
                )
                .to_lowercase();
                [
                    "not supported",
                    "unsupported",
                    "not implemented",
                    "notimplemented",
                ]
                .iter()
                .any(|p| said.contains(p))
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_status_may_be_a_number_or_a_string() {
        let a: ScimErrorBody =
            serde_json::from_str(r#"{"status":"409","scimType":"uniqueness"}"#).unwrap();
        let b: ScimErrorBody = serde_json::from_str(r#"{"status":409}"#).unwrap();
        assert_eq!(a.status.as_deref(), Some("409"));
        assert_eq!(b.status.as_deref(), Some("409"));
        assert_eq!(
            b.scim_type, None,
            "Sentry-style 409 without scimType must still parse"
        );
    }

    fn http(status: u16, detail: &str) -> ScimError {
        ScimError::Http {
            method: "PATCH".into(),
            url: "http://127.0.0.1/Users/1".into(),
            status,
            body: Box::new(ScimErrorBody {
                status: None,
                scim_type: None,
                detail: Some(detail.into()),
            }),
            retry_after: None,
        }
    }

    #[test]
    fn a_refusal_as_unsupported_is_told_from_a_refused_value() {
        assert!(http(501, "").refuses_as_unsupported());
        assert!(http(405, "Method Not Allowed").refuses_as_unsupported());
        assert!(http(400, "PATCH is not supported for this resource").refuses_as_unsupported());
        assert!(http(403, "Operation not implemented").refuses_as_unsupported());
        // What was sent was wrong: not a missing feature.
        assert!(!http(400, "emails[0].value is not a valid address").refuses_as_unsupported());
        assert!(!http(409, "userName not supported twice").refuses_as_unsupported());
        assert!(!http(500, "not implemented").refuses_as_unsupported());
    }
}
