//! The SCIM operations beyond discovery: queries, paging, conditional reads and writes, PATCH,
//! Bulk (RFC 7644 sections 3.3 to 3.7, RFC 9865 cursors).

use std::collections::{HashSet, VecDeque};

use reqwest::{header, Method};
use serde_json::{json, Map, Value};
use tokio::task::JoinHandle;

use crate::client::{list_page_of, Reply};
use crate::profile::{BulkSupport, CapabilityProfile};
use crate::{ListPage, ScimClient, ScimError};

/// Schema URN of /.search requests.
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// Schema URN of Bulk requests.
pub const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Ascending,
    Descending,
}

/// The query part of a list or search request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<SortOrder>,
    pub attributes: Vec<String>,
    pub excluded_attributes: Vec<String>,
    pub count: Option<u32>,
}

/// Which page to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest {
    /// 1-based `startIndex`.
    Index(u64),
    /// RFC 9865: `cursor` (empty for the first page).
    Cursor(Option<String>),
}

/// What a write stored, with the HTTP status the provider answered it with (for the audit log:
/// the provider's real answer, never an assumed one).
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub status: u16,
    pub resource: Value,
}

/// A resource read with its ETag, or "not modified" for a matching If-None-Match.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    Resource {
        resource: Value,
        etag: Option<String>,
    },
    NotModified,
}

impl ListQuery {
    fn query_pairs(&self, page: &PageRequest) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(f) = &self.filter {
            q.push(("filter", f.clone()));
        }
        if let Some(s) = &self.sort_by {
            q.push(("sortBy", s.clone()));
        }
        if let Some(o) = self.sort_order {
            q.push((
                "sortOrder",
                match o {
                    SortOrder::Ascending => "ascending",
                    SortOrder::Descending => "descending",
                }
                .to_string(),
            ));
        }
        if !self.attributes.is_empty() {
            q.push(("attributes", self.attributes.join(",")));
        }
        if !self.excluded_attributes.is_empty() {
            q.push(("excludedAttributes", self.excluded_attributes.join(",")));
        }
        match page {
            PageRequest::Index(i) => q.push(("startIndex", i.to_string())),
            PageRequest::Cursor(c) => q.push(("cursor", c.clone().unwrap_or_default())),
        }
        if let Some(c) = self.count {
            q.push(("count", c.to_string()));
        }
        q
    }

    fn search_body(&self, page: &PageRequest) -> Value {
        let mut m = Map::new();
        m.insert("schemas".into(), json!([SEARCH_REQUEST_SCHEMA]));
        for (k, v) in self.query_pairs(page) {
            let v = match k {
                "attributes" | "excludedAttributes" => {
                    json!(v.split(',').collect::<Vec<_>>())
                }
                "startIndex" | "count" => json!(v.parse::<u64>().unwrap_or(1)),
                _ => json!(v),
            };
            m.insert(k.to_string(), v);
        }
        Value::Object(m)
    }
}

/// `endpoint/id` with the (opaque) id escaped for a URL path.
pub(crate) fn id_path(endpoint: &str, id: &str) -> String {
    // Ids are opaque strings: escape what would break the path.
    let escaped: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    format!(
        "{}/{}",
        endpoint.trim_end_matches('/'),
        escaped.replace('+', "%20")
    )
}

impl ScimClient {
    /// One page of `GET endpoint?...`.
    pub async fn list(
        &self,
        endpoint: &str,
        query: &ListQuery,
        page: &PageRequest,
    ) -> Result<ListPage, ScimError> {
        let mut url = self.endpoint_url(endpoint)?;
        {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query.query_pairs(page) {
                pairs.append_pair(k, &v);
            }
        }
        let reply = self.send_with(Method::GET, url.clone(), None, &[]).await?;
        let body = reply.body.ok_or_else(|| ScimError::Malformed {
            url: url.to_string(),
            reason: "the list response was empty".into(),
        })?;
        Ok(list_page_of(&body))
    }

    /// One page of `POST endpoint/.search`.
    pub async fn search(
        &self,
        endpoint: &str,
        query: &ListQuery,
        page: &PageRequest,
    ) -> Result<ListPage, ScimError> {
        let url = self.endpoint_url(&format!("{}/.search", endpoint.trim_end_matches('/')))?;
        let body = query.search_body(page);
        let reply = self
            .send_with(Method::POST, url.clone(), Some(&body), &[])
            .await?;
        let body = reply.body.ok_or_else(|| ScimError::Malformed {
            url: url.to_string(),
            reason: "the search response was empty".into(),
        })?;
        Ok(list_page_of(&body))
    }

