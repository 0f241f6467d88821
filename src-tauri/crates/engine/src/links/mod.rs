//! Links (issue 18): a saved source -> target pair that runs again and again. A run reads both
//! providers (incrementally where they allow), plans only what is in the link's scope
//! ([`scope`]), adds what a link decides beyond a migration ([`plan`]: members taken out,
//! records leaving the scope, target-only records, protected names), stops before writing when
//! a guard rail would be crossed ([`guard`]), writes through the migration journal, verifies,
//! and records the run ([`run`]).

pub mod guard;
pub mod plan;
pub mod run;
pub mod schedule;
pub mod scope;
pub mod settings;

pub use desk_store::links::LinkOutcome;
pub use settings::{GuardRails, Leaving, Limit, LinkSettings, Scope};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Desk, DeskError};

/// A saved link, as the engine uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub id: i64,
    pub name: String,
    pub source: String,
    pub target: String,
    pub settings: LinkSettings,
}

/// A link to save (new, or the new form of one).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkInput {
    pub name: String,
    pub source: String,
    pub target: String,
    pub settings: LinkSettings,
}

/// A link with its last run, for lists.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkView {
    pub name: String,
    pub source: String,
    pub target: String,
    pub settings: LinkSettings,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub last_run: Option<run::LinkRunView>,
}

fn link_of(row: desk_store::links::LinkRow) -> Result<Link, DeskError> {
    let settings: LinkSettings = serde_json::from_str(&row.settings)
        .map_err(|e| DeskError::Internal(format!("the settings of link {:?}: {e}", row.name)))?;
    Ok(Link {
        id: row.id,
        name: row.name,
        source: row.source,
        target: row.target,
        settings,
    })
}

impl Desk {
    /// A saved link by name (ignoring case).
    pub fn link(&self, name: &str) -> Result<Link, DeskError> {
        let row = self.db()?.link(name)?.ok_or_else(|| {
            DeskError::NotFound(format!(
                "There is no link named \"{name}\". `link list` shows the links."
            ))
        })?;
        link_of(row)
    }

    fn check_link(&self, input: &LinkInput) -> Result<(), DeskError> {
        if input.name.trim().is_empty() {
            return Err(DeskError::InvalidInput("Give the link a name.".into()));
        }
        if input.source == input.target {
            return Err(DeskError::InvalidInput(
                "A link goes from one provider to another; pick two different ones.".into(),
            ));
        }
        input.settings.validate()
    }

    fn settings_text(settings: &LinkSettings) -> Result<String, DeskError> {
        serde_json::to_string(settings)
            .map_err(|e| DeskError::Internal(format!("the link's settings: {e}")))
    }

    /// Saves a new link (nothing runs).
    pub fn add_link(&self, input: &LinkInput) -> Result<LinkView, DeskError> {
        self.check_link(input)?;
        let name = input.name.trim();
        let db = self.db()?;
        if db.link(name)?.is_some() {
            return Err(DeskError::InvalidInput(format!(
                "A link named \"{name}\" exists already; choose another name or edit it."
            )));
        }
        db.insert_link(
            name,
            &input.source,
            &input.target,
            &Self::settings_text(&input.settings)?,
        )?;
        drop(db);
        self.link_view(name)
    }

    /// Changes a saved link (its name too). Its history and the records it brought stay.
    pub fn edit_link(&self, name: &str, input: &LinkInput) -> Result<LinkView, DeskError> {
        self.check_link(input)?;
        let link = self.link(name)?;
        let new_name = input.name.trim();
        let db = self.db()?;
        if let Some(other) = db.link(new_name)? {
            if other.id != link.id {
                return Err(DeskError::InvalidInput(format!(
                    "A link named \"{new_name}\" exists already; choose another name."
                )));
            }
        }
        db.update_link(
            link.id,
            new_name,
            &input.source,
            &input.target,
            &Self::settings_text(&input.settings)?,
        )?;
        drop(db);
        self.link_view(new_name)
    }

    /// Removes a link, its history and what it knew it brought; nothing at either provider
    /// changes.
    pub fn remove_link(&self, name: &str) -> Result<(), DeskError> {
        let link = self.link(name)?;
        self.db()?.delete_link(link.id)?;
        Ok(())
    }

    /// One link with its last run.
    pub fn link_view(&self, name: &str) -> Result<LinkView, DeskError> {
        let row = self
            .db()?
            .link(name)?
            .ok_or_else(|| DeskError::NotFound(format!("There is no link named \"{name}\".")))?;
        let (created_at, updated_at) = (row.created_at.clone(), row.updated_at.clone());
        let link = link_of(row)?;
        let last_run = self.link_history(&link.name, 1)?.into_iter().next();
        Ok(LinkView {
            name: link.name,
            source: link.source,
            target: link.target,
            settings: link.settings,
            created_at,
            updated_at,
            last_run,
        })
    }

    /// Every link with its last run, by name.
    pub fn links(&self) -> Result<Vec<LinkView>, DeskError> {
        let names: Vec<String> = self.db()?.links()?.into_iter().map(|l| l.name).collect();
        names.iter().map(|n| self.link_view(n)).collect()
    }

    /// What `scope` holds in `source`'s latest copy.
    pub fn link_scope_preview(
        &self,
        source: &str,
        scope: &Scope,
    ) -> Result<scope::ScopePreview, DeskError> {
        let db = self.db()?;
        let snap = crate::read::directory::latest_snapshot(&db, source)?;
        let side = crate::migrate::CachedSide::read(&db, source)?;
        let found = scope::in_scope(scope, &side.users, &side.groups, &side.members)?;
        let names = |list: &[serde_json::Value], ids: &std::collections::HashSet<String>, key| {
            let mut v: Vec<String> = list
                .iter()
                .filter(|r| {
                    r.get("id")
                        .and_then(serde_json::Value::as_str)
                        .is_some_and(|i| ids.contains(i))
                })
                .filter_map(|r| r.get(key).and_then(serde_json::Value::as_str))
                .map(str::to_string)
                .collect();
            v.sort_unstable_by_key(|n| n.to_lowercase());
            v.truncate(8);
            v
        };
        Ok(scope::ScopePreview {
            source: source.into(),
            as_of: snap.finished_at.clone(),
            users: u32::try_from(found.users.len()).unwrap_or(u32::MAX),
            groups: u32::try_from(found.groups.len()).unwrap_or(u32::MAX),
            source_users: u32::try_from(side.users.len()).unwrap_or(u32::MAX),
            source_groups: u32::try_from(side.groups.len()).unwrap_or(u32::MAX),
            sample_users: names(&side.users, &found.users, "userName"),
            sample_groups: names(&side.groups, &found.groups, "displayName"),
        })
    }
}
