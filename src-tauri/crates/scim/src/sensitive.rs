//! A wrapper for secrets (tokens, passwords, client secrets) that cannot leak by accident.
//!
//! `Debug` and `Display` print `<redacted>`, and serializing fails, so a secret can end up
//! neither in a log line, nor in an error message, nor in JSON sent to the web view or written to
//! SQLite. The only way out is [`Sensitive::expose`], which is easy to grep for.

use std::fmt;

/// A secret value. Read it with [`Sensitive::expose`] at the one place it is needed.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a secret.
    pub fn new(value: T) -> Self {
        Self(value)
    }

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

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self(value)
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
