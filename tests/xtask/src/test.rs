//! `cargo xtask test`: every check and test, counted, inside a D-Bus session with an unlocked keyring and a virtual display.

use crate::{
    build_ui, cargo_bin_dir, describe, install, lint_workflows, must, root, say, status, Result,
    GUI_BENCH,
};

use std::env;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

/// A full debug build of the workspace and its tests needs about 25 GiB; a linker that runs out of
/// disk dies with a bus error that reads like a compiler bug, so say it up front.
fn warn_if_disk_is_short() {
    const NEEDED_GIB: u64 = 25;
    let target = root().join("target");
    let probe = if target.exists() { target } else { root() };
    let Ok(out) = Command::new("df").arg("-Pk").arg(&probe).output() else {
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let free_kib = text
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(kib) = free_kib {
        let gib = kib / (1024 * 1024);
        if gib < NEEDED_GIB {
            say(&format!(
                "warning: only {gib} GiB free on the disk holding {}; a full build needs about {NEEDED_GIB} GiB. \
                 If the link step fails with \"Bus error\" or \"No space left\", free space (for example `cargo clean`) and run again.",
                probe.display()
            ));
        }
    }
}

/// One step of the test run and how it ended.
pub(crate) struct Step {
    name: String,
    ok: bool,
    seconds: f64,
}

pub(crate) struct Report {
    steps: Vec<Step>,
    tests_passed: u64,
    tests_failed: u64,
}

pub(crate) fn test(args: &[String]) -> Result {
    // Never prompt: apt, npm and cargo must run unattended.
    env::set_var("CI", "true");
    // The bindings drift check must check, never rewrite.
    env::remove_var("UPDATE_BINDINGS");
    let started = Instant::now();
    warn_if_disk_is_short();
    install(true)?;
    let filter = args.first().cloned();
    let mut report = Report {
        steps: Vec::new(),
        tests_passed: 0,
        tests_failed: 0,
    };
    let r = root();
    let ui = r.join("ui");
    let mut vitest_counts = (0, 0);
    if filter.is_none() {
        report.step("cargo fmt --check", || {
            must(
                Command::new("cargo")
                    .current_dir(&r)
                    .args(["fmt", "--all", "--", "--check"]),
            )
        });
        report.step("front end: type check", || {
            must(
                Command::new("npm")
                    .current_dir(&ui)
                    .args(["run", "typecheck"]),
            )
        });
        report.step("front end: lint", || {
            must(Command::new("npm").current_dir(&ui).args(["run", "lint"]))
        });
        report.step("front end: unit tests (vitest)", || {
            let (ok, p, f) = run_counting(
                Command::new("npm").current_dir(&ui).args(["run", "test"]),
                parse_vitest,
            )?;
            vitest_counts = (p, f);
            if ok {
                Ok(())
            } else {
                Err("vitest failed".into())
            }
        });
    }
    let built = report.step("front end: build (ui/dist, bundled into the app)", build_ui);
    if built && filter.is_none() {
        report.step("cargo clippy --workspace --all-targets -D warnings", || {
            must(Command::new("cargo").current_dir(&r).args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))
        });
        report.step(
            "core crates build without Tauri or webkit",
            check_core_is_tauri_free,
        );
        report.step("release workflow: actionlint", lint_workflows);
    }
    if built {
        // All Rust tests (unit, bindings drift, harness, keyring, database, GUI) run inside a
        // private D-Bus session with an unlocked gnome-keyring and a virtual display.
        let exe = env::current_exe().map_err(|e| e.to_string())?;
        let mut counts = (0, 0);
        report.step(
            "Rust tests: unit, integration, keyring, GUI (dbus + gnome-keyring + Xvfb)",
            || {
                let mut cmd = Command::new("dbus-run-session");
                cmd.arg("--").arg(exe).arg("test-in-session");
                if let Some(f) = &filter {
                    cmd.arg(f);
                }
                let (ok, p, f) = run_counting(&mut cmd, parse_cargo_test)?;
                counts = (p, f);
                if ok {
                    Ok(())
                } else {
                    Err("some Rust tests failed (see above)".into())
                }
            },
        );
        report.tests_passed += counts.0;
        report.tests_failed += counts.1;
    }
    let failed: Vec<&Step> = report.steps.iter().filter(|s| !s.ok).collect();
    eprintln!("\n==================== summary ====================");
    for s in &report.steps {
        eprintln!(
            "{:>6}  {:>6.1}s  {}",
            if s.ok { "ok" } else { "FAILED" },
            s.seconds,
            s.name
        );
    }
    eprintln!("total time {:.0}s", started.elapsed().as_secs_f64());
    let (p, f) = (
        report.tests_passed + vitest_counts.0,
        report.tests_failed + vitest_counts.1,
    );
    println!("xtask: {p} passed, {f} failed");
    if failed.is_empty() && f == 0 {
        Ok(())
    } else {
        Err(format!(
            "{} step(s) failed: {}",
            failed.len(),
            failed
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ))
    }
}

