//! The desktop shell. Every command is a thin adapter over `crm_core::Store` (see `commands.rs`);
//! this crate holds no business rule and no SQL.
//!
//! Start-up: the database path comes from `--db <path>`, else the `CRM_DB` environment variable,
//! else the per-user data directory of the OS. `--demo` fills an empty database with demo data.

mod commands;
mod options;
mod sync;
mod worker;

use std::sync::Mutex;

use commands::AppState;

pub fn run() {
    let options = match options::Options::from_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}\n\n{}", options::USAGE);
            std::process::exit(2);
        }
    };
    let store = crm_core::Store::open(&options.database).and_then(|mut store| {
        if options.demo && store.info()?.company_count == 0 {
            store.load_demo(options::DEMO_SEED, options::DEMO_COMPANIES)?;
        }
        Ok(store)
    });
    if let Err(error) = &store {
        // The window still opens and shows this message (every command returns it).
        eprintln!("{error}");
    }
    tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            worker::start(app.handle().clone());
            sync::start(app.handle().clone());
            Ok(())
        })
        .manage(commands::SharedJob::default())
        .manage(sync::SyncState::default())
        .manage(AppState::new(store.map(Mutex::new).map_err(Into::into)))
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::demo_load,
            commands::company_list,
            commands::company_count,
            commands::ship_to_save,
            commands::ship_to_delete,
            commands::company_get,
            commands::company_create,
            commands::company_update,
            commands::company_history,
            commands::company_contacts,
            commands::contact_list,
            commands::contact_count,
            commands::contact_get,
            commands::contact_create,
            commands::contact_update,
            commands::contact_history,
            commands::code_lists,
            commands::code_save,
            commands::user_create,
            commands::user_update,
            commands::note_create,
            commands::note_list,
            commands::note_search,
            commands::company_export,
            commands::contact_export,
            commands::export_default_path,
            commands::job_progress,
            commands::job_cancel,
            commands::import_preview,
            commands::import_check,
            commands::import_apply,
            commands::import_undo,
            commands::company_merge,
            commands::contact_merge,
            commands::lead_create,
            commands::lead_get,
            commands::lead_update,
            commands::lead_move,
            commands::lead_list,
            commands::lead_count,
            commands::lead_export,
            commands::lead_transitions,
            commands::lead_transition_set,
            commands::lead_codes,
            commands::lead_code_save,
            commands::lead_code_stats,
            commands::pipeline,
            commands::lead_chart,
            commands::lead_chart_png,
            commands::estimates_of_lead,
            commands::estimate_save,
            commands::estimate_choose,
            commands::estimate_delete,
            commands::order_get,
            commands::orders_of_company,
            commands::order_approve,
            commands::profile_get,
            commands::profile_save,
            commands::time_zones,
            commands::task_create,
            commands::task_update,
            commands::task_set_status,
            commands::task_get,
            commands::task_list,
            commands::tasks_of,
            commands::my_day,
            commands::workload,
            commands::workload_filter,
            commands::workload_chart,
            commands::follow_up_create,
            commands::reminders_due,
            commands::reminder_snooze,
            commands::reminder_dismiss,
            commands::task_ics_save,
            commands::tasks_ics_save,
            commands::smtp_settings_get,
            commands::smtp_settings_save,
            commands::outbox_list,
            commands::outbox_send_now,
            sync::sync_status,
            sync::sync_login,
            sync::sync_logout,
            sync::sync_now,
            sync::sync_cancel,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("the Tauri runtime failed to start");
}
