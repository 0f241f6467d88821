//! The HTTP face: `/{tenant}/scim/v2/...` routes, the bearer token, SCIM media type, ETags
//! and `If-Match`/`If-None-Match`, Location on create, and Bulk.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, Query as QueryParams, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::directory::{check_if_match, etag, Directory, Endpoint};
use crate::discovery::{self, BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA};
use crate::error::Refusal;
use crate::list::{self, Query};
use crate::{patch, MAX_BULK_OPERATIONS};

/// One tenant: its token and its directory.
#[derive(Debug)]
pub struct Tenant {
    pub token: String,
    pub directory: Mutex<Directory>,
}

pub type Tenants = Arc<HashMap<String, Tenant>>;

pub fn router(tenants: Tenants) -> Router {
    Router::new()
        .route("/{tenant}/scim/v2/ServiceProviderConfig", get(spc))
        .route("/{tenant}/scim/v2/ResourceTypes", get(resource_types))
        .route("/{tenant}/scim/v2/ResourceTypes/{name}", get(resource_type))
        .route("/{tenant}/scim/v2/Schemas", get(schemas))
        .route("/{tenant}/scim/v2/Schemas/{id}", get(schema))
        .route("/{tenant}/scim/v2/Bulk", post(bulk))
        .route(
            "/{tenant}/scim/v2/{endpoint}",
            get(list_resources).post(create),
        )
        .route("/{tenant}/scim/v2/{endpoint}/.search", post(search))
        .route(
            "/{tenant}/scim/v2/{endpoint}/{id}",
            get(read).put(replace).patch(patch_resource).delete(delete),
        )
        .fallback(|| async { Refusal::not_found("this address") })
        .with_state(tenants)
}

/// The tenant named in the path, when the request carries its token.
fn tenant<'t>(
    tenants: &'t Tenants,
    name: &str,
    headers: &HeaderMap,
) -> Result<&'t Tenant, Refusal> {
    let t = tenants
        .get(name)
        .ok_or_else(|| Refusal::not_found(&format!("the tenant {name}")))?;
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
        });
    if given != Some(t.token.as_str()) {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            None,
            "a valid bearer token is required",
        ));
    }
    Ok(t)
}

fn lock(t: &Tenant) -> Result<std::sync::MutexGuard<'_, Directory>, Refusal> {
    t.directory.lock().map_err(|_| {
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "the directory is unavailable after an earlier failure",
        )
    })
}

fn endpoint(segment: &str) -> Result<Endpoint, Refusal> {
    Endpoint::from_path(segment)
        .ok_or_else(|| Refusal::not_found(&format!("the endpoint /{segment}")))
}

fn scim(status: StatusCode, body: &Value, version: Option<u64>) -> Response {
    let mut r = (status, axum::Json(body)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/scim+json"),
    );
    if let Some(v) = version.and_then(|v| HeaderValue::from_str(&etag(v)).ok()) {
        h.insert(header::ETAG, v);
    }
    r
}

fn parse_body(body: &Bytes) -> Result<Value, Refusal> {
    serde_json::from_slice(body)
        .map_err(|e| Refusal::invalid_syntax(format!("the request body is not JSON: {e}")))
}

fn if_match(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok())
}

type Reply = Result<Response, Refusal>;

async fn spc(State(ts): State<Tenants>, Path(t): Path<String>, h: HeaderMap) -> Reply {
    let base = lock(tenant(&ts, &t, &h)?)?.base().to_string();
    Ok(scim(
        StatusCode::OK,
        &discovery::service_provider_config(&base),
        None,
    ))
}

fn base_of(ts: &Tenants, t: &str, h: &HeaderMap) -> Result<String, Refusal> {
    Ok(lock(tenant(ts, t, h)?)?.base().to_string())
}

/// One discovery document by its `id`.
fn one(docs: Vec<Value>, id: &str, what: &str) -> Reply {
    docs.into_iter()
        .find(|d| d["id"] == id)
        .map(|d| scim(StatusCode::OK, &d, None))
        .ok_or_else(|| Refusal::not_found(&format!("the {what} {id}")))
}

async fn resource_types(State(ts): State<Tenants>, Path(t): Path<String>, h: HeaderMap) -> Reply {
    let docs = discovery::resource_types(&base_of(&ts, &t, &h)?);
    Ok(scim(StatusCode::OK, &discovery::list(docs), None))
}

async fn resource_type(
    State(ts): State<Tenants>,
    Path((t, name)): Path<(String, String)>,
    h: HeaderMap,
) -> Reply {
    one(
        discovery::resource_types(&base_of(&ts, &t, &h)?),
        &name,
        "resource type",
    )
}

async fn schemas(State(ts): State<Tenants>, Path(t): Path<String>, h: HeaderMap) -> Reply {
    let docs = discovery::schemas(&base_of(&ts, &t, &h)?);
    Ok(scim(StatusCode::OK, &discovery::list(docs), None))
}

