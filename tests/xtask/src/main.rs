//! `cargo xtask`: the project's two commands and their helpers, with nothing but std.
//!
//! - `cargo xtask run [--demo]`   install what is missing, build the front end, open the app
//! - `cargo xtask test [FILTER]`  install what is missing, then every check and test (CI runs this)
//! - `cargo xtask bundle`         a .deb through the Tauri bundler
//! - `cargo xtask bindings`       rewrite ui/src/bindings from the Rust types
//! - `cargo xtask install`        only install what is missing
//!
//! Installing: as root, missing Debian packages are installed with apt-get; otherwise the exact
//! apt command is printed and the task stops. npm packages, the Python venv of scim2-server,
//! SCIMMY's node modules and tauri-driver are installed into the project (or cargo's bin folder).

use std::env;
use std::path::{Path, PathBuf};
use std::process::{exit, Command, ExitStatus, Stdio};
use std::time::Instant;

/// Debian packages the app needs to build and run.
const APT_BUILD: &[&str] = &[
    "build-essential",
    "file",
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "libssl-dev",
    "libdbus-1-dev",
    "python3-venv",
];
/// Debian packages the tests need on top: the WebDriver, a virtual display, the Secret Service.
const APT_TEST: &[&str] = &[
    "webkit2gtk-driver",
    "xvfb",
    "xauth",
    "gnome-keyring",
    "dbus-x11",
    "x11-apps",
    "imagemagick",
    // Real pointer and wheel input for the window tests (WebDriver has no wheel).
    "xdotool",
];
/// The exact reference-provider versions (see shared SCIM facts).
const SCIM2_SERVER_PIP: &[&str] = &["scim2-server[cursor]==0.8.3", "scim2-models==0.12.3"];
const TAURI_DRIVER_VERSION: &str = "2.1.0";
/// The peer of the sync benchmark: the Python SCIM client a person would script with.
const BENCH_PEER_PIP: &[&str] = &["scim2-client[httpx2]==0.13.2", "scim2-models==0.12.3"];

type Result<T = ()> = std::result::Result<T, String>;

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r.to_vec()),
        None => ("help", Vec::new()),
    };
    let result = match cmd {
        "run" => run(&rest),
        "test" => test(&rest),
        "test-in-session" => test_in_session(&rest),
        "bundle" => bundle(),
        "bindings" => bindings(),
        "install" => install(true),
        "bench" => bench(&rest),
        _ => {
            eprintln!(
                "usage: cargo xtask <run [--demo] | test [FILTER] | bench [--quick] | bundle | \
                 bindings | install>"
            );
            exit(if cmd == "help" { 0 } else { 2 });
        }
    };
    if let Err(e) = result {
        eprintln!("\nxtask: {e}");
        exit(1);
    }
}

