//! What the person decides: two accounts are (or are not) one person, and which providers are
//! the source of truth for people. Kept in the database; they win over the matching rules.

use desk_store::people::Decision;

use super::page::PersonPage;
use crate::{Desk, DeskError};

impl Desk {
    /// The store's ids of the account `PROVIDER:ID` names (from the copies).
    fn decided_account(&self, key: &str) -> Result<(i64, String, usize), DeskError> {
        let index = self.people_index()?;
        let Some((provider, id)) = key.split_once(':') else {
            return Err(DeskError::InvalidInput(format!(
                "\"{key}\" does not name an account: write PROVIDER:ID, for example \"HR:2819c223\"."
            )));
        };
        let p = index.provider(provider.trim()).ok_or_else(|| {
            DeskError::NotFound(format!(
                "No synced provider is called \"{}\". Sync it first, then try again.",
                provider.trim()
            ))
        })?;
        let a = index.account(p, id.trim()).ok_or_else(|| {
            DeskError::NotFound(format!(
                "{} has no account with id \"{}\" in its offline copy. Sync it if the account is new.",
                index.providers[p].name,
                id.trim()
            ))
        })?;
        Ok((index.providers[p].id, id.trim().to_string(), a))
    }

    /// Records that the accounts `a` and `b` (`PROVIDER:ID`) are the same person; returns that
    /// person's page.
    pub fn person_link(&self, a: &str, b: &str) -> Result<PersonPage, DeskError> {
        let (pa, ia, xa) = self.decided_account(a)?;
        let (pb, ib, xb) = self.decided_account(b)?;
        if pa == pb {
            return Err(DeskError::InvalidInput(
                "Both accounts are in the same provider; a person has one account per provider. \
                 Link accounts of two different providers."
                    .into(),
            ));
        }
        let index = self.people_index()?;
        let (qa, qb) = (index.person_of[xa], index.person_of[xb]);
        if qa != qb {
            // The two people's accounts must not share a provider once together.
            let provs = |q: usize| -> Vec<usize> {
                index.persons[q]
                    .iter()
                    .map(|&x| index.accounts[x].0)
                    .collect()
            };
            let (left, right) = (provs(qa), provs(qb));
            if let Some(&clash) = left.iter().find(|p| right.contains(p)) {
                return Err(DeskError::InvalidInput(format!(
                    "{} and {} both have an account in {}; a person has one account per provider. \
                     Unlink one of those accounts first.",
                    index.name(qa),
                    index.name(qb),
                    index.providers[clash].name
                )));
            }
        }
        self.db()?
            .decide_person((pa, &ia), (pb, &ib), Decision::Link)?;
        self.person(a)
    }

    /// Records that the accounts `a` and `b` are two different people (the rules will not put
    /// them together again); returns the page of `a`'s person.
    pub fn person_unlink(&self, a: &str, b: &str) -> Result<PersonPage, DeskError> {
        let (pa, ia, _) = self.decided_account(a)?;
        let (pb, ib, _) = self.decided_account(b)?;
        self.db()?
            .decide_person((pa, &ia), (pb, &ib), Decision::Unlink)?;
        self.person(a)
    }

    /// Makes `provider` a source of truth for people (or not).
    pub fn set_source_of_truth(&self, provider: &str, on: bool) -> Result<(), DeskError> {
        let db = self.db()?;
        let row = db.provider(provider)?;
        db.set_source_of_truth(row.id, on)?;
        Ok(())
    }
}
