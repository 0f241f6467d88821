//! The reference providers: the app's demo providers and the test harness's servers.
//!
//! Starts the two reference SCIM service providers on 127.0.0.1, on free ports, with bearer
//! tokens: scim2-server 0.8.3 (Python, from the venv `cargo xtask` installs beside this crate)
//! and SCIMMY 1.3.5 on Express 4 (Node, from `scimmy/` beside this crate). Each server is stopped
//! by its own PID when its handle is dropped, so a failing test leaves no process behind.
//!
//! [`sample`] generates a deterministic, realistic directory and [`seed`] loads it into a
//! provider over SCIM. The same code backs the app's "Try the demo providers".

pub mod sample;
pub mod seed;
mod servers;

pub use servers::{assets_dir, ProviderKind, ReferenceServer, ServerError};
