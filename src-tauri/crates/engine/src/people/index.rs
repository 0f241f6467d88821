//! The people of every provider, linked from the copies: built once for a set of copies and
//! decisions, reused until a sync, an edit or a decision changes them.

use std::collections::HashMap;
use std::sync::Arc;

use desk_store::people::{AccountRow, Decision};
use desk_store::Database;
use sha2::{Digest, Sha256};

use super::fields::PersonField;
use super::linking::{link, AccountKeys, Ambiguity, LinkRule};
use crate::{Desk, DeskError};

/// A provider's copy the people come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProviderCopy {
    pub id: i64,
    pub name: String,
    pub snapshot_id: i64,
    /// When the copy was taken.
    pub as_of: String,
    pub source_of_truth: bool,
}

/// What an index was built from: each provider's copy and the database's change count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IndexKey {
    copies: Vec<(i64, i64, bool)>,
    generation: u64,
}

/// Everyone, linked.
#[derive(Debug)]
pub(crate) struct PeopleIndex {
    key: IndexKey,
    pub providers: Vec<ProviderCopy>,
    /// Providers configured but never synced (their people are not here).
    pub unsynced: Vec<String>,
    /// Every account: its provider (index into `providers`) and its columns.
    pub accounts: Vec<(usize, AccountRow)>,
    /// Each person's accounts, in provider order.
    pub persons: Vec<Vec<usize>>,
    pub linked_by: Vec<Option<LinkRule>>,
    /// Per account, its person.
    pub person_of: Vec<usize>,
    /// Per person, its id (stable while its anchor account stays theirs).
    pub ids: Vec<String>,
    /// Per person, the attributes its accounts disagree on.
    pub differences: Vec<Vec<PersonField>>,
    pub ambiguities: Vec<Ambiguity>,
    by_account: HashMap<(usize, String), usize>,
    by_id: HashMap<String, usize>,
}

impl PeopleIndex {
    /// The account of provider `provider` (index) with id `id`.
    pub fn account(&self, provider: usize, id: &str) -> Option<usize> {
        self.by_account.get(&(provider, id.to_string())).copied()
    }

