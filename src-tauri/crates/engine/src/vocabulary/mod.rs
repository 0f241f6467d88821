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

/// "1 change", "3 changes": a count with its noun (regular plurals, or the one given).
pub fn count_of(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n: u64 = n.into();
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
