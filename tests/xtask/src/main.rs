//! `cargo xtask`: the project's two commands and their helpers, with nothing but std.
//!
//! - `cargo xtask run [--demo]`   install what is missing, build the front end, open the app
//! - `cargo xtask test [FILTER]`  install what is missing, then every check and test (CI runs this)
//! - `cargo xtask bundle [--check]` a .deb through the Tauri bundler; --check inspects, installs and
//!   runs it (window, demo, sync) with the build tree out of reach
//! - `cargo xtask bindings`       rewrite ui/src/bindings from the Rust types
//! - `cargo xtask lint-workflows` actionlint over .github/workflows (also a step of `test`)
//! - `cargo xtask check-targets`  `cargo check` for Windows and macOS of what this machine can
//! - `cargo xtask install`        only install what is missing
//!
//! Installing: as root, missing Debian packages are installed with apt-get; otherwise the exact
//! apt command is printed and the task stops. npm packages, the Python venv of scim2-server,
//! SCIMMY's node modules and tauri-driver are installed into the project (or cargo's bin folder).

use std::env;
use std::path::{Path, PathBuf};
use std::process::{exit, Command, ExitStatus};

mod bench;
mod bundle;
mod setup;
mod test;

use bench::*;
use setup::*;
use test::*;

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
        "bundle" => bundle::bundle(&rest),
        "lint-workflows" => lint_workflows(),
        "check-targets" => check_targets(),
        "bindings" => bindings(),
        "install" => install(true),
        "bench" => bench(&rest),
        _ => {
            eprintln!(
                "usage: cargo xtask <run [--demo] | test [FILTER] | bench [--quick] | bundle [--check] | lint-workflows | check-targets | \
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
