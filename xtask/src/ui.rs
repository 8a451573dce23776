//! Builds the Leptos UI: cargo for wasm32, then wasm-bindgen, then the static files, into `dist/`
//! (which tauri embeds at compile time). No trunk: it takes minutes to install and would run
//! wasm-opt, whose Debian build corrupts this wasm (see ARCHITECTURE.md).

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use crate::{Result, exec, root, setup, step};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Route {
    /// rustup's wasm32 target when available, else Debian's rustc-web.
    Auto,
    Rustup,
    Debian,
}

impl Route {
    pub fn parse(value: Option<&str>) -> Route {
        match value {
            Some("rustup") => Route::Rustup,
            Some("debian") => Route::Debian,
            _ => Route::Auto,
        }
    }
}

/// The wasm linker of Debian's `lld-22` package.
const DEBIAN_WASM_LINKER: &str = "/usr/lib/llvm-22/bin/wasm-ld";

const STATIC_FILES: &[&str] = &["index.html", "main.js", "styles.css"];

pub fn build(route: Route, out: Option<PathBuf>) -> Result<PathBuf> {
    let root = root();
    let out = out.unwrap_or_else(|| root.join("dist"));
    let route = match route {
        Route::Auto if setup::rustup_wasm_target_available() => Route::Rustup,
        Route::Auto => Route::Debian,
        other => other,
    };
    step(&format!("Building the UI for wasm32 ({route:?} toolchain)"));
    let manifest = root.join("ui/Cargo.toml");
    let (target_dir, mut command) = match route {
        Route::Debian => {
            setup::apt_install(setup::DEBIAN_WASM_PACKAGES)?;
            // Debian's rustc-web has the wasm32 target but no prebuilt std: build std from
            // rust-web-src. RUSTC_BOOTSTRAP enables -Zbuild-std on this stable compiler; it is set
            // only for this command, so the repository stays buildable with a stock toolchain.
            let mut command = Command::new("/usr/bin/cargo");
            let path = format!("/usr/bin:{}", std::env::var("PATH").unwrap_or_default());
            command
                .env("PATH", path)
                .env("RUSTC", "/usr/bin/rustc")
                .env("RUSTC_BOOTSTRAP", "1")
                .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
                // rustc links wasm with `rust-lld`, which Debian does not ship; lld-22's `wasm-ld`
                // is the same linker under its wasm name.
                .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", DEBIAN_WASM_LINKER)
                .env_remove("RUSTUP_TOOLCHAIN")
                .env_remove("CARGO");
            (root.join("target/ui-debian"), command)
        }
        _ => (root.join("target/ui"), Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))),
    };
    exec(command.current_dir(&root).args(["build", "--release", "--target", "wasm32-unknown-unknown", "--manifest-path"]).arg(&manifest).arg("--target-dir").arg(&target_dir))?;

    let wasm = target_dir.join("wasm32-unknown-unknown/release/crm-ui.wasm");
    fs::create_dir_all(&out).map_err(|e| format!("creating {}: {e}", out.display()))?;
    exec(Command::new("wasm-bindgen").args(["--target", "web", "--no-typescript", "--out-name", "crm-ui", "--out-dir"]).arg(&out).arg(&wasm))?;
    for file in STATIC_FILES {
        copy(&root.join("ui").join(file), &out.join(file))?;
    }
    copy(&root.join("icons/icon.png"), &out.join("icon.png"))?;
    check_dist(&out)?;
    Ok(out)
}

fn copy(from: &Path, to: &Path) -> Result {
    fs::copy(from, to).map(|_| ()).map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))
}

/// A built UI folder holds the page, the loader, the bindings and a valid wasm module.
pub fn check_dist(out: &Path) -> Result {
    for file in STATIC_FILES.iter().chain(&["crm-ui.js", "crm-ui_bg.wasm", "icon.png"]) {
        if !out.join(file).is_file() {
            return Err(format!("{} is missing from {}", file, out.display()));
        }
    }
    let wasm = fs::read(out.join("crm-ui_bg.wasm")).map_err(|e| e.to_string())?;
    if !wasm.starts_with(b"\0asm") || wasm.len() < 50_000 {
        return Err(format!("{} is not a plausible wasm module ({} bytes)", out.join("crm-ui_bg.wasm").display(), wasm.len()));
    }
    Ok(())
}
