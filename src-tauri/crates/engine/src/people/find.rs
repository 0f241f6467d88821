//! Finding people: a list with search and filters, and a person by what people know of them
//! (an e-mail, a userName, an externalId or a person id).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::fields::PersonField;
use super::index::PeopleIndex;
use super::linking::LinkRule;
use crate::{Desk, DeskError};

/// Which people a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum PeopleFilter {
    #[default]
    Everyone,
    /// People whose accounts disagree on an attribute.
    Drift,
    /// People with an account in every synced provider.
    Everywhere,
    /// People with an account in only one provider.
    OneProvider,
    /// People whose account is active somewhere and inactive elsewhere.
    ActiveMismatch,
}

/// What the People list asks for.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PeopleQuery {
    /// Words found in a name, userName, e-mail or externalId of any account (ignoring case).
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub filter: PeopleFilter,
    /// Only people with an account in this provider.
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub offset: u32,
    /// At most this many (0: 100).
    #[serde(default)]
    pub limit: u32,
}

/// An account of a person, as lists show it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountRef {
    pub provider: String,
    pub id: String,
    pub user_name: Option<String>,
    pub active: Option<bool>,
    /// What linked it to the person's other accounts (none: the person's only account).
    pub linked_by: Option<LinkRule>,
}

/// One person in a list.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PersonSummary {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub accounts: Vec<AccountRef>,
    /// Attributes the accounts disagree on.
    pub differences: Vec<PersonField>,
}

/// A provider's copy the people come from, and when it was taken.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CopyAsOf {
    pub provider: String,
    pub as_of: String,
    pub source_of_truth: bool,
}

/// A page of people.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PeoplePage {
    /// People the query matches.
    pub total: u32,
    /// Everyone, in every synced provider.
    pub everyone: u32,
    /// People whose accounts disagree.
    pub drifting: u32,
    /// Keys the rules could not decide about (see `needs_decision`).
    pub needs_decision: u32,
    pub people: Vec<PersonSummary>,
    /// The copies, with "as of".
    pub copies: Vec<CopyAsOf>,
    /// Providers never synced: their people are not here until they are.
    pub unsynced: Vec<String>,
}

impl PeopleIndex {
    pub(crate) fn summary(&self, person: usize) -> PersonSummary {
        let accounts = &self.persons[person];
        let email = self
            .source_account(person)
            .into_iter()
            .chain(accounts.iter().copied())
            .find_map(|a| self.accounts[a].1.email.clone());
        PersonSummary {
            id: self.ids[person].clone(),
            name: self.name(person),
            email,
            accounts: accounts.iter().map(|&a| self.account_ref(a)).collect(),
            differences: self.differences[person].clone(),
        }
    }

    pub(crate) fn account_ref(&self, a: usize) -> AccountRef {
        let (p, row) = &self.accounts[a];
        AccountRef {
            provider: self.providers[*p].name.clone(),
            id: row.id.clone(),
            user_name: row.user_name.clone(),
            active: row.active,
            linked_by: self.linked_by[a],
        }
    }

    pub(crate) fn copies(&self) -> Vec<CopyAsOf> {
        self.providers
            .iter()
            .map(|p| CopyAsOf {
                provider: p.name.clone(),
                as_of: p.as_of.clone(),
                source_of_truth: p.source_of_truth,
            })
            .collect()
    }

    fn matches_text(&self, person: usize, words: &[String]) -> bool {
        if words.is_empty() {
            return true;
        }
        let mut hay = self.name(person).to_lowercase();
        for &a in &self.persons[person] {
            let r = &self.accounts[a].1;
            for v in [
                &r.user_name,
                &r.email,
                &r.external_id,
                &r.given_name,
                &r.family_name,
                &r.display_name,
                &r.employee_number,
            ]
            .into_iter()
            .flatten()
            {
                hay.push('\n');
                hay.push_str(&v.to_lowercase());
            }
        }
        hay.push('\n');
        hay.push_str(&self.ids[person]);
        words.iter().all(|w| hay.contains(w.as_str()))
    }

    fn matches_filter(&self, person: usize, filter: PeopleFilter) -> bool {
        let accounts = &self.persons[person];
        match filter {
            PeopleFilter::Everyone => true,
            PeopleFilter::Drift => !self.differences[person].is_empty(),
            PeopleFilter::Everywhere => accounts.len() == self.providers.len(),
            PeopleFilter::OneProvider => accounts.len() == 1,
            PeopleFilter::ActiveMismatch => self.differences[person].contains(&PersonField::Active),
        }
    }

    /// The people a key names: a person id, or an account's e-mail, userName or externalId
    /// (ignoring case), or `PROVIDER:ID`.
    pub(crate) fn resolve(&self, key: &str) -> Vec<usize> {
        let key = key.trim();
        if let Some(p) = self.person(key) {
            return vec![p];
        }
        if let Some(a) = self.account_key(key) {
            return vec![self.person_of[a]];
        }
        let lower = key.to_lowercase();
        let mut found: Vec<usize> = self
            .accounts
            .iter()
            .enumerate()
            .filter(|(_, (_, r))| {
                [&r.email, &r.user_name, &r.external_id]
                    .into_iter()
                    .flatten()
                    .any(|v| v.trim().to_lowercase() == lower)
            })
            .map(|(a, _)| self.person_of[a])
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The account `PROVIDER:ID` names.
    pub(crate) fn account_key(&self, key: &str) -> Option<usize> {
        let (provider, id) = key.split_once(':')?;
        self.account(self.provider(provider)?, id.trim())
    }
}

impl Desk {
    /// A page of people across every synced provider, read from the copies (works offline).
    pub fn find_people(&self, q: &PeopleQuery) -> Result<PeoplePage, DeskError> {
        let index = self.people_index()?;
        let words: Vec<String> = q.text.split_whitespace().map(str::to_lowercase).collect();
        let provider = match q.provider.as_deref().filter(|p| !p.trim().is_empty()) {
            None => None,
            Some(name) => Some(index.provider(name).ok_or_else(|| {
                DeskError::NotFound(format!(
                    "No synced provider is called \"{name}\". Sync it first, then look again."
                ))
            })?),
        };
        let mut matching: Vec<usize> = (0..index.persons.len())
            .filter(|&p| {
                provider
                    .is_none_or(|pi| index.persons[p].iter().any(|&a| index.accounts[a].0 == pi))
                    && index.matches_filter(p, q.filter)
                    && index.matches_text(p, &words)
            })
            .collect();
        let names: Vec<String> = matching
            .iter()
            .map(|&p| index.name(p).to_lowercase())
            .collect();
        let mut order: Vec<usize> = (0..matching.len()).collect();
        order.sort_by(|&a, &b| names[a].cmp(&names[b]).then(matching[a].cmp(&matching[b])));
        matching = order.into_iter().map(|i| matching[i]).collect();
        let limit = if q.limit == 0 { 100 } else { q.limit } as usize;
        let people = matching
            .iter()
            .skip(q.offset as usize)
            .take(limit)
            .map(|&p| index.summary(p))
            .collect();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(PeoplePage {
            total: count(matching.len()),
            everyone: count(index.persons.len()),
            drifting: count(index.differences.iter().filter(|d| !d.is_empty()).count()),
            needs_decision: count(index.ambiguities.len()),
            people,
            copies: index.copies(),
            unsynced: index.unsynced.clone(),
        })
    }
}