async fn schema(
    State(ts): State<Tenants>,
    Path((t, id)): Path<(String, String)>,
    h: HeaderMap,
) -> Reply {
    one(discovery::schemas(&base_of(&ts, &t, &h)?), &id, "schema")
}

async fn list_resources(
    State(ts): State<Tenants>,
    Path((t, e)): Path<(String, String)>,
    QueryParams(q): QueryParams<Query>,
    h: HeaderMap,
) -> Reply {
    let e = endpoint(&e)?;
    let all = lock(tenant(&ts, &t, &h)?)?.all(e);
    Ok(scim(StatusCode::OK, &list::run(all, &q)?, None))
}

async fn search(
    State(ts): State<Tenants>,
    Path((t, e)): Path<(String, String)>,
    h: HeaderMap,
    body: Bytes,
) -> Reply {
    let e = endpoint(&e)?;
    let tenant = tenant(&ts, &t, &h)?;
    let v = parse_body(&body)?;
    let join = |key: &str| -> Option<String> {
        match v.get(key) {
            Some(Value::Array(a)) => Some(
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        }
    };
    let q = Query {
        filter: v.get("filter").and_then(Value::as_str).map(str::to_string),
        sort_by: v.get("sortBy").and_then(Value::as_str).map(str::to_string),
        sort_order: v
            .get("sortOrder")
            .and_then(Value::as_str)
            .map(str::to_string),
        start_index: v.get("startIndex").and_then(Value::as_i64),
        count: v.get("count").and_then(Value::as_i64),
        attributes: join("attributes"),
        excluded_attributes: join("excludedAttributes"),
    };
    let all = lock(tenant)?.all(e);
    Ok(scim(StatusCode::OK, &list::run(all, &q)?, None))
}

async fn read(
    State(ts): State<Tenants>,
    Path((t, e, id)): Path<(String, String, String)>,
    QueryParams(q): QueryParams<Query>,
    h: HeaderMap,
) -> Reply {
    let e = endpoint(&e)?;
    let (r, version) = lock(tenant(&ts, &t, &h)?)?
        .get(e, &id)
        .ok_or_else(|| Refusal::not_found(&format!("{} {id}", e.resource_type())))?;
    let unchanged = h
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag(version)));
    if unchanged {
        let mut resp = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&etag(version)) {
            resp.headers_mut().insert(header::ETAG, v);
        }
        return Ok(resp);
    }
    Ok(scim(StatusCode::OK, &list::project(r, &q), Some(version)))
}

async fn create(
    State(ts): State<Tenants>,
    Path((t, e)): Path<(String, String)>,
    h: HeaderMap,
    body: Bytes,
) -> Reply {
    let e = endpoint(&e)?;
    let tenant = tenant(&ts, &t, &h)?;
    let v = parse_body(&body)?;
    let (r, version) = lock(tenant)?.create(e, v)?;
    let mut resp = scim(StatusCode::CREATED, &r, Some(version));
    if let Some(loc) = r["meta"]["location"]
        .as_str()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(resp)
}

async fn replace(
    State(ts): State<Tenants>,
    Path((t, e, id)): Path<(String, String, String)>,
    h: HeaderMap,
    body: Bytes,
) -> Reply {
    let e = endpoint(&e)?;
    let tenant = tenant(&ts, &t, &h)?;
    let v = parse_body(&body)?;
    let (r, version) = lock(tenant)?.replace(e, &id, v, if_match(&h))?;
    Ok(scim(StatusCode::OK, &r, Some(version)))
}

async fn patch_resource(
    State(ts): State<Tenants>,
    Path((t, e, id)): Path<(String, String, String)>,
    h: HeaderMap,
    body: Bytes,
) -> Reply {
    let e = endpoint(&e)?;
    let tenant = tenant(&ts, &t, &h)?;
    let ops = parse_body(&body)?;
    let mut dir = lock(tenant)?;
    let (r, version) = patch_in(&mut dir, e, &id, &ops, if_match(&h))?;
    Ok(scim(StatusCode::OK, &r, Some(version)))
}

fn patch_in(
    dir: &mut Directory,
    e: Endpoint,
    id: &str,
    ops: &Value,
    if_match: Option<&str>,
) -> Result<(Value, u64), Refusal> {
    let (mut stored, version) = dir
        .stored(e, id)
        .ok_or_else(|| Refusal::not_found(&format!("{} {id}", e.resource_type())))?;
    // A stale version is refused before the operations are looked at.
    check_if_match(if_match, version)?;
    patch::apply(&mut stored, ops)?;
    dir.replace(e, id, stored, None)
}

