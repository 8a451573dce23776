//! Calendar invitations for tasks: iCalendar (RFC 5545) objects with iTIP (RFC 5546) methods,
//! built with the `icalendar` crate.
//!
//! - **Times keep the task's zone.** DTSTART/DTEND are written as wall time with a TZID
//!   (`DTSTART;TZID=Europe/Berlin:20260330T090000`), not in UTC, so that calendar programs show
//!   the time and zone the organiser chose (and convert it for readers elsewhere). RFC 5545
//!   requires a VTIMEZONE for every TZID, and no crate derives one from chrono-tz, so
//!   `vtimezone` generates it from the zone's offset changes around the events. A task in UTC
//!   is written in UTC form (`…Z`) and needs none, as is a wall time that happens twice (the
//!   night clocks go back), which readers disagree on (see `Slot::at`).
//! - **UID and SEQUENCE identify versions.** UID is the task's `ics_uid`, the same for every
//!   invitation about the task; SEQUENCE is `ics_sequence`, which the core raises on every
//!   reschedule, so a calendar replaces the event it has instead of adding a second one. A CANCEL
//!   carries the same UID. DTSTAMP is the caller's transaction time, so one task and one stamp
//!   always give the same bytes.
//! - **METHOD.** REQUEST with ORGANIZER and an ATTENDEE (RSVP=TRUE) is what Outlook and
//!   Thunderbird need to offer Accept/Decline; CANCEL (STATUS:CANCELLED) removes the event;
//!   PUBLISH is a plain calendar file, without attendees.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz, TzOffset};
use crm_model::{Priority, Task};
use icalendar::{Alarm, Attendee, Calendar, CalendarDateTime, Component, Event, EventLike, EventStatus, PartStat, Property, Role, Trigger};

use crate::{CoreError, Result, time};

const PRODID: &str = "-//Keel CRM//Tasks//EN";

/// RFC 5545 §3.1: content lines are folded to at most 75 octets (line break not counted).
const MAX_LINE_OCTETS: usize = 75;

/// Who sends and who receives an invitation.
#[derive(Debug, Clone)]
pub struct Party {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
    Publish,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
            Method::Publish => "PUBLISH",
        }
    }
}

/// One task as an invitation: VCALENDAR (VERSION 2.0, PRODID "-//Keel CRM//Tasks//EN", METHOD)
/// with one VEVENT (+ its VTIMEZONE). `dtstamp_ms` is Unix ms (the caller passes the transaction
/// time, so output is deterministic).
///
/// The attendee is left out of a PUBLISH (RFC 5546 §3.2.1 allows none there).
pub fn invitation(task: &Task, method: Method, organizer: &Party, attendee: Option<&Party>, dtstamp_ms: i64) -> Result<String> {
    let stamp = stamp(dtstamp_ms)?;
    let slot = Slot::of(task)?;
    let attendee = attendee.filter(|_| method != Method::Publish);
    let mut calendar = envelope(method);
    calendar.push(event(task, &slot, method, organizer, attendee, stamp));
    Ok(render(&calendar, std::slice::from_ref(&slot)))
}

/// Many tasks as one calendar file (METHOD:PUBLISH, no ATTENDEE RSVP), e.g. all open tasks of a
/// user, with one VTIMEZONE per distinct zone used.
pub fn calendar(tasks: &[Task], calendar_name: &str, organizer: &Party, dtstamp_ms: i64) -> Result<String> {
    let stamp = stamp(dtstamp_ms)?;
    let slots = tasks.iter().map(Slot::of).collect::<Result<Vec<_>>>()?;
    let mut calendar = envelope(Method::Publish);
    // What `Calendar::name` writes, but NAME (RFC 7986) typed as TEXT so that the crate escapes
    // it as it does X-WR-CALNAME (it knows no type for NAME, and writes untyped values as given).
    let name = text(calendar_name);
    calendar
        .append_property(Property::new("NAME", &name).add_parameter("VALUE", "TEXT").done())
        .append_property(("X-WR-CALNAME", name.as_str()));
    for (task, slot) in tasks.iter().zip(&slots) {
        calendar.push(event(task, slot, Method::Publish, organizer, None, stamp));
    }
    Ok(render(&calendar, &slots))
}

