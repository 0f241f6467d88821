//! The one table of the directory's columns: for each, the SCIM attribute it comes from, the
//! cache column that holds it, the words people read, and what it is used for (the grid and
//! exports, sorting, filters translated to SQL, the window's filter builder). Sorting, the filter
//! translation, the grid, the filter builder and the CLI read it; adding a column is a row here
//! (with the extraction of its value in `columns.rs` and a migration for a new cache column).

/// What a column holds, for comparing and for the filter builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Text compared ignoring case.
    Text,
    /// Text compared exactly (`id`, `externalId`).
    Exact,
    Bool,
    /// A date and time (compared as instants).
    Time,
    /// A count (computed, not stored).
    Count,
}

/// Which records a column belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum For {
    Users,
    Groups,
    Both,
}

/// One column of the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Its key in a grid row and in the window (`userName`, `employeeNumber`).
    pub key: &'static str,
    /// The heading people read.
    pub label: &'static str,
    /// The SCIM attribute it comes from, as a filter names it.
    pub attribute: &'static str,
    /// The cache column holding it (none: computed, such as a group's member count).
    pub sql: Option<&'static str>,
    pub value: ValueType,
    pub of: For,
    /// A column of the grid and of exports.
    pub grid: bool,
    /// Shown in the grid until the person picks columns (what fits a laptop screen).
    pub shown: bool,
    /// The list can be sorted by it.
    pub sort: bool,
    /// A filter on `attribute` is the same as one on the cache column (single-valued, stored
    /// whole), so it runs in SQL.
    pub sql_filter: bool,
    /// Offered in the window's filter builder, with these words.
    pub builder: Option<&'static str>,
    /// Listed by the CLI's `users` and `groups`, under this heading (scripts read it: keep it).
    pub cli: Option<&'static str>,
}

const ENTERPRISE_DEPARTMENT: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
const ENTERPRISE_MANAGER: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value";
const ENTERPRISE_EMPLOYEE_NUMBER: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber";
const ENTERPRISE_COST_CENTER: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter";

/// The sort key of groups by their number of members (not a column: counted).
pub const MEMBER_COUNT: &str = "member_count";

const fn col(key: &'static str, label: &'static str, attribute: &'static str) -> Column {
    Column {
        key,
        label,
        attribute,
        sql: None,
        value: ValueType::Text,
        of: For::Users,
        grid: true,
        shown: false,
        sort: true,
        sql_filter: false,
        builder: None,
        cli: None,
    }
}

