//! Reading providers: syncs into local copies (and how complete each is), then everything the
//! window and the CLI show from those copies (lists, one record, history, the dashboard), or
//! live from the provider when asked.

pub mod completeness;
pub mod detail;
pub mod directory;
pub mod history;
pub mod overview;
pub mod sync;
