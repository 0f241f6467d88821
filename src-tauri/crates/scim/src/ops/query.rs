//! The query of a list or search request (filter, sort, attributes, page) and one page of its
//! answer, read leniently (RFC 7644 sections 3.4.2 and 3.4.3, RFC 9865 cursors).

use serde_json::{json, Map, Value};

/// Schema URN of /.search requests.
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

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

impl ListQuery {
    pub(crate) fn query_pairs(&self, page: &PageRequest) -> Vec<(&'static str, String)> {
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

    pub(crate) fn search_body(&self, page: &PageRequest) -> Value {
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

/// One page of a list response, read leniently (`Resources` or `resources`, missing counts).
#[derive(Debug, Clone, Default)]
pub struct ListPage {
    pub total_results: Option<u64>,
    pub start_index: Option<u64>,
    pub items_per_page: Option<u64>,
    pub next_cursor: Option<String>,
    pub resources: Vec<Value>,
}

/// The resource list of a list response, tolerating the lowercase `resources` key.
/// A list response's resources, moved out of it (a page of 100 users is not copied).
pub(crate) fn resources_of(mut v: Value) -> Vec<Value> {
    let key = if v.get("Resources").is_some() {
        "Resources"
    } else {
        "resources"
    };
    match v.get_mut(key).map(Value::take) {
        Some(Value::Array(list)) => list,
        _ => Vec::new(),
    }
}

fn as_u64_lenient(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn list_page_of(v: Value) -> ListPage {
    ListPage {
        total_results: as_u64_lenient(v.get("totalResults")),
        start_index: as_u64_lenient(v.get("startIndex")),
        items_per_page: as_u64_lenient(v.get("itemsPerPage")),
        next_cursor: v
            .get("nextCursor")
            .and_then(Value::as_str)
            .map(str::to_string),
        resources: resources_of(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_pages_accept_lowercase_keys_and_string_numbers() {
        let v: Value =
            serde_json::from_str(r#"{"totalResults":"3","resources":[{"id":"a"}],"startIndex":1}"#)
                .unwrap();
        let p = list_page_of(v);
        assert_eq!(p.total_results, Some(3));
        assert_eq!(p.start_index, Some(1));
        assert_eq!(p.resources.len(), 1);
    }
}
