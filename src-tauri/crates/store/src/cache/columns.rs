//! The columns each cached resource is stored with, taken from the SCIM record as received
//! (names, e-mail, department, manager, phone…), and the orders and searches over them.

use serde_json::Value;

/// The columns extracted from a resource for sorting, filtering and search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    pub id: String,
    pub external_id: Option<String>,
    pub user_name: Option<String>,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    /// Every email value, newline-separated (for "any email" filters).
    pub emails: Option<String>,
    pub department: Option<String>,
    pub title: Option<String>,
    pub active: Option<bool>,
    pub manager_id: Option<String>,
    pub last_modified: Option<String>,
    pub version: Option<String>,
    /// The primary (or first) phone number, as written.
    pub phone: Option<String>,
    /// Every phone number as digits only, newline-separated (for the quick search).
    pub phone_digits: Option<String>,
    pub employee_number: Option<String>,
    pub cost_center: Option<String>,
    /// The city of the primary (or first) address.
    pub locality: Option<String>,
}

/// The cache columns holding an [`Extracted`], in its order (`r.`-prefixed for reads).
pub(crate) const STORED: [&str; 19] = [
    "id",
    "external_id",
    "user_name",
    "display_name",
    "given_name",
    "family_name",
    "email",
    "emails",
    "department",
    "title",
    "active",
    "manager_id",
    "last_modified",
    "version",
    "phone",
    "phone_digits",
    "employee_number",
    "cost_center",
    "locality",
];

impl Extracted {
    /// The columns as stored, read from `row` starting at column `first` (in [`STORED`]'s
    /// order): what the write extracted, not extracted again.
    pub(crate) fn from_row(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Self> {
        let at = |i: usize| first + i;
        Ok(Extracted {
            id: row.get(at(0))?,
            external_id: row.get(at(1))?,
            user_name: row.get(at(2))?,
            display_name: row.get(at(3))?,
            given_name: row.get(at(4))?,
            family_name: row.get(at(5))?,
            email: row.get(at(6))?,
            emails: row.get(at(7))?,
            department: row.get(at(8))?,
            title: row.get(at(9))?,
            active: row.get(at(10))?,
            manager_id: row.get(at(11))?,
            last_modified: row.get(at(12))?,
            version: row.get(at(13))?,
            phone: row.get(at(14))?,
            phone_digits: row.get(at(15))?,
            employee_number: row.get(at(16))?,
            cost_center: row.get(at(17))?,
            locality: row.get(at(18))?,
        })
    }
}

/// The primary entry of a multi-valued attribute, or its first.
pub(crate) fn primary(list: &[Value]) -> Option<&Value> {
    list.iter()
        .find(|e| get_ci(e, "primary").is_some_and(|p| p == true || p == "True" || p == "true"))
        .or_else(|| list.first())
}

/// A phone number's digits, for matching however it was written.
pub fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

pub(crate) fn get_ci<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let m = v.as_object()?;
    // A record's objects hold a few to a few dozen keys: one pass comparing them (lengths
    // first) costs less than hashing the key, and a missing key needed the pass anyway. An
    // exact match wins over one differing only in case.
    if m.len() > SCANNED_KEYS {
        return m.get(key).or_else(|| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        });
    }
    let mut folded = None;
    for (k, v) in m {
        if k.len() != key.len() {
            continue;
        }
        if k == key {
            return Some(v);
        }
        if folded.is_none() && k.eq_ignore_ascii_case(key) {
            folded = Some(v);
        }
    }
    folded
}

/// Up to this many keys, [`get_ci`] compares keys instead of hashing (sample users have about
/// 20 at the top; a SipHash of a key costs about as much as 20 length comparisons).
const SCANNED_KEYS: usize = 48;

