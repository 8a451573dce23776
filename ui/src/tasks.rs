//! Tasks: My day, the task list, the task form, the team's workload, the Tasks card of the record
//! screens, the follow-up form of a note, and the due reminders (the sidebar badge and its panel).
//!
//! What several task screens share lives in one context value, [`TaskState`]: the task list's
//! filter (it holds text, so it cannot ride in the `Copy` [`View`]), a version that every task
//! change raises so that whatever shows tasks reloads, and the reminders due now, polled every
//! 30 seconds.

use std::time::Duration;

use crm_model::{
    ApiError, DueReminder, ErrorKind, FieldError, Id, InvitationOutcome, MyDay, NoteSubject, Priority, Task, TaskFilter, TaskInput, TaskQuery, TaskSaved, TaskStatus,
    WorkloadColumn, WorkloadRow, limits,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api,
    app::{View, use_nav},
    components::{ErrorBanner, Field, Form, IdSelect, TextField, ZoneSelect, active_users, chart_svg, code_choices, field_error, row_keys},
    format,
};

/// Rows the task list asks for at a time.
const PAGE: u32 = 50;

/// How often the badge asks the core for due reminders.
const REMINDER_POLL: Duration = Duration::from_secs(30);

/// State the task screens share, provided once by the shell.
#[derive(Clone, Copy)]
pub struct TaskState {
    nav: RwSignal<View>,
    /// What [`View::Tasks`] lists.
    filter: RwSignal<TaskFilter>,
    /// Raised after every change to a task: lists, cards and the badge reload.
    version: RwSignal<u32>,
    /// The reminders due now, newest poll.
    reminders: RwSignal<Vec<DueReminder>>,
    /// Whether the reminders panel is open.
    reminders_open: RwSignal<bool>,
}

impl TaskState {
    /// Show the task list with `filter`.
    fn open_list(self, filter: TaskFilter) {
        self.filter.set(filter);
        self.nav.set(View::Tasks);
    }

    /// A task was created or changed: whatever shows tasks reloads.
    fn changed(self) {
        let _ = self.version.try_update(|v| *v += 1);
    }

    fn refresh_reminders(self) {
        spawn_local(async move {
            if let Ok(due) = api::reminders_due().await {
                let _ = self.reminders.try_set(due);
            }
        });
    }
}

/// Puts the [`TaskState`] in context and starts polling the due reminders. Call once, in the
/// shell, after the navigation signal is provided.
pub fn provide_task_state() {
    let state = TaskState {
        nav: use_nav(),
        filter: RwSignal::new(open_tasks()),
        version: RwSignal::new(0),
        reminders: RwSignal::new(Vec::new()),
        reminders_open: RwSignal::new(false),
    };
    provide_context(state);
    // Effects run in the window only, so the native component tests start no timer. The first
    // effect also reloads the reminders after every task change (a task done has none left).
    Effect::new(move |_| {
        state.version.track();
        state.refresh_reminders();
    });
    Effect::new(move |_| {
        // The shell lives as long as the window: the timer is never stopped.
        let _ = set_interval_with_handle(move || state.refresh_reminders(), REMINDER_POLL);
    });
}

fn task_state() -> TaskState {
    expect_context::<TaskState>()
}

/// The filter of "All tasks": every open task.
fn open_tasks() -> TaskFilter {
    TaskFilter { status: Some(TaskStatus::Open), ..TaskFilter::default() }
}

// Pure pieces, tested in tests.rs.

/// The reminder offsets the forms offer, in minutes before the due time; `None` for no reminder.
pub const REMINDER_CHOICES: [Option<u32>; 7] = [None, Some(0), Some(5), Some(15), Some(30), Some(60), Some(1440)];

/// "No reminder", "At the due time", "15 minutes before", "1 hour before", "2 days before".
pub fn reminder_label(minutes: Option<u32>) -> String {
    let plural = |n: u32, unit: &str| format!("{n} {unit}{} before", if n == 1 { "" } else { "s" });
    match minutes {
        None => "No reminder".into(),
        Some(0) => "At the due time".into(),
        Some(m) if m % 1440 == 0 => plural(m / 1440, "day"),
        Some(m) if m % 60 == 0 => plural(m / 60, "hour"),
        Some(m) => plural(m, "minute"),
    }
}

/// The choices of a reminder select: the usual ones, plus `current` when it is another offset
/// (set elsewhere), so that saving the form does not change it unasked.
pub fn reminder_choices(current: Option<u32>) -> Vec<Option<u32>> {
    let mut choices = REMINDER_CHOICES.to_vec();
    if !choices.contains(&current) {
        choices.push(current);
        choices.sort();
    }
    choices
}

/// What happened to the calendar invitation, as a sentence.
pub fn outcome_message(outcome: &InvitationOutcome) -> String {
    match outcome {
        InvitationOutcome::Queued { to } => format!("Invitation queued for {to}."),
        InvitationOutcome::NotSent { reason } => format!("No invitation sent: {reason}"),
    }
}

/// The line a form shows after a save: what was done, then what became of the invitation.
pub fn outcome_line(id: &'static str, done: &str, outcome: &InvitationOutcome) -> impl IntoView + use<> {
    let class = match outcome {
        InvitationOutcome::Queued { .. } => "ok outcome",
        InvitationOutcome::NotSent { .. } => "warn outcome",
    };
    let text = format!("{done} {}", outcome_message(outcome));
    view! { <p class=class id=id role="status">{text}</p> }
}

