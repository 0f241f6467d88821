//! Which filters a provider takes: the whole filter, or the largest part of it it accepts (the
//! rest is evaluated on this computer).

use super::*;
use crate::filter::{CompareOp, Filter};

impl CapabilityProfile {
    /// True when `filter` can be sent to this provider as is; otherwise the client filters
    /// locally (or narrows with the part it can send).
    pub fn accepts_filter(&self, filter: &Filter) -> bool {
        if !self.filter.supported {
            return false;
        }
        if let Some(max) = self.filter.max_nodes {
            if filter.node_count() > max as usize {
                return false;
            }
        }
        self.accepts_node(filter)
    }

    /// The largest part of `filter` this provider accepts whose matches include every match
    /// of `filter` (the whole filter, or some of the conditions of an `and`): sent to the
    /// provider, with the whole filter then applied on this computer. None: nothing can be
    /// sent, the list is read whole.
    pub fn sendable_part(&self, filter: &Filter) -> Option<Filter> {
        if self.accepts_filter(filter) {
            return Some(filter.clone());
        }
        match filter {
            Filter::And(a, b) => match (self.sendable_part(a), self.sendable_part(b)) {
                (Some(a), Some(b)) => Some(a.and(b)),
                (one, other) => one.or(other),
            },
            _ => None,
        }
    }

    fn accepts_node(&self, f: &Filter) -> bool {
        let path_ok = |p: &crate::filter::AttrPath| {
            let dotted = p.dotted();
            if self
                .filter
                .refused_attributes
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&dotted) || r.eq_ignore_ascii_case(&p.name))
            {
                return false;
            }
            let ext_ok = self.filter.extension_attributes
                || p.urn.as_deref().is_none_or(|u| {
                    u.eq_ignore_ascii_case(crate::USER_SCHEMA)
                        || u.eq_ignore_ascii_case(crate::GROUP_SCHEMA)
                });
            let attr_ok = self
                .filter
                .attributes
                .as_ref()
                .is_none_or(|allowed| allowed.iter().any(|a| a.eq_ignore_ascii_case(&dotted)));
            ext_ok && attr_ok
        };
        let op_ok = |op: CompareOp| {
            self.filter
                .operators
                .as_ref()
                .is_none_or(|ops| ops.iter().any(|o| o.eq_ignore_ascii_case(op.as_str())))
        };
        // Text compared case-sensitively where the standard says to ignore case: here.
        let case_ok =
            |path: &crate::filter::AttrPath, op: CompareOp, value: &crate::filter::CompValue| {
                let text_match = matches!(
                    op,
                    CompareOp::Eq | CompareOp::Ne | CompareOp::Co | CompareOp::Sw | CompareOp::Ew
                ) && matches!(value, crate::filter::CompValue::String(_));
                !self.filter.user_name_eq_case_sensitive
                    || !text_match
                    || crate::filter::default_case_exact(path)
            };
        match f {
            Filter::Compare { path, op, value } => {
                path_ok(path) && op_ok(*op) && case_ok(path, *op, value)
            }
            Filter::Present(path) => {
                path_ok(path)
                    && self
                        .filter
                        .operators
                        .as_ref()
                        .is_none_or(|ops| ops.iter().any(|o| o == "pr"))
            }
            Filter::And(a, b) => self.accepts_node(a) && self.accepts_node(b),
            Filter::Or(a, b) => self.filter.or && self.accepts_node(a) && self.accepts_node(b),
            Filter::Not(a) => self.filter.not && self.accepts_node(a),
            Filter::ValuePath { path, filter } => {
                self.filter.value_paths && path_ok(path) && self.accepts_node(filter)
            }
        }
    }
}
