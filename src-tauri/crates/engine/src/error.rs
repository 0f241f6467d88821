//! The engine's error type and its one shape across IPC: `{code, message, detail}`.
//!
//! `code` is stable and the UI may branch on it; `message` is plain words for an HR person
//! (what failed and what to do); `detail` is the technical cause, shown one click away.
//! Secrets never appear in any of them: they are held in `Sensitive` values that print
//! `<redacted>`.

use scim_client::ScimError;
use serde::Serialize;
use ts_rs::TS;

use crate::secrets::SecretError;

/// Stable error codes. Renaming one is a breaking change for the UI and for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    DuplicateName,
    NotFound,
    ProviderUnreachable,
    ProviderTimeout,
    TlsFailed,
    AuthRejected,
    RateLimited,
    ProviderError,
    MalformedResponse,
    Database,
    DatabaseTooNew,
    KeyringUnavailable,
    DemoUnavailable,
    /// Someone else changed the record since it was read (HTTP 412).
    EditConflict,
    /// The person cancelled the operation.
    Cancelled,
    /// A migration's target still differs from its source.
    Unverified,
    Internal,
}

/// An error of the engine.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("{0}")]
    InvalidInput(String),
    #[error("a provider named {0:?} already exists; choose another name")]
    DuplicateName(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Scim(#[from] ScimError),
    #[error(transparent)]
    Store(#[from] desk_store::StoreError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("{0}")]
    DemoUnavailable(String),
    #[error("the demo providers did not start: {0}")]
    DemoFailed(#[from] desk_harness::ServerError),
    #[error("the operation was cancelled; nothing was changed")]
    Cancelled,
    /// A write refused because the record changed meanwhile.
    #[error("{0}")]
    Conflict(String),
    /// A migration's verify found this many differences.
    #[error("{0} differences remain between the source and the target; run the migration again (plan, run) or resume it")]
    Unverified(usize),
    #[error("{0}")]
    Internal(String),
}

/// The JSON shape of an error crossing IPC (and printed by the CLI with `--format json`).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl DeskError {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            DeskError::InvalidInput(_) => ErrorCode::InvalidInput,
            DeskError::DuplicateName(_) => ErrorCode::DuplicateName,
            DeskError::NotFound(_) => ErrorCode::NotFound,
            DeskError::Scim(e) => match e {
                ScimError::InvalidUrl { .. } => ErrorCode::InvalidInput,
                ScimError::Unreachable { .. } => ErrorCode::ProviderUnreachable,
                ScimError::Timeout { .. } => ErrorCode::ProviderTimeout,
                ScimError::Tls { .. } => ErrorCode::TlsFailed,
                ScimError::Http { status, .. } => match status {
                    401 | 403 => ErrorCode::AuthRejected,
                    404 => ErrorCode::NotFound,
                    429 => ErrorCode::RateLimited,
                    _ => ErrorCode::ProviderError,
                },
                ScimError::Malformed { .. } => ErrorCode::MalformedResponse,
                ScimError::PreconditionFailed { .. } => ErrorCode::EditConflict,
            },
            DeskError::Store(desk_store::StoreError::NewerVersion { .. }) => {
                ErrorCode::DatabaseTooNew
            }
            DeskError::Store(desk_store::StoreError::DuplicateProvider(_)) => {
                ErrorCode::DuplicateName
            }
            DeskError::Store(desk_store::StoreError::ProviderNotFound(_)) => ErrorCode::NotFound,
            DeskError::Store(_) => ErrorCode::Database,
            DeskError::Secret(_) => ErrorCode::KeyringUnavailable,
            DeskError::DemoUnavailable(_) | DeskError::DemoFailed(_) => ErrorCode::DemoUnavailable,
            DeskError::Cancelled => ErrorCode::Cancelled,
            DeskError::Conflict(_) => ErrorCode::EditConflict,
            DeskError::Unverified(_) => ErrorCode::Unverified,
            DeskError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// What failed and what to do, in plain words.
    pub fn message(&self) -> String {
        match self {
            DeskError::Scim(e) => match e {
                ScimError::InvalidUrl { url, .. } => format!(
                    "\"{url}\" is not a web address SCIM Desk can use. Enter the provider's SCIM \
                     base address, starting with https:// (for example \
                     https://example.com/scim/v2)."
                ),
                ScimError::Unreachable { url, .. } => format!(
                    "SCIM Desk could not reach the provider at {}. Check the address and your \
                     network connection, and that the service is running; then try again.",
                    host_of(url)
                ),
                ScimError::Timeout { url } => format!(
                    "The provider at {} took too long to answer. Try again in a moment.",
                    host_of(url)
                ),
                ScimError::Tls { url, .. } => format!(
                    "The secure connection to {} could not be verified. Check the address, or \
                     ask your administrator for the provider's certificate.",
                    host_of(url)
                ),
                ScimError::Http { status, url, .. } => match status {
                    401 | 403 => "The provider refused the credentials. Check the token or \
                                  password in the provider's settings."
                        .to_string(),
                    404 => format!(
                        "The provider at {} has no SCIM service at this address, or the record \
                         no longer exists. Check the base address (it usually ends in /scim/v2).",
                        host_of(url)
                    ),
                    409 => "The provider already has a record with this user name (or another \
                            value that must be unique). Choose a different one and try again."
                        .to_string(),
                    400 => "The provider refused the change as invalid. The technical detail \
                            below names the value it did not accept."
                        .to_string(),
                    429 => "The provider asked SCIM Desk to slow down. Wait a minute, then try \
                            again."
                        .to_string(),
                    s if *s >= 500 => "The provider had an internal problem and could not \
                                       answer. Try again later; if it keeps failing, contact \
                                       the provider's administrator."
                        .to_string(),
                    _ => "The provider refused the request. The details below say why.".to_string(),
                },
                ScimError::PreconditionFailed { .. } => "Someone else changed this record after \
                                                         you opened it. Compare their version \
                                                         with yours and choose what to keep."
                    .to_string(),
                ScimError::Malformed { url, .. } => format!(
                    "The provider at {} answered with something SCIM Desk could not read. \
                     It may not be a SCIM service, or it may be misconfigured.",
                    host_of(url)
                ),
            },
            DeskError::Store(desk_store::StoreError::NewerVersion { .. }) => {
                "The local data was saved by a newer version of SCIM Desk. Update SCIM Desk to \
                 open it; nothing has been changed."
                    .to_string()
            }
            DeskError::Store(_) => "SCIM Desk could not read or write its local data. Check \
                                    that the disk is not full, then try again."
                .to_string(),
            DeskError::Secret(_) => "The system keyring, where SCIM Desk keeps passwords and \
                                     tokens, is not available. Unlock it (or sign in again), \
                                     then try again."
                .to_string(),
            DeskError::DemoFailed(_) => "The demo providers did not start. The technical detail \
                                        says why; `cargo xtask run` reinstalls them."
                .to_string(),
            other => other.to_string(),
        }
    }

    /// The technical detail, when it adds something to the message.
    pub fn detail(&self) -> Option<String> {
        match self {
            DeskError::Scim(e) => Some(e.to_string()),
            DeskError::Store(e) => Some(e.to_string()),
            DeskError::Secret(e) => Some(e.to_string()),
            DeskError::DemoFailed(e) => Some(e.to_string()),
            _ => None,
        }
    }

    /// The IPC shape.
    pub fn to_ipc(&self) -> IpcError {
        IpcError {
            code: self.code(),
            message: self.message(),
            detail: self.detail(),
        }
    }
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| u.port().map_or(h.to_string(), |p| format!("{h}:{p}")))
        })
        .unwrap_or_else(|| url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_stable_snake_case() {
        let e = DeskError::Scim(ScimError::Unreachable {
            url: "http://127.0.0.1:9/v2".into(),
            reason: "connection refused".into(),
        });
        let v = serde_json::to_value(e.to_ipc()).unwrap();
        assert_eq!(v["code"], "provider_unreachable");
        assert!(v["message"].as_str().unwrap().contains("127.0.0.1:9"));
        assert!(v["detail"].as_str().unwrap().contains("connection refused"));
    }

    #[test]
    fn http_statuses_map_to_codes() {
        let http = |status| {
            DeskError::Scim(ScimError::Http {
                method: "GET".into(),
                url: "http://h/v2/Users".into(),
                status,
                body: Default::default(),
                retry_after: None,
            })
            .code()
        };
        assert_eq!(http(401), ErrorCode::AuthRejected);
        assert_eq!(http(429), ErrorCode::RateLimited);
        assert_eq!(http(500), ErrorCode::ProviderError);
    }
}
