//! Scripted tasks, run as `cargo xtask <task>` (or through `./x`, which first makes sure cargo
//! exists). Plain std on purpose: this must build in seconds on a fresh machine, before anything
//! else is installed.
//!
//! Tasks:
//! - `setup [--for run|test]`  install what is missing (Debian packages, the wasm target or its
//!   Debian fallback, the pinned wasm-bindgen CLI, tauri-driver). Idempotent: fast when done.
//! - `ui [--route auto|rustup|debian] [--out DIR]`  build the Leptos UI into `dist/`.
//! - `run [-- APP ARGS]`  setup, build the UI and the app, launch it.
//! - `test`  setup, then the whole suite: workspace tests, UI component tests, the end-to-end test
//!   in a real window under Xvfb, and a build of the UI through the Debian fallback toolchain.
//! - `bless-migrations`  record new migration files as released (see migrations/released.sha256).

mod setup;
mod ui;

use std::{
    env,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
    time::Instant,
};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::ensure(if flag_value(&args, "--for").as_deref() == Some("test") { setup::Purpose::Test } else { setup::Purpose::Run }),
        Some("ui") => ui::build(ui::Route::parse(flag_value(&args, "--route").as_deref()), flag_value(&args, "--out").map(PathBuf::from)).map(|_| ()),
        Some("run") => run_app(args.iter().skip_while(|a| *a != "--").skip(1).cloned().collect()),
        Some("test") => test(),
        Some("bless-migrations") => bless_migrations(),
        Some("soak-sync") => soak_sync(args.get(1).cloned()),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask <setup [--for run|test] | ui [--route auto|rustup|debian] [--out DIR] | run [-- ARGS] | test | soak-sync [SEEDS] | bless-migrations>";

pub type Result<T = ()> = std::result::Result<T, String>;

fn flag_value(args: &[String], flag: &str) -> Option<String> {
    args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned()
}

/// The repository root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Run a command to completion, failing with its command line if it fails.
pub fn exec(command: &mut Command) -> Result {
    let shown = format!("{command:?}");
    let status = command.status().map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{shown} failed ({status})")) }
}

pub fn step(title: &str) {
    eprintln!("\n==> {title}");
}

fn cargo() -> Command {
    let mut command = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root());
    command
}

fn build_app() -> Result<PathBuf> {
    step("Building the desktop app");
    // `--workspace --all-targets` unifies dependency features exactly as `cargo test --workspace`
    // does, so the app reuses the test build's compiled Tauri instead of building it a second time.
    exec(cargo().args(["build", "--workspace", "--all-targets"]))?;
    Ok(root().join("target/debug").join(format!("crm{}", env::consts::EXE_SUFFIX)))
}

fn run_app(app_args: Vec<String>) -> Result {
    setup::ensure(setup::Purpose::Run)?;
    ui::build(ui::Route::Auto, None)?;
    let app = build_app()?;
    step("Starting Keel CRM (an empty database shows a \"Load demo data\" button; pass `-- --demo` to fill it at start)");
    exec(Command::new(app).args(app_args))
}

