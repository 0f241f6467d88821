//! scim-client against both reference providers: paging, ETags, PATCH, Bulk, search.

use desk_reference::sample::generate;
use desk_reference::{ProviderKind, ReferenceServer};
use scim_client::patch::{diff, requests};
use scim_client::{
    BulkOperation, CapabilityProfile, Fetched, ListQuery, Pager, PagerEnd, ScimClient, ScimError,
    GROUP_SCHEMA,
};
use serde_json::{json, Value};

async fn seeded(client: &ScimClient, n: usize) -> Vec<String> {
    let dir = generate(99, n, 0);
    let mut ids = Vec::new();
    for u in &dir.users {
        let created = client.create("Users", &u.resource).await.expect("create");
        ids.push(created["id"].as_str().unwrap().to_string());
    }
    ids
}

async fn profile_of(client: &ScimClient) -> CapabilityProfile {
    CapabilityProfile::from_service_provider_config(
        &client.service_provider_config().await.unwrap(),
    )
}

fn unique_ids(all: &[Value]) -> usize {
    let ids: std::collections::HashSet<_> = all.iter().map(|r| r["id"].to_string()).collect();
    ids.len()
}

#[tokio::test]
async fn scim2_server_pages_by_index_and_by_cursor() {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let client = server.client_for(&server.tenant_url("paging"));
    seeded(&client, 130).await;
    let mut profile = profile_of(&client).await;
    assert!(profile.paging.cursor, "the harness enables cursor paging");

    profile.paging.cursor = false;
    profile.paging.max_in_flight = 3;
    let q = ListQuery {
        count: Some(25),
        ..Default::default()
    };
    let mut pager = Pager::new(&client, "Users", q.clone(), &profile);
    let mut all = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        all.extend(page);
    }
    assert_eq!(all.len(), 130);
    assert_eq!(unique_ids(&all), 130, "no page read twice");
    assert_eq!(pager.end(), Some(PagerEnd::Complete));
    // Six pages, then one empty page confirming the announced total was the end.
    assert_eq!(pager.pages(), 7);

    profile.paging.cursor = true;
    let all = Pager::new(&client, "Users", q, &profile)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 130);
    assert_eq!(unique_ids(&all), 130);
}

#[tokio::test]
async fn scimmy_paging_stops_at_total_although_it_repeats_past_the_end() {
    let server = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    let client = server.client();
    seeded(&client, 45).await;
    let profile = profile_of(&client).await;
    // SCIMMY answers startIndex past the end with the first page again.
    let past = client
        .list(
            "Users",
            &ListQuery {
                count: Some(20),
                ..Default::default()
            },
            &scim_client::PageRequest::Index(61),
        )
        .await
        .unwrap();
    assert_eq!(past.resources.len(), 20, "the quirk the pager must survive");
    let all = Pager::new(
        &client,
        "Users",
        ListQuery {
            count: Some(20),
            ..Default::default()
        },
        &profile,
    )
    .collect_all()
    .await
    .unwrap();
    assert_eq!(all.len(), 45);
    assert_eq!(unique_ids(&all), 45);
}

