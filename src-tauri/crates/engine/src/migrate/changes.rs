//! The operations of a plan that create nothing (an update, a membership change, a manager, a
//! deactivation, a delete): each touches one record the target already has, reads it first
//! and changes only what is still to change, so several go to the target side by side and a
//! repeat (after a kill) changes nothing twice.

use serde_json::{json, Value};

use super::records::ENTERPRISE;
use super::runner::{overlay, Runner};
use crate::migrate::{Operation, PlanOperation};
use crate::vocabulary::Kind;
use crate::write::membership::MembershipChange;
use crate::DeskError;

impl Runner<'_> {
    /// Runs one operation that creates nothing (an update, a membership change, a manager,
    /// a deactivation or a delete): it needs no shared state changed, so several run at once.
    pub(super) async fn execute_change(
        &self,
        op: &PlanOperation,
    ) -> Result<Option<String>, DeskError> {
        let kind = op.op.kind();
        self.pace_writes().await;
        match op.op {
            Operation::CreateUser | Operation::CreateGroup => {
                Err(DeskError::Internal("a create was sent as a change".into()))
            }
            Operation::UpdateUser => {
                let tid = self
                    .target_of(kind, &op.source_id, op.target_id.as_ref())
                    .ok_or_else(|| DeskError::NotFound("the target record is unknown".into()))?;
                self.save(kind, &tid, |b| overlay(b, &op.data)).await?;
                Ok(Some(tid))
            }
            Operation::AddMembers => {
                let gid = self
                    .target_of(Kind::Group, &op.source_id, op.target_id.as_ref())
                    .ok_or_else(|| {
                        DeskError::NotFound("the group was not created at the target".into())
                    })?;
                let sources: Vec<&str> = op
                    .data
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let wanted: Vec<String> = sources
                    .iter()
                    .filter_map(|s| self.ids.get(&(Kind::User, s.to_string())).cloned())
                    .collect();
                // Members whose own creation failed are not at the target yet: add the others,
                // then fail so that resuming adds the rest once they exist.
                let missing = sources.len() - wanted.len();
                // Only the members not there yet (also after a crash mid-way).
                let group = self.client.get("Groups", &gid).await?;
                let present: Vec<&str> = group
                    .get("members")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(|m| m.get("value")?.as_str()).collect())
                    .unwrap_or_default();
                let add: Vec<String> = wanted
                    .into_iter()
                    .filter(|m| !present.contains(&m.as_str()))
                    .collect();
                if !add.is_empty() {
                    self.desk
                        .change_membership(&MembershipChange {
                            provider: self.plan.target.clone(),
                            group_id: gid.clone(),
                            add,
                            remove: Vec::new(),
                        })
                        .await?;
                }
                if missing > 0 {
                    return Err(DeskError::NotFound(format!(
                        "{missing} members are not at the target yet (creating them failed); \
                         resume adds them once they are"
                    )));
                }
                Ok(Some(gid))
            }
            Operation::RemoveMembers => {
                let gid = op
                    .target_id
                    .clone()
                    .ok_or_else(|| DeskError::InvalidInput("the plan names no group".into()))?;
                let leaving: Vec<&str> = op
                    .data
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                // Only the members still there (also after a crash mid-way).
                let group = self.client.get("Groups", &gid).await?;
                let remove: Vec<String> = group
                    .get("members")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|m| m.get("value")?.as_str())
                            .filter(|m| leaving.contains(m))
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                if !remove.is_empty() {
                    self.desk
                        .change_membership(&MembershipChange {
                            provider: self.plan.target.clone(),
                            group_id: gid.clone(),
                            add: Vec::new(),
                            remove,
                        })
                        .await?;
                }
                Ok(Some(gid))
            }
            Operation::SetManager => {
                let uid = self
                    .target_of(Kind::User, &op.source_id, op.target_id.as_ref())
                    .ok_or_else(|| DeskError::NotFound("the user was not created".into()))?;
                let manager_source = op.data.as_str().unwrap_or_default().to_string();
                let mid = self
                    .ids
                    .get(&(Kind::User, manager_source))
                    .cloned()
                    .ok_or_else(|| {
                        DeskError::NotFound("the manager is not at the target".into())
                    })?;
                let set = |b: &Value| overlay(b, &json!({ENTERPRISE: {"manager": {"value": mid}}}));
                match self.as_created(Kind::User, &op.source_id, op.target_id.as_ref(), &uid)? {
                    Some(created) => self.save_unread(Kind::User, &uid, created, set).await?,
                    None => self.save(Kind::User, &uid, set).await?,
                }
                Ok(Some(uid))
            }
            Operation::DeactivateUser => {
                let tid = op
                    .target_id
                    .clone()
                    .ok_or_else(|| DeskError::InvalidInput("the plan names no record".into()))?;
                self.save(Kind::User, &tid, |b| overlay(b, &json!({"active": false})))
                    .await?;
                Ok(Some(tid))
            }
            Operation::DeleteUser => {
                let tid = op
                    .target_id
                    .clone()
                    .ok_or_else(|| DeskError::InvalidInput("the plan names no record".into()))?;
                match self.client.get("Users", &tid).await {
                    Ok(current) => {
                        self.desk
                            .delete_resource(&self.plan.target, Kind::User, &current)
                            .await?
                    }
                    // Already gone (an earlier attempt, or someone else): nothing to do.
                    Err(scim_client::ScimError::Http { status: 404, .. }) => {}
                    Err(e) => return Err(e.into()),
                }
                Ok(Some(tid))
            }
        }
    }
}
