//! Which accounts are one person: the rules and the person's own decisions, as pure logic.
//!
//! The person's links come first and their unlinks are never crossed. Then the rules, in this
//! order: the same `externalId`, the same `userName` (ignoring case), the same primary e-mail
//! (ignoring case). A person has at most one account per provider, so a key shared by two
//! accounts of one provider (two people, or a recycled address) links nobody by it and goes to
//! "needs a decision" instead, as does a key that would cross an unlink.

use std::collections::HashMap;

use serde::Serialize;
use ts_rs::TS;

/// What put an account with the others of its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum LinkRule {
    /// The person linked it.
    Decided,
    ExternalId,
    UserName,
    Email,
}

impl LinkRule {
    /// The rules, in the order they apply.
    pub const RULES: [LinkRule; 3] = [LinkRule::ExternalId, LinkRule::UserName, LinkRule::Email];

    /// In words, for lists and the command line.
    pub fn words(self) -> &'static str {
        match self {
            LinkRule::Decided => "linked by you",
            LinkRule::ExternalId => "same externalId",
            LinkRule::UserName => "same userName",
            LinkRule::Email => "same e-mail",
        }
    }
}

/// One account's keys, as the rules read them.
#[derive(Debug, Clone, Default)]
pub struct AccountKeys {
    /// Index of its provider.
    pub provider: usize,
    pub external_id: Option<String>,
    pub user_name: Option<String>,
    pub email: Option<String>,
}

impl AccountKeys {
    fn key(&self, rule: LinkRule) -> Option<String> {
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        match rule {
            LinkRule::Decided => None,
            LinkRule::ExternalId => clean(&self.external_id),
            LinkRule::UserName => clean(&self.user_name).map(|v| v.to_lowercase()),
            LinkRule::Email => clean(&self.email).map(|v| v.to_lowercase()),
        }
    }
}

/// Why a key linked nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Blocked {
    /// Two accounts of one provider have it.
    SameProvider,
    /// It would put together accounts the person said are two people.
    Unlinked,
}

/// A key that matched accounts the rules cannot put together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguity {
    pub rule: LinkRule,
    /// The key as the rule compares it (lower case for userName and e-mail).
    pub value: String,
    pub blocked: Blocked,
    /// Every account with that key, by index.
    pub accounts: Vec<usize>,
}

/// The outcome: each person's accounts (indexes, in input order) and what needs a decision.
#[derive(Debug, Clone, Default)]
pub struct Linking {
    pub persons: Vec<Vec<usize>>,
    /// Per account, what linked it to the others of its person (None: alone).
    pub linked_by: Vec<Option<LinkRule>>,
    pub ambiguities: Vec<Ambiguity>,
}

struct Sets {
    parent: Vec<usize>,
    /// Per root: its accounts and their providers (sorted).
    members: Vec<Vec<usize>>,
    providers: Vec<Vec<usize>>,
}

impl Sets {
    fn new(accounts: &[AccountKeys]) -> Self {
        Self {
            parent: (0..accounts.len()).collect(),
            members: (0..accounts.len()).map(|i| vec![i]).collect(),
            providers: accounts.iter().map(|a| vec![a.provider]).collect(),
        }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) -> usize {
        let (a, b) = (self.find(a), self.find(b));
        if a == b {
            return a;
        }
        let (big, small) = if self.members[a].len() >= self.members[b].len() {
            (a, b)
        } else {
            (b, a)
        };
        self.parent[small] = big;
        let moved = std::mem::take(&mut self.members[small]);
        self.members[big].extend(moved);
        let provs = std::mem::take(&mut self.providers[small]);
        self.providers[big].extend(provs);
        self.providers[big].sort_unstable();
        big
    }
}

