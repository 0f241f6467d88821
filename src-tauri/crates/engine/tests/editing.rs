//! Editing through the engine against both reference providers, a real SQLite file and the
//! audit log: save (PATCH + If-Match), a conflict resolved field by field, undo, create, group
//! membership and delete. Each result is checked by reading the provider directly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{first_user, setup};
use desk_engine::read::directory::DirectoryQuery;
use desk_engine::vocabulary::Kind;
use desk_engine::write::conflicts::merge;
use desk_engine::write::edit::{EditRequest, SaveOutcome};
use desk_engine::write::membership::MembershipChange;
use desk_reference::ProviderKind;
use serde_json::{json, Value};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn work_email(v: &Value) -> Option<String> {
    v["emails"]
        .as_array()?
        .iter()
        .find(|e| e["type"] == "work")
        .and_then(|e| e["value"].as_str())
        .map(str::to_string)
}

fn set_work_email(v: &mut Value, email: &str) {
    for e in v["emails"].as_array_mut().unwrap() {
        if e["type"] == "work" {
            e["value"] = json!(email);
        }
    }
}

async fn edit_conflict_undo(kind: ProviderKind) {
    let (_data, desk, server) = setup(kind).await;
    let client = server.client();
    let before = first_user(&desk, None);
    let id = before["id"].as_str().unwrap().to_string();
    assert!(work_email(&before).is_some(), "{before}");

    // 1. familyName and the work email, previewed then saved.
    let mut after = before.clone();
    after["name"]["familyName"] = json!("Okonkwo-Smith");
    set_work_email(&mut after, "renamed.person@example.com");
    let req = EditRequest {
        provider: "p".into(),
        kind: desk_engine::vocabulary::Kind::User,
        id: id.clone(),
        before: before.clone(),
        after: after.clone(),
    };
    let preview = desk.preview_edit(&req).await.unwrap();
    assert_eq!(preview.method, "PATCH");
    let paths: Vec<&str> = preview.changes.iter().map(|c| c.path.as_str()).collect();
    assert!(paths.contains(&"name.familyName"), "{paths:?}");
    let saved = match desk.save_edit(&req).await.unwrap() {
        SaveOutcome::Saved { resource, .. } => resource,
        other => panic!("not saved: {other:?}"),
    };
    let on_provider = client.get("Users", &id).await.unwrap();
    assert_eq!(on_provider["name"]["familyName"], "Okonkwo-Smith");
    assert_eq!(
        work_email(&on_provider).as_deref(),
        Some("renamed.person@example.com")
    );
    // The cache shows the change at once, searchable.
    let cached = first_user(&desk, Some("Okonkwo"));
    assert_eq!(cached["id"], json!(id));
    let audit = desk
        .audit_entries(Some("p"), Some((Kind::User, &id)), 0)
        .unwrap();
    assert_eq!(audit[0].operation, "update");
    // The provider's own answer, not an assumed one: scim2-server answers a PATCH with 204,
    // SCIMMY with 200 and the resource.
    let patch_status = match kind {
        ProviderKind::Scim2Server => 204,
        ProviderKind::Scimmy | ProviderKind::Embedded => 200,
    };
    assert_eq!(audit[0].http_status, Some(patch_status));

    // 2. Someone changes the title on the provider meanwhile; my stale edit of the title
    //    conflicts; I keep my title, and their familyName change survives.
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "Chief of Staff"},
                       {"op": "replace", "path": "name.familyName", "value": "Theirs"}]});
    client.patch("Users", &id, &patch, None).await.unwrap();
    let mut mine = saved.clone();
    mine["title"] = json!("Head of People");
    let req = EditRequest {
        provider: "p".into(),
        kind: desk_engine::vocabulary::Kind::User,
        id: id.clone(),
        before: saved.clone(),
        after: mine.clone(),
    };
    let (theirs, fields) = match desk.save_edit(&req).await.unwrap() {
        SaveOutcome::Conflict { theirs, fields } => (theirs, fields),
        other => panic!("expected a conflict: {other:?}"),
    };
    assert!(fields.iter().any(|f| f.path == "title"
        && f.theirs == Some(json!("Chief of Staff"))
        && f.mine == Some(json!("Head of People"))));
    // Nothing was written.
    assert_eq!(
        client.get("Users", &id).await.unwrap()["title"],
        "Chief of Staff"
    );
    let merged = merge(&saved, &mine, &theirs, &["title".to_string()]);
    let resolved = EditRequest {
        provider: "p".into(),
        kind: desk_engine::vocabulary::Kind::User,
        id: id.clone(),
        before: theirs.clone(),
        after: merged,
    };
    assert!(matches!(
        desk.save_edit(&resolved).await.unwrap(),
        SaveOutcome::Saved { .. }
    ));
    let now = client.get("Users", &id).await.unwrap();
    assert_eq!(now["title"], "Head of People");
    assert_eq!(now["name"]["familyName"], "Theirs");

    // 3. Undo the last saved edit: the title goes back to theirs.
    assert!(matches!(
        desk.undo_last("p").await.unwrap(),
        SaveOutcome::Saved { .. }
    ));
    assert_eq!(
        client.get("Users", &id).await.unwrap()["title"],
        "Chief of Staff"
    );
    // Undo again would revert the edit before it (familyName back to the original), but
    // the provider changed familyName since ("Theirs"): a conflict naming that field, and
    // nothing written.
    match desk.undo_last("p").await.unwrap() {
        SaveOutcome::Conflict { fields, theirs } => {
            let f = fields
                .iter()
                .find(|f| f.path == "name.familyName")
                .unwrap_or_else(|| panic!("familyName in conflict: {fields:?}"));
            assert_eq!(f.theirs, Some(json!("Theirs")));
            assert_eq!(f.mine.as_ref(), before["name"].get("familyName"));
            assert_eq!(theirs["name"]["familyName"], "Theirs");
        }
        other => panic!("the second undo overlaps their change: {other:?}"),
    }
    let now = client.get("Users", &id).await.unwrap();
    assert_eq!(now["name"]["familyName"], "Theirs", "nothing written");
    assert_eq!(now["title"], "Chief of Staff");
}

