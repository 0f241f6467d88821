//! The embedded provider through SCIM Desk's own client, over HTTP on 127.0.0.1: what a
//! provider must do for everything the demo shows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use desk_embedded::EmbeddedProvider;
use scim_client::{ListQuery, PageRequest, ScimError};
use serde_json::{json, Value};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn user(name: &str, family: &str, dept: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": name, "name": {"givenName": "A", "familyName": family},
        "emails": [{"value": format!("{name}@example.com"), "type": "work", "primary": true}],
        "active": true,
        ENTERPRISE: {"department": dept}
    })
}

fn status(e: &ScimError) -> (u16, Option<String>) {
    match e {
        ScimError::Http { status, body, .. } => (*status, body.scim_type.clone()),
        ScimError::PreconditionFailed { .. } => (412, None),
        other => panic!("not an HTTP refusal: {other}"),
    }
}

#[tokio::test]
async fn discovery_describes_what_the_provider_does() {
    let p = EmbeddedProvider::start(&["hr"]).unwrap();
    let c = p.client("hr").unwrap();
    // Probes need people to filter and page over.
    for i in 0..5 {
        c.create("Users", &user(&format!("p{i}"), "Probe", "x"))
            .await
            .unwrap();
    }
    let d = scim_client::discover(&c, scim_client::Preset::Generic)
        .await
        .unwrap();
    // SCIM Desk's probes find nothing the documents did not say.
    assert!(d.notes.is_empty(), "{:?}", d.notes);
    let spc = c.service_provider_config().await.unwrap();
    assert_eq!(spc["patch"]["supported"], true);
    assert_eq!(spc["etag"]["supported"], true);
    assert_eq!(spc["sort"]["supported"], true);
    assert_eq!(spc["bulk"]["supported"], true);
    let schemas = c.schemas().await.unwrap();
    let ids: Vec<&str> = schemas.iter().filter_map(|s| s["id"].as_str()).collect();
    assert!(ids.contains(&ENTERPRISE), "{ids:?}");
    assert_eq!(c.resource_types().await.unwrap().len(), 2);
    assert_eq!(d.endpoint("User"), "/Users");
    assert!(d.schemas.schema(ENTERPRISE).is_some());
}

#[tokio::test]
async fn the_token_is_required_and_tenants_are_apart() {
    let p = EmbeddedProvider::start(&["hr", "apps"]).unwrap();
    let base = p.base_url("hr").unwrap();
    let stranger = scim_client::ScimClient::new(
        &base,
        scim_client::Auth::Bearer(scim_client::Sensitive::new("wrong".into())),
        &scim_client::ClientOptions::default(),
    )
    .unwrap();
    let err = stranger.get("Users", "x").await.unwrap_err();
    assert_eq!(status(&err).0, 401);
    // The other tenant's token does not open this one.
    let apps_token = p.token("apps").unwrap().clone();
    let crossed = scim_client::ScimClient::new(
        &base,
        scim_client::Auth::Bearer(apps_token),
        &scim_client::ClientOptions::default(),
    )
    .unwrap();
    assert_eq!(status(&crossed.get("Users", "x").await.unwrap_err()).0, 401);
    let hr = p.client("hr").unwrap();
    hr.create("Users", &user("ann", "Ng", "Sales"))
        .await
        .unwrap();
    let apps = p.client("apps").unwrap();
    let page = apps
        .list("Users", &ListQuery::default(), &PageRequest::Index(1))
        .await
        .unwrap();
    assert_eq!(
        page.total_results,
        Some(0),
        "the second tenant starts empty"
    );
}

