//! A bounded fuzz run on stable Rust, inside `cargo xtask test`: the fuzz targets' properties
//! (src/fuzzing.rs) over inputs mutated from seeds (valid filters, paths and resources, and the
//! corpus cargo-fuzz saved, when present), with a fixed seed so a failure replays. Deeper runs:
//! `cargo +nightly fuzz run filter_parse` (or patch_path, decode_resource) in `fuzz/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use scim_client::fuzzing::{decode_resource, filter_roundtrip, patch_path_and_diff};

/// Executions per target.
const RUNS: usize = 200_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    " and ",
    " or ",
    "not (",
    ")",
    "[",
    "]",
    " eq ",
    " co ",
    " sw ",
    " pr",
    " gt ",
    "\"",
    "\\",
    ".",
    ":",
    "urn:ietf:params:scim:schemas:core:2.0:User:",
    "emails",
    "value",
    "true",
    "null",
    "{",
    "}",
    ",",
    "\u{0}",
    "\u{202e}",
    "\u{200b}",
    "é",
    "İ",
    "1e309",
    "-0",
    "[[[[[[[[",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(5) {
            0 if !v.is_empty() => {
                let end = (at + rng.below(8)).min(v.len());
                v.drain(at.min(end)..end);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                v.splice(at..at, t.iter().copied());
            }
            2 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            3 => {
                let b = (rng.next() & 0xff) as u8;
                v.insert(at, b);
            }
            _ => {
                // Repeat a slice: deep nesting and long values.
                let end = (at + rng.below(6)).min(v.len());
                let piece = v[at.min(end)..end].to_vec();
                for _ in 0..rng.below(50) {
                    v.splice(at..at, piece.iter().copied());
                }
            }
        }
    }
    v
}

fn corpus(dir: &str) -> Vec<Vec<u8>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    std::fs::read_dir(path)
        .map(|d| {
            d.flatten()
                .filter_map(|e| std::fs::read(e.path()).ok())
                .take(500)
                .collect()
        })
        .unwrap_or_default()
}

fn run(name: &str, target: fn(&[u8]), mut seeds: Vec<Vec<u8>>) {
    seeds.extend(corpus(&format!("fuzz/corpus/{name}")));
    let mut rng = Rng(0x5c1d_de5c_u64 ^ name.len() as u64);
    for s in &seeds {
        target(s);
    }
    for i in 0..RUNS {
        let input = mutate(&mut rng, &seeds[i % seeds.len()]);
        let shown = String::from_utf8_lossy(&input).into_owned();
        if std::panic::catch_unwind(|| target(&input)).is_err() {
            panic!("{name}: execution {i} broke a property with input {shown:?}");
        }
    }
    eprintln!("{name}: {} executions", RUNS + seeds.len());
}

fn seeds(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|s| s.as_bytes().to_vec()).collect()
}

#[test]
fn filters_parse_and_print_back() {
    run(
        "filter_parse",
        filter_roundtrip,
        seeds(&[
            r#"userName eq "bjensen""#,
            r#"name.familyName co "O'Malley" and not (title pr)"#,
            r#"emails[type eq "work" and value ew "@example.com"] or userType eq "Employee""#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department sw "Sal""#,
            r#"meta.lastModified gt "2011-05-13T04:42:34Z" and active eq true"#,
        ]),
    );
}

#[test]
fn patch_paths_and_patches_never_panic() {
    run(
        "patch_path",
        patch_path_and_diff,
        seeds(&[
            "abcdefé",
            "membersé[value eq \"x\"]",
            "name.givenName",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "{\"emails\":[{\"value\":\"a@x.org\",\"type\":\"work\"}]}\u{0}{\"emails\":[]}",
            "{\"name\":{\"givenName\":\"A\"},\"active\":true}\u{0}{\"name\":{\"givenName\":\"B\"},\"title\":\"x\"}",
            "{\"members\":[{\"value\":\"1\"},{\"value\":\"2\"}]}\u{0}{\"members\":[{\"value\":\"2\"}]}",
        ]),
    );
}

#[test]
fn resources_decode_stably() {
    run(
        "decode_resource",
        decode_resource,
        seeds(&[
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"1","userName":"a","name":{"givenName":"Ä"},"emails":[{"value":"a@x.org","primary":true}],"meta":{"version":"W/\"1\""}}"#,
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g","displayName":"<script>alert(1)</script>","members":[{"value":"1","display":"\u202eevil"}]}"#,
            r#"{"id":"s","attributes":[{"name":"userName","type":"string","required":true,"subAttributes":[{"name":"x"}]}]}"#,
            r#"{"Schemas":"urn:x","ID":7,"active":"True","phoneNumbers":[[[[{}]]]]}"#,
        ]),
    );
}
