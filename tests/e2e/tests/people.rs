//! One person across every provider, through the engine against real providers: two
//! scim2-servers (an HR directory and an identity provider) and SCIMMY (an app without the HR
//! directory's externalIds), linked from their offline copies; a person's page, drift, the
//! person's own links; offboarding everywhere with evidence, resumed after a kill without
//! sending anything twice, and through providers that refuse PATCH or keep no `active`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use desk_e2e::faults::{Fault, Proxy};
use desk_engine::people::{
    OffboardAction, OffboardRequest, PeopleFilter, PeopleQuery, PersonField, StepOutcome,
};
use desk_engine::Desk;
use desk_reference::sample::{generate, SampleDirectory};
use desk_reference::{ProviderKind, ReferenceServer};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// People in the sample directory each provider holds.
const PEOPLE: usize = 30;

struct World {
    _data: tempfile::TempDir,
    data: std::path::PathBuf,
    desk: Desk,
    dir: SampleDirectory,
    hr: ReferenceServer,
    idp: ReferenceServer,
    app: ReferenceServer,
}

fn user_name(dir: &SampleDirectory, i: usize) -> String {
    dir.users[i].resource["userName"]
        .as_str()
        .unwrap()
        .to_string()
}

fn email(dir: &SampleDirectory, i: usize) -> String {
    dir.users[i].resource["emails"][0]["value"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Seeds `dir` into `server`, changed by `change` first.
async fn seed(server: &ReferenceServer, dir: &SampleDirectory, change: impl Fn(&mut Value)) {
    let mut dir = dir.clone();
    for u in &mut dir.users {
        change(&mut u.resource);
    }
    desk_reference::seed::seed(&server.client(), &dir, |_, _| {})
        .await
        .unwrap();
}

/// Reference servers of these kinds, each seeded with `dir`.
async fn seeded(dir: &SampleDirectory, kinds: &[ProviderKind]) -> Vec<ReferenceServer> {
    let mut out = Vec::new();
    for &kind in kinds {
        let s = ReferenceServer::start(kind).await.unwrap();
        seed(&s, dir, |_| {}).await;
        out.push(s);
    }
    out
}

/// A proxy in front of `base` that answers every PATCH with 501 (a provider that advertises
/// PATCH and refuses it).
async fn refusing_patch(base: &str) -> Proxy {
    let proxy = Proxy::start(base).await;
    proxy.set(|_, method, _| {
        if method == "PATCH" {
            Fault::Status(501, None)
        } else {
            Fault::Pass
        }
    });
    proxy
}

/// The three providers, seeded with the same people (the app with no externalIds, person 5
/// with another family name in the identity provider, person 6 with another userName in the
/// app), and a new hire in the HR directory who was given person 7's old address.
async fn world(app_kind: ProviderKind) -> World {
    let dir = generate(31, PEOPLE, 4);
    let (hr, idp, app) = (
        ReferenceServer::start(ProviderKind::Scim2Server)
            .await
            .unwrap(),
        ReferenceServer::start(ProviderKind::Scim2Server)
            .await
            .unwrap(),
        ReferenceServer::start(app_kind).await.unwrap(),
    );
    seed(&hr, &dir, |_| {}).await;
    let drifted = user_name(&dir, 5);
    seed(&idp, &dir, |u| {
        if u["userName"] == drifted.as_str() {
            u["name"]["familyName"] = json!("Changed-Surname");
        }
    })
    .await;
    let renamed = user_name(&dir, 6);
    seed(&app, &dir, |u| {
        u.as_object_mut().unwrap().remove("externalId");
        if u["userName"] == renamed.as_str() {
            u["userName"] = json!("someone.else");
        }
    })
    .await;
    hr.client()
        .create(
            "Users",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": "new.hire", "active": true,
                    "name": {"givenName": "New", "familyName": "Hire"},
                    "emails": [{"value": email(&dir, 7), "type": "work", "primary": true}]}),
        )
        .await
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let desk = desk_e2e::desk_at(data.path());
    for (name, server) in [("HR", &hr), ("IdP", &idp), ("App", &app)] {
        desk_e2e::add_synced(&desk, name, server.base_url(), server).await;
    }
    World {
        data: data.path().to_path_buf(),
        _data: data,
        desk,
        dir,
        hr,
        idp,
        app,
    }
}

