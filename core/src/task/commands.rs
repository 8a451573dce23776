use crm_model::{FollowUpInput, InvitationOutcome, Profile, Task, TaskInput, TaskSaved, TaskStatus, limits};
use rusqlite::{OptionalExtension, types::Value};
use uuid::Uuid;

use super::{
    ics::{self, Method, Party},
    types::{TABLE, columns},
};
use crate::{
    CoreError, Result, Store,
    mail::outbox::{self, NewMail},
    note::subject_key,
    store::{get_state, set_state},
    time,
    validate::Validator,
    write::{WriteTx, text},
};

/// The `local_state` keys of this device's profile.
const ME: &str = "profile_user";
const TIME_ZONE: &str = "profile_time_zone";

impl Store {
    /// Who uses this device and in which time zone (the system's until the user picks one).
    pub fn profile(&self) -> Result<Profile> {
        let user_id = get_state::<String>(&self.conn, ME)?.and_then(|id| Uuid::parse_str(&id).ok());
        // A user deleted since (or merged away) is nobody.
        let user_id = match user_id {
            Some(id) if crate::sql::exists(&self.conn, "app_user", id)? => Some(id),
            _ => None,
        };
        let time_zone = get_state::<String>(&self.conn, TIME_ZONE)?.unwrap_or_else(time::system_zone);
        Ok(Profile { user_id, time_zone })
    }

    /// Device-local: never logged, never synced (each laptop has its own user and zone).
    pub fn profile_save(&mut self, mut profile: Profile) -> Result<Profile> {
        let mut check = Validator::default();
        check.reference(&self.conn, "user_id", "app_user", profile.user_id, "user")?;
        check.zone("time_zone", &mut profile.time_zone);
        check.finish()?;
        set_state(&self.conn, ME, profile.user_id.map(|id| id.to_string()).unwrap_or_default())?;
        set_state(&self.conn, TIME_ZONE, &profile.time_zone)?;
        self.profile()
    }

    pub fn task_create(&mut self, mut input: TaskInput) -> Result<TaskSaved> {
        let due_at = self.check_task(&mut input)?;
        self.insert_task(input, due_at, None)
    }

    /// Seed 001's "Set follow-up reminder": a task about the note's record, due when the user
    /// said, with the note as its description, and an invitation to the assignee's email.
    pub fn follow_up_create(&mut self, input: FollowUpInput) -> Result<TaskSaved> {
        let note = self.note_get(input.note_id)?;
        let assignee_id = match input.assignee_id {
            Some(id) => Some(id),
            None => self.profile()?.user_id,
        };
        let mut task = TaskInput {
            title: input.title,
            notes: note.body.chars().take(limits::TASK_NOTES).collect(),
            due_local: input.due_local,
            time_zone: input.time_zone,
            assignee_id,
            related: Some(note.subject),
            reminder_minutes: input.reminder_minutes,
            ..TaskInput::default()
        };
        let due_at = self.check_task(&mut task)?;
        self.insert_task(task, due_at, Some(note.id))
    }

    /// Save the task form. Moving the due time (or changing what the event says) raises the
    /// invitation's SEQUENCE and sends the new version; a new assignee gets the invitation and
    /// the previous one a cancellation.
    pub fn task_update(&mut self, id: Uuid, mut input: TaskInput) -> Result<TaskSaved> {
        let before = self.task_get(id)?;
        let due_at = self.check_task(&mut input)?;
        let mut cols = columns(&input, due_at);
        let event_changed = before.due_at != time::rfc3339(due_at)
            || before.due_local != input.due_local
            || before.time_zone != input.time_zone
            || before.duration_minutes != input.duration_minutes
            || before.title != input.title
            || before.notes != input.notes
            || before.reminder_minutes != input.reminder_minutes;
        if event_changed {
            cols.push(("ics_sequence", Value::Integer(i64::from(before.ics_sequence) + 1)));
        }
        let invitations = self.invitations_setup()?;
        self.write(|w| {
            w.update(TABLE, id, &cols)?;
            let after = super::queries::task_in(w.tx(), id)?;
            if after.status != TaskStatus::Open {
                return Ok(TaskSaved { task: after, invitation: InvitationOutcome::NotSent { reason: "The task is not open.".into() } });
            }
            if before.assignee_id != after.assignee_id {
                invitations.send(w, &before, Method::Cancel)?;
                let invitation = invitations.send(w, &after, Method::Request)?;
                return Ok(TaskSaved { task: after, invitation });
            }
            let invitation = if event_changed {
                invitations.send(w, &after, Method::Request)?
            } else {
                InvitationOutcome::NotSent { reason: "Nothing the invitation shows changed.".into() }
            };
            Ok(TaskSaved { task: after, invitation })
        })
    }

