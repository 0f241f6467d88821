//! Links: saved source -> target pairs with their settings (JSON the engine owns), the history of
//! their runs, and the target records each link brought.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{now_rfc3339, Database, Kind, StoreError};

/// A saved link.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRow {
    pub id: i64,
    pub name: String,
    pub source: String,
    pub target: String,
    /// The settings (JSON).
    pub settings: String,
    pub created_at: String,
    pub updated_at: String,
}

/// How a run of a link ended (or that it has not yet).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkOutcome {
    #[default]
    Running,
    /// Every operation done and the target verified.
    Completed,
    /// Every operation sent, but verify still found differences (or some failed).
    Unverified,
    /// A guard rail stopped it before anything was written.
    Stopped,
    /// It could not go on (a provider unreachable, a refused request, a kill).
    Failed,
    /// Planned and shown, nothing sent.
    DryRun,
}

impl LinkOutcome {
    /// The stable word (the table's CHECK, the JSON of the CLI and the window).
    pub fn as_str(self) -> &'static str {
        match self {
            LinkOutcome::Running => "running",
            LinkOutcome::Completed => "completed",
            LinkOutcome::Unverified => "unverified",
            LinkOutcome::Stopped => "stopped",
            LinkOutcome::Failed => "failed",
            LinkOutcome::DryRun => "dry_run",
        }
    }

    pub fn parse(s: &str) -> Option<LinkOutcome> {
        [
            LinkOutcome::Running,
            LinkOutcome::Completed,
            LinkOutcome::Unverified,
            LinkOutcome::Stopped,
            LinkOutcome::Failed,
            LinkOutcome::DryRun,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// One run of a link.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRunRow {
    pub id: i64,
    pub link_id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub outcome: LinkOutcome,
    /// The migration journal of its writes, when it wrote.
    pub migration_id: Option<i64>,
    /// Counts, guard rails, failures, the plan (JSON).
    pub summary: String,
}

/// A target record a link created or matched.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRecord {
    pub kind: Kind,
    pub source_id: String,
    pub target_id: String,
    pub label: String,
}

const LINK_COLUMNS: &str = "l.id, l.name, s.name, t.name, l.settings, l.created_at, l.updated_at";
const LINK_FROM: &str =
    "FROM links l JOIN providers s ON s.id = l.source_id JOIN providers t ON t.id = l.target_id";