fn id_in(server: &ReferenceServer, users: &[Value], user_name: &str) -> String {
    let _ = server;
    users
        .iter()
        .find(|u| {
            u["userName"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(user_name))
        })
        .and_then(|u| u["id"].as_str())
        .unwrap()
        .to_string()
}

/// Every resource of an endpoint, read from the provider itself.
async fn all_of(server: &ReferenceServer, endpoint: &str) -> Vec<Value> {
    let client = server.client();
    let profile = scim_client::discover(&client, scim_client::Preset::Generic)
        .await
        .unwrap()
        .profile;
    scim_client::Pager::new(
        &client,
        endpoint,
        scim_client::ListQuery::default(),
        &profile,
    )
    .collect_all()
    .await
    .unwrap()
}

async fn users_of(server: &ReferenceServer) -> Vec<Value> {
    all_of(server, "Users").await
}

#[tokio::test]
async fn people_are_linked_across_three_providers_compared_and_offboarded_with_evidence() {
    let w = world(ProviderKind::Scimmy).await;
    let desk = &w.desk;

    // Everyone, linked: the 30 people in all three, plus the new hire in HR alone.
    let all = desk.find_people(&PeopleQuery::default()).unwrap();
    assert_eq!(all.everyone as usize, PEOPLE + 1, "{:?}", all.people.len());
    assert_eq!(all.copies.len(), 3);
    let everywhere = desk
        .find_people(&PeopleQuery {
            filter: PeopleFilter::Everywhere,
            limit: 1000,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(everywhere.total as usize, PEOPLE);
    // The new hire's address is person 7's old one: that needs a decision, not a link.
    assert_eq!(all.needs_decision, 1);
    let hire = desk.person("new.hire").unwrap();
    assert_eq!(hire.accounts.len(), 1);
    assert_eq!(hire.questions.len(), 1);
    assert_eq!(hire.questions[0].accounts.len(), 4);

    // Person 6 is linked in the app by e-mail (another userName there, no externalId).
    let p6 = desk.person(&email(&w.dir, 6)).unwrap();
    assert_eq!(p6.accounts.len(), 3);
    let app6 = p6.accounts.iter().find(|a| a.provider == "App").unwrap();
    assert_eq!(app6.user_name.as_deref(), Some("someone.else"));
    assert_eq!(
        app6.linked_by,
        Some(desk_engine::people::LinkRule::Email),
        "{app6:?}"
    );

    // Person 5's family name differs in the identity provider: drift, with each value.
    let p5 = desk.person(&user_name(&w.dir, 5)).unwrap();
    assert_eq!(p5.differences, vec![PersonField::FamilyName]);
    let drift = desk.drift(Some("HR"), &[]).unwrap();
    let row = drift
        .rows
        .iter()
        .find(|r| r.person_id == p5.id)
        .expect("person 5 drifts");
    assert_eq!(row.field, PersonField::FamilyName);
    let idp_at = drift.providers.iter().position(|p| p == "IdP").unwrap();
    assert_eq!(row.values[idp_at].as_deref(), Some("Changed-Surname"));
    assert_eq!(
        row.source_value.as_deref(),
        w.dir.users[5].resource["name"]["familyName"].as_str()
    );
    assert_eq!(drift.people, 1, "only person 5 drifts: {:?}", drift.rows);
    let mut csv = Vec::new();
    drift
        .write(desk_engine::people::drift::DriftFormat::Csv, &mut csv)
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.starts_with("person,name,attribute,source value,App,HR,IdP"),
        "{csv}"
    );
    assert!(csv.contains("Changed-Surname"));

    // The person's own decisions win: the app account is not person 6 after all, then it is.
    let app_key = format!("App:{}", app6.id);
    let hr6 = p6.accounts.iter().find(|a| a.provider == "HR").unwrap();
    let hr_key = format!("HR:{}", hr6.id);
    let split = desk.person_unlink(&hr_key, &app_key).unwrap();
    assert_eq!(
        split.accounts.len(),
        2,
        "the HR and IdP accounts stay together"
    );
    assert_eq!(desk.person(&app_key).unwrap().accounts.len(), 1);
    let joined = desk.person_link(&hr_key, &app_key).unwrap();
    assert_eq!(joined.accounts.len(), 3);
    // Choosing a source of truth renames nobody: the page open in the window stays valid.
    desk.set_source_of_truth("HR", true).unwrap();
    let same = desk.person(&joined.id).unwrap();
    assert_eq!(same.source.as_deref(), Some("HR"));
    assert_eq!(same.id, joined.id);
    desk.set_source_of_truth("HR", false).unwrap();

    // Offboard person 5 everywhere, out of every group first.
    let target = user_name(&w.dir, 5);
    let req = OffboardRequest {
        person: target.clone(),
        providers: Vec::new(),
        remove_from_groups: true,
        delete: false,
    };
    let plan = desk.plan_offboard(&req).unwrap();
    assert_eq!(plan.accounts.len(), 3);
    assert!(
        plan.summary
            .starts_with("Remove from every group and deactivate 3 accounts of "),
        "{}",
        plan.summary
    );
    for provider in ["HR", "IdP", "App"] {
        assert!(plan.summary.contains(provider), "{}", plan.summary);
    }
    let in_groups = plan.accounts.iter().map(|a| a.groups.len()).sum::<usize>();
    assert!(in_groups > 0, "person 5 is in groups: {plan:?}");
    let started = std::time::Instant::now();
    let report = desk.offboard(&req, &|_| {}).await.unwrap();
    let took = started.elapsed();
    assert!(report.evidence.complete, "{:#?}", report.evidence);
    assert!(!report.resumed);
    assert_eq!(report.evidence.accounts.len(), 3);
    for a in &report.evidence.accounts {
        assert!(a.ended, "{a:?}");
        assert_eq!(a.after.as_ref().unwrap().active, Some(false), "{a:?}");
        assert!(a.after.as_ref().unwrap().groups.is_empty(), "{a:?}");
        assert_eq!(a.before.as_ref().unwrap().active, Some(true), "{a:?}");
        let deactivate = a
            .steps
            .iter()
            .find(|s| s.action == OffboardAction::Deactivate)
            .unwrap();
        assert_eq!(deactivate.outcome, StepOutcome::Done);
        assert!(deactivate
            .http_status
            .is_some_and(|s| (200..300).contains(&s)));
        assert!(deactivate
            .request
            .as_deref()
            .unwrap()
            .ends_with(&a.account_id));
    }
    eprintln!("offboarded 3 accounts in {took:?}");
    // Each provider says the same.
    for (server, name) in [(&w.hr, "HR"), (&w.idp, "IdP"), (&w.app, "App")] {
        let users = users_of(server).await;
        let id = id_in(server, &users, &target);
        let live = server.client().get("Users", &id).await.unwrap();
        assert_eq!(live["active"], json!(false), "{name}: {live}");
        for g in all_of(server, "Groups").await {
            let members = g["members"].as_array().cloned().unwrap_or_default();
            assert!(
                !members.iter().any(|m| m["value"] == id.as_str()),
                "{name}: still in {}",
                g["displayName"]
            );
        }
    }
    // The evidence is what its SHA-256 says, journaled and in the audit log.
    assert_eq!(
        hex::encode(Sha256::digest(report.evidence_json.as_bytes())),
        report.evidence_sha256
    );
    let db = desk_store::Database::open(&desk_e2e::database_at(&w.data)).unwrap();
    let run = db.person_run(report.evidence.run_id).unwrap().unwrap();
    assert!(run.finished_at.is_some());
    assert_eq!(
        run.evidence_sha256.as_deref(),
        Some(report.evidence_sha256.as_str())
    );
    let logged: Vec<_> = desk
        .audit_entries(None, None, 200)
        .unwrap()
        .into_iter()
        .filter(|e| e.operation == "offboard evidence")
        .collect();
    assert_eq!(logged.len(), 3);
    assert!(logged.iter().all(|e| e
        .after
        .as_ref()
        .is_some_and(|a| a["evidenceSha256"] == report.evidence_sha256.as_str())));
    // The copies follow: the person's accounts are inactive offline too.
    let after = desk.person(&target).unwrap();
    assert!(
        after.accounts.iter().all(|a| a.active == Some(false)),
        "{after:?}"
    );

    // Offboarding again sends nothing: every step is already so.
    let again = desk.offboard(&req, &|_| {}).await.unwrap();
    assert!(again.evidence.complete);
    for a in &again.evidence.accounts {
        for s in &a.steps {
            assert!(
                matches!(s.action, OffboardAction::Read | OffboardAction::Verify)
                    || s.outcome == StepOutcome::AlreadySo,
                "{s:?}"
            );
        }
    }
    let mut evidence_csv = Vec::new();
    report.evidence.write_csv(&mut evidence_csv).unwrap();
    let evidence_csv = String::from_utf8(evidence_csv).unwrap();
    assert!(evidence_csv.lines().count() > 9, "{evidence_csv}");
    assert!(evidence_csv.contains("deactivate"));
}

#[tokio::test]
async fn offboarding_through_a_provider_refusing_patch_and_one_keeping_no_active() {
    let dir = generate(32, 15, 3);
    let [hr, strict, lossy]: [ReferenceServer; 3] = seeded(
        &dir,
        &[
            ProviderKind::Scim2Server,
            ProviderKind::Scim2Server,
            ProviderKind::Embedded,
        ],
    )
    .await
    .try_into()
    .unwrap_or_else(|_| unreachable!());
    let no_patch = refusing_patch(strict.base_url()).await;
    let no_active = Proxy::start(lossy.base_url()).await;
    no_active.set(|_, _, _| Fault::DropsAttributes(&["active"]));
    let data = tempfile::tempdir().unwrap();
    let desk = desk_e2e::desk_at(data.path());
    desk_e2e::add_synced(&desk, "HR", hr.base_url(), &hr).await;
    desk_e2e::add_synced(&desk, "NoPatch", &no_patch.base, &strict).await;
    desk_e2e::add_synced(&desk, "NoActive", &no_active.base, &lossy).await;
    let target = user_name(&dir, 4);
    let req = OffboardRequest {
        person: target.clone(),
        ..Default::default()
    };
    let report = desk.offboard(&req, &|_| {}).await.unwrap();
    let by = |p: &str| {
        report
            .evidence
            .accounts
            .iter()
            .find(|a| a.provider == p)
            .unwrap()
            .clone()
    };
    assert!(by("HR").ended);
    // PATCH refused: the whole record went with PUT, and the evidence says so.
    let np = by("NoPatch");
    assert!(np.ended, "{np:#?}");
    let step = np
        .steps
        .iter()
        .find(|s| s.action == OffboardAction::Deactivate)
        .unwrap();
    assert_eq!(
        step.request.as_deref(),
        Some(format!("PUT /Users/{}", np.account_id).as_str())
    );
    // `active` not kept: not ended, said in words, and the exit of the whole is "incomplete".
    let na = by("NoActive");
    assert!(!na.ended, "{na:#?}");
    let said = na.message.clone().unwrap_or_default();
    assert!(said.contains("does not keep “active”"), "{said}");
    assert!(!report.evidence.complete);
    // The next plan knows: no deactivation for that provider, and says what to do instead.
    let plan = desk.plan_offboard(&req).unwrap();
    let na_plan = plan
        .accounts
        .iter()
        .find(|a| a.provider == "NoActive")
        .unwrap();
    assert!(na_plan.cannot_deactivate.is_some());
    assert!(!na_plan.actions.contains(&OffboardAction::Deactivate));
    // Deleting there ends it.
    let report = desk
        .offboard(
            &OffboardRequest {
                person: target.clone(),
                providers: vec!["NoActive".into()],
                delete: true,
                ..Default::default()
            },
            &|_| {},
        )
        .await
        .unwrap();
    assert!(report.evidence.complete, "{:#?}", report.evidence);
    assert!(report.evidence.accounts[0].after.as_ref().unwrap().deleted);
    let users = users_of(&lossy).await;
    assert!(!users.iter().any(|u| u["userName"] == target.as_str()));
}

#[tokio::test]
async fn an_offboarding_killed_midway_resumes_and_sends_nothing_twice() {
    let dir = generate(33, 15, 3);
    let a = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let b = ReferenceServer::start(ProviderKind::Embedded)
        .await
        .unwrap();
    for s in [&a, &b] {
        seed(s, &dir, |_| {}).await;
    }
    let proxy = Proxy::start(a.base_url()).await;
    let writes = Arc::new(AtomicUsize::new(0));
    let w = writes.clone();
    proxy.set(move |_, method, _| {
        if ["PATCH", "PUT", "DELETE"].contains(&method) {
            w.fetch_add(1, Ordering::SeqCst);
        }
        Fault::Pass
    });
    let data = tempfile::tempdir().unwrap();
    let desk = desk_e2e::desk_at(data.path());
    desk_e2e::add_synced(&desk, "A", &proxy.base, &a).await;
    desk_e2e::add_synced(&desk, "B", b.base_url(), &b).await;
    let target = user_name(&dir, 3);
    let req = OffboardRequest {
        person: target.clone(),
        ..Default::default()
    };
    // The run as a killed process left it: journaled, A's deactivation marked sent and
    // actually done on the provider, nothing else.
    let plan = desk.plan_offboard(&req).unwrap();
    let steps = plan.journal_steps();
    let db = desk_store::Database::open(&desk_e2e::database_at(data.path())).unwrap();
    let run = db
        .start_person_run(
            "offboard",
            &plan.person_id,
            &plan.name,
            &serde_json::to_string(&plan).unwrap(),
            &steps,
        )
        .unwrap();
    let a_account = plan.accounts.iter().find(|x| x.provider == "A").unwrap();
    let seq = steps
        .iter()
        .position(|(p, _, s)| *p == "A" && s.contains("deactivate"))
        .unwrap();
    db.mark_person_step(
        run,
        seq as i64,
        desk_store::person_runs::StepState::Sent,
        None,
    )
    .unwrap();
    a.client()
        .patch(
            "Users",
            &a_account.account_id,
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "replace", "path": "active", "value": false}]}),
            None,
        )
        .await
        .unwrap();
    let report = desk.offboard(&req, &|_| {}).await.unwrap();
    assert!(report.resumed);
    assert_eq!(report.evidence.run_id, run);
    assert!(report.evidence.complete, "{:#?}", report.evidence);
    assert_eq!(writes.load(Ordering::SeqCst), 0, "nothing sent twice to A");
    let a_ev = report
        .evidence
        .accounts
        .iter()
        .find(|x| x.provider == "A")
        .unwrap();
    let step = a_ev
        .steps
        .iter()
        .find(|s| s.action == OffboardAction::Deactivate)
        .unwrap();
    assert_eq!(step.outcome, StepOutcome::AlreadySo);
    let b_live = b
        .client()
        .get(
            "Users",
            &plan
                .accounts
                .iter()
                .find(|x| x.provider == "B")
                .unwrap()
                .account_id,
        )
        .await
        .unwrap();
    assert_eq!(b_live["active"], json!(false));
}

