//! One change for many people, through the engine against both reference providers: set an
//! attribute (one record changed on the provider meanwhile is a conflict, sent nothing),
//! deactivate and undo, add to a group and undo. Each result is read back from the provider.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::setup;
use desk_engine::read::directory::{DirectoryPage, DirectoryQuery};
use desk_engine::vocabulary::CancelFlag;
use desk_engine::vocabulary::Kind;
use desk_engine::write::bulk::{BulkAction, BulkOutcome, BulkRequest};
use desk_engine::Desk;
use desk_reference::ProviderKind;
use serde_json::{json, Value};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// One page of the copy as the grid asks for it.
fn page(
    desk: &Desk,
    kind: Kind,
    search: Option<&str>,
    filter: Option<&str>,
    n: u32,
) -> DirectoryPage {
    desk.directory_page(&DirectoryQuery {
        provider: "p".into(),
        kind,
        search: search.map(str::to_string),
        filter: filter.map(str::to_string),
        sort: Some("userName".into()).filter(|_| kind == Kind::User),
        descending: false,
        offset: 0,
        limit: n,
    })
    .unwrap()
}

fn active_ids(desk: &Desk, n: u32) -> Vec<String> {
    page(desk, Kind::User, None, Some("active eq true"), n)
        .rows
        .into_iter()
        .map(|r| r.id)
        .collect()
}

fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| m["value"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

async fn bulk_set_deactivate_group_undo(kind: ProviderKind) {
    let (_data, desk, server) = setup(kind).await;
    let client = server.client();
    let ids = active_ids(&desk, 5);
    assert_eq!(ids.len(), 5);
    let cancel = CancelFlag::new();
    let progress = std::sync::Mutex::new(Vec::new());
    let on_progress = |p: desk_engine::migrate::run::RunProgress| {
        progress.lock().unwrap().push(p.finished);
    };

    // 1. Department for five people; one of them renamed on the provider since the sync.
    let path = format!("{ENT}:department");
    let req = BulkRequest {
        provider: "p".into(),
        ids: ids.clone(),
        action: BulkAction::SetAttribute {
            path: path.clone(),
            value: json!("Field Operations"),
        },
    };
    let preview = desk.preview_bulk(&req).unwrap();
    assert_eq!((preview.changing, preview.unchanged), (5, 0));
    assert!(preview.rows[0]
        .changes
        .iter()
        .any(|c| c.path == path && c.after == Some(json!("Field Operations"))));
    let mut changed_there = client.get("Users", &ids[2]).await.unwrap();
    changed_there[ENT]["department"] = json!("Changed elsewhere");
    if let Some(m) = changed_there.as_object_mut() {
        m.remove("meta");
    }
    client
        .replace("Users", &ids[2], &changed_there, None)
        .await
        .unwrap();
    let report = desk.run_bulk(&req, &cancel, &on_progress).await.unwrap();
    let outcomes: Vec<BulkOutcome> = report.rows.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            BulkOutcome::Saved,
            BulkOutcome::Saved,
            BulkOutcome::Conflict,
            BulkOutcome::Saved,
            BulkOutcome::Saved
        ],
        "{report:?}"
    );
    assert_eq!((report.saved, report.failed), (4, 1));
    assert_eq!(progress.lock().unwrap().last(), Some(&5));
    for (i, id) in ids.iter().enumerate() {
        let dept = client.get("Users", id).await.unwrap()[ENT]["department"].clone();
        let want = if i == 2 {
            "Changed elsewhere"
        } else {
            "Field Operations"
        };
        assert_eq!(dept, want, "{id}");
    }
    // The local copy follows at once, and each save is in the audit log as a bulk update.
    let cached = desk.resource_detail("p", Kind::User, &ids[0]).unwrap();
    assert_eq!(cached.resource[ENT]["department"], "Field Operations");
    assert_eq!(
        desk.audit_entries(Some("p"), Some((Kind::User, &ids[0])), 0)
            .unwrap()[0]
            .operation,
        "bulk update"
    );

    // 2. Deactivate three, then undo: active again on the provider.
    let req = BulkRequest {
        provider: "p".into(),
        ids: ids[..3].to_vec(),
        action: BulkAction::Deactivate,
    };
    let done = desk.run_bulk(&req, &cancel, &|_| {}).await.unwrap();
    assert_eq!(done.saved, 3, "{done:?}");
    for id in &ids[..3] {
        assert_eq!(client.get("Users", id).await.unwrap()["active"], false);
    }
    let undone = desk.undo_bulk(&done, &cancel, &|_| {}).await.unwrap();
    assert!(undone.undo);
    assert_eq!(undone.saved, 3, "{undone:?}");
    for id in &ids[..3] {
        assert_eq!(client.get("Users", id).await.unwrap()["active"], true);
    }

    // 3. A new manager for two people: the grid shows the manager by name.
    let boss = desk
        .resource_detail("p", Kind::User, &ids[4])
        .unwrap()
        .resource;
    let req = BulkRequest {
        provider: "p".into(),
        ids: ids[..2].to_vec(),
        action: BulkAction::SetAttribute {
            path: format!("{ENT}:manager"),
            value: json!({"value": ids[4]}),
        },
    };
    let done = desk.run_bulk(&req, &cancel, &|_| {}).await.unwrap();
    assert_eq!(done.saved, 2, "{done:?}");
    for id in &ids[..2] {
        assert_eq!(
            client.get("Users", id).await.unwrap()[ENT]["manager"]["value"],
            json!(ids[4])
        );
    }
    let rows = page(&desk, Kind::User, None, Some("active eq true"), 2).rows;
    let boss_name = boss["displayName"].as_str().unwrap();
    assert_eq!(rows[0].manager.as_deref(), Some(boss_name));
    assert_eq!(rows[1].manager.as_deref(), Some(boss_name));

    // 4. Add five to a group that already has one of them: four added, one unchanged; undo
    // takes out the four only.
    let group = client
        .create(
            "Groups",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": "Bulk crew", "members": [{"value": ids[4]}]}),
        )
        .await
        .unwrap();
    let gid = group["id"].as_str().unwrap().to_string();
    desk.sync("p", &cancel, &|_| {}).await.unwrap();
    let req = BulkRequest {
        provider: "p".into(),
        ids: ids.clone(),
        action: BulkAction::AddToGroup {
            group_id: gid.clone(),
        },
    };
    let preview = desk.preview_bulk(&req).unwrap();
    assert_eq!(preview.group.as_deref(), Some("Bulk crew"));
    assert_eq!((preview.changing, preview.unchanged), (4, 1));
    let done = desk.run_bulk(&req, &cancel, &|_| {}).await.unwrap();
    assert_eq!((done.saved, done.unchanged), (4, 1), "{done:?}");
    let mut all = ids.clone();
    all.sort();
    assert_eq!(member_ids(&client.get("Groups", &gid).await.unwrap()), all);
    // The groups grid counts the members from the copy, which followed the change.
    let crew = page(&desk, Kind::Group, Some("Bulk crew"), None, 5).rows;
    assert_eq!(crew.len(), 1);
    assert_eq!(crew[0].member_count, Some(5));
    let undone = desk.undo_bulk(&done, &cancel, &|_| {}).await.unwrap();
    assert_eq!(undone.saved, 4, "{undone:?}");
    assert_eq!(
        member_ids(&client.get("Groups", &gid).await.unwrap()),
        vec![ids[4].clone()]
    );
    // The reference providers keep everything sent: nothing is taken for lost.
    assert!(
        desk.not_kept("p").unwrap().is_empty(),
        "{:?}",
        desk.not_kept("p").unwrap()
    );
}

