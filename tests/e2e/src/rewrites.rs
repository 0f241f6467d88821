//! How the quirk proxy reads and rewrites what passes through it: attributes a provider does
//! not keep, e-mails it refuses, paging it caps or counts from 0, filters it refuses, member
//! adds it limits, `lastModified` it leaves out.

/// Takes `dropped` attributes out of a resource (`title`, `emails.type`, `urn:…:department`).
pub(crate) fn drop_attributes(v: &mut serde_json::Value, dropped: &[&str]) {
    let Some(m) = v.as_object_mut() else { return };
    for d in dropped {
        let ext = d.to_ascii_lowercase().starts_with("urn:");
        let split = if ext {
            d.rfind(':').map(|i| (&d[..i], &d[i + 1..]))
        } else {
            d.split_once('.')
        };
        match split {
            None => {
                m.remove(*d);
            }
            Some((parent, child)) => match m.get_mut(parent) {
                Some(serde_json::Value::Object(o)) => {
                    o.remove(child);
                }
                Some(serde_json::Value::Array(items)) => {
                    for i in items
                        .iter_mut()
                        .filter_map(serde_json::Value::as_object_mut)
                    {
                        i.remove(child);
                    }
                }
                _ => {}
            },
        }
    }
}

/// Takes out of a PatchOp the operations on `dropped` attributes, and those attributes from
/// the values of the others.
pub(crate) fn drop_from_patch(v: &mut serde_json::Value, dropped: &[&str]) {
    let Some(ops) = v
        .get_mut("Operations")
        .and_then(serde_json::Value::as_array_mut)
    else {
        return;
    };
    ops.retain(|op| {
        let path = op
            .get("path")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("");
        let general = match (path.find('['), path.find(']')) {
            (Some(i), Some(j)) if j > i => format!("{}{}", &path[..i], &path[j + 1..]),
            _ => path.to_string(),
        };
        !dropped.iter().any(|d| {
            general.eq_ignore_ascii_case(d)
                || general
                    .split(['.', '['])
                    .next()
                    .is_some_and(|top| top.eq_ignore_ascii_case(d))
        })
    });
    for op in ops.iter_mut() {
        let path = op
            .get("path")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string);
        if let Some(value) = op.get_mut("value") {
            match path {
                // A value for one attribute: its sub-attributes that are dropped.
                Some(p) => {
                    let mut wrapped = serde_json::json!({ p.clone(): value.take() });
                    drop_attributes(&mut wrapped, dropped);
                    *value = wrapped.get(&p).cloned().unwrap_or(serde_json::Value::Null);
                }
                None => drop_attributes(value, dropped),
            }
        }
    }
    ops.retain(|op| op.get("value").is_none_or(|v| !v.is_null()) || op["op"] == "remove");
}

/// The first e-mail address with a character outside ASCII in a write's body, if any.
pub(crate) fn refused_email(method: &str, body: &[u8]) -> Option<String> {
    if !["POST", "PUT", "PATCH"].contains(&method) {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let mut found = None;
    find_emails(&v, false, &mut found);
    found
}

fn find_emails(v: &serde_json::Value, in_emails: bool, found: &mut Option<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let emails = in_emails || k.eq_ignore_ascii_case("emails");
                if in_emails && k == "value" {
                    if let Some(s) = x.as_str().filter(|s| !s.is_ascii()) {
                        found.get_or_insert_with(|| s.to_string());
                    }
                }
                // A PatchOp on emails: {"path": "emails", "value": [...]}.
                let patch_on_emails = m
                    .get("path")
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(|p| p.to_ascii_lowercase().starts_with("emails"));
                find_emails(x, emails || (patch_on_emails && k == "value"), found);
            }
        }
        serde_json::Value::Array(items) => {
            for i in items {
                if in_emails {
                    if let Some(s) = i.as_str().filter(|s| !s.is_ascii()) {
                        found.get_or_insert_with(|| s.to_string());
                    }
                }
                find_emails(i, in_emails, found);
            }
        }
        _ => {}
    }
}

/// `count=N` in a list request lowered to at most `max`.
pub(crate) fn cap_count(path: &str, max: u32) -> String {
    let Some((base, query)) = path.split_once('?') else {
        return path.to_string();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some(("count", n)) => format!("count={}", n.parse::<u32>().unwrap_or(max).min(max)),
            _ => kv.to_string(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

/// The `startIndex` a list request asked for.
pub(crate) fn start_index(path: &str) -> Option<u64> {
    let (_, query) = path.split_once('?')?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "startIndex")
        .and_then(|(_, v)| v.parse().ok())
}

/// `startIndex=K` read as an offset from 0: the provider's K is the standard's K+1.
pub(crate) fn shift_start_index(path: &str) -> String {
    let Some((base, query)) = path.split_once('?') else {
        return path.to_string();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some(("startIndex", n)) => format!("startIndex={}", n.parse::<u64>().unwrap_or(0) + 1),
            _ => kv.to_string(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

/// The attribute and value of a list request filtered by one `attr eq "value"`.
pub(crate) fn exact_eq(path: &str) -> Option<(String, String)> {
    let (_, query) = path.split_once('?')?;
    let (_, f) = url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "filter")?;
    let (attr, rest) = f.split_once(' ')?;
    let value = rest.strip_prefix("eq \"")?.strip_suffix('"')?;
    Some((attr.to_string(), value.to_string()))
}

/// Takes `meta.lastModified` out of a record or of every record of a list.
pub(crate) fn strip_last_modified(v: &mut serde_json::Value) {
    if let Some(list) = v
        .get_mut("Resources")
        .and_then(serde_json::Value::as_array_mut)
    {
        for r in list {
            strip_last_modified(r);
        }
    }
    if let Some(meta) = v.get_mut("meta").and_then(serde_json::Value::as_object_mut) {
        meta.remove("lastModified");
    }
}

/// True when a list request filters on an attribute outside `allowed` (anywhere in the filter).
pub(crate) fn filter_refused(path: &str, allowed: &[&str]) -> bool {
    let Some((_, query)) = path.split_once('?') else {
        return false;
    };
    url::form_urlencoded::parse(query.as_bytes()).any(|(k, f)| {
        if k != "filter" {
            return false;
        }
        let Ok(filter) = scim_client::filter::parse(&f) else {
            return true;
        };
        filter
            .paths()
            .iter()
            .any(|p| !allowed.iter().any(|a| a.eq_ignore_ascii_case(&p.dotted())))
    })
}

/// How many members a PatchOp body adds.
pub(crate) fn member_adds(body: &[u8]) -> usize {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return 0;
    };
    v["Operations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| {
            o["op"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case("add"))
                && o["path"].as_str() == Some("members")
        })
        .filter_map(|o| o["value"].as_array())
        .map(Vec::len)
        .sum()
}