#[tokio::test]
async fn one_edit_everywhere_reviewed_per_provider_saved_side_by_side_and_undone() {
    let dir = generate(34, 15, 2);
    let [hr, strict, app]: [ReferenceServer; 3] = seeded(
        &dir,
        &[
            ProviderKind::Scim2Server,
            ProviderKind::Scim2Server,
            ProviderKind::Scimmy,
        ],
    )
    .await
    .try_into()
    .unwrap_or_else(|_| unreachable!());
    let no_patch = refusing_patch(strict.base_url()).await;
    let data = tempfile::tempdir().unwrap();
    let desk = desk_e2e::desk_at(data.path());
    desk_e2e::add_synced(&desk, "HR", hr.base_url(), &hr).await;
    desk_e2e::add_synced(&desk, "IdP", &no_patch.base, &strict).await;
    desk_e2e::add_synced(&desk, "App", app.base_url(), &app).await;
    let who = user_name(&dir, 6);
    let boss = email(&dir, 2);
    let req = desk_engine::people::PersonEditRequest {
        person: who.clone(),
        changes: vec![
            desk_engine::people::PersonChange {
                attribute: "familyName".into(),
                value: json!("Okafor"),
            },
            desk_engine::people::PersonChange {
                attribute: "manager".into(),
                value: json!(boss),
            },
        ],
        providers: Vec::new(),
    };
    // The review: per provider, the request its profile calls for.
    let preview = desk.preview_person_edit(&req).await.unwrap();
    assert_eq!(preview.accounts.len(), 3);
    for a in &preview.accounts {
        let p = a.preview.as_ref().unwrap_or_else(|| panic!("{a:?}"));
        assert_eq!(p.path, format!("/Users/{}", a.account_id));
        let changed: Vec<&str> = p.changes.iter().map(|c| c.path.as_str()).collect();
        assert!(
            changed.iter().any(|c| c.contains("familyName")),
            "{changed:?}"
        );
        match a.provider.as_str() {
            // scim2-server has ETags: If-Match goes with the request; SCIMMY has none.
            "HR" | "IdP" => assert!(p.if_match.is_some(), "{p:?}"),
            _ => assert!(p.if_match.is_none(), "{p:?}"),
        }
    }
    let report = desk.save_person_edit(&req).await.unwrap();
    for a in &report.accounts {
        assert_eq!(
            a.outcome,
            desk_engine::people::PersonEditOutcome::Saved,
            "{a:?}"
        );
        assert!(a.audit_id.is_some());
    }
    // Each provider has the new name and its own account of the manager.
    let index_of = |users: &[Value], name: &str| id_in(&hr, users, name);
    let boss_name = user_name(&dir, 2);
    for (server, provider) in [(&hr, "HR"), (&strict, "IdP"), (&app, "App")] {
        let users = users_of(server).await;
        let id = index_of(&users, &who);
        let boss_id = index_of(&users, &boss_name);
        let live = server.client().get("Users", &id).await.unwrap();
        assert_eq!(live["name"]["familyName"], "Okafor", "{provider}: {live}");
        assert_eq!(
            live["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"],
            boss_id.as_str(),
            "{provider}: {live}"
        );
    }
    // The copies follow: nothing differs, the person's page shows the new name everywhere.
    let page = desk.person(&who).unwrap();
    assert!(page
        .accounts
        .iter()
        .all(|a| a.family_name.as_deref() == Some("Okafor")));
    // Undo, per provider.
    let undone = desk.undo_person_edit(&report).await.unwrap();
    assert!(undone
        .accounts
        .iter()
        .all(|a| a.outcome == desk_engine::people::PersonEditOutcome::Saved));
    let original = dir.users[6].resource["name"]["familyName"].clone();
    for server in [&hr, &strict, &app] {
        let users = users_of(server).await;
        let live = server
            .client()
            .get("Users", &index_of(&users, &who))
            .await
            .unwrap();
        assert_eq!(live["name"]["familyName"], original);
    }
    // The same edit again, for the app only.
    let only_app = desk
        .save_person_edit(&desk_engine::people::PersonEditRequest {
            providers: vec!["App".into()],
            ..req.clone()
        })
        .await
        .unwrap();
    assert_eq!(only_app.accounts.len(), 1);
    assert_eq!(only_app.accounts[0].provider, "App");
}

