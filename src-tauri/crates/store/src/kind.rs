//! What a record is: a user or a group.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Users or groups; spelled as SCIM names the resource types (`User`, `Group`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS,
)]
pub enum Kind {
    #[default]
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

    /// The resource type name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
        }
    }
}

impl Kind {
    /// The snapshot's count of records of this kind.
    pub(crate) fn count_column(self) -> &'static str {
        match self {
            Kind::User => "users",
            Kind::Group => "groups",
        }
    }

    /// The membership column that names a record of this kind when it goes (a group's own
    /// rows, or a member's rows in every group).
    pub(crate) fn membership_column(self) -> &'static str {
        match self {
            Kind::User => "member_id",
            Kind::Group => "group_id",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stored as its resource type name, so the database's `kind` columns read as SCIM does.
impl rusqlite::ToSql for Kind {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
    }
}

impl rusqlite::types::FromSql for Kind {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        match v.as_str()? {
            "User" => Ok(Kind::User),
            "Group" => Ok(Kind::Group),
            other => Err(rusqlite::types::FromSqlError::Other(
                format!("{other:?} is not a kind of record (User or Group)").into(),
            )),
        }
    }
}
