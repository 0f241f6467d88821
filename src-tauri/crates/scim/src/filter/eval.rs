//! Evaluates a filter against a resource (used offline, over the cache, and to apply filters
//! locally for providers that do not support them).
//!
//! Semantics follow RFC 7644 section 3.4.2.2: attribute names ignore case; a filter on a
//! multi-valued attribute matches when any value matches; a complex multi-valued attribute
//! compared without a sub-attribute compares its `value`; string comparisons ignore case unless
//! the attribute is caseExact; date-times compare as instants.

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{AttrPath, CompValue, CompareOp, Filter};

/// Says whether an attribute compares strings exactly (its schema's `caseExact`).
pub type CaseExact<'a> = &'a dyn Fn(&AttrPath) -> bool;

/// caseExact of the core schema for the attributes that have it: `id`, `externalId`, `$ref`
/// and `meta.location`; everything else ignores case.
pub fn default_case_exact(path: &AttrPath) -> bool {
    let leaf = path.sub.as_deref().unwrap_or(&path.name);
    leaf.eq_ignore_ascii_case("$ref")
        || (path.sub.is_none()
            && (path.name.eq_ignore_ascii_case("id")
                || path.name.eq_ignore_ascii_case("externalId")))
        || (path.name.eq_ignore_ascii_case("meta") && leaf.eq_ignore_ascii_case("location"))
}

/// True when `resource` matches `filter`.
pub fn matches(filter: &Filter, resource: &Value, case_exact: CaseExact<'_>) -> bool {
    eval(filter, resource, case_exact, None)
}

fn get_ci<'v>(obj: &'v Value, key: &str) -> Option<&'v Value> {
    let map = obj.as_object()?;
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The object an attribute path starts from: an extension object when the URN names one the
/// resource has, the resource itself otherwise (the core schema URN).
fn base<'v>(resource: &'v Value, path: &AttrPath) -> &'v Value {
    match &path.urn {
        Some(urn) => get_ci(resource, urn).unwrap_or(resource),
        None => resource,
    }
}

fn flatten<'v>(v: &'v Value, out: &mut Vec<&'v Value>) {
    match v {
        Value::Array(items) => out.extend(items.iter()),
        Value::Null => {}
        other => out.push(other),
    }
}

/// Every value at `path` (multi-valued attributes flattened).
fn values_at<'v>(resource: &'v Value, path: &AttrPath) -> Vec<&'v Value> {
    let mut top = Vec::new();
    if let Some(v) = get_ci(base(resource, path), &path.name) {
        flatten(v, &mut top);
    }
    match &path.sub {
        Some(sub) => {
            let mut out = Vec::new();
            for t in top {
                if let Some(v) = get_ci(t, sub) {
                    flatten(v, &mut out);
                }
            }
            out
        }
        // `emails co "x"` means `emails.value co "x"` for complex values.
        None => top
            .into_iter()
            .map(|t| match t {
                Value::Object(_) => get_ci(t, "value").unwrap_or(t),
                other => other,
            })
            .collect(),
    }
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

fn cmp_ord(op: CompareOp, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        CompareOp::Eq => ord == Equal,
        CompareOp::Ne => ord != Equal,
        CompareOp::Gt => ord == Greater,
        CompareOp::Ge => ord != Less,
        CompareOp::Lt => ord == Less,
        CompareOp::Le => ord != Greater,
        _ => false,
    }
}

fn compare_one(v: &Value, op: CompareOp, want: &CompValue, exact: bool) -> bool {
    match (v, want) {
        (Value::String(have), CompValue::String(want)) => {
            if matches!(
                op,
                CompareOp::Eq
                    | CompareOp::Ne
                    | CompareOp::Gt
                    | CompareOp::Ge
                    | CompareOp::Lt
                    | CompareOp::Le
            ) {
                if let (Some(a), Some(b)) = (parse_time(have), parse_time(want)) {
                    return cmp_ord(op, a.cmp(&b));
                }
            }
            let (a, b) = if exact {
                (have.clone(), want.clone())
            } else {
                (have.to_lowercase(), want.to_lowercase())
            };
            match op {
                CompareOp::Co => a.contains(&b),
                CompareOp::Sw => a.starts_with(&b),
                CompareOp::Ew => a.ends_with(&b),
                _ => cmp_ord(op, a.cmp(&b)),
            }
        }
        (Value::Number(a), CompValue::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => a.partial_cmp(&b).is_some_and(|o| cmp_ord(op, o)),
            _ => false,
        },
        (Value::Bool(a), CompValue::Bool(b)) => match op {
            CompareOp::Eq => a == b,
            CompareOp::Ne => a != b,
            _ => false,
        },
        // Some providers send booleans as "True"/"False".
        (Value::String(s), CompValue::Bool(b)) => match s.to_ascii_lowercase().as_str() {
            "true" | "false" => {
                let a = s.eq_ignore_ascii_case("true");
                match op {
                    CompareOp::Eq => a == *b,
                    CompareOp::Ne => a != *b,
                    _ => false,
                }
            }
            _ => false,
        },
        _ => false,
    }
}

fn eval(
    filter: &Filter,
    resource: &Value,
    case_exact: CaseExact<'_>,
    parent: Option<&AttrPath>,
) -> bool {
    // Inside `emails[...]`, paths are relative to one value; caseExact looks at `emails.sub`.
    let qualified = |p: &AttrPath| -> AttrPath {
        match parent {
            Some(parent) => AttrPath {
                urn: parent.urn.clone(),
                name: parent.name.clone(),
                sub: Some(p.name.clone()),
            },
            None => p.clone(),
        }
    };
    match filter {
        Filter::And(a, b) => {
            eval(a, resource, case_exact, parent) && eval(b, resource, case_exact, parent)
        }
        Filter::Or(a, b) => {
            eval(a, resource, case_exact, parent) || eval(b, resource, case_exact, parent)
        }
        Filter::Not(a) => !eval(a, resource, case_exact, parent),
        Filter::Present(path) => values_at(resource, path).into_iter().any(present),
        Filter::Compare { path, op, value } => {
            let values = values_at(resource, path);
            let exact = case_exact(&qualified(path));
            match (op, value) {
                (CompareOp::Eq, CompValue::Null) => !values.into_iter().any(present),
                (CompareOp::Ne, CompValue::Null) => values.into_iter().any(present),
                // `ne` holds when no value equals (also when the attribute is absent).
                (CompareOp::Ne, _) => !values
                    .into_iter()
                    .any(|v| compare_one(v, CompareOp::Eq, value, exact)),
                _ => values
                    .into_iter()
                    .any(|v| compare_one(v, *op, value, exact)),
            }
        }
        Filter::ValuePath { path, filter } => {
            let mut items = Vec::new();
            if let Some(v) = get_ci(base(resource, path), &path.name) {
                flatten(v, &mut items);
            }
            items
                .into_iter()
                .any(|item| eval(filter, item, case_exact, Some(path)))
        }
    }
}