/// The default title of a follow-up: "Follow up: " and the note's first words.
pub fn follow_up_title(note_body: &str) -> String {
    const WORDS: usize = 6;
    const CHARS: usize = 60;
    let words: Vec<&str> = note_body.split_whitespace().collect();
    let mut start: String = words.iter().take(WORDS).copied().collect::<Vec<_>>().join(" ");
    let mut cut = words.len() > WORDS;
    if start.chars().count() > CHARS {
        start = start.chars().take(CHARS).collect::<String>().trim_end().to_owned();
        cut = true;
    }
    match (start.is_empty(), cut) {
        (true, _) => "Follow up".into(),
        (false, true) => format!("Follow up: {start}…"),
        (false, false) => format!("Follow up: {start}"),
    }
}

/// The suggested path of one task's .ics file with the task's title in the file name
/// (`…/task-2026-11-24.ics` → `…/task-call-ada-back-2026-11-24.ics`), so that saving several
/// tasks on one day does not overwrite the first file.
pub fn task_ics_path(suggested: &str, title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.chars().count() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let name_at = suggested.rfind(['/', '\\']).map_or(0, |i| i + 1);
    match suggested[name_at..].strip_prefix("task-") {
        Some(rest) if !slug.is_empty() => format!("{}task-{slug}-{rest}", &suggested[..name_at]),
        _ => suggested.to_owned(),
    }
}

fn subject_kind(subject: NoteSubject) -> &'static str {
    match subject {
        NoteSubject::Company(_) => "Company",
        NoteSubject::Contact(_) => "Contact",
        NoteSubject::Lead(_) => "Lead",
    }
}

/// The name of a record a new task is about, as lists show it.
async fn subject_name(subject: NoteSubject) -> Result<String, ApiError> {
    Ok(match subject {
        NoteSubject::Company(id) => api::company_get(id).await?.fields.name,
        NoteSubject::Contact(id) => {
            let contact = api::contact_get(id).await?;
            format::person(&contact.first_name, &contact.last_name)
        }
        NoteSubject::Lead(id) => {
            let lead = api::lead_get(id).await?;
            format!("Lead {} · {}", lead.lead_number, lead.company_name)
        }
    })
}

fn priority_tag(priority: Priority) -> impl IntoView {
    view! { <span class=format!("tag priority-{}", priority.as_str())>{priority.label()}</span> }
}

fn status_badge(status: TaskStatus) -> impl IntoView {
    view! { <span class=format!("badge status-{}", status.as_str())>{status.label()}</span> }
}

/// The record a task is about, as a link to its screen.
fn related_link(task: &Task, nav: RwSignal<View>) -> Option<impl IntoView + use<>> {
    let subject = task.related?;
    let name = task.related_name.clone().unwrap_or_else(|| subject_kind(subject).to_owned());
    Some(view! {
        <button type="button" class="link related" on:click=move |ev| {
            // Inside a clickable row: open the record, not the task.
            ev.stop_propagation();
            nav.set(View::of(subject))
        }>{name}</button>
    })
}

/// Where an .ics file went, or why it did not.
fn ics_status(id: &'static str, status: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    move || {
        status.get().map(|result| match result {
            Ok(text) => view! { <p class="ok" id=id role="status">{text}</p> }.into_any(),
            Err(text) => view! { <p class="error" id=id role="alert">{text}</p> }.into_any(),
        })
    }
}

// The sidebar badge and the reminders panel.

/// The number of due reminders, inside the sidebar's Tasks entry; a click opens the panel.
#[component]
pub fn ReminderBadge() -> impl IntoView {
    let state = task_state();
    move || {
        let due = state.reminders.with(Vec::len);
        (due > 0).then(|| {
            view! {
                <span class="badge reminders-badge" id="open-reminders" title=format!("{due} reminders due: show them")
                    on:click=move |ev| {
                        // The badge sits in the navigation button: show the reminders, stay here.
                        ev.stop_propagation();
                        state.reminders_open.update(|open| *open = !*open);
                    }
                >{due}</span>
            }
        })
    }
}