    /// GET one resource with `attributes`/`excludedAttributes` and If-None-Match.
    pub async fn fetch(
        &self,
        endpoint: &str,
        id: &str,
        attributes: &[&str],
        excluded_attributes: &[&str],
        if_none_match: Option<&str>,
    ) -> Result<Fetched, ScimError> {
        let mut url = self.endpoint_url(&id_path(endpoint, id))?;
        if !attributes.is_empty() {
            url.query_pairs_mut()
                .append_pair("attributes", &attributes.join(","));
        }
        if !excluded_attributes.is_empty() {
            url.query_pairs_mut()
                .append_pair("excludedAttributes", &excluded_attributes.join(","));
        }
        let headers: Vec<(header::HeaderName, String)> = if_none_match
            .map(|e| vec![(header::IF_NONE_MATCH, e.to_string())])
            .unwrap_or_default();
        let reply = self
            .send_with(Method::GET, url.clone(), None, &headers)
            .await?;
        if reply.status == 304 {
            return Ok(Fetched::NotModified);
        }
        let header_etag = reply.etag;
        let resource = reply.body.ok_or_else(|| ScimError::Malformed {
            url: url.to_string(),
            reason: "the resource was empty".into(),
        })?;
        let etag = etag_of(header_etag, &resource);
        Ok(Fetched::Resource { resource, etag })
    }

    /// PUT a whole resource (If-Match when `if_match` is given). A 412 comes back as
    /// [`ScimError::PreconditionFailed`] carrying the server's current version.
    pub async fn replace(
        &self,
        endpoint: &str,
        id: &str,
        resource: &Value,
        if_match: Option<&str>,
    ) -> Result<Value, ScimError> {
        self.replace_written(endpoint, id, resource, if_match)
            .await
            .map(|w| w.resource)
    }

    /// [`ScimClient::replace`], with the status the provider answered the PUT with.
    pub async fn replace_written(
        &self,
        endpoint: &str,
        id: &str,
        resource: &Value,
        if_match: Option<&str>,
    ) -> Result<Written, ScimError> {
        let reply = self
            .conditional(Method::PUT, endpoint, id, Some(resource), if_match)
            .await?;
        let resource = match reply.body {
            // Some servers answer 200 with an empty or partial body: read the stored state.
            Some(v) if v.get("id").is_some() => v,
            _ => self.get(endpoint, id).await?,
        };
        Ok(Written {
            status: reply.status,
            resource,
        })
    }

