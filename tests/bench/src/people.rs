//! `desk-bench people [ACCOUNTS] [ROUNDS]`: one person across every provider (issue 17).
//!
//! - Linking: ACCOUNTS accounts in 4 providers' copies (ACCOUNTS/4 people each; two providers
//!   without externalIds, so userName and e-mail links are exercised too), linked into persons
//!   from the copies as the People room's first open does it (a new Desk each round, so nothing
//!   is cached): read every account's columns, link, compare. Anchor in the same run: one SQL
//!   pass over the same rows grouping by lower-cased userName (what the cheapest possible
//!   linking by one key costs). Budget: <= 2 s for 100,000 accounts.
//! - Offboarding one person from 4 providers on loopback (four scim2-server processes): from the
//!   confirmation (the call) to the evidence written to a file, through the engine (plan,
//!   journal, reads, PATCH, verify, evidence, audit). Anchor in the same run: the same four
//!   deactivations (PATCH active=false) sent one after another by a bare HTTP client. The
//!   accounts are switched on again between rounds (not timed). Budget: <= 2 s.

use std::sync::Arc;
use std::time::Instant;

use desk_engine::api::ProviderInput;
use desk_engine::people::{OffboardRequest, PeopleQuery};
use desk_engine::providers::secrets::MemoryStore;
use desk_engine::vocabulary::CancelFlag;
use desk_engine::{DataPaths, Desk};
use desk_reference::sample::generate;
use desk_reference::{ProviderKind, ReferenceServer};
use serde_json::{json, Value};

use crate::{median, spread};

const PROVIDERS: usize = 4;

fn open(data: &std::path::Path, secrets: &Arc<MemoryStore>) -> Desk {
    Desk::open(
        DataPaths::at(data.to_path_buf()).expect("paths"),
        secrets.clone(),
    )
    .expect("desk")
}

/// Four copies of the same `per` people (no externalId in the last two).
fn fill(desk: &Desk, data: &std::path::Path, secrets: &Arc<MemoryStore>, per: usize) {
    let dir = generate(17, per, 0);
    let file = desk_engine::offline::key::database_file(
        &DataPaths::at(data.to_path_buf()).expect("paths"),
        secrets.as_ref(),
    )
    .expect("file");
    for p in 0..PROVIDERS {
        let name = format!("P{p}");
        let row = desk
            .add_provider(ProviderInput::bearer(
                &name,
                &format!("http://127.0.0.1:{}/v2", 9 + p),
                Some("t"),
            ))
            .expect("provider");
        let id = desk_store::Database::open(&file)
            .expect("db")
            .provider(&row.name)
            .expect("row")
            .id;
        let mut w = desk_store::SnapshotWriter::begin(&file, id, "full").expect("writer");
        let users: Vec<Value> = dir
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let mut v = u.resource.clone();
                v["id"] = json!(format!("{p}-{i}"));
                if p >= 2 {
                    v.as_object_mut().expect("object").remove("externalId");
                }
                v
            })
            .collect();
        for chunk in users.chunks(5000) {
            w.add_users(chunk).expect("users");
        }
        w.finish(true, &json!({})).expect("finish");
    }
}

async fn linking(accounts: usize, rounds: usize) -> (Vec<f64>, Vec<f64>, u32) {
    let per = accounts / PROVIDERS;
    let data = tempfile::tempdir().expect("temp");
    let secrets = Arc::new(MemoryStore::new());
    {
        let desk = open(data.path(), &secrets);
        fill(&desk, data.path(), &secrets, per);
    }
    let file = desk_engine::offline::key::database_file(
        &DataPaths::at(data.path().to_path_buf()).expect("paths"),
        secrets.as_ref(),
    )
    .expect("file");
    let (mut ours, mut anchor) = (Vec::new(), Vec::new());
    let mut persons = 0;
    for _ in 0..rounds {
        let desk = open(data.path(), &secrets);
        let t = Instant::now();
        let page = desk
            .find_people(&PeopleQuery {
                limit: 100,
                ..Default::default()
            })
            .expect("people");
        ours.push(t.elapsed().as_secs_f64());
        persons = page.everyone;
        assert_eq!(page.everyone as usize, per, "every account linked");
        drop(desk);
        let db = desk_store::Database::open(&file).expect("db");
        let t = Instant::now();
        let groups: i64 = db
            .conn()
            .query_row(
                "SELECT count(*) FROM (SELECT lower(user_name), count(*) FROM resources
                   WHERE kind = 'User' GROUP BY lower(user_name))",
                [],
                |r| r.get(0),
            )
            .expect("anchor");
        anchor.push(t.elapsed().as_secs_f64());
        assert!(groups > 0);
    }
    (ours, anchor, persons)
}

