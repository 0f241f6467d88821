//! The engine of SCIM Desk, shared by the desktop app and `scim-desk-cli`.
//!
//! [`Desk`] is the application context: the data folder, the database, the secret store and
//! the running demo providers. Its methods are the operations both front ends offer; the Tauri
//! commands and the CLI subcommands only unpack arguments and call them. Types that cross to the
//! web view live in [`api`] and are exported to TypeScript (see `bindings` tests).

pub mod api;
pub mod bulk;
pub mod completeness;
pub mod crash;
mod demo;
mod desk;
pub mod detail;
pub mod directory;
pub mod edit;
mod error;
pub mod fidelity;
pub mod history;
pub mod import;
pub mod learned;
pub mod migrate;
pub mod migrate_fit;
pub mod migrate_run;
pub mod overview;
pub mod paths;
pub mod profiles;
pub mod secrets;
pub mod spreadsheet;
pub mod sync;
pub mod write_check;

pub use desk::Desk;
pub use error::{DeskError, ErrorCode};
pub use paths::DataPaths;
pub use scim_client::{AttrPath, Group, Preset, ProfileOverrides, Resource, Sensitive, User};
