//! Where SCIM Desk keeps its files.
//!
//! By default the platform's app data folder (e.g. `~/.local/share/scim-desk` on Linux).
//! `SCIM_DESK_DATA_DIR` redirects every path the app and the CLI write: tests, portable use.

use std::path::{Path, PathBuf};

use crate::DeskError;

/// The environment variable that redirects the data folder.
pub const DATA_DIR_ENV: &str = "SCIM_DESK_DATA_DIR";

/// The files of one data folder.
#[derive(Debug, Clone)]
pub struct DataPaths {
    root: PathBuf,
}

impl DataPaths {
    /// The data folder from `SCIM_DESK_DATA_DIR`, else the platform's app data folder.
    pub fn from_env() -> Result<Self, DeskError> {
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
            return Self::at(PathBuf::from(dir));
        }
        let dirs =
            directories::ProjectDirs::from("io", "scimdesk", "scim-desk").ok_or_else(|| {
                DeskError::Internal(
                    "the operating system did not say where applications keep their data; \
                 set SCIM_DESK_DATA_DIR to a folder"
                        .into(),
                )
            })?;
        Self::at(dirs.data_dir().to_path_buf())
    }

    /// A data folder at `root`, created if missing.
    pub fn at(root: PathBuf) -> Result<Self, DeskError> {
        std::fs::create_dir_all(&root).map_err(|e| {
            DeskError::Internal(format!(
                "could not create the data folder {}: {e}",
                root.display()
            ))
        })?;
        Ok(Self { root })
    }

    /// The data folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The SQLite database file.
    pub fn database(&self) -> PathBuf {
        self.root.join("scim-desk.sqlite3")
    }

    /// Exports and reports written by the app.
    pub fn exports(&self) -> PathBuf {
        self.root.join("exports")
    }
}