    /// Done, cancelled, or open again. Cancelling sends the calendar a cancellation (same UID,
    /// SEQUENCE + 1); reopening sends the invitation again.
    pub fn task_set_status(&mut self, id: Uuid, status: TaskStatus) -> Result<TaskSaved> {
        let before = self.task_get(id)?;
        if before.status == status {
            return Ok(TaskSaved { task: before, invitation: InvitationOutcome::NotSent { reason: "No change.".into() } });
        }
        let invitations = self.invitations_setup()?;
        self.write(|w| {
            let completed = if status == TaskStatus::Done { Value::Integer(w.now_ms()) } else { Value::Null };
            let mut cols = vec![("status", text(status.as_str())), ("completed_at", completed)];
            let announce = match (before.status, status) {
                (_, TaskStatus::Cancelled) => Some(Method::Cancel),
                (TaskStatus::Cancelled, TaskStatus::Open) => Some(Method::Request),
                _ => None,
            };
            if announce.is_some() {
                cols.push(("ics_sequence", Value::Integer(i64::from(before.ics_sequence) + 1)));
            }
            w.update(TABLE, id, &cols)?;
            let after = super::queries::task_in(w.tx(), id)?;
            let invitation = match announce {
                Some(method) => invitations.send(w, &after, method)?,
                None => InvitationOutcome::NotSent { reason: "Marking a task done does not change the calendar event.".into() },
            };
            Ok(TaskSaved { task: after, invitation })
        })
    }

    /// Hide a due reminder on this device until the task's reminder time changes.
    pub fn reminder_dismiss(&mut self, task_id: Uuid) -> Result<()> {
        self.set_reminder_state(task_id, None, true)
    }

    /// Show a due reminder again in `minutes`.
    pub fn reminder_snooze(&mut self, task_id: Uuid, minutes: u32) -> Result<()> {
        if !(1..=limits::REMINDER_MINUTES).contains(&minutes) {
            return Err(CoreError::invalid("minutes", format!("Snooze for 1 to {} minutes.", limits::REMINDER_MINUTES)));
        }
        let until = self.now_ms() + i64::from(minutes) * 60_000;
        self.set_reminder_state(task_id, Some(until), false)
    }

    fn set_reminder_state(&mut self, task_id: Uuid, snoozed_until: Option<i64>, dismissed: bool) -> Result<()> {
        // Local to the device, like the outbox: another laptop shows its own reminders.
        let remind_at: Option<i64> = self
            .conn
            .query_row("SELECT remind_at FROM task WHERE id = ?1", [task_id.to_string()], |r| r.get(0))
            .optional()?
            .ok_or_else(|| CoreError::not_found(TABLE, task_id))?;
        let Some(remind_at) = remind_at else {
            return Err(CoreError::Conflict("This task has no reminder.".into()));
        };
        self.conn.execute(
            "INSERT INTO reminder_state (task_id, remind_at, snoozed_until, dismissed) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (task_id) DO UPDATE SET remind_at = excluded.remind_at, snoozed_until = excluded.snoozed_until, dismissed = excluded.dismissed",
            rusqlite::params![task_id.to_string(), remind_at, snoozed_until, dismissed],
        )?;
        Ok(())
    }

    /// Validate and normalise the form; returns the due moment in Unix milliseconds. Every
    /// problem is reported at once.
    fn check_task(&self, input: &mut TaskInput) -> Result<i64> {
        let mut check = Validator::default();
        check.required("title", &mut input.title, limits::TASK_TITLE);
        check.optional_multiline("notes", &mut input.notes, limits::TASK_NOTES);
        input.due_local = time::normalise_local(&input.due_local);
        let due_at = match check.zone("time_zone", &mut input.time_zone) {
            Some(tz) => check.value(time::local_to_utc_ms("due_local", &input.due_local, tz))?,
            None => None,
        };
        check.range("duration_minutes", input.duration_minutes, 0..=limits::TASK_DURATION_MINUTES);
        if let Some(minutes) = input.reminder_minutes {
            check.range("reminder_minutes", minutes, 0..=limits::REMINDER_MINUTES);
        }
        check.reference(&self.conn, "assignee_id", "app_user", input.assignee_id, "user")?;
        if let Some((table, id)) = input.related.map(subject_key)
            && !crate::sql::exists(&self.conn, table, id)?
        {
            check.error("related", format!("No {table} with id {id} exists; it may have been deleted."));
        }
        check.finish()?;
        Ok(due_at.unwrap_or_default())
    }

