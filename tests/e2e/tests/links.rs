//! Links through the engine against real providers: a scim2-server source and a target (a
//! scim2-server, and SCIMMY) behind the harness's proxy, which counts every write the target
//! receives and serves lists in short pages (a capped `count`, like Entra ID and Okta).
//! Scoped by groups and by filter; a change reaching the target and nothing else; 20 runs on
//! an unchanged source sending no writes; users leaving the scope; protected target groups;
//! guard rails stopping a run with nothing written.

use std::sync::{Arc, Mutex};

use desk_e2e::faults::{Fault, Proxy};
use desk_engine::links::run::{LinkRunOptions, LinkRunReport};
use desk_engine::links::{Leaving, Limit, LinkInput, LinkOutcome, LinkSettings, Scope};
use desk_engine::vocabulary::CancelFlag;
use desk_engine::Desk;
use desk_reference::sample::{generate, SampleDirectory};
use desk_reference::{ProviderKind, ReferenceServer};
use serde_json::{json, Value};

/// The writes the target received ("PUT /Users/…"), through the proxy.
type Writes = Arc<Mutex<Vec<String>>>;

/// A proxy in front of `server` that logs every write and caps list pages at 7 records.
async fn counting_proxy(server: &ReferenceServer) -> (Proxy, Writes) {
    let proxy = Proxy::start(server.base_url()).await;
    let writes: Writes = Arc::default();
    let log = writes.clone();
    proxy.set(move |_, method, path| {
        if method != "GET" && !path.ends_with("/.search") {
            log.lock().unwrap().push(format!("{method} {path}"));
            Fault::Pass
        } else {
            Fault::CountCapped(7)
        }
    });
    (proxy, writes)
}

fn taken(w: &Writes) -> Vec<String> {
    std::mem::take(&mut *w.lock().unwrap())
}

struct World {
    _data: tempfile::TempDir,
    desk: Desk,
    dir: SampleDirectory,
    source: ReferenceServer,
    target: ReferenceServer,
    writes: Writes,
    _proxy: Proxy,
}

async fn world(target_kind: ProviderKind, prepare_target: Option<Value>) -> World {
    let dir = generate(18, 40, 6);
    let source = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    desk_reference::seed::seed(&source.client(), &dir, |_, _| {})
        .await
        .unwrap();
    let target = ReferenceServer::start(target_kind).await.unwrap();
    if let Some(group) = prepare_target {
        // What the target made itself: a user and a group, before any link.
        let hand = target
            .client()
            .create(
                "Users",
                &json!({"schemas": [scim_client::USER_SCHEMA], "userName": "made.by.hand",
                        "name": {"givenName": "Made", "familyName": "Byhand"}, "active": true}),
            )
            .await
            .unwrap();
        let mut g = group;
        g["members"] = json!([{"value": hand["id"]}]);
        target.client().create("Groups", &g).await.unwrap();
    }
    let (proxy, writes) = counting_proxy(&target).await;
    let data = tempfile::tempdir().unwrap();
    let desk = desk_e2e::desk_at(data.path());
    desk_e2e::add_synced(&desk, "HR", source.base_url(), &source).await;
    desk_e2e::add_synced(&desk, "App", &proxy.base, &target).await;
    taken(&writes);
    World {
        _data: data,
        desk,
        dir,
        source,
        target,
        writes,
        _proxy: proxy,
    }
}

async fn run(desk: &Desk, name: &str, options: LinkRunOptions) -> LinkRunReport {
    desk.run_link(name, options, &CancelFlag::new(), &|_| {})
        .await
        .expect("the run")
}

fn add(desk: &Desk, name: &str, settings: LinkSettings) {
    desk.add_link(&LinkInput {
        name: name.into(),
        source: "HR".into(),
        target: "App".into(),
        settings,
    })
    .unwrap();
}

fn names(records: &[Value], key: &str) -> Vec<String> {
    let mut v: Vec<String> = records
        .iter()
        .map(|r| r[key].as_str().unwrap().to_lowercase())
        .collect();
    v.sort();
    v
}

