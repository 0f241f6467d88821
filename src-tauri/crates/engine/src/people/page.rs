//! A person's page: their accounts side by side, what differs, which provider is the truth.

use desk_store::Kind;
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use super::fields::PersonField;
use super::find::CopyAsOf;
use super::index::PeopleIndex;
use super::linking::{Blocked, LinkRule};
use crate::{Desk, DeskError};

/// A person's manager in one provider.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ManagerRef {
    /// The manager's account id in that provider.
    pub id: String,
    /// The manager's name, when the copy has the account.
    pub name: Option<String>,
    /// The manager as a person (to open their page).
    pub person_id: Option<String>,
}

/// One account of a person: a column of their page.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountColumn {
    pub provider: String,
    /// When this provider's copy was taken.
    pub as_of: String,
    pub source_of_truth: bool,
    pub id: String,
    pub user_name: Option<String>,
    pub external_id: Option<String>,
    pub linked_by: Option<LinkRule>,
    pub active: Option<bool>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub display_name: Option<String>,
    /// Every e-mail address, the primary first.
    pub emails: Vec<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub employee_number: Option<String>,
    pub manager: Option<ManagerRef>,
    /// Names of the groups the account is in.
    pub groups: Vec<String>,
}

/// A key the rules could not decide about, among this person's accounts.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OpenQuestion {
    pub rule: LinkRule,
    pub value: String,
    pub blocked: Blocked,
    /// Every account with that key (`provider`, `id`, and the person it is with now).
    pub accounts: Vec<QuestionAccount>,
}

/// An account of an open question.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QuestionAccount {
    pub provider: String,
    pub id: String,
    pub user_name: Option<String>,
    pub person_id: String,
    pub person_name: String,
}

/// A person, across every provider that has an account.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PersonPage {
    pub id: String,
    pub name: String,
    /// The provider whose values are the truth for this person, when one is set and has an
    /// account.
    pub source: Option<String>,
    pub accounts: Vec<AccountColumn>,
    /// Attributes the accounts disagree on.
    pub differences: Vec<PersonField>,
    /// Synced providers where this person has no account.
    pub missing_in: Vec<String>,
    /// Keys the rules could not decide about that involve these accounts.
    pub questions: Vec<OpenQuestion>,
    pub copies: Vec<CopyAsOf>,
}

impl PeopleIndex {
    /// The one person `key` names, or a plain-words error.
    pub(crate) fn one(&self, key: &str) -> Result<usize, DeskError> {
        let found = self.resolve(key);
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(DeskError::NotFound(format!(
                "No one in the offline copies matches \"{}\". Check the spelling, or sync the \
                 providers if the person was added since.",
                key.trim()
            ))),
            many => {
                let names: Vec<String> = many
                    .iter()
                    .take(5)
                    .map(|&p| format!("{} ({})", self.name(p), self.ids[p]))
                    .collect();
                Err(DeskError::InvalidInput(format!(
                    "\"{}\" matches {} people: {}. Use a person id to choose one.",
                    key.trim(),
                    many.len(),
                    names.join(", ")
                )))
            }
        }
    }

    pub(crate) fn questions_of(&self, person: usize) -> Vec<OpenQuestion> {
        self.ambiguities
            .iter()
            .filter(|q| q.accounts.iter().any(|&a| self.person_of[a] == person))
            .map(|q| OpenQuestion {
                rule: q.rule,
                value: q.value.clone(),
                blocked: q.blocked,
                accounts: q
                    .accounts
                    .iter()
                    .map(|&a| {
                        let (p, r) = &self.accounts[a];
                        QuestionAccount {
                            provider: self.providers[*p].name.clone(),
                            id: r.id.clone(),
                            user_name: r.user_name.clone(),
                            person_id: self.ids[self.person_of[a]].clone(),
                            person_name: self.name(self.person_of[a]),
                        }
                    })
                    .collect(),
            })
            .collect()
    }
}

/// Every e-mail value of a record, the primary first.
fn emails_of(record: &Value) -> Vec<String> {
    let mut list: Vec<(bool, String)> = record
        .get("emails")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    let v = e.get("value")?.as_str()?.to_string();
                    Some((e.get("primary").and_then(Value::as_bool) == Some(true), v))
                })
                .collect()
        })
        .unwrap_or_default();
    list.sort_by_key(|(primary, _)| !primary);
    list.into_iter().map(|(_, v)| v).collect()
}

impl Desk {
    /// The page of the person `key` names (a person id, an e-mail, a userName, an externalId or
    /// `PROVIDER:ID`), from the copies.
    pub fn person(&self, key: &str) -> Result<PersonPage, DeskError> {
        let index = self.people_index()?;
        let person = index.one(key)?;
        let db = self.db()?;
        let mut accounts = Vec::new();
        for &a in &index.persons[person] {
            let (p, r) = &index.accounts[a];
            let copy = &index.providers[*p];
            let record = db
                .cached_resource(copy.snapshot_id, Kind::User, &r.id)?
                .unwrap_or(Value::Null);
            let mut emails = emails_of(&record);
            if emails.is_empty() {
                emails.extend(r.email.clone());
            }
            let manager = r.manager_id.clone().map(|id| {
                let m = index.account(*p, &id);
                ManagerRef {
                    name: m.map(|m| index.name(index.person_of[m])),
                    person_id: m.map(|m| index.ids[index.person_of[m]].clone()),
                    id,
                }
            });
            let groups = db
                .account_groups(copy.snapshot_id, &r.id)?
                .into_iter()
                .map(|(id, name)| name.unwrap_or(id))
                .collect();
            accounts.push(AccountColumn {
                provider: copy.name.clone(),
                as_of: copy.as_of.clone(),
                source_of_truth: copy.source_of_truth,
                id: r.id.clone(),
                user_name: r.user_name.clone(),
                external_id: r.external_id.clone(),
                linked_by: index.linked_by[a],
                active: r.active,
                given_name: r.given_name.clone(),
                family_name: r.family_name.clone(),
                display_name: r.display_name.clone(),
                emails,
                title: r.title.clone(),
                department: r.department.clone(),
                employee_number: r.employee_number.clone(),
                manager,
                groups,
            });
        }
        let has: Vec<usize> = index.persons[person]
            .iter()
            .map(|&a| index.accounts[a].0)
            .collect();
        Ok(PersonPage {
            id: index.ids[person].clone(),
            name: index.name(person),
            source: index
                .source_account(person)
                .map(|a| index.providers[index.accounts[a].0].name.clone()),
            accounts,
            differences: index.differences[person].clone(),
            missing_in: index
                .providers
                .iter()
                .enumerate()
                .filter(|(i, _)| !has.contains(i))
                .map(|(_, p)| p.name.clone())
                .collect(),
            questions: index.questions_of(person),
            copies: index.copies(),
        })
    }
}
