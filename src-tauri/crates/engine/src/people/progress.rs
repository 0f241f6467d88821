//! Progress of a run across a person's accounts (offboarding, onboarding), one provider at a
//! time: the window draws a bar per provider from these.

use serde::Serialize;
use ts_rs::TS;

/// Progress of one provider.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PersonRunProgress {
    pub provider: String,
    pub done: u32,
    pub total: u32,
    /// What it is doing, in words.
    pub doing: String,
    pub failed: bool,
}
