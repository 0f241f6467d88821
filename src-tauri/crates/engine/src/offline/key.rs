//! The key of the encrypted database: 256 random bits made at first start and kept only in the
//! OS keyring, beside the provider secrets and namespaced per build channel like them.

use desk_store::{DatabaseFile, DatabaseKey, FileState};
use scim_client::Sensitive;

use crate::providers::secrets::{SecretError, SecretStore};
use crate::{DataPaths, DeskError};

/// The keyring entry of the key.
pub const KEY_ENTRY: &str = "offline-copy-key";

/// Why the offline copy cannot be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProblem {
    /// The database is encrypted and the keyring has no key for it.
    Missing,
    /// The keyring's key does not open the database.
    Wrong,
    /// The keyring's entry is not a key (edited by hand, or another program's).
    Unreadable,
    /// The keyring did not answer (locked, not running); its words.
    KeyringUnavailable(String),
}

/// The data folder's database with its key, making the key the first time (no database yet, or
/// a plain one from an earlier version). An encrypted database whose key is missing is an
/// error: a second, empty database is never made in its place.
pub fn database_file(
    paths: &DataPaths,
    secrets: &dyn SecretStore,
) -> Result<DatabaseFile, DeskError> {
    let path = paths.database();
    let state = DatabaseFile::plain(&path).state()?;
    let key = match read_key(secrets)? {
        Some(k) => k,
        None if state == FileState::Encrypted => {
            return Err(DeskError::OfflineKey(KeyProblem::Missing))
        }
        None => create_key(secrets)?,
    };
    Ok(DatabaseFile::encrypted(path, key))
}

/// The database in the data folder `root` with its key from this build's keyring: for tools and
/// tests that read the file the app writes.
pub fn in_folder(root: &std::path::Path) -> Result<DatabaseFile, DeskError> {
    let paths = DataPaths::at(root.to_path_buf())?;
    database_file(
        &paths,
        &crate::providers::secrets::KeyringStore::for_this_build(),
    )
}

fn unavailable(e: SecretError) -> DeskError {
    DeskError::OfflineKey(KeyProblem::KeyringUnavailable(e.to_string()))
}

fn read_key(secrets: &dyn SecretStore) -> Result<Option<DatabaseKey>, DeskError> {
    match secrets.get(KEY_ENTRY).map_err(unavailable)? {
        None => Ok(None),
        Some(text) => DatabaseKey::from_hex(text.expose())
            .map(Some)
            .ok_or(DeskError::OfflineKey(KeyProblem::Unreadable)),
    }
}

/// Makes and stores a new key, unless another SCIM Desk (the window and the CLI may start at
/// once) made one meanwhile: the check and the write happen under a lock file, and the key is
/// read back, so a keyring that does not keep it never gets a database nobody can open.
fn create_key(secrets: &dyn SecretStore) -> Result<DatabaseKey, DeskError> {
    let _lock = KeyLock::take()?;
    if let Some(k) = read_key(secrets)? {
        return Ok(k);
    }
    let key = DatabaseKey::random()?;
    secrets
        .set(KEY_ENTRY, &Sensitive::new(key.to_hex()))
        .map_err(unavailable)?;
    match read_key(secrets)? {
        Some(k) if k == key => Ok(key),
        _ => Err(DeskError::OfflineKey(KeyProblem::KeyringUnavailable(
            "the keyring did not keep the new key".into(),
        ))),
    }
}

/// A lock held while a key is made, in the person's own cache folder (one keyring per person).
struct KeyLock(std::fs::File);

impl KeyLock {
    fn take() -> Result<Self, DeskError> {
        let dir = directories::BaseDirs::new()
            .map(|b| b.cache_dir().to_path_buf())
            .unwrap_or_else(std::env::temp_dir);
        let io = |e: std::io::Error| {
            DeskError::Internal(format!(
                "could not take the lock for a new key in {}: {e}",
                dir.display()
            ))
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("scim-desk-new-key.lock"))
            .map_err(io)?;
        f.lock().map_err(io)?;
        Ok(Self(f))
    }
}

impl Drop for KeyLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::secrets::MemoryStore;

    #[test]
    fn the_key_is_made_once_and_an_encrypted_copy_without_it_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let paths = DataPaths::at(dir.path().to_path_buf()).unwrap();
        let secrets = MemoryStore::default();
        let first = database_file(&paths, &secrets).unwrap();
        drop(desk_store::Database::open(&first).unwrap());
        let stored = secrets.get(KEY_ENTRY).unwrap().unwrap();
        assert_eq!(stored.expose().len(), 64);
        let again = database_file(&paths, &secrets).unwrap();
        desk_store::Database::open(&again).expect("the same key opens it again");
        assert_eq!(
            secrets.get(KEY_ENTRY).unwrap().unwrap().expose(),
            stored.expose()
        );

        let empty = MemoryStore::default();
        match database_file(&paths, &empty) {
            Err(DeskError::OfflineKey(KeyProblem::Missing)) => {}
            other => panic!("expected the missing key, got {other:?}"),
        }
        assert!(
            empty.get(KEY_ENTRY).unwrap().is_none(),
            "no new key was made for it"
        );
    }
}