    fn insert_task(&mut self, input: TaskInput, due_at: i64, note_id: Option<Uuid>) -> Result<TaskSaved> {
        let id = Uuid::now_v7();
        let mut cols = columns(&input, due_at);
        // The UID is global (RFC 5545 asks for one unique across calendars): the row id is a
        // UUIDv7 already, the domain part says who made it.
        cols.push(("ics_uid", text(&format!("{id}@keel-crm"))));
        cols.push(("note_id", crate::write::opt_id(note_id)));
        let invitations = self.invitations_setup()?;
        self.write(|w| {
            w.insert(TABLE, id, &cols)?;
            let task = super::queries::task_in(w.tx(), id)?;
            let invitation = invitations.send(w, &task, Method::Request)?;
            Ok(TaskSaved { task, invitation })
        })
    }

    fn invitations_setup(&self) -> Result<Invitations> {
        let smtp = self.smtp_settings()?;
        let mailbox = super::queries::mailbox(smtp.from);
        Ok(Invitations { smtp_ready: !smtp.host.is_empty(), organizer: self.organizer_or(mailbox.clone())?, mailbox, queued_at: self.now_ms() })
    }

}

/// What the write path needs to put an invitation in the outbox, read before the transaction.
struct Invitations {
    smtp_ready: bool,
    organizer: Party,
    /// The sending address, the organiser of reminders users send themselves: Outlook shows no
    /// Accept and Decline on an invitation whose organiser is the recipient.
    mailbox: Party,
    /// The wall clock, not the transaction's HLC time: after sync has seen a fast remote clock
    /// the HLC can run ahead, and the send rounds compare against the wall clock.
    queued_at: i64,
}

impl Invitations {
    /// Queue `task`'s invitation (or cancellation) for its assignee, in the task's transaction.
    fn send(&self, w: &mut WriteTx<'_>, task: &Task, method: Method) -> Result<InvitationOutcome> {
        let Some(assignee_id) = task.assignee_id else {
            return Ok(InvitationOutcome::NotSent { reason: "Nobody is assigned.".into() });
        };
        let (name, email): (String, String) =
            w.tx().query_row("SELECT name, email FROM app_user WHERE id = ?1", [assignee_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if email.is_empty() {
            return Ok(InvitationOutcome::NotSent { reason: format!("{name} has no email address; add one in Settings → Users.") });
        }
        if !self.smtp_ready {
            return Ok(InvitationOutcome::NotSent { reason: "Outgoing mail is not set up (Settings → Email); save the .ics instead.".into() });
        }
        let attendee = Party { name, email };
        let organizer = if self.organizer.email.eq_ignore_ascii_case(&attendee.email) { &self.mailbox } else { &self.organizer };
        let ics = ics::invitation(task, method, organizer, Some(&attendee), w.now_ms())?;
        let (subject, body) = match method {
            Method::Cancel => (format!("Cancelled: {}", task.title), format!("{} ({} {}) was cancelled.\n", task.title, task.due_local.replace('T', " "), task.time_zone)),
            _ => (
                format!("Reminder: {}", task.title),
                format!(
                    "{}\nDue {} ({}){}\n\n{}\n",
                    task.title,
                    task.due_local.replace('T', " "),
                    task.time_zone,
                    task.related_name.as_deref().map(|name| format!("\nAbout: {name}")).unwrap_or_default(),
                    task.notes
                ),
            ),
        };
        let method_name = if method == Method::Cancel { "CANCEL" } else { "REQUEST" };
        outbox::enqueue(
            w.tx(),
            self.queued_at,
            NewMail { task_id: Some(task.id), method: method_name, recipient: &attendee.email, subject: &subject, body_text: &body, ics: &ics },
        )?;
        Ok(InvitationOutcome::Queued { to: attendee.email })
    }
}
