use chrono::{Datelike, Duration};
use crm_model::{ChartSvg, DueReminder, MyDay, NoteSubject, Task, TaskFilter, TaskPage, TaskQuery, TaskStatus, Workload, WorkloadColumn, WorkloadRow, limits};
use rusqlite::{Connection, params_from_iter, types::Value};
use uuid::Uuid;

use super::{
    ics::{self, Party},
    types::{SELECT_TASK, TABLE, task_from_row},
};
use crate::{
    CoreError, Result, Store,
    note::subject_key,
    chart::{Chart, ChartKind, Series, Unit},
    time,
};

/// The page size when the caller does not ask for one: a screenful and a half.
const DEFAULT_PAGE: u32 = 50;

/// A task read inside a transaction (sees its own writes).
pub(super) fn task_in(conn: &Connection, id: Uuid) -> Result<Task> {
    crate::sql::get_by_id(conn, &format!("{SELECT_TASK} WHERE t.id = ?1"), TABLE, id, task_from_row)
}

/// The moments that split a user's open tasks, in their time zone: now, the start of tomorrow and
/// the start of next week (weeks end on Sunday night).
struct DayMarks {
    now: i64,
    tomorrow: i64,
    next_week: i64,
    today: String,
    time_zone: String,
}

impl Store {
    pub fn task_get(&self, id: Uuid) -> Result<Task> {
        task_in(&self.conn, id)
    }

