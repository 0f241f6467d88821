//! CSV that is safe to open in a spreadsheet.
//!
//! Directory data comes from providers and is untrusted: a cell such as `=HYPERLINK(...)`,
//! `+SUM(...)` or `@cmd|...` opened in a spreadsheet runs as a formula. Every CSV SCIM Desk
//! writes goes through [`SafeCsv`], which neutralises a cell that starts with `=`, `+`, `-`,
//! `@`, a tab or a carriage return by a leading apostrophe (the usual spreadsheet-safety
//! advice), except plain numbers. The CSV import takes the apostrophe off again
//! ([`restore`]), so what an export wrote imports as it was.

use std::borrow::Cow;
use std::io::Write;

use crate::DeskError;

/// Characters that start a formula in common spreadsheets.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn starts_formula(s: &str) -> bool {
    s.starts_with(TRIGGERS) && s.trim().parse::<f64>().map_or(true, |n| !n.is_finite())
}

/// The cell as written to a CSV: an apostrophe before a cell a spreadsheet would run as a
/// formula (and before a cell that already starts with an apostrophe and a formula character,
/// so [`restore`] gives back exactly what was there).
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let escaped_already = cell
        .strip_prefix('\'')
        .is_some_and(|rest| rest.starts_with(TRIGGERS) || rest.starts_with('\''));
    if starts_formula(cell) || escaped_already {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The cell as it was before [`neutralise`].
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(TRIGGERS) || rest.starts_with('\'') => rest,
        _ => cell,
    }
}

/// A CSV writer whose every cell is neutralised.
pub struct SafeCsv<W: Write> {
    inner: csv::Writer<W>,
}

fn failed(e: impl std::fmt::Display) -> DeskError {
    DeskError::Internal(format!("writing the CSV failed: {e}"))
}

impl<W: Write> SafeCsv<W> {
    /// Writes CSV to `w`.
    pub fn new(w: W) -> Self {
        Self {
            inner: csv::Writer::from_writer(w),
        }
    }

    /// Writes one row.
    pub fn row<I, T>(&mut self, cells: I) -> Result<(), DeskError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| neutralise(c.as_ref()).into_owned())
            .collect();
        self.inner.write_record(&cells).map_err(failed)
    }

    /// Flushes what was written.
    pub fn flush(&mut self) -> Result<(), DeskError> {
        self.inner.flush().map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_left_alone() {
        for (cell, written) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+SUM(A1:A2)", "'+SUM(A1:A2)"),
            ("-2+3", "'-2+3"),
            ("@cmd|' /C calc'!A0", "'@cmd|' /C calc'!A0"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("+44 20 7946 0000", "'+44 20 7946 0000"),
            ("'=1", "''=1"),
            ("-5", "-5"),
            ("+1.5", "+1.5"),
            ("-1e3", "-1e3"),
            ("Ada Lovelace", "Ada Lovelace"),
            ("O'Brien", "O'Brien"),
            ("'quoted'", "'quoted'"),
            ("", ""),
        ] {
            assert_eq!(neutralise(cell), written, "{cell:?}");
            assert_eq!(restore(&neutralise(cell)), cell, "{cell:?} round-trips");
        }
    }

    #[test]
    fn every_cell_a_safe_writer_writes_is_neutralised() {
        let mut w = SafeCsv::new(Vec::new());
        w.row(["=1+1", "ok", "@x"]).unwrap();
        w.flush().unwrap();
        let text = String::from_utf8(w.inner.into_inner().unwrap()).unwrap();
        assert_eq!(text, "'=1+1,ok,'@x\n");
    }
}
