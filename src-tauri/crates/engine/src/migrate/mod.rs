//! Migration planning (issue 6, first part): match the users and groups of two cached
//! directories, map source records onto the target, and plan the ordered operations: create
//! and update users, create groups, add memberships with remapped ids, then manager references
//! in a second pass. Nothing is written here; the plan is a readable JSON document with an
//! `operations` array that a person reviews before anything is sent.
//!
//! Matching follows the lessons of sync tools: a stable key first (the source's externalId, or
//! its id when it has none, against the target's externalId), then userName ignoring case, then
//! the primary email; an email match whose externalIds disagree (a recycled address) and a key
//! that matches several records go to a review list instead of being adopted.
//!
//! [`fit`] says what the target can take; [`run`] sends a plan, journaled, and verifies.

mod cached;
mod changes;
pub mod fit;
mod matching;
mod operation;
mod plan;
mod planner;
mod records;
pub mod reports;
mod rules;
pub mod run;
mod runner;

pub use matching::{match_groups, match_users};
pub use operation::Operation;
pub use plan::{
    MatchTag, MigrationPlan, PlanOperation, PlanOptions, Planned, RecordMatch, TargetOnly,
};
pub use planner::{plan_operations, Side};
pub use records::map_record;
pub use rules::{apply_rules, Mapper, MappingRule, MappingRules, TransformKind};

pub(crate) use cached::CachedSide;
use plan::leave_out_unkept;

use std::collections::BTreeMap;

use crate::migrate::fit::TargetFit;
use crate::{Desk, DeskError};

impl Desk {
    /// Reads both providers again and plans: what remains to do is what still differs
    /// (verification after a run; an empty plan means the target holds the source).
    pub async fn verify_migration(
        &self,
        source: &str,
        target: &str,
        options: &PlanOptions,
        progress: &(dyn Fn(crate::read::sync::SyncProgress) + Send + Sync),
    ) -> Result<MigrationPlan, DeskError> {
        for name in [source, target] {
            self.sync(name, &crate::vocabulary::CancelFlag::new(), progress)
                .await?;
        }
        self.plan_migration(source, target, options)
    }

    /// The file name a saved plan suggests: the two providers and when.
    pub fn plan_file_name(plan: &MigrationPlan) -> String {
        let safe = |n: &str| -> String {
            n.chars()
                .map(|c| if c.is_alphanumeric() { c } else { '-' })
                .collect()
        };
        let stamp = desk_store::now_rfc3339().replace([':', '-'], "");
        format!(
            "plan-{}-to-{}-{stamp}.json",
            safe(&plan.source),
            safe(&plan.target)
        )
    }

    /// Saves a plan as readable JSON at `path`, a file the person chose (readable by its owner
    /// only): it holds directory data in clear text, so it is never written into the data folder
    /// on the app's own initiative.
    pub fn save_plan_to(
        &self,
        plan: &MigrationPlan,
        path: &std::path::Path,
    ) -> Result<(), DeskError> {
        let text = serde_json::to_string_pretty(plan)
            .map_err(|e| DeskError::Internal(format!("the plan: {e}")))?;
        crate::paths::write_private(path, text.as_bytes())
            .map_err(|e| DeskError::Internal(format!("writing {}: {e}", path.display())))
    }

    /// Plans a migration from the latest snapshots of `source` and `target` (sync both first).
    pub fn plan_migration(
        &self,
        source: &str,
        target: &str,
        options: &PlanOptions,
    ) -> Result<MigrationPlan, DeskError> {
        options.rules.validate()?;
        if source == target {
            return Err(DeskError::InvalidInput(
                "The source and the target are the same provider; pick two different ones.".into(),
            ));
        }
        let (src, dst) = {
            let db = self.db()?;
            (
                CachedSide::read(&db, source)?,
                CachedSide::read(&db, target)?,
            )
        };
        let fit = self.target_fit(target, &dst)?;
        let mapper = Mapper {
            rules: &options.rules,
            fit: &fit,
        };
        let complete = src.complete && dst.complete;
        let planned = plan_operations(&src.side(), &dst.side(), &mapper, options, complete);
        self.assemble_plan(source, target, &src, &dst, options, planned)
    }