#[tokio::test]
async fn scim2_server_bulk_set_deactivate_group_undo() {
    bulk_set_deactivate_group_undo(ProviderKind::Scim2Server).await;
}

#[tokio::test]
async fn scimmy_bulk_set_deactivate_group_undo() {
    bulk_set_deactivate_group_undo(ProviderKind::Scimmy).await;
}

#[tokio::test]
async fn embedded_provider_bulk_set_deactivate_group_undo() {
    bulk_set_deactivate_group_undo(ProviderKind::Embedded).await;
}

#[test]
fn identifiers_cannot_be_set_for_many_people() {
    let data = tempfile::tempdir().unwrap();
    let desk = Desk::open(
        desk_engine::DataPaths::at(data.path().to_path_buf()).unwrap(),
        std::sync::Arc::new(desk_engine::providers::secrets::MemoryStore::new()),
    )
    .unwrap();
    for path in ["userName", "externalId", "id"] {
        let err = desk
            .preview_bulk(&BulkRequest {
                provider: "p".into(),
                ids: vec!["x".into()],
                action: BulkAction::SetAttribute {
                    path: path.into(),
                    value: json!("same"),
                },
            })
            .unwrap_err();
        assert_eq!(err.code(), desk_engine::ErrorCode::InvalidInput, "{path}");
        assert!(
            err.message().contains("identifies each person"),
            "{}",
            err.message()
        );
    }
}