/// Runs a command, echoing its output, and counts passed/failed tests from its lines.
pub(crate) fn run_counting(
    cmd: &mut Command,
    parse: fn(&str) -> Option<(u64, u64)>,
) -> Result<(bool, u64, u64)> {
    use std::io::{BufRead, BufReader, Write};
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", describe(cmd)))?;
    let mut passed = 0;
    let mut failed = 0;
    if let Some(out) = child.stdout.take() {
        let stdout = std::io::stdout();
        for line in BufReader::new(out).lines().map_while(|l| l.ok()) {
            let mut lock = stdout.lock();
            let _ = writeln!(lock, "{line}");
            if let Some((p, f)) = parse(&line) {
                passed += p;
                failed += f;
            }
        }
    }
    let st = child.wait().map_err(|e| e.to_string())?;
    Ok((st.success(), passed, failed))
}

/// `test result: ok. 12 passed; 0 failed; ...`
pub(crate) fn parse_cargo_test(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let num_before = |word: &str| -> u64 {
        rest.split(';')
            .find_map(|part| {
                let part = part.trim();
                let part = part.rsplit(". ").next().unwrap_or(part);
                part.strip_suffix(word).and_then(|n| n.trim().parse().ok())
            })
            .unwrap_or(0)
    };
    Some((num_before("passed"), num_before("failed")))
}

/// `      Tests  12 passed | 1 failed (13)`
pub(crate) fn parse_vitest(line: &str) -> Option<(u64, u64)> {
    let clean: String = strip_ansi(line);
    let rest = clean.trim().strip_prefix("Tests")?;
    let mut passed = 0;
    let mut failed = 0;
    for part in rest.split('|') {
        let mut words = part.split_whitespace();
        if let (Some(n), Some(w)) = (words.next(), words.next()) {
            let n: u64 = n.parse().unwrap_or(0);
            match w {
                "passed" => passed = n,
                "failed" => failed = n,
                _ => {}
            }
        }
    }
    Some((passed, failed))
}

pub(crate) fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut esc = false;
    for c in s.chars() {
        if esc {
            if c.is_ascii_alphabetic() {
                esc = false;
            }
        } else if c == '\x1b' {
            esc = true;
        } else {
            out.push(c);
        }
    }
    out
}