pub(crate) fn s(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Extracts the common columns from a resource as received.
pub fn extract(v: &Value) -> Extracted {
    let name = get_ci(v, "name");
    let emails = get_ci(v, "emails").and_then(Value::as_array);
    let email = emails.and_then(|list| primary(list).and_then(|e| s(get_ci(e, "value"))));
    let phones = get_ci(v, "phoneNumbers").and_then(Value::as_array);
    let addresses = get_ci(v, "addresses").and_then(Value::as_array);
    let ent = get_ci(v, ENTERPRISE);
    let meta = get_ci(v, "meta");
    Extracted {
        id: s(get_ci(v, "id")).unwrap_or_default(),
        external_id: s(get_ci(v, "externalId")),
        user_name: s(get_ci(v, "userName")),
        display_name: s(get_ci(v, "displayName")),
        given_name: name.and_then(|n| s(get_ci(n, "givenName"))),
        family_name: name.and_then(|n| s(get_ci(n, "familyName"))),
        email,
        emails: emails.map(|list| {
            list.iter()
                .filter_map(|e| s(get_ci(e, "value")))
                .collect::<Vec<_>>()
                .join("\n")
        }),
        department: ent.and_then(|e| s(get_ci(e, "department"))),
        title: s(get_ci(v, "title")),
        active: match get_ci(v, "active") {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(x)) => Some(!x.eq_ignore_ascii_case("false")),
            _ => None,
        },
        manager_id: ent
            .and_then(|e| get_ci(e, "manager"))
            .and_then(|m| s(get_ci(m, "value"))),
        last_modified: meta.and_then(|m| s(get_ci(m, "lastModified"))),
        version: meta.and_then(|m| s(get_ci(m, "version"))),
        phone: phones.and_then(|list| primary(list).and_then(|p| s(get_ci(p, "value")))),
        phone_digits: phones.map(|list| {
            list.iter()
                .filter_map(|p| s(get_ci(p, "value")))
                .map(|p| digits(&p))
                .collect::<Vec<_>>()
                .join("\n")
        }),
        employee_number: ent.and_then(|e| s(get_ci(e, "employeeNumber"))),
        cost_center: ent.and_then(|e| s(get_ci(e, "costCenter"))),
        locality: addresses.and_then(|list| {
            list.iter()
                .filter(|a| get_ci(a, "locality").is_some())
                .find(|a| get_ci(a, "primary").is_some_and(|p| p == true))
                .or_else(|| list.iter().find(|a| get_ci(a, "locality").is_some()))
                .and_then(|a| s(get_ci(a, "locality")))
        }),
    }
}

/// The collation that orders numbers within text by value, ignoring case.
pub(crate) const NATURAL: &str = "natural_order";

/// Orders "Team 2" before "Team 10", case-insensitively.
pub(crate) fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
    alphanumeric_sort::compare_str(a.to_lowercase(), b.to_lowercase()).then_with(|| a.cmp(b))
}

/// The digits of a quick search that looks like a phone number (digits with spaces, dashes,
/// dots, brackets or a plus, at least four digits), for matching every way one is written.
pub fn phone_search(input: &str) -> Option<String> {
    let t = input.trim();
    let phone_like = t
        .chars()
        .all(|c| c.is_ascii_digit() || " +-.()/".contains(c));
    let d = digits(t);
    (phone_like && d.len() >= 4).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_key_is_found_in_any_case_and_an_exact_match_wins_in_small_and_large_objects() {
        let small = json!({"USERNAME": "upper", "userName": "exact", "Title": "Boss"});
        assert_eq!(get_ci(&small, "userName"), Some(&json!("exact")));
        assert_eq!(get_ci(&small, "username"), Some(&json!("upper")));
        assert_eq!(get_ci(&small, "title"), Some(&json!("Boss")));
        assert_eq!(get_ci(&small, "titles"), None);
        assert_eq!(get_ci(&json!("not an object"), "title"), None);

        let mut large = serde_json::Map::new();
        for i in 0..(SCANNED_KEYS + 10) {
            large.insert(format!("k{i}"), json!(i));
        }
        large.insert("USERNAME".into(), json!("upper"));
        large.insert("userName".into(), json!("exact"));
        let large = Value::Object(large);
        assert_eq!(get_ci(&large, "userName"), Some(&json!("exact")));
        assert_eq!(get_ci(&large, "Username"), Some(&json!("upper")));
        assert_eq!(get_ci(&large, "K3"), Some(&json!(3)));
        assert_eq!(get_ci(&large, "missing"), None);
    }

    #[test]
    fn the_columns_of_a_record_written_in_other_cases_are_extracted() {
        let e = extract(&json!({
            "ID": "u1", "USERNAME": "ada", "Name": {"GivenName": "Ada"},
            "Emails": [{"Value": "a@x.org"}, {"value": "b@x.org", "Primary": true}],
            (ENTERPRISE): {"Department": "R&D", "MANAGER": {"value": "m1"}},
            "active": "False"
        }));
        assert_eq!(e.id, "u1");
        assert_eq!(e.user_name.as_deref(), Some("ada"));
        assert_eq!(e.given_name.as_deref(), Some("Ada"));
        assert_eq!(e.email.as_deref(), Some("b@x.org"));
        assert_eq!(e.emails.as_deref(), Some("a@x.org\nb@x.org"));
        assert_eq!(e.department.as_deref(), Some("R&D"));
        assert_eq!(e.manager_id.as_deref(), Some("m1"));
        assert_eq!(e.active, Some(false));
    }
}
