//! SCIM filters evaluated over the in-memory column index ([`super::column_index`]), with the
//! semantics of the SQL translation ([`crate::query`]): a column of the column table per
//! attribute, "any e-mail" over the list of addresses, case ignored by folding both sides to
//! lower case (exactly compared columns as stored), `ne` holding where the attribute is absent,
//! every predicate two-valued. Filters this cannot answer (date-times, e-mails' other
//! sub-attributes, value paths) give `None` from [`needs`] and go to SQL.

use std::collections::HashMap;
use std::sync::Arc;

use memchr::memmem;
use scim_client::filter::{CompValue, CompareOp, Filter};

use super::column_index::TextColumn;
use crate::query::{is_any_email, target, ColType, Target};

/// The cache column of every e-mail address, newline-separated.
const EMAILS: &str = "emails";

/// The columns a filter reads: text columns (and whether compared exactly), boolean columns.
#[derive(Debug, Default)]
pub(crate) struct Needs {
    pub texts: Vec<(&'static str, bool)>,
    pub bools: Vec<&'static str>,
}

/// The columns, built.
#[derive(Default)]
pub(crate) struct Columns {
    pub texts: HashMap<(&'static str, bool), Arc<TextColumn>>,
    pub bools: HashMap<&'static str, Arc<Vec<Option<bool>>>>,
}

/// The columns `filter` reads, or `None` when the index cannot answer it.
pub(crate) fn needs(filter: &Filter) -> Option<Needs> {
    let mut n = Needs::default();
    collect(filter, &mut n)?;
    n.texts.sort_unstable();
    n.texts.dedup();
    n.bools.sort_unstable();
    n.bools.dedup();
    Some(n)
}

fn collect(f: &Filter, n: &mut Needs) -> Option<()> {
    match f {
        Filter::And(a, b) | Filter::Or(a, b) => {
            collect(a, n)?;
            collect(b, n)
        }
        Filter::Not(a) => collect(a, n),
        Filter::Present(path) if is_any_email(path) => {
            n.texts.push((EMAILS, false));
            Some(())
        }
        Filter::Compare {
            path,
            op: CompareOp::Eq | CompareOp::Ne | CompareOp::Co | CompareOp::Sw | CompareOp::Ew,
            value: CompValue::String(v),
        } if is_any_email(path) && !v.contains('\n') => {
            n.texts.push((EMAILS, false));
            Some(())
        }
        Filter::Present(path) | Filter::Compare { path, .. } => match target(path)? {
            Target::Column(c, ColType::Bool) => {
                n.bools.push(c);
                Some(())
            }
            Target::Column(c, ColType::Text { exact }) => {
                n.texts.push((c, exact));
                Some(())
            }
            Target::Column(_, ColType::Time) | Target::Email(..) => None,
        },
        Filter::ValuePath { .. } => None,
    }
}

/// Whether SQLite answers `filter` from its user-name index (`userName eq` or `sw` an ASCII
/// value, compared ignoring case as its index does): a range of the index, not a scan.
pub(crate) fn walked_in_sql(filter: &Filter) -> bool {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq | CompareOp::Sw,
            value: CompValue::String(v),
        } => {
            v.is_ascii()
                && matches!(
                    target(path),
                    Some(Target::Column("user_name", ColType::Text { exact: false }))
                )
        }
        _ => false,
    }
}