    /// The person with this id.
    pub fn person(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The provider index of a provider name (any case).
    pub fn provider(&self, name: &str) -> Option<usize> {
        self.providers
            .iter()
            .position(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The source-of-truth account of a person, when one of its providers is a source.
    pub fn source_account(&self, person: usize) -> Option<usize> {
        self.persons[person]
            .iter()
            .copied()
            .find(|&a| self.providers[self.accounts[a].0].source_of_truth)
    }

    /// A field's compared value in an account: the manager as the manager's person id.
    pub fn value(&self, account: usize, field: PersonField) -> Option<String> {
        let (provider, row) = &self.accounts[account];
        let v = field.value(row)?;
        if field == PersonField::Manager {
            return self
                .account(*provider, &v)
                .map(|m| self.ids[self.person_of[m]].clone());
        }
        Some(v)
    }

    /// A name to show for a person: the source's, else the first account's that has one.
    pub fn name(&self, person: usize) -> String {
        let accounts = &self.persons[person];
        let order = self
            .source_account(person)
            .into_iter()
            .chain(accounts.iter().copied());
        for a in order {
            let r = &self.accounts[a].1;
            let full = [r.given_name.as_deref(), r.family_name.as_deref()]
                .into_iter()
                .flatten()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let name = r
                .display_name
                .clone()
                .filter(|d| !d.trim().is_empty())
                .or((!full.is_empty()).then_some(full))
                .or_else(|| r.user_name.clone());
            if let Some(n) = name {
                return n;
            }
        }
        accounts
            .first()
            .map(|&a| self.accounts[a].1.id.clone())
            .unwrap_or_default()
    }

    fn build(db: &Database, key: IndexKey) -> Result<Self, DeskError> {
        let mut providers = Vec::new();
        let mut unsynced = Vec::new();
        for p in db.providers()? {
            match db.latest_snapshot(p.id)? {
                Some(s) => providers.push(ProviderCopy {
                    id: p.id,
                    name: p.name,
                    snapshot_id: s.id,
                    as_of: s.finished_at,
                    source_of_truth: p.source_of_truth,
                }),
                None => unsynced.push(p.name),
            }
        }
        let mut accounts = Vec::new();
        for (i, p) in providers.iter().enumerate() {
            accounts.extend(
                db.person_accounts(p.snapshot_id)?
                    .into_iter()
                    .map(|a| (i, a)),
            );
        }
        let by_account: HashMap<(usize, String), usize> = accounts
            .iter()
            .enumerate()
            .map(|(i, (p, a))| ((*p, a.id.clone()), i))
            .collect();
        let provider_of_id: HashMap<i64, usize> = providers
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i))
            .collect();
        let (mut links, mut unlinks) = (Vec::new(), Vec::new());
        for d in db.person_decisions()? {
            let find = |(pid, id): &(i64, String)| {
                provider_of_id
                    .get(pid)
                    .and_then(|p| by_account.get(&(*p, id.clone())))
                    .copied()
            };
            if let (Some(a), Some(b)) = (find(&d.a), find(&d.b)) {
                match d.decision {
                    Decision::Link => links.push((a, b)),
                    Decision::Unlink => unlinks.push((a, b)),
                }
            }
        }
        let keys: Vec<AccountKeys> = accounts
            .iter()
            .map(|(p, a)| AccountKeys {
                provider: *p,
                external_id: a.external_id.clone(),
                user_name: a.user_name.clone(),
                email: a.email.clone(),
            })
            .collect();
        let linking = link(&keys, &links, &unlinks);
        let mut persons = linking.persons;
        for p in &mut persons {
            p.sort_by_key(|&a| accounts[a].0);
        }
        let mut person_of = vec![0; accounts.len()];
        for (i, p) in persons.iter().enumerate() {
            for &a in p {
                person_of[a] = i;
            }
        }
        let ids: Vec<String> = persons
            .iter()
            .map(|p| {
                // Not the source of truth's account: choosing a source must not rename people.
                let anchor = p
                    .iter()
                    .copied()
                    .min_by(|&a, &b| {
                        (providers[accounts[a].0].id, &accounts[a].1.id)
                            .cmp(&(providers[accounts[b].0].id, &accounts[b].1.id))
                    })
                    .unwrap_or_default();
                person_id(providers[accounts[anchor].0].id, &accounts[anchor].1.id)
            })
            .collect();
        let by_id = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();
        let mut index = Self {
            key,
            providers,
            unsynced,
            accounts,
            persons,
            linked_by: linking.linked_by,
            person_of,
            ids,
            differences: Vec::new(),
            ambiguities: linking.ambiguities,
            by_account,
            by_id,
        };
        index.differences = (0..index.persons.len()).map(|p| index.compare(p)).collect();
        Ok(index)
    }

    /// The attributes on which two of a person's accounts hold different values (an empty value
    /// is not a difference: many providers keep fewer attributes than the HR directory).
    fn compare(&self, person: usize) -> Vec<PersonField> {
        let accounts = &self.persons[person];
        if accounts.len() < 2 {
            return Vec::new();
        }
        PersonField::ALL
            .into_iter()
            .filter(|&f| {
                let mut first: Option<String> = None;
                accounts.iter().any(|&a| match self.value(a, f) {
                    None => false,
                    Some(v) => match &first {
                        None => {
                            first = Some(v);
                            false
                        }
                        Some(x) => *x != v,
                    },
                })
            })
            .collect()
    }
}

/// A person's id: from their anchor account (the first by provider and account id), so it
/// stays while that account stays theirs, whatever else is linked, unlinked or made the source.
fn person_id(provider_id: i64, account: &str) -> String {
    let digest = Sha256::digest(format!("{provider_id}\n{account}").as_bytes());
    format!("p-{}", &hex::encode(digest)[..12])
}

impl Desk {
    /// The people index for the current copies and decisions (built when they changed).
    pub(crate) fn people_index(&self) -> Result<Arc<PeopleIndex>, DeskError> {
        let db = self.db()?;
        let mut copies = Vec::new();
        for p in db.providers()? {
            let snap = db.latest_snapshot(p.id)?.map(|s| s.id).unwrap_or(0);
            copies.push((p.id, snap, p.source_of_truth));
        }
        let key = IndexKey {
            copies,
            generation: db.generation(),
        };
        let mut cached = self
            .people
            .lock()
            .map_err(|_| DeskError::Internal("the people index lock was poisoned".into()))?;
        if let Some(index) = cached.as_ref().filter(|i| i.key == key) {
            return Ok(index.clone());
        }
        let index = Arc::new(PeopleIndex::build(&db, key)?);
        *cached = Some(index.clone());
        Ok(index)
    }
}
