//! Micro benchmarks (criterion) with throughput in bytes, next to plain serde_json as the
//! limit: SCIM filter parsing, PATCH building, and decoding resources into what the cache
//! stores. `cargo xtask bench` runs them and writes MB/s into BENCHMARKS.md.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;

const FILTERS: &[&str] = &[
    r#"userName eq "bjensen""#,
    r#"name.familyName co "O'Malley" and active eq true"#,
    r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp"]"#,
    r#"meta.lastModified gt "2026-11-01T00:00:00Z" and not (title pr)"#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Finance""#,
    r#"(title sw "Head" or title ew "Lead") and userType ne "Contractor""#,
];

fn page() -> Vec<Value> {
    desk_reference::sample::many_users(5, 100).collect()
}

fn filters(c: &mut Criterion) {
    let bytes: usize = FILTERS.iter().map(|f| f.len()).sum();
    let mut g = c.benchmark_group("filter");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("parse", |b| {
        b.iter(|| {
            for f in FILTERS {
                black_box(scim_client::filter::parse(black_box(f)).ok());
            }
        })
    });
    // The limit: reading the same bytes as JSON strings.
    let as_json: Vec<String> = FILTERS
        .iter()
        .map(|f| Value::from(*f).to_string())
        .collect();
    g.bench_function("serde_json (limit)", |b| {
        b.iter(|| {
            for f in &as_json {
                black_box(serde_json::from_str::<String>(black_box(f)).ok());
            }
        })
    });
    g.finish();
}

fn patches(c: &mut Criterion) {
    let before = page();
    let after: Vec<Value> = before
        .iter()
        .map(|u| {
            let mut v = u.clone();
            v["title"] = Value::from("Head of People");
            v["name"]["familyName"] = Value::from("Okafor");
            if let Some(e) = v["emails"].as_array_mut().and_then(|a| a.first_mut()) {
                e["value"] = Value::from("renamed@example.com");
            }
            v
        })
        .collect();
    let bytes: usize = before
        .iter()
        .chain(&after)
        .map(|v| v.to_string().len())
        .sum();
    let style = scim_client::CapabilityProfile::default().patch;
    let mut g = c.benchmark_group("patch");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("diff 100 users", |b| {
        b.iter(|| {
            for (x, y) in before.iter().zip(&after) {
                black_box(scim_client::patch::diff(x, y, &style));
            }
        })
    });
    g.bench_function("serde_json compare (limit)", |b| {
        b.iter(|| {
            for (x, y) in before.iter().zip(&after) {
                black_box(x == y);
            }
        })
    });
    g.finish();
}

fn decoding(c: &mut Criterion) {
    let body = serde_json::to_string(&serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 100, "Resources": page()
    }))
    .unwrap_or_default();
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("page into cache rows", |b| {
        b.iter(|| {
            let v: Value = serde_json::from_str(black_box(&body)).unwrap_or(Value::Null);
            if let Some(list) = v["Resources"].as_array() {
                for r in list {
                    black_box(desk_store::extract(r));
                    black_box(scim_client::Resource::from_value(r.clone()).ok());
                }
            }
        })
    });
    g.bench_function("serde_json::Value (limit)", |b| {
        b.iter(|| black_box(serde_json::from_str::<Value>(black_box(&body)).ok()))
    });
    g.finish();
}

criterion_group!(benches, filters, patches, decoding);
criterion_main!(benches);