#[tokio::test]
async fn onboarding_creates_the_new_hire_side_by_side_with_the_departments_groups_and_resumes_without_duplicates(
) {
    let dir = generate(35, 30, 4);
    let hr = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let app = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    let strict = ReferenceServer::start(ProviderKind::Embedded)
        .await
        .unwrap();
    for s in [&hr, &app, &strict] {
        seed(s, &dir, |_| {}).await;
    }
    // A payroll system that requires a job title its /Schemas do not mention.
    let needs_number = Proxy::start(strict.base_url()).await;
    needs_number.set(|_, _, _| Fault::Requires("title"));
    let data = tempfile::tempdir().unwrap();
    let desk = desk_e2e::desk_at(data.path());
    desk_e2e::add_synced(&desk, "HR", hr.base_url(), &hr).await;
    desk_e2e::add_synced(&desk, "App", app.base_url(), &app).await;
    desk_e2e::add_synced(&desk, "Payroll", &needs_number.base, &strict).await;
    let department = dir.users[3].resource
        ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"]
        .as_str()
        .unwrap()
        .to_string();
    // The department's usual groups, per provider, from the copies.
    let usual = desk.usual_groups(&department).unwrap();
    let hr_usual: Vec<_> = usual.iter().filter(|g| g.provider == "HR").collect();
    assert!(!hr_usual.is_empty(), "{usual:?}");
    assert!(hr_usual.iter().all(|g| g.members * 2 >= g.of));
    let value = |a: &str, v: &str| desk_engine::people::PersonChange {
        attribute: a.into(),
        value: json!(v),
    };
    let req = desk_engine::people::OnboardRequest {
        providers: vec!["HR".into(), "App".into(), "Payroll".into()],
        values: vec![
            value("userName", "new.hire"),
            value("givenName", "Nia"),
            value("familyName", "Hire"),
            value("email", "nia.hire@example.com"),
            value("department", &department),
            value("manager", &email(&dir, 3)),
        ],
        groups: hr_usual
            .iter()
            .map(|g| desk_engine::people::GroupPick {
                provider: "HR".into(),
                group: g.name.clone(),
            })
            .collect(),
    };
    let plan = desk.plan_onboard(&req).unwrap();
    assert_eq!(plan.accounts.len(), 3);
    assert!(
        plan.summary
            .contains("Create Nia Hire (new.hire) in 3 providers"),
        "{}",
        plan.summary
    );
    let report = desk.onboard(&req, &|_| {}).await.unwrap();
    let by = |p: &str| {
        report
            .accounts
            .iter()
            .find(|a| a.provider == p)
            .unwrap()
            .clone()
    };
    assert!(by("HR").created && by("App").created, "{report:#?}");
    assert_eq!(by("HR").groups.len(), hr_usual.len());
    // The provider that wants a title said so, in words; nothing was made there.
    let payroll = by("Payroll");
    assert!(!payroll.created);
    assert!(
        payroll
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("title is required"),
        "{payroll:?}"
    );
    assert!(!report.complete);
    // The new hire is one person across HR and App, with HR's manager account.
    let person = desk.person("new.hire").unwrap();
    assert_eq!(person.accounts.len(), 2, "{person:?}");
    let hr_users = users_of(&hr).await;
    let live = hr_users
        .iter()
        .find(|u| u["userName"] == "new.hire")
        .unwrap();
    let boss = id_in(&hr, &hr_users, &user_name(&dir, 3));
    assert_eq!(
        live["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"],
        boss.as_str()
    );
    // With a title, again: HR and App already have the account (nothing sent there), Payroll
    // gets it.
    let mut again = req.clone();
    again.values.push(value("title", "Account Executive"));
    let plan = desk.plan_onboard(&again).unwrap();
    assert!(plan
        .accounts
        .iter()
        .filter(|a| a.provider != "Payroll")
        .all(|a| a.blocked.is_some()));
    let second = desk.onboard(&again, &|_| {}).await.unwrap();
    let payroll = second
        .accounts
        .iter()
        .find(|a| a.provider == "Payroll")
        .unwrap();
    assert!(payroll.created, "{second:#?}");
    assert_eq!(
        users_of(&hr)
            .await
            .iter()
            .filter(|u| u["userName"] == "new.hire")
            .count(),
        1,
        "never created twice"
    );

    // Killed between the request and the journal: the create is settled by looking it up.
    let kill = desk_engine::people::OnboardRequest {
        providers: vec!["App".into()],
        values: vec![
            value("userName", "second.hire"),
            value("givenName", "Sam"),
            value("familyName", "Second"),
        ],
        groups: Vec::new(),
    };
    let plan = desk.plan_onboard(&kill).unwrap();
    let db = desk_store::Database::open(&desk_e2e::database_at(data.path())).unwrap();
    let run = db
        .start_person_run(
            "onboard",
            &plan.user_name,
            &plan.name,
            &serde_json::to_string(&plan).unwrap(),
            &[("App", "", r#"{"kind":"create"}"#.to_string())],
        )
        .unwrap();
    db.mark_person_step(run, 0, desk_store::person_runs::StepState::Sent, None)
        .unwrap();
    app.client()
        .create("Users", &plan.accounts[0].record)
        .await
        .unwrap();
    let resumed = desk.onboard(&kill, &|_| {}).await.unwrap();
    assert!(resumed.resumed);
    assert!(resumed.accounts[0].created, "{resumed:#?}");
    assert_eq!(
        users_of(&app)
            .await
            .iter()
            .filter(|u| u["userName"] == "second.hire")
            .count(),
        1
    );
}

#[tokio::test]
async fn make_these_match_the_source_runs_through_the_migration_engine_and_verifies() {
    let w = world(ProviderKind::Scimmy).await;
    let desk = &w.desk;
    let drift = desk.drift(Some("HR"), &[]).unwrap();
    assert_eq!(drift.people, 1);
    let person = drift.rows[0].person_id.clone();
    let plan = desk
        .plan_make_match(&desk_engine::people::MatchRequest {
            source: "HR".into(),
            people: vec![person.clone()],
        })
        .unwrap();
    // Only that person's accounts are touched, through each target's own plan.
    let idp = plan
        .plans
        .iter()
        .find(|p| p.target == "IdP")
        .expect("IdP is planned");
    assert!(!idp.operations.is_empty());
    let page = desk.person(&person).unwrap();
    let hr_id = &page
        .accounts
        .iter()
        .find(|a| a.provider == "HR")
        .unwrap()
        .id;
    for p in &plan.plans {
        assert!(p.operations.iter().all(|o| &o.source_id == hr_id), "{p:?}");
    }
    let family = idp
        .operations
        .iter()
        .flat_map(|o| o.changes.iter())
        .find(|c| c.path.contains("familyName"))
        .expect("the family name is in the IdP's update");
    assert_eq!(family.before.as_ref().unwrap(), "Changed-Surname");
    let report = desk.run_make_match(&plan, &|_| {}).await.unwrap();
    for (target, run) in &report.runs {
        assert!(run.failed.is_empty(), "{target}: {:?}", run.failed);
    }
    assert!(
        report.remaining.iter().all(|(_, n)| *n == 0),
        "{:?}",
        report.remaining
    );
    // Read again from the providers: nobody differs any more.
    assert_eq!(desk.drift(Some("HR"), &[]).unwrap().people, 0);
    let users = users_of(&w.idp).await;
    let id = id_in(&w.idp, &users, &user_name(&w.dir, 5));
    let live = w.idp.client().get("Users", &id).await.unwrap();
    assert_eq!(
        live["name"]["familyName"],
        w.dir.users[5].resource["name"]["familyName"]
    );
}
