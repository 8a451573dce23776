-- Why: tasks, follow-up reminders and calendar invitations (seed 000 Tasks: "assign tasks and
-- schedule reminders so no one misses a date; management reviews all workloads"; seed 001 "Set
-- follow-up reminder ... email an invitation (.ics file)").
--
-- A task is due at a moment (`due_at`, UTC milliseconds) that the user entered as a wall time in a
-- time zone (`due_local` + `time_zone`, kept so that the invitation says "09:30 Europe/Berlin" and
-- not a UTC time). `remind_at` is a generated column: it always follows the due time and the
-- reminder offset, so a rescheduled task can never keep a stale reminder, on any replica.
-- `ics_uid` and `ics_sequence` are the invitation's identity: rescheduling raises the sequence,
-- so calendar programs update the event they already have instead of adding a second one.
CREATE TABLE task (
    id             TEXT PRIMARY KEY,
    title          TEXT NOT NULL CHECK (title <> ''),
    notes          TEXT NOT NULL DEFAULT '',
    due_at         INTEGER NOT NULL,
    due_local      TEXT NOT NULL,
    time_zone      TEXT NOT NULL,
    duration_min   INTEGER NOT NULL DEFAULT 30 CHECK (duration_min BETWEEN 0 AND 1440),
    assignee_id    TEXT REFERENCES app_user (id),
    subject_table  TEXT CHECK (subject_table IN ('company', 'contact', 'lead')),
    subject_id     TEXT,
    note_id        TEXT REFERENCES note (id) ON DELETE SET NULL,
    priority       TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high')),
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    reminder_min   INTEGER CHECK (reminder_min BETWEEN 0 AND 40320),
    remind_at      INTEGER GENERATED ALWAYS AS (due_at - reminder_min * 60000) VIRTUAL,
    ics_uid        TEXT NOT NULL UNIQUE,
    ics_sequence   INTEGER NOT NULL DEFAULT 0,
    completed_at   INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    CHECK ((subject_table IS NULL) = (subject_id IS NULL))
) STRICT;
-- My day and the workload read one user's open tasks in due order.
CREATE INDEX task_assignee ON task (assignee_id, status, due_at, id);
-- The task list without an assignee filter, and the 360° screens.
CREATE INDEX task_status_due ON task (status, due_at, id);
CREATE INDEX task_subject ON task (subject_table, subject_id, due_at);
-- Reminders that are due: only open tasks with a reminder.
CREATE INDEX task_remind ON task (remind_at) WHERE status = 'open' AND reminder_min IS NOT NULL;

-- Local, never synced: which reminders this device has shown, dismissed or snoozed. Keyed by the
-- reminder moment too, so that rescheduling a task makes its reminder due again.
CREATE TABLE reminder_state (
    task_id        TEXT PRIMARY KEY REFERENCES task (id) ON DELETE CASCADE,
    remind_at      INTEGER NOT NULL,
    snoozed_until  INTEGER,
    dismissed      INTEGER NOT NULL DEFAULT 0 CHECK (dismissed IN (0, 1))
) STRICT;

-- Local, never synced: invitations waiting to be emailed. A row is written in the same
-- transaction as the task change it announces, so an invitation made offline is never lost; it
-- leaves the outbox only when the SMTP server has accepted it. Each device sends its own.
CREATE TABLE mail_outbox (
    id               TEXT PRIMARY KEY,
    task_id          TEXT,
    method           TEXT NOT NULL CHECK (method IN ('REQUEST', 'CANCEL')),
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,
    ics              TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    next_attempt_at  INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER
) STRICT;
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
