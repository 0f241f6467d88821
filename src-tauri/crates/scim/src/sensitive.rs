//! A wrapper for secrets (tokens, passwords, client secrets) that cannot leak by accident.
//!
//! `Debug` and `Display` print `<redacted>`, and serializing fails, so a secret can end up
//! neither in a log line, nor in an error message, nor in JSON sent to the web view or written to
//! SQLite. The only way out is [`Sensitive::expose`], which is easy to grep for.
//!
//! Every secret wrapped is also remembered by the process (never written anywhere), so that
//! [`scrub`] can take it out of text the program did not plan to write, such as the message and
//! backtrace of a crash report, even if a bug put the raw secret there.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Mutex, OnceLock};

/// Secrets remembered for [`scrub`]; a bound keeps a long-running app from growing without end
/// (OAuth access tokens are renewed hourly).
const REMEMBERED_MAX: usize = 4_096;

fn remembered() -> &'static Mutex<BTreeSet<String>> {
    static KNOWN: OnceLock<Mutex<BTreeSet<String>>> = OnceLock::new();
    KNOWN.get_or_init(|| Mutex::new(BTreeSet::new()))
}

fn remember(secret: &str) {
    if secret.is_empty() {
        return;
    }
    let mut known = remembered().lock().unwrap_or_else(|p| p.into_inner());
    if known.len() < REMEMBERED_MAX {
        known.insert(secret.to_string());
    }
}

/// What replaces a secret in scrubbed text.
pub const SCRUBBED: &str = "<secret removed>";

/// `text` with every secret this process has wrapped replaced by [`SCRUBBED`], longest first,
/// and with the value of any `Authorization`-style `Bearer`/`Basic` credential removed too.
pub fn scrub(text: &str) -> String {
    let known = remembered().lock().unwrap_or_else(|p| p.into_inner());
    let mut secrets: Vec<&String> = known.iter().collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for s in secrets {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), SCRUBBED);
        }
    }
    for scheme in ["Bearer ", "bearer ", "Basic ", "basic "] {
        let mut from = 0;
        while let Some(at) = out[from..].find(scheme) {
            let start = from + at + scheme.len();
            if out[start..].starts_with(SCRUBBED) {
                from = start + SCRUBBED.len();
                continue;
            }
            let end = out[start..]
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ')' | '}'))
                .map_or(out.len(), |e| start + e);
            if end > start {
                out.replace_range(start..end, SCRUBBED);
                from = start + SCRUBBED.len();
            } else {
                from = start;
            }
        }
    }
    out
}

/// A secret value. Read it with [`Sensitive::expose`] at the one place it is needed.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Sensitive<T>(T);

impl Sensitive<String> {
    /// Wraps a secret (and remembers it for [`scrub`]).
    pub fn new(value: String) -> Self {
        remember(&value);
        Self(value)
    }
}

impl<T> Sensitive<T> {
    /// The secret itself. Call it only where the secret leaves the process on purpose
    /// (an HTTP header, the keyring).
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the secret, consuming the wrapper.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl From<String> for Sensitive<String> {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> serde::Serialize for Sensitive<T> {
    fn serialize<S: serde::Serializer>(&self, _serializer: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(
            "refusing to serialize a secret (Sensitive value)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let s = Sensitive::new(String::from("hunter2-token"));
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        #[derive(Debug)]
        #[allow(dead_code)] // read only through Debug
        struct Holder {
            token: Sensitive<String>,
        }
        let h = Holder { token: s.clone() };
        assert!(
            !format!("{h:?}").contains("hunter2"),
            "a struct holding a secret must not print it through derived Debug"
        );
        assert_eq!(s.expose(), "hunter2-token");
    }

    #[test]
    fn scrub_removes_every_wrapped_secret_and_header_credentials() {
        let _a = Sensitive::new(String::from("tok-A1b2C3d4"));
        let _b: Sensitive<String> = String::from("tok-A1b2C3d4-longer").into();
        let text = "failed with tok-A1b2C3d4-longer and tok-A1b2C3d4; \
                    header Authorization: Bearer eyJhbGciOi.x.y, Basic dXNlcjpwdw==)";
        let clean = scrub(text);
        assert!(!clean.contains("tok-A1b2C3d4"), "{clean}");
        assert!(
            !clean.contains("eyJhbGciOi") && !clean.contains("dXNlcjpw"),
            "{clean}"
        );
        assert_eq!(clean.matches(SCRUBBED).count(), 4, "{clean}");
        assert_eq!(scrub("nothing secret here"), "nothing secret here");
        assert_eq!(scrub("Bearer"), "Bearer");
        assert_eq!(
            scrub("Bearer tok-A1b2C3d4 x"),
            format!("Bearer {SCRUBBED} x")
        );
    }

    #[test]
    fn serializing_a_secret_is_refused() {
        let s = Sensitive::new(String::from("hunter2-token"));
        let err = serde_json::to_string(&s).expect_err("a secret must never serialize");
        assert!(err.to_string().contains("refusing to serialize a secret"));
        #[derive(serde::Serialize)]
        struct Holder {
            token: Sensitive<String>,
        }
        assert!(
            serde_json::to_string(&Holder { token: s }).is_err(),
            "a struct holding a secret must not serialize either"
        );
    }
}