#[tokio::test]
async fn filters_sorting_and_paging_with_total_results() {
    let p = EmbeddedProvider::start(&["hr"]).unwrap();
    let c = p.client("hr").unwrap();
    for (i, family) in ["Zhou", "adams", "Müller", "Baker", "Cruz"]
        .iter()
        .enumerate()
    {
        let dept = if i % 2 == 0 { "Sales" } else { "Engineering" };
        c.create("Users", &user(&format!("u{i}"), family, dept))
            .await
            .unwrap();
    }
    let q = |filter: &str, sort: Option<&str>, count: Option<u32>| ListQuery {
        filter: (!filter.is_empty()).then(|| filter.to_string()),
        sort_by: sort.map(str::to_string),
        count,
        ..Default::default()
    };
    let names = |page: &scim_client::ListPage| -> Vec<String> {
        page.resources
            .iter()
            .map(|r| {
                r["name"]["familyName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };
    let sales = c
        .list(
            "Users",
            &q(
                &format!("{ENTERPRISE}:department eq \"sales\""),
                Some("name.familyName"),
                None,
            ),
            &PageRequest::Index(1),
        )
        .await
        .unwrap();
    assert_eq!(
        names(&sales),
        ["Cruz", "Müller", "Zhou"],
        "case-insensitive eq, sorted"
    );
    let co = c
        .list(
            "Users",
            &q("emails.value co \"U1@\" or userName eq \"u3\"", None, None),
            &PageRequest::Index(1),
        )
        .await
        .unwrap();
    assert_eq!(names(&co), ["adams", "Baker"]);
    // Pages of two: every page says the total, the last is short.
    let mut seen = Vec::new();
    for start in [1u64, 3, 5] {
        let page = c
            .list(
                "Users",
                &q("", Some("name.familyName"), Some(2)),
                &PageRequest::Index(start),
            )
            .await
            .unwrap();
        assert_eq!(page.total_results, Some(5));
        seen.extend(names(&page));
    }
    assert_eq!(seen, ["adams", "Baker", "Cruz", "Müller", "Zhou"]);
    let bad = c
        .list(
            "Users",
            &q("userName eq", None, None),
            &PageRequest::Index(1),
        )
        .await
        .unwrap_err();
    assert_eq!(status(&bad), (400, Some("invalidFilter".into())));
}

#[tokio::test]
async fn writes_keep_versions_and_refuse_stale_ones() {
    let p = EmbeddedProvider::start(&["hr"]).unwrap();
    let c = p.client("hr").unwrap();
    let created = c
        .create("Users", &user("ann", "Ng", "Sales"))
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let v1 = created["meta"]["version"].as_str().unwrap().to_string();
    let dup = c
        .create("Users", &user("ANN", "Other", "Sales"))
        .await
        .unwrap_err();
    assert_eq!(status(&dup), (409, Some("uniqueness".into())));

    let patched = c
        .patch(
            "Users",
            &id,
            &json!({"schemas": [PATCH], "Operations": [
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "ann.ng@example.com"},
                {"op": "replace", "path": format!("{ENTERPRISE}:department"), "value": "Finance"},
                {"op": "replace", "path": "active", "value": false}
            ]}),
            Some(&v1),
        )
        .await
        .unwrap();
    assert_eq!(patched["emails"][0]["value"], "ann.ng@example.com");
    assert_eq!(patched[ENTERPRISE]["department"], "Finance");
    assert_eq!(patched["active"], false);
    let v2 = patched["meta"]["version"].as_str().unwrap().to_string();
    assert_ne!(v1, v2);
    // The old version no longer writes.
    let stale = c
        .replace("Users", &id, &user("ann", "Ng", "Sales"), Some(&v1))
        .await
        .unwrap_err();
    assert_eq!(status(&stale).0, 412);
    // Unchanged since v2: 304.
    let fetched = c.fetch("Users", &id, &[], &[], Some(&v2)).await.unwrap();
    assert!(matches!(fetched, scim_client::ops::Fetched::NotModified));
    let replaced = c
        .replace("Users", &id, &user("ann.ng", "Ng", "Sales"), Some(&v2))
        .await
        .unwrap();
    assert_eq!(replaced["userName"], "ann.ng");
    assert_eq!(replaced["meta"]["created"], created["meta"]["created"]);
    c.delete_if("Users", &id, None).await.unwrap();
    assert_eq!(status(&c.get("Users", &id).await.unwrap_err()).0, 404);
}

#[tokio::test]
async fn groups_hold_existing_members_and_users_show_their_groups() {
    let p = EmbeddedProvider::start(&["hr"]).unwrap();
    let c = p.client("hr").unwrap();
    let a = c.create("Users", &user("a", "A", "x")).await.unwrap();
    let b = c.create("Users", &user("b", "B", "x")).await.unwrap();
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let g = c
        .create(
            "Groups",
            &json!({"displayName": "Ops", "members": [{"value": a}]}),
        )
        .await
        .unwrap();
    let gid = g["id"].as_str().unwrap();
    assert_eq!(g["members"][0]["display"], "a");
    assert_eq!(g["members"][0]["type"], "User");
    let ghost = c
        .create(
            "Groups",
            &json!({"displayName": "X", "members": [{"value": "nobody"}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(status(&ghost), (400, Some("invalidValue".into())));
    c.patch(
        "Groups",
        gid,
        &json!({"schemas": [PATCH], "Operations": [
            {"op": "add", "path": "members", "value": [{"value": b}]},
            {"op": "remove", "path": format!("members[value eq \"{a}\"]")}
        ]}),
        None,
    )
    .await
    .unwrap();
    let user_b = c.get("Users", b).await.unwrap();
    assert_eq!(user_b["groups"][0]["value"], gid);
    assert_eq!(user_b["groups"][0]["display"], "Ops");
    assert!(c.get("Users", a).await.unwrap().get("groups").is_none());
    // A deleted user leaves its groups.
    c.delete("Users", b).await.unwrap();
    let g = c.get("Groups", gid).await.unwrap();
    assert!(g.get("members").is_none(), "{g}");
    // Listing groups without their members.
    let page = c
        .list(
            "Groups",
            &ListQuery {
                excluded_attributes: vec!["members".into()],
                ..Default::default()
            },
            &PageRequest::Index(1),
        )
        .await
        .unwrap();
    assert_eq!(page.resources.len(), 1);
}

#[tokio::test]
async fn bulk_creates_with_references_and_reports_each_operation() {
    let p = EmbeddedProvider::start(&["hr"]).unwrap();
    let c = p.client("hr").unwrap();
    let ops = vec![
        scim_client::ops::BulkOperation::create("Users", "u1", user("bulk1", "One", "x")),
        scim_client::ops::BulkOperation::create("Users", "u2", user("bulk1", "Dup", "x")),
        scim_client::ops::BulkOperation::create(
            "Groups",
            "g1",
            json!({"displayName": "Bulk", "members": [{"value": "bulkId:u1"}]}),
        ),
    ];
    let limits = scim_client::profile::BulkSupport {
        supported: true,
        max_operations: 10,
        max_payload_size: 1_048_576,
        bulk_id_in_path: true,
    };
    let results = c.bulk(&ops, &limits).await.unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].status, 201);
    assert_eq!(
        results[1].status, 409,
        "the duplicate userName is refused alone"
    );
    assert_eq!(results[2].status, 201);
    let groups = c
        .list("Groups", &ListQuery::default(), &PageRequest::Index(1))
        .await
        .unwrap();
    assert_eq!(groups.resources[0]["members"][0]["display"], "bulk1");
}