fn root() -> PathBuf {
    // tests/xtask -> repository root
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn say(msg: &str) {
    eprintln!("\x1b[1m==> {msg}\x1b[0m");
}

fn status(cmd: &mut Command) -> Result<ExitStatus> {
    cmd.status()
        .map_err(|e| format!("could not start {:?}: {e}", cmd.get_program()))
}

fn must(cmd: &mut Command) -> Result {
    let st = status(cmd)?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({st})", describe(cmd)))
    }
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().to_string();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program} >/dev/null 2>&1"))
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn apt_missing(pkgs: &[&str]) -> Vec<String> {
    pkgs.iter()
        .filter(|p| {
            let out = Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .stderr(Stdio::null())
                .output();
            !matches!(out, Ok(o) if String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .map(|p| p.to_string())
        .collect()
}

fn ensure_apt(pkgs: &[&str]) -> Result {
    if !Path::new("/usr/bin/dpkg-query").exists() {
        say("not a Debian system: make sure the Tauri and test dependencies are installed");
        return Ok(());
    }
    let missing = apt_missing(pkgs);
    if missing.is_empty() {
        return Ok(());
    }
    let line = format!(
        "apt-get update && apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    if !is_root() {
        return Err(format!(
            "these Debian packages are missing: {}\nInstall them as root, then run again:\n  sudo sh -c '{line}'",
            missing.join(" ")
        ));
    }
    say(&format!(
        "installing Debian packages: {}",
        missing.join(" ")
    ));
    must(
        Command::new("sh")
            .arg("-c")
            .arg(&line)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// npm install in `dir` when node_modules is missing or older than the lock file.
fn ensure_npm(dir: &Path) -> Result {
    let lock = dir.join("package-lock.json");
    let marker = dir.join("node_modules/.package-lock.json");
    let fresh = match (mtime(&lock), mtime(&marker)) {
        (Some(l), Some(m)) => m >= l,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    say(&format!("installing npm packages in {}", rel(dir)));
    let mut cmd = Command::new("npm");
    cmd.current_dir(dir);
    if lock.exists() {
        cmd.args(["ci", "--no-audit", "--no-fund"]);
    } else {
        cmd.args(["install", "--no-audit", "--no-fund"]);
    }
    must(&mut cmd)
}

fn mtime(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

fn ensure_harness() -> Result {
    let dir = root().join("src-tauri/crates/reference");
    let venv = dir.join(".venv");
    let bin = venv.join("bin/scim2-server");
    if !bin.exists() {
        say("installing scim2-server 0.8.3 into src-tauri/crates/reference/.venv");
        must(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        must(
            Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .args(SCIM2_SERVER_PIP),
        )?;
    }
    ensure_npm(&dir.join("scimmy"))
}

fn cargo_bin_dir() -> PathBuf {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}

fn ensure_tauri_driver() -> Result {
    if have("tauri-driver") || cargo_bin_dir().join("tauri-driver").exists() {
        return Ok(());
    }
    say("installing tauri-driver");
    must(Command::new("cargo").args([
        "install",
        "tauri-driver",
        "--locked",
        "--version",
        TAURI_DRIVER_VERSION,
    ]))
}

fn ensure_rust_components() -> Result {
    for (tool, comp) in [("cargo-fmt", "rustfmt"), ("cargo-clippy", "clippy")] {
        if !have(tool) && have("rustup") {
            say(&format!("installing the Rust component {comp}"));
            must(Command::new("rustup").args(["component", "add", comp]))?;
        }
    }
    Ok(())
}

fn install(for_tests: bool) -> Result {
    ensure_apt(APT_BUILD)?;
    if for_tests {
        ensure_apt(APT_TEST)?;
        ensure_rust_components()?;
        ensure_tauri_driver()?;
    }
    ensure_npm(&root().join("ui"))?;
    ensure_harness()
}

fn ensure_bench_peer() -> Result {
    let venv = root().join("tests/bench/.venv");
    if !venv.join("bin/python").exists()
        || !status(
            Command::new(venv.join("bin/python"))
                .args(["-c", "import scim2_client, httpx2"])
                .stderr(Stdio::null()),
        )?
        .success()
    {
        say("installing the benchmark peer (scim2-client) into tests/bench/.venv");
        must(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        must(
            Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .args(BENCH_PEER_PIP),
        )?;
    }
    Ok(())
}

/// The machine, for the benchmark report.
fn machine() -> String {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_gib = read("/proc/meminfo")
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    let os = read("/etc/os-release")
        .lines()
        .find(|l| l.starts_with("PRETTY_NAME="))
        .map(|l| {
            l.trim_start_matches("PRETTY_NAME=")
                .trim_matches('"')
                .to_string()
        })
        .unwrap_or_default();
    format!("{cores} cores ({cpu}), {mem_gib:.0} GiB, {os}")
}

/// The criterion results as a Markdown section: median time and MB/s per benchmark, read from
/// target/criterion (each group's last row is its serde_json limit).
fn micro_section() -> Result<String> {
    let dir = root().join("target/criterion");
    let mut out = String::from(
        "## Micro benchmarks (criterion)\n\n**Method**: `cargo bench -p desk-bench --bench \
         micro` (tests/bench/benches/micro.rs): SCIM filter parsing (six filters), PATCH \
         building (100 users, three changes each) and decoding a page of 100 users into what \
         the cache stores; each next to plain serde_json on the same bytes as the limit. \
         Median of criterion's samples.\n\n| benchmark | median time | throughput |\n|---|---|---|\n",
    );
    for group in ["filter", "patch", "decode"] {
        let Ok(entries) = std::fs::read_dir(dir.join(group)) else {
            continue;
        };
        let mut rows = Vec::new();
        for e in entries.flatten() {
            let new = e.path().join("new");
            let read = |f: &str| -> Option<serde_json::Value> {
                serde_json::from_str(&std::fs::read_to_string(new.join(f)).ok()?).ok()
            };
            let (Some(meta), Some(est)) = (read("benchmark.json"), read("estimates.json")) else {
                continue;
            };
            let ns = est["median"]["point_estimate"].as_f64().unwrap_or(f64::NAN);
            let bytes = meta["throughput"]["Bytes"].as_f64().unwrap_or(0.0);
            let mbs = bytes / ns * 1e9 / 1e6;
            let name = meta["full_id"].as_str().unwrap_or_default().to_string();
            rows.push((name, ns, mbs));
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, ns, mbs) in rows {
            let time = if ns >= 1e6 {
                format!("{:.2} ms", ns / 1e6)
            } else {
                format!("{:.1} µs", ns / 1e3)
            };
            out.push_str(&format!("| {name} | {time} | {mbs:.0} MB/s |\n"));
        }
    }
    Ok(out)
}

/// The argument of `test-in-session` that runs the window's benchmark instead of the tests.
const GUI_BENCH: &str = "--gui-bench";

/// `cargo xtask bench [--quick]`: every benchmark side by side with its anchor, written to
/// tests/bench/BENCHMARKS.md (the quick, CI-sized run to target/BENCHMARKS-quick.md).
fn bench(args: &[String]) -> Result {
    let quick = args.iter().any(|a| a == "--quick");
    install(false)?;
    ensure_bench_peer()?;
    say("building the benchmarks (release)");
    must(Command::new("cargo").current_dir(root()).args([
        "build",
        "--release",
        "-p",
        "desk-bench",
    ]))?;
    let bin = root().join("target/release/desk-bench");
    let plan: &[(&str, &[&str])] = if quick {
        &[
            ("search", &["10000", "5"]),
            ("ingest", &["10000", "1"]),
            ("pull", &["1000", "2"]),
            ("migrate", &["300", "1"]),
        ]
    } else {
        &[
            ("search", &["100000", "20"]),
            ("ingest", &["10000,100000,1000000", "3"]),
            ("pull", &["5000", "5"]),
            ("migrate", &["2000", "3"]),
        ]
    };
    let date = Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let mut doc = format!(
        "# SCIM Desk benchmarks\n\nWritten by `cargo xtask bench{}` on {date}.\n\n\
         **Machine**: {}.\n\n\
         Every figure is measured side by side with its anchor in the same run, interleaved round \
         by round, and reported as a median (or percentiles) with its spread: the machines are \
         shared and noisy, so ratios matter more than absolute times. Each section says its \
         method and whether its budget (design.md) is met.\n",
        if quick { " --quick" } else { "" },
        machine()
    );
    for (name, extra) in plan {
        say(&format!("benchmark: {name} {}", extra.join(" ")));
        let out = Command::new(&bin)
            .arg(name)
            .args(*extra)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("could not start desk-bench: {e}"))?;
        if !out.status.success() {
            return Err(format!("the {name} benchmark failed ({})", out.status));
        }
        doc.push('\n');
        doc.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    // Micro benchmarks (criterion): throughput next to plain serde_json.
    say("benchmark: micro (criterion)");
    let mut micro = Command::new("cargo");
    micro
        .current_dir(root())
        .args(["bench", "-p", "desk-bench", "--bench", "micro", "--"]);
    if quick {
        micro.args(["--warm-up-time", "1", "--measurement-time", "2"]);
    }
    must(&mut micro)?;
    doc.push('\n');
    doc.push_str(&micro_section()?);
    // The window's benchmark needs the display and keyring session the GUI tests use.
    say("benchmark: the window with 100,000 cached users");
    ensure_apt(APT_TEST)?;
    ensure_tauri_driver()?;
    build_ui()?;
    let exe = env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new("dbus-run-session")
        .arg("--")
        .arg(exe)
        .arg("test-in-session")
        .arg(GUI_BENCH)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start the window benchmark: {e}"))?;
    if !out.status.success() {
        return Err(format!("the window benchmark failed ({})", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    if let Some(i) = text.find("## The window") {
        let section = &text[i..];
        let end = section.find("\ntest result").unwrap_or(section.len());
        doc.push('\n');
        doc.push_str(section[..end].trim_end());
        doc.push('\n');
    }
    if let Ok(fixes) = std::fs::read_to_string(root().join("tests/bench/FIXES.md")) {
        doc.push('\n');
        doc.push_str(&fixes);
    }
    let path = if quick {
        root().join("target/BENCHMARKS-quick.md")
    } else {
        root().join("tests/bench/BENCHMARKS.md")
    };
    std::fs::write(&path, doc).map_err(|e| format!("could not write {}: {e}", rel(&path)))?;
    say(&format!("results written to {}", rel(&path)));
    Ok(())
}

fn build_ui() -> Result {
    say("building the front end (ui/dist)");
    must(
        Command::new("npm")
            .args(["run", "build"])
            .current_dir(root().join("ui")),
    )
}

fn run(args: &[String]) -> Result {
    install(false)?;
    build_ui()?;
    say("building and opening SCIM Desk");
    let mut cmd = Command::new("cargo");
    cmd.current_dir(root())
        .args(["run", "-p", "scim-desk", "--"]);
    for a in args {
        cmd.arg(a);
    }
    must(&mut cmd)
}

fn bundle() -> Result {
    install(false)?;
    build_ui()?;
    say("building the .deb (release build)");
    let ui = root().join("ui");
    must(
        Command::new(ui.join("node_modules/.bin/tauri"))
            .current_dir(root().join("src-tauri"))
            .args(["build", "--bundles", "deb", "--ci"]),
    )?;
    let debs = root().join("target/release/bundle/deb");
    say(&format!("the .deb is in {}", rel(&debs)));
    Ok(())
}

fn bindings() -> Result {
    say("rewriting ui/src/bindings from the Rust types");
    must(
        Command::new("cargo")
            .current_dir(root())
            .args(["test", "-p", "desk-engine", "--lib", "bindings"])
            .env_remove("CI")
            .env("UPDATE_BINDINGS", "1"),
    )
}

/// One step of the test run and how it ended.
struct Step {
    name: String,
    ok: bool,
    seconds: f64,
}

struct Report {
    steps: Vec<Step>,
    tests_passed: u64,
    tests_failed: u64,
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

fn test(args: &[String]) -> Result {
    // Never prompt: apt, npm and cargo must run unattended.
    env::set_var("CI", "true");
    // The bindings drift check must check, never rewrite.
    env::remove_var("UPDATE_BINDINGS");
    let started = Instant::now();
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
fn run_counting(
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
fn parse_cargo_test(line: &str) -> Option<(u64, u64)> {
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
fn parse_vitest(line: &str) -> Option<(u64, u64)> {
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

fn strip_ansi(s: &str) -> String {
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
fn check_core_is_tauri_free() -> Result {
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
fn test_in_session(args: &[String]) -> Result {
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
