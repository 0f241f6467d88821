//! A credential goes only to the origin (scheme, host, port) the person configured. A provider
//! that points elsewhere (an absolute endpoint in /ResourceTypes, a redirect) is refused in
//! words naming both origins, and the other origin receives nothing at all; a redirect within
//! the configured origin is followed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use desk_e2e::hostile::{Answer, Hostile};
use desk_engine::api::ProviderInput;
use desk_engine::vocabulary::CancelFlag;
use desk_engine::ErrorCode;
use serde_json::json;

const TOKEN: &str = "tok-0rigin-s3cret";

/// How the hostile provider points: its Users endpoint on another origin (0), its Groups list
/// redirected to another origin (1), or redirected within its own origin (2).
const ENDPOINT_ELSEWHERE: u8 = 0;
const REDIRECT_ELSEWHERE: u8 = 1;
const REDIRECT_HOME: u8 = 2;

fn list(resources: serde_json::Value) -> Answer {
    let n = resources.as_array().map_or(0, Vec::len);
    Answer::json(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": n, "startIndex": 1, "itemsPerPage": n, "Resources": resources
    }))
}

#[tokio::test]
async fn credentials_never_follow_a_provider_to_another_origin() {
    // The other origin: records whatever reaches it.
    let elsewhere = Hostile::start(|_, _| list(json!([]))).await;
    let other = elsewhere.origin.clone();
    let mode = Arc::new(AtomicU8::new(ENDPOINT_ELSEWHERE));
    let m = mode.clone();
    let to = other.clone();
    let provider = Hostile::start(move |_, path| {
        let mode = m.load(Ordering::SeqCst);
        let path = path.split('?').next().unwrap_or_default();
        match path {
            "/v2/ServiceProviderConfig" => Answer::json(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                "patch": {"supported": true}, "bulk": {"supported": false},
                "filter": {"supported": false}, "sort": {"supported": false},
                "etag": {"supported": false}, "changePassword": {"supported": false}
            })),
            "/v2/ResourceTypes" => {
                let users = if mode == ENDPOINT_ELSEWHERE {
                    format!("{to}/v2/Users")
                } else {
                    "/Users".to_string()
                };
                list(json!([
                    {"id": "User", "name": "User", "endpoint": users,
                     "schema": "urn:ietf:params:scim:schemas:core:2.0:User"},
                    {"id": "Group", "name": "Group", "endpoint": "/Groups",
                     "schema": "urn:ietf:params:scim:schemas:core:2.0:Group"}
                ]))
            }
            "/v2/Schemas" => list(json!([])),
            "/v2/Users" => list(json!([{"id": "u1", "userName": "ada@example.com"}])),
            "/v2/Groups" if mode == REDIRECT_ELSEWHERE => {
                Answer::redirect(302, &format!("{to}/v2/Groups"))
            }
            "/v2/Groups" => Answer::redirect(307, "/v2/Groups2"),
            "/v2/Groups2" => list(json!([{"id": "g1", "displayName": "Staff"}])),
            _ => Answer {
                status: 404,
                headers: Vec::new(),
                body: String::new(),
            },
        }
    })
    .await;
    let data = tempfile::tempdir().unwrap();
    let desk = desk_e2e::desk_at(data.path());
    desk.add_provider(ProviderInput::bearer(
        "p",
        &format!("{}/v2", provider.origin),
        Some(TOKEN),
    ))
    .unwrap();

    for (how, m) in [
        ("an absolute endpoint on another origin", ENDPOINT_ELSEWHERE),
        ("a redirect to another origin", REDIRECT_ELSEWHERE),
    ] {
        mode.store(m, Ordering::SeqCst);
        let err = desk
            .sync("p", &CancelFlag::new(), &|_| {})
            .await
            .expect_err(how);
        assert_eq!(
            err.code(),
            ErrorCode::OtherOrigin,
            "{how}: {}",
            err.message()
        );
        let msg = err.message();
        assert!(
            msg.contains(&other) && msg.contains(&provider.origin),
            "{how}: the message names both origins: {msg}"
        );
        assert!(
            elsewhere.requests().is_empty(),
            "{how}: nothing at all reached the other origin: {:?}",
            elsewhere.requests()
        );
        assert!(!msg.contains(TOKEN) && !err.detail().unwrap_or_default().contains(TOKEN));
    }

    // A redirect within the configured origin is followed, with the credential.
    mode.store(REDIRECT_HOME, Ordering::SeqCst);
    let report = desk.sync("p", &CancelFlag::new(), &|_| {}).await.unwrap();
    assert_eq!((report.users, report.groups), (1, 1));
    let followed = provider
        .requests()
        .into_iter()
        .find(|r| r.path.starts_with("/v2/Groups2"))
        .expect("the same-origin redirect was followed");
    assert_eq!(
        followed.authorization.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert!(elsewhere.requests().is_empty());
}
