//! What a planned write does. The stable words (`create_user`, …) are what plan files, the
//! journal and the window spell; code decides by the variant.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::vocabulary::Kind;

/// One kind of planned write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    CreateUser,
    UpdateUser,
    CreateGroup,
    AddMembers,
    /// Members taken out of a group (a link keeping a group's membership as the source has it).
    RemoveMembers,
    SetManager,
    DeactivateUser,
    DeleteUser,
}

impl Operation {
    /// Every operation, in the order a plan runs them.
    pub const ALL: [Operation; 8] = [
        Operation::CreateUser,
        Operation::UpdateUser,
        Operation::CreateGroup,
        Operation::AddMembers,
        Operation::RemoveMembers,
        Operation::SetManager,
        Operation::DeactivateUser,
        Operation::DeleteUser,
    ];

    /// The stable word.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::CreateUser => "create_user",
            Operation::UpdateUser => "update_user",
            Operation::CreateGroup => "create_group",
            Operation::AddMembers => "add_members",
            Operation::RemoveMembers => "remove_members",
            Operation::SetManager => "set_manager",
            Operation::DeactivateUser => "deactivate_user",
            Operation::DeleteUser => "delete_user",
        }
    }

    /// The operation a stable word names (as the journal stores it).
    pub fn parse(word: &str) -> Option<Operation> {
        Self::ALL.into_iter().find(|o| o.as_str() == word)
    }

    /// The kind of record it writes.
    pub fn kind(self) -> Kind {
        match self {
            Operation::CreateGroup | Operation::AddMembers | Operation::RemoveMembers => {
                Kind::Group
            }
            _ => Kind::User,
        }
    }

    /// True for the creates (which may go in Bulk and are settled by looking for the record).
    pub fn is_create(self) -> bool {
        matches!(self, Operation::CreateUser | Operation::CreateGroup)
    }

    /// True for the operations that take people's access away (deactivate, delete).
    pub fn removes_access(self) -> bool {
        matches!(self, Operation::DeactivateUser | Operation::DeleteUser)
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_keeps_its_word_in_files_and_the_journal() {
        for o in Operation::ALL {
            assert_eq!(Operation::parse(o.as_str()), Some(o));
            assert_eq!(
                serde_json::to_value(o).unwrap(),
                serde_json::json!(o.as_str()),
                "plan files spell it as the journal does"
            );
        }
        assert_eq!(Operation::parse("drop_table"), None);
    }
}
