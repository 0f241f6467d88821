//! [`Desk`], the application context shared by the app and the CLI.

use std::sync::{Arc, Mutex, MutexGuard};

use desk_store::{Database, DatabaseFile, EncryptProgress};
use scim_client::ScimClient;

use crate::api::AppInfo;
use crate::providers::demo::DemoProviders;
use crate::providers::secrets::SecretStore;
use crate::{DataPaths, DeskError};

/// The application context: data folder, database, secret store, running demo providers.
#[derive(Debug)]
pub struct Desk {
    pub(crate) paths: DataPaths,
    /// The database file and its key (the sync's writer opens a connection of its own).
    pub(crate) file: Option<DatabaseFile>,
    pub(crate) db: Mutex<Database>,
    pub(crate) secrets: Arc<dyn SecretStore>,
    pub(crate) demo: Mutex<Option<DemoProviders>>,
    /// One client per provider, built on first use: the secret is read from the keyring once
    /// (not once per request) and OAuth 2.0 tokens live as long as they are valid. Dropped when
    /// the provider is edited or removed.
    pub(crate) clients: Mutex<std::collections::HashMap<String, ScimClient>>,
    /// The people of every provider, linked from the copies (rebuilt when they change).
    pub(crate) people: Mutex<Option<Arc<crate::people::index::PeopleIndex>>>,
}

impl Desk {
    /// Opens the data folder's encrypted database (migrating it) with its key from the secret
    /// store (made the first time).
    pub fn open(paths: DataPaths, secrets: Arc<dyn SecretStore>) -> Result<Self, DeskError> {
        Self::open_reporting(paths, secrets, |_| {})
    }

    /// [`Desk::open`], reporting the progress of encrypting a plain database left by an earlier
    /// version (once, at the first start of this one).
    pub fn open_reporting(
        paths: DataPaths,
        secrets: Arc<dyn SecretStore>,
        progress: impl FnMut(EncryptProgress) + Send + 'static,
    ) -> Result<Self, DeskError> {
        let file = crate::offline::key::database_file(&paths, secrets.as_ref())?;
        let db = Database::open_reporting(&file, progress)?;
        let desk = Self {
            paths,
            file: Some(file),
            db: Mutex::new(db),
            secrets,
            demo: Mutex::new(None),
            clients: Mutex::default(),
            people: Mutex::default(),
        };
        // Copies older than the person keeps them go at every start.
        desk.apply_retention()?;
        Ok(desk)
    }

    /// A context over an in-memory database (headless tests).
    pub fn in_memory(paths: DataPaths, secrets: Arc<dyn SecretStore>) -> Result<Self, DeskError> {
        Ok(Self {
            paths,
            file: None,
            db: Mutex::new(Database::open_in_memory()?),
            secrets,
            demo: Mutex::new(None),
            clients: Mutex::default(),
            people: Mutex::default(),
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

    /// The database file with its key; an in-memory context has none.
    pub(crate) fn database_file(&self) -> Result<&DatabaseFile, DeskError> {
        self.file.as_ref().ok_or_else(|| {
            DeskError::Internal("this context keeps its data in memory, not in a file".into())
        })
    }

    /// The data folder.
    pub fn paths(&self) -> &DataPaths {
        &self.paths
    }
}
