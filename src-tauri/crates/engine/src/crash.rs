//! What happens when the program stops on a bug (a panic): a report for the developers is written
//! to `crash-reports/` in the data folder and a short message in plain words goes to standard
//! error. Both pass through [`scim_client::scrub`] first, so no secret the process held (tokens,
//! passwords, client secrets, OAuth access tokens) is in either, even if the bug put one in the
//! panic message. Nothing is lost by a crash: the database is transactional (an unfinished sync
//! publishes nothing, a migration resumes from its journal).

use std::backtrace::Backtrace;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The folder of crash reports inside the data folder.
pub fn reports_dir(data_root: &Path) -> PathBuf {
    data_root.join("crash-reports")
}

/// The report written last by this process, if any.
pub fn last_report() -> Option<PathBuf> {
    LAST.lock().ok().and_then(|l| l.clone())
}

static LAST: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

/// The error a task that stopped on a bug ends with, for the window or the caller: what
/// happened and what to do in words, the report's place as the detail.
pub fn task_failed() -> crate::DeskError {
    crate::DeskError::Internal(format!(
        "SCIM Desk stopped this task because of an internal error (a bug). Nothing saved is lost: \
         an unfinished sync keeps the previous copy, and a migration continues from \
         \"Runs on this computer\". Try again; if it happens again, send the report to whoever \
         looks after SCIM Desk for you{}.",
        last_report()
            .map(|p| format!(" (it holds no passwords or tokens: {})", p.display()))
            .unwrap_or_default()
    ))
}

/// Installs the crash report for this process; `program` names it in the report.
pub fn install(data_root: &Path, program: &'static str) {
    let dir = reports_dir(data_root);
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        // A panic's words may quote a record (a value that did not parse): never written down.
        let message = without_contents(&message);
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let thread = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_string();
        let mut report = String::new();
        let _ = writeln!(
            report,
            "{program} {} stopped on an internal error.\nthread: {thread}\nat: {place}\nmessage: {message}\n\n{}",
            env!("CARGO_PKG_VERSION"),
            Backtrace::force_capture()
        );
        let report = scim_client::scrub(&report);
        let written = write_report(&dir, &report);
        if let (Some(path), Ok(mut last)) = (&written, LAST.lock()) {
            *last = Some(path.clone());
        }
        let short = scim_client::scrub(&message);
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "{program} stopped because of an internal error (a bug): {short}\n\
             Nothing saved is lost: an unfinished sync keeps the previous copy, and an unfinished \
             migration continues with `migrate resume`."
        );
        let _ = match written {
            Some(path) => writeln!(
                err,
                "A report for the developers (no passwords or tokens in it) is in {}",
                path.display()
            ),
            None => writeln!(
                err,
                "The crash report could not be written to {}",
                dir.display()
            ),
        };
    }));
}

/// A panic message with every quoted part (where a record's values would appear: names,
/// e-mails, JSON) replaced by `…`, at most 300 characters: the report says where and what kind
/// of failure, never whose data.
pub fn without_contents(message: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for c in message.chars() {
        match quote {
            Some(q) if c == q => {
                out.push('…');
                out.push(c);
                quote = None;
            }
            Some(_) => {}
            None => {
                out.push(c);
                // An apostrophe inside a word ("can't") is not a quote.
                if matches!(c, '"' | '`') || (c == '\'' && !prev.is_alphanumeric()) {
                    quote = Some(c);
                }
            }
        }
        prev = c;
    }
    if quote.is_some() {
        out.push('…');
    }
    // JSON objects and lists are contents too.
    let mut flat = String::new();
    let mut depth = 0usize;
    for c in out.chars() {
        match c {
            '{' | '[' => {
                if depth == 0 {
                    flat.push(c);
                    flat.push('…');
                }
                depth += 1;
            }
            '}' | ']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    flat.push(c);
                }
            }
            _ if depth == 0 => flat.push(c),
            _ => {}
        }
    }
    flat.chars().take(300).collect()
}

fn write_report(dir: &Path, report: &str) -> Option<PathBuf> {
    std::fs::create_dir_all(dir).ok()?;
    let now = time::OffsetDateTime::now_utc();
    let name = format!(
        "crash-{:04}{:02}{:02}-{:02}{:02}{:02}-{}.txt",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        std::process::id()
    );
    let path = dir.join(name);
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&path)
        .and_then(|mut f| f.write_all(report.as_bytes()))
        .ok()?;
    Some(path)
}

/// Test builds only: panics with `secret` in the message when `SCIM_DESK_TEST_PANIC` names
/// `point`, to prove that a bug leaking a secret into a panic does not leak it out of the process
/// and that the program goes on. Compiled out of release builds.
#[cfg(debug_assertions)]
#[allow(clippy::panic)] // the point of it
pub(crate) fn test_panic_point(point: &str, secret: &str) {
    if std::env::var("SCIM_DESK_TEST_PANIC").is_ok_and(|p| p == point) {
        panic!("test panic at {point} while holding the secret {secret}");
    }
}

#[cfg(not(debug_assertions))]
pub(crate) fn test_panic_point(_point: &str, _secret: &str) {}

/// The marker whose time says up to when the reports were shown to the person.
const SEEN_MARKER: &str = ".seen";

/// Crash reports written since the person last dismissed them, oldest first.
pub fn unseen_reports(data_root: &Path) -> Vec<PathBuf> {
    let dir = reports_dir(data_root);
    let seen = std::fs::metadata(dir.join(SEEN_MARKER))
        .and_then(|m| m.modified())
        .ok();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("crash-") && name.ends_with(".txt")
        })
        .filter_map(|e| {
            let modified = e.metadata().and_then(|m| m.modified()).ok()?;
            seen.is_none_or(|s| modified > s)
                .then(|| (modified, e.path()))
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, p)| p).collect()
}

/// Marks every report written so far as seen (the reports stay in their folder).
pub fn mark_reports_seen(data_root: &Path) -> std::io::Result<()> {
    let dir = reports_dir(data_root);
    std::fs::create_dir_all(&dir)?;
    let marker = dir.join(SEEN_MARKER);
    std::fs::write(&marker, b"")?;
    // Rewriting an empty file may keep its old time on some file systems: set it.
    std::fs::File::options()
        .write(true)
        .open(&marker)?
        .set_modified(std::time::SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_unseen_until_marked_and_new_ones_show_again() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            unseen_reports(dir.path()).is_empty(),
            "no folder, no reports"
        );
        let reports = reports_dir(dir.path());
        std::fs::create_dir_all(&reports).unwrap();
        std::fs::write(reports.join("crash-1.txt"), "one").unwrap();
        std::fs::write(reports.join("notes.md"), "not a report").unwrap();
        assert_eq!(unseen_reports(dir.path()), [reports.join("crash-1.txt")]);
        mark_reports_seen(dir.path()).unwrap();
        assert!(unseen_reports(dir.path()).is_empty());
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(2);
        let path = reports.join("crash-2.txt");
        std::fs::write(&path, "two").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert_eq!(unseen_reports(dir.path()), [path]);
    }

    #[test]
    fn a_report_never_quotes_a_record() {
        let m = without_contents(
            "called `Result::unwrap()` on an `Err` value: Malformed { url: \"http://h/Users\", \
             reason: \"bad value 'Zoë Müller' in {\"name\": \"Zoë\"}\" } can't go on",
        );
        assert!(!m.contains("Zo"), "{m}");
        assert!(!m.contains("Müller"), "{m}");
        assert!(m.contains("can't go on"), "{m}");
        assert!(
            m.starts_with("called `…` on an `…` value: Malformed {…}"),
            "{m}"
        );
    }
}
