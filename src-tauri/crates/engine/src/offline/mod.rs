//! The offline copy as personal data on a laptop: encrypted at rest with a key kept in the OS
//! keyring ([`key`]), kept only as long as the person chooses ([`retention`]), wiped on request
//! ([`wipe`]).

pub mod key;
pub mod retention;
pub mod wipe;