/// Checks that the core crates neither depend on tauri nor pull webkit.
pub(crate) fn check_core_is_tauri_free() -> Result {
    let r = root();
    for krate in [
        "scim-client",
        "desk-store",
        "desk-reference",
        "desk-engine",
        "scim-desk-cli",
    ] {
        let out = Command::new("cargo")
            .current_dir(&r)
            .args(["tree", "-p", krate, "-e", "normal", "--prefix", "none"])
            .output()
            .map_err(|e| e.to_string())?;
        // A tree that could not be computed proves nothing: that is a failure, not a pass.
        if !out.status.success() || out.stdout.is_empty() {
            return Err(format!(
                "`cargo tree -p {krate}` failed, so the Tauri-free check could not run: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let tree = String::from_utf8_lossy(&out.stdout);
        for bad in ["tauri ", "tauri-", "webkit2gtk", "wry "] {
            if let Some(line) = tree.lines().find(|l| l.starts_with(bad)) {
                return Err(format!(
                    "{krate} depends on {line}: core crates must stay Tauri-free"
                ));
            }
        }
    }
    Ok(())
}

/// Inside `dbus-run-session`: unlock a fresh gnome-keyring, start Xvfb, run the Rust tests.
pub(crate) fn test_in_session(args: &[String]) -> Result {
    use std::io::Write;
    let r = root();
    let home = r.join("target/test-home");
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(home.join(".local/share/keyrings")).map_err(|e| e.to_string())?;
    // A throwaway HOME keeps the test keyring and any app data away from the person's own;
    // rustup and cargo keep finding their own folders.
    if let Some(real_home) = env::var_os("HOME") {
        let real_home = PathBuf::from(real_home);
        if env::var_os("RUSTUP_HOME").is_none() {
            env::set_var("RUSTUP_HOME", real_home.join(".rustup"));
        }
        if env::var_os("CARGO_HOME").is_none() {
            env::set_var("CARGO_HOME", real_home.join(".cargo"));
        }
    }
    env::set_var("HOME", &home);
    env::set_var("XDG_DATA_HOME", home.join(".local/share"));
    env::set_var("XDG_RUNTIME_DIR", home.join("run"));
    std::fs::create_dir_all(home.join("run")).map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(home.join("run"), std::fs::Permissions::from_mode(0o700));
    }
    let mut keyring = Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets", "--daemonize"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start gnome-keyring-daemon: {e}"))?;
    if let Some(mut stdin) = keyring.stdin.take() {
        let _ = stdin.write_all(b"test-password");
    }
    let out = keyring.wait_with_output().map_err(|e| e.to_string())?;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some((k, v)) = line.split_once('=') {
            env::set_var(k, v);
        }
    }
    // A virtual display for the real app window. Xvfb picks a free display number itself and
    // writes it to its standard output once it accepts connections (-displayfd).
    let mut xvfb = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1400x900x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start Xvfb: {e}"))?;
    let mut line = String::new();
    if let Some(out) = xvfb.stdout.take() {
        use std::io::BufRead;
        let _ = std::io::BufReader::new(out).read_line(&mut line);
    }
    let display_number: u32 = line
        .trim()
        .parse()
        .map_err(|_| format!("Xvfb did not report its display (it said {line:?})"))?;
    let display = format!(":{display_number}");
    let display = display.as_str();
    env::set_var("DISPLAY", display);
    // Keep WebKit's compositing on: with WEBKIT_DISABLE_COMPOSITING_MODE=1 WebKitWebDriver's
    // screenshot command never answers under Xvfb.
    env::remove_var("WEBKIT_DISABLE_COMPOSITING_MODE");
    // Fewer desktop-portal round trips (and less log noise) in the bare D-Bus session.
    env::set_var("GTK_USE_PORTAL", "0");
    let mut path = env::var_os("PATH").unwrap_or_default();
    let cargo_bin = cargo_bin_dir();
    if !env::split_paths(&path).any(|p| p == cargo_bin) {
        let mut parts: Vec<PathBuf> = env::split_paths(&path).collect();
        parts.push(cargo_bin);
        path = env::join_paths(parts).map_err(|e| e.to_string())?;
    }
    env::set_var("PATH", &path);
    env::set_var("SCIM_DESK_APP_BIN", r.join("target/debug/scim-desk"));
    // Build every target at once, in this environment, with the features `cargo test
    // --workspace` unifies: the app binary the GUI tests drive and the tests themselves come
    // from one build instead of two.
    let built = status(Command::new("cargo").current_dir(&r).args([
        "build",
        "--workspace",
        "--all-targets",
    ]));
    if !matches!(built, Ok(s) if s.success()) {
        let _ = xvfb.kill();
        let _ = xvfb.wait();
        return Err("the workspace did not build (see above)".into());
    }
    // A hung test must not hang CI: the whole Rust test run has a hard limit.
    let mut cmd = Command::new("timeout");
    cmd.current_dir(&r)
        .args(["--kill-after=30", "2400", "cargo", "test"]);
    if args.first().map(String::as_str) == Some(GUI_BENCH) {
        // `cargo xtask bench`: only the window's benchmark (ignored in normal runs).
        cmd.args([
            "-p",
            "desk-e2e",
            "--test",
            "gui_bench",
            "--",
            "--ignored",
            "--nocapture",
        ]);
    } else {
        cmd.args(["--workspace", "--no-fail-fast"]);
        if let Some(f) = args.first() {
            cmd.arg("--").arg(f);
        }
    }
    let st = status(&mut cmd);
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    // gnome-keyring-daemon ends with the D-Bus session.
    match st {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("cargo test failed ({s})")),
        Err(e) => Err(e),
    }
}

impl Report {
    fn step(&mut self, name: &str, f: impl FnOnce() -> Result) -> bool {
        say(name);
        let started = Instant::now();
        let res = f();
        if let Err(e) = &res {
            eprintln!("xtask: step failed: {name}: {e}");
        }
        self.steps.push(Step {
            name: name.to_string(),
            ok: res.is_ok(),
            seconds: started.elapsed().as_secs_f64(),
        });
        res.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cargo_test_summaries() {
        assert_eq!(
            parse_cargo_test("test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s"),
            Some((12, 0))
        );
        assert_eq!(
            parse_cargo_test("test result: FAILED. 3 passed; 2 failed; 0 ignored"),
            Some((3, 2))
        );
        assert_eq!(parse_cargo_test("running 3 tests"), None);
    }

    #[test]
    fn parses_vitest_summaries() {
        assert_eq!(parse_vitest("      Tests  7 passed (7)"), Some((7, 0)));
        assert_eq!(
            parse_vitest("\x1b[2m      Tests \x1b[22m 2 failed | 5 passed (7)"),
            Some((5, 2))
        );
    }
}
