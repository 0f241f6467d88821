//! The SCIM filter language (RFC 7644 section 3.4.2.2): parser, printer, builder, evaluator.
//!
//! ```text
//! FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
//! valuePath = attrPath "[" valFilter "]"
//! attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
//! logExp    = FILTER SP ("and" / "or") SP FILTER
//! compValue = false / null / true / number / string
//! attrPath  = [URI ":"] ATTRNAME *1subAttr
//! ```
//! Precedence, highest first: grouping and `not`, `and`, `or`; `and` and `or` associate to the
//! left. [`Filter::to_string`] prints the fewest parentheses that parse back to the same tree, so
//! `parse(print(f)) == f` for every filter.

mod eval;
mod parse;

use std::fmt;

pub use eval::{default_case_exact, matches, CaseExact};
pub use parse::{parse, FilterError};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    /// Every operator.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    /// The operator as written in a filter.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// Parses an operator, ignoring case.
    pub fn parse(s: &str) -> Option<Self> {
        CompareOp::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(s))
    }
}

/// An attribute path: optional schema URN, attribute name, optional sub-attribute.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    pub urn: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// `name` with no URN and no sub-attribute.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            urn: None,
            name: name.into(),
            sub: None,
        }
    }

    /// Parses `[urn:]name[.sub]`.
    pub fn parse(s: &str) -> Result<Self, FilterError> {
        parse::parse_attr_path(s, 0)
    }

    /// Adds a sub-attribute.
    pub fn with_sub(mut self, sub: impl Into<String>) -> Self {
        self.sub = Some(sub.into());
        self
    }

    /// Adds a schema URN prefix.
    pub fn with_urn(mut self, urn: impl Into<String>) -> Self {
        self.urn = Some(urn.into());
        self
    }

    /// Builds `self eq value` and the other comparisons.
    pub fn eq(self, v: impl Into<CompValue>) -> Filter {
        Filter::compare(self, CompareOp::Eq, v)
    }
    pub fn ne(self, v: impl Into<CompValue>) -> Filter {
        Filter::compare(self, CompareOp::Ne, v)
    }
    pub fn co(self, v: impl Into<CompValue>) -> Filter {
        Filter::compare(self, CompareOp::Co, v)
    }
    pub fn sw(self, v: impl Into<CompValue>) -> Filter {
        Filter::compare(self, CompareOp::Sw, v)
    }
    pub fn ew(self, v: impl Into<CompValue>) -> Filter {
        Filter::compare(self, CompareOp::Ew, v)
    }
    pub fn gt(self, v: impl Into<CompValue>) -> Filter {
        Filter::compare(self, CompareOp::Gt, v)
    }
    pub fn ge(self, v: impl Into<CompValue>) -> Filter {
        Filter::compare(self, CompareOp::Ge, v)
    }
    pub fn lt(self, v: impl Into<CompValue>) -> Filter {
        Filter::compare(self, CompareOp::Lt, v)
    }
    pub fn le(self, v: impl Into<CompValue>) -> Filter {
        Filter::compare(self, CompareOp::Le, v)
    }
    /// `self pr`.
    pub fn pr(self) -> Filter {
        Filter::Present(self)
    }
    /// `self[filter]`.
    pub fn having(self, filter: Filter) -> Filter {
        Filter::ValuePath {
            path: self,
            filter: Box::new(filter),
        }
    }
}

impl AttrPath {
    /// The attribute without its schema: `name` or `name.sub` ("emails.value").
    pub fn dotted(&self) -> String {
        match &self.sub {
            Some(s) => format!("{}.{s}", self.name),
            None => self.name.clone(),
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// A comparison value.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
}

impl From<&str> for CompValue {
    fn from(s: &str) -> Self {
        CompValue::String(s.to_string())
    }
}
impl From<String> for CompValue {
    fn from(s: String) -> Self {
        CompValue::String(s)
    }
}
impl From<bool> for CompValue {
    fn from(b: bool) -> Self {
        CompValue::Bool(b)
    }
}
impl From<i64> for CompValue {
    fn from(n: i64) -> Self {
        CompValue::Number(n.into())
    }
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            // JSON string escaping is exactly the filter's string syntax.
            CompValue::String(s) => {
                write!(f, "{}", serde_json::Value::String(s.clone()))
            }
        }
    }
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: CompValue,
    },
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

impl Filter {
    /// `path op value`.
    pub fn compare(path: AttrPath, op: CompareOp, value: impl Into<CompValue>) -> Self {
        Filter::Compare {
            path,
            op,
            value: value.into(),
        }
    }

    /// `self and other`.
    pub fn and(self, other: Filter) -> Self {
        Filter::And(Box::new(self), Box::new(other))
    }

    /// `self or other`.
    pub fn or(self, other: Filter) -> Self {
        Filter::Or(Box::new(self), Box::new(other))
    }

    /// `not (self)`.
    pub fn negate(self) -> Self {
        Filter::Not(Box::new(self))
    }

    /// How tightly the node binds when printed: or < and < everything else.
    fn precedence(&self) -> u8 {
        match self {
            Filter::Or(..) => 1,
            Filter::And(..) => 2,
            _ => 3,
        }
    }

    /// Number of nodes, for providers that limit filter size.
    pub fn node_count(&self) -> usize {
        match self {
            Filter::Compare { .. } | Filter::Present(_) => 1,
            Filter::And(a, b) | Filter::Or(a, b) => 1 + a.node_count() + b.node_count(),
            Filter::Not(a) => 1 + a.node_count(),
            Filter::ValuePath { filter, .. } => 1 + filter.node_count(),
        }
    }

    /// Every attribute path the filter reads (value paths as `path.sub`).
    pub fn paths(&self) -> Vec<AttrPath> {
        let mut out = Vec::new();
        self.collect_paths(None, &mut out);
        out
    }

    fn collect_paths(&self, parent: Option<&AttrPath>, out: &mut Vec<AttrPath>) {
        let qualify = |p: &AttrPath| match parent {
            Some(parent) => AttrPath {
                urn: parent.urn.clone(),
                name: parent.name.clone(),
                sub: Some(p.name.clone()),
            },
            None => p.clone(),
        };
        match self {
            Filter::Compare { path, .. } | Filter::Present(path) => out.push(qualify(path)),
            Filter::And(a, b) | Filter::Or(a, b) => {
                a.collect_paths(parent, out);
                b.collect_paths(parent, out);
            }
            Filter::Not(a) => a.collect_paths(parent, out),
            Filter::ValuePath { path, filter } => filter.collect_paths(Some(path), out),
        }
    }
}

fn write_child(f: &mut fmt::Formatter<'_>, child: &Filter, min: u8) -> fmt::Result {
    if child.precedence() < min {
        write!(f, "({child})")
    } else {
        write!(f, "{child}")
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { path, op, value } => write!(f, "{path} {} {value}", op.as_str()),
            Filter::Present(path) => write!(f, "{path} pr"),
            // Left-associative: the left child may be the same operator, the right may not.
            Filter::And(a, b) => {
                write_child(f, a, 2)?;
                f.write_str(" and ")?;
                write_child(f, b, 3)
            }
            Filter::Or(a, b) => {
                write_child(f, a, 1)?;
                f.write_str(" or ")?;
                write_child(f, b, 2)
            }
            Filter::Not(a) => write!(f, "not ({a})"),
            Filter::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
        }
    }
}

#[cfg(test)]
mod tests;