async fn delete(
    State(ts): State<Tenants>,
    Path((t, e, id)): Path<(String, String, String)>,
    h: HeaderMap,
) -> Reply {
    let e = endpoint(&e)?;
    lock(tenant(&ts, &t, &h)?)?.delete(e, &id, if_match(&h))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Replaces `bulkId:ID` strings anywhere in `v` by the ids created earlier in the request.
fn resolve_bulk_ids(v: &mut Value, created: &HashMap<String, String>) -> Result<(), String> {
    match v {
        Value::String(s) => {
            if let Some(bulk_id) = s.strip_prefix("bulkId:") {
                *s = created.get(bulk_id).cloned().ok_or_else(|| {
                    format!("bulkId:{bulk_id} does not name an earlier operation")
                })?;
            }
            Ok(())
        }
        Value::Array(a) => a.iter_mut().try_for_each(|i| resolve_bulk_ids(i, created)),
        Value::Object(o) => o
            .values_mut()
            .try_for_each(|i| resolve_bulk_ids(i, created)),
        _ => Ok(()),
    }
}

/// Bulk (RFC 7644 section 3.7): operations in order, `bulkId` references, `failOnErrors`.
async fn bulk(
    State(ts): State<Tenants>,
    Path(t): Path<String>,
    h: HeaderMap,
    body: Bytes,
) -> Reply {
    let tenant = tenant(&ts, &t, &h)?;
    let req = parse_body(&body)?;
    let schemas_ok = req["schemas"]
        .as_array()
        .is_some_and(|s| s.iter().any(|v| v == BULK_REQUEST_SCHEMA));
    let ops = req
        .get("Operations")
        .and_then(Value::as_array)
        .filter(|_| schemas_ok)
        .ok_or_else(|| Refusal::invalid_syntax("a Bulk request lists its Operations"))?;
    if ops.len() > MAX_BULK_OPERATIONS {
        return Err(Refusal::too_many(format!(
            "a Bulk request holds at most {MAX_BULK_OPERATIONS} operations"
        )));
    }
    let fail_on = req.get("failOnErrors").and_then(Value::as_u64);
    let mut dir = lock(tenant)?;
    let mut created: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    let mut errors = 0u64;
    for op in ops {
        if fail_on.is_some_and(|n| errors >= n) {
            break;
        }
        let method = op["method"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let bulk_id = op.get("bulkId").and_then(Value::as_str);
        let mut path = op["path"].as_str().unwrap_or_default().to_string();
        let mut data = op.get("data").cloned().unwrap_or(Value::Null);
        let result = (|| -> Result<(StatusCode, Option<(Value, u64)>), Refusal> {
            let mut p = Value::String(path.clone());
            resolve_bulk_ids(&mut p, &created).map_err(Refusal::invalid_value)?;
            resolve_bulk_ids(&mut data, &created).map_err(Refusal::invalid_value)?;
            path = p.as_str().unwrap_or_default().to_string();
            let mut parts = path.trim_start_matches('/').splitn(2, '/');
            let e = endpoint(parts.next().unwrap_or_default())?;
            let id = parts.next();
            let version = op.get("version").and_then(Value::as_str);
            match (method.as_str(), id) {
                ("POST", None) => Ok((StatusCode::CREATED, Some(dir.create(e, data.clone())?))),
                ("PUT", Some(id)) => Ok((
                    StatusCode::OK,
                    Some(dir.replace(e, id, data.clone(), version)?),
                )),
                ("PATCH", Some(id)) => Ok((
                    StatusCode::OK,
                    Some(patch_in(&mut dir, e, id, &data, version)?),
                )),
                ("DELETE", Some(id)) => {
                    dir.delete(e, id, version)?;
                    Ok((StatusCode::NO_CONTENT, None))
                }
                _ => Err(Refusal::invalid_syntax(format!(
                    "{method} {path} is not a Bulk operation this provider runs"
                ))),
            }
        })();
        let mut entry = json!({"method": method});
        if let Some(b) = bulk_id {
            entry["bulkId"] = json!(b);
        }
        match result {
            Ok((status, resource)) => {
                entry["status"] = json!(status.as_u16().to_string());
                if let Some((r, version)) = resource {
                    let id = r["id"].as_str().unwrap_or_default().to_string();
                    if let (Some(b), "POST") = (bulk_id, method.as_str()) {
                        created.insert(b.to_string(), id);
                    }
                    entry["location"] = r["meta"]["location"].clone();
                    entry["version"] = json!(etag(version));
                }
            }
            Err(refusal) => {
                errors += 1;
                entry["status"] = json!(refusal.status.as_u16().to_string());
                entry["response"] = refusal.body();
            }
        }
        out.push(entry);
    }
    Ok(scim(
        StatusCode::OK,
        &json!({"schemas": [BULK_RESPONSE_SCHEMA], "Operations": out}),
        None,
    ))
}
