//! The attributes a person's accounts are compared by, side by side and for drift.

use desk_store::people::AccountRow;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One compared attribute of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum PersonField {
    Active,
    GivenName,
    FamilyName,
    DisplayName,
    Email,
    Title,
    Department,
    Manager,
    EmployeeNumber,
}

impl PersonField {
    /// Every compared attribute, in the order a person's page shows them.
    pub const ALL: [PersonField; 9] = [
        PersonField::Active,
        PersonField::GivenName,
        PersonField::FamilyName,
        PersonField::DisplayName,
        PersonField::Email,
        PersonField::Title,
        PersonField::Department,
        PersonField::Manager,
        PersonField::EmployeeNumber,
    ];

    /// The words people read.
    pub fn label(self) -> &'static str {
        match self {
            PersonField::Active => "Active",
            PersonField::GivenName => "Given name",
            PersonField::FamilyName => "Family name",
            PersonField::DisplayName => "Display name",
            PersonField::Email => "E-mail",
            PersonField::Title => "Title",
            PersonField::Department => "Department",
            PersonField::Manager => "Manager",
            PersonField::EmployeeNumber => "Employee number",
        }
    }

    /// The SCIM attribute (as `person set` and the CLI's `--format json` name it).
    pub fn attribute(self) -> &'static str {
        match self {
            PersonField::Active => "active",
            PersonField::GivenName => "name.givenName",
            PersonField::FamilyName => "name.familyName",
            PersonField::DisplayName => "displayName",
            PersonField::Email => "emails",
            PersonField::Title => "title",
            PersonField::Department => "department",
            PersonField::Manager => "manager",
            PersonField::EmployeeNumber => "employeeNumber",
        }
    }

    /// The field an attribute name (as people type it) means.
    pub fn parse(name: &str) -> Option<PersonField> {
        let n = name
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_', ' '], "");
        Self::ALL.into_iter().find(|f| {
            let attr = f.attribute().to_ascii_lowercase();
            n == attr
                || n == attr.rsplit('.').next().unwrap_or_default()
                || n == f.label().to_ascii_lowercase().replace(['-', ' '], "")
                || (n == "email" && *f == PersonField::Email)
        })
    }

    /// Its value in an account's copy, as it is compared: trimmed, e-mail in lower case; the
    /// manager is compared by person elsewhere (here: the manager's account id).
    pub fn value(self, a: &AccountRow) -> Option<String> {
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        match self {
            PersonField::Active => a.active.map(|b| b.to_string()),
            PersonField::GivenName => text(&a.given_name),
            PersonField::FamilyName => text(&a.family_name),
            PersonField::DisplayName => text(&a.display_name),
            PersonField::Email => text(&a.email).map(|e| e.to_lowercase()),
            PersonField::Title => text(&a.title),
            PersonField::Department => text(&a.department),
            PersonField::Manager => text(&a.manager_id),
            PersonField::EmployeeNumber => text(&a.employee_number),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_names_as_people_type_them_are_understood() {
        assert_eq!(
            PersonField::parse("familyName"),
            Some(PersonField::FamilyName)
        );
        assert_eq!(
            PersonField::parse("name.familyName"),
            Some(PersonField::FamilyName)
        );
        assert_eq!(
            PersonField::parse("family name"),
            Some(PersonField::FamilyName)
        );
        assert_eq!(PersonField::parse("e-mail"), Some(PersonField::Email));
        assert_eq!(PersonField::parse("ACTIVE"), Some(PersonField::Active));
        assert_eq!(PersonField::parse("shoeSize"), None);
    }
}
