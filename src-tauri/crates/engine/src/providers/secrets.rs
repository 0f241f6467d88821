//! Secrets (tokens, passwords, client secrets) live in the OS keyring, nowhere else.
//!
//! [`SecretStore`] is the seam: [`KeyringStore`] talks to the platform store (Secret Service on
//! Linux, Keychain on macOS, Credential Manager on Windows) and [`MemoryStore`] serves unit tests.
//! Entries are namespaced by the app identifier and build channel; a missing entry is `None`.

use std::collections::HashMap;
use std::sync::Mutex;

use scim_client::Sensitive;

/// The keyring service name of release builds.
pub const KEYRING_SERVICE: &str = "io.scimdesk.desktop";

/// Why the secret store failed.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "the system keyring is not available ({0}); on Linux a Secret Service such as \
         gnome-keyring must be running and unlocked"
    )]
    Unavailable(String),
    #[error("the system keyring refused the request: {0}")]
    Refused(String),
}

/// A place to keep secrets by key.
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    /// Stores (or replaces) a secret.
    fn set(&self, key: &str, secret: &Sensitive<String>) -> Result<(), SecretError>;
    /// Reads a secret; `None` when there is no entry.
    fn get(&self, key: &str) -> Result<Option<Sensitive<String>>, SecretError>;
    /// Removes a secret; removing a missing entry is not an error.
    fn delete(&self, key: &str) -> Result<(), SecretError>;
}

/// The OS keyring.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    /// The keyring of this build: release builds use [`KEYRING_SERVICE`], debug builds a
    /// separate `.dev` channel so development never touches real credentials.
    pub fn for_this_build() -> Self {
        let service = if cfg!(debug_assertions) {
            format!("{KEYRING_SERVICE}.dev")
        } else {
            KEYRING_SERVICE.to_string()
        };
        Self { service }
    }

    /// A keyring namespace of its own (tests).
    pub fn with_service(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, key).map_err(map_keyring_error)
    }
}

fn map_keyring_error(e: keyring::Error) -> SecretError {
    match e {
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => {
            SecretError::Unavailable(e.to_string())
        }
        other => SecretError::Refused(other.to_string()),
    }
}

impl SecretStore for KeyringStore {
    fn set(&self, key: &str, secret: &Sensitive<String>) -> Result<(), SecretError> {
        self.entry(key)?
            .set_password(secret.expose())
            .map_err(map_keyring_error)
    }

    fn get(&self, key: &str) -> Result<Option<Sensitive<String>>, SecretError> {
        match self.entry(key)?.get_password() {
            Ok(s) => Ok(Some(Sensitive::new(s))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring_error(e)),
        }
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring_error(e)),
        }
    }
}

/// Secrets in memory, for unit tests and headless test hosts.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, String>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many secrets are held (tests check that removal really removes).
    pub fn len(&self) -> usize {
        self.entries.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// True when no secret is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SecretStore for MemoryStore {
    fn set(&self, key: &str, secret: &Sensitive<String>) -> Result<(), SecretError> {
        self.entries
            .lock()
            .map_err(|_| SecretError::Refused("memory store poisoned".into()))?
            .insert(key.to_string(), secret.expose().clone());
        Ok(())
    }

    fn get(&self, key: &str) -> Result<Option<Sensitive<String>>, SecretError> {
        Ok(self
            .entries
            .lock()
            .map_err(|_| SecretError::Refused("memory store poisoned".into()))?
            .get(key)
            .cloned()
            .map(Sensitive::new))
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        self.entries
            .lock()
            .map_err(|_| SecretError::Refused("memory store poisoned".into()))?
            .remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trip_and_missing_is_none() {
        let s = MemoryStore::new();
        assert!(
            s.get("k").unwrap().is_none(),
            "a missing entry is None, not an error"
        );
        s.set("k", &Sensitive::new("v".into())).unwrap();
        assert_eq!(s.get("k").unwrap().unwrap().expose(), "v");
        s.delete("k").unwrap();
        s.delete("k").expect("deleting a missing entry is fine");
        assert!(s.is_empty());
    }
}
