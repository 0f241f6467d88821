//! Loads a [`SampleDirectory`](crate::sample::SampleDirectory) into a provider over SCIM.
//!
//! Users are created level by level (CEO, heads, leads, staff) so each manager exists before the
//! people who report to them and the manager reference can carry the provider's id. Groups follow
//! with their members. A few requests run at once: scim2-server has a listen backlog of 5.

use serde_json::{json, Value};

use scim_client::{ScimClient, ScimError, ENTERPRISE_USER_SCHEMA};

use crate::sample::{group_resource, SampleDirectory};

/// Requests in flight while seeding.
const IN_FLIGHT: usize = 4;

/// The ids the provider gave to the seeded resources.
#[derive(Debug, Clone, Default)]
pub struct Seeded {
    pub user_ids: Vec<String>,
    pub group_ids: Vec<String>,
}

/// Creates every user and group of `dir` through `client`. `progress(done, total)` is called as
/// resources are created.
pub async fn seed(
    client: &ScimClient,
    dir: &SampleDirectory,
    mut progress: impl FnMut(usize, usize),
) -> Result<Seeded, ScimError> {
    let total = dir.users.len() + dir.groups.len();
    let mut done = 0;
    let mut user_ids = vec![String::new(); dir.users.len()];
    for level in 0..=3u8 {
        let wave: Vec<usize> = dir
            .users
            .iter()
            .filter(|u| u.level == level)
            .map(|u| u.index)
            .collect();
        for chunk in wave.chunks(IN_FLIGHT) {
            let mut set = tokio::task::JoinSet::new();
            for &i in chunk {
                let mut resource = dir.users[i].resource.clone();
                if let Some(m) = dir.users[i].manager {
                    let manager_id = user_ids[m].clone();
                    resource[ENTERPRISE_USER_SCHEMA]["manager"] = json!({ "value": manager_id });
                }
                let client = client.clone();
                set.spawn(async move { (i, client.create("Users", &resource).await) });
            }
            while let Some(joined) = set.join_next().await {
                let (i, created) = joined.map_err(|e| ScimError::Malformed {
                    url: client.base_url().to_string(),
                    reason: format!("a seeding task failed: {e}"),
                })?;
                user_ids[i] = id_of(&created?);
                done += 1;
                progress(done, total);
            }
        }
    }
    let mut group_ids = Vec::with_capacity(dir.groups.len());
    for g in &dir.groups {
        let created = client
            .create("Groups", &group_resource(g, &user_ids))
            .await?;
        group_ids.push(id_of(&created));
        done += 1;
        progress(done, total);
    }
    Ok(Seeded {
        user_ids,
        group_ids,
    })
}

fn id_of(v: &Value) -> String {
    v.get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}
