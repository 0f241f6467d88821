//! Aggregates of a snapshot and of the audit log, for the dashboard.

use rusqlite::params;

use crate::{Database, StoreError};

/// Users of a snapshot by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserStats {
    pub users: i64,
    pub active: i64,
    pub inactive: i64,
}

impl Database {
    /// How many users a snapshot holds, active and not.
    pub fn user_stats(&self, snapshot_id: i64) -> Result<UserStats, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*), coalesce(sum(active IS NOT 0), 0), coalesce(sum(active = 0), 0)
               FROM resources WHERE snapshot_id = ?1 AND kind = 'User'",
            [snapshot_id],
            |r| {
                Ok(UserStats {
                    users: r.get(0)?,
                    active: r.get(1)?,
                    inactive: r.get(2)?,
                })
            },
        )?)
    }

    /// Users per department, largest first; users without one count as "(none)".
    pub fn users_by_department(&self, snapshot_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT coalesce(nullif(department, ''), '(none)'), count(*) FROM resources
              WHERE snapshot_id = ?1 AND kind = 'User' GROUP BY 1 ORDER BY 2 DESC, 1",
        )?;
        let rows = stmt
            .query_map([snapshot_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The `limit` groups with the most members.
    pub fn largest_groups(
        &self,
        snapshot_id: i64,
        limit: u32,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT coalesce(g.display_name, g.id), count(m.member_id) AS n
               FROM resources g
               LEFT JOIN memberships m ON m.snapshot_id = g.snapshot_id AND m.group_id = g.id
              WHERE g.snapshot_id = ?1 AND g.kind = 'Group'
              GROUP BY g.rowid ORDER BY n DESC, 1 LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![snapshot_id, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Writes recorded for `provider` per day (UTC), oldest first.
    pub fn audit_per_day(&self, provider: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT substr(at, 1, 10), count(*) FROM audit_log WHERE provider = ?1
              GROUP BY 1 ORDER BY 1",
        )?;
        let rows = stmt
            .query_map([provider], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
