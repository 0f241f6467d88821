//! The engine's error type and its one shape across IPC: `{code, message, detail}`.
//!
//! `code` is stable and the UI may branch on it; `message` is plain words for an HR person
//! (what failed and what to do); `detail` is the technical cause, shown one click away.
//! Secrets never appear in any of them: they are held in `Sensitive` values that print
//! `<redacted>`.

use scim_client::ScimError;
use serde::Serialize;
use ts_rs::TS;

use crate::providers::secrets::SecretError;

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
    /// A sync stored a copy that is not complete (the provider stopped short).
    IncompleteCopy,
    /// A link's guard rail stopped a run before anything was written.
    GuardRail,
    /// The provider pointed to another origin than the configured one; nothing was sent there.
    OtherOrigin,
    /// The encrypted offline copy cannot be opened: its key is missing from the keyring, does
    /// not open it, or the keyring is locked.
    OfflineCopyLocked,
    /// The app is still opening its offline copy (encrypting one left by an earlier version).
    Opening,
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
    DemoFailed(#[from] desk_reference::ServerError),
    #[error("the operation was cancelled; nothing was changed")]
    Cancelled,
    /// A write refused because the record changed meanwhile.
    #[error("{0}")]
    Conflict(String),
    /// A migration's verify found this many differences.
    #[error("{0} differences remain between the source and the target; run the migration again (plan, run) or resume it")]
    Unverified(usize),
    /// A migration's verify (strict) found attributes the target accepted but did not keep.
    #[error("{0}")]
    NotKept(String),
    /// A run across a person's accounts left some not done (an account still active).
    #[error("{0}")]
    Unfinished(String),
    /// A sync stored what it read, but the read stopped short of what the provider announced.
    #[error("{0}")]
    IncompleteCopy(String),
    /// A link's guard rail stopped a run: it would change more than the link allows. Nothing
    /// was written.
    #[error("{0}")]
    GuardRail(String),
    /// The encrypted offline copy cannot be opened.
    #[error("the offline copy cannot be opened: {0:?}")]
    OfflineKey(crate::offline::key::KeyProblem),
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
                ScimError::OtherOrigin { .. } => ErrorCode::OtherOrigin,
                ScimError::PlainHttp { .. } => ErrorCode::InvalidInput,
            },
            DeskError::Store(desk_store::StoreError::NewerVersion { .. }) => {
                ErrorCode::DatabaseTooNew
            }
            DeskError::Store(desk_store::StoreError::DuplicateProvider(_)) => {
                ErrorCode::DuplicateName
            }
            DeskError::Store(desk_store::StoreError::ProviderNotFound(_)) => ErrorCode::NotFound,
            DeskError::Store(desk_store::StoreError::WrongKey) => ErrorCode::OfflineCopyLocked,
            DeskError::OfflineKey(crate::offline::key::KeyProblem::KeyringUnavailable(_)) => {
                ErrorCode::KeyringUnavailable
            }
            DeskError::OfflineKey(_) => ErrorCode::OfflineCopyLocked,
            DeskError::Store(_) => ErrorCode::Database,
            DeskError::Secret(_) => ErrorCode::KeyringUnavailable,
            DeskError::DemoUnavailable(_) | DeskError::DemoFailed(_) => ErrorCode::DemoUnavailable,
            DeskError::Cancelled => ErrorCode::Cancelled,
            DeskError::Conflict(_) => ErrorCode::EditConflict,
            DeskError::Unverified(_) | DeskError::NotKept(_) | DeskError::Unfinished(_) => {
                ErrorCode::Unverified
            }
            DeskError::IncompleteCopy(_) => ErrorCode::IncompleteCopy,
            DeskError::GuardRail(_) => ErrorCode::GuardRail,
            DeskError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// What failed and what to do, in plain words.
    pub fn message(&self) -> String {
        match self {
            DeskError::Scim(e) => match e {
                ScimError::InvalidUrl { url, reason } => format!(
                    "\"{url}\" is not a web address SCIM Desk can use: {reason}. Enter the \
                     provider's SCIM base address, starting with https:// (for example \
                     https://example.com/scim/v2)."
                ),
                ScimError::OtherOrigin { url, configured } => format!(
                    "The provider pointed SCIM Desk to {url}, which is not at the address you \
                     configured ({configured}). SCIM Desk sends your credentials only to the \
                     configured address, so nothing was sent there. Ask the provider's \
                     administrator to fix its configuration, or change the provider's address \
                     if it really moved."
                ),
                ScimError::PlainHttp { url } => format!(
                    "{url} is not encrypted (http): the token or password would travel in clear \
                     text. Use the provider's https:// address. Only if you accept that risk, \
                     switch on \"Allow an unencrypted connection\" (--allow-plain-http)."
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
                ScimError::Http {
                    status, url, body, ..
                } => match status {
                    401 => "The provider did not accept the credentials (HTTP 401). Check the \
                            token or password in the provider's settings."
                        .to_string(),
                    403 => "The provider accepted the credentials but does not allow them to do \
                            this (HTTP 403). Ask the provider's administrator for the permission."
                        .to_string(),
                    404 => format!(
                        "The provider at {} has no SCIM service at this address, or the record \
                         no longer exists. Check the base address (it usually ends in /scim/v2).",
                        host_of(url)
                    ),
                    405 => "The provider does not allow this kind of request here (HTTP 405 \
                            Method Not Allowed). SCIM Desk cannot make this change through it."
                        .to_string(),
                    408 | 504 => format!(
                        "The provider at {} took too long to answer (HTTP {status}). Try again \
                         in a moment.",
                        host_of(url)
                    ),
                    409 => "The provider already has a record with this user name (or another \
                            value that must be unique). Choose a different one and try again."
                        .to_string(),
                    400 if body.scim_type.as_deref() == Some("invalidFilter") => "The provider \
                            could not use the search filter. Simplify the filter and try again."
                        .to_string(),
                    400 => "The provider refused the change as invalid. The technical detail \
                            below names the value it did not accept."
                        .to_string(),
                    413 => "The request was larger than the provider accepts (HTTP 413). Change \
                            fewer records at once."
                        .to_string(),
                    429 => "The provider asked SCIM Desk to slow down. Wait a minute, then try \
                            again."
                        .to_string(),
                    501 => "The provider does not support this operation (HTTP 501 Not \
                            Implemented), although it may say it does. Nothing was changed."
                        .to_string(),
                    502 | 503 => format!(
                        "The provider at {} is unavailable at the moment (HTTP {status}). Try \
                         again later; if it stays unavailable, contact its administrator.",
                        host_of(url)
                    ),
                    s if (300..400).contains(s) => format!(
                        "The provider at {} sent SCIM Desk elsewhere (HTTP {status}) too many \
                         times. Check the base address.",
                        host_of(url)
                    ),
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
            DeskError::Store(desk_store::StoreError::ProviderNotFound(name)) => format!(
                "There is no provider named \"{name}\". The configured providers are listed in \
                 the sidebar (or by `scim-desk-cli provider list`)."
            ),
            DeskError::Store(desk_store::StoreError::DuplicateProvider(name)) => format!(
                "A provider named \"{name}\" already exists (names ignore case); choose another \
                 name."
            ),
            DeskError::Store(desk_store::StoreError::FilterNotTranslatable) => {
                "This filter cannot be answered from the local copy. Simplify it, or search \
                 the provider itself."
                    .to_string()
            }
            DeskError::OfflineKey(crate::offline::key::KeyProblem::KeyringUnavailable(_)) => {
                "SCIM Desk keeps the key to its encrypted offline copy in the system keyring, \
                 which is locked or not running. Unlock it (or sign in again), then start SCIM \
                 Desk again. Nothing has been changed."
                    .to_string()
            }
            DeskError::OfflineKey(p) => {
                let what = match p {
                    crate::offline::key::KeyProblem::Missing => {
                        "The offline copy on this computer is encrypted, and its key is not in \
                         the system keyring"
                    }
                    crate::offline::key::KeyProblem::Unreadable => {
                        "The offline copy on this computer is encrypted, and the system keyring \
                         holds something else where its key should be"
                    }
                    _ => {
                        "The key in the system keyring does not open the offline copy on this \
                         computer"
                    }
                };
                format!(
                    "{what}. If you use another keyring, or it is locked, unlock it and start \
                     SCIM Desk again. Otherwise you can start fresh: the unreadable copy is set \
                     aside (not deleted), you add your providers again and their directories are \
                     read again from them (\"Start fresh\" here, or `scim-desk-cli reset --yes`). \
                     Nothing has been changed."
                )
            }
            DeskError::Store(desk_store::StoreError::WrongKey) => {
                DeskError::OfflineKey(crate::offline::key::KeyProblem::Wrong).message()
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
            DeskError::IncompleteCopy(w) => {
                format!("{w}. {}", crate::read::completeness::INCOMPLETE_ADVICE)
            }
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
            DeskError::OfflineKey(crate::offline::key::KeyProblem::KeyringUnavailable(why)) => {
                Some(why.clone())
            }
            _ => None,
        }
    }

    /// The words and, when there is one, the technical detail after them: for reports that
    /// keep one line per account (offboarding evidence, onboarding, edits everywhere), where
    /// no detail is "one click away".
    pub fn message_with_detail(&self) -> String {
        match self.detail() {
            Some(d) => format!("{} ({d})", self.message()),
            None => self.message(),
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

    /// Every cause, its stable code and the words that must be in its message: the cause the
    /// person reads is the one that happened (a missing provider is not a full disk; HTTP 501
    /// is "not supported", not "an internal problem").
    #[test]
    fn every_cause_has_its_code_and_its_own_words() {
        let http = |status: u16, scim_type: Option<&str>| {
            DeskError::Scim(ScimError::Http {
                method: "PATCH".into(),
                url: "http://127.0.0.1:9/v2/Users/1".into(),
                status,
                body: Box::new(scim_client::ScimErrorBody {
                    scim_type: scim_type.map(str::to_string),
                    ..Default::default()
                }),
                retry_after: None,
            })
        };
        let url = || "http://127.0.0.1:9/v2".to_string();
        let cases: Vec<(DeskError, ErrorCode, &str)> = vec![
            (
                DeskError::InvalidInput("Give it a name.".into()),
                ErrorCode::InvalidInput,
                "Give it a name",
            ),
            (
                DeskError::DuplicateName("HR".into()),
                ErrorCode::DuplicateName,
                "already exists",
            ),
            (
                DeskError::NotFound("No such record.".into()),
                ErrorCode::NotFound,
                "No such record",
            ),
            (
                DeskError::Store(desk_store::StoreError::ProviderNotFound("x".into())),
                ErrorCode::NotFound,
                "There is no provider named \"x\"",
            ),
            (
                DeskError::Store(desk_store::StoreError::DuplicateProvider("HR".into())),
                ErrorCode::DuplicateName,
                "already exists",
            ),
            (
                DeskError::Store(desk_store::StoreError::NewerVersion {
                    migration: "m".into(),
                }),
                ErrorCode::DatabaseTooNew,
                "newer version",
            ),
            (
                DeskError::Store(desk_store::StoreError::Io("disk full".into())),
                ErrorCode::Database,
                "disk is not full",
            ),
            (
                DeskError::Store(desk_store::StoreError::FilterNotTranslatable),
                ErrorCode::Database,
                "cannot be answered from the local copy",
            ),
            (
                DeskError::Secret(SecretError::Unavailable("no dbus".into())),
                ErrorCode::KeyringUnavailable,
                "keyring",
            ),
            (
                DeskError::DemoUnavailable("not installed".into()),
                ErrorCode::DemoUnavailable,
                "not installed",
            ),
            (DeskError::Cancelled, ErrorCode::Cancelled, "cancelled"),
            (
                DeskError::Conflict("changed meanwhile".into()),
                ErrorCode::EditConflict,
                "changed meanwhile",
            ),
            (
                DeskError::Unverified(3),
                ErrorCode::Unverified,
                "3 differences",
            ),
            (
                DeskError::IncompleteCopy("Incomplete copy: 200 of 300 users".into()),
                ErrorCode::IncompleteCopy,
                "200 of 300 users",
            ),
            (
                DeskError::GuardRail("would deactivate 40 users".into()),
                ErrorCode::GuardRail,
                "deactivate 40 users",
            ),
            (
                DeskError::Internal("a bug".into()),
                ErrorCode::Internal,
                "a bug",
            ),
            (
                DeskError::Scim(ScimError::InvalidUrl {
                    url: "ftp://x".into(),
                    reason: "only http and https".into(),
                }),
                ErrorCode::InvalidInput,
                "only http and https",
            ),
            (
                DeskError::Scim(ScimError::Unreachable {
                    url: url(),
                    reason: "refused".into(),
                }),
                ErrorCode::ProviderUnreachable,
                "could not reach",
            ),
            (
                DeskError::Scim(ScimError::Timeout { url: url() }),
                ErrorCode::ProviderTimeout,
                "too long",
            ),
            (
                DeskError::Scim(ScimError::Tls {
                    url: url(),
                    reason: "bad cert".into(),
                }),
                ErrorCode::TlsFailed,
                "could not be verified",
            ),
            (
                DeskError::Scim(ScimError::Malformed {
                    url: url(),
                    reason: "eof".into(),
                }),
                ErrorCode::MalformedResponse,
                "could not read",
            ),
            (
                DeskError::Scim(ScimError::PreconditionFailed {
                    url: url(),
                    current: None,
                }),
                ErrorCode::EditConflict,
                "Someone else changed",
            ),
            (
                DeskError::Scim(ScimError::OtherOrigin {
                    url: "http://127.0.0.2:7/v2/Users".into(),
                    configured: "http://127.0.0.1:9".into(),
                }),
                ErrorCode::OtherOrigin,
                "only to the configured address",
            ),
            (
                DeskError::Scim(ScimError::PlainHttp {
                    url: "http://scim.example.com/v2".into(),
                }),
                ErrorCode::InvalidInput,
                "not encrypted",
            ),
            (
                http(400, None),
                ErrorCode::ProviderError,
                "refused the change as invalid",
            ),
            (
                http(400, Some("invalidFilter")),
                ErrorCode::ProviderError,
                "could not use the search filter",
            ),
            (
                http(401, None),
                ErrorCode::AuthRejected,
                "did not accept the credentials",
            ),
            (
                http(403, None),
                ErrorCode::AuthRejected,
                "does not allow them",
            ),
            (
                http(404, None),
                ErrorCode::NotFound,
                "no SCIM service at this address",
            ),
            (
                http(405, None),
                ErrorCode::ProviderError,
                "Method Not Allowed",
            ),
            (http(408, None), ErrorCode::ProviderError, "took too long"),
            (
                http(409, None),
                ErrorCode::ProviderError,
                "already has a record",
            ),
            (
                http(413, None),
                ErrorCode::ProviderError,
                "larger than the provider accepts",
            ),
            (http(429, None), ErrorCode::RateLimited, "slow down"),
            (
                http(500, None),
                ErrorCode::ProviderError,
                "internal problem",
            ),
            (
                http(501, None),
                ErrorCode::ProviderError,
                "does not support this operation",
            ),
            (
                http(502, None),
                ErrorCode::ProviderError,
                "unavailable at the moment",
            ),
            (
                http(503, None),
                ErrorCode::ProviderError,
                "unavailable at the moment",
            ),
            (http(504, None), ErrorCode::ProviderError, "took too long"),
            (
                http(302, None),
                ErrorCode::ProviderError,
                "sent SCIM Desk elsewhere",
            ),
            (
                http(418, None),
                ErrorCode::ProviderError,
                "refused the request",
            ),
        ];
        for (e, code, words) in cases {
            assert_eq!(e.code(), code, "{e:?}");
            let m = e.message();
            assert!(m.contains(words), "{e:?}: {m:?} should say {words:?}");
            if !matches!(e, DeskError::Store(desk_store::StoreError::Io(_))) {
                assert!(
                    !m.contains("disk is not full"),
                    "{e:?} is not a disk problem: {m}"
                );
            }
            if !matches!(&e, DeskError::Scim(ScimError::Http { status: 500, .. })) {
                assert!(!m.contains("internal problem"), "{e:?}: {m}");
            }
        }
    }
}