    /// Tasks in due order (earliest first), filtered, one page at a time.
    pub fn task_list(&self, query: &TaskQuery) -> Result<TaskPage> {
        let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, limits::PAGE_MAX);
        let (mut conditions, mut values) = self.task_conditions(&query.filter)?;
        if let Some(cursor) = &query.after {
            let (due, id) = cursor.split_once('~').and_then(|(due, id)| Some((due.parse::<i64>().ok()?, id))).ok_or_else(|| CoreError::invalid("after", "Not a cursor from this list."))?;
            conditions.push(format!("(t.due_at, t.id) > (?{}, ?{})", values.len() + 1, values.len() + 2));
            values.push(Value::Integer(due));
            values.push(Value::Text(id.to_owned()));
        }
        let sql = format!("{SELECT_TASK} WHERE {} ORDER BY t.due_at, t.id LIMIT {}", conditions.join(" AND "), limit + 1);
        let mut rows: Vec<(i64, Task)> = self
            .conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(values), |row| Ok((row.get::<_, i64>(3)?, task_from_row(row)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let next = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|(due, task)| format!("{due}~{}", task.id))
        } else {
            None
        };
        Ok(TaskPage { rows: rows.into_iter().map(|(_, task)| task).collect(), next })
    }

    fn task_conditions(&self, filter: &TaskFilter) -> Result<(Vec<String>, Vec<Value>)> {
        let mut conditions = vec!["1".to_owned()];
        let mut values: Vec<Value> = Vec::new();
        let mut push = |sql: &str, value: Value, conditions: &mut Vec<String>| {
            values.push(value);
            conditions.push(sql.replace('?', &format!("?{}", values.len())));
        };
        if let Some(id) = filter.assignee_id {
            push("t.assignee_id = ?", Value::Text(id.to_string()), &mut conditions);
        } else if filter.unassigned {
            conditions.push("t.assignee_id IS NULL".into());
        }
        if let Some((table, id)) = filter.related.map(subject_key) {
            push("t.subject_table = ?", Value::Text(table.into()), &mut conditions);
            push("t.subject_id = ?", Value::Text(id.to_string()), &mut conditions);
        }
        let status = if filter.overdue { Some(TaskStatus::Open) } else { filter.status };
        if let Some(status) = status {
            push("t.status = ?", Value::Text(status.as_str().into()), &mut conditions);
        }
        if let Some(from) = &filter.due_from {
            push("t.due_at >= ?", Value::Integer(moment("due_from", from)?), &mut conditions);
        }
        if let Some(before) = &filter.due_before {
            push("t.due_at < ?", Value::Integer(moment("due_before", before)?), &mut conditions);
        }
        if filter.overdue {
            push("t.due_at < ?", Value::Integer(self.now_ms()), &mut conditions);
        }
        Ok((conditions, values))
    }

    /// The tasks about one record, for its 360° screen: open ones first (earliest due first), then
    /// the 20 most recently due closed ones.
    pub fn tasks_of(&self, subject: NoteSubject) -> Result<Vec<Task>> {
        let (table, id) = subject_key(subject);
        let sql = format!(
            "SELECT * FROM ({SELECT_TASK} WHERE t.subject_table = ?1 AND t.subject_id = ?2 AND t.status = 'open' ORDER BY t.due_at LIMIT 200)
             UNION ALL
             SELECT * FROM ({SELECT_TASK} WHERE t.subject_table = ?1 AND t.subject_id = ?2 AND t.status <> 'open' ORDER BY t.due_at DESC LIMIT 20)"
        );
        Ok(self.conn.prepare_cached(&sql)?.query_map(rusqlite::params![table, id.to_string()], task_from_row)?.collect::<rusqlite::Result<_>>()?)
    }

    /// A user's day in the profile's time zone: overdue (open, due before now), due today, and the
    /// next 50 after today. `user` defaults to this device's user.
    pub fn my_day(&self, user: Option<Uuid>) -> Result<MyDay> {
        let profile = self.profile()?;
        let user_id = user.or(profile.user_id);
        let marks = self.day_marks(&profile.time_zone)?;
        let (assignee_sql, assignee) = match user_id {
            Some(id) => ("t.assignee_id = ?1", Value::Text(id.to_string())),
            None => ("t.assignee_id IS ?1", Value::Null),
        };
        let select = |range: &str, order: &str, limit: u32, bounds: &[i64]| -> Result<Vec<Task>> {
            let sql = format!("{SELECT_TASK} WHERE {assignee_sql} AND t.status = 'open' AND {range} ORDER BY {order} LIMIT {limit}");
            let params = std::iter::once(assignee.clone()).chain(bounds.iter().map(|b| Value::Integer(*b)));
            Ok(self.conn.prepare_cached(&sql)?.query_map(params_from_iter(params), task_from_row)?.collect::<rusqlite::Result<_>>()?)
        };
        Ok(MyDay {
            user_id,
            overdue: select("t.due_at < ?2", "t.due_at, t.id", 200, &[marks.now])?,
            due_today: select("t.due_at >= ?2 AND t.due_at < ?3", "t.due_at, t.id", 200, &[marks.now, marks.tomorrow])?,
            upcoming: select("t.due_at >= ?2", "t.due_at, t.id", 50, &[marks.tomorrow])?,
            today: marks.today,
            time_zone: marks.time_zone,
        })
    }

    /// Every user's open tasks, counted: what a manager reviews (seed 000). Active users appear
    /// even with nothing to do; tasks nobody is assigned to form their own row.
    pub fn workload(&self) -> Result<Workload> {
        let marks = self.day_marks(&self.profile()?.time_zone)?;
        let sql = "WITH counts AS (
                SELECT assignee_id,
                       sum(due_at < ?1) AS overdue,
                       sum(due_at >= ?1 AND due_at < ?2) AS today,
                       sum(due_at >= ?1 AND due_at < ?3) AS week,
                       count(*) AS open
                FROM task WHERE status = 'open' GROUP BY assignee_id)
            SELECT u.id, u.name, ifnull(c.overdue, 0), ifnull(c.today, 0), ifnull(c.week, 0), ifnull(c.open, 0)
            FROM app_user u LEFT JOIN counts c ON c.assignee_id = u.id
            WHERE u.active = 1 OR c.open > 0
            UNION ALL
            SELECT NULL, 'Unassigned', overdue, today, week, open FROM counts WHERE assignee_id IS NULL";
        let mut rows: Vec<WorkloadRow> = self
            .conn
            .prepare_cached(sql)?
            .query_map(rusqlite::params![marks.now, marks.tomorrow, marks.next_week], |r| {
                Ok(WorkloadRow {
                    user_id: crate::sql::opt_id(r, 0)?,
                    name: r.get(1)?,
                    overdue: r.get::<_, i64>(2)? as u64,
                    due_today: r.get::<_, i64>(3)? as u64,
                    due_this_week: r.get::<_, i64>(4)? as u64,
                    open: r.get::<_, i64>(5)? as u64,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        // Most overdue first: who needs help; then by name.
        rows.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(b.open.cmp(&a.open)).then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase())));
        Ok(Workload { time_zone: marks.time_zone, rows })
    }

    /// The task-list filter behind one number of the workload table.
    pub fn workload_filter(&self, user_id: Option<Uuid>, column: WorkloadColumn) -> Result<TaskFilter> {
        let marks = self.day_marks(&self.profile()?.time_zone)?;
        let base = TaskFilter { assignee_id: user_id, unassigned: user_id.is_none(), status: Some(TaskStatus::Open), ..TaskFilter::default() };
        Ok(match column {
            WorkloadColumn::Overdue => TaskFilter { overdue: true, ..base },
            WorkloadColumn::DueToday => TaskFilter { due_from: Some(time::rfc3339(marks.now)), due_before: Some(time::rfc3339(marks.tomorrow)), ..base },
            WorkloadColumn::DueThisWeek => TaskFilter { due_from: Some(time::rfc3339(marks.now)), due_before: Some(time::rfc3339(marks.next_week)), ..base },
            WorkloadColumn::Open => base,
        })
    }

    /// The workload as a bar chart: one group of bars per user.
    pub fn workload_chart(&self) -> Result<ChartSvg> {
        let workload = self.workload()?;
        let series = |name: &str, pick: fn(&WorkloadRow) -> u64| Series { name: name.into(), values: workload.rows.iter().map(|r| pick(r) as i64).collect(), colour: None };
        let chart = Chart {
            title: "Open tasks per person".into(),
            kind: ChartKind::Bars,
            unit: Unit::Count,
            category_axis: "Assigned to".into(),
            value_axis: "Tasks".into(),
            categories: workload.rows.iter().map(|r| r.name.clone()).collect(),
            series: vec![
                series("Overdue", |r| r.overdue),
                series("Due today", |r| r.due_today),
                series("Due this week", |r| r.due_this_week),
                series("Open", |r| r.open),
            ],
            empty_text: "No open tasks".into(),
        };
        Ok(ChartSvg { title: chart.title.clone(), svg: crate::chart::render_svg(&chart)? })
    }

    /// Reminders due now for this device's user (every user's when the device has none), that
    /// were neither dismissed nor snoozed past now. The oldest first.
    pub fn reminders_due(&self) -> Result<Vec<DueReminder>> {
        let now = self.now_ms();
        let user = self.profile()?.user_id;
        let sql = format!(
            "{SELECT_TASK} LEFT JOIN reminder_state r ON r.task_id = t.id AND r.remind_at = t.remind_at
             WHERE t.status = 'open' AND t.reminder_min IS NOT NULL AND t.remind_at <= ?1
               AND (?2 IS NULL OR t.assignee_id = ?2)
               AND ifnull(r.dismissed, 0) = 0 AND ifnull(r.snoozed_until, 0) <= ?1
             ORDER BY t.remind_at LIMIT 100"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_map(rusqlite::params![now, user.map(|id| id.to_string())], |row| {
                let task = task_from_row(row)?;
                Ok(DueReminder { remind_at: task.remind_at.clone().unwrap_or_default(), task })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// One task as an .ics invitation (a cancellation when the task is cancelled), to save or
    /// to open in a calendar program.
    pub fn task_ics(&self, id: Uuid) -> Result<String> {
        let task = self.task_get(id)?;
        let method = if task.status == TaskStatus::Cancelled { ics::Method::Cancel } else { ics::Method::Request };
        let attendee = match task.assignee_id {
            Some(user) => Some(self.user_get(user)?).filter(|u| !u.email.is_empty()).map(|u| Party { name: u.name, email: u.email }),
            None => None,
        };
        ics::invitation(&task, method, &self.organizer()?, attendee.as_ref(), self.now_ms())
    }

    /// Every open task of a user as one calendar file (METHOD:PUBLISH), to import at once.
    pub fn tasks_ics(&self, user: Option<Uuid>) -> Result<String> {
        let user_id = user.or(self.profile()?.user_id);
        let name = match user_id {
            Some(id) => format!("Keel CRM tasks of {}", self.user_get(id)?.name),
            None => "Keel CRM tasks".to_owned(),
        };
        let filter = TaskFilter { assignee_id: user_id, status: Some(TaskStatus::Open), ..TaskFilter::default() };
        let mut tasks = Vec::new();
        let mut query = TaskQuery { filter, after: None, limit: Some(limits::PAGE_MAX) };
        loop {
            let page = self.task_list(&query)?;
            tasks.extend(page.rows);
            match page.next {
                Some(next) => query.after = Some(next),
                None => break,
            }
        }
        ics::calendar(&tasks, &name, &self.organizer()?, self.now_ms())
    }

    /// Who invitations come from: this device's user when they have an email, else the mail
    /// settings' sender.
    pub(super) fn organizer(&self) -> Result<Party> {
        self.organizer_or(mailbox(self.smtp_settings()?.from))
    }

    /// This device's user when they have an email, else `mailbox`.
    pub(super) fn organizer_or(&self, mailbox: Party) -> Result<Party> {
        match self.profile()?.user_id.map(|id| self.user_get(id)).transpose()? {
            Some(user) if !user.email.is_empty() => Ok(Party { name: user.name, email: user.email }),
            _ => Ok(mailbox),
        }
    }

    fn day_marks(&self, time_zone: &str) -> Result<DayMarks> {
        let tz = time::zone("time_zone", time_zone)?;
        let now = self.now_ms();
        let today = time::local_date(now, tz);
        let tomorrow = today + Duration::days(1);
        let next_monday = today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()));
        Ok(DayMarks {
            now,
            tomorrow: time::day_start_ms(tomorrow, tz),
            next_week: time::day_start_ms(next_monday, tz),
            today: today.format("%Y-%m-%d").to_string(),
            time_zone: time_zone.to_owned(),
        })
    }
}

