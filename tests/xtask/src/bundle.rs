//! `cargo xtask bundle [--check]`: the .deb, and the proof that it works where the source tree
//! does not: built with the build machine's paths remapped, its contents inspected, installed,
//! and the installed binary driven through the real window (demo, sync) from an empty home.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{build_ui, ensure_apt, install, must, rel, root, say, Result};

/// The app id: the desktop entry and the AppStream metainfo are named by it.
const APP_ID: &str = "io.scimdesk.desktop";
/// Where the packaging build keeps its own target folder (its remapped paths would otherwise
/// rebuild the benchmarks' and the tests' release builds).
const TARGET: &str = "target/package";
/// Tools the check uses to validate the desktop entry and the metainfo.
const APT_CHECK: &[&str] = &["desktop-file-utils", "appstream"];

pub(crate) fn bundle(args: &[String]) -> Result {
    let check = args.iter().any(|a| a == "--check");
    install(check)?;
    build_ui()?;
    let deb = build_deb()?;
    say(&format!("the .deb is {}", rel(&deb)));
    if check {
        check_deb(&deb)?;
    }
    Ok(())
}

/// Builds the .deb and names its desktop entry by the app id.
fn build_deb() -> Result<PathBuf> {
    say("building the .deb (release build, paths of this machine remapped)");
    let r = root();
    let target = r.join(TARGET);
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    // The binary must not carry the paths of the machine that built it (panic locations name
    // source files): the source tree and cargo's registry become short neutral prefixes.
    let remap = format!(
        "--remap-path-prefix={}=/scim-desk --remap-path-prefix={}=/cargo",
        r.display(),
        cargo_home.display()
    );
    let _ = std::fs::remove_dir_all(target.join("release/bundle/deb"));
    must(
        Command::new(r.join("ui/node_modules/.bin/tauri"))
            .current_dir(r.join("src-tauri"))
            .env("CARGO_TARGET_DIR", &target)
            .env("RUSTFLAGS", remap)
            .args(["build", "--bundles", "deb", "--ci"]),
    )?;
    let dir = target.join("release/bundle/deb");
    let deb = std::fs::read_dir(&dir)
        .map_err(|e| format!("no {}: {e}", rel(&dir)))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or_else(|| format!("the bundler left no .deb in {}", rel(&dir)))?;
    name_desktop_entry(&deb)?;
    // Debian's own file name (package_version_architecture), not the product name with a space.
    let fields = output(Command::new("dpkg-deb").arg("-f").arg(&deb).args([
        "Package",
        "Version",
        "Architecture",
    ]))?;
    let field = |name: &str| {
        fields
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .map(str::trim)
            .unwrap_or("unknown")
            .to_string()
    };
    let named = dir.join(format!(
        "{}_{}_{}.deb",
        field("Package"),
        field("Version"),
        field("Architecture")
    ));
    if named != deb {
        std::fs::rename(&deb, &named).map_err(|e| e.to_string())?;
    }
    Ok(named)
}

