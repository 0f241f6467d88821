//! `cargo xtask bench`: the benchmarks in one run, with the machine they ran on, written to tests/bench/BENCHMARKS.md.

use crate::{
    build_ui, ensure_apt, ensure_bench_peer, ensure_harness, ensure_tauri_driver, install, must,
    rel, root, say, Result, APT_TEST,
};

use std::env;
use std::process::{Command, Stdio};

/// The machine, for the benchmark report.
pub(crate) fn machine() -> String {
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
pub(crate) fn micro_section() -> Result<String> {
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
pub(crate) const GUI_BENCH: &str = "--gui-bench";

/// `cargo xtask bench [--quick]`: every benchmark side by side with its anchor, written to
/// tests/bench/BENCHMARKS.md (the quick, CI-sized run to target/BENCHMARKS-quick.md).
pub(crate) fn bench(args: &[String]) -> Result {
    let quick = args.iter().any(|a| a == "--quick");
    install(false)?;
    // The pull and migration benchmarks run against the reference providers.
    ensure_harness()?;
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
            ("at-rest", &["10000", "2"]),
            ("pull", &["1000", "2"]),
            ("migrate", &["300", "1"]),
            ("people", &["10000", "1"]),
            ("links", &["1000", "1"]),
            ("rate-limit", &["10000", "1"]),
        ]
    } else {
        &[
            ("search", &["100000", "20"]),
            ("search", &["1000000", "3"]),
            ("ingest", &["10000,100000,1000000", "3"]),
            ("at-rest", &["100000", "5"]),
            ("pull", &["5000", "5"]),
            ("migrate", &["2000", "3"]),
            ("people", &["100000", "5"]),
            ("links", &["10000", "3"]),
            ("rate-limit", &["100000", "2"]),
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
         method and whether its budget (design.md) is met.\n\n\
         ## Budgets\n\n\
         | what | budget |\n\
         |---|---|\n\
         | offline search, 100,000 users: count + first 100, every query kind | p95 <= 10 ms |\n\
         | offline search, 1,000,000 distinct users | p95 <= 50 ms |\n\
         | ingest of 100,000 users (client only) | <= 2 s, <= 150 MiB |\n\
         | ingest of 1,000,000 users | <= 15 s, linear, memory flat |\n\
         | the window, 1,000,000 cached: start to first rows / jump to row 900,000 | <= 1.5 s / <= 300 ms |\n\
         | full sync from scim2-server, 5,000 users | >= 0.95 of the server's ceiling, >= 1.3x the peer |\n\
         | sync through a rate limit (20 requests/s), 100,000 users | within 5% of the limiter's minimum time, no 429 after the first |\n\
         | migration of 2,000 users + 100 groups | client share <= 10% of the run; wall time <= 1.15x the target's write ceiling |\n\
         | encryption at rest (ingest and search) | <= 15% |\n\
         | linking 100,000 accounts across 4 providers / offboarding from 4 | <= 2 s / <= 2 s |\n\
         | a link run on an unchanged source / client share of a 100-change run | <= 3x the reads / <= 10% |\n",
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
    say("benchmark: the window with 1,000,000 cached users");
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
