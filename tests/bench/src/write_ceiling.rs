//! The target's write ceiling for a migration plan: a bare HTTP client (reqwest, no journal,
//! no reads before writes, no mapping) sending the plan's operations to an empty target, in the
//! plan's order of kinds (users, groups, memberships, managers), each kind `in_flight` requests
//! at a time: creates in Bulk requests of 50 as the runner sends them, a membership as one
//! PATCH adding the group's members, a manager as one PATCH. Every answer must be a success;
//! the bench keeps the best time over a few concurrencies as the ceiling.

use std::collections::HashMap;
use std::time::Instant;

use desk_engine::migrate::{MigrationPlan, Operation, PlanOperation};
use serde_json::{json, Value};

const BULK: usize = 50;
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const MANAGER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";

/// A bare client for one target.
struct Bare {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Bare {
    async fn send(&self, method: reqwest::Method, path: &str, body: &Value) -> Value {
        let url = format!("{}/{}", self.base.trim_end_matches('/'), path);
        let resp = self
            .http
            .request(method, &url)
            .bearer_auth(&self.token)
            .header("Content-Type", "application/scim+json")
            .body(body.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        assert!(status.is_success(), "{url}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// One Bulk request creating `ops`; returns (source id, target id) for each.
    async fn create(&self, ops: &[&PlanOperation]) -> Vec<(String, String)> {
        let endpoint = |op: &PlanOperation| match op.op {
            Operation::CreateGroup => "/Groups",
            _ => "/Users",
        };
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
            "Operations": ops.iter().enumerate().map(|(k, op)| json!({
                "method": "POST", "path": endpoint(op), "bulkId": format!("b{k}"), "data": op.data,
            })).collect::<Vec<_>>(),
        });
        let answer = self.send(reqwest::Method::POST, "Bulk", &body).await;
        let results = answer["Operations"].as_array().cloned().unwrap_or_default();
        assert_eq!(results.len(), ops.len(), "one answer per create: {answer}");
        results
            .iter()
            .map(|r| {
                let status = r["status"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| r["status"].to_string());
                assert!(status.starts_with('2'), "a create was refused: {r}");
                let k: usize = r["bulkId"]
                    .as_str()
                    .and_then(|b| b.strip_prefix('b'))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("no bulkId in {r}"));
                let id = r["location"]
                    .as_str()
                    .and_then(|l| l.rsplit('/').next())
                    .unwrap_or_else(|| panic!("no location in {r}"))
                    .to_string();
                (ops[k].source_id.clone(), id)
            })
            .collect()
    }
}

/// Runs `work` items `in_flight` at a time.
async fn at_once<T, F>(in_flight: usize, work: Vec<F>) -> Vec<T>
where
    F: std::future::Future<Output = T>,
{
    use futures_util::StreamExt;
    futures_util::stream::iter(work)
        .buffer_unordered(in_flight)
        .collect()
        .await
}

/// Sends `plan`'s operations to the empty target at `base` (`in_flight` requests at a time);
/// returns the seconds it took.
pub async fn send_plan(plan: &MigrationPlan, base: &str, token: &str, in_flight: usize) -> f64 {
    let bare = Bare {
        http: reqwest::Client::new(),
        base: base.to_string(),
        token: token.to_string(),
    };
    let of = |kind: Operation| -> Vec<&PlanOperation> {
        plan.operations.iter().filter(|o| o.op == kind).collect()
    };
    assert!(
        plan.operations.iter().all(|o| matches!(
            o.op,
            Operation::CreateUser
                | Operation::CreateGroup
                | Operation::AddMembers
                | Operation::SetManager
        )),
        "a plan onto an empty target"
    );
    let started = Instant::now();
    let mut users: HashMap<String, String> = HashMap::new();
    let mut groups: HashMap<String, String> = HashMap::new();
    for (kind, ids) in [
        (Operation::CreateUser, &mut users),
        (Operation::CreateGroup, &mut groups),
    ] {
        let ops = of(kind);
        let batches: Vec<_> = ops.chunks(BULK).map(|b| bare.create(b)).collect();
        for created in at_once(in_flight, batches).await {
            ids.extend(created);
        }
    }
    let memberships: Vec<_> = of(Operation::AddMembers)
        .into_iter()
        .map(|op| {
            let gid = &groups[&op.source_id];
            let members: Vec<Value> = op
                .data
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| users.get(s.as_str()?))
                .map(|id| json!({"value": id}))
                .collect();
            let body = json!({"schemas": [PATCH_OP],
                "Operations": [{"op": "add", "path": "members", "value": members}]});
            let path = format!("Groups/{gid}");
            let bare = &bare;
            async move { bare.send(reqwest::Method::PATCH, &path, &body).await }
        })
        .collect();
    at_once(in_flight, memberships).await;
    let managers: Vec<_> = of(Operation::SetManager)
        .into_iter()
        .map(|op| {
            let uid = &users[&op.source_id];
            let mid = &users[op.data.as_str().unwrap_or_default()];
            let body = json!({"schemas": [PATCH_OP],
                "Operations": [{"op": "replace", "path": MANAGER, "value": {"value": mid}}]});
            let path = format!("Users/{uid}");
            let bare = &bare;
            async move { bare.send(reqwest::Method::PATCH, &path, &body).await }
        })
        .collect();
    at_once(in_flight, managers).await;
    started.elapsed().as_secs_f64()
}
