//! Declares the app's command list to tauri-build, which generates one `allow-<command>`
//! permission per command; `capabilities/main.json` grants exactly those to the main window, so
//! no other command (and no plugin API) can be invoked from the web view.
//!
//! `tauri.conf.json` lives at the repository root (the design card's layout), so its path is
//! given explicitly.

use std::path::Path;

/// Must list every command in `generate_handler!` (src/lib.rs); a command missing here cannot be
/// granted and fails at run time with a permission error, which the end-to-end test would catch.
const COMMANDS: &[&str] = &[
    "app_info",
    "demo_load",
    "company_list",
    "company_count",
    "ship_to_save",
    "ship_to_delete",
    "company_get",
    "company_create",
    "company_update",
    "company_history",
    "company_contacts",
    "contact_list",
    "contact_count",
    "contact_get",
    "contact_create",
    "contact_update",
    "contact_history",
    "code_lists",
    "code_save",
    "user_create",
    "user_update",
    "note_create",
    "note_list",
    "note_search",
    "company_export",
    "contact_export",
    "export_default_path",
    "job_progress",
    "job_cancel",
    "import_preview",
    "import_check",
    "import_apply",
    "import_undo",
    "company_merge",
    "contact_merge",
    "lead_create",
    "lead_get",
    "lead_update",
    "lead_move",
    "lead_list",
    "lead_count",
    "lead_export",
    "lead_transitions",
    "lead_transition_set",
    "lead_codes",
    "lead_code_save",
    "lead_code_stats",
    "pipeline",
    "lead_chart",
    "lead_chart_png",
    "estimates_of_lead",
    "estimate_save",
    "estimate_choose",
    "estimate_delete",
    "order_get",
    "orders_of_company",
    "order_approve",
    "profile_get",
    "profile_save",
    "time_zones",
    "task_create",
    "task_update",
    "task_set_status",
    "task_get",
    "task_list",
    "tasks_of",
    "my_day",
    "workload",
    "workload_filter",
    "workload_chart",
    "follow_up_create",
    "reminders_due",
    "reminder_snooze",
    "reminder_dismiss",
    "task_ics_save",
    "tasks_ics_save",
    "smtp_settings_get",
    "smtp_settings_save",
    "outbox_list",
    "outbox_send_now",
    "sync_status",
    "sync_login",
    "sync_logout",
    "sync_now",
    "sync_cancel",
];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    // The UI is embedded at compile time from `dist/`, which `cargo xtask ui` builds. A fresh
    // clone has no `dist/` yet: put a page there that says how to build the UI, so `cargo check`
    // and `cargo test` work without the wasm toolchain.
    let dist = root.join("dist");
    if !dist.join("index.html").exists() {
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(
            dist.join("index.html"),
            "<!doctype html><title>UI not built</title><p>The UI has not been built. Run <code>./x run</code>.</p>",
        )
        .unwrap();
    }
    println!("cargo:rerun-if-changed={}", dist.display());
    let attributes = tauri_build::Attributes::new()
        .config_path(root.join("tauri.conf.json"))
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri-build failed");
}