fn test() -> Result {
    let started = Instant::now();
    warn_if_disk_is_short();
    setup::ensure(setup::Purpose::Test)?;
    ui::build(ui::Route::Auto, None)?;

    step("Starting a throw-away PostgreSQL for the sync server's tests");
    let postgres = Postgres::start()?;
    step("Workspace tests (core on real SQLite, model, desktop commands, sync server and clients, architecture rule)");
    exec(cargo().args(["test", "--workspace"]).env("CRM_TEST_POSTGRES_URL", &postgres.url))?;
    drop(postgres);

    step("UI component tests (Leptos rendered natively)");
    exec(cargo().args(["test", "--manifest-path", "ui/Cargo.toml", "--no-default-features", "--features", "ssr", "--target-dir", "target/ui-native"]))?;

    let app = build_app()?;
    step("End-to-end test in a real window (Xvfb + tauri-driver + WebKitWebDriver)");
    let display = Xvfb::start()?;
    // Inside a private D-Bus session, where the test starts a notification daemon: reminders
    // raise real desktop notifications, and the test watches them arrive.
    exec(Command::new("dbus-run-session")
        .current_dir(root())
        .arg("--")
        .arg(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        // `--workspace` (not `--package`) so that features unify as in the run above and nothing
        // is compiled twice.
        .args(["test", "--workspace", "--test", "e2e", "--", "--ignored", "--nocapture", "--test-threads", "1"])
        .env("DISPLAY", &display.name)
        .env("CRM_APP", &app))?;
    drop(display);

    step("The wasm build through the Debian rustc-web fallback");
    let out = root().join("target/ui-debian-dist");
    ui::build(ui::Route::Debian, Some(out.clone()))?;
    ui::check_dist(&out)?;

    eprintln!("\nAll tests passed in {:.0?}.", started.elapsed());
    Ok(())
}

/// A clean clone's test run needs about 10 GiB under target/ (the workspace, the UI natively and
/// as wasm twice, the app). Running short shows up late and obscurely (a linker's "No space left
/// on device" after ten minutes), so say it up front.
fn warn_if_disk_is_short() {
    const NEEDED_GIB: u64 = 12;
    let output = Command::new("df").args(["--output=avail", "-B1G"]).arg(root()).output();
    let free = output.ok().and_then(|o| String::from_utf8(o.stdout).ok()).and_then(|s| s.lines().nth(1).and_then(|l| l.trim().parse::<u64>().ok()));
    if let Some(free) = free.filter(|&free| free < NEEDED_GIB) {
        eprintln!("warning: only {free} GiB free on the disk holding {}; the test run needs about {NEEDED_GIB} GiB", root().display());
    }
}

/// A PostgreSQL cluster in `target/postgres-test` on a free loopback port (scripts/postgres.sh),
/// stopped when dropped.
struct Postgres {
    url: String,
    dir: PathBuf,
}

impl Postgres {
    fn start() -> Result<Postgres> {
        let dir = root().join("target/postgres-test");
        let script = root().join("scripts/postgres.sh");
        let out = Command::new("bash").arg(&script).arg("start").arg(&dir).output().map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if !out.status.success() {
            return Err(format!("{} start failed:\n{}{}", script.display(), String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
        }
        let url = String::from_utf8_lossy(&out.stdout).lines().rev().find(|l| l.starts_with("postgres://")).map(str::to_owned);
        let url = url.ok_or_else(|| format!("{} start printed no URL", script.display()))?;
        Ok(Postgres { url, dir })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Command::new("bash").arg(root().join("scripts/postgres.sh")).arg("stop").arg(&self.dir).status();
    }
}

/// The sync simulation with many seeds, optimised (`cargo xtask soak-sync [SEEDS]`, 20,000 by
/// default), on SQLite and on PostgreSQL.
fn soak_sync(seeds: Option<String>) -> Result {
    setup::ensure(setup::Purpose::Test)?;
    let seeds = seeds.unwrap_or_else(|| "20000".into());
    let postgres = Postgres::start()?;
    step(&format!("Sync simulation, {seeds} seeds"));
    exec(cargo()
        .args(["test", "--release", "-p", "crm-tests", "--test", "sync", "--", "randomized", "--nocapture"])
        .env("CRM_SYNC_PROCESS_SEEDS", &seeds)
        .env("CRM_SYNC_POSTGRES_SEEDS", (seeds.parse::<u64>().unwrap_or(20_000) / 10).to_string())
        .env("CRM_TEST_POSTGRES_URL", &postgres.url))
}

/// A private X server for the end-to-end test, stopped when dropped.
struct Xvfb {
    name: String,
    child: std::process::Child,
}

impl Xvfb {
    fn start() -> Result<Xvfb> {
        let number = (90..200).find(|n| !Path::new(&format!("/tmp/.X{n}-lock")).exists()).ok_or("no free X display number")?;
        let name = format!(":{number}");
        let child = Command::new("Xvfb")
            .args([name.as_str(), "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .spawn()
            .map_err(|e| format!("cannot start Xvfb: {e}"))?;
        for _ in 0..100 {
            if Path::new(&format!("/tmp/.X11-unix/X{number}")).exists() {
                return Ok(Xvfb { name, child });
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Err("Xvfb did not start within 5 s".into())
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bless_migrations() -> Result {
    let dir = root().join("migrations");
    let lock_path = dir.join("released.sha256");
    let mut lock = std::fs::read_to_string(&lock_path).map_err(|e| format!("reading {}: {e}", lock_path.display()))?;
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| e.to_string())?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".sql"))
        .collect();
    names.sort();
    let released: Vec<String> = lock.lines().filter_map(|line| line.split_once("  ")).map(|(_, name)| name.to_owned()).collect();
    for name in names.iter().filter(|name| !released.contains(name)) {
        let output = Command::new("sha256sum").arg(dir.join(name)).output().map_err(|e| format!("sha256sum: {e}"))?;
        let sum = String::from_utf8_lossy(&output.stdout).split_whitespace().next().unwrap_or_default().to_owned();
        lock.push_str(&format!("{sum}  {name}\n"));
        eprintln!("released {name}");
    }
    std::fs::write(&lock_path, lock).map_err(|e| e.to_string())
}