fn link_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<LinkRow> {
    Ok(LinkRow {
        id: r.get(0)?,
        name: r.get(1)?,
        source: r.get(2)?,
        target: r.get(3)?,
        settings: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

const RUN_COLUMNS: &str = "id, link_id, started_at, finished_at, outcome, migration_id, summary";

fn run_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<LinkRunRow> {
    let outcome: String = r.get(4)?;
    Ok(LinkRunRow {
        id: r.get(0)?,
        link_id: r.get(1)?,
        started_at: r.get(2)?,
        finished_at: r.get(3)?,
        outcome: LinkOutcome::parse(&outcome).unwrap_or(LinkOutcome::Failed),
        migration_id: r.get(5)?,
        summary: r.get(6)?,
    })
}

fn kind_of(s: &str) -> Kind {
    if s == "Group" {
        Kind::Group
    } else {
        Kind::User
    }
}

impl Database {
    /// Saves a new link; its name is unique (ignoring case).
    pub fn insert_link(
        &self,
        name: &str,
        source: &str,
        target: &str,
        settings: &str,
    ) -> Result<LinkRow, StoreError> {
        let (s, t) = (self.provider(source)?.id, self.provider(target)?.id);
        let now = now_rfc3339();
        self.conn.execute(
            "INSERT INTO links (name, source_id, target_id, settings, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![name, s, t, settings, now],
        )?;
        self.link(name)?
            .ok_or_else(|| StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows))
    }

    /// Changes a link's providers and settings (and its name, to `new_name`).
    pub fn update_link(
        &self,
        id: i64,
        new_name: &str,
        source: &str,
        target: &str,
        settings: &str,
    ) -> Result<(), StoreError> {
        let (s, t) = (self.provider(source)?.id, self.provider(target)?.id);
        self.conn.execute(
            "UPDATE links SET name = ?2, source_id = ?3, target_id = ?4, settings = ?5,
                              updated_at = ?6 WHERE id = ?1",
            params![id, new_name, s, t, settings, now_rfc3339()],
        )?;
        Ok(())
    }

    /// A link by name (ignoring case).
    pub fn link(&self, name: &str) -> Result<Option<LinkRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {LINK_COLUMNS} {LINK_FROM} WHERE l.name = ?1 COLLATE NOCASE"),
                [name],
                link_of,
            )
            .optional()?)
    }

    /// Every link, by name.
    pub fn links(&self) -> Result<Vec<LinkRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {LINK_COLUMNS} {LINK_FROM} ORDER BY l.name COLLATE NOCASE"
        ))?;
        let rows = stmt.query_map([], link_of)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Removes a link with its history and records (the providers are not touched).
    pub fn delete_link(&self, id: i64) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM links WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Starts a run of a link (outcome `running`).
    pub fn start_link_run(&self, link_id: i64) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO link_runs (link_id, started_at, outcome, summary)
             VALUES (?1, ?2, 'running', '{}')",
            params![link_id, now_rfc3339()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Notes the migration journal a run writes through (before its first write).
    pub fn set_link_run_migration(&self, run_id: i64, migration_id: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE link_runs SET migration_id = ?2 WHERE id = ?1",
            params![run_id, migration_id],
        )?;
        Ok(())
    }

    /// Ends a run with its outcome and summary.
    pub fn finish_link_run(
        &self,
        run_id: i64,
        outcome: LinkOutcome,
        summary: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE link_runs SET outcome = ?2, summary = ?3, finished_at = ?4 WHERE id = ?1",
            params![run_id, outcome.as_str(), summary, now_rfc3339()],
        )?;
        Ok(())
    }

    /// A link's runs, newest first.
    pub fn link_runs(&self, link_id: i64, limit: u32) -> Result<Vec<LinkRunRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {RUN_COLUMNS} FROM link_runs WHERE link_id = ?1 ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = stmt
            .query_map(params![link_id, limit], run_of)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// One run by id.
    pub fn link_run(&self, run_id: i64) -> Result<Option<LinkRunRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM link_runs WHERE id = ?1"),
                [run_id],
                run_of,
            )
            .optional()?)
    }

    /// The records a link brought to the target.
    pub fn link_records(&self, link_id: i64) -> Result<Vec<LinkRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT kind, source_id, target_id, label FROM link_records WHERE link_id = ?1
              ORDER BY kind, source_id",
        )?;
        let rows = stmt
            .query_map([link_id], |r| {
                let kind: String = r.get(0)?;
                Ok(LinkRecord {
                    kind: kind_of(&kind),
                    source_id: r.get(1)?,
                    target_id: r.get(2)?,
                    label: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Replaces the records a link brought (after a run), in one transaction.
    pub fn set_link_records(&self, link_id: i64, records: &[LinkRecord]) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute("DELETE FROM link_records WHERE link_id = ?1", [link_id])?;
        {
            let mut stmt = tx.prepare(
                "INSERT OR REPLACE INTO link_records (link_id, kind, source_id, target_id, label)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for r in records {
                stmt.execute(params![
                    link_id,
                    r.kind.as_str(),
                    r.source_id,
                    r.target_id,
                    r.label
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NewProvider;

    #[test]
    fn links_keep_settings_runs_and_records_and_go_with_their_provider() {
        let db = Database::open_in_memory().unwrap();
        for n in ["HR", "App"] {
            db.insert_provider(&NewProvider::without_auth(n, "http://127.0.0.1:1/scim/v2"))
                .unwrap();
        }
        let l = db.insert_link("HR to App", "HR", "App", "{}").unwrap();
        assert_eq!((l.source.as_str(), l.target.as_str()), ("HR", "App"));
        assert!(
            db.insert_link("hr TO app", "HR", "App", "{}").is_err(),
            "names are unique ignoring case"
        );
        assert!(db.insert_link("loop", "HR", "HR", "{}").is_err());
        let run = db.start_link_run(l.id).unwrap();
        db.finish_link_run(run, LinkOutcome::Stopped, r#"{"x":1}"#)
            .unwrap();
        let runs = db.link_runs(l.id, 10).unwrap();
        assert_eq!(runs[0].outcome, LinkOutcome::Stopped);
        assert!(runs[0].finished_at.is_some());
        let rec = |s: &str| LinkRecord {
            kind: Kind::User,
            source_id: s.into(),
            target_id: format!("t-{s}"),
            label: s.into(),
        };
        db.set_link_records(l.id, &[rec("1"), rec("2")]).unwrap();
        db.set_link_records(l.id, &[rec("2")]).unwrap();
        assert_eq!(db.link_records(l.id).unwrap(), [rec("2")]);
        db.delete_provider("App").unwrap();
        assert!(db.link("HR to App").unwrap().is_none());
        assert!(db.link_runs(l.id, 10).unwrap().is_empty());
    }
}
