//! Queries (RFC 7644 section 3.4.2): filter, sort, index paging with `totalResults`, and the
//! `attributes`/`excludedAttributes` projection, over one endpoint's resources.

use std::cmp::Ordering;

use scim_client::filter::{self, default_case_exact, AttrPath};
use serde_json::{json, Map, Value};

use crate::discovery::LIST_SCHEMA;
use crate::error::Refusal;
use crate::MAX_PAGE;

/// The query parameters of a list or `.search` request.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Query {
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

/// The value a resource sorts by: for a multi-valued attribute its primary value, else its
/// first; strings without case.
fn sort_key(resource: &Value, path: &AttrPath) -> Option<String> {
    let container = match &path.urn {
        Some(urn) => get_ci(resource, urn)?,
        None => resource,
    };
    let mut v = get_ci(container, &path.name)?;
    if let Some(items) = v.as_array() {
        v = items
            .iter()
            .find(|i| i.get("primary").and_then(Value::as_bool) == Some(true))
            .or_else(|| items.first())?;
        if path.sub.is_none() {
            v = v.get("value").unwrap_or(v);
        }
    }
    if let Some(sub) = &path.sub {
        v = get_ci(v, sub)?;
    }
    match v {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn get_ci<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let o = v.as_object()?;
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Runs `q` over `resources` (in creation order) and builds the ListResponse.
pub fn run(resources: Vec<Value>, q: &Query) -> Result<Value, Refusal> {
    let mut found: Vec<Value> = match q.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => {
            let parsed = filter::parse(f).map_err(|e| Refusal::invalid_filter(e.to_string()))?;
            resources
                .into_iter()
                .filter(|r| filter::matches(&parsed, r, &default_case_exact))
                .collect()
        }
        None => resources,
    };
    if let Some(by) = q.sort_by.as_deref().filter(|s| !s.is_empty()) {
        let path =
            AttrPath::parse(by).map_err(|e| Refusal::invalid_value(format!("sortBy: {e}")))?;
        let descending = match q
            .sort_order
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("ascending") => false,
            Some("descending") => true,
            Some(other) => {
                return Err(Refusal::invalid_value(format!(
                    "sortOrder is ascending or descending, not {other:?}"
                )))
            }
        };
        let mut keyed: Vec<(Option<String>, Value)> = found
            .into_iter()
            .map(|r| (sort_key(&r, &path), r))
            .collect();
        // Stable: equal keys keep creation order. Resources without a value come last.
        keyed.sort_by(|(a, _), (b, _)| match (a, b) {
            (Some(a), Some(b)) if descending => b.cmp(a),
            (Some(a), Some(b)) => a.cmp(b),
            (None, None) => Ordering::Equal,
            (None, _) => Ordering::Greater,
            (_, None) => Ordering::Less,
        });
        found = keyed.into_iter().map(|(_, r)| r).collect();
    }
    let total = found.len();
    let start = q.start_index.unwrap_or(1).max(1);
    let count = q.count.unwrap_or(100).clamp(0, MAX_PAGE as i64);
    let page: Vec<Value> = found
        .into_iter()
        .skip(usize::try_from(start - 1).unwrap_or(usize::MAX))
        .take(usize::try_from(count).unwrap_or(0))
        .map(|r| project(r, q))
        .collect();
    Ok(json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": page.len(),
        "Resources": page,
    }))
}

/// The `attributes` / `excludedAttributes` projection of one resource; `id`, `schemas` and
/// `meta` are always returned.
pub fn project(resource: Value, q: &Query) -> Value {
    let names = |s: &Option<String>| -> Vec<String> {
        s.as_deref()
            .unwrap_or_default()
            .split(',')
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect()
    };
    let (only, without) = (names(&q.attributes), names(&q.excluded_attributes));
    if only.is_empty() && without.is_empty() {
        return resource;
    }
    let Value::Object(obj) = resource else {
        return resource;
    };
    let always = ["id", "schemas", "meta"];
    let top = |n: &str| -> String {
        // `name.givenName` -> `name`; a URN-prefixed name keeps its URN.
        match n.rsplit_once(':') {
            Some((urn, rest)) => format!("{urn}:{}", rest.split('.').next().unwrap_or(rest)),
            None => n.split('.').next().unwrap_or(n).to_string(),
        }
    };
    let mut out = Map::new();
    for (k, v) in obj {
        let is = |list: &Vec<String>| {
            list.iter().any(|n| {
                let t = top(n);
                t.eq_ignore_ascii_case(&k)
                    || t.to_ascii_lowercase()
                        .starts_with(&format!("{}:", k.to_ascii_lowercase()))
            })
        };
        let keep = always.iter().any(|a| a.eq_ignore_ascii_case(&k))
            || (if only.is_empty() { true } else { is(&only) }) && !is(&without);
        if keep {
            out.insert(k, v);
        }
    }
    Value::Object(out)
}