async fn offboarding(rounds: usize) -> (Vec<f64>, Vec<f64>) {
    let dir = generate(18, 20, 2);
    let mut servers = Vec::new();
    for _ in 0..PROVIDERS {
        let s = ReferenceServer::start(ProviderKind::Scim2Server)
            .await
            .expect("scim2-server");
        desk_reference::seed::seed(&s.client(), &dir, |_, _| {})
            .await
            .expect("seed");
        servers.push(s);
    }
    let data = tempfile::tempdir().expect("temp");
    let secrets = Arc::new(MemoryStore::new());
    let desk = open(data.path(), &secrets);
    for (i, s) in servers.iter().enumerate() {
        let name = format!("P{i}");
        desk.add_provider(ProviderInput::bearer(
            &name,
            s.base_url(),
            Some(s.token().expose()),
        ))
        .expect("provider");
        desk.sync(&name, &CancelFlag::new(), &|_| {})
            .await
            .expect("sync");
    }
    let who = dir.users[5].resource["userName"]
        .as_str()
        .expect("userName")
        .to_string();
    let plan = desk
        .plan_offboard(&OffboardRequest {
            person: who.clone(),
            ..Default::default()
        })
        .expect("plan");
    assert_eq!(plan.accounts.len(), PROVIDERS);
    let targets: Vec<(String, String, String)> = plan
        .accounts
        .iter()
        .map(|a| {
            let i: usize = a.provider[1..].parse().expect("index");
            (
                servers[i].base_url().to_string(),
                servers[i].token().expose().clone(),
                a.account_id.clone(),
            )
        })
        .collect();
    let http = reqwest::Client::new();
    let set_active = |on: bool| {
        let http = http.clone();
        let targets = targets.clone();
        async move {
            for (base, token, id) in &targets {
                let r = http
                    .patch(format!("{base}/Users/{id}"))
                    .bearer_auth(token)
                    .header("content-type", "application/scim+json")
                    .body(
                        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                               "Operations": [{"op": "replace", "path": "active", "value": on}]})
                        .to_string(),
                    )
                    .send()
                    .await
                    .expect("patch");
                assert!(r.status().is_success(), "{}", r.status());
                let _ = r.bytes().await;
            }
        }
    };
    let evidence = data.path().join("evidence.json");
    let (mut ours, mut anchor) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        set_active(true).await;
        let t = Instant::now();
        let report = desk
            .offboard(
                &OffboardRequest {
                    person: who.clone(),
                    ..Default::default()
                },
                &|_| {},
            )
            .await
            .expect("offboard");
        std::fs::write(&evidence, report.evidence_json.as_bytes()).expect("evidence");
        ours.push(t.elapsed().as_secs_f64());
        assert!(report.evidence.complete, "{:?}", report.evidence);
        set_active(true).await;
        let t = Instant::now();
        set_active(false).await;
        anchor.push(t.elapsed().as_secs_f64());
    }
    (ours, anchor)
}

pub async fn run(accounts: usize, rounds: usize) {
    let (mut l, mut la, persons) = linking(accounts, rounds).await;
    let (l_min, l_max) = spread(&l);
    let (lm, lam) = (median(&mut l), median(&mut la));
    let (mut o, mut oa) = offboarding(rounds).await;
    let (o_min, o_max) = spread(&o);
    let (om, oam) = (median(&mut o), median(&mut oa));
    println!(
        "## One person across every provider (people)\n\n\
         **Method**: `desk-bench people {accounts} {rounds}` (tests/bench/src/people.rs). \
         *Linking*: {accounts} accounts in {PROVIDERS} providers' copies (two without \
         externalIds), linked into {persons} persons from the copies as the People room's first \
         open does it (a new Desk each round: read the accounts' columns, link by externalId, \
         userName and e-mail, compare); anchor: one SQL pass grouping the same rows by \
         lower-cased userName. *Offboarding*: one person from {PROVIDERS} scim2-servers on \
         loopback, from the call to the evidence written to a file (plan, journal, reads, PATCH, \
         read-back, evidence, audit); anchor: the same four PATCH active=false sent one after \
         another by a bare HTTP client. Median of {rounds} rounds.\n\n\
         | | SCIM Desk | anchor | range (ours) |\n|---|---|---|---|\n\
         | linking {accounts} accounts | {:.2} s | {:.2} s | {:.2}-{:.2} s |\n\
         | offboarding from {PROVIDERS} providers | {:.3} s | {:.3} s | {:.3}-{:.3} s |\n\n\
         **Budget**: linking 100,000 accounts <= 2 s: {:.2} s ({}); offboarding one person from 4 \
         providers <= 2 s: {:.3} s ({}).\n",
        lm,
        lam,
        l_min,
        l_max,
        om,
        oam,
        o_min,
        o_max,
        lm * 100_000.0 / accounts as f64,
        if lm * 100_000.0 / accounts as f64 <= 2.0 {
            "met"
        } else {
            "not met"
        },
        om,
        if om <= 2.0 { "met" } else { "not met" },
    );
}