fn stamp(dtstamp_ms: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(dtstamp_ms)
        .ok_or_else(|| CoreError::invalid("dtstamp", format!("{dtstamp_ms} ms is not a representable time.")))
}

/// When a task happens: its zone and its start and end moments.
struct Slot {
    zone: Tz,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Slot {
    fn of(task: &Task) -> Result<Slot> {
        let zone = time::zone("time_zone", &task.time_zone)?;
        let start = DateTime::parse_from_rfc3339(task.due_at.trim())
            .map_err(|_| {
                CoreError::invalid(
                    "due_at",
                    format!("{:?} (task {:?}) is not a date and time such as 2026-11-24T08:30:00Z.", task.due_at, task.title),
                )
            })?
            .with_timezone(&Utc);
        if task.ics_uid.trim().is_empty() {
            return Err(CoreError::invalid("ics_uid", format!("Task {:?} has no calendar UID.", task.title)));
        }
        // An absolute duration from the UTC moment: an event across a daylight-saving change
        // keeps its length, and its end is converted back to wall time below.
        let end = start + TimeDelta::minutes(i64::from(task.duration_minutes));
        Ok(Slot { zone, start, end })
    }

    fn is_utc(&self) -> bool {
        matches!(self.zone, Tz::UTC | Tz::Etc__UTC)
    }

    fn dtstart(&self) -> CalendarDateTime {
        self.at(self.start)
    }

    /// None for an event without length (RFC 5545 §3.8.2.2: DTEND must be later than DTSTART;
    /// without one, the event is a moment).
    fn dtend(&self) -> Option<CalendarDateTime> {
        (self.end > self.start).then(|| self.at(self.end))
    }

    /// The zone this event's TZIDs name, if they name one.
    fn tzid_zone(&self) -> Option<Tz> {
        let named = |at: &CalendarDateTime| matches!(at, CalendarDateTime::WithTimezone { .. });
        (named(&self.dtstart()) || self.dtend().is_some_and(|end| named(&end))).then_some(self.zone)
    }

    /// A moment as DTSTART/DTEND carry it: wall time with the zone's TZID.
    ///
    /// Except a wall time that occurs twice (the night the clocks go back): RFC 5545 §3.3.5 and
    /// Outlook read it as the first occurrence, pytz-based readers (khal, Python's icalendar 4) as
    /// the second, and the second cannot be written with a TZID at all. Such a moment is written
    /// in UTC, which every reader places alike, as is every moment of a task in UTC.
    fn at(&self, moment: DateTime<Utc>) -> CalendarDateTime {
        let wall = moment.with_timezone(&self.zone).naive_local();
        match self.zone.from_local_datetime(&wall) {
            LocalResult::Single(_) if !self.is_utc() => {
                CalendarDateTime::WithTimezone { date_time: wall, tzid: self.zone.name().to_owned() }
            }
            _ => CalendarDateTime::Utc(moment),
        }
    }
}

fn envelope(method: Method) -> Calendar {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", PRODID))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", method.as_str()));
    calendar
}

fn event(task: &Task, slot: &Slot, method: Method, organizer: &Party, attendee: Option<&Party>, stamp: DateTime<Utc>) -> Event {
    let status = if method == Method::Cancel { EventStatus::Cancelled } else { EventStatus::Confirmed };
    let mut event = Event::with_uid(task.ics_uid.trim());
    event
        .timestamp(stamp)
        .sequence(task.ics_sequence)
        .summary(&text(&task.title))
        .starts(slot.dtstart())
        .priority(priority(task.priority))
        .status(status)
        .add_property("TRANSP", "OPAQUE")
        .append_property(Property::new("ORGANIZER", mailto(organizer)).add_parameter("CN", &parameter(&organizer.name)).done());
    if let Some(end) = slot.dtend() {
        event.ends(end);
    }
    if let Some(description) = description(task) {
        event.description(&description);
    }
    if let Some(attendee) = attendee {
        event.attendee(
            Attendee::new(mailto(attendee))
                .cn(parameter(&attendee.name))
                .role(Role::ReqParticipant)
                .partstat(PartStat::NeedsAction)
                .rsvp(true),
        );
    }
    if method != Method::Cancel
        && let Some(minutes) = task.reminder_minutes
    {
        event.alarm(reminder(task, minutes, stamp));
    }
    event.done()
}

