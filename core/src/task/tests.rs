use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use crm_model::{
    FollowUpInput, InvitationOutcome, NoteInput, NoteSubject, Priority, Profile, SmtpSecurity, SmtpSettings, TaskFilter, TaskInput, TaskQuery, TaskStatus, UserInput,
    WorkloadColumn,
};
use uuid::Uuid;

use crate::{
    Store,
    testing::{acme, assert_invalid, change_log, count, store},
};

/// A wall clock the test sets by hand.
fn clock(store: &mut Store, start: &str) -> Arc<AtomicU64> {
    let now = Arc::new(AtomicU64::new(at(start) as u64));
    let reading = now.clone();
    store.set_wall_clock(Box::new(move || reading.load(Ordering::SeqCst)));
    now
}

fn at(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp_millis()
}

fn set(now: &AtomicU64, rfc3339: &str) {
    now.store(at(rfc3339) as u64, Ordering::SeqCst);
}

fn task(title: &str, due_local: &str, time_zone: &str) -> TaskInput {
    TaskInput { title: title.into(), due_local: due_local.into(), time_zone: time_zone.into(), ..TaskInput::default() }
}

fn user(store: &mut Store, name: &str, email: &str) -> Uuid {
    store.user_create(UserInput { name: name.into(), email: email.into(), active: true }).unwrap().id
}

fn smtp(store: &mut Store) {
    store
        .smtp_settings_save(SmtpSettings { host: "127.0.0.1".into(), port: 2525, security: SmtpSecurity::None, from: "crm@acme.example".into(), ..SmtpSettings::default() })
        .unwrap();
}

fn list(store: &Store, filter: TaskFilter) -> Vec<crm_model::Task> {
    store.task_list(&TaskQuery { filter, after: None, limit: Some(500) }).unwrap().rows
}

fn titles(tasks: &[crm_model::Task]) -> Vec<&str> {
    tasks.iter().map(|t| t.title.as_str()).collect()
}

