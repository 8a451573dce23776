use crm_model::{NoteSubject, Priority, Task, TaskInput, TaskStatus};
use rusqlite::{Row, types::Value};

use crate::{
    note::{subject_key, subject_of},
    sql::opt_id,
    time,
    write::{self, text},
};

pub(crate) const TABLE: &str = "task";

/// Every task read goes through this select, so lists, My day and the 360° cards show the same
/// fields. The related record's name is looked up per row (a page is at most 500 rows).
pub(super) const SELECT_TASK: &str = "SELECT t.id, t.title, t.notes, t.due_at, t.due_local, t.time_zone, t.duration_min,
            t.assignee_id, u.name, t.subject_table, t.subject_id, t.note_id, t.priority, t.status, t.reminder_min,
            t.remind_at, t.ics_uid, t.ics_sequence, t.completed_at, t.created_at, t.updated_at,
            CASE t.subject_table
                WHEN 'company' THEN (SELECT name FROM company WHERE id = t.subject_id)
                WHEN 'contact' THEN (SELECT trim(first_name || ' ' || last_name) FROM contact WHERE id = t.subject_id)
                WHEN 'lead' THEN (SELECT 'Lead ' || lead_number || ' · ' || company_name FROM lead WHERE id = t.subject_id)
            END
     FROM task t LEFT JOIN app_user u ON u.id = t.assignee_id";

fn subject_at(row: &Row<'_>) -> rusqlite::Result<Option<NoteSubject>> {
    let Some(id) = opt_id(row, 10)? else { return Ok(None) };
    Ok(Some(subject_of(row.get_ref(9)?.as_str()?, id)))
}

fn invalid(index: usize, text: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(index, text.to_owned(), rusqlite::types::Type::Text)
}

pub(super) fn task_from_row(row: &Row<'_>) -> rusqlite::Result<Task> {
    let priority = row.get_ref(12)?.as_str()?;
    let status = row.get_ref(13)?.as_str()?;
    Ok(Task {
        id: crate::sql::id_at(row, 0)?,
        title: row.get(1)?,
        notes: row.get(2)?,
        due_at: time::rfc3339(row.get(3)?),
        due_local: row.get(4)?,
        time_zone: row.get(5)?,
        duration_minutes: row.get(6)?,
        assignee_id: opt_id(row, 7)?,
        assignee: row.get(8)?,
        related: subject_at(row)?,
        note_id: opt_id(row, 11)?,
        priority: Priority::parse(priority).ok_or_else(|| invalid(12, priority))?,
        status: TaskStatus::parse(status).ok_or_else(|| invalid(13, status))?,
        reminder_minutes: row.get(14)?,
        remind_at: row.get::<_, Option<i64>>(15)?.map(time::rfc3339),
        ics_uid: row.get(16)?,
        ics_sequence: row.get(17)?,
        completed_at: row.get::<_, Option<i64>>(18)?.map(time::rfc3339),
        created_at: time::rfc3339(row.get(19)?),
        updated_at: time::rfc3339(row.get(20)?),
        related_name: row.get(21)?,
    })
}

/// The columns a task form edits, with the due moment the core computed from the wall time.
pub(super) fn columns(input: &TaskInput, due_at_ms: i64) -> Vec<(&'static str, Value)> {
    let (subject_table, subject_id) = match input.related.map(subject_key) {
        Some((table, id)) => (text(table), text(&id.to_string())),
        None => (Value::Null, Value::Null),
    };
    vec![
        ("title", text(&input.title)),
        ("notes", text(&input.notes)),
        ("due_at", Value::Integer(due_at_ms)),
        ("due_local", text(&input.due_local)),
        ("time_zone", text(&input.time_zone)),
        ("duration_min", Value::Integer(i64::from(input.duration_minutes))),
        ("assignee_id", write::opt_id(input.assignee_id)),
        ("subject_table", subject_table),
        ("subject_id", subject_id),
        ("priority", text(input.priority.as_str())),
        ("reminder_min", write::opt_int(input.reminder_minutes.map(i64::from))),
    ]
}