fn priority(priority: Priority) -> u32 {
    match priority {
        Priority::High => 1,
        Priority::Normal => 5,
        Priority::Low => 9,
    }
}

/// The notes, and what the task is about.
fn description(task: &Task) -> Option<String> {
    let notes = task.notes.trim_end();
    let about = task.related_name.as_deref().map(|name| format!("About: {name}"));
    let lines: Vec<&str> = [Some(notes).filter(|n| !n.is_empty()), about.as_deref()].into_iter().flatten().collect();
    (!lines.is_empty()).then(|| text(&lines.join("\n")))
}

/// A display alarm `minutes` before the start.
fn reminder(task: &Task, minutes: u32, stamp: DateTime<Utc>) -> Alarm {
    let mut alarm = Alarm::display(&text(&task.title), Trigger::before_start(TimeDelta::minutes(i64::from(minutes))));
    // The crate writes a trigger with chrono's duration format, in seconds (`-PT900S`): valid,
    // but the minutes the user chose read better and are what Outlook writes. RELATED=START is
    // the default and left out.
    let trigger = if minutes == 0 { "PT0M".to_owned() } else { format!("-PT{minutes}M") };
    alarm.append_property(Property::new("TRIGGER", trigger));
    // icalendar 0.17 writes every component it holds with a DTSTAMP and a UID, made up (the
    // current time, a random UUID) when missing. Setting both keeps the output deterministic:
    // a UID in a VALARM is RFC 9074's, and DTSTAMP is allowed there as an IANA property.
    alarm.uid(&format!("{}-reminder", task.ics_uid.trim())).timestamp(stamp);
    alarm.done()
}

fn mailto(party: &Party) -> String {
    format!("mailto:{}", party.email.trim())
}

/// A TEXT value as RFC 5545 allows it: line breaks as LF (the crate escapes them as `\n`) and
/// no other control characters, so that nothing in a title can end a content line.
fn text(value: &str) -> String {
    value.replace("\r\n", "\n").replace('\r', "\n").chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).collect()
}

/// A parameter value (CN): one line, no double quote (the crate quotes values that hold `:;,`
/// and a quoted string cannot contain one).
fn parameter(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).map(|c| if c == '"' { '\'' } else { c }).collect()
}

/// The calendar as text, with a VTIMEZONE for every zone its events' TZIDs name, ahead of the
/// events.
fn render(calendar: &Calendar, slots: &[Slot]) -> String {
    // One window per zone: from the year before its first event to the year after its last.
    let mut windows: BTreeMap<&str, (Tz, i32, i32)> = BTreeMap::new();
    for (zone, slot) in slots.iter().filter_map(|slot| Some((slot.tzid_zone()?, slot))) {
        let (first, last) = (slot.start.with_timezone(&zone).year(), slot.end.with_timezone(&zone).year());
        windows
            .entry(zone.name())
            .and_modify(|(_, from, until)| {
                *from = (*from).min(first);
                *until = (*until).max(last);
            })
            .or_insert((zone, first, last));
    }
    let zones: String = windows.into_values().map(|(zone, first, last)| vtimezone(zone, first - 1, last + 1)).collect();

    let mut out = calendar.to_string();
    // icalendar 0.17 has no VTIMEZONE component: its generic one (`Other`) cannot be built
    // except by parsing text, and is written with a made-up DTSTAMP and UID. So the zones are
    // written by `vtimezone` (its properties still through the crate) and put before the first
    // event. Text values cannot contain a line break (escaped, and `text` removes CR), so
    // "\r\nBEGIN:VEVENT\r\n" can only be the start of the first event.
    if let Some(at) = out.find("\r\nBEGIN:VEVENT\r\n") {
        out.insert_str(at + 2, &zones);
    }
    fold_long_lines(&out)
}

