//! The properties the fuzz targets check, shared by cargo-fuzz (`fuzz/`, nightly) and the
//! bounded fuzz run inside the test suite (`tests/fuzz_smoke.rs`, stable). Each function
//! panics when its property breaks; none may panic on any other input.

// A broken property must panic: that is how a fuzzer sees it.
#![allow(clippy::expect_used, clippy::panic)]

use serde_json::Value;

use crate::filter::parse;
use crate::patch::{diff, requests, PatchOpKind, PatchOperation};
use crate::profile::{CapabilityProfile, Preset};
use crate::schema::{CheckMode, SchemaSet};
use crate::{AttrPath, Resource};

/// Filters: never a panic; whatever parses prints back to the same filter.
pub fn filter_roundtrip(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(f) = parse(s) {
            let printed = f.to_string();
            assert_eq!(
                parse(&printed).as_ref(),
                Ok(&f),
                "round trip of {printed:?}"
            );
        }
    }
}

/// PATCH paths and PATCH building: an attribute path that parses prints back to itself; the
/// PATCH between two documents never panics, and between a document and itself is empty; the
/// request bodies built from those operations, and from operations whose path and value are
/// the raw input (non-ASCII, any bytes a person or a provider may type), never panic under any
/// provider's preset (member limits split and chunk them).
pub fn patch_path_and_diff(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let profiles: Vec<CapabilityProfile> = Preset::ALL
        .iter()
        .map(|p| {
            let mut prof = CapabilityProfile::default();
            prof.apply_preset(*p);
            prof
        })
        .collect();
    for op in [PatchOpKind::Add, PatchOpKind::Remove, PatchOpKind::Replace] {
        let raw = vec![
            PatchOperation {
                op,
                path: Some(s.to_string()),
                value: Some(Value::String(s.to_string())),
            },
            PatchOperation {
                op,
                path: Some(format!("members{s}")),
                value: Some(serde_json::json!([{ "value": s }])),
            },
        ];
        for prof in &profiles {
            let _ = requests(&raw, prof);
        }
    }
    if let Ok(p) = AttrPath::parse(s) {
        let printed = p.to_string();
        assert_eq!(
            AttrPath::parse(&printed).as_ref(),
            Ok(&p),
            "path {printed:?}"
        );
    }
    // Two JSON documents separated by a NUL byte, when the input has that shape.
    let (a, b) = s.split_once('\0').unwrap_or((s, "{}"));
    if let (Ok(before), Ok(after)) = (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) {
        let style = CapabilityProfile::default().patch;
        let ops = diff(&before, &after, &style);
        for prof in &profiles {
            let _ = requests(&ops, prof);
            let _ = requests(&diff(&before, &after, &prof.patch), prof);
        }
        assert!(
            diff(&before, &before, &style).is_empty(),
            "no change between a document and itself"
        );
    }
}

/// Resource decoding: never a panic on any JSON; decoding what was encoded is stable, and the
/// schema check of a provider's own documents does not panic either.
pub fn decode_resource(data: &[u8]) {
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let schemas = SchemaSet::from_documents(std::slice::from_ref(&v));
    let _ = schemas.check(crate::USER_SCHEMA, &v, CheckMode::Read);
    let _ = schemas.check(crate::GROUP_SCHEMA, &v, CheckMode::Write);
    if let Ok(r) = Resource::from_value(v) {
        let once = Resource::from_value(r.to_value()).expect("an encoded resource decodes");
        let twice = Resource::from_value(once.to_value()).expect("and again");
        assert_eq!(once, twice, "decoding is stable");
    }
}