/// The due reminders with Snooze, Dismiss and Open task.
#[component]
pub fn RemindersPanel() -> impl IntoView {
    let state = task_state();
    let error = RwSignal::new(None::<ApiError>);
    let close = move || state.reminders_open.set(false);
    let act = move |work: crate::components::Pending<()>| {
        spawn_local(async move {
            match work.await {
                Ok(()) => {
                    let _ = error.try_set(None);
                    state.refresh_reminders();
                }
                Err(e) => drop(error.try_set(Some(e))),
            }
        })
    };
    move || {
        state.reminders_open.get().then(|| {
            view! {
                <aside class="card reminders-panel" id="reminders" aria-label="Due reminders"
                    on:keydown=move |ev| if ev.key() == "Escape" { close() }>
                    <div class="card-head">
                        <h2>"Reminders"</h2>
                        <button class="ghost small" id="reminders-close" on:click=move |_| close()>"Close"</button>
                    </div>
                    <ErrorBanner error/>
                    {move || {
                        let due = state.reminders.get();
                        if due.is_empty() {
                            return view! { <p class="muted">"No reminder is due."</p> }.into_any();
                        }
                        view! {
                            <ul class="plain reminders">
                                {due.into_iter().map(|reminder| {
                                    let task = reminder.task;
                                    let id = task.id;
                                    view! {
                                        <li data-task=id.to_string()>
                                            <strong>{task.title.clone()}</strong>
                                            <span class="muted small line">{format!("Due {}", format::due(&task.due_local, &task.time_zone))}</span>
                                            {task.related_name.clone().map(|name| view! { <span class="small line">{name}</span> })}
                                            <div class="hbox">
                                                <button class="ghost small snooze" data-minutes="10"
                                                    on:click=move |_| act(Box::pin(api::reminder_snooze(id, 10)))>"Snooze 10 min"</button>
                                                <button class="ghost small snooze" data-minutes="60"
                                                    on:click=move |_| act(Box::pin(api::reminder_snooze(id, 60)))>"Snooze 1 h"</button>
                                                <button class="ghost small dismiss" on:click=move |_| act(Box::pin(api::reminder_dismiss(id)))>"Dismiss"</button>
                                                <button class="small open-task" on:click=move |_| {
                                                    close();
                                                    state.nav.set(View::Task(id));
                                                }>"Open task"</button>
                                            </div>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </aside>
            }
        })
    }
}

// Pieces the task screens share.

/// My day, All tasks and Workload.
#[component]
fn TaskTabs(
    /// The tab shown; none on the task form.
    #[prop(optional)]
    current: Option<View>,
) -> impl IntoView {
    let state = task_state();
    let tab = move |id: &'static str, label: &'static str, here: bool, go: Callback<()>| {
        view! {
            <button class="tab" id=id class:active=here aria-current=here.then_some("page") on:click=move |_| go.run(())>{label}</button>
        }
    };
    view! {
        <nav class="tabs" id="tasks-tabs" aria-label="Task views">
            {tab("tab-my-day", "My day", current == Some(View::MyDay), Callback::new(move |_| state.nav.set(View::MyDay)))}
            {tab("tab-all-tasks", "All tasks", current == Some(View::Tasks), Callback::new(move |_| state.open_list(open_tasks())))}
            {tab("tab-workload", "Workload", current == Some(View::Workload), Callback::new(move |_| state.nav.set(View::Workload)))}
        </nav>
    }
}

/// One task in a short list (My day, a record's card): a Done check box, the title that opens
/// the task, when it is due, what it is about and its priority.
#[component]
fn TaskItem(
    /// The task.
    task: Task,
    /// Shows the record the task is about (not on that record's own screen).
    #[prop(optional)]
    show_related: bool,
) -> impl IntoView {
    let state = task_state();
    let error = RwSignal::new(None::<String>);
    let id = task.id;
    let status = task.status;
    let toggle = move |ev: leptos::ev::Event| {
        let to = if event_target_checked(&ev) { TaskStatus::Done } else { TaskStatus::Open };
        spawn_local(async move {
            match api::task_set_status(id, to).await {
                Ok(_) => state.changed(),
                Err(e) => drop(error.try_set(Some(e.message))),
            }
        });
    };
    view! {
        // The whole item opens the task; the title is the button for the keyboard.
        <li class="task" data-task=id.to_string() class:closed=status != TaskStatus::Open on:click=move |_| state.nav.set(View::Task(id))>
            <input type="checkbox" class="done" aria-label=format!("Done: {}", task.title) prop:checked=status == TaskStatus::Done
                disabled=status == TaskStatus::Cancelled on:click=|ev| ev.stop_propagation() on:change=toggle/>
            <div class="task-main">
                <button type="button" class="link task-title">{task.title.clone()}</button>
                <span class="muted small line">
                    {format::due(&task.due_local, &task.time_zone)}
                    {task.assignee.clone().filter(|_| !show_related).map(|name| format!(" · {name}"))}
                </span>
                {show_related.then(|| related_link(&task, state.nav))}
                {move || error.get().map(|text| view! { <span class="error small line" role="alert">{text}</span> })}
            </div>
            {(status != TaskStatus::Open).then(|| status_badge(status))}
            {priority_tag(task.priority)}
        </li>
    }
}

/// A drop-down of the reminder offsets.
#[component]
fn ReminderSelect(
    /// The element id.
    id: &'static str,
    /// Minutes before the due time; `None` for no reminder.
    value: RwSignal<Option<u32>>,
) -> impl IntoView {
    view! {
        <select id=id on:change=move |ev| value.set(event_target_value(&ev).parse().ok())>
            {move || reminder_choices(value.get()).into_iter().map(|minutes| {
                let key = minutes.map(|m| m.to_string()).unwrap_or_default();
                view! { <option value=key selected=value.get_untracked() == minutes>{reminder_label(minutes)}</option> }
            }).collect_view()}
        </select>
    }
}

/// A number typed as text, read on save: the value, or a field error for `field`.
fn read_number<N: std::str::FromStr>(text: &str, field: &str, what: &str, problems: &mut Vec<FieldError>) -> Option<N> {
    let parsed = text.trim().parse().ok();
    if parsed.is_none() {
        problems.push(FieldError { field: field.into(), message: format!("{:?} is not a number of {what}.", text.trim()) });
    }
    parsed
}

fn invalid(problems: Vec<FieldError>) -> ApiError {
    ApiError { kind: ErrorKind::Invalid, message: "Some numbers could not be read.".into(), fields: problems }
}

// My day.

#[component]
pub fn MyDayScreen() -> impl IntoView {
    let state = task_state();
    let nav = state.nav;
    let day = LocalResource::new(move || {
        state.version.track();
        api::my_day(None)
    });
    let ics = RwSignal::new(None::<Result<String, String>>);
    let save = move |_| {
        spawn_local(async move {
            let saved = async {
                let path = api::export_default_path("tasks", "ics").await?;
                let tasks = api::tasks_ics_save(None, &path).await?;
                Ok::<_, ApiError>(format!("Saved {} open tasks to {path}", format::count(tasks)))
            }
            .await;
            let _ = ics.try_set(Some(saved.map_err(|e| e.message)));
        })
    };
    view! {
        <header class="page-head">
            <div>
                <h1>"My day"</h1>
                <p class="muted" id="my-day-date">{move || day.get().and_then(Result::ok).map(|d| format!("{} · {}", d.today, d.time_zone))}</p>
            </div>
            <div class="actions">
                {move || {
                    let due = state.reminders.with(Vec::len);
                    (due > 0).then(|| view! {
                        <button id="my-day-reminders" on:click=move |_| state.reminders_open.set(true)>{format!("Reminders ({due})")}</button>
                    })
                }}
                <button id="save-ics" on:click=save>"Save my open tasks as .ics"</button>
                <button id="new-task" class="primary" on:click=move |_| nav.set(View::NewTask(None))>"New task"</button>
            </div>
        </header>
        <TaskTabs current=View::MyDay/>
        {ics_status("ics-path", ics)}
        {move || day.get().map(|result| match result {
            Err(e) => view! { <div class="banner error" role="alert">{e.message}</div> }.into_any(),
            Ok(day) => my_day_sections(day, nav).into_any(),
        })}
    }
}

pub(crate) fn my_day_sections(day: MyDay, nav: RwSignal<View>) -> impl IntoView {
    let section = |id: &'static str, title: &'static str, tasks: Vec<Task>, empty: &'static str| {
        let count = tasks.len();
        let late = id == "overdue" && count > 0;
        view! {
            <section class="card day-section" class:late=late id=id>
                <h2>{title}<span class="section-count">{count}</span></h2>
                {if tasks.is_empty() {
                    view! { <p class="muted">{empty}</p> }.into_any()
                } else {
                    view! { <ul class="tasks">{tasks.into_iter().map(|task| view! { <TaskItem task show_related=true/> }).collect_view()}</ul> }.into_any()
                }}
            </section>
        }
    };
    view! {
        {day.user_id.is_none().then(|| view! {
            <div class="banner info" id="choose-user">
                "This device does not know who you are yet, so My day shows the tasks nobody is assigned to. "
                <button class="link" id="choose-user-link" on:click=move |_| nav.set(View::Settings)>"Choose who you are in Settings"</button>
            </div>
        })}
        <div class="cards day">
            {section("overdue", "Overdue", day.overdue, "Nothing overdue.")}
            {section("due-today", "Today", day.due_today, "Nothing else is due today.")}
            {section("upcoming", "Upcoming", day.upcoming, "Nothing planned after today.")}
        </div>
    }
}

// The task list.

#[component]
pub fn TaskList() -> impl IntoView {
    let state = task_state();
    let nav = state.nav;
    let filter = state.filter;
    let rows = RwSignal::new(Vec::<Task>::new());
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    // A reply to an older filter (typed over by a newer one) is dropped.
    let generation = RwSignal::new(0u32);
    let load = move |after: Option<String>| {
        let more = after.is_some();
        if !more {
            generation.update(|g| *g += 1);
        }
        let ticket = generation.get_untracked();
        let query = TaskQuery { filter: filter.get_untracked(), after, limit: Some(PAGE) };
        loading.set(true);
        spawn_local(async move {
            let result = api::task_list(&query).await;
            if generation.try_get_untracked() != Some(ticket) {
                return;
            }
            loading.set(false);
            match result {
                Ok(page) => {
                    error.set(None);
                    next.set(page.next);
                    if more { rows.update(|r| r.extend(page.rows)) } else { rows.set(page.rows) }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        filter.track();
        state.version.track();
        load(None);
    });
    view! {
        <header class="page-head">
            <h1>"Tasks"</h1>
            <div class="actions">
                <button id="new-task" class="primary" on:click=move |_| nav.set(View::NewTask(filter.with_untracked(|f| f.related)))>"New task"</button>
            </div>
        </header>
        <TaskTabs current=View::Tasks/>
        <TaskFilterBar filter rows/>
        <ErrorBanner error/>
        <div class="table-wrap">
            <table class="list" id="task-table">
                <thead><tr><th>"Due"</th><th>"Title"</th><th>"Related"</th><th>"Assigned"</th><th>"Priority"</th><th>"Status"</th></tr></thead>
                <tbody>
                    <For each=move || rows.get() key=|task| (task.id, task.updated_at.clone()) children=|task| view! { <TaskRow task/> }/>
                </tbody>
            </table>
        </div>
        {move || (rows.with(Vec::is_empty) && !loading.get()).then(|| view! { <p class="muted pad">"No task matches these filters."</p> })}
        <div class="pager">
            <span class="muted" id="task-count">{move || format!("{} shown", format::count(rows.with(Vec::len) as u64))}</span>
            {move || next.get().map(|cursor| view! {
                <button class="ghost" id="load-more" disabled=move || loading.get() on:click=move |_| load(Some(cursor.clone()))>"Load more"</button>
            })}
        </div>
    }
}

/// One row of the task table; Enter or a click opens the task.
#[component]
fn TaskRow(task: Task) -> impl IntoView {
    let nav = task_state().nav;
    let id = task.id;
    view! {
        <tr class="row" tabindex="0" data-task=id.to_string() class:closed=task.status != TaskStatus::Open
            on:click=move |_| nav.set(View::Task(id)) on:keydown=move |ev| row_keys(&ev)>
            <td class="due">{format::due_wall(&task.due_local)}" "<span class="muted small">{task.time_zone.clone()}</span></td>
            <td class="strong">{task.title.clone()}</td>
            <td>{related_link(&task, nav)}</td>
            <td>{task.assignee.clone().unwrap_or_else(|| "—".into())}</td>
            <td>{priority_tag(task.priority)}</td>
            <td>{status_badge(task.status)}</td>
        </tr>
    }
}

/// The task list's filters: assignee, status, due dates, and the record or "overdue" the list
/// was opened with.
#[component]
fn TaskFilterBar(
    /// The filter, changed in place.
    filter: RwSignal<TaskFilter>,
    /// The rows shown, for the related record's name.
    rows: RwSignal<Vec<Task>>,
) -> impl IntoView {
    let lists = LocalResource::new(api::code_lists);
    // Inactive users keep their tasks until reassigned: they stay filterable.
    let users = code_choices(lists, |l| l.users.iter().map(|u| (u.id, u.name.clone())).collect());
    // Only a real change reloads (selects report their value once on mount).
    let set = move |change: &dyn Fn(&mut TaskFilter)| {
        let mut changed = filter.get_untracked();
        change(&mut changed);
        if changed != filter.get_untracked() {
            filter.set(changed);
        }
    };
    let assignee_value = move || {
        filter.with(|f| match (f.assignee_id, f.unassigned) {
            (Some(id), _) => id.to_string(),
            (None, true) => "none".into(),
            (None, false) => String::new(),
        })
    };
    let related_name = move || {
        let subject = filter.with(|f| f.related)?;
        let name = rows.with(|r| r.iter().find_map(|t| t.related_name.clone()));
        Some(name.unwrap_or_else(|| subject_kind(subject).to_owned()))
    };
    view! {
        <div class="filters" id="task-filters">
            <select id="task-filter-assignee" aria-label="Assigned to" on:change=move |ev| {
                let value = event_target_value(&ev);
                set(&|f| (f.assignee_id, f.unassigned) = (value.parse().ok(), value == "none"))
            }>
                <option value="" selected=move || assignee_value().is_empty()>"Anyone"</option>
                <option value="none" selected=move || assignee_value() == "none">"Unassigned"</option>
                {move || users.get().into_iter().map(|(id, name)| {
                    let key = id.to_string();
                    view! { <option value=key.clone() selected=move || assignee_value() == key>{name}</option> }
                }).collect_view()}
            </select>
            <select id="task-filter-status" aria-label="Status" on:change=move |ev| {
                let status = TaskStatus::parse(&event_target_value(&ev));
                set(&|f| f.status = status)
            }>
                <option value="" selected=move || filter.with(|f| f.status.is_none())>"Any status"</option>
                {TaskStatus::ALL.into_iter().map(|s| view! {
                    <option value=s.as_str() selected=move || filter.with(|f| f.status == Some(s))>{s.label()}</option>
                }).collect_view()}
            </select>
            // Days on the device's calendar; "to" includes its day, so the filter ends at the
            // next midnight (`due_before` is exclusive).
            <label class="filter-date">"Due from"
                <input type="date" id="task-filter-from" prop:value=move || filter.with(|f| f.due_from.as_deref().map(|m| format::local_day(m, false)).unwrap_or_default())
                    on:change=move |ev| { let day = event_target_value(&ev); set(&|f| f.due_from = format::local_midnight(&day)) }/>
            </label>
            <label class="filter-date">"to"
                <input type="date" id="task-filter-to" prop:value=move || filter.with(|f| f.due_before.as_deref().map(|m| format::local_day(m, true)).unwrap_or_default())
                    on:change=move |ev| {
                        let day = event_target_value(&ev);
                        set(&|f| f.due_before = format::add_days(&day, 1).and_then(|next| format::local_midnight(&next)))
                    }/>
            </label>
            {move || related_name().map(|name| view! {
                <span class="chip" id="task-filter-related">{format!("About {name}")}
                    <button class="chip-x" aria-label="Show tasks about any record" on:click=move |_| set(&|f| f.related = None)>"×"</button>
                </span>
            })}
            {move || filter.with(|f| f.overdue).then(|| view! {
                <span class="chip" id="task-filter-overdue">"Overdue only"
                    <button class="chip-x" aria-label="Show tasks that are not overdue too" on:click=move |_| set(&|f| f.overdue = false)>"×"</button>
                </span>
            })}
            <button class="ghost" id="task-filter-clear" on:click=move |_| set(&|f| *f = TaskFilter::default())>"Clear"</button>
        </div>
    }
}

// The task form.

#[component]
pub fn TaskForm(
    /// The task to edit, or `None` for a new one.
    id: Option<Id>,
    /// The record a new task is about.
    related: Option<NoteSubject>,
) -> impl IntoView {
    let state = task_state();
    let nav = state.nav;
    let form = Form::<TaskInput>::new();
    // The stored task once loaded or first saved: later saves update it.
    let current = RwSignal::new(None::<Task>);
    let related_name = RwSignal::new(None::<String>);
    // Non-text fields are signals of their own; numbers are typed as text and read on save.
    let zone = RwSignal::new("UTC".to_owned());
    let assignee = RwSignal::new(None::<Id>);
    let priority = RwSignal::new(Priority::Normal);
    let reminder = RwSignal::new(Some(15));
    let duration = RwSignal::new("30".to_owned());
    let outcome = RwSignal::new(None::<(String, InvitationOutcome)>);
    let ics_path = RwSignal::new(String::new());
    let ics = RwSignal::new(None::<Result<String, String>>);
    let lists = LocalResource::new(api::code_lists);
    let show = move |task: Task| {
        form.draft.set(TaskInput::from(&task));
        zone.set(task.time_zone.clone());
        assignee.set(task.assignee_id);
        priority.set(task.priority);
        reminder.set(task.reminder_minutes);
        duration.set(task.duration_minutes.to_string());
        related_name.set(task.related_name.clone());
        // Suggest where the task's .ics goes, once per task (a path the user typed stays).
        if ics_path.with_untracked(String::is_empty) {
            let title = task.title.clone();
            spawn_local(async move {
                if let Ok(suggested) = api::export_default_path("task", "ics").await {
                    let _ = ics_path.try_set(task_ics_path(&suggested, &title));
                }
            });
        }
        current.set(Some(task));
    };
    match id {
        Some(id) => spawn_local(async move {
            match api::task_get(id).await {
                Ok(task) => show(task),
                Err(e) => form.error.set(Some(e)),
            }
        }),
        None => {
            form.draft.update(|d| {
                d.related = related;
                d.due_local = format::default_due();
            });
            spawn_local(async move {
                // A new task is the device user's, in their zone, unless they choose otherwise.
                if let Ok(profile) = api::profile_get().await {
                    let _ = zone.try_set(profile.time_zone);
                    let _ = assignee.try_set(profile.user_id);
                }
                if let Some(subject) = related {
                    let _ = related_name.try_set(subject_name(subject).await.ok());
                }
            })
        }
    }
    let saved = move |done: &'static str| {
        move |saved: TaskSaved| {
            form.error.set(None);
            outcome.set(Some((done.to_owned(), saved.invitation)));
            show(saved.task);
            state.changed();
        }
    };
    let submit = form.on_submit(
        move |mut input: TaskInput| {
            let mut problems = Vec::new();
            // An empty duration is the usual half hour.
            let minutes = match duration.get_untracked() {
                text if text.trim().is_empty() => Some(TaskInput::default().duration_minutes),
                text => read_number(&text, "duration_minutes", "minutes", &mut problems),
            };
            input.duration_minutes = minutes.unwrap_or_default();
            (input.time_zone, input.assignee_id) = (zone.get_untracked(), assignee.get_untracked());
            (input.priority, input.reminder_minutes) = (priority.get_untracked(), reminder.get_untracked());
            let target = current.with_untracked(|t| t.as_ref().map(|t| t.id));
            async move {
                if !problems.is_empty() {
                    return Err(invalid(problems));
                }
                match target {
                    Some(id) => api::task_update(id, &input).await,
                    None => api::task_create(&input).await,
                }
            }
        },
        saved("Task saved."),
    );
    let set_status = move |status: TaskStatus, done: &'static str| {
        let Some(id) = current.with_untracked(|t| t.as_ref().map(|t| t.id)) else { return };
        spawn_local(async move {
            match api::task_set_status(id, status).await {
                Ok(result) => saved(done)(result),
                Err(e) => form.error.set(Some(e)),
            }
        })
    };
    let save_file = move |_| {
        let Some(id) = current.with_untracked(|t| t.as_ref().map(|t| t.id)) else { return };
        let path = ics_path.get_untracked();
        spawn_local(async move {
            let result = api::task_ics_save(id, &path).await.map(|()| format!("Saved {path}"));
            let _ = ics.try_set(Some(result.map_err(|e| e.message)));
        })
    };
    let error = move |name: &'static str| field_error(form.error, name);
    let status = move || current.with(|t| t.as_ref().map(|t| t.status));
    view! {
        <header class="page-head">
            <h1>{move || if current.with(Option::is_some) { "Task" } else { "New task" }}{move || status().map(status_badge)}</h1>
            {move || status().map(|status| view! {
                <div class="actions" id="task-actions">
                    {(status == TaskStatus::Open).then(|| view! {
                        <button id="task-done" on:click=move |_| set_status(TaskStatus::Done, "Marked done.")>"Done"</button>
                        <button id="task-cancel" on:click=move |_| set_status(TaskStatus::Cancelled, "Task cancelled.")>"Cancel task"</button>
                    })}
                    {(status != TaskStatus::Open).then(|| view! {
                        <button id="task-reopen" on:click=move |_| set_status(TaskStatus::Open, "Task reopened.")>"Reopen"</button>
                    })}
                </div>
            })}
        </header>
        <TaskTabs/>
        <ErrorBanner error=form.error/>
        {move || outcome.get().map(|(done, invitation)| outcome_line("task-outcome", &done, &invitation))}
        <form class="form card" id="task-form" on:submit=submit novalidate>
            <div class="grid">
                <TextField label="Title" name="title" id="task-title" maxlength=limits::TASK_TITLE required=true
                    value=Signal::derive(move || form.draft.with(|d| d.title.clone()))
                    on_input=move |text| { form.draft.update(|d| d.title = text); form.clear_error("title") }
                    error=error("title")/>
                {form.field_with_id("task-due", "Due", "due_local", "datetime-local", 16, |d| &d.due_local, |d, v| d.due_local = v)}
                <Field label="Time zone" name="time_zone" for_id="task-zone" error=error("time_zone")>
                    <ZoneSelect id="task-zone" value=zone/>
                </Field>
                <TextField label="Duration (minutes)" name="duration_minutes" id="task-duration" kind="number" maxlength=4
                    value=duration on_input=move |text| { duration.set(text); form.clear_error("duration_minutes") } error=error("duration_minutes")/>
                <Field label="Assigned to" name="assignee_id" for_id="task-assignee" error=error("assignee_id")>
                    <IdSelect id="task-assignee" placeholder="Nobody" value=assignee options=code_choices(lists, active_users)/>
                </Field>
                <Field label="Priority" name="priority" for_id="task-priority" error=error("priority")>
                    <select id="task-priority" on:change=move |ev| priority.set(Priority::parse(&event_target_value(&ev)).unwrap_or_default())>
                        {Priority::ALL.into_iter().map(|p| view! { <option value=p.as_str() selected=move || priority.get() == p>{p.label()}</option> }).collect_view()}
                    </select>
                </Field>
                <Field label="Reminder" name="reminder_minutes" for_id="task-reminder" error=error("reminder_minutes")>
                    <ReminderSelect id="task-reminder" value=reminder/>
                </Field>
                <Field label="About" name="related" for_id="task-related" error=error("related")>
                    <p class="read-only" id="task-related">{move || match form.draft.with(|d| d.related) {
                        None => view! { <span class="muted">"No record"</span> }.into_any(),
                        Some(subject) => view! {
                            <button type="button" class="link" on:click=move |_| nav.set(View::of(subject))>
                                {move || related_name.get().unwrap_or_else(|| subject_kind(subject).to_owned())}
                            </button>
                        }.into_any(),
                    }}</p>
                </Field>
            </div>
            <Field label="Notes" name="notes" for_id="task-notes" error=error("notes")>
                <textarea id="task-notes" rows="4" maxlength=limits::TASK_NOTES prop:value=move || form.draft.with(|d| d.notes.clone())
                    on:input=move |ev| { form.draft.update(|d| d.notes = event_target_value(&ev)); form.clear_error("notes") }></textarea>
            </Field>
            <div class="actions">
                <button type="submit" class="primary" id="save-task" disabled=move || form.saving.get()>
                    {move || if form.saving.get() { "Saving…" } else { "Save" }}
                </button>
            </div>
        </form>
        {move || current.with(Option::is_some).then(|| view! {
            <section class="card ics-card" id="task-ics">
                <h2>"Calendar file"</h2>
                <div class="hbox">
                    <input id="ics-path-input" class="grow" aria-label="Save the .ics as" prop:value=move || ics_path.get()
                        on:input=move |ev| ics_path.set(event_target_value(&ev))/>
                    <button id="task-save-ics" on:click=save_file>"Save .ics"</button>
                </div>
                {ics_status("ics-path", ics)}
            </section>
        })}
    }
}

// The team's workload.

#[component]
pub fn WorkloadScreen() -> impl IntoView {
    let state = task_state();
    let workload = LocalResource::new(move || {
        state.version.track();
        api::workload()
    });
    let chart = LocalResource::new(move || {
        state.version.track();
        api::workload_chart()
    });
    let error = RwSignal::new(None::<ApiError>);
    let open = move |user: Option<Id>, column: WorkloadColumn| {
        spawn_local(async move {
            match api::workload_filter(user, column).await {
                Ok(filter) => state.open_list(filter),
                Err(e) => drop(error.try_set(Some(e))),
            }
        })
    };
    let row = move |row: WorkloadRow| {
        let user = row.user_id;
        let key = user.map(|id| id.to_string()).unwrap_or_else(|| "none".into());
        let cell = |column: WorkloadColumn, name: &'static str, count: u64, label: &'static str| {
            let key = key.clone();
            let person = row.name.clone();
            let alert = column == WorkloadColumn::Overdue && count > 0;
            view! {
                <td class="num">
                    <button class="count" class:alert=alert data-user=key data-column=name
                        aria-label=format!("{person}: {count} {label}") on:click=move |_| open(user, column)>{format::count(count)}</button>
                </td>
            }
        };
        view! {
            <tr data-user=key.clone() data-user-name=row.name.clone()>
                <td class="strong">{row.name.clone()}</td>
                {cell(WorkloadColumn::Overdue, "overdue", row.overdue, "overdue")}
                {cell(WorkloadColumn::DueToday, "due_today", row.due_today, "due today")}
                {cell(WorkloadColumn::DueThisWeek, "due_this_week", row.due_this_week, "due this week")}
                {cell(WorkloadColumn::Open, "open", row.open, "open")}
            </tr>
        }
    };
    view! {
        <header class="page-head">
            <div>
                <h1>"Workload"</h1>
                <p class="muted">{move || workload.get().and_then(Result::ok).map(|w| format!("Open tasks per person; days in {}", w.time_zone))}</p>
            </div>
        </header>
        <TaskTabs current=View::Workload/>
        <ErrorBanner error/>
        {move || workload.get().map(|result| match result {
            Err(e) => view! { <div class="banner error" role="alert">{e.message}</div> }.into_any(),
            Ok(workload) => view! {
                <table class="list" id="workload-table">
                    <thead><tr>
                        <th>"Person"</th><th class="num">"Overdue"</th><th class="num">"Due today"</th><th class="num">"Due this week"</th><th class="num">"Open"</th>
                    </tr></thead>
                    <tbody>{workload.rows.into_iter().map(row).collect_view()}</tbody>
                </table>
            }.into_any(),
        })}
        <figure class="chart card" id="workload-chart">
            {move || chart.get().map(|result| match result {
                Ok(svg) => chart_svg(svg).into_any(),
                Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
            })}
        </figure>
    }
}

// On the record screens.

/// The Tasks card of a company, contact or lead screen: its tasks and "New task" about it.
#[component]
pub fn TasksCard(
    /// The record the tasks are about.
    subject: NoteSubject,
) -> impl IntoView {
    let state = task_state();
    let tasks = LocalResource::new(move || {
        state.version.track();
        api::tasks_of(subject)
    });
    view! {
        <section class="card" id="tasks-card">
            <div class="card-head">
                <h2>"Tasks"</h2>
                <div class="hbox">
                    <button class="ghost small" id="related-tasks" on:click=move |_| state.open_list(TaskFilter { related: Some(subject), ..TaskFilter::default() })>"All"</button>
                    <button class="ghost small" id="new-task" on:click=move |_| state.nav.set(View::NewTask(Some(subject)))>"New task"</button>
                </div>
            </div>
            {move || tasks.get().map(|result| match result {
                Ok(tasks) if tasks.is_empty() => view! { <p class="muted">"No tasks yet."</p> }.into_any(),
                Ok(tasks) => view! { <ul class="tasks">{tasks.into_iter().map(|task| view! { <TaskItem task/> }).collect_view()}</ul> }.into_any(),
                Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
            })}
        </section>
    }
}

/// "Set follow-up" on a note: a title, a date and time, a zone and a reminder make a task about
/// the note's record, assigned to this device's user, with an invitation to their email.
#[component]
pub fn FollowUpForm(
    /// The note the follow-up is set on.
    note_id: Id,
    /// The note's text, for the default title.
    note_body: String,
    /// Called after the follow-up is saved, with what the line under the note should say.
    on_saved: Callback<(String, InvitationOutcome)>,
    /// Called when the user closes the form.
    on_cancel: Callback<()>,
) -> impl IntoView {
    let state = task_state();
    let title = RwSignal::new(follow_up_title(&note_body));
    let due = RwSignal::new(format::default_due());
    let zone = RwSignal::new("UTC".to_owned());
    let reminder = RwSignal::new(Some(15));
    let error = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);
    spawn_local(async move {
        if let Ok(profile) = api::profile_get().await {
            let _ = zone.try_set(profile.time_zone);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        saving.set(true);
        let input = crm_model::FollowUpInput {
            note_id,
            title: title.get_untracked(),
            due_local: due.get_untracked(),
            time_zone: zone.get_untracked(),
            assignee_id: None,
            reminder_minutes: reminder.get_untracked(),
        };
        spawn_local(async move {
            let result = api::follow_up_create(&input).await;
            let _ = saving.try_set(false);
            match result {
                Ok(saved) => {
                    state.changed();
                    let done = format!("Follow-up set for {}.", format::due(&saved.task.due_local, &saved.task.time_zone));
                    on_saved.run((done, saved.invitation));
                }
                Err(e) => drop(error.try_set(Some(e))),
            }
        });
    };
    let text = |signal: RwSignal<String>, name: &'static str| {
        move |value: String| {
            signal.set(value);
            error.update(|e| if let Some(e) = e { e.fields.retain(|f| f.field != name) });
        }
    };
    view! {
        <form class="follow-up-form" id="follow-up-form" on:submit=submit novalidate>
            <div class="grid">
                <TextField label="Follow-up" name="title" id="follow-up-title" maxlength=limits::TASK_TITLE required=true
                    value=title on_input=text(title, "title") error=field_error(error, "title")/>
                <TextField label="When" name="due_local" id="follow-up-due" kind="datetime-local" maxlength=16
                    value=due on_input=text(due, "due_local") error=field_error(error, "due_local")/>
                <Field label="Time zone" name="time_zone" for_id="follow-up-zone" error=field_error(error, "time_zone")>
                    <ZoneSelect id="follow-up-zone" value=zone/>
                </Field>
                <Field label="Reminder" name="reminder_minutes" for_id="follow-up-reminder" error=field_error(error, "reminder_minutes")>
                    <ReminderSelect id="follow-up-reminder" value=reminder/>
                </Field>
            </div>
            <ErrorBanner error/>
            <div class="actions">
                <button type="submit" class="primary" id="follow-up-save" disabled=move || saving.get()>"Set follow-up"</button>
                <button type="button" class="ghost" id="follow-up-cancel" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
        </form>
    }
}