    /// What the target can take: its discovery and the person's overrides.
    pub(crate) fn target_fit(
        &self,
        target: &str,
        dst: &CachedSide,
    ) -> Result<TargetFit, DeskError> {
        let profile = self.saved_profile(target)?;
        Ok(TargetFit::from_discovery(&dst.discovery, profile.as_ref()))
    }

    /// The plan as saved for review, from what planning found: changes the target does not
    /// keep left out, counts, and the warnings about target-only users and incomplete copies.
    pub(crate) fn assemble_plan(
        &self,
        source: &str,
        target: &str,
        src: &CachedSide,
        dst: &CachedSide,
        options: &PlanOptions,
        planned: Planned,
    ) -> Result<MigrationPlan, DeskError> {
        let Planned {
            mut matches,
            warnings: planned_warnings,
            mut operations,
            user_ids,
            group_ids,
        } = planned;
        let not_kept = leave_out_unkept(&mut operations, &mut matches, &self.not_kept(target)?);
        let mut counts = BTreeMap::new();
        for m in &matches {
            *counts.entry(m.tag.as_str().to_string()).or_insert(0) += 1;
        }
        for o in &operations {
            *counts.entry(o.op.to_string()).or_insert(0) += 1;
        }
        let mut warnings = Vec::new();
        if options.target_only == TargetOnly::Keep
            && counts.contains_key(MatchTag::OnlyInTarget.as_str())
        {
            warnings.push(
                "Users only at the target are left as they are (deactivation and deletes are off)."
                    .to_string(),
            );
        }
        warnings.extend(planned_warnings);
        if !not_kept.is_empty() {
            warnings.push(format!(
                "Left out: changes {target} accepts but does not keep ({}). Sending them again \
                 would not make them stick; map them to attributes it keeps, or leave them.",
                not_kept
                    .iter()
                    .map(|n| format!("{} on {} records", n.path, n.records))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for (name, side) in [(source, src), (target, dst)] {
            if let Some(w) = &side.incomplete {
                warnings.push(format!(
                    "{name}: {w}. Nobody is deactivated or deleted on the strength of an \
                     incomplete copy; sync {name} again before relying on this plan."
                ));
            }
        }
        Ok(MigrationPlan {
            version: 1,
            source: source.into(),
            target: target.into(),
            created_at: desk_store::now_rfc3339(),
            source_snapshot: src.snapshot_id,
            target_snapshot: dst.snapshot_id,
            counts,
            review: matches
                .iter()
                .filter(|m| m.tag.needs_a_decision())
                .cloned()
                .collect(),
            matches,
            warnings,
            operations,
            user_ids: user_ids.into_iter().collect(),
            group_ids: group_ids.into_iter().collect(),
            options: options.clone(),
            not_kept,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::records::ENTERPRISE;
    use super::*;
    use serde_json::{json, Value};
    use std::collections::HashMap;

    #[test]
    fn a_rule_for_one_record_changes_only_that_record() {
        let rules: Vec<MappingRule> = serde_json::from_value(json!([
            {"attribute": "emails.value", "constant": "zoe.muller@example.com", "record": "7"},
            {"attribute": "userName", "constant": "zmuller", "record": "7"},
        ]))
        .unwrap();
        let record = |id: &str| {
            json!({"id": id, "userName": "zoë.müller",
                   "emails": [{"value": "zoë.müller@example.com", "type": "work"}]})
        };
        let mut mine = record("7");
        apply_rules(&mut mine, &record("7"), &rules).unwrap();
        assert_eq!(mine["emails"][0]["value"], "zoe.muller@example.com");
        assert_eq!(mine["emails"][0]["type"], "work");
        assert_eq!(mine["userName"], "zmuller");
        let mut other = record("8");
        apply_rules(&mut other, &record("8"), &rules).unwrap();
        assert_eq!(other, record("8"), "another record is left as it is");
    }

    #[test]
    fn transforms_for_values_a_target_refuses() {
        let src = json!({"userName": "Łukasz.Żółć", "title": "Head of Quality Assurance"});
        let mut v = json!({
            "userName": "Łukasz.Żółć@firma.pl",
            "title": "Head of Quality Assurance",
            "nickName": "",
            "emails": [{"value": "łukasz.żółć@firma.pl", "type": "work"},
                       {"value": "Søren.Straße@home.example", "type": "home"}],
        });
        let rules: Vec<MappingRule> = serde_json::from_value(json!([
            {"attribute": "emails.value", "transform": "ascii"},
            {"attribute": "emails.value", "transform": "domain", "to": "example.com"},
            {"attribute": "userName", "transform": "replace", "pattern": "@.*$", "with": ""},
            {"attribute": "userName", "transform": "ascii"},
            {"attribute": "title", "transform": "truncate", "max": 12},
            {"attribute": "nickName", "transform": "default", "value": "n/a"},
            {"attribute": "displayName", "transform": "default", "value": "Unknown"},
        ]))
        .unwrap();
        apply_rules(&mut v, &src, &rules).unwrap();
        assert_eq!(v["emails"][0]["value"], "lukasz.zolc@example.com");
        assert_eq!(v["emails"][1]["value"], "Soren.Strasse@example.com");
        assert_eq!(
            v["emails"][0]["type"], "work",
            "the other sub-attributes stay"
        );
        assert_eq!(v["userName"], "Lukasz.Zolc");
        assert_eq!(v["title"], "Head of Qual");
        assert_eq!(v["nickName"], "n/a");
        assert_eq!(v["displayName"], "Unknown");
        // Rules that cannot work are refused before anything is mapped, saying why.
        for (rule, why) in [
            (
                json!({"attribute": "x", "transform": "replace", "pattern": "("}),
                "not valid",
            ),
            (
                json!({"attribute": "x", "transform": "replace"}),
                "needs \"pattern\"",
            ),
            (
                json!({"attribute": "x", "transform": "domain", "to": "a b"}),
                "not a domain",
            ),
            (
                json!({"attribute": "x", "transform": "truncate", "max": 0}),
                "needs \"max",
            ),
            (
                json!({"attribute": "x", "transform": "default"}),
                "needs \"value\"",
            ),
        ] {
            let rules = MappingRules {
                users: vec![serde_json::from_value(rule.clone()).unwrap()],
                groups: Vec::new(),
            };
            let err = rules.validate().unwrap_err().message();
            assert!(err.contains(why), "{rule}: {err}");
        }
    }

    #[test]
    fn rules_drop_rename_transform_constant_and_template() {
        let src = json!({"id": "1", "userName": "Ana.Silva", "title": "Clerk",
            "name": {"givenName": "Ana", "familyName": "Silva"},
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            ENTERPRISE: {"department": "Sales"}});
        let rules: MappingRules = serde_json::from_value(json!({"users": [
            {"attribute": "title", "drop": true},
            {"attribute": "userName", "transform": "lower"},
            {"attribute": "userType", "constant": "Employee"},
            {"attribute": "displayName", "template": "{name.familyName}, {name.givenName}"},
            {"attribute": format!("{ENTERPRISE}:department"), "rename": format!("{ENTERPRISE}:division")}
        ]}))
        .unwrap();
        rules.validate().unwrap();
        let v = rules.user(&src);
        assert!(v.get("title").is_none());
        assert_eq!(v["userName"], "ana.silva");
        assert_eq!(v["userType"], "Employee");
        assert_eq!(v["displayName"], "Silva, Ana");
        assert_eq!(v[ENTERPRISE], json!({"division": "Sales"}));
        let bad = serde_json::from_value::<MappingRules>(
            json!({"users": [{"attribute": "x", "transform": "shout"}]}),
        )
        .unwrap_err()
        .to_string();
        assert!(bad.contains("unknown variant `shout`"), "{bad}");
        assert!(bad.contains("ascii"), "{bad}");
        assert!(serde_json::from_value::<MappingRules>(
            json!({"users": [{"attribute": "x", "colour": 1}]})
        )
        .is_err());
    }

    fn mapper() -> Mapper<'static> {
        static RULES: std::sync::OnceLock<MappingRules> = std::sync::OnceLock::new();
        static FIT: std::sync::OnceLock<TargetFit> = std::sync::OnceLock::new();
        Mapper {
            rules: RULES.get_or_init(MappingRules::default),
            fit: FIT.get_or_init(TargetFit::lenient),
        }
    }

    fn users_only<'a>(users: &'a [Value], empty: &'a HashMap<String, Vec<String>>) -> Side<'a> {
        Side {
            users,
            groups: &[],
            members: empty,
        }
    }

    fn user(id: &str, name: &str, email: &str, ext: Option<&str>) -> Value {
        let mut v = json!({"id": id, "userName": name, "emails": [{"value": email, "primary": true}],
                           "name": {"givenName": "A", "familyName": name}, "meta": {"version": "1"}});
        if let Some(e) = ext {
            v["externalId"] = json!(e);
        }
        v
    }

    #[test]
    fn matching_follows_the_rules_in_order_and_flags_recycled_addresses() {
        let source = vec![
            user("s1", "ana", "ana@x.org", Some("E1")),
            user("s2", "Bob", "bob@x.org", None),
            user("s3", "cy", "shared@x.org", Some("E3")),
            user("s4", "dee", "dee@x.org", None),
        ];
        let target = vec![
            user("t1", "ana.other", "a@y.org", Some("E1")),
            user("t2", "bob", "b@y.org", None),
            user("t3", "someone", "shared@x.org", Some("E9")),
        ];
        let (m, ids) = match_users(&source, &target, &mapper());
        let tag = |sid: &str| {
            m.iter()
                .find(|x| x.source_id.as_deref() == Some(sid))
                .unwrap()
        };
        assert_eq!(tag("s1").rule.as_deref(), Some("externalId"));
        assert_eq!(tag("s2").rule.as_deref(), Some("userName"));
        assert_eq!(tag("s3").tag, MatchTag::Ambiguous);
        assert_eq!(tag("s4").tag, MatchTag::OnlyInSource);
        assert_eq!(ids.get("s1").map(String::as_str), Some("t1"));
        assert!(!ids.contains_key("s3"));
    }

    #[test]
    fn a_plan_creates_then_links_and_replanning_after_it_plans_nothing() {
        let boss = user("s1", "boss", "boss@x.org", None);
        let mut worker = user("s2", "worker", "w@x.org", None);
        worker[ENTERPRISE] = json!({"department": "Sales", "manager": {"value": "s1"}});
        let src_users = vec![boss, worker];
        let src_groups = vec![json!({"id": "g1", "displayName": "Sales"})];
        let src_members: HashMap<String, Vec<String>> =
            [("g1".to_string(), vec!["s1".to_string(), "s2".to_string()])].into();
        let empty = HashMap::new();
        let ops = plan_operations(
            &Side {
                users: &src_users,
                groups: &src_groups,
                members: &src_members,
            },
            &Side {
                users: &[],
                groups: &[],
                members: &empty,
            },
            &mapper(),
            &PlanOptions::default(),
            true,
        )
        .operations;
        let kinds: Vec<&str> = ops.iter().map(|o| o.op.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "create_user",
                "create_user",
                "create_group",
                "add_members",
                "set_manager"
            ]
        );
        assert_eq!(ops[0].data["externalId"], "s1");
        assert!(ops[1].data[ENTERPRISE].get("manager").is_none());

        // The target after running the plan: same records, new ids, externalId = source key.
        let mut t_users: Vec<Value> = src_users
            .iter()
            .map(|u| {
                let mut v = map_record(u);
                v["id"] = json!(format!("T-{}", u["id"].as_str().unwrap()));
                v
            })
            .collect();
        t_users[1][ENTERPRISE]["manager"] = json!({"value": "T-s1"});
        let t_groups = vec![json!({"id": "TG1", "displayName": "Sales", "externalId": "g1"})];
        let t_members: HashMap<String, Vec<String>> = [(
            "TG1".to_string(),
            vec!["T-s1".to_string(), "T-s2".to_string()],
        )]
        .into();
        let Planned {
            matches,
            operations: again,
            ..
        } = plan_operations(
            &Side {
                users: &src_users,
                groups: &src_groups,
                members: &src_members,
            },
            &Side {
                users: &t_users,
                groups: &t_groups,
                members: &t_members,
            },
            &mapper(),
            &PlanOptions::default(),
            true,
        );
        assert!(again.is_empty(), "{again:?}");
        assert!(
            matches.iter().all(|m| m.tag == MatchTag::MatchedEqual),
            "{matches:?}"
        );
    }

    #[test]
    fn target_only_users_are_deactivated_or_deleted_only_when_asked_and_never_from_a_partial_read()
    {
        let src_users = vec![user("s1", "ana", "ana@x.org", None)];
        let mut t_users = vec![
            user("t1", "ana", "ana@x.org", None),
            user("t2", "old1", "o1@x.org", None),
            user("t3", "old2", "o2@x.org", None),
        ];
        t_users[2]["active"] = json!(false);
        let empty = HashMap::new();
        let plan = |target_only, max_deletes, complete| {
            let p = plan_operations(
                &users_only(&src_users, &empty),
                &users_only(&t_users, &empty),
                &mapper(),
                &PlanOptions {
                    target_only,
                    max_deletes,
                    ..Default::default()
                },
                complete,
            );
            let ops: Vec<String> = p
                .operations
                .iter()
                .filter(|o| o.op != Operation::UpdateUser)
                .map(|o| format!("{} {}", o.op, o.target_id.clone().unwrap_or_default()))
                .collect();
            (ops, p.warnings)
        };
        assert!(plan(TargetOnly::Keep, 10, true).0.is_empty());
        // Already inactive users are not deactivated again.
        assert_eq!(
            plan(TargetOnly::Deactivate, 10, true).0,
            ["deactivate_user t2"]
        );
        assert_eq!(
            plan(TargetOnly::Delete, 10, true).0,
            ["deactivate_user t2", "delete_user t2", "delete_user t3"]
        );
        // Over the limit: deactivated, not deleted, and said so.
        let (ops, warnings) = plan(TargetOnly::Delete, 1, true);
        assert_eq!(ops, ["deactivate_user t2"]);
        assert!(
            warnings.iter().any(|w| w.contains("limit of 1")),
            "{warnings:?}"
        );
        // An incomplete read: nothing at all.
        let (ops, warnings) = plan(TargetOnly::Delete, 10, false);
        assert!(ops.is_empty());
        assert!(warnings.iter().any(|w| w.contains("not read completely")));
    }

    #[test]
    fn records_the_target_would_refuse_are_held_back_with_the_reason() {
        let fit = TargetFit::from_discovery(
            &json!({"schemas": [{"id": scim_client::USER_SCHEMA, "attributes": [
                {"name": "userName", "type": "string", "required": true},
                {"name": "nickName", "type": "string", "required": true},
                {"name": "emails", "type": "complex", "multiValued": true,
                 "subAttributes": [{"name": "value"}, {"name": "primary", "type": "boolean"}]},
                {"name": "name", "type": "complex", "subAttributes": [{"name": "familyName"}]}]}]}),
            None,
        );
        let rules = MappingRules::default();
        let mapper = Mapper {
            rules: &rules,
            fit: &fit,
        };
        let mut with_nick = user("s2", "bo", "bo@x.org", None);
        with_nick["nickName"] = json!("Bo");
        let src_users = vec![user("s1", "ana", "ana@x.org", None), with_nick];
        let empty = HashMap::new();
        let p = plan_operations(
            &users_only(&src_users, &empty),
            &users_only(&[], &empty),
            &mapper,
            &PlanOptions::default(),
            true,
        );
        assert_eq!(p.operations.len(), 1);
        assert_eq!(p.operations[0].source_id, "s2");
        // givenName is not in this target's schema: left out, and the plan says so.
        assert!(p.operations[0].data["name"].get("givenName").is_none());
        assert!(
            p.warnings
                .iter()
                .any(|w| w.starts_with("name.givenName: not in the target's schema")),
            "{:?}",
            p.warnings
        );
        let held = p
            .matches
            .iter()
            .find(|m| m.tag == MatchTag::Incomplete)
            .unwrap();
        assert_eq!(held.source_id.as_deref(), Some("s1"));
        assert!(held.reason.as_deref().unwrap().contains("nickName"));
    }
}
