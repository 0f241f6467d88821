//! The offline copy at rest (issue 21): encrypted with the key in the real keyring, through the
//! real program. After a sync, an edit, a migration and a kill, no byte of the data folder
//! spells a known name, e-mail or employee number, nor the key; a copy the keyring's key does
//! not open is refused in words; a plain database of the previous version is encrypted at the
//! first start, and a start killed at random points leaves one readable database every time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use desk_engine::providers::secrets::{KeyringStore, SecretStore};
use desk_reference::sample::generate;
use desk_reference::{ProviderKind, ReferenceServer};
use desk_store::{Database, DatabaseFile, FileState, NewProvider, SnapshotWriter};
use serde_json::{json, Value};

mod common;
use common::{add_provider, cli, ok, text};

/// Every byte of every file below `dir` (the database, its write-ahead log, crash reports…).
fn every_byte(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            all.extend(every_byte(&p));
        } else {
            all.extend(std::fs::read(&p).unwrap_or_default());
        }
    }
    all
}

fn spelled(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    hay.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

fn s<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut x = v;
    for p in path {
        x = if let Ok(i) = p.parse::<usize>() {
            &x[i]
        } else {
            &x[*p]
        };
    }
    x.as_str().unwrap_or_else(|| panic!("{path:?} in {v}"))
}

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

