//! `scim-desk-cli person`, `drift` and `offboard` against three real providers (two
//! scim2-servers and SCIMMY), a real SQLite file and the real Secret Service.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use desk_reference::sample::generate;
use desk_reference::{ProviderKind, ReferenceServer};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

mod common;
use common::{add_provider, cli, ok, text};

#[tokio::test]
async fn find_show_drift_and_offboard_a_person_everywhere_with_evidence() {
    let dir = generate(41, 20, 3);
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let mut servers = Vec::new();
    for (name, kind) in [
        ("HR", ProviderKind::Scim2Server),
        ("IdP", ProviderKind::Scim2Server),
        ("App", ProviderKind::Scimmy),
    ] {
        let server = ReferenceServer::start(kind).await.unwrap();
        let mut d2 = dir.clone();
        if name == "IdP" {
            // Person 2 married: the identity provider has the new family name already.
            d2.users[2].resource["name"]["familyName"] = json!("Okafor-Newname");
        }
        desk_reference::seed::seed(&server.client(), &d2, |_, _| {})
            .await
            .unwrap();
        add_provider(d, name, &server);
        ok(cli(d, &["sync", name], &[]));
        servers.push((name, server));
    }
    let who = dir.users[2].resource["emails"][0]["value"]
        .as_str()
        .unwrap()
        .to_string();
    let user_name = dir.users[2].resource["userName"]
        .as_str()
        .unwrap()
        .to_string();

    // find: by a word of the address.
    let found: Value = serde_json::from_str(&ok(cli(
        d,
        &["person", "find", &user_name, "--format", "json"],
        &[],
    )))
    .unwrap();
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["people"][0]["accounts"].as_array().unwrap().len(), 3);
    let person_id = found["people"][0]["id"].as_str().unwrap().to_string();

    // show: one JSON document with the accounts.
    let shown: Value = serde_json::from_str(&ok(cli(
        d,
        &["person", "show", &who, "--format", "json"],
        &[],
    )))
    .unwrap();
    assert_eq!(shown["id"], person_id.as_str());
    let accounts = shown["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 3);
    for a in accounts {
        for k in ["provider", "id", "userName", "active"] {
            assert!(a.get(k).is_some(), "{k} in {a}");
        }
        assert_eq!(a["active"], true);
    }
    assert_eq!(shown["differences"], json!(["familyName"]));
    // The same person by id; an unknown key is "not found" (exit 3).
    ok(cli(d, &["person", "show", &person_id], &[]));
    let missing = cli(d, &["person", "show", "nobody@nowhere.test"], &[]);
    assert_eq!(missing.status.code(), Some(3), "{}", text(&missing));
    assert!(text(&missing).contains("No one in the offline copies matches"));

    // person set: the identity provider's new name everywhere (shown per provider, then sent).
    let out = cli(
        d,
        &[
            "person",
            "set",
            &who,
            "familyName=Okafor-Newname",
            "--providers",
            "HR,App",
            "--yes",
        ],
        &[],
    );
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("HR  ") && said.contains("PATCH /Users/"),
        "{said}"
    );
    assert!(
        said.contains("If-Match"),
        "scim2-server's ETag goes with it: {said}"
    );
    let same: Value = serde_json::from_str(&ok(cli(
        d,
        &["person", "show", &who, "--format", "json"],
        &[],
    )))
    .unwrap();
    assert_eq!(same["differences"], json!([]), "{same}");
    for (name, server) in &servers {
        let id = same["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["provider"] == *name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let live = server.client().get("Users", &id).await.unwrap();
        assert_eq!(live["name"]["familyName"], "Okafor-Newname", "{name}");
    }
    // Put HR's old name back, so that the drift below has one difference to show.
    ok(cli(
        d,
        &[
            "person",
            "set",
            &who,
            &format!(
                "familyName={}",
                dir.users[2].resource["name"]["familyName"]
                    .as_str()
                    .unwrap()
            ),
            "--providers",
            "HR,App",
            "--yes",
        ],
        &[],
    ));

    // drift: CSV with every provider's value.
    ok(cli(d, &["person", "source", "HR"], &[]));
    let csv = ok(cli(d, &["drift", "--format", "csv"], &[]));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "person,name,attribute,source value,App,HR,IdP"
    );
    let row = lines.next().expect("one person differs");
    assert!(row.starts_with(&person_id), "{row}");
    assert!(
        row.contains("name.familyName") && row.contains("Okafor-Newname"),
        "{row}"
    );
    assert!(lines.next().is_none(), "{csv}");

    // drift --make-match: the identity provider brought to HR's value, verified.
    let out = cli(d, &["drift", "--make-match", "--yes"], &[]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("HR -> IdP: 1 operations"), "{said}");
    assert!(
        said.contains("IdP: 1 done, 0 failed, 0 still differ"),
        "{said}"
    );
    let csv = ok(cli(d, &["drift", "--format", "csv"], &[]));
    assert_eq!(csv.lines().count(), 1, "only the header is left: {csv}");

    // offboard: without --yes and no terminal, nothing happens (exit 2).
    let refused = cli(d, &["offboard", &who], &[]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    let evidence = d.join("evidence.json");
    let out = cli(
        d,
        &[
            "offboard",
            &who,
            "--remove-from-groups",
            "--yes",
            "--evidence",
            evidence.to_str().unwrap(),
        ],
        &[],
    );
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("Remove from every group and deactivate 3 accounts of"),
        "{said}"
    );
    let bytes = std::fs::read(&evidence).unwrap();
    let sha = hex::encode(Sha256::digest(&bytes));
    assert!(said.contains(&sha), "the SHA-256 is said: {said}");
    let ev: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(ev["complete"], true);
    assert_eq!(ev["accounts"].as_array().unwrap().len(), 3);
    // Each provider has the account inactive.
    for (name, server) in &servers {
        let id = ev["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["provider"] == *name)
            .unwrap()["accountId"]
            .as_str()
            .unwrap()
            .to_string();
        let live = server.client().get("Users", &id).await.unwrap();
        assert_eq!(live["active"], false, "{name}");
    }
    // The audit log holds the evidence's SHA-256, once per account.
    let audit = ok(cli(d, &["audit", "export", "--format", "json"], &[]));
    assert_eq!(audit.matches(&sha).count(), 3, "{audit}");

    // Offboarding again changes nothing and still ends well (exit 0).
    ok(cli(d, &["offboard", &person_id, "--yes"], &[]));

    // onboard: a new hire in HR and the app, in one of HR's groups.
    let group = dir.groups[0].display_name.clone();
    let out = cli(
        d,
        &[
            "onboard",
            "--providers",
            "HR,App",
            "--set",
            "userName=nia.hire",
            "--set",
            "givenName=Nia",
            "--set",
            "familyName=Hire",
            "--set",
            "email=nia.hire@example.com",
            "--groups",
            &format!("HR:{group}"),
            "--yes",
        ],
        &[],
    );
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("Create Nia Hire (nia.hire) in 2 providers: HR, App"),
        "{said}"
    );
    let hired: Value = serde_json::from_str(&ok(cli(
        d,
        &["person", "show", "nia.hire@example.com", "--format", "json"],
        &[],
    )))
    .unwrap();
    let accounts = hired["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2, "{hired}");
    let hr = accounts.iter().find(|a| a["provider"] == "HR").unwrap();
    assert_eq!(hr["groups"], json!([group]));
    // The same again: nothing is created twice, and it says the accounts are there.
    let again = cli(
        d,
        &[
            "onboard",
            "--providers",
            "HR,App",
            "--set",
            "userName=nia.hire",
            "--set",
            "givenName=Nia",
            "--yes",
        ],
        &[],
    );
    assert!(
        text(&again).contains("already has an account"),
        "{}",
        text(&again)
    );
}