/// A VTIMEZONE for `zone` that covers the years `first..=last`: one STANDARD or DAYLIGHT
/// sub-component for the offset in force on 1 January of `first`, and one per change after it.
///
/// Hand-written because no crate turns chrono-tz data into a VTIMEZONE. Each change is its own
/// sub-component (DTSTART without RRULE), which every reader understands and which is exact for
/// the years covered, including zones whose rules changed.
fn vtimezone(zone: Tz, first: i32, last: i32) -> String {
    let year_start = |year: i32| NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let mut out = String::from("BEGIN:VTIMEZONE\r\n");
    out.push_str(&content_line(Property::new("TZID", zone.name())));
    for change in offset_changes(zone, year_start(first), year_start(last + 1)) {
        let kind = if change.offset.dst_offset() > TimeDelta::zero() { "DAYLIGHT" } else { "STANDARD" };
        // DTSTART is the local time the change happens at, in the offset before it.
        let local = change.at.with_timezone(&change.before).naive_local();
        out.push_str(&format!("BEGIN:{kind}\r\n"));
        out.push_str(&content_line(Property::new("DTSTART", local.format("%Y%m%dT%H%M%S").to_string())));
        out.push_str(&content_line(Property::new("TZOFFSETFROM", utc_offset(change.before))));
        out.push_str(&content_line(Property::new("TZOFFSETTO", utc_offset(change.offset.fix()))));
        if let Some(name) = change.offset.abbreviation() {
            out.push_str(&content_line(Property::new("TZNAME", name)));
        }
        out.push_str(&format!("END:{kind}\r\n"));
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
}

/// A zone's offset from a moment on.
struct OffsetChange {
    at: DateTime<Utc>,
    /// The UTC offset before `at`.
    before: FixedOffset,
    offset: TzOffset,
}

/// The offset in force at `from` (as a "change" from itself), then every change until `until`.
///
/// chrono-tz does not expose its transition table, so it is probed: hourly, then bisected to
/// the second once the offset (or its name) differs.
fn offset_changes(zone: Tz, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<OffsetChange> {
    let offset_at = |at: DateTime<Utc>| zone.offset_from_utc_datetime(&at.naive_utc());
    let mut current = offset_at(from);
    let mut changes = vec![OffsetChange { at: from, before: current.fix(), offset: current }];
    let mut at = from;
    while at < until {
        let next = at + TimeDelta::hours(1);
        if offset_at(next) == current {
            at = next;
            continue;
        }
        let (mut unchanged, mut changed) = (at, next);
        while changed - unchanged > TimeDelta::seconds(1) {
            let middle = unchanged + (changed - unchanged) / 2;
            if offset_at(middle) == current {
                unchanged = middle;
            } else {
                changed = middle;
            }
        }
        let offset = offset_at(changed);
        changes.push(OffsetChange { at: changed, before: current.fix(), offset });
        current = offset;
        // Scan on from the change itself, in case another one follows within the hour.
        at = changed;
    }
    changes
}

/// An RFC 5545 UTC offset: `+0100`, `-0430`, with seconds only when there are some.
fn utc_offset(offset: FixedOffset) -> String {
    let seconds = offset.local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let seconds = seconds.unsigned_abs();
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if seconds == 0 { format!("{sign}{hours:02}{minutes:02}") } else { format!("{sign}{hours:02}{minutes:02}{seconds:02}") }
}

/// One property as a folded, escaped content line (CRLF included), written by the crate.
fn content_line(property: Property) -> String {
    property.try_into().expect("writing to a String cannot fail")
}

/// Folds every content line to at most 75 octets (RFC 5545 §3.1).
///
/// The crate folds, but icalendar 0.17.17 lets the last piece of a folded line reach 76 octets
/// (it measures what remains without the space that starts a continuation line), so the lines
/// it left too long are split again here, at character boundaries.
fn fold_long_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 64);
    for line in text.split_inclusive("\r\n") {
        let content = line.strip_suffix("\r\n").unwrap_or(line);
        if content.len() <= MAX_LINE_OCTETS {
            out.push_str(line);
            continue;
        }
        let mut rest = content;
        let mut limit = MAX_LINE_OCTETS;
        while !rest.is_empty() {
            let mut end = limit.min(rest.len());
            while !rest.is_char_boundary(end) {
                end -= 1;
            }
            if limit < MAX_LINE_OCTETS {
                out.push(' ');
            }
            out.push_str(&rest[..end]);
            out.push_str("\r\n");
            rest = &rest[end..];
            // Continuation lines start with a space.
            limit = MAX_LINE_OCTETS - 1;
        }
    }
    out
}
