//! The offline copy as personal data on a laptop: encrypted at rest with a key kept in the OS
//! keyring ([`key`]), kept only as long as the person chooses ([`retention`]), wiped on request
//! ([`wipe`]).

pub mod key;
pub mod retention;
pub mod wipe;

/// How far encrypting a plain copy from an earlier version has come (the store's).
pub use desk_store::EncryptProgress;
