//! One file per group of subcommands, mirroring the engine's folders.

pub mod audit;
pub mod lifecycle;
pub mod links;
pub mod migrate;
pub mod offline;
pub mod people;
pub mod provider;
pub mod read;
pub mod write;
