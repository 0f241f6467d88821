//! The copy follows each write made here: a record upserted or removed, a membership changed.

use rusqlite::params;
use serde_json::Value;

use super::writer::{insert_resource, replace_memberships};
use crate::{Database, Kind, StoreError};

impl Database {
    /// Writes a resource the app just saved on the provider into snapshot `snapshot_id` (the
    /// latest), so the views show it at once. Group memberships follow its `members`.
    pub fn cache_upsert(&self, snapshot_id: i64, kind: Kind, v: &Value) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let existed = insert_resource(&tx, snapshot_id, kind, v)?;
        let (removed, added) = if kind == Kind::Group {
            replace_memberships(&tx, snapshot_id, v)?
        } else {
            (0, 0)
        };
        let col = kind.count_column();
        tx.execute(
            &format!(
                "UPDATE snapshots SET {col} = {col} + ?2, memberships = memberships + ?3
                  WHERE id = ?1"
            ),
            params![snapshot_id, i64::from(!existed), added - removed],
        )?;
        tx.commit()?;
        self.bump_generation();
        Ok(())
    }

    /// Removes a resource the app just deleted on the provider from snapshot `snapshot_id`,
    /// with its memberships.
    pub fn cache_remove(&self, snapshot_id: i64, kind: Kind, id: &str) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let n = tx.execute(
            "DELETE FROM resources WHERE snapshot_id = ?1 AND kind = ?2 AND id = ?3",
            params![snapshot_id, kind, id],
        )? as i64;
        let column = kind.membership_column();
        let m = tx.execute(
            &format!("DELETE FROM memberships WHERE snapshot_id = ?1 AND {column} = ?2"),
            params![snapshot_id, id],
        )? as i64;
        let col = kind.count_column();
        tx.execute(
            &format!(
                "UPDATE snapshots SET {col} = {col} - ?2, memberships = memberships - ?3
                  WHERE id = ?1"
            ),
            params![snapshot_id, n, m],
        )?;
        tx.commit()?;
        self.bump_generation();
        Ok(())
    }

    /// Applies a membership change the app just made to snapshot `snapshot_id` (for providers
    /// whose group responses do not list members).
    pub fn cache_membership(
        &self,
        snapshot_id: i64,
        group_id: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let mut delta = 0i64;
        for m in add {
            delta += tx.execute(
                "INSERT OR IGNORE INTO memberships (snapshot_id, group_id, member_id, member_type)
                 VALUES (?1, ?2, ?3, 'User')",
                params![snapshot_id, group_id, m],
            )? as i64;
        }
        for m in remove {
            delta -= tx.execute(
                "DELETE FROM memberships WHERE snapshot_id = ?1 AND group_id = ?2 AND member_id = ?3",
                params![snapshot_id, group_id, m],
            )? as i64;
        }
        tx.execute(
            "UPDATE snapshots SET memberships = memberships + ?2 WHERE id = ?1",
            params![snapshot_id, delta],
        )?;
        tx.commit()?;
        self.bump_generation();
        Ok(())
    }
}
