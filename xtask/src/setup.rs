//! Installs what the project needs, checking first so that a second run costs a few seconds.

use std::{env, path::Path, process::Command};

use crate::{Result, exec, root, step};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Run,
    Test,
}

/// Debian packages to build and show a WebKitGTK window.
const APP_PACKAGES: &[&str] = &["build-essential", "pkg-config", "libwebkit2gtk-4.1-dev"];
/// And to drive that window in a test: a virtual display and WebKit's WebDriver.
const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    // Task invitations are read back by an independent parser (Python's icalendar) and imported
    // by a real calendar program (khal); the mail tests send to a real SMTP server (aiosmtpd).
    "khal",
    "python3-icalendar",
    "python3-aiosmtpd",
    // Reminders raise desktop notifications: a session bus and a real notification daemon.
    "dbus-daemon",
    "dbus-bin",
    "dunst",
    // The sync tests also run the server on PostgreSQL (a throw-away cluster, scripts/postgres.sh).
    "postgresql",
];
/// The fallback wasm toolchain of Debian 12 (bookworm-security): a rustc with the wasm32 target's
/// source, built with `-Zbuild-std`, and the lld linker it needs.
pub const DEBIAN_WASM_PACKAGES: &[&str] = &["rustc-web", "cargo-web", "rust-web-src", "lld-22"];

pub fn ensure(purpose: Purpose) -> Result {
    step("Checking what is installed");
    let mut packages: Vec<&str> = APP_PACKAGES.to_vec();
    if purpose == Purpose::Test {
        packages.extend(TEST_PACKAGES);
        packages.extend(DEBIAN_WASM_PACKAGES);
    }
    apt_install(&packages)?;
    if !rustup_wasm_target_available() {
        eprintln!("The rustup wasm32 target is not available; the UI will be built with Debian's rustc-web.");
        apt_install(DEBIAN_WASM_PACKAGES)?;
    }
    let wasm_bindgen = wasm_bindgen_version()?;
    cargo_install("wasm-bindgen-cli", "wasm-bindgen", &format!("={wasm_bindgen}"), &format!("wasm-bindgen {wasm_bindgen}"))?;
    if purpose == Purpose::Test {
        cargo_install("tauri-driver", "tauri-driver", "^2", "")?;
    }
    Ok(())
}

fn is_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

pub fn apt_install(packages: &[&str]) -> Result {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !is_installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    step(&format!("Installing Debian packages: {}", missing.join(" ")));
    let sudo = |args: &[&str]| {
        let is_root = Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0")).unwrap_or(false);
        let mut command = if is_root { Command::new(args[0]) } else { Command::new("sudo") };
        if !is_root {
            command.arg(args[0]);
        }
        command.args(&args[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    exec(&mut sudo(&["apt-get", "update", "-q"]))?;
    let mut install = sudo(&["apt-get", "install", "-y", "-q", "--no-install-recommends"]);
    exec(install.args(&missing))
}

/// True when the rustup toolchain has (or can now get) the standard library for wasm32.
pub fn rustup_wasm_target_available() -> bool {
    if env::var("CRM_WASM_ROUTE").as_deref() == Ok("debian") {
        return false;
    }
    let has_std = || {
        Command::new("rustc")
            .args(["--print", "target-libdir", "--target", "wasm32-unknown-unknown"])
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|dir| std::fs::read_dir(dir.trim()).ok())
            .is_some_and(|mut entries| entries.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("libcore-"))))
    };
    if has_std() {
        return true;
    }
    let added = Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]).status().is_ok_and(|s| s.success());
    added && has_std()
}

/// The wasm-bindgen version locked by the UI: the CLI must match it exactly.
pub fn wasm_bindgen_version() -> Result<String> {
    let lock_path = root().join("ui/Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).map_err(|e| format!("reading {}: {e}", lock_path.display()))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err("wasm-bindgen is not in ui/Cargo.lock".into())
}

/// `cargo install` a tool unless `binary --version` already prints `expected`.
fn cargo_install(krate: &str, binary: &str, version: &str, expected: &str) -> Result {
    let current = Command::new(binary).arg("--version").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    if current.as_deref().is_some_and(|out| out.contains(expected)) {
        return Ok(());
    }
    step(&format!("Installing {krate} {version}"));
    // Without --locked: a version locked by some of these tools is no longer on the registry.
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    exec(Command::new(cargo).args(["install", krate, "--version", version]))?;
    if Path::new(&format!("{}/.cargo/bin/{binary}", env::var("HOME").unwrap_or_default())).exists() || Command::new(binary).arg("--version").output().is_ok() {
        Ok(())
    } else {
        Err(format!("{binary} was installed but is not on PATH; add ~/.cargo/bin to PATH"))
    }
}