#[tokio::test]
async fn etags_make_reads_cheap_and_writes_safe() {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let client = server.client_for(&server.tenant_url("etag"));
    let id = seeded(&client, 12).await.remove(3);
    let Fetched::Resource { resource, etag } =
        client.fetch("Users", &id, &[], &[], None).await.unwrap()
    else {
        panic!("a fresh read returns the resource");
    };
    let etag = etag.expect("scim2-server sends meta.version");
    assert_eq!(
        client
            .fetch("Users", &id, &[], &[], Some(&etag))
            .await
            .unwrap(),
        Fetched::NotModified,
        "If-None-Match with the current version: 304"
    );
    let mut changed = resource.clone();
    changed["title"] = json!("Changed by me");
    let stored = client
        .replace("Users", &id, &changed, Some(&etag))
        .await
        .unwrap();
    assert_eq!(stored["title"], "Changed by me");
    // Writing again with the old version is refused, and the error carries theirs.
    let mut again = resource.clone();
    again["title"] = json!("Lost update");
    match client.replace("Users", &id, &again, Some(&etag)).await {
        Err(ScimError::PreconditionFailed { current, .. }) => {
            assert_eq!(
                current.unwrap()["title"],
                "Changed by me",
                "the server's current version"
            );
        }
        other => panic!("a stale If-Match must give a typed conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn attributes_limit_what_is_returned() {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let client = server.client_for(&server.tenant_url("attrs"));
    let id = seeded(&client, 12).await.remove(0);
    let Fetched::Resource { resource, .. } = client
        .fetch("Users", &id, &["userName"], &[], None)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert!(resource.get("userName").is_some());
    assert!(
        resource.get("title").is_none(),
        "only what was asked (plus id)"
    );
    let Fetched::Resource { resource, .. } = client
        .fetch("Users", &id, &[], &["emails"], None)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert!(resource.get("emails").is_none() && resource.get("userName").is_some());
}

async fn patch_round_trip(client: &ScimClient, profile: &CapabilityProfile, id: &str) {
    let before = client.get("Users", id).await.unwrap();
    let mut after = before.clone();
    after["title"] = json!("Head of Tea");
    after["name"]["familyName"] = json!("Ødegård-Smith");
    after["emails"] =
        json!([{"type": "work", "value": "new.address@example.com", "primary": true}]);
    after["nickName"] = json!("Teabag");
    let ops = diff(&before, &after, &profile.patch);
    assert!(!ops.is_empty());
    for body in requests(&ops, profile) {
        client
            .patch("Users", id, &body, None)
            .await
            .expect("PATCH accepted");
    }
    let stored = client.get("Users", id).await.unwrap();
    assert_eq!(stored["title"], "Head of Tea");
    assert_eq!(stored["name"]["familyName"], "Ødegård-Smith");
    assert_eq!(stored["nickName"], "Teabag");
    let emails = stored["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 1, "the home address was removed: {emails:?}");
    assert_eq!(emails[0]["value"], "new.address@example.com");
    assert_eq!(
        stored["userName"], before["userName"],
        "untouched attributes stay"
    );
}

#[tokio::test]
async fn patch_from_a_diff_applies_on_scim2_server() {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let client = server.client_for(&server.tenant_url("patch"));
    let ids = seeded(&client, 12).await;
    let profile = profile_of(&client).await;
    for id in ids.iter().take(4) {
        patch_round_trip(&client, &profile, id).await;
    }
}

#[tokio::test]
async fn patch_from_a_diff_applies_on_the_embedded_provider() {
    let server = ReferenceServer::start(ProviderKind::Embedded)
        .await
        .unwrap();
    let client = server.client();
    let ids = seeded(&client, 12).await;
    let profile = profile_of(&client).await;
    for id in ids.iter().take(4) {
        patch_round_trip(&client, &profile, id).await;
    }
}

#[tokio::test]
async fn patch_from_a_diff_applies_on_scimmy() {
    let server = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    let client = server.client();
    let ids = seeded(&client, 12).await;
    let profile = profile_of(&client).await;
    for id in ids.iter().take(4) {
        patch_round_trip(&client, &profile, id).await;
    }
}

#[tokio::test]
async fn group_membership_patches_add_and_remove_members() {
    for kind in [
        ProviderKind::Scim2Server,
        ProviderKind::Scimmy,
        ProviderKind::Embedded,
    ] {
        let server = ReferenceServer::start(kind).await.unwrap();
        let client = server.client_for(&server.tenant_url("members"));
        let ids = seeded(&client, 12).await;
        let group = client
            .create(
                "Groups",
                &json!({"schemas": [GROUP_SCHEMA], "displayName": "Tea Club",
                "members": [{"value": ids[0]}, {"value": ids[1]}]}),
            )
            .await
            .unwrap();
        let gid = group["id"].as_str().unwrap();
        let mut after = group.clone();
        after["members"] = json!([{"value": ids[1]}, {"value": ids[2]}, {"value": ids[3]}]);
        let mut profile = profile_of(&client).await;
        profile.patch.max_member_adds = Some(1);
        for body in requests(&diff(&group, &after, &profile.patch), &profile) {
            client.patch("Groups", gid, &body, None).await.unwrap();
        }
        let stored = client.get("Groups", gid).await.unwrap();
        let mut members: Vec<&str> = stored["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["value"].as_str().unwrap())
            .collect();
        members.sort();
        let mut want = vec![ids[1].as_str(), ids[2].as_str(), ids[3].as_str()];
        want.sort();
        assert_eq!(members, want, "{kind:?}");
    }
}

#[tokio::test]
async fn bulk_splits_to_the_limits_and_resolves_bulk_ids_across_chunks() {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let client = server.client_for(&server.tenant_url("bulk"));
    let mut profile = profile_of(&client).await;
    assert!(profile.bulk.supported);
    profile.bulk.max_operations = 2;
    let dir = generate(5, 12, 0);
    let mut ops: Vec<BulkOperation> = dir.users[..5]
        .iter()
        .enumerate()
        .map(|(i, u)| BulkOperation::create("Users", &format!("u{i}"), u.resource.clone()))
        .collect();
    ops.push(BulkOperation::create(
        "Groups",
        "g",
        json!({"schemas": [GROUP_SCHEMA], "displayName": "Bulk group",
               "members": [{"value": "bulkId:u0"}, {"value": "bulkId:u4"}]}),
    ));
    let results = client.bulk(&ops, &profile.bulk).await.unwrap();
    assert_eq!(results.len(), 6);
    assert!(results.iter().all(|r| r.ok()), "{results:?}");
    let gid = results[5].id.clone().unwrap();
    let group = client.get("Groups", &gid).await.unwrap();
    let members: Vec<String> = group["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        members,
        [
            results[0].id.clone().unwrap(),
            results[4].id.clone().unwrap()
        ]
    );
}

#[tokio::test]
async fn search_and_filters_reach_the_server() {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let client = server.client_for(&server.tenant_url("search"));
    seeded(&client, 40).await;
    let q = ListQuery {
        filter: Some(r#"active eq false or title co "Lead""#.into()),
        sort_by: Some("userName".into()),
        count: Some(100),
        ..Default::default()
    };
    let by_get = client
        .list("Users", &q, &scim_client::PageRequest::Index(1))
        .await
        .unwrap();
    let by_post = client
        .search("Users", &q, &scim_client::PageRequest::Index(1))
        .await
        .unwrap();
    assert!(!by_get.resources.is_empty());
    assert_eq!(
        by_get.resources, by_post.resources,
        "GET and POST /.search agree"
    );
    // The local evaluator agrees with the server on the same filter.
    let f = scim_client::filter::parse(q.filter.as_deref().unwrap()).unwrap();
    let all = Pager::new(
        &client,
        "Users",
        ListQuery::default(),
        &profile_of(&client).await,
    )
    .collect_all()
    .await
    .unwrap();
    let local: Vec<&Value> = all
        .iter()
        .filter(|r| scim_client::filter::matches(&f, r, &scim_client::filter::default_case_exact))
        .collect();
    assert_eq!(local.len(), by_get.resources.len());
}

async fn seeded_sample(client: &ScimClient, n: usize) -> desk_reference::sample::SampleDirectory {
    let dir = generate(desk_reference::sample::DEMO_SEED, n, 12);
    desk_reference::seed::seed(client, &dir, |_, _| {})
        .await
        .expect("seed");
    dir
}

#[tokio::test]
async fn discovery_reads_scim2_server_and_its_probes_find_no_quirks() {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let client = server.client_for(&server.tenant_url("discover"));
    let dir = seeded_sample(&client, 40).await;
    let d = scim_client::discover(&client, scim_client::Preset::Generic)
        .await
        .unwrap();
    let p = &d.profile;
    assert!(p.etag && p.sort && p.patch.supported && p.bulk.supported && p.filter.supported);
    assert!(p.paging.cursor && p.paging.index);
    assert!(!p.paging.repeats_first_page_past_end);
    assert!(!p.filter.user_name_eq_case_sensitive, "{:?}", d.notes);
    assert!(p.filter.extension_attributes, "{:?}", d.notes);
    assert_eq!(d.endpoint("User"), "/Users");
    assert!(d.schemas.schema(scim_client::USER_SCHEMA).is_some());
    assert!(d
        .schemas
        .schema(scim_client::ENTERPRISE_USER_SCHEMA)
        .is_some());
    // The realistic sample directory is valid against the provider's own schemas.
    for u in &dir.users {
        let v = d.schemas.check(
            scim_client::USER_SCHEMA,
            &u.resource,
            scim_client::CheckMode::Write,
        );
        assert!(v.is_empty(), "{}: {v:?}", u.resource["userName"]);
    }
}

#[tokio::test]
async fn discovery_probes_find_scimmys_quirks() {
    let server = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    let client = server.client();
    seeded_sample(&client, 30).await;
    let d = scim_client::discover(&client, scim_client::Preset::Generic)
        .await
        .unwrap();
    let p = &d.profile;
    assert!(!p.etag && p.patch.supported && p.filter.supported);
    assert!(p.paging.repeats_first_page_past_end, "{:?}", d.notes);
    assert!(p.filter.user_name_eq_case_sensitive, "{:?}", d.notes);
    assert!(!p.filter.extension_attributes, "{:?}", d.notes);
    assert!(!d.notes.is_empty(), "the quirks are explained in words");
    // Stored resources read back valid against SCIMMY's schemas.
    let all = Pager::new(&client, "Users", ListQuery::default(), p)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 30);
    for r in &all {
        let v = d
            .schemas
            .check(scim_client::USER_SCHEMA, r, scim_client::CheckMode::Read);
        assert!(v.is_empty(), "{v:?}");
    }
}

// ---- One test per documented quirk of the reference providers (shared scim-facts). ----

fn raw(server: &ReferenceServer) -> (reqwest::Client, String) {
    (
        reqwest::Client::new(),
        format!("Bearer {}", server.token().expose()),
    )
}

#[tokio::test]
async fn quirk_patch_answers_204_on_scim2_server_and_200_with_a_body_on_scimmy() {
    for (kind, want) in [
        (ProviderKind::Scim2Server, 204u16),
        (ProviderKind::Scimmy, 200),
        (ProviderKind::Embedded, 200),
    ] {
        let server = ReferenceServer::start(kind).await.unwrap();
        let client = server.client();
        let id = seeded(&client, 12).await.remove(0);
        let (http, auth) = raw(&server);
        let body = json!({"schemas": [scim_client::patch::PATCH_OP_SCHEMA],
            "Operations": [{"op": "replace", "path": "title", "value": "Raw"}]});
        let resp = http
            .patch(format!("{}/Users/{id}", server.base_url()))
            .header("Authorization", &auth)
            .header("Content-Type", "application/scim+json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), want, "{kind:?}");
        // Either way the client hands back the stored resource.
        let body2 = json!({"schemas": [scim_client::patch::PATCH_OP_SCHEMA],
            "Operations": [{"op": "replace", "path": "title", "value": "Through the client"}]});
        let stored = client.patch("Users", &id, &body2, None).await.unwrap();
        assert_eq!(stored["title"], "Through the client", "{kind:?}");
        assert_eq!(stored["id"], id.as_str());
    }
}

#[tokio::test]
async fn quirk_scimmy_creates_without_a_location_header() {
    let server = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    let (http, auth) = raw(&server);
    let resp = http
        .post(format!("{}/Users", server.base_url()))
        .header("Authorization", &auth)
        .header("Content-Type", "application/scim+json")
        .body(json!({"schemas": [scim_client::USER_SCHEMA], "userName": "nolocation"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    assert!(
        resp.headers().get("location").is_none(),
        "SCIMMY sends no Location"
    );
    // The client takes the id from the body instead.
    let created = server
        .client()
        .create(
            "Users",
            &json!({"schemas": [scim_client::USER_SCHEMA], "userName": "viaclient"}),
        )
        .await
        .unwrap();
    assert!(created["id"].as_str().is_some_and(|s| !s.is_empty()));
}

#[tokio::test]
async fn quirk_scimmy_has_no_etags_and_ignores_if_match() {
    let server = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    let client = server.client();
    let id = seeded(&client, 12).await.remove(0);
    let user = client.get("Users", &id).await.unwrap();
    assert!(user["meta"].get("version").is_none(), "no meta.version");
    let mut changed = user.clone();
    changed["title"] = json!("Ignored precondition");
    let stored = client
        .replace("Users", &id, &changed, Some("W/\"definitely-stale\""))
        .await
        .expect("If-Match is ignored, so the write goes through");
    assert_eq!(stored["title"], "Ignored precondition");
    let profile = profile_of(&client).await;
    assert!(
        !profile.etag,
        "so the profile never relies on If-Match here"
    );
}

#[tokio::test]
async fn quirk_scimmy_user_name_eq_is_case_sensitive_scim2_server_is_not() {
    for (kind, found_upper) in [
        (ProviderKind::Scim2Server, 1usize),
        (ProviderKind::Scimmy, 0),
        (ProviderKind::Embedded, 1),
    ] {
        let server = ReferenceServer::start(kind).await.unwrap();
        let client = server.client();
        client
            .create(
                "Users",
                &json!({"schemas": [scim_client::USER_SCHEMA], "userName": "Case.Test"}),
            )
            .await
            .unwrap();
        let q = |f: &str| ListQuery {
            filter: Some(f.to_string()),
            ..Default::default()
        };
        let exact = client
            .list(
                "Users",
                &q(r#"userName eq "Case.Test""#),
                &scim_client::PageRequest::Index(1),
            )
            .await
            .unwrap();
        let upper = client
            .list(
                "Users",
                &q(r#"userName eq "CASE.TEST""#),
                &scim_client::PageRequest::Index(1),
            )
            .await
            .unwrap();
        assert_eq!(exact.resources.len(), 1, "{kind:?}");
        assert_eq!(upper.resources.len(), found_upper, "{kind:?}");
    }
}

#[tokio::test]
async fn quirk_user_name_uniqueness_ignores_case_with_409() {
    for kind in [
        ProviderKind::Scim2Server,
        ProviderKind::Scimmy,
        ProviderKind::Embedded,
    ] {
        let server = ReferenceServer::start(kind).await.unwrap();
        let client = server.client();
        let u = |n: &str| json!({"schemas": [scim_client::USER_SCHEMA], "userName": n});
        client.create("Users", &u("Dup.User")).await.unwrap();
        match client.create("Users", &u("dup.user")).await {
            Err(ScimError::Http {
                status: 409, body, ..
            }) => {
                assert_eq!(body.scim_type.as_deref(), Some("uniqueness"), "{kind:?}")
            }
            other => panic!("{kind:?}: expected 409 uniqueness, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn quirk_scimmy_enforces_canonical_values_and_real_booleans() {
    let server = ReferenceServer::start(ProviderKind::Scimmy).await.unwrap();
    let client = server.client();
    let bad_type = json!({"schemas": [scim_client::USER_SCHEMA], "userName": "canon",
        "emails": [{"value": "a@x.example", "type": "pager"}]});
    match client.create("Users", &bad_type).await {
        Err(ScimError::Http {
            status: 400, body, ..
        }) => {
            assert_eq!(body.scim_type.as_deref(), Some("invalidValue"))
        }
        other => panic!("non-canonical emails.type must be refused: {other:?}"),
    }
    // The schema check finds the same problem before anything is sent.
    let d = scim_client::discover(&client, scim_client::Preset::Generic)
        .await
        .unwrap();
    let v = d.schemas.check(
        scim_client::USER_SCHEMA,
        &bad_type,
        scim_client::CheckMode::Write,
    );
    assert!(v.iter().any(|x| x.path == "emails[0].type"), "{v:?}");
    let string_bool =
        json!({"schemas": [scim_client::USER_SCHEMA], "userName": "boolstr", "active": "False"});
    assert_eq!(
        client
            .create("Users", &string_bool)
            .await
            .unwrap_err()
            .status(),
        Some(400)
    );
    // scim2-server accepts the Entra-style string boolean.
    let s2 = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let created = s2.client().create("Users", &string_bool).await.unwrap();
    assert_eq!(created["active"], false);
}

#[tokio::test]
async fn quirk_scim2_server_speaks_http_1_0_and_still_serves_concurrent_reads() {
    let server = ReferenceServer::start(ProviderKind::Scim2Server)
        .await
        .unwrap();
    let (http, auth) = raw(&server);
    let resp = http
        .get(format!("{}/ServiceProviderConfig", server.base_url()))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.version(), reqwest::Version::HTTP_10);
    let client = server.client();
    let ids = seeded(&client, 16).await;
    let mut set = tokio::task::JoinSet::new();
    for id in ids {
        let c = client.clone();
        set.spawn(async move { c.get("Users", &id).await });
    }
    let mut ok = 0;
    while let Some(r) = set.join_next().await {
        r.unwrap()
            .expect("every concurrent read is answered (refused ones are retried)");
        ok += 1;
    }
    assert_eq!(ok, 16);
}
