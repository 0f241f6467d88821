//! cargo-fuzz target: the property `scim_client::fuzzing::filter_roundtrip` checks (shared with the
//! bounded fuzz run in tests/fuzz_smoke.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scim_client::fuzzing::filter_roundtrip(data));