    /// PATCH with a PatchOp body. Servers answer 200 with the resource or 204 without; after a
    /// 204 the resource is read again so the caller always gets the stored state.
    pub async fn patch(
        &self,
        endpoint: &str,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Result<Value, ScimError> {
        self.patch_written(endpoint, id, body, if_match)
            .await
            .map(|w| w.resource)
    }

    /// [`ScimClient::patch`], with the status the provider answered the PATCH with (not the
    /// read that may follow a 204).
    pub async fn patch_written(
        &self,
        endpoint: &str,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Result<Written, ScimError> {
        let reply = self
            .conditional(Method::PATCH, endpoint, id, Some(body), if_match)
            .await?;
        let resource = match reply.body {
            // An empty or partial body (200 with `{}`) is not the stored state: read it.
            Some(v) if v.get("id").is_some() => v,
            _ => self.get(endpoint, id).await?,
        };
        Ok(Written {
            status: reply.status,
            resource,
        })
    }

    /// DELETE with If-Match when given.
    pub async fn delete_if(
        &self,
        endpoint: &str,
        id: &str,
        if_match: Option<&str>,
    ) -> Result<(), ScimError> {
        self.delete_written(endpoint, id, if_match)
            .await
            .map(|_| ())
    }

    /// [`ScimClient::delete_if`], returning the status the provider answered.
    pub async fn delete_written(
        &self,
        endpoint: &str,
        id: &str,
        if_match: Option<&str>,
    ) -> Result<u16, ScimError> {
        self.conditional(Method::DELETE, endpoint, id, None, if_match)
            .await
            .map(|r| r.status)
    }

    async fn conditional(
        &self,
        method: Method,
        endpoint: &str,
        id: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<Reply, ScimError> {
        let url = self.endpoint_url(&id_path(endpoint, id))?;
        let headers: Vec<(header::HeaderName, String)> = if_match
            .map(|e| vec![(header::IF_MATCH, e.to_string())])
            .unwrap_or_default();
        match self.send_with(method, url.clone(), body, &headers).await {
            Err(ScimError::Http { status: 412, .. }) => {
                let current = self.get(endpoint, id).await.ok().map(Box::new);
                Err(ScimError::PreconditionFailed {
                    url: url.to_string(),
                    current,
                })
            }
            other => other,
        }
    }

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

/// The resource's version: `meta.version`, else the ETag header. Whether it means anything is
/// the profile's call (Express adds a body-hash ETag to SCIMMY's answers, which has no ETags).
fn etag_of(header_etag: Option<String>, resource: &Value) -> Option<String> {
    resource
        .get("meta")
        .and_then(|m| m.get("version"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or(header_etag)
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

/// Why a pager stopped. Only [`PagerEnd::Complete`] means the read reached what the provider
/// announced; every other end is a short read, and a copy made from it is incomplete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PagerEnd {
    /// Reached `totalResults`, or the provider's own end (an empty page, a repeated page or the
    /// last cursor) when it announced no total.
    Complete,
    /// A page came back empty before `totalResults` was reached.
    EmptyPage,
    /// A page repeated an earlier one before `totalResults` was reached.
    RepeatedPage,
    /// The provider gave no next cursor before `totalResults` was reached.
    CursorEnded,
}

/// How one paged read ended: why it stopped, how many resources it read and how many the
/// provider announced (`totalResults`, when it said).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadOutcome {
    pub end: PagerEnd,
    pub read: u64,
    pub announced: Option<u64>,
}

impl ReadOutcome {
    /// True when the read reached what the provider announced.
    pub fn is_complete(&self) -> bool {
        self.end == PagerEnd::Complete
    }
}

/// An index page in flight: its startIndex, the count asked for, and the request.
type PendingPage = (u64, u32, JoinHandle<Result<ListPage, ScimError>>);

/// Streams every resource of an endpoint page by page, with cursor paging where the provider
/// has it, else index paging with several pages in flight. Memory holds only the pages in
/// flight. Stops on totalResults, on an empty page and on a repeated page, and records which
/// ([`Pager::outcome`]): a read that stopped before the announced total is never complete.
///
/// Providers get paging wrong in ways the pager corrects as it reads:
/// - fewer resources than asked for while more remain (its own page-size cap): asked again
///   from where its answer ended, so a capped page leaves no gap;
/// - a `totalResults` that is too small (the size of one page, say): the end is confirmed by
///   one more page; resources found there mean the total is wrong, and the read goes on to the
///   provider's own end, an empty page ([`Pager::total_was_wrong`]);
/// - `startIndex` counted from 0 (asked for 1, the first record is skipped): a read one short
///   asks for index 0 once, and a record not seen before there is the missing first one
///   ([`Pager::found_zero_based`]).
pub struct Pager {
    client: ScimClient,
    endpoint: String,
    query: ListQuery,
    cursor_mode: bool,
    page_size: u32,
    in_flight: usize,
    /// The index of the first record: 1, or 0 for a provider known to count from 0.
    first_index: u64,
    next_index: u64,
    cursor: Option<String>,
    seen_cursors: HashSet<String>,
    first_ids: HashSet<String>,
    /// The id of the record that opened the read (at `first_index`).
    opening_id: Option<String>,
    total: Option<u64>,
    /// Records came after the announced total: it is not used to stop.
    total_wrong: bool,
    /// Confirm a reached total with one more page.
    confirm_total: bool,
    confirming: bool,
    zero_based_found: bool,
    received: u64,
    pending: VecDeque<PendingPage>,
    end: Option<PagerEnd>,
    pages: u64,
}

impl Pager {
    /// A pager over `endpoint` following `profile`.
    pub fn new(
        client: &ScimClient,
        endpoint: &str,
        query: ListQuery,
        profile: &CapabilityProfile,
    ) -> Self {
        let cursor_mode = profile.paging.cursor;
        let page_size = query.count.unwrap_or(profile.paging.page_size).max(1);
        let first_index = if profile.paging.zero_based_index {
            0
        } else {
            1
        };
        Pager {
            client: client.clone(),
            endpoint: endpoint.to_string(),
            query: ListQuery {
                count: Some(page_size),
                ..query
            },
            cursor_mode,
            page_size,
            in_flight: if cursor_mode {
                1
            } else {
                profile.paging.max_in_flight.max(1) as usize
            },
            first_index,
            next_index: first_index,
            cursor: None,
            seen_cursors: HashSet::new(),
            first_ids: HashSet::new(),
            opening_id: None,
            total: None,
            total_wrong: profile.paging.total_unreliable,
            confirm_total: true,
            confirming: false,
            zero_based_found: false,
            received: 0,
            pending: VecDeque::new(),
            end: None,
            pages: 0,
        }
    }

    /// Trusts a reached `totalResults` without asking for one more page (for many small reads,
    /// such as one person's groups, where the extra request would double the work), unless
    /// the provider is known to announce wrong totals.
    pub fn trusting_total(mut self) -> Self {
        self.confirm_total = self.total_wrong;
        self
    }

    /// totalResults, once the first page said it.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// Resources handed out so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Pages read so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Why the pager stopped, once it has.
    pub fn end(&self) -> Option<PagerEnd> {
        self.end
    }

    /// True when records came after the announced total (a wrong `totalResults`, or a
    /// directory that grew while it was read): the read went on to the provider's own end.
    pub fn total_was_wrong(&self) -> bool {
        self.total_wrong && self.total.is_some()
    }

    /// True when the provider turned out to count `startIndex` from 0.
    pub fn found_zero_based(&self) -> bool {
        self.zero_based_found
    }

    /// How the read ended, once it has.
    pub fn outcome(&self) -> Option<ReadOutcome> {
        self.end.map(|end| ReadOutcome {
            end,
            read: self.received,
            announced: self.total,
        })
    }

    /// The total to stop on: none when it proved wrong.
    fn limit(&self) -> Option<u64> {
        self.total.filter(|_| !self.total_wrong)
    }

    fn spawn_request(&mut self, start: u64, count: u32, front: bool) {
        let client = self.client.clone();
        let endpoint = self.endpoint.clone();
        let query = ListQuery {
            count: Some(count),
            ..self.query.clone()
        };
        let handle = tokio::spawn(async move {
            client
                .list(&endpoint, &query, &PageRequest::Index(start))
                .await
        });
        if front {
            self.pending.push_front((start, count, handle));
        } else {
            self.pending.push_back((start, count, handle));
        }
    }

    fn spawn_index(&mut self) {
        let start = self.next_index;
        self.next_index += u64::from(self.page_size);
        self.spawn_request(start, self.page_size, false);
    }

    fn more_index_pages_expected(&self) -> bool {
        match self.limit() {
            Some(t) => self.next_index - self.first_index < t,
            None => self.pending.is_empty(),
        }
    }

    /// Ends the read: complete when the total was reached or none was announced, else `short`.
    fn stop(&mut self, short: PagerEnd) {
        self.end = Some(match self.limit() {
            Some(t) if self.received < t => short,
            _ => PagerEnd::Complete,
        });
        self.abort_pending();
    }

    /// A read that came back exactly one short from 1: is the missing record at index 0? (A
    /// provider counting from 0 skips its first record when asked for 1.) The record, when it
    /// is one not seen before.
    async fn missing_first(&mut self) -> Option<Value> {
        let t = self.limit()?;
        if self.cursor_mode || self.first_index != 1 || self.received + 1 != t {
            return None;
        }
        let opening = self.opening_id.clone()?;
        let query = ListQuery {
            count: Some(1),
            ..self.query.clone()
        };
        // A provider following the RFC reads 0 as 1 (or refuses it): nothing new either way.
        let page = self
            .client
            .list(&self.endpoint, &query, &PageRequest::Index(0))
            .await
            .ok()?;
        let first = page.resources.into_iter().next()?;
        let id = first.get("id").map(|v| v.to_string())?;
        if id == opening || self.first_ids.contains(&id) {
            return None;
        }
        self.zero_based_found = true;
        Some(first)
    }

    /// The next page of resources, or `None` at the end.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Value>>, ScimError> {
        if self.end.is_some() {
            self.abort_pending();
            return Ok(None);
        }
        let (page, asked) = if self.cursor_mode {
            let req = PageRequest::Cursor(self.cursor.clone());
            (
                self.client.list(&self.endpoint, &self.query, &req).await?,
                None,
            )
        } else {
            if self.pending.is_empty() {
                self.spawn_index();
            }
            let Some((start, count, handle)) = self.pending.pop_front() else {
                return Ok(None);
            };
            let page = handle.await.map_err(|e| ScimError::Malformed {
                url: self.endpoint.clone(),
                reason: format!("a page request failed: {e}"),
            })??;
            (page, Some((start, count)))
        };
        self.pages += 1;
        if self.total.is_none() {
            self.total = page.total_results;
        }
        if page.resources.is_empty() {
            if let Some(first) = self.missing_first().await {
                self.received += 1;
                self.stop(PagerEnd::EmptyPage);
                return Ok(Some(vec![first]));
            }
            self.stop(PagerEnd::EmptyPage);
            return Ok(None);
        }
        // A page whose first resource opened an earlier page is a repeat.
        let first_id = page.resources[0]
            .get("id")
            .map(|v| v.to_string())
            .unwrap_or_default();
        if asked.is_some_and(|(start, _)| start == self.first_index) && !first_id.is_empty() {
            self.opening_id = Some(first_id.clone());
        }
        if !first_id.is_empty() && !self.first_ids.insert(first_id) {
            self.stop(PagerEnd::RepeatedPage);
            return Ok(None);
        }
        // Every resource is kept, even past the announced total (a directory that grew while
        // it was read, or a total that is wrong): dropping them would leave real people out of
        // a "complete" copy. From then on the read goes on to the provider's own end.
        let resources = page.resources;
        let n = resources.len() as u64;
        if self.limit().is_some_and(|t| self.received >= t) {
            self.total_wrong = true;
        }
        self.received += n;
        if self.cursor_mode {
            match page.next_cursor {
                Some(c) if !c.is_empty() && self.seen_cursors.insert(c.clone()) => {
                    self.cursor = Some(c)
                }
                _ => self.stop(PagerEnd::CursorEnded),
            }
        } else {
            if let Some((start, asked)) = asked {
                let offset = start - self.first_index;
                let short_of_asked = n < u64::from(asked);
                match self.limit() {
                    // Fewer than asked while more remain: the provider caps its pages. Ask
                    // again from where this answer ended, and for no more than it gives.
                    Some(t) if short_of_asked && offset + n < t => {
                        let rest = u32::try_from(u64::from(asked) - n).unwrap_or(asked);
                        self.spawn_request(start + n, rest, true);
                        self.page_size = self.page_size.min(u32::try_from(n).unwrap_or(1).max(1));
                    }
                    Some(_) => {}
                    // No total to go by: one page at a time, each from where the last ended,
                    // until an empty page.
                    None => {
                        self.next_index = start + n;
                        if short_of_asked {
                            self.page_size =
                                self.page_size.min(u32::try_from(n).unwrap_or(1).max(1));
                        }
                    }
                }
            }
            if let Some(t) = self.limit() {
                if self.received >= t {
                    if self.confirm_total && !self.confirming {
                        // Confirm the end with one more page from where the records ended.
                        self.confirming = true;
                        self.abort_pending();
                        self.next_index = self.first_index + self.received;
                        self.spawn_index();
                    } else {
                        self.end = Some(PagerEnd::Complete);
                    }
                }
            }
            while self.end.is_none()
                && self.pending.len() < self.in_flight
                && self.more_index_pages_expected()
            {
                self.spawn_index();
            }
        }
        if self.end.is_some() {
            self.abort_pending();
        }
        Ok(Some(resources))
    }

    fn abort_pending(&mut self) {
        for (_, _, h) in self.pending.drain(..) {
            h.abort();
        }
    }

    /// Reads every page into one vector (small directories, tests).
    pub async fn collect_all(mut self) -> Result<Vec<Value>, ScimError> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page);
        }
        Ok(all)
    }
}

impl Drop for Pager {
    fn drop(&mut self) {
        self.abort_pending();
    }
}