/// `(method, recipient, ics)` of every queued mail, oldest first.
fn outbox(store: &Store) -> Vec<(String, String, String)> {
    let mut select = store.conn.prepare("SELECT method, recipient, ics FROM mail_outbox ORDER BY created_at, rowid").unwrap();
    select.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

#[test]
fn a_task_is_due_at_the_wall_time_the_user_meant_in_their_zone() {
    let mut store = store();
    let company = store.company_create(acme()).unwrap();
    let maria = user(&mut store, "Maria Santos", "maria@acme.example");
    let saved = store
        .task_create(TaskInput {
            notes: "Bring the price list.\nAsk about the press line.".into(),
            assignee_id: Some(maria),
            related: Some(NoteSubject::Company(company.id)),
            priority: Priority::High,
            reminder_minutes: Some(30),
            ..task("  Call the buyer ", "2026-03-30T09:00", "Europe/Berlin")
        })
        .unwrap();
    let t = saved.task;
    assert_eq!((t.title.as_str(), t.due_local.as_str(), t.time_zone.as_str()), ("Call the buyer", "2026-03-30T09:00", "Europe/Berlin"));
    assert_eq!(t.due_at, "2026-03-30T07:00:00.000Z", "CEST is UTC+2 after 29 March");
    assert_eq!(t.remind_at.as_deref(), Some("2026-03-30T06:30:00.000Z"));
    assert_eq!((t.assignee.as_deref(), t.related_name.as_deref()), (Some("Maria Santos"), Some("Acme Tools")));
    assert_eq!((t.status, t.priority, t.ics_sequence), (TaskStatus::Open, Priority::High, 0));
    assert!(t.ics_uid.starts_with(&t.id.to_string()) && t.ics_uid.ends_with("@keel-crm"));
    assert_eq!(saved.invitation, InvitationOutcome::NotSent { reason: "Outgoing mail is not set up (Settings → Email); save the .ics instead.".into() });
    assert_eq!(store.tasks_of(NoteSubject::Company(company.id)).unwrap(), std::slice::from_ref(&t), "on the customer's 360° screen");
    let logged: Vec<String> = change_log(&store).into_iter().filter(|(table, _, _)| table == "task").filter_map(|(_, column, _)| column).collect();
    assert!(logged.contains(&"due_at".to_owned()) && logged.contains(&"ics_uid".to_owned()), "tasks sync like every record");
    assert!(!logged.contains(&"remind_at".to_owned()), "the reminder time is derived, never logged");
}

#[test]
fn bad_tasks_are_refused_with_every_problem_and_change_nothing() {
    let mut store = store();
    let log = change_log(&store);
    assert_invalid(
        store.task_create(TaskInput {
            duration_minutes: 2000,
            reminder_minutes: Some(50_000),
            assignee_id: Some(Uuid::now_v7()),
            related: Some(NoteSubject::Contact(Uuid::now_v7())),
            notes: "bell \u{7}".into(),
            ..task("   ", "next tuesday", "Europe/Berlin")
        }),
        &["title", "notes", "due_local", "duration_minutes", "reminder_minutes", "assignee_id", "related"],
    );
    assert_invalid(store.task_create(task("Call", "2026-03-30T09:00", "Mars/Olympus")), &["time_zone"]);
    let gap = assert_invalid(store.task_create(task("Call", "2026-03-29T02:30", "Europe/Berlin")), &["due_local"]);
    assert!(gap[0].contains("does not exist in Europe/Berlin"), "{gap:?}");
    assert_eq!(count(&store, "task"), 0);
    assert_eq!(change_log(&store), log);
}

#[test]
fn the_list_filters_by_assignee_record_status_and_due_range_and_pages_in_due_order() {
    let mut store = store();
    let now = clock(&mut store, "2026-11-24T12:00:00Z");
    let company = store.company_create(acme()).unwrap();
    let maria = user(&mut store, "Maria", "");
    let ben = user(&mut store, "Ben", "");
    for day in 1..=30 {
        let assignee = if day % 2 == 0 { Some(maria) } else { Some(ben) };
        let related = (day % 3 == 0).then_some(NoteSubject::Company(company.id));
        store.task_create(TaskInput { assignee_id: assignee, related, ..task(&format!("T{day:02}"), &format!("2026-11-{day:02}T10:00"), "UTC") }).unwrap();
    }
    assert_eq!(list(&store, TaskFilter::default()).len(), 30);
    assert_eq!(titles(&list(&store, TaskFilter { assignee_id: Some(maria), ..TaskFilter::default() }))[..3], ["T02", "T04", "T06"]);
    assert_eq!(list(&store, TaskFilter { related: Some(NoteSubject::Company(company.id)), ..TaskFilter::default() }).len(), 10);
    let range = TaskFilter { due_from: Some("2026-11-10".into()), due_before: Some("2026-11-13T00:00:00Z".into()), ..TaskFilter::default() };
    assert_eq!(titles(&list(&store, range)), ["T10", "T11", "T12"]);
    assert_eq!(list(&store, TaskFilter { overdue: true, ..TaskFilter::default() }).len(), 24, "due before 24 Nov 12:00");
    let t05 = list(&store, TaskFilter::default())[4].id;
    store.task_set_status(t05, TaskStatus::Done).unwrap();
    assert_eq!(titles(&list(&store, TaskFilter { status: Some(TaskStatus::Done), ..TaskFilter::default() })), ["T05"]);
    assert_eq!(list(&store, TaskFilter { overdue: true, ..TaskFilter::default() }).len(), 23, "a done task is not overdue");
    // Paging: 7 pages of 5 walk every task once, in due order.
    let mut seen = Vec::new();
    let mut query = TaskQuery { limit: Some(5), ..TaskQuery::default() };
    loop {
        let page = store.task_list(&query).unwrap();
        seen.extend(page.rows.iter().map(|t| t.title.clone()));
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, (1..=30).map(|d| format!("T{d:02}")).collect::<Vec<_>>());
    assert!(store.task_list(&TaskQuery { after: Some("garbage".into()), ..TaskQuery::default() }).is_err());
    set(&now, "2026-11-30T12:00:00Z");
    assert_eq!(list(&store, TaskFilter { overdue: true, ..TaskFilter::default() }).len(), 29);
}

#[test]
fn my_day_splits_overdue_today_and_upcoming_in_the_users_zone() {
    let mut store = store();
    // 23:30 UTC on 24 November is already 25 November in Berlin.
    let _now = clock(&mut store, "2026-11-24T23:30:00Z");
    let maria = user(&mut store, "Maria", "");
    store.profile_save(Profile { user_id: Some(maria), time_zone: "Europe/Berlin".into() }).unwrap();
    let mine = |title: &str, due: &str| TaskInput { assignee_id: Some(maria), ..task(title, due, "Europe/Berlin") };
    store.task_create(mine("Late", "2026-11-24T09:00")).unwrap();
    store.task_create(mine("Just missed", "2026-11-25T00:15")).unwrap();
    store.task_create(mine("Morning", "2026-11-25T09:00")).unwrap();
    store.task_create(mine("Evening", "2026-11-25T23:59")).unwrap();
    store.task_create(mine("Tomorrow", "2026-11-26T00:00")).unwrap();
    store.task_create(TaskInput { assignee_id: None, ..task("Somebody's", "2026-11-25T10:00", "Europe/Berlin") }).unwrap();
    let cancelled = store.task_create(mine("Cancelled", "2026-11-25T10:00")).unwrap().task.id;
    store.task_set_status(cancelled, TaskStatus::Cancelled).unwrap();
    let day = store.my_day(None).unwrap();
    assert_eq!((day.today.as_str(), day.time_zone.as_str(), day.user_id), ("2026-11-25", "Europe/Berlin", Some(maria)));
    assert_eq!(titles(&day.overdue), ["Late", "Just missed"], "00:15 in Berlin was 23:15 UTC, a quarter of an hour ago");
    assert_eq!(titles(&day.due_today), ["Morning", "Evening"], "23:59 in Berlin is still 25 November");
    assert_eq!(titles(&day.upcoming), ["Tomorrow"]);
}

#[test]
fn the_workload_counts_every_users_open_tasks_and_each_number_lists_its_tasks() {
    let mut store = store();
    let _now = clock(&mut store, "2026-11-25T12:00:00Z"); // a Wednesday
    store.profile_save(Profile { user_id: None, time_zone: "UTC".into() }).unwrap();
    let maria = user(&mut store, "Maria", "");
    let ben = user(&mut store, "Ben", "");
    let idle = user(&mut store, "Idle", "");
    let add = |store: &mut Store, who: Option<Uuid>, due: &str| store.task_create(TaskInput { assignee_id: who, ..task("t", due, "UTC") }).unwrap().task.id;
    add(&mut store, Some(maria), "2026-11-20T09:00"); // overdue
    add(&mut store, Some(maria), "2026-11-25T09:00"); // overdue (this morning)
    add(&mut store, Some(maria), "2026-11-25T15:00"); // today
    add(&mut store, Some(maria), "2026-11-29T23:00"); // this week (Sunday)
    add(&mut store, Some(maria), "2026-11-30T08:00"); // next week
    add(&mut store, Some(ben), "2026-11-26T08:00"); // this week
    let done = add(&mut store, Some(ben), "2026-11-01T08:00");
    store.task_set_status(done, TaskStatus::Done).unwrap();
    add(&mut store, None, "2026-11-01T08:00");
    let rows = store.workload().unwrap().rows;
    let table: Vec<(&str, u64, u64, u64, u64)> = rows.iter().map(|r| (r.name.as_str(), r.overdue, r.due_today, r.due_this_week, r.open)).collect();
    assert_eq!(table, [("Maria", 2, 1, 2, 5), ("Unassigned", 1, 0, 0, 1), ("Ben", 0, 0, 1, 1), ("Idle", 0, 0, 0, 0)]);
    for row in &rows {
        for (column, expected) in [
            (WorkloadColumn::Overdue, row.overdue),
            (WorkloadColumn::DueToday, row.due_today),
            (WorkloadColumn::DueThisWeek, row.due_this_week),
            (WorkloadColumn::Open, row.open),
        ] {
            let filter = store.workload_filter(row.user_id, column).unwrap();
            let listed = store.task_list(&TaskQuery { filter, after: None, limit: Some(500) }).unwrap().rows.len() as u64;
            assert_eq!(listed, expected, "{} {column:?}", row.name);
        }
    }
    let chart = store.workload_chart().unwrap();
    assert!(chart.svg.starts_with("<svg") && chart.svg.contains("Maria") && chart.svg.contains("Overdue"), "{}", &chart.svg[..200]);
    let _ = idle;
}

#[test]
fn reminders_come_due_snooze_and_dismiss_on_this_device() {
    let mut store = store();
    let now = clock(&mut store, "2026-11-24T08:00:00Z");
    let maria = user(&mut store, "Maria", "");
    store.profile_save(Profile { user_id: Some(maria), time_zone: "UTC".into() }).unwrap();
    let call = store.task_create(TaskInput { assignee_id: Some(maria), reminder_minutes: Some(15), ..task("Call", "2026-11-24T09:00", "UTC") }).unwrap().task;
    store.task_create(TaskInput { assignee_id: Some(maria), ..task("No reminder", "2026-11-24T08:30", "UTC") }).unwrap();
    let due = |store: &Store| store.reminders_due().unwrap().into_iter().map(|r| r.task.title).collect::<Vec<_>>();
    assert!(due(&store).is_empty());
    set(&now, "2026-11-24T08:45:00Z");
    assert_eq!(due(&store), ["Call"]);
    store.reminder_snooze(call.id, 10).unwrap();
    assert!(due(&store).is_empty(), "snoozed");
    set(&now, "2026-11-24T08:55:01Z");
    assert_eq!(due(&store), ["Call"], "back after ten minutes");
    store.reminder_dismiss(call.id).unwrap();
    assert!(due(&store).is_empty());
    // Rescheduling makes it a new reminder.
    store.task_update(call.id, TaskInput { due_local: "2026-11-24T09:05".into(), ..TaskInput::from(&call) }).unwrap();
    assert_eq!(due(&store), ["Call"]);
    store.task_set_status(call.id, TaskStatus::Done).unwrap();
    assert!(due(&store).is_empty(), "done tasks do not remind");
    let logged: Vec<String> = change_log(&store).into_iter().map(|(table, _, _)| table).collect();
    assert!(!logged.iter().any(|t| t == "reminder_state"), "snoozing is local to the device");
    assert!(store.reminder_snooze(call.id, 0).is_err());
}

#[test]
fn a_follow_up_on_a_note_makes_a_task_and_queues_the_invitation() {
    let mut store = store();
    let company = store.company_create(acme()).unwrap();
    let maria = user(&mut store, "Maria Santos", "maria@acme.example");
    store.profile_save(Profile { user_id: Some(maria), time_zone: "America/New_York".into() }).unwrap();
    let note = store.note_create(NoteInput { subject: NoteSubject::Company(company.id), body: "They want a quote by Friday.".into(), note_type_id: None, author_id: Some(maria) }).unwrap();
    let follow_up = |store: &mut Store| {
        store.follow_up_create(FollowUpInput {
            note_id: note.id,
            title: "Send the quote".into(),
            due_local: "2026-11-27T10:00".into(),
            time_zone: "America/New_York".into(),
            assignee_id: None,
            reminder_minutes: Some(60),
        })
    };
    let offline = follow_up(&mut store).unwrap();
    assert!(matches!(offline.invitation, InvitationOutcome::NotSent { .. }), "no mail server yet: {:?}", offline.invitation);
    smtp(&mut store);
    let saved = follow_up(&mut store).unwrap();
    let t = &saved.task;
    assert_eq!(saved.invitation, InvitationOutcome::Queued { to: "maria@acme.example".into() });
    assert_eq!((t.related, t.note_id, t.assignee_id), (Some(NoteSubject::Company(company.id)), Some(note.id), Some(maria)));
    assert_eq!((t.notes.as_str(), t.due_at.as_str()), ("They want a quote by Friday.", "2026-11-27T15:00:00.000Z"));
    let mails = outbox(&store);
    assert_eq!(mails.len(), 1);
    let (method, to, ics) = &mails[0];
    assert_eq!((method.as_str(), to.as_str()), ("REQUEST", "maria@acme.example"));
    assert!(ics.contains("METHOD:REQUEST") && ics.contains(&format!("UID:{}", t.ics_uid)) && ics.contains("SEQUENCE:0"), "{ics}");
    let logged: Vec<String> = change_log(&store).into_iter().map(|(table, _, _)| table).collect();
    assert!(!logged.iter().any(|t| t == "mail_outbox"), "the outbox is local to the device");
    assert_eq!(store.follow_up_create(FollowUpInput { note_id: Uuid::now_v7(), ..FollowUpInput { note_id: note.id, title: "x".into(), due_local: "2026-11-27T10:00".into(), time_zone: "UTC".into(), assignee_id: None, reminder_minutes: None } }).unwrap_err().kind(), crm_model::ErrorKind::NotFound);
}

#[test]
fn rescheduling_raises_the_sequence_reassigning_and_cancelling_tell_the_calendars() {
    let mut store = store();
    smtp(&mut store);
    let maria = user(&mut store, "Maria", "maria@acme.example");
    let ben = user(&mut store, "Ben", "ben@acme.example");
    let first = store.task_create(TaskInput { assignee_id: Some(maria), ..task("Demo", "2026-12-01T14:00", "Europe/Berlin") }).unwrap().task;
    let moved = store.task_update(first.id, TaskInput { due_local: "2026-12-02T14:00".into(), ..TaskInput::from(&first) }).unwrap();
    assert_eq!((moved.task.ics_sequence, moved.task.ics_uid.as_str()), (1, first.ics_uid.as_str()));
    let unchanged = store.task_update(first.id, TaskInput::from(&moved.task)).unwrap();
    assert_eq!(unchanged.task.ics_sequence, 1, "saving without a change sends nothing");
    let priority_only = store.task_update(first.id, TaskInput { priority: Priority::High, ..TaskInput::from(&moved.task) }).unwrap();
    assert_eq!(priority_only.task.ics_sequence, 1);
    let reassigned = store.task_update(first.id, TaskInput { assignee_id: Some(ben), ..TaskInput::from(&priority_only.task) }).unwrap();
    assert_eq!(reassigned.invitation, InvitationOutcome::Queued { to: "ben@acme.example".into() });
    let cancelled = store.task_set_status(first.id, TaskStatus::Cancelled).unwrap();
    assert_eq!(cancelled.task.ics_sequence, 2);
    let mails: Vec<(String, String, bool)> = outbox(&store).into_iter().map(|(method, to, ics)| (method, to, ics.contains("SEQUENCE:"))).collect();
    assert_eq!(
        mails.iter().map(|(m, to, _)| (m.as_str(), to.as_str())).collect::<Vec<_>>(),
        [("REQUEST", "maria@acme.example"), ("REQUEST", "maria@acme.example"), ("CANCEL", "maria@acme.example"), ("REQUEST", "ben@acme.example"), ("CANCEL", "ben@acme.example")]
    );
    let sequences: Vec<String> = outbox(&store).into_iter().map(|(_, _, ics)| ics.lines().find(|l| l.starts_with("SEQUENCE:")).unwrap().to_owned()).collect();
    assert_eq!(sequences, ["SEQUENCE:0", "SEQUENCE:1", "SEQUENCE:1", "SEQUENCE:1", "SEQUENCE:2"]);
    let file = store.task_ics(first.id).unwrap();
    assert!(file.contains("METHOD:CANCEL") && file.contains("STATUS:CANCELLED"), "{file}");
    let reopened = store.task_set_status(first.id, TaskStatus::Open).unwrap();
    assert_eq!((reopened.task.ics_sequence, reopened.invitation), (3, InvitationOutcome::Queued { to: "ben@acme.example".into() }));
}

#[test]
fn a_users_open_tasks_export_as_one_calendar() {
    let mut store = store();
    let maria = user(&mut store, "Maria", "maria@acme.example");
    let ben = user(&mut store, "Ben", "");
    store.profile_save(Profile { user_id: Some(maria), time_zone: "UTC".into() }).unwrap();
    for (title, who) in [("One", maria), ("Two", maria), ("Ben's", ben)] {
        store.task_create(TaskInput { assignee_id: Some(who), ..task(title, "2026-12-01T09:00", "America/New_York") }).unwrap();
    }
    let done = store.task_create(TaskInput { assignee_id: Some(maria), ..task("Done", "2026-12-01T09:00", "UTC") }).unwrap().task.id;
    store.task_set_status(done, TaskStatus::Done).unwrap();
    let file = store.tasks_ics(None).unwrap();
    assert_eq!(file.matches("BEGIN:VEVENT").count(), 2, "{file}");
    assert!(file.contains("METHOD:PUBLISH") && file.contains("SUMMARY:One") && file.contains("SUMMARY:Two") && !file.contains("Ben's"));
}