#[tokio::test]
async fn no_file_of_the_data_folder_spells_a_person_or_the_key_after_sync_edit_migration_and_kill()
{
    let source = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let dir = generate(desk_reference::sample::DEMO_SEED, 400, 12);
    desk_reference::seed::seed(&source.client(), &dir, |_, _| {})
        .await
        .unwrap();
    let target = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    add_provider(data.path(), "src", &source);
    add_provider(data.path(), "dst", &target);
    ok(cli(data.path(), &["sync", "src"], &[]));
    ok(cli(data.path(), &["sync", "dst"], &[]));

    // People the test knows: the 10th person's surname, e-mail and employee number.
    let known = &dir.users[10].resource;
    let surname = s(known, &["name", "familyName"]).to_string();
    let email = s(known, &["emails", "0", "value"]).to_string();
    let employee = s(known, &[ENT, "employeeNumber"]).to_string();
    let listed = ok(cli(
        data.path(),
        &["--format", "json", "users", "src", "--offline"],
        &[],
    ));
    let rows: Vec<Value> = serde_json::from_str(&listed).unwrap();
    let id = rows
        .iter()
        .find(|r| r.to_string().contains(&email))
        .map(|r| r["id"].as_str().unwrap().to_string())
        .expect("the copy holds the person");

    // An edit, a migration, and a sync killed midway.
    ok(cli(
        data.path(),
        &["set", "src", &id, "title=Head of Secrets", "--yes"],
        &[],
    ));
    let plan = outside.path().join("plan.json");
    ok(cli(
        data.path(),
        &[
            "migrate",
            "plan",
            "src",
            "dst",
            "--out",
            plan.to_str().unwrap(),
        ],
        &[],
    ));
    ok(cli(
        data.path(),
        &["migrate", "run", plan.to_str().unwrap(), "--yes"],
        &[],
    ));
    let mut child = Command::new(env!("CARGO_BIN_EXE_scim-desk-cli"))
        .args(["sync", "src"])
        .env("SCIM_DESK_DATA_DIR", data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    child.kill().unwrap();
    child.wait().unwrap();

    let raw = every_byte(data.path());
    assert!(raw.len() > 100_000, "the data folder holds the copies");
    for secret in [
        surname.as_str(),
        email.as_str(),
        employee.as_str(),
        "Head of Secrets",
        "SQLite format 3",
    ] {
        assert!(
            !spelled(&raw, secret),
            "{secret:?} is readable in the data folder"
        );
    }
    let key = KeyringStore::for_this_build()
        .get(desk_engine::offline::key::KEY_ENTRY)
        .unwrap()
        .expect("the key is in the keyring");
    assert!(
        !spelled(&raw, key.expose()),
        "the key is in the data folder"
    );
    // Without the key the file does not open.
    let path = data.path().join("scim-desk.sqlite3");
    assert!(matches!(
        Database::open(&DatabaseFile::plain(&path)),
        Err(desk_store::StoreError::Encrypted)
    ));
}

#[test]
fn a_copy_the_keyrings_key_does_not_open_is_refused_in_words_and_left_alone() {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("scim-desk.sqlite3");
    let before = desk_e2e::copy_under_another_key(data.path());
    let out = cli(data.path(), &["provider", "list"], &[]);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    let words = text(&out);
    assert!(
        words.contains("does not open the offline copy") && words.contains("scim-desk-cli reset"),
        "{words}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing changed");
    let files: Vec<_> = std::fs::read_dir(data.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "no second database was made");

    // Starting fresh sets it aside (kept) and the next start has an empty, working copy.
    let reset = ok(cli(data.path(), &["reset", "--yes"], &[]));
    assert!(reset.contains("set aside"), "{reset}");
    let aside: Vec<_> = std::fs::read_dir(data.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("scim-desk.set-aside-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(
        std::fs::read(data.path().join(&aside[0])).unwrap(),
        before,
        "the old copy is kept as it was"
    );
    ok(cli(data.path(), &["provider", "list"], &[]));
    let again = cli(data.path(), &["reset", "--yes"], &[]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "a copy that opens is not reset"
    );
}

/// A plain database as the previous version wrote it: a provider and `n` people.
fn plain_database(path: &Path, n: usize) {
    let file = DatabaseFile::plain(path);
    let db = Database::open(&file).unwrap();
    let p = db
        .insert_provider(&NewProvider::without_auth("old", "http://127.0.0.1:9/v2"))
        .unwrap();
    let mut w = SnapshotWriter::begin(&file, p.id, "full").unwrap();
    let users: Vec<Value> = desk_reference::sample::many_users(5, n).collect();
    for chunk in users.chunks(1000) {
        w.add_users(chunk).unwrap();
    }
    w.finish(true, &json!({})).unwrap();
}

/// People in the newest copy, reading the file as it is now: plain, or encrypted with the key.
fn people(path: &Path, data: &Path) -> i64 {
    let file = match DatabaseFile::plain(path).state().unwrap() {
        FileState::Plain => DatabaseFile::plain(path),
        _ => desk_engine::offline::key::in_folder(data).unwrap(),
    };
    let db = Database::open(&file).unwrap();
    db.conn()
        .query_row(
            "SELECT count(*) FROM resources WHERE kind = 'User'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

#[tokio::test]
async fn a_plain_copy_is_encrypted_at_first_start_even_when_that_start_is_killed() {
    const PEOPLE: usize = 20_000;
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("scim-desk.sqlite3");
    plain_database(&path, PEOPLE);
    let seed = u64::from(std::process::id());
    eprintln!("kill points seed: {seed}");
    let mut x = seed;
    let mut killed = 0;
    for trial in 0..8 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let after = Duration::from_millis(30 + (x >> 33) % 400);
        let mut child = Command::new(env!("CARGO_BIN_EXE_scim-desk-cli"))
            .args(["provider", "list"])
            .env("SCIM_DESK_DATA_DIR", data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(after).await;
        if child.try_wait().unwrap().is_none() {
            killed += 1;
        }
        let _ = child.kill();
        child.wait().unwrap();
        assert_eq!(
            people(&path, data.path()),
            PEOPLE as i64,
            "trial {trial}: one readable database with everyone"
        );
        if DatabaseFile::plain(&path).state().unwrap() == FileState::Encrypted {
            break;
        }
    }
    eprintln!("{killed} starts killed");
    let out = ok(cli(data.path(), &["provider", "list"], &[]));
    assert!(out.contains("old"), "{out}");
    assert_eq!(
        DatabaseFile::plain(&path).state().unwrap(),
        FileState::Encrypted
    );
    assert_eq!(people(&path, data.path()), PEOPLE as i64);
    let names: Vec<String> = std::fs::read_dir(data.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        names.iter().all(|n| !n.ends_with(".encrypting")),
        "no half-written copy is left: {names:?}"
    );
    let first: Value = desk_reference::sample::many_users(5, 1).next().unwrap();
    let raw = every_byte(data.path());
    assert!(
        !spelled(&raw, s(&first, &["userName"])),
        "the plain records are gone"
    );
}

#[test]
fn a_keyring_that_does_not_answer_is_said_in_words_and_no_database_is_made() {
    let data = tempfile::tempdir().unwrap();
    // No Secret Service to talk to: what a locked or stopped keyring looks like from here.
    let out = cli(
        data.path(),
        &["provider", "list"],
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
    );
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    let words = text(&out);
    assert!(words.contains("locked or not running"), "{words}");
    assert!(
        !data.path().join("scim-desk.sqlite3").exists(),
        "no database without its key"
    );
}
