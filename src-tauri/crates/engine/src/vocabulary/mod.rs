//! Shared vocabulary: what a record is ([`Kind`]), what changed in it ([`AttributeChange`]),
//! a record as attribute paths, and stopping long work ([`CancelFlag`]). Every room uses these;
//! they depend on nothing of the engine's.

mod cancel;
mod changes;
mod record_paths;

pub use cancel::CancelFlag;
pub use changes::{attribute_changes, AttributeChange, ChangeKind, VersionChange};
/// Kept by the store (its `kind` columns), the lowest room that needs it.
pub use desk_store::Kind;
pub use record_paths::{flatten, set_path};
