//! [`Desk`], the application context shared by the app and the CLI.

use std::sync::{Arc, Mutex, MutexGuard};

use desk_store::Database;
use scim_client::ScimClient;

use crate::api::AppInfo;
use crate::providers::demo::DemoProviders;
use crate::providers::secrets::SecretStore;
use crate::{DataPaths, DeskError};

/// The application context: data folder, database, secret store, running demo providers.
#[derive(Debug)]
pub struct Desk {
    pub(crate) paths: DataPaths,
    pub(crate) db: Mutex<Database>,
    pub(crate) secrets: Arc<dyn SecretStore>,
    pub(crate) demo: Mutex<Option<DemoProviders>>,
    /// One client per provider, built on first use: the secret is read from the keyring once
    /// (not once per request) and OAuth 2.0 tokens live as long as they are valid. Dropped when
    /// the provider is edited or removed.
    pub(crate) clients: Mutex<std::collections::HashMap<String, ScimClient>>,
}

impl Desk {
    /// Opens the data folder's database (migrating it) with the given secret store.
    pub fn open(paths: DataPaths, secrets: Arc<dyn SecretStore>) -> Result<Self, DeskError> {
        let db = Database::open(&paths.database())?;
        Ok(Self {
            paths,
            db: Mutex::new(db),
            secrets,
            demo: Mutex::new(None),
            clients: Mutex::default(),
        })
    }

    /// A context over an in-memory database (headless tests).
    pub fn in_memory(paths: DataPaths, secrets: Arc<dyn SecretStore>) -> Result<Self, DeskError> {
        Ok(Self {
            paths,
            db: Mutex::new(Database::open_in_memory()?),
            secrets,
            demo: Mutex::new(None),
            clients: Mutex::default(),
        })
    }

    pub(crate) fn db(&self) -> Result<MutexGuard<'_, Database>, DeskError> {
        // A bug (a panic) while the connection was in use leaves the lock poisoned; the
        // connection itself is sound (an unfinished transaction is rolled back when it is
        // dropped), so the app goes on instead of refusing every later request.
        Ok(self
            .db
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Facts for the status bar.
    pub fn app_info(&self) -> AppInfo {
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            data_dir: self.paths.root().display().to_string(),
            demo_available: crate::providers::demo::available(),
            start_demo: false,
            crash_reports: crate::crash::unseen_reports(self.paths.root())
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
        }
    }

    /// Hides the notice of the crash reports written so far (they stay in their folder).
    pub fn dismiss_crash_reports(&self) -> Result<(), DeskError> {
        crate::crash::mark_reports_seen(self.paths.root()).map_err(|e| {
            DeskError::Internal(format!("could not note the crash reports as seen: {e}"))
        })
    }

    /// The data folder.
    pub fn paths(&self) -> &DataPaths {
        &self.paths
    }
}
