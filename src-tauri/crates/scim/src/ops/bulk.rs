//! Bulk requests (RFC 7644 section 3.7): operations split to the provider's limits, `bulkId`
//! references resolved across chunks, one result per operation.

use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::profile::BulkSupport;
use crate::{ScimClient, ScimError};

/// Schema URN of Bulk requests.
pub const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

impl ScimClient {
    /// Sends Bulk operations, split to the provider's `maxOperations` and `maxPayloadSize`.
    /// `bulkId:` references to resources created in an earlier chunk are replaced by their ids.
    /// Returns one result per operation, in order.
    pub async fn bulk(
        &self,
        operations: &[BulkOperation],
        limits: &BulkSupport,
    ) -> Result<Vec<BulkResult>, ScimError> {
        let url = self.endpoint_url("Bulk")?;
        let max_ops = limits.max_operations.max(1) as usize;
        let max_bytes = if limits.max_payload_size == 0 {
            u64::MAX
        } else {
            limits.max_payload_size
        };
        let mut created: Vec<(String, String)> = Vec::new();
        let mut results = Vec::with_capacity(operations.len());
        let mut i = 0;
        while i < operations.len() {
            let mut chunk = Vec::new();
            let mut size = 200u64;
            while i < operations.len() && chunk.len() < max_ops {
                let op = operations[i].resolved(&created).to_value();
                let op_size = op.to_string().len() as u64 + 1;
                if !chunk.is_empty() && size + op_size > max_bytes {
                    break;
                }
                size += op_size;
                chunk.push(op);
                i += 1;
            }
            let n = chunk.len();
            let body =
                // No failOnErrors: the provider goes on after a refused record (RFC 7644 3.7.3).
                json!({"schemas": [BULK_REQUEST_SCHEMA], "Operations": chunk});
            let reply = self
                .send_with(Method::POST, url.clone(), Some(&body), &[])
                .await?;
            let resp = reply.body.unwrap_or(Value::Null);
            let ops = resp
                .get("Operations")
                .or_else(|| resp.get("operations"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for k in 0..n {
                let r = ops.get(k).cloned().unwrap_or(Value::Null);
                let status = match r.get("status") {
                    Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
                    Some(Value::Number(n)) => n.as_u64().unwrap_or(0) as u16,
                    Some(Value::Object(o)) => o
                        .get("code")
                        .and_then(Value::as_str)
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0),
                    _ => 0,
                };
                let location = r
                    .get("location")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let id = location
                    .as_deref()
                    .and_then(|l| l.rsplit('/').next())
                    .map(str::to_string);
                let op_index = results.len();
                if let (Some(bulk_id), Some(id)) = (&operations[op_index].bulk_id, &id) {
                    created.push((bulk_id.clone(), id.clone()));
                }
                results.push(BulkResult {
                    status,
                    location,
                    id,
                    response: r.get("response").cloned(),
                });
            }
        }
        Ok(results)
    }
}

/// One Bulk operation.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkOperation {
    pub method: String,
    pub path: String,
    pub bulk_id: Option<String>,
    pub version: Option<String>,
    pub data: Option<Value>,
}

impl BulkOperation {
    /// `POST path` creating a resource known as `bulk_id` to later operations.
    pub fn create(path: &str, bulk_id: &str, data: Value) -> Self {
        BulkOperation {
            method: "POST".into(),
            path: format!("/{}", path.trim_start_matches('/')),
            bulk_id: Some(bulk_id.into()),
            version: None,
            data: Some(data),
        }
    }

    fn resolved(&self, created: &[(String, String)]) -> BulkOperation {
        let mut op = self.clone();
        if created.is_empty() {
            return op;
        }
        let replace = |s: &str| {
            let mut out = s.to_string();
            for (bulk_id, id) in created {
                out = out.replace(&format!("bulkId:{bulk_id}"), id);
            }
            out
        };
        op.path = replace(&op.path);
        if let Some(d) = &op.data {
            let text = replace(&d.to_string());
            op.data = serde_json::from_str(&text).ok().or(op.data);
        }
        op
    }

    fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("method".into(), json!(self.method));
        m.insert("path".into(), json!(self.path));
        if let Some(b) = &self.bulk_id {
            m.insert("bulkId".into(), json!(b));
        }
        if let Some(v) = &self.version {
            m.insert("version".into(), json!(v));
        }
        if let Some(d) = &self.data {
            m.insert("data".into(), d.clone());
        }
        Value::Object(m)
    }
}

/// The outcome of one Bulk operation.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkResult {
    pub status: u16,
    pub location: Option<String>,
    /// The id from `location`, for creates.
    pub id: Option<String>,
    /// The error response, when the operation failed.
    pub response: Option<Value>,
}

impl BulkResult {
    /// True for a 2xx status.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}
