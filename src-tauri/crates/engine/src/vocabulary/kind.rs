//! What a record is: a user or a group.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Users or groups; spelled as SCIM names the resource types (`User`, `Group`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub enum Kind {
    User,
    Group,
}

impl Kind {
    /// `Group` when `group` is set, else `User`.
    pub fn from_group_flag(group: bool) -> Self {
        if group {
            Kind::Group
        } else {
            Kind::User
        }
    }

    /// Reads a resource type name (`User`, `Group`); anything else is a user.
    pub fn parse(name: &str) -> Self {
        Kind::from_group_flag(name.eq_ignore_ascii_case("Group"))
    }

    /// The resource type name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