/// Every column, in the grid's order.
pub const COLUMNS: &[Column] = &[
    Column {
        sql: Some("id"),
        value: ValueType::Exact,
        of: For::Both,
        grid: false,
        sort: false,
        sql_filter: true,
        cli: Some("id"),
        ..col("id", "Id", "id")
    },
    Column {
        sql: Some("user_name"),
        shown: true,
        sql_filter: true,
        builder: Some("User name"),
        cli: Some("userName"),
        ..col("userName", "User name", "userName")
    },
    Column {
        sql: Some("display_name"),
        shown: true,
        sql_filter: true,
        builder: Some("Display name"),
        cli: Some("displayName"),
        ..col("displayName", "Name", "displayName")
    },
    Column {
        sql: Some("display_name"),
        of: For::Groups,
        shown: true,
        sql_filter: true,
        builder: Some("Name"),
        cli: Some("displayName"),
        ..col("displayName", "Group", "displayName")
    },
    Column {
        sql: Some("given_name"),
        grid: false,
        sql_filter: true,
        builder: Some("First name"),
        cli: Some("givenName"),
        ..col("givenName", "First name", "name.givenName")
    },
    Column {
        sql: Some("family_name"),
        grid: false,
        sql_filter: true,
        builder: Some("Last name"),
        cli: Some("familyName"),
        ..col("familyName", "Last name", "name.familyName")
    },
    // The primary address in the column; a filter matches any address (in SQL over the list).
    Column {
        sql: Some("email"),
        shown: true,
        builder: Some("Email"),
        cli: Some("email"),
        ..col("email", "Email", "emails.value")
    },
    Column {
        sql: Some("phone"),
        ..col("phone", "Phone", "phoneNumbers.value")
    },
    Column {
        sql: Some("department"),
        shown: true,
        sql_filter: true,
        builder: Some("Department"),
        cli: Some("department"),
        ..col("department", "Department", ENTERPRISE_DEPARTMENT)
    },
    Column {
        sql: Some("title"),
        shown: true,
        sql_filter: true,
        builder: Some("Title"),
        cli: Some("title"),
        ..col("title", "Title", "title")
    },
    // Shown by name (looked up); sorted by nothing; filtered on the manager's id.
    Column {
        sql: Some("manager_id"),
        sort: false,
        sql_filter: true,
        ..col("manager", "Manager", ENTERPRISE_MANAGER)
    },
    Column {
        sql: Some("employee_number"),
        ..col(
            "employeeNumber",
            "Employee number",
            ENTERPRISE_EMPLOYEE_NUMBER,
        )
    },
    Column {
        sql: Some("cost_center"),
        ..col("costCenter", "Cost center", ENTERPRISE_COST_CENTER)
    },
    Column {
        sql: Some("locality"),
        ..col("location", "City", "addresses.locality")
    },
    Column {
        sql: Some("active"),
        value: ValueType::Bool,
        shown: true,
        sql_filter: true,
        builder: Some("Active"),
        cli: Some("active"),
        ..col("active", "Status", "active")
    },
    Column {
        sql: None,
        value: ValueType::Count,
        of: For::Groups,
        shown: true,
        cli: Some("members"),
        ..col("memberCount", "Members", "members")
    },
    Column {
        of: For::Groups,
        shown: true,
        sort: false,
        ..col("description", "Description", "description")
    },
    Column {
        sql: Some("last_modified"),
        value: ValueType::Time,
        of: For::Both,
        sql_filter: true,
        builder: Some("Last modified"),
        ..col("lastModified", "Last modified", "meta.lastModified")
    },
    Column {
        sql: Some("external_id"),
        value: ValueType::Exact,
        of: For::Users,
        sql_filter: true,
        builder: Some("External id"),
        ..col("externalId", "External id", "externalId")
    },
    Column {
        sql: Some("external_id"),
        value: ValueType::Exact,
        of: For::Groups,
        sql_filter: true,
        builder: Some("External id"),
        cli: Some("externalId"),
        ..col("externalId", "External id", "externalId")
    },
];

impl Column {
    /// True for a column of users (`group: false`) or of groups.
    pub fn is_for(&self, group: bool) -> bool {
        match self.of {
            For::Both => true,
            For::Users => !group,
            For::Groups => group,
        }
    }

    /// The key a list is sorted by: its cache column, or the member count.
    pub fn sort_key(&self) -> Option<&'static str> {
        if !self.sort {
            return None;
        }
        match self.value {
            ValueType::Count => Some(MEMBER_COUNT),
            _ => self.sql,
        }
    }
}

/// True when a list can be sorted by `key` (a cache column or the member count).
pub fn is_sort_key(key: &str) -> bool {
    COLUMNS.iter().any(|c| c.sort_key() == Some(key))
}

/// The column holding SCIM attribute `attribute` (`name.familyName`, `urn:…:department`),
/// compared ignoring case.
pub fn column_of_attribute(attribute: &str) -> Option<&'static Column> {
    COLUMNS
        .iter()
        .find(|c| c.attribute.eq_ignore_ascii_case(attribute))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_the_table_names_is_a_column_of_the_cache() {
        let db = crate::Database::open_in_memory().unwrap();
        let mut stmt = db.conn().prepare("PRAGMA table_info(resources)").unwrap();
        let stored: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(1))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for c in COLUMNS {
            if let Some(sql) = c.sql {
                assert!(stored.iter().any(|s| s == sql), "{} reads {sql}", c.key);
            }
        }
    }

    #[test]
    fn keys_are_unique_for_each_kind_and_sorting_follows_the_table() {
        for group in [false, true] {
            let keys: Vec<&str> = COLUMNS
                .iter()
                .filter(|c| c.is_for(group))
                .map(|c| c.key)
                .collect();
            let mut unique = keys.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), keys.len(), "{keys:?}");
        }
        assert!(is_sort_key("family_name") && is_sort_key(MEMBER_COUNT));
        assert!(!is_sort_key("manager_id"), "the manager is shown by name");
        assert!(!is_sort_key("raw; DROP TABLE resources"));
        assert_eq!(
            column_of_attribute("NAME.FAMILYNAME").and_then(|c| c.sql),
            Some("family_name")
        );
    }
}