async fn create_members_delete(kind: ProviderKind) {
    let (_data, desk, server) = setup(kind).await;
    let client = server.client();
    let users: Vec<String> = desk
        .directory_page(&DirectoryQuery {
            provider: "p".into(),
            kind: desk_engine::vocabulary::Kind::User,
            search: None,
            filter: None,
            sort: None,
            descending: false,
            offset: 0,
            limit: 3,
        })
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.id)
        .collect();
    let user = desk
        .create_resource(
            "p",
            Kind::User,
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
                    "userName": "new.starter@example.com",
                    "name": {"givenName": "New", "familyName": "Starter"},
                    "emails": [{"value": "new.starter@example.com", "type": "work", "primary": true}],
                    ENT: {"department": "Finance"}}),
        )
        .await
        .unwrap();
    let uid = user["id"].as_str().unwrap().to_string();
    assert_eq!(
        client.get("Users", &uid).await.unwrap()["userName"],
        "new.starter@example.com"
    );
    let group = desk
        .create_resource(
            "p",
            Kind::Group,
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": "Onboarding 2026"}),
        )
        .await
        .unwrap();
    let gid = group["id"].as_str().unwrap().to_string();
    let mut add = users.clone();
    add.push(uid.clone());
    desk.change_membership(&MembershipChange {
        provider: "p".into(),
        group_id: gid.clone(),
        add,
        remove: vec![],
    })
    .await
    .unwrap();
    desk.change_membership(&MembershipChange {
        provider: "p".into(),
        group_id: gid.clone(),
        add: vec![],
        remove: vec![users[0].clone()],
    })
    .await
    .unwrap();
    let g = client.get("Groups", &gid).await.unwrap();
    let mut ids: Vec<String> = g["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    let mut want = vec![users[1].clone(), users[2].clone(), uid.clone()];
    want.sort();
    assert_eq!(ids, want);
    // The cache knows: the new user's groups list the new group by name.
    let detail = desk.resource_detail("p", Kind::User, &uid).unwrap();
    assert!(detail.groups.iter().any(|g| g.label == "Onboarding 2026"));
    let gd = desk.resource_detail("p", Kind::Group, &gid).unwrap();
    assert_eq!(gd.members.len(), 3);

    // Delete the group and the user: gone on the provider and in the cache.
    desk.delete_resource("p", Kind::Group, &gd.resource)
        .await
        .unwrap();
    desk.delete_resource("p", Kind::User, &detail.resource)
        .await
        .unwrap();
    for (endpoint, id) in [("Groups", &gid), ("Users", &uid)] {
        match client.get(endpoint, id).await {
            Err(scim_client::ScimError::Http { status: 404, .. }) => {}
            other => panic!("{endpoint}/{id} must be gone (404): {other:?}"),
        }
    }
    match desk.resource_detail("p", Kind::User, &uid) {
        Err(e) => assert_eq!(
            e.code(),
            desk_engine::ErrorCode::NotFound,
            "{}",
            e.message()
        ),
        Ok(d) => panic!("the deleted user is still in the copy: {:?}", d.resource),
    }
    let ops: Vec<String> = desk
        .audit_entries(Some("p"), None, 0)
        .unwrap()
        .into_iter()
        .map(|e| e.operation)
        .collect();
    assert_eq!(
        ops,
        ["delete", "delete", "members", "members", "create", "create"]
    );
    // The reference providers keep everything sent: nothing is taken for lost.
    assert!(
        desk.not_kept("p").unwrap().is_empty(),
        "{:?}",
        desk.not_kept("p").unwrap()
    );
}

#[tokio::test]
async fn scim2_server_edit_conflict_undo() {
    edit_conflict_undo(ProviderKind::Scim2Server).await;
}

#[tokio::test]
async fn scimmy_edit_conflict_undo() {
    edit_conflict_undo(ProviderKind::Scimmy).await;
}

#[tokio::test]
async fn embedded_provider_edit_conflict_undo() {
    edit_conflict_undo(ProviderKind::Embedded).await;
}

#[tokio::test]
async fn embedded_provider_create_members_delete() {
    create_members_delete(ProviderKind::Embedded).await;
}

#[tokio::test]
async fn scim2_server_create_members_delete() {
    create_members_delete(ProviderKind::Scim2Server).await;
}

#[tokio::test]
async fn scimmy_create_members_delete() {
    create_members_delete(ProviderKind::Scimmy).await;
}
