//! What a record is: a user or a group.

/// Users or groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