/// An RFC 3339 moment, or a date (`YYYY-MM-DD`, UTC midnight) from a filter.
fn moment(field: &str, text: &str) -> Result<i64> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(at.timestamp_millis());
    }
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc().timestamp_millis())
        .map_err(|_| CoreError::invalid(field, "Enter a date such as 2026-11-24."))
}

impl Store {
    /// Save one task's invitation as an .ics file (replaced atomically: a half-written calendar
    /// file is never left behind).
    pub fn task_ics_save(&self, id: Uuid, path: &std::path::Path) -> Result<()> {
        save_text(path, &self.task_ics(id)?)
    }

    /// Save every open task of a user as one .ics file. Returns how many tasks it holds.
    pub fn tasks_ics_save(&self, user: Option<Uuid>, path: &std::path::Path) -> Result<u64> {
        let text = self.tasks_ics(user)?;
        save_text(path, &text)?;
        Ok(text.matches("BEGIN:VEVENT").count() as u64)
    }

    /// Every IANA time-zone name, for the task form's zone picker.
    pub fn time_zones() -> Vec<&'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect()
    }
}

fn save_text(path: &std::path::Path, text: &str) -> Result<()> {
    use std::io::Write;
    crate::export::write_atomically(path, |file| {
        file.write_all(text.as_bytes()).map_err(|error| crate::export::io_error(path, &error))?;
        Ok(0)
    })
    .map(|_| ())
}

/// The CRM's own sending address as a party (a placeholder until mail is set up).
pub(super) fn mailbox(from: String) -> Party {
    Party { name: "Keel CRM".into(), email: if from.is_empty() { "tasks@keel-crm.invalid".into() } else { from } }
}
