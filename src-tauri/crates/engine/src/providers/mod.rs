//! The providers themselves: their credentials (the OS keyring), their capability profiles
//! (detected, learned from their answers, overridden by the person), the write check, and the
//! local demo providers.

pub(crate) mod demo;
pub mod learned;
mod probes;
pub mod profiles;
mod registry;
pub mod secrets;
pub mod write_check;
