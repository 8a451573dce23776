//! Component tests: components render natively to HTML (`--features ssr`) and the markup is checked.

use crm_model::{ApiError, CompanyRow, ErrorKind, FieldError, ListQuery, SortDir};
use leptos::prelude::*;

use crate::{companies::CompanyTable, components::{TextField, field_error}};

fn row(number: &str, name: &str) -> CompanyRow {
    CompanyRow {
        id: uuid::Uuid::nil(),
        customer_number: number.into(),
        name: name.into(),
        phone: "+1 555 0100".into(),
        email: "a@b.example".into(),
        city: "Austin".into(),
        region: "TX".into(),
        country: "United States".into(),
        newest_note_at: Some("2026-11-20T09:30:00.000Z".into()),
    }
}

#[test]
fn company_table_renders_rows_and_marks_the_sorted_column() {
    let owner = Owner::new();
    owner.set();
    let query = RwSignal::new(ListQuery { sort: Some("city".into()), dir: SortDir::Desc, ..ListQuery::default() });
    let html = view! {
        <CompanyTable rows=vec![row("A1001", "Acme & Sons"), row("A1002", "Beta Labs")] query on_open=Callback::new(|_| {})/>
    }
    .to_html();
    assert!(html.contains("A1001") && html.contains("Beta Labs"), "{html}");
    assert!(html.contains("Acme &amp; Sons"), "text is escaped: {html}");
    assert_eq!(html.matches("class=\"row\"").count(), 2);
    assert!(html.contains(r#"<th aria-sort="descending"><button data-sort="city""#), "{html}");
    assert_eq!(html.matches(r#"aria-sort="descending""#).count(), 1, "only the sorted column is marked");
    assert!(html.contains("▼") && !html.contains("▲"), "{html}");
    assert!(!html.contains("No company matches"));
    let empty = view! { <CompanyTable rows=vec![] query on_open=Callback::new(|_| {})/> }.to_html();
    assert!(empty.contains("No company matches your search."));
}

#[test]
fn text_field_shows_the_core_error_next_to_the_field() {
    let owner = Owner::new();
    owner.set();
    let error = RwSignal::new(Some(ApiError {
        kind: ErrorKind::Invalid,
        message: "email: not an email".into(),
        fields: vec![FieldError { field: "email".into(), message: "\"x\" is not an email address like name@example.com.".into() }],
    }));
    let html = view! {
        <TextField label="Email" name="email" kind="email" maxlength=254 value="x".to_string() on_input=|_| {} error=field_error(error, "email")/>
        <TextField label="Name" name="name" maxlength=200 value="Acme".to_string() on_input=|_| {} error=field_error(error, "name") required=true/>
    }
    .to_html();
    let email_part = &html[..html.find("field-name").unwrap()];
    assert!(email_part.contains("class=\"field invalid\""), "{html}");
    assert!(email_part.contains("aria-invalid=\"true\""), "{html}");
    assert!(email_part.contains("is not an email address like name@example.com."), "{html}");
    assert!(email_part.contains(r#"maxlength="254""#), "{html}");
    let name_part = &html[html.find("field-name").unwrap()..];
    assert!(!name_part.contains("invalid\""), "the name field has no error: {name_part}");
    assert!(name_part.contains("req"), "required fields are marked");
}

#[test]
fn counts_are_grouped() {
    assert_eq!(crate::format::count(0), "0");
    assert_eq!(crate::format::count(999), "999");
    assert_eq!(crate::format::count(1_234_567), "1,234,567");
    assert_eq!(crate::format::person("", "Prince"), "Prince");
}

// Tasks.

fn task(title: &str, due_local: &str) -> crm_model::Task {
    crm_model::Task {
        id: uuid::Uuid::nil(),
        title: title.into(),
        notes: String::new(),
        due_at: "2026-11-24T08:30:00Z".into(),
        due_local: due_local.into(),
        time_zone: "Europe/Berlin".into(),
        duration_minutes: 30,
        assignee_id: None,
        assignee: Some("Ada".into()),
        related: Some(crm_model::NoteSubject::Company(uuid::Uuid::nil())),
        related_name: Some("Acme & Sons".into()),
        note_id: None,
        priority: crm_model::Priority::High,
        status: crm_model::TaskStatus::Open,
        reminder_minutes: Some(15),
        remind_at: None,
        ics_uid: "x@keel-crm".into(),
        ics_sequence: 0,
        completed_at: None,
        created_at: "2026-11-20T09:30:00Z".into(),
        updated_at: "2026-11-20T09:30:00Z".into(),
    }
}

#[test]
fn due_times_show_the_wall_time_as_entered_with_its_zone() {
    use crate::format::{add_days, due, local_day, local_midnight, parse_day};
    assert_eq!(due("2026-11-24T09:30", "Europe/Berlin"), "Tue 24 Nov 2026, 09:30 · Europe/Berlin");
    assert_eq!(due("2028-02-29T23:05", "UTC"), "Tue 29 Feb 2028, 23:05 · UTC");
    assert_eq!(due("1970-01-01T00:00", "UTC"), "Thu 1 Jan 1970, 00:00 · UTC");
    assert_eq!(due("soon", "UTC"), "soon · UTC", "text that is not a wall time is shown as is");
    assert_eq!(crate::format::due_wall("2026-11-24T09:30"), "Tue 24 Nov 2026, 09:30");
    assert_eq!(parse_day("2026-02-30"), None);
    assert_eq!(add_days("2026-12-31", 1).as_deref(), Some("2027-01-01"));
    assert_eq!(add_days("2024-03-01", -1).as_deref(), Some("2024-02-29"));
    // Natively (no browser clock) days are UTC days: an exclusive end shows as the day before.
    assert_eq!(local_midnight("2026-11-24").as_deref(), Some("2026-11-24T00:00:00Z"));
    assert_eq!(local_day("2026-11-25T00:00:00Z", true), "2026-11-24");
    assert_eq!(local_day("2026-11-25T10:00:00Z", true), "2026-11-25");
    assert_eq!(local_day("2026-11-25", false), "2026-11-25");
}

#[test]
fn reminder_choices_keep_an_offset_set_elsewhere() {
    use crate::tasks::{REMINDER_CHOICES, reminder_choices, reminder_label};
    let labels: Vec<String> = REMINDER_CHOICES.iter().map(|m| reminder_label(*m)).collect();
    assert_eq!(labels, ["No reminder", "At the due time", "5 minutes before", "15 minutes before", "30 minutes before", "1 hour before", "1 day before"]);
    assert_eq!(reminder_label(Some(120)), "2 hours before");
    assert_eq!(reminder_label(Some(1)), "1 minute before");
    assert_eq!(reminder_choices(Some(15)), REMINDER_CHOICES.to_vec());
    let with_odd = reminder_choices(Some(120));
    assert_eq!(with_odd.len(), REMINDER_CHOICES.len() + 1);
    assert_eq!(with_odd[6], Some(120), "sorted between 1 hour and 1 day");
}

#[test]
fn invitation_outcomes_say_where_the_invitation_went_or_why_not() {
    use crate::tasks::{outcome_line, outcome_message};
    use crm_model::InvitationOutcome;
    let owner = Owner::new();
    owner.set();
    let queued = InvitationOutcome::Queued { to: "ada@example.com".into() };
    assert_eq!(outcome_message(&queued), "Invitation queued for ada@example.com.");
    let html = outcome_line("task-outcome", "Task saved.", &queued).to_html();
    assert!(html.contains(r#"<p id="task-outcome" role="status" class="ok outcome">"#), "{html}");
    assert!(html.contains("Task saved. Invitation queued for ada@example.com."), "{html}");
    let not_sent = InvitationOutcome::NotSent { reason: "Nobody is assigned.".into() };
    let html = outcome_line("follow-up-outcome", "Follow-up set.", &not_sent).to_html();
    assert!(html.contains(r#"id="follow-up-outcome" role="status" class="warn outcome""#), "{html}");
    assert!(html.contains("No invitation sent: Nobody is assigned."), "{html}");
}

#[test]
fn follow_up_titles_start_with_the_notes_first_words() {
    use crate::tasks::follow_up_title;
    assert_eq!(follow_up_title("Called Ada about the\nspring  order"), "Follow up: Called Ada about the spring order");
    assert_eq!(follow_up_title("Called Ada about the spring order, she wants a quote"), "Follow up: Called Ada about the spring order,…");
    assert_eq!(follow_up_title("   "), "Follow up");
    let long = "x".repeat(100);
    assert_eq!(follow_up_title(&long), format!("Follow up: {}…", "x".repeat(60)));
}

#[test]
fn my_day_shows_three_sections_and_asks_who_you_are() {
    let owner = Owner::new();
    owner.set();
    let nav = RwSignal::new(crate::app::View::MyDay);
    provide_context(nav);
    crate::tasks::provide_task_state();
    let day = crm_model::MyDay {
        user_id: None,
        time_zone: "Europe/Berlin".into(),
        today: "2026-11-24".into(),
        overdue: vec![task("Call Ada back", "2026-11-23T09:30")],
        due_today: vec![],
        upcoming: vec![task("Send the quote", "2026-11-26T14:00")],
    };
    let html = crate::tasks::my_day_sections(day, nav).to_html();
    for id in ["overdue", "due-today", "upcoming", "choose-user"] {
        assert!(html.contains(&format!(r#"id="{id}""#)), "{id}: {html}");
    }
    assert_eq!(html.matches(r#"<li data-task="00000000-0000-0000-0000-000000000000" class="task">"#).count(), 2, "{html}");
    assert!(html.contains("Mon 23 Nov 2026, 09:30 · Europe/Berlin"), "{html}");
    assert!(html.contains("Acme &amp; Sons"), "the related record is linked: {html}");
    assert!(html.contains("priority-high"), "{html}");
    assert!(html.contains("Nothing else is due today."), "{html}");
}

#[test]
fn outbox_rounds_are_summed_up() {
    let round = crm_model::OutboxRound { sent: 2, failed: 1, pending: 3, last_error: Some("connection refused".into()) };
    assert_eq!(crate::settings::round_message(&round), "Sent 2 · 1 failed · 3 waiting. Last error: connection refused");
    assert_eq!(crate::settings::round_message(&crm_model::OutboxRound::default()), "Sent 0 · 0 failed · 0 waiting.");
}

#[test]
fn one_tasks_ics_file_is_named_after_the_task() {
    use crate::tasks::task_ics_path;
    assert_eq!(task_ics_path("/home/ada/Documents/task-2026-11-24.ics", "Call Ada back: re Q3!"), "/home/ada/Documents/task-call-ada-back-re-q3-2026-11-24.ics");
    assert_eq!(task_ics_path(r"C:\Users\task-x\task-2026-11-24.ics", "Überprüfen"), r"C:\Users\task-x\task-überprüfen-2026-11-24.ics");
    assert_eq!(task_ics_path("/tmp/task-2026-11-24.ics", "!!!"), "/tmp/task-2026-11-24.ics", "nothing to name it after");
    assert_eq!(task_ics_path("/tmp/other.ics", "Call"), "/tmp/other.ics");
}

// Sync.

fn synced(pending: u64) -> crm_model::SyncStatus {
    crm_model::SyncStatus {
        enabled: true,
        server_url: Some("https://crm.example.com".into()),
        email: Some("ada@example.com".into()),
        device_name: Some("Ada's laptop".into()),
        series: "B".into(),
        // 2026-11-24 14:05 UTC (the native tests' device clock is UTC).
        last_sync_ms: Some(1_795_529_100_000),
        last_error: None,
        pending,
        running: false,
        progress: None,
    }
}

#[test]
fn sync_progress_reads_as_the_phase_and_its_counts() {
    use crate::sync::{progress_bar, progress_text};
    use crm_model::{SyncPhase, SyncProgress};
    let at = |phase, done, total| SyncProgress { phase, done, total };
    assert_eq!(progress_text(&at(SyncPhase::Connecting, 0, 0)), "Connecting…");
    assert_eq!(progress_text(&at(SyncPhase::Indexing, 0, 0)), "Indexing for search…");
    assert_eq!(progress_text(&at(SyncPhase::Sending, 120, 5_000)), "Sending 120 of 5,000");
    assert_eq!(progress_text(&at(SyncPhase::Receiving, 3_400, 100_000)), "Receiving 3,400 of 100,000");
    assert_eq!(progress_text(&at(SyncPhase::Receiving, 0, 0)), "Receiving…", "nothing counted yet");
    assert_eq!(progress_text(&at(SyncPhase::Sending, 7, 5)), "Sending 5 of 5", "never more than all");
    assert_eq!(progress_bar(&at(SyncPhase::Receiving, 3_400, 100_000)), (100_000, 3_400));
    assert_eq!(progress_bar(&at(SyncPhase::Connecting, 0, 0)), (1, 0));
}

#[test]
fn sync_status_says_off_running_synced_or_why_not() {
    use crate::sync::{account_text, pending_text, round_text, status_state, status_text};
    use crm_model::{SyncPhase, SyncProgress, SyncRound, SyncStatus};
    let now = 1_795_532_700_000; // an hour later, the same day
    assert_eq!(status_text(&SyncStatus::default(), now), "Sync off");
    assert_eq!(status_state(&SyncStatus::default()), "off");
    assert_eq!(status_text(&synced(3), now), "Synced 14:05 · 3 waiting");
    assert_eq!(status_text(&synced(0), now), "Synced 14:05");
    assert_eq!(status_text(&synced(1_200), now + 86_400_000), "Synced Tue 24 Nov, 14:05 · 1,200 waiting", "yesterday's sync names its day");
    assert_eq!(status_text(&synced(0), now + 366 * 86_400_000), "Synced 24 Nov 2026, 14:05");
    assert_eq!(status_state(&synced(0)), "synced");
    let never = SyncStatus { last_sync_ms: None, ..synced(2) };
    assert_eq!(status_text(&never, now), "Not synced yet · 2 waiting");
    let failed = SyncStatus { last_error: Some("The server cannot be reached.".into()), ..synced(3) };
    assert_eq!(status_text(&failed, now), "Not synced: The server cannot be reached.");
    assert_eq!(status_state(&failed), "error");
    let running = SyncStatus { running: true, progress: Some(SyncProgress { phase: SyncPhase::Sending, done: 120, total: 5_000 }), ..failed };
    assert_eq!(status_text(&running, now), "Sending 120 of 5,000", "a running round shows its progress, not the old error");
    assert_eq!(status_state(&running), "running");
    assert_eq!(status_text(&SyncStatus { progress: None, ..running }, now), "Syncing…");
    assert_eq!(account_text(&synced(0)), "Syncing with https://crm.example.com as ada@example.com (device Ada's laptop, number series B)");
    assert_eq!(pending_text(0), "No changes");
    assert_eq!(pending_text(1), "1 change");
    assert_eq!(pending_text(3_000), "3,000 changes");
    assert_eq!(round_text(Some(&SyncRound { sent: 3, received: 10, applied: 7, started_over: false })), "Sent 3 · received 10, 7 changed here.");
    assert!(round_text(Some(&SyncRound { started_over: true, ..SyncRound::default() })).contains("everything was sent again"));
    assert!(round_text(None).contains("already running"));
}

#[test]
fn sync_moments_are_as_short_as_today_allows() {
    use crate::format::{moment, moment_short};
    let ms = 1_795_529_100_000; // Tue 2026-11-24 14:05 UTC
    assert_eq!(moment(ms), "Tue 24 Nov 2026, 14:05");
    assert_eq!(moment_short(ms, ms + 60_000), "14:05");
    assert_eq!(moment_short(ms, ms + 10 * 3_600_000), "Tue 24 Nov, 14:05", "past midnight: the day is named");
    assert_eq!(moment_short(0, ms), "1 Jan 1970, 00:00");
}

/// The shell's context, with the sync status as if just polled.
fn sync_context(status: Option<crm_model::SyncStatus>) -> crate::sync::SyncState {
    let nav = RwSignal::new(crate::app::View::Companies);
    provide_context(nav);
    let state = crate::sync::SyncState::new(nav);
    state.status.set(status);
    provide_context(state);
    state
}

#[test]
fn sync_bar_shows_progress_and_cancel_only_while_running() {
    use crate::sync::SyncBar;
    use crm_model::{SyncPhase, SyncProgress, SyncStatus};
    let owner = Owner::new();
    owner.set();
    let state = sync_context(Some(SyncStatus::default()));
    let html = view! { <SyncBar/> }.to_html();
    assert!(html.contains(r#"id="sync-status" data-state="off""#), "{html}");
    assert!(html.contains("Sync off") && !html.contains("sync-progress") && !html.contains("Cancel"), "{html}");

    state.status.set(Some(SyncStatus { running: true, progress: Some(SyncProgress { phase: SyncPhase::Receiving, done: 3_400, total: 100_000 }), ..synced(0) }));
    let html = view! { <SyncBar/> }.to_html();
    assert!(html.contains(r#"data-state="running""#), "{html}");
    assert!(html.contains("Receiving 3,400 of 100,000"), "{html}");
    assert!(html.contains(r#"<progress id="sync-progress" max="100000" value="3400""#), "{html}");
    assert!(html.contains(r#"id="sync-bar-cancel""#), "{html}");

    let error = "The server refused the login: wrong password. Log in again in Settings.";
    state.status.set(Some(SyncStatus { last_error: Some(error.into()), ..synced(3) }));
    let html = view! { <SyncBar/> }.to_html();
    assert!(html.contains(r#"data-state="error""#), "{html}");
    assert!(html.contains("warn") && html.contains(&format!(r#"title="{error}""#)), "the full message is in the tooltip: {html}");
    assert!(html.contains(&format!("Not synced: {error}")), "{html}");
}

#[test]
fn sync_card_asks_for_the_login_then_shows_the_account() {
    use crate::sync::SyncCard;
    use crm_model::SyncStatus;
    let owner = Owner::new();
    owner.set();
    let state = sync_context(Some(SyncStatus::default()));
    let html = view! { <SyncCard/> }.to_html();
    for id in ["sync-url", "sync-email", "sync-password", "sync-device", "sync-login"] {
        assert!(html.contains(&format!(r#"id="{id}""#)), "{id}: {html}");
    }
    assert!(html.contains(r#"placeholder="https://crm.example.com""#), "{html}");
    assert!(html.contains(r#"type="password""#), "{html}");
    assert!(html.contains("works offline"), "{html}");
    assert!(!html.contains("sync-now"), "{html}");

    state.status.set(Some(SyncStatus { last_error: Some("The server cannot be reached.".into()), ..synced(3) }));
    let html = view! { <SyncCard/> }.to_html();
    assert!(html.contains("Syncing with https://crm.example.com as ada@example.com (device Ada's laptop, number series B)"), "{html}");
    assert!(html.contains("Tue 24 Nov 2026, 14:05") && html.contains("3 changes"), "{html}");
    assert!(html.contains(r#"id="sync-error" role="alert""#), "{html}");
    for id in ["sync-now", "sync-logout"] {
        assert!(html.contains(&format!(r#"id="{id}""#)), "{id}: {html}");
    }
    assert!(!html.contains(r#"id="sync-cancel""#), "Cancel only while a round runs: {html}");
    assert!(!html.contains("sync-password"), "{html}");
}
