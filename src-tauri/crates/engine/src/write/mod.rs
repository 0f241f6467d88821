//! Writing to providers: one record (edit, create, delete, membership, undo), many at once
//! (bulk changes, CSV imports), and what each provider really keeps of what was sent. Exports
//! live here too, beside the imports they mirror (one safe CSV writer for both).

pub mod bulk;
pub mod conflicts;
pub mod edit;
pub mod fidelity;
pub mod import;
pub mod membership;
pub mod spreadsheet;
