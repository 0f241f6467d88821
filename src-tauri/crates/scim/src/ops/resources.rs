//! Reading and writing resources: lists, searches, conditional reads, creates, replaces,
//! PATCH and deletes, each with the status and version the provider answered.

use reqwest::{header, Method};
use serde_json::Value;

use super::query::{list_page_of, resources_of, ListPage, ListQuery, PageRequest};
use crate::client::Reply;
use crate::{ScimClient, ScimError};

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
        Ok(list_page_of(body))
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
        Ok(list_page_of(body))
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
        self.write_stored(Method::PUT, endpoint, id, resource, if_match)
            .await
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
        self.write_stored(Method::PATCH, endpoint, id, body, if_match)
            .await
    }

    /// A conditional PUT or PATCH and what the provider then holds: its answer, or, when that
    /// is empty or partial (200 with `{}`, 204), the record read again.
    async fn write_stored(
        &self,
        method: Method,
        endpoint: &str,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Result<Written, ScimError> {
        let reply = self
            .conditional(method, endpoint, id, Some(body), if_match)
            .await?;
        let resource = match reply.body {
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

    /// GET /ServiceProviderConfig.
    pub async fn service_provider_config(&self) -> Result<Value, ScimError> {
        self.get_json("ServiceProviderConfig", &[]).await
    }

    /// GET /ResourceTypes, as the raw list of resource type documents.
    pub async fn resource_types(&self) -> Result<Vec<Value>, ScimError> {
        let v = self.get_json("ResourceTypes", &[]).await?;
        Ok(resources_of(v))
    }

    /// GET /Schemas, as the raw list of schema documents.
    pub async fn schemas(&self) -> Result<Vec<Value>, ScimError> {
        let v = self.get_json("Schemas", &[]).await?;
        Ok(resources_of(v))
    }

    /// One list page by index paging.
    pub async fn list_page(
        &self,
        endpoint: &str,
        start_index: u64,
        count: u64,
        filter: Option<&str>,
    ) -> Result<ListPage, ScimError> {
        let query = crate::ListQuery {
            filter: filter.map(str::to_string),
            count: Some(u32::try_from(count).unwrap_or(u32::MAX)),
            ..Default::default()
        };
        self.list(endpoint, &query, &crate::PageRequest::Index(start_index))
            .await
    }

    /// GET one resource by endpoint and id.
    pub async fn get(&self, endpoint: &str, id: &str) -> Result<Value, ScimError> {
        let path = crate::ops::id_path(endpoint, id);
        self.get_json(&path, &[]).await
    }

    /// POST a new resource; returns what the server stored.
    pub async fn create(&self, endpoint: &str, resource: &Value) -> Result<Value, ScimError> {
        self.create_written(endpoint, resource)
            .await
            .map(|w| w.resource)
    }

    /// [`ScimClient::create`], with the status the provider answered.
    pub async fn create_written(
        &self,
        endpoint: &str,
        resource: &Value,
    ) -> Result<crate::Written, ScimError> {
        let url = self.endpoint_url(endpoint)?;
        let reply = self
            .send_with(Method::POST, url.clone(), Some(resource), &[])
            .await?;
        let body = reply.body.unwrap_or(Value::Null);
        if !body.is_object() {
            return Err(ScimError::Malformed {
                url: url.to_string(),
                reason: "a create answered without the created resource".into(),
            });
        }
        Ok(crate::Written {
            status: reply.status,
            resource: body,
        })
    }

    /// DELETE a resource.
    pub async fn delete(&self, endpoint: &str, id: &str) -> Result<(), ScimError> {
        self.delete_if(endpoint, id, None).await
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