/// Links `accounts` into persons; `links` and `unlinks` are the person's decisions (pairs of
/// account indexes).
pub fn link(
    accounts: &[AccountKeys],
    links: &[(usize, usize)],
    unlinks: &[(usize, usize)],
) -> Linking {
    let mut sets = Sets::new(accounts);
    let mut linked_by: Vec<Option<LinkRule>> = vec![None; accounts.len()];
    let mut decided = vec![false; accounts.len()];
    let mut apart: HashMap<usize, Vec<usize>> = HashMap::new();
    for &(a, b) in unlinks {
        apart.entry(a).or_default().push(b);
        apart.entry(b).or_default().push(a);
        decided[a] = true;
        decided[b] = true;
    }
    // Would putting these roots together cross an unlink or give a provider two accounts?
    let refused = |sets: &mut Sets, roots: &[usize]| -> Option<Blocked> {
        let mut provs: Vec<usize> = roots
            .iter()
            .flat_map(|r| sets.providers[*r].iter().copied())
            .collect();
        let n = provs.len();
        provs.sort_unstable();
        provs.dedup();
        if provs.len() != n {
            return Some(Blocked::SameProvider);
        }
        for &r in roots {
            let members = sets.members[r].clone();
            for m in members {
                for &other in apart.get(&m).map(Vec::as_slice).unwrap_or(&[]) {
                    let o = sets.find(other);
                    if o != r && roots.contains(&o) {
                        return Some(Blocked::Unlinked);
                    }
                }
            }
        }
        None
    };
    for &(a, b) in links {
        decided[a] = true;
        decided[b] = true;
        let roots = [sets.find(a), sets.find(b)];
        if roots[0] != roots[1] && refused(&mut sets, &roots).is_none() {
            sets.union(a, b);
            linked_by[a] = Some(LinkRule::Decided);
            linked_by[b] = Some(LinkRule::Decided);
        }
    }
    let mut ambiguities = Vec::new();
    for rule in LinkRule::RULES {
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, a) in accounts.iter().enumerate() {
            if let Some(k) = a.key(rule) {
                by_key.entry(k).or_default().push(i);
            }
        }
        let mut groups: Vec<(String, Vec<usize>)> =
            by_key.into_iter().filter(|(_, g)| g.len() > 1).collect();
        // The same outcome whatever order the hash map gave.
        groups.sort_unstable_by(|a, b| a.1[0].cmp(&b.1[0]));
        for (value, group) in groups {
            let mut roots: Vec<usize> = group.iter().map(|&i| sets.find(i)).collect();
            roots.sort_unstable();
            roots.dedup();
            if roots.len() < 2 {
                continue;
            }
            match refused(&mut sets, &roots) {
                None => {
                    for &i in &group {
                        if linked_by[i].is_none() {
                            linked_by[i] = Some(rule);
                        }
                    }
                    for w in group.windows(2) {
                        sets.union(w[0], w[1]);
                    }
                }
                Some(blocked) => {
                    // Accounts the person already decided about are settled.
                    if !group.iter().any(|&i| decided[i]) {
                        ambiguities.push(Ambiguity {
                            rule,
                            value,
                            blocked,
                            accounts: group,
                        });
                    }
                }
            }
        }
    }
    let mut persons: Vec<Vec<usize>> = Vec::new();
    let mut index_of_root: HashMap<usize, usize> = HashMap::new();
    for i in 0..accounts.len() {
        let r = sets.find(i);
        let at = *index_of_root.entry(r).or_insert_with(|| {
            persons.push(Vec::new());
            persons.len() - 1
        });
        persons[at].push(i);
    }
    Linking {
        persons,
        linked_by,
        ambiguities,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn acc(provider: usize, ext: &str, user: &str, email: &str) -> AccountKeys {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        AccountKeys {
            provider,
            external_id: some(ext),
            user_name: some(user),
            email: some(email),
        }
    }

    fn person_of(l: &Linking, i: usize) -> Vec<usize> {
        l.persons.iter().find(|p| p.contains(&i)).unwrap().clone()
    }

    #[test]
    fn external_id_then_user_name_then_email_link_accounts_of_different_providers() {
        let accounts = [
            acc(0, "E1", "ada", "ada@x.test"),
            acc(1, "E1", "a.lovelace", ""),       // externalId
            acc(2, "", "ADA", "other@x.test"),    // userName, any case
            acc(3, "", "lovelace", "Ada@X.test"), // e-mail, any case
            acc(1, "", "bob", "bob@x.test"),      // someone else
        ];
        let l = link(&accounts, &[], &[]);
        assert_eq!(person_of(&l, 0), vec![0, 1, 2, 3]);
        assert_eq!(person_of(&l, 4), vec![4]);
        assert_eq!(l.persons.len(), 2);
        assert_eq!(l.linked_by[1], Some(LinkRule::ExternalId));
        assert_eq!(l.linked_by[2], Some(LinkRule::UserName));
        assert_eq!(l.linked_by[3], Some(LinkRule::Email));
        assert_eq!(l.linked_by[4], None);
        assert!(l.ambiguities.is_empty());
    }

    #[test]
    fn two_accounts_of_one_provider_with_a_key_link_nobody_and_need_a_decision() {
        let accounts = [
            acc(0, "", "jo", "jo@x.test"),
            acc(0, "", "jo2", "jo@x.test"), // the address was given again
            acc(1, "", "joanna", "jo@x.test"),
        ];
        let l = link(&accounts, &[], &[]);
        assert_eq!(l.persons.len(), 3, "nobody linked by the shared address");
        assert_eq!(l.ambiguities.len(), 1);
        let a = &l.ambiguities[0];
        assert_eq!(
            (a.rule, a.value.as_str(), a.blocked),
            (LinkRule::Email, "jo@x.test", Blocked::SameProvider)
        );
        assert_eq!(a.accounts, vec![0, 1, 2]);
    }

    #[test]
    fn a_recycled_address_does_not_join_a_new_hire_to_the_person_who_left() {
        // 0 and 1 are the person who left (same userName); 2 is the new hire in provider 0 who
        // got the old address; 3 is an app account with only the address.
        let accounts = [
            acc(0, "", "sam.old", "sam@x.test"),
            acc(1, "", "sam.old", "sam@x.test"),
            acc(0, "", "sam.new", "sam@x.test"),
            acc(2, "", "", "sam@x.test"),
        ];
        let l = link(&accounts, &[], &[]);
        assert_eq!(person_of(&l, 0), vec![0, 1]);
        assert_eq!(person_of(&l, 2), vec![2]);
        assert_eq!(
            person_of(&l, 3),
            vec![3],
            "the app account waits for a decision"
        );
        assert_eq!(l.ambiguities.len(), 1);
        assert_eq!(l.ambiguities[0].accounts, vec![0, 1, 2, 3]);
    }

    #[test]
    fn the_persons_links_and_unlinks_win_over_the_rules_and_settle_the_question() {
        let accounts = [
            acc(0, "", "sam.old", "sam@x.test"),
            acc(1, "", "sam.old", "sam@x.test"),
            acc(0, "", "sam.new", "sam@x.test"),
            acc(2, "", "", "sam@x.test"),
            acc(3, "", "kim", ""),
            acc(4, "", "kim", ""),
        ];
        // The app account is the new hire's; the two kims are different people.
        let l = link(&accounts, &[(2, 3)], &[(4, 5)]);
        assert_eq!(person_of(&l, 2), vec![2, 3]);
        assert_eq!(l.linked_by[3], Some(LinkRule::Decided));
        assert_eq!(person_of(&l, 0), vec![0, 1]);
        assert_eq!(person_of(&l, 4), vec![4]);
        assert_eq!(person_of(&l, 5), vec![5]);
        assert!(l.ambiguities.is_empty(), "decided: {:?}", l.ambiguities);
    }

    #[test]
    fn a_link_that_would_give_a_provider_two_accounts_is_not_made() {
        let accounts = [acc(0, "", "a", ""), acc(0, "", "b", "")];
        let l = link(&accounts, &[(0, 1)], &[]);
        assert_eq!(l.persons.len(), 2);
    }

    #[test]
    fn a_hundred_thousand_accounts_in_four_providers_link_into_a_hundred_thousand_persons() {
        let mut accounts = Vec::new();
        for p in 0..4 {
            for i in 0..25_000 {
                accounts.push(acc(p, "", &format!("user{i}"), &format!("user{i}@x.test")));
            }
        }
        let l = link(&accounts, &[], &[]);
        assert_eq!(l.persons.len(), 25_000);
        assert!(l.persons.iter().all(|p| p.len() == 4));
    }
}
