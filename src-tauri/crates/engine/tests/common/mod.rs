//! What the engine's integration tests share: a desk with one seeded reference provider.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use desk_engine::api::ProviderInput;
use desk_engine::providers::secrets::MemoryStore;
use desk_engine::read::directory::DirectoryQuery;
use desk_engine::vocabulary::CancelFlag;
use desk_engine::vocabulary::Kind;
use desk_engine::{DataPaths, Desk};
use desk_reference::sample::generate;
use desk_reference::{ProviderKind, ReferenceServer};
use serde_json::Value;

/// A desk with one provider named `p`: a reference server seeded with 40 people and 8 groups,
/// synced once.
pub async fn setup(kind: ProviderKind) -> (tempfile::TempDir, Desk, ReferenceServer) {
    let server = ReferenceServer::start(kind).await.unwrap();
    let dir = generate(11, 40, 8);
    desk_reference::seed::seed(&server.client(), &dir, |_, _| {})
        .await
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let desk = Desk::open(
        DataPaths::at(data.path().to_path_buf()).unwrap(),
        Arc::new(MemoryStore::new()),
    )
    .unwrap();
    desk.add_provider(ProviderInput::bearer(
        "p",
        server.base_url(),
        Some(server.token().expose()),
    ))
    .unwrap();
    desk.sync("p", &CancelFlag::new(), &|_| {}).await.unwrap();
    (data, desk, server)
}

/// The first active user (by user name) matching `search`, or the fourth without one.
pub fn first_user(desk: &Desk, search: Option<&str>) -> Value {
    let page = desk
        .directory_page(&DirectoryQuery {
            provider: "p".into(),
            kind: desk_engine::vocabulary::Kind::User,
            search: search.map(str::to_string),
            filter: Some("active eq true".into()),
            sort: Some("userName".into()),
            descending: false,
            offset: if search.is_some() { 0 } else { 3 },
            limit: 1,
        })
        .unwrap();
    let id = page.rows[0].id.clone();
    desk.resource_detail("p", Kind::User, &id).unwrap().resource
}
