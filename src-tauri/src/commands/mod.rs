//! The window's commands, in files mirroring the engine's folders. Each unpacks its
//! arguments, calls one `Desk` method and maps the error.

pub mod links;
pub mod migrate;
pub mod offline;
pub mod people;
pub mod providers;
pub mod read;
pub mod write;