/// Which of the `n` rows match `filter`; `filter` must have passed [`needs`], whose columns
/// `columns` holds.
pub(crate) fn evaluate(filter: &Filter, columns: &Columns, n: usize) -> Vec<bool> {
    match filter {
        Filter::And(a, b) => {
            let mut x = evaluate(a, columns, n);
            let y = evaluate(b, columns, n);
            x.iter_mut().zip(y).for_each(|(x, y)| *x = *x && y);
            x
        }
        Filter::Or(a, b) => {
            let mut x = evaluate(a, columns, n);
            let y = evaluate(b, columns, n);
            x.iter_mut().zip(y).for_each(|(x, y)| *x = *x || y);
            x
        }
        Filter::Not(a) => negate(evaluate(a, columns, n)),
        Filter::Present(path) if is_any_email(path) => present(&columns.texts[&(EMAILS, false)]),
        Filter::Compare {
            path,
            op: op @ (CompareOp::Eq | CompareOp::Ne | CompareOp::Co | CompareOp::Sw | CompareOp::Ew),
            value: CompValue::String(v),
        } if is_any_email(path) && !v.contains('\n') => {
            let emails = &columns.texts[&(EMAILS, false)];
            let lit = v.to_lowercase();
            match op {
                CompareOp::Ne => negate(any_line(emails, CompareOp::Eq, &lit)),
                op => any_line(emails, *op, &lit),
            }
        }
        Filter::Present(path) => match target(path) {
            Some(Target::Column(c, ColType::Bool)) => {
                columns.bools[c].iter().map(Option::is_some).collect()
            }
            Some(Target::Column(c, ColType::Text { exact })) => {
                present(&columns.texts[&(c, exact)])
            }
            _ => vec![false; n],
        },
        Filter::Compare { path, op, value } => {
            let Some(Target::Column(c, ty)) = target(path) else {
                return vec![false; n];
            };
            match (op, value) {
                (CompareOp::Eq, CompValue::Null) => negate(present_of(columns, c, ty, n)),
                (CompareOp::Ne, CompValue::Null) => present_of(columns, c, ty, n),
                (CompareOp::Ne, v) => negate(compare(columns, c, ty, CompareOp::Eq, v, n)),
                (op, v) => compare(columns, c, ty, *op, v, n),
            }
        }
        Filter::ValuePath { .. } => vec![false; n],
    }
}

fn negate(mut v: Vec<bool>) -> Vec<bool> {
    v.iter_mut().for_each(|b| *b = !*b);
    v
}

/// Non-NULL and not empty.
fn present(col: &TextColumn) -> Vec<bool> {
    (0..col.len())
        .map(|i| col.get(i).is_some_and(|v| !v.is_empty()))
        .collect()
}

fn present_of(columns: &Columns, c: &'static str, ty: ColType, n: usize) -> Vec<bool> {
    match ty {
        ColType::Bool => columns.bools[c].iter().map(Option::is_some).collect(),
        ColType::Text { exact } => present(&columns.texts[&(c, exact)]),
        ColType::Time => vec![false; n],
    }
}

/// `column op value` for every row; false where the column is NULL or of another type.
fn compare(
    columns: &Columns,
    c: &'static str,
    ty: ColType,
    op: CompareOp,
    value: &CompValue,
    n: usize,
) -> Vec<bool> {
    match (ty, value) {
        (ColType::Bool, CompValue::Bool(b)) => match op {
            CompareOp::Eq => columns.bools[c].iter().map(|v| *v == Some(*b)).collect(),
            CompareOp::Ne => columns.bools[c]
                .iter()
                .map(|v| v.is_some_and(|v| v != *b))
                .collect(),
            _ => vec![false; n],
        },
        (ColType::Text { exact }, CompValue::String(s)) => {
            let col = &columns.texts[&(c, exact)];
            let lit = if exact { s.clone() } else { s.to_lowercase() };
            text(col, op, &lit)
        }
        _ => vec![false; n],
    }
}

/// `value op lit` for every row of a text column (already folded as `lit` is).
fn text(col: &TextColumn, op: CompareOp, lit: &str) -> Vec<bool> {
    if op == CompareOp::Co && !lit.is_empty() {
        // One pass over the whole buffer; a hit counts where it lies within one row's value.
        let mut out = vec![false; col.len()];
        for hit in memmem::find_iter(col.buf.as_bytes(), lit.as_bytes()) {
            let row = col.row_at(hit);
            if !col.null[row] && hit + lit.len() <= col.starts[row + 1] as usize {
                out[row] = true;
            }
        }
        return out;
    }
    (0..col.len())
        .map(|i| col.get(i).is_some_and(|v| holds(v, op, lit)))
        .collect()
}

fn holds(v: &str, op: CompareOp, lit: &str) -> bool {
    match op {
        CompareOp::Eq => v == lit,
        CompareOp::Ne => v != lit,
        CompareOp::Co => v.contains(lit),
        CompareOp::Sw => v.starts_with(lit),
        CompareOp::Ew => v.ends_with(lit),
        CompareOp::Gt => v > lit,
        CompareOp::Ge => v >= lit,
        CompareOp::Lt => v < lit,
        CompareOp::Le => v <= lit,
    }
}

/// Any of a row's addresses (one per line) satisfies `op lit`.
fn any_line(col: &TextColumn, op: CompareOp, lit: &str) -> Vec<bool> {
    if op == CompareOp::Co {
        return text(col, op, lit);
    }
    (0..col.len())
        .map(|i| {
            col.get(i)
                .is_some_and(|v| v.split('\n').any(|line| holds(line, op, lit)))
        })
        .collect()
}
