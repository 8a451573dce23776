//! Tasks, follow-up reminders and the calendar invitations that announce them.
//!
//! A task is due at a wall time in a named time zone ("2026-03-29T09:30" in "Europe/Berlin"): the
//! core turns that into one UTC moment, and invitations carry the zone so that calendar programs
//! show the time the user meant.

use serde::{Deserialize, Serialize};

use crate::{Id, NoteSubject};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    #[default]
    Open,
    Done,
    Cancelled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 3] = [TaskStatus::Open, TaskStatus::Done, TaskStatus::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::Done => "done",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<TaskStatus> {
        TaskStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            TaskStatus::Open => "Open",
            TaskStatus::Done => "Done",
            TaskStatus::Cancelled => "Cancelled",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::Low, Priority::Normal, Priority::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
        }
    }

    pub fn parse(text: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Priority::Low => "Low",
            Priority::Normal => "Normal",
            Priority::High => "High",
        }
    }
}

/// What the task form sends, for a new task or an edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInput {
    pub title: String,
    #[serde(default)]
    pub notes: String,
    /// Wall time in `time_zone`, `YYYY-MM-DDTHH:MM` (what an `<input type="datetime-local">` gives).
    pub due_local: String,
    /// IANA name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Length of the calendar event.
    #[serde(default = "default_duration")]
    pub duration_minutes: u32,
    #[serde(default)]
    pub assignee_id: Option<Id>,
    /// The company, contact or lead the task is about.
    #[serde(default)]
    pub related: Option<NoteSubject>,
    #[serde(default)]
    pub priority: Priority,
    /// Remind this many minutes before the due time; `None` for no reminder.
    #[serde(default)]
    pub reminder_minutes: Option<u32>,
}

fn default_duration() -> u32 {
    30
}

impl Default for TaskInput {
    fn default() -> Self {
        TaskInput {
            title: String::new(),
            notes: String::new(),
            due_local: String::new(),
            time_zone: "UTC".into(),
            duration_minutes: default_duration(),
            assignee_id: None,
            related: None,
            priority: Priority::Normal,
            reminder_minutes: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: Id,
    pub title: String,
    pub notes: String,
    /// The due moment, RFC 3339 UTC.
    pub due_at: String,
    /// The due time as entered, `YYYY-MM-DDTHH:MM` in `time_zone`.
    pub due_local: String,
    pub time_zone: String,
    pub duration_minutes: u32,
    pub assignee_id: Option<Id>,
    pub assignee: Option<String>,
    pub related: Option<NoteSubject>,
    /// "Acme Tools", "Ada Lovelace" or "Lead A7 · Acme Tools", for lists.
    pub related_name: Option<String>,
    /// The note the follow-up was set on, if any.
    pub note_id: Option<Id>,
    pub priority: Priority,
    pub status: TaskStatus,
    pub reminder_minutes: Option<u32>,
    /// When the reminder is due, RFC 3339 UTC.
    pub remind_at: Option<String>,
    /// The invitation's identity: the same UID for every version of this task's invitation.
    pub ics_uid: String,
    /// Raised on every reschedule, so that calendars replace the event they have.
    pub ics_sequence: u32,
    pub completed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Task> for TaskInput {
    /// The form's values of a stored task: what an edit starts from.
    fn from(task: &Task) -> Self {
        TaskInput {
            title: task.title.clone(),
            notes: task.notes.clone(),
            due_local: task.due_local.clone(),
            time_zone: task.time_zone.clone(),
            duration_minutes: task.duration_minutes,
            assignee_id: task.assignee_id,
            related: task.related,
            priority: task.priority,
            reminder_minutes: task.reminder_minutes,
        }
    }
}

/// The task list's filters. Every field narrows the list; `None` does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskFilter {
    #[serde(default)]
    pub assignee_id: Option<Id>,
    /// Only tasks nobody is assigned to.
    #[serde(default)]
    pub unassigned: bool,
    #[serde(default)]
    pub related: Option<NoteSubject>,
    #[serde(default)]
    pub status: Option<TaskStatus>,
    /// Due on or after this moment (RFC 3339) ...
    #[serde(default)]
    pub due_from: Option<String>,
    /// ... and before this one (RFC 3339, exclusive).
    #[serde(default)]
    pub due_before: Option<String>,
    /// Open and due before now.
    #[serde(default)]
    pub overdue: bool,
}

/// One page of tasks in due order; `next` continues after the last row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskQuery {
    #[serde(default)]
    pub filter: TaskFilter,
    /// Opaque cursor from the previous page.
    #[serde(default)]
    pub after: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPage {
    pub rows: Vec<Task>,
    pub next: Option<String>,
}

/// One user's day: what is late, what is due today, what comes next (in their time zone).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyDay {
    pub user_id: Option<Id>,
    pub time_zone: String,
    /// Today in `time_zone`, `YYYY-MM-DD`.
    pub today: String,
    pub overdue: Vec<Task>,
    pub due_today: Vec<Task>,
    /// The next open tasks after today (the first 50).
    pub upcoming: Vec<Task>,
}

/// The manager's view of one user's open tasks. Each count has a filter that lists its tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadRow {
    /// `None` for the tasks nobody is assigned to.
    pub user_id: Option<Id>,
    pub name: String,
    pub overdue: u64,
    pub due_today: u64,
    /// Due from now to the end of the week (Sunday), overdue not included.
    pub due_this_week: u64,
    pub open: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkloadColumn {
    Overdue,
    DueToday,
    DueThisWeek,
    Open,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workload {
    pub time_zone: String,
    pub rows: Vec<WorkloadRow>,
}

/// "Set follow-up reminder" on a note: a date and a title make a task about the note's record,
/// and an invitation to the user's email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpInput {
    pub note_id: Id,
    pub title: String,
    pub due_local: String,
    pub time_zone: String,
    /// Defaults to this device's user.
    #[serde(default)]
    pub assignee_id: Option<Id>,
    #[serde(default = "default_reminder")]
    pub reminder_minutes: Option<u32>,
}

fn default_reminder() -> Option<u32> {
    Some(15)
}

/// What happened to a task's invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InvitationOutcome {
    /// Waiting in the outbox for `to` (sent on the next round, or when the network returns).
    Queued { to: String },
    /// No email could be addressed: the reason says what to set up (user email, SMTP settings).
    NotSent { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSaved {
    pub task: Task,
    pub invitation: InvitationOutcome,
}

/// A reminder that is due now, for the notification and the badge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueReminder {
    pub task: Task,
    /// RFC 3339.
    pub remind_at: String,
}

/// Who uses this device and in which time zone. Local to the device, never synced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub user_id: Option<Id>,
    /// IANA name.
    pub time_zone: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain SMTP (only for a server on this machine or a trusted network).
    None,
    /// STARTTLS upgrade, usually port 587.
    #[default]
    StartTls,
    /// TLS from the start, usually port 465.
    Tls,
}

/// Outgoing mail server. Local to the device, never synced. An empty host means "not set up".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    /// The From address of invitations.
    pub from: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: Id,
    pub task_id: Option<Id>,
    /// `REQUEST` or `CANCEL`.
    pub method: String,
    pub recipient: String,
    pub subject: String,
    pub sent: bool,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// RFC 3339.
    pub next_attempt_at: String,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// The result of one send round.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxRound {
    pub sent: u32,
    pub failed: u32,
    pub pending: u32,
    pub last_error: Option<String>,
}