/// The userNames of the sample users at `indexes`.
fn user_names(dir: &SampleDirectory, indexes: &[usize]) -> Vec<String> {
    let mut v: Vec<String> = indexes
        .iter()
        .map(|&i| {
            dir.users[i].resource["userName"]
                .as_str()
                .unwrap()
                .to_lowercase()
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

async fn all(server: &ReferenceServer, endpoint: &str) -> Vec<Value> {
    server
        .client()
        .list_page(endpoint, 1, 1000, None)
        .await
        .unwrap()
        .resources
}

/// The source record of `user_name`, changed by `change` (PUT).
async fn change_source(server: &ReferenceServer, user_name: &str, change: impl Fn(&mut Value)) {
    let users = all(server, "Users").await;
    let mut u = users
        .into_iter()
        .find(|u| {
            u["userName"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(user_name)
        })
        .unwrap();
    change(&mut u);
    let id = u["id"].as_str().unwrap().to_string();
    server
        .client()
        .replace("Users", &id, &u, None)
        .await
        .unwrap();
}

/// Takes `user_name` out of the source group `group`.
async fn leave_group(server: &ReferenceServer, group: &str, user_name: &str) {
    let users = all(server, "Users").await;
    let uid = users
        .iter()
        .find(|u| {
            u["userName"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(user_name)
        })
        .unwrap()["id"]
        .clone();
    let mut g = all(server, "Groups")
        .await
        .into_iter()
        .find(|g| g["displayName"] == group)
        .unwrap();
    let id = g["id"].as_str().unwrap().to_string();
    let kept: Vec<Value> = g["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["value"] != uid)
        .cloned()
        .collect();
    g["members"] = json!(kept);
    server
        .client()
        .replace("Groups", &id, &g, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_group_scoped_link_carries_exactly_its_scope_then_only_what_changed_then_nothing() {
    for kind in [ProviderKind::Scim2Server, ProviderKind::Scimmy] {
        let w = world(kind, None).await;
        let group = w.dir.groups[1].display_name.clone();
        let in_group = &w.dir.groups[1].user_members;
        add(
            &w.desk,
            "Sales to App",
            LinkSettings {
                scope: Scope {
                    groups: vec![group.clone()],
                    ..Default::default()
                },
                ..Default::default()
            },
        );
        let preview = w
            .desk
            .link_scope_preview("HR", &w.desk.link("Sales to App").unwrap().settings.scope)
            .unwrap();
        assert_eq!(
            (preview.users as usize, preview.groups),
            (user_names(&w.dir, in_group).len(), 1)
        );

        let first = run(&w.desk, "Sales to App", LinkRunOptions::default()).await;
        assert_eq!(
            first.outcome,
            LinkOutcome::Completed,
            "{kind:?}: {}",
            first.message
        );
        assert_eq!(first.remaining, 0);
        let users = all(&w.target, "Users").await;
        assert_eq!(
            names(&users, "userName"),
            user_names(&w.dir, in_group),
            "{kind:?}: exactly the group's members"
        );
        let groups = all(&w.target, "Groups").await;
        assert_eq!(names(&groups, "displayName"), [group.to_lowercase()]);
        assert_eq!(
            groups[0]["members"].as_array().map_or(0, Vec::len),
            users.len(),
            "every member in the group"
        );
        assert!(!taken(&w.writes).is_empty());

        // One change at the source: one write at the target, to that user.
        let who = user_names(&w.dir, &in_group[..1])[0].clone();
        change_source(&w.source, &who, |u| u["title"] = json!("Head of Linking")).await;
        let second = run(&w.desk, "Sales to App", LinkRunOptions::default()).await;
        assert_eq!(second.outcome, LinkOutcome::Completed, "{}", second.message);
        assert_eq!(second.counts, [("update_user".to_string(), 1)].into());
        let sent = taken(&w.writes);
        let target_id = users
            .iter()
            .find(|u| u["userName"].as_str().unwrap().eq_ignore_ascii_case(&who))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(sent.len(), 1, "{kind:?}: {sent:?}");
        assert!(
            sent[0].ends_with(&format!("/Users/{target_id}")),
            "{sent:?}"
        );
        let now = w.target.client().get("Users", &target_id).await.unwrap();
        assert_eq!(now["title"], "Head of Linking");

        // Twenty runs on an unchanged source: reads only, no write at all.
        for i in 0..20 {
            let r = run(&w.desk, "Sales to App", LinkRunOptions::default()).await;
            assert_eq!(r.outcome, LinkOutcome::Completed, "run {i}: {}", r.message);
            assert!(r.operations.is_empty(), "run {i}: {:?}", r.operations);
        }
        assert_eq!(taken(&w.writes), Vec::<String>::new(), "{kind:?}");
        let history = w.desk.link_history("Sales to App", 100).unwrap();
        assert_eq!(history.len(), 22);
        assert!(history
            .iter()
            .all(|h| h.outcome == LinkOutcome::Completed && h.finished_at.is_some()));
    }
}

#[tokio::test]
async fn users_leaving_the_scope_are_handled_as_the_link_says_and_protected_groups_stay() {
    let dir = generate(18, 40, 6);
    let protected = dir.groups[2].display_name.clone();
    let w = world(
        ProviderKind::Scim2Server,
        Some(json!({"schemas": [scim_client::GROUP_SCHEMA], "displayName": protected})),
    )
    .await;
    let scoped = w.dir.groups[1].display_name.clone();
    add(
        &w.desk,
        "Scoped",
        LinkSettings {
            scope: Scope {
                groups: vec![scoped.clone(), protected.clone()],
                ..Default::default()
            },
            leaving: Leaving::Deactivate,
            protect: vec![protected.clone()],
            ..Default::default()
        },
    );
    let first = run(&w.desk, "Scoped", LinkRunOptions::default()).await;
    assert_eq!(first.outcome, LinkOutcome::Completed, "{}", first.message);
    assert_eq!(first.protected, std::slice::from_ref(&protected));
    let groups = all(&w.target, "Groups").await;
    let at_target = |name: &str| {
        groups
            .iter()
            .find(|g| g["displayName"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        at_target(&protected)["members"].as_array().unwrap().len(),
        1,
        "the protected group keeps only what the target put in it"
    );
    assert!(at_target(&scoped)["members"].as_array().unwrap().len() > 1);
    let made_by_hand = all(&w.target, "Users")
        .await
        .into_iter()
        .find(|u| u["userName"] == "made.by.hand")
        .unwrap();

    // A member of the scoped group only leaves it at the source: taken out of the target group
    // and (the link says so) deactivated. The user the target made itself is not touched.
    let only_scoped: Vec<usize> = w.dir.groups[1]
        .user_members
        .iter()
        .copied()
        .filter(|i| !w.dir.groups[2].user_members.contains(i))
        .collect();
    let leaver = user_names(&w.dir, &only_scoped[..1])[0].clone();
    leave_group(&w.source, &scoped, &leaver).await;
    taken(&w.writes);
    let second = run(&w.desk, "Scoped", LinkRunOptions::default()).await;
    assert_eq!(second.outcome, LinkOutcome::Completed, "{}", second.message);
    assert_eq!(
        second
            .leaving
            .iter()
            .map(|l| (l.label.to_lowercase(), l.action.as_str()))
            .collect::<Vec<_>>(),
        [(leaver.clone(), "deactivate")]
    );
    assert_eq!(
        second.counts,
        [
            ("deactivate_user".to_string(), 1),
            ("remove_members".to_string(), 1)
        ]
        .into()
    );
    let users = all(&w.target, "Users").await;
    let leaver_at_target = users
        .iter()
        .find(|u| {
            u["userName"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(&leaver)
        })
        .unwrap();
    assert_eq!(leaver_at_target["active"], false);
    let scoped_now = all(&w.target, "Groups")
        .await
        .into_iter()
        .find(|g| g["displayName"] == scoped)
        .unwrap();
    assert!(!scoped_now["members"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["value"] == leaver_at_target["id"]));
    let hand_now = users
        .iter()
        .find(|u| u["userName"] == "made.by.hand")
        .unwrap();
    assert_eq!(hand_now["active"], made_by_hand["active"]);
    assert_eq!(hand_now["meta"]["version"], made_by_hand["meta"]["version"]);

    // Kept when the link says so: taken out of the group, left active, listed.
    let mut link = w.desk.link("Scoped").unwrap();
    link.settings.leaving = Leaving::Keep;
    w.desk
        .edit_link(
            "Scoped",
            &LinkInput {
                name: link.name.clone(),
                source: link.source.clone(),
                target: link.target.clone(),
                settings: link.settings.clone(),
            },
        )
        .unwrap();
    let stayer = user_names(&w.dir, &only_scoped[1..2])[0].clone();
    leave_group(&w.source, &scoped, &stayer).await;
    let third = run(&w.desk, "Scoped", LinkRunOptions::default()).await;
    assert_eq!(third.counts, [("remove_members".to_string(), 1)].into());
    assert!(third
        .leaving
        .iter()
        .any(|l| l.label.eq_ignore_ascii_case(&stayer) && l.action == "kept"));
    let stayer_at_target = all(&w.target, "Users")
        .await
        .into_iter()
        .find(|u| {
            u["userName"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(&stayer)
        })
        .unwrap();
    assert_ne!(stayer_at_target["active"], false);
    // The protected group still holds only its own member after all of it.
    let prot_now = all(&w.target, "Groups")
        .await
        .into_iter()
        .find(|g| g["displayName"] == protected)
        .unwrap();
    assert_eq!(prot_now["members"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_filter_scoped_link_and_a_guard_rail_that_stops_a_run_with_nothing_written() {
    let w = world(ProviderKind::Scim2Server, None).await;
    let engineers: Vec<usize> = (0..w.dir.users.len())
        .filter(|&i| {
            w.dir.users[i].resource["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
                ["department"]
                == "Engineering"
        })
        .collect();
    assert!(engineers.len() > 3, "the sample has engineers");
    add(
        &w.desk,
        "Engineers",
        LinkSettings {
            scope: Scope {
                filter: Some(r#"department eq "Engineering""#.into()),
                ..Default::default()
            },
            guard: desk_engine::links::GuardRails {
                max_creates: Some(Limit::Count(3)),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    // A run of the same link going on elsewhere (another process holds its lock): this one
    // does not start, says why, and records nothing.
    let lock_path = desk_engine::DataPaths::at(w._data.path().to_path_buf())
        .unwrap()
        .link_lock(w.desk.link("Engineers").unwrap().id);
    std::fs::create_dir_all(lock_path.parent().unwrap()).unwrap();
    let other = std::fs::File::create(&lock_path).unwrap();
    other.try_lock().unwrap();
    let busy = w
        .desk
        .run_link(
            "Engineers",
            LinkRunOptions::default(),
            &CancelFlag::new(),
            &|_| {},
        )
        .await
        .unwrap_err()
        .message();
    assert!(busy.contains("is running already"), "{busy}");
    assert!(w.desk.link_history("Engineers", 10).unwrap().is_empty());
    drop(other);
    let dry = run(
        &w.desk,
        "Engineers",
        LinkRunOptions {
            dry_run: true,
            force: false,
        },
    )
    .await;
    assert_eq!(dry.outcome, LinkOutcome::DryRun);
    assert_eq!(
        dry.crossings.len(),
        1,
        "{} in scope: {}",
        dry.scope_users,
        dry.message
    );
    let stopped = run(&w.desk, "Engineers", LinkRunOptions::default()).await;
    assert_eq!(stopped.outcome, LinkOutcome::Stopped, "{}", stopped.message);
    assert_eq!(
        (
            stopped.crossings[0].planned as usize,
            stopped.crossings[0].most
        ),
        (engineers.len(), 3)
    );
    assert!(
        stopped.message.contains(&format!(
            "it would create {} records; the link allows at most 3 a run",
            engineers.len()
        )),
        "{}",
        stopped.message
    );
    assert_eq!(taken(&w.writes), Vec::<String>::new(), "nothing written");
    assert!(all(&w.target, "Users").await.is_empty());

    let forced = run(
        &w.desk,
        "Engineers",
        LinkRunOptions {
            dry_run: false,
            force: true,
        },
    )
    .await;
    assert_eq!(forced.outcome, LinkOutcome::Completed, "{}", forced.message);
    assert!(forced.forced);
    assert_eq!(
        names(&all(&w.target, "Users").await, "userName"),
        user_names(&w.dir, &engineers)
    );
    assert!(
        all(&w.target, "Groups").await.is_empty(),
        "a filter brings no groups"
    );
}
