//! SCIM filters over the cache, translated to SQL where every attribute the filter names has a
//! column (or, for `emails`, a JSON array SQLite can walk). Filters naming other attributes
//! return `None` and are evaluated in Rust by the caller; both paths give the same answers
//! (see the equivalence tests).
//!
//! Semantics follow the evaluator in `scim_client::filter`: attribute names ignore case; string
//! comparisons ignore case except on `id` and `externalId`; `ne` holds when the attribute is
//! absent; date-times compare as instants; a value of the wrong type never matches. Every
//! predicate is two-valued (never SQL NULL), so `not` behaves as in the evaluator.
//!
//! Case folding: for ASCII literals SQLite's own `NOCASE`/`LIKE` are used (index-friendly and
//! fast); literals with other letters go through `scim_fold`, a Rust function registered on the
//! connection that lowercases like the evaluator does.

use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value as SqlValue;
use rusqlite::Connection;
use scim_client::filter::{AttrPath, CompValue, CompareOp, Filter};

use crate::cache::ValueType;

/// A WHERE clause over `resources r` and its parameters (numbered from `first_param`).
#[derive(Debug, Clone, PartialEq)]
pub struct SqlFilter {
    pub clause: String,
    pub params: Vec<SqlValue>,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum ColType {
    Text { exact: bool },
    Time,
    Bool,
}

/// Where a filter path lives in SQL.
#[derive(Clone, Copy)]
pub(crate) enum Target {
    Column(&'static str, ColType),
    /// A sub-attribute of each value of the `emails` array.
    Email(&'static str, ColType),
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Where a filter's attribute lives in SQL: the `emails` list, or the cache column the column
/// table says holds it whole ([`crate::cache::COLUMNS`], `sql_filter`). None: evaluated in Rust.
pub(crate) fn target(path: &AttrPath) -> Option<Target> {
    let text = ColType::Text { exact: false };
    let core = path.urn.as_deref().is_none_or(|u| {
        let u = u.to_ascii_lowercase();
        u.ends_with(":core:2.0:user") || u.ends_with(":core:2.0:group")
    });
    if core && eq(&path.name, "emails") {
        return match path.sub.as_deref() {
            None => Some(Target::Email("value", text)),
            Some(s) if eq(s, "value") => Some(Target::Email("value", text)),
            Some(s) if eq(s, "type") => Some(Target::Email("type", text)),
            Some(s) if eq(s, "primary") => Some(Target::Email("primary", ColType::Bool)),
            Some(_) => None,
        };
    }
    let attribute = match (&path.urn, core) {
        (Some(urn), false) => format!("{urn}:{}", path.dotted()),
        _ => path.dotted(),
    };
    let column = crate::cache::column_of_attribute(&attribute).filter(|c| c.sql_filter)?;
    let kind = match column.value {
        ValueType::Text => text,
        ValueType::Exact => ColType::Text { exact: true },
        ValueType::Bool => ColType::Bool,
        ValueType::Time => ColType::Time,
        ValueType::Count => return None,
    };
    Some(Target::Column(column.sql?, kind))
}

struct Builder {
    params: Vec<SqlValue>,
    first: usize,
    /// How many `not`s enclose the current term. Outside any, SQL NULL and false filter the
    /// same, so column comparisons stay bare and the planner can use the indexes.
    negated: u32,
}

impl Builder {
    fn param(&mut self, v: SqlValue) -> String {
        self.params.push(v);
        format!("?{}", self.first + self.params.len() - 1)
    }

    fn filter(&mut self, f: &Filter) -> Option<String> {
        Some(match f {
            Filter::And(a, b) => format!("({} AND {})", self.filter(a)?, self.filter(b)?),
            Filter::Or(a, b) => format!("({} OR {})", self.filter(a)?, self.filter(b)?),
            Filter::Not(a) => {
                self.negated += 1;
                let inner = self.filter(a);
                self.negated -= 1;
                format!("(NOT {})", inner?)
            }
            Filter::Present(path) if is_any_email(path) => "(ifnull(r.emails <> '', 0))".into(),
            Filter::Compare {
                path,
                op:
                    op @ (CompareOp::Eq | CompareOp::Ne | CompareOp::Co | CompareOp::Sw | CompareOp::Ew),
                value: CompValue::String(v),
            } if is_any_email(path) && !v.contains('\n') => {
                let pred = self.any_line(
                    if *op == CompareOp::Ne {
                        CompareOp::Eq
                    } else {
                        *op
                    },
                    v,
                );
                if *op == CompareOp::Ne {
                    format!("(NOT {pred})")
                } else {
                    pred
                }
            }
            Filter::Present(path) => match target(path)? {
                Target::Column(c, ColType::Bool) => format!("(r.{c} IS NOT NULL)"),
                Target::Column(c, _) => format!("(ifnull(r.{c} <> '', 0))"),
                Target::Email(sub, _) => {
                    let v = email_col(sub);
                    self.any_email(&format!("({v} IS NOT NULL AND {v} <> '')"))
                }
            },
            Filter::Compare { path, op, value } => {
                let t = target(path)?;
                let (col, ty) = match t {
                    Target::Column(c, ty) => (format!("r.{c}"), ty),
                    Target::Email(sub, ty) => (email_col(sub), ty),
                };
                let (pred, negate) = match (op, value) {
                    (CompareOp::Eq, CompValue::Null) => {
                        (format!("({col} IS NOT NULL AND {col} <> '')"), true)
                    }
                    (CompareOp::Ne, CompValue::Null) => {
                        (format!("({col} IS NOT NULL AND {col} <> '')"), false)
                    }
                    (CompareOp::Ne, v) => (self.compare(&col, ty, CompareOp::Eq, v), true),
                    (op, v) => (self.compare(&col, ty, *op, v), false),
                };
                let any = match t {
                    Target::Column(..) if !negate && self.negated == 0 => pred,
                    Target::Column(..) => format!("ifnull({pred}, 0)"),
                    Target::Email(..) => self.any_email(&pred),
                };
                if negate {
                    format!("(NOT {any})")
                } else {
                    format!("({any})")
                }
            }
            Filter::ValuePath { path, filter } => {
                if !(path.urn.is_none() && eq(&path.name, "emails") && path.sub.is_none()) {
                    return None;
                }
                // Every path inside is relative to one email: translate it with `e.` columns.
                let inner = self.email_inner(filter)?;
                let record = crate::cache::packed::record_of("r");
                format!("(EXISTS (SELECT 1 FROM json_each(scim_unpack({record}), '$.emails') e WHERE {inner}))")
            }
        })
    }

    /// `emails` (newline-separated values) has a line that `op` matches, ignoring case.
    fn any_line(&mut self, op: CompareOp, v: &str) -> String {
        let wrapped = "(char(10) || r.emails || char(10))";
        if v.is_ascii() {
            let e = like_escape(v);
            let pattern = match op {
                CompareOp::Eq => format!("%\n{e}\n%"),
                CompareOp::Sw => format!("%\n{e}%"),
                CompareOp::Ew => format!("%{e}\n%"),
                _ => format!("%{e}%"),
            };
            let p = self.param(SqlValue::Text(pattern));
            format!("(ifnull({wrapped} LIKE {p} ESCAPE '\\', 0))")
        } else {
            let lower = v.to_lowercase();
            let needle = match op {
                CompareOp::Eq => format!("\n{lower}\n"),
                CompareOp::Sw => format!("\n{lower}"),
                CompareOp::Ew => format!("{lower}\n"),
                _ => lower,
            };
            let p = self.param(SqlValue::Text(needle));
            format!("(ifnull(instr(scim_fold({wrapped}), {p}) > 0, 0))")
        }
    }

    /// A predicate on one email (`e`) that holds for any email of the resource.
    fn any_email(&self, pred: &str) -> String {
        let record = crate::cache::packed::record_of("r");
        format!("EXISTS (SELECT 1 FROM json_each(scim_unpack({record}), '$.emails') e WHERE ifnull({pred}, 0))")
    }

    fn email_inner(&mut self, f: &Filter) -> Option<String> {
        let sub_of = |p: &AttrPath| -> Option<(&'static str, ColType)> {
            if p.urn.is_some() || p.sub.is_some() {
                return None;
            }
            let n = p.name.as_str();
            if eq(n, "value") {
                Some(("value", ColType::Text { exact: false }))
            } else if eq(n, "type") {
                Some(("type", ColType::Text { exact: false }))
            } else if eq(n, "primary") {
                Some(("primary", ColType::Bool))
            } else {
                None
            }
        };
        Some(match f {
            Filter::And(a, b) => format!("({} AND {})", self.email_inner(a)?, self.email_inner(b)?),
            Filter::Or(a, b) => format!("({} OR {})", self.email_inner(a)?, self.email_inner(b)?),
            Filter::Not(a) => format!("(NOT {})", self.email_inner(a)?),
            Filter::Present(p) => {
                let (sub, _) = sub_of(p)?;
                format!("(ifnull(json_extract(e.value, '$.{sub}') <> '', 0))")
            }
            Filter::Compare { path, op, value } => {
                let (sub, ty) = sub_of(path)?;
                let col = format!("json_extract(e.value, '$.{sub}')");
                match (op, value) {
                    (CompareOp::Eq, CompValue::Null) => {
                        format!("(NOT ifnull({col} <> '', 0))")
                    }
                    (CompareOp::Ne, CompValue::Null) => format!("(ifnull({col} <> '', 0))"),
                    (CompareOp::Ne, v) => format!(
                        "(NOT ifnull({}, 0))",
                        self.compare(&col, ty, CompareOp::Eq, v)
                    ),
                    (op, v) => format!("(ifnull({}, 0))", self.compare(&col, ty, *op, v)),
                }
            }
            Filter::ValuePath { .. } => return None,
        })
    }

    /// `col op value` for one value; SQL NULL when the column is NULL.
    fn compare(&mut self, col: &str, ty: ColType, op: CompareOp, value: &CompValue) -> String {
        match (ty, value) {
            (ColType::Bool, CompValue::Bool(b)) => {
                let sql_op = match op {
                    CompareOp::Eq => "=",
                    CompareOp::Ne => "<>",
                    _ => return "0".into(),
                };
                // JSON booleans come out of json_extract as 0/1; the column stores 0/1.
                format!("({col} {sql_op} {})", i32::from(*b))
            }
            (ColType::Time, CompValue::String(s)) if is_time(s) => {
                let p = self.param(SqlValue::Text(s.clone()));
                match sql_cmp(op) {
                    Some(o) => format!("(julianday({col}) {o} julianday({p}))"),
                    None => self.text(col, false, op, s),
                }
            }
            (ColType::Text { exact }, CompValue::String(s)) => self.text(col, exact, op, s),
            (ColType::Time, CompValue::String(s)) => self.text(col, false, op, s),
            _ => "0".into(),
        }
    }

    fn text(&mut self, col: &str, exact: bool, op: CompareOp, s: &str) -> String {
        // Text compared with text only (a number in the column is no match, as in the evaluator).
        let guard = format!("typeof({col}) = 'text'");
        // Orderings compare folded strings (SQLite's NOCASE orders 'İ' after 'm', the
        // evaluator's lowercase before it); equality and LIKE keep the index-friendly path for
        // ASCII literals.
        let ordering = matches!(
            op,
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
        );
        let ascii = s.is_ascii() && !ordering;
        let (lhs, lit) = if exact || ascii {
            (col.to_string(), s.to_string())
        } else {
            (format!("scim_fold({col})"), s.to_lowercase())
        };
        let nocase = if !exact && ascii {
            " COLLATE NOCASE"
        } else {
            ""
        };
        let pred = match op {
            CompareOp::Co | CompareOp::Sw | CompareOp::Ew if exact || !ascii => {
                // LIKE ignores ASCII case only: exact and folded matches go through instr/substr.
                let lp = self.param(SqlValue::Text(lit));
                match op {
                    CompareOp::Co => format!("(instr({lhs}, {lp}) > 0)"),
                    CompareOp::Sw => format!("(substr({lhs}, 1, length({lp})) = {lp})"),
                    _ => format!(
                        "(length({lhs}) >= length({lp}) AND substr({lhs}, -length({lp})) = {lp})"
                    ),
                }
            }
            CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
                let escaped = like_escape(&lit);
                let pattern = match op {
                    CompareOp::Co => format!("%{escaped}%"),
                    CompareOp::Sw => format!("{escaped}%"),
                    _ => format!("%{escaped}"),
                };
                let p = self.param(SqlValue::Text(pattern));
                format!("({lhs} LIKE {p} ESCAPE '\\')")
            }
            other => {
                let p = self.param(SqlValue::Text(lit));
                match sql_cmp(other) {
                    Some(o) => format!("({lhs} {o} {p}{nocase})"),
                    None => "0".into(),
                }
            }
        };
        format!("({guard} AND {pred})")
    }
}

/// `emails` or `emails.value` at the top level: any email value.
pub(crate) fn is_any_email(path: &AttrPath) -> bool {
    path.urn.is_none()
        && eq(&path.name, "emails")
        && path.sub.as_deref().is_none_or(|s| eq(s, "value"))
}

/// One sub-attribute of the email `e`.
fn email_col(sub: &str) -> String {
    format!("json_extract(e.value, '$.{sub}')")
}

fn sql_cmp(op: CompareOp) -> Option<&'static str> {
    Some(match op {
        CompareOp::Eq => "=",
        CompareOp::Ne => "<>",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        _ => return None,
    })
}

fn is_time(s: &str) -> bool {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
}

fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// True when `filter` runs in SQL ([`to_sql`] translates it); otherwise the caller evaluates it
/// in Rust over the rows. A value to decide by, not an error to catch.
pub fn translates(filter: &Filter) -> bool {
    to_sql(filter, 1).is_some()
}

/// The SQL for `filter`, parameters numbered from `?{first_param}`; `None` when the filter
/// names an attribute without a column (evaluate it in Rust then).
pub fn to_sql(filter: &Filter, first_param: usize) -> Option<SqlFilter> {
    let mut b = Builder {
        params: Vec::new(),
        first: first_param,
        negated: 0,
    };
    let clause = b.filter(filter)?;
    Some(SqlFilter {
        clause,
        params: b.params,
    })
}

/// Registers `scim_fold(text)`: Unicode lowercase, as the evaluator folds case.
pub(crate) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    crate::cache::packed::register(conn)?;
    conn.create_collation(crate::cache::NATURAL, crate::cache::natural_order)?;
    conn.create_scalar_function(
        "scim_fold",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(match ctx.get_raw(0) {
                rusqlite::types::ValueRef::Text(t) => {
                    Some(String::from_utf8_lossy(t).to_lowercase())
                }
                _ => None,
            })
        },
    )
}