/// Tauri names the desktop entry after the product ("SCIM Desk.desktop"); desktops and
/// software centres look it up by the app id. The package is unpacked, the entry renamed and
/// the package built again.
fn name_desktop_entry(deb: &Path) -> Result {
    let work = deb.with_extension("unpacked");
    let _ = std::fs::remove_dir_all(&work);
    must(Command::new("dpkg-deb").arg("-R").arg(deb).arg(&work))?;
    let apps = work.join("usr/share/applications");
    let wanted = apps.join(format!("{APP_ID}.desktop"));
    let found: Vec<PathBuf> = std::fs::read_dir(&apps)
        .map_err(|e| format!("the .deb has no {}: {e}", rel(&apps)))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "desktop"))
        .collect();
    match found.as_slice() {
        [one] if *one == wanted => {}
        [one] => std::fs::rename(one, &wanted).map_err(|e| e.to_string())?,
        other => return Err(format!("expected one desktop entry, found {other:?}")),
    }
    std::fs::remove_file(deb).map_err(|e| e.to_string())?;
    must(
        Command::new("dpkg-deb")
            .args(["--build", "--root-owner-group"])
            .arg(&work)
            .arg(deb),
    )?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| format!("could not start {:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        return Err(format!(
            "{:?} failed: {}{}",
            cmd.get_program(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Inspects, installs and runs the package.
fn check_deb(deb: &Path) -> Result {
    ensure_apt(APT_CHECK)?;
    say("inspecting the .deb");
    let listing = output(Command::new("dpkg-deb").arg("-c").arg(deb))?;
    let has = |path: &str| listing.lines().any(|l| l.ends_with(path));
    let desktop = format!("./usr/share/applications/{APP_ID}.desktop");
    let metainfo = format!("./usr/share/metainfo/{APP_ID}.metainfo.xml");
    for wanted in [
        "./usr/bin/scim-desk",
        "/apps/scim-desk.png",
        desktop.as_str(),
        metainfo.as_str(),
    ] {
        if !has(wanted) {
            return Err(format!("the .deb has no {wanted}:\n{listing}"));
        }
    }
    let size = std::fs::metadata(deb).map(|m| m.len()).unwrap_or(0);
    say(&format!(
        "the .deb holds the binary, icons, {APP_ID}.desktop and its metainfo ({:.1} MiB)",
        size as f64 / 1_048_576.0
    ));

    say("installing it");
    must(
        Command::new("apt-get")
            .args(["install", "-y", "--reinstall"])
            .arg(deb)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    let bin = PathBuf::from("/usr/bin/scim-desk");
    must(
        Command::new("desktop-file-validate")
            .arg(format!("/usr/share/applications/{APP_ID}.desktop")),
    )?;
    must(
        Command::new("appstreamcli")
            .args(["validate", "--no-net", "--pedantic"])
            .arg(format!("/usr/share/metainfo/{APP_ID}.metainfo.xml")),
    )?;
    let bytes = std::fs::read(&bin).map_err(|e| format!("{}: {e}", bin.display()))?;
    let (used, inert) = build_tree_paths(&bytes, &root().display().to_string());
    if !used.is_empty() {
        return Err(format!(
            "the installed binary names the build tree: it would look for files there: {used:?}"
        ));
    }
    say(&format!(
        "no path of the build tree inside the installed binary ({} inert OpenSSL default \
         folder names left: OpenSSL is built without loadable modules and no engine is loaded)",
        inert.len()
    ));

    // The installed binary in the real window, from an empty home, with the test harness out of
    // reach: the GUI test of the demo (start, both providers listed, test, sync 1,000 users).
    say("starting the installed app: the demo and a sync, through the window");
    let nowhere = std::env::temp_dir().join("scim-desk-no-harness");
    let _ = std::fs::create_dir_all(&nowhere);
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    must(
        Command::new("dbus-run-session")
            .arg("--")
            .arg(exe)
            .arg("test-in-session")
            .arg("try_the_demo_providers")
            .env("SCIM_DESK_APP_BIN", &bin)
            .env("SCIM_DESK_REFERENCE_DIR", &nowhere),
    )?;
    say("the installed package works: window, demo, sync");
    Ok(())
}

/// The strings of `bytes` that name the build tree `tree`: those something could use, and the
/// inert ones. The vendored OpenSSL keeps its install prefix as the default folder of loadable
/// modules and engines (ENGINESDIR, MODULESDIR); it is built with `no-module` and SCIM Desk
/// loads no engine, so those names are never opened.
fn build_tree_paths(bytes: &[u8], tree: &str) -> (Vec<String>, Vec<String>) {
    let needle = tree.as_bytes();
    let (mut used, mut inert) = (Vec::new(), Vec::new());
    let mut at = 0;
    while let Some(i) = bytes[at..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + at)
    {
        let end = bytes[i..]
            .iter()
            .position(|b| *b == 0 || *b == b'"' || *b == b'\n')
            .map_or(bytes.len(), |e| i + e);
        let found = String::from_utf8_lossy(&bytes[i..end]).into_owned();
        if found.contains("/out/openssl-build/install/lib/") {
            inert.push(found);
        } else {
            used.push(found);
        }
        at = end.max(i + 1);
    }
    (used, inert)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_source_path_is_caught_and_openssls_module_folders_are_not() {
        let bin = b"x\0/src/tree/crates/reference\0ENGINESDIR: \"/src/tree/target/release/build/openssl-sys-1/out/openssl-build/install/lib/engines-3\"\0";
        let (used, inert) = super::build_tree_paths(bin, "/src/tree");
        assert_eq!(used, ["/src/tree/crates/reference"]);
        assert_eq!(inert.len(), 1);
    }
}
