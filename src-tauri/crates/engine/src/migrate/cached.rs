//! One provider's latest copy, read whole for planning.

use std::collections::HashMap;

use serde_json::Value;

use super::records::s;
use super::Side;
use crate::vocabulary::Kind;
use crate::DeskError;

/// One provider's latest copy, read whole for planning.
pub(crate) struct CachedSide {
    pub(crate) snapshot_id: i64,
    pub(crate) complete: bool,
    /// "Incomplete copy: 200 of 300 users", when the copy is not complete.
    pub(crate) incomplete: Option<String>,
    pub(crate) users: Vec<Value>,
    pub(crate) groups: Vec<Value>,
    pub(crate) members: HashMap<String, Vec<String>>,
    pub(crate) discovery: Value,
}

impl CachedSide {
    pub(crate) fn read(db: &desk_store::Database, name: &str) -> Result<Self, DeskError> {
        let snap = crate::read::directory::latest_snapshot(db, name)?;
        let all = |kind: Kind| -> Result<Vec<Value>, DeskError> {
            let mut out = Vec::new();
            db.for_each_resource(snap.id, kind, |v| {
                out.push(v);
                Ok(())
            })?;
            Ok(out)
        };
        let (users, groups) = (all(Kind::User)?, all(Kind::Group)?);
        let mut members = HashMap::new();
        for id in groups.iter().filter_map(|g| s(g, "id")) {
            let m = db.group_members(snap.id, &id)?;
            members.insert(id, m);
        }
        Ok(Self {
            discovery: db.snapshot_discovery(snap.id)?,
            snapshot_id: snap.id,
            complete: snap.complete,
            incomplete: crate::read::completeness::Completeness::of_snapshot(&snap).warning,
            users,
            groups,
            members,
        })
    }

    pub(crate) fn side(&self) -> Side<'_> {
        Side {
            users: &self.users,
            groups: &self.groups,
            members: &self.members,
        }
    }
}
