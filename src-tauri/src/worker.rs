//! The background round: every half minute, send what waits in the mail outbox and raise a
//! desktop notification for each reminder that came due. Both only call the core; the network
//! is used outside the store's lock (see `commands::send_round`).

use std::collections::HashSet;
use std::time::Duration;

use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::commands::{AppState, send_round};

const EVERY: Duration = Duration::from_secs(30);

pub(crate) fn start(app: AppHandle) {
    std::thread::Builder::new()
        .name("reminders-and-outbox".into())
        .spawn(move || {
            // Reminders notified and still due, by task and reminder time: a rescheduled task
            // has a new key, and a snoozed one leaves the set and notifies again when it is due.
            let mut shown: HashSet<(crm_model::Id, String)> = HashSet::new();
            loop {
                let state = app.state::<AppState>();
                if let Err(error) = send_round(&state) {
                    eprintln!("outbox: {}", error.message);
                }
                match state.with(|store| store.reminders_due()) {
                    Ok(due) => {
                        let now_due: HashSet<(crm_model::Id, String)> = due.iter().map(|r| (r.task.id, r.remind_at.clone())).collect();
                        for reminder in due.iter().filter(|r| !shown.contains(&(r.task.id, r.remind_at.clone()))) {
                            notify(&app, reminder);
                        }
                        // Forget what is no longer due (dismissed, snoozed, done), so that a
                        // snoozed reminder notifies again when the snooze ends.
                        shown = now_due;
                    }
                    Err(error) => eprintln!("reminders: {}", error.message),
                }
                std::thread::sleep(EVERY);
            }
        })
        .expect("start the background thread");
}

fn notify(app: &AppHandle, reminder: &crm_model::DueReminder) {
    let task = &reminder.task;
    let about = task.related_name.as_deref().map(|name| format!(" · {name}")).unwrap_or_default();
    let body = format!("Due {} ({}){about}", task.due_local.replace('T', " "), task.time_zone);
    // Without a notification service (a bare X server, a locked-down desktop) this fails; the
    // badge in the window still shows the reminder, so the failure is only logged.
    if let Err(error) = app.notification().builder().title(format!("Reminder: {}", task.title)).body(body).show() {
        eprintln!("notification: {error}");
    }
}
