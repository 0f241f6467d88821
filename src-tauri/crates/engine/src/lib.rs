//! The engine of SCIM Desk, shared by the desktop app and `scim-desk-cli`.
//!
//! [`Desk`] is the application context: the data folder, the database, the secret store and
//! the running demo providers. Its methods are the operations both front ends offer; the Tauri
//! commands and the CLI subcommands only unpack arguments and call them. Types that cross to the
//! web view live in [`api`] and are exported to TypeScript (see `bindings` tests).
//!
//! The folders are the product's nouns: [`providers`] (credentials, capability profiles, what is
//! learned), [`read`] (syncs, local copies and what is shown from them), [`write`] (edits, bulk
//! changes, imports, what a provider keeps), [`migrate`] (plan, run, verify). See
//! ARCHITECTURE.md for the layers and where a new thing goes.

pub mod api;
pub mod crash;
mod desk;
mod error;
pub mod links;
pub mod migrate;
pub mod offline;
pub mod paths;
pub mod people;
pub mod providers;
pub mod read;
pub mod vocabulary;
pub mod write;

pub use desk::Desk;
/// The directory's one column table (the store's), for the faces that list columns.
pub use desk_store::cache::table as columns;
pub use error::{DeskError, ErrorCode};
pub use paths::DataPaths;
pub use scim_client::{AttrPath, Group, Preset, ProfileOverrides, Resource, Sensitive, User};
