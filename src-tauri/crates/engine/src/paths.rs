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

    /// A data folder at `root`, created if missing, readable by its owner only (0700).
    pub fn at(root: PathBuf) -> Result<Self, DeskError> {
        private_dir(&root).map_err(|e| {
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

    /// The lock file a run of link `id` holds (the window and a scheduled command line never
    /// run the same link at once; the system lets go of it when a process ends, killed or not).
    pub fn link_lock(&self, id: i64) -> PathBuf {
        self.root.join("locks").join(format!("link-{id}.lock"))
    }
}

/// Creates a folder (and its parents) and makes it readable by its owner only (0700 on Unix):
/// the data folder and the exports hold directory data.
pub fn private_dir(path: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Creates (or empties) a file readable and writable by its owner only (0600 on Unix), for
/// exports, plans and reports that hold directory data.
pub fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    // An existing file keeps its old mode through open(): set it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Writes `text` to a file readable and writable by its owner only.
pub fn write_private(path: &Path, text: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = private_file(path)?;
    f.write_all(text)?;
    f.sync_all()
}
