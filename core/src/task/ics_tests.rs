//! Invitations read back by independent readers: Python's `icalendar` package (Debian's
//! python3-icalendar, run with /usr/bin/python3) and khal, a calendar program that imports
//! them. Both must be installed (`./x test` installs them); a test fails, never skips, without.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use chrono::{DateTime, Utc};
use crm_model::{Priority, Task, TaskStatus};
use serde_json::Value;

use super::ics::{self, Method, Party};
use crate::CoreError;

const PYTHON: &str = "/usr/bin/python3";
const KHAL: &str = "/usr/bin/khal";
const INSTALL_HINT: &str = "run `./x test`, which installs khal, python3-icalendar and python3-aiosmtpd";

/// Reads an .ics with Python's `icalendar` and prints what the tests check, as JSON.
///
/// `*_utc` is the instant as Python's own time zone database (pytz) reads the TZID;
/// `*_vtimezone_utc` is the instant the file's VTIMEZONE gives (RFC 5545 §3.3.5: a wall time
/// that occurs twice is the first of the two), which tests the generated VTIMEZONE itself.
const READ_ICS: &str = r#"
import datetime, json, sys
from icalendar import Calendar

def utc(dt):
    return dt.astimezone(datetime.timezone.utc)

def text(dt):
    return None if dt is None else dt.strftime('%Y-%m-%dT%H:%M:%SZ')

cal = Calendar.from_ical(open(sys.argv[1], 'rb').read())
zones = {str(vtz['TZID']): vtz.to_tz() for vtz in cal.walk('VTIMEZONE')}

def by_vtimezone(prop):
    tzid = prop.params.get('TZID')
    if tzid is None:
        return utc(prop.dt)
    zone = zones[str(tzid)]
    wall = prop.dt.replace(tzinfo=None)
    return min(utc(zone.localize(wall, is_dst=dst)) for dst in (True, False))

def listed(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]

events = []
for ev in cal.walk('VEVENT'):
    start, end = ev['DTSTART'], ev.get('DTEND')
    alarms = []
    for alarm in ev.walk('VALARM'):
        trigger = alarm.decoded('TRIGGER')
        alarms.append({
            'action': str(alarm['ACTION']),
            'description': str(alarm['DESCRIPTION']),
            'trigger_minutes': trigger.total_seconds() / 60,
            'fires_utc': text(by_vtimezone(start) + trigger),
        })
    events.append({
        'uid': str(ev['UID']),
        'sequence': int(ev['SEQUENCE']),
        'summary': str(ev['SUMMARY']),
        'description': str(ev['DESCRIPTION']) if 'DESCRIPTION' in ev else None,
        'status': str(ev['STATUS']),
        'priority': int(ev['PRIORITY']),
        'start': start.dt.isoformat(),
        'start_tzid': start.params.get('TZID'),
        'start_utc': text(utc(start.dt)),
        'start_vtimezone_utc': text(by_vtimezone(start)),
        'end_utc': text(utc(end.dt)) if end is not None else None,
        'end_vtimezone_utc': text(by_vtimezone(end)) if end is not None else None,
        'organizer': str(ev['ORGANIZER']),
        'organizer_cn': ev['ORGANIZER'].params.get('CN'),
        'attendees': [{
            'address': str(a),
            'cn': a.params.get('CN'),
            'role': a.params.get('ROLE'),
            'partstat': a.params.get('PARTSTAT'),
            'rsvp': a.params.get('RSVP'),
        } for a in listed(ev.get('ATTENDEE'))],
        'alarms': alarms,
    })

print(json.dumps({
    'version': str(cal['VERSION']),
    'prodid': str(cal['PRODID']),
    'method': str(cal['METHOD']),
    'name': str(cal['NAME']) if 'NAME' in cal else None,
    'x_wr_calname': str(cal['X-WR-CALNAME']) if 'X-WR-CALNAME' in cal else None,
    'timezones': sorted(zones),
    'standard_per_zone': {str(z['TZID']): len(z.walk('STANDARD')) for z in cal.walk('VTIMEZONE')},
    'daylight_per_zone': {str(z['TZID']): len(z.walk('DAYLIGHT')) for z in cal.walk('VTIMEZONE')},
    'errors': [[c.name, c.errors] for c in cal.walk() if c.errors],
    'events': events,
}))
"#;

fn python_read(ics: &str) -> Value {
    assert!(Path::new(PYTHON).exists(), "{PYTHON} is missing: {INSTALL_HINT}");
    let dir = tempfile::tempdir().unwrap();
    let (script, file) = (dir.path().join("read_ics.py"), dir.path().join("task.ics"));
    std::fs::write(&script, READ_ICS).unwrap();
    std::fs::write(&file, ics).unwrap();
    let output = Command::new(PYTHON).arg(&script).arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("No module named 'icalendar'"), "{PYTHON} has no icalendar package: {INSTALL_HINT}");
    assert!(output.status.success(), "Python could not read the .ics:\n{stderr}\n{ics}");
    let read: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(read["errors"], serde_json::json!([]), "Python reported parse errors in\n{ics}");
    read
}

/// A khal installation of its own (config, calendar folder, database) that shows times in
/// `zone`.
struct Khal {
    dir: tempfile::TempDir,
    zone: &'static str,
}

impl Khal {
    fn new(zone: &'static str) -> Khal {
        assert!(Path::new(KHAL).exists(), "{KHAL} is missing: {INSTALL_HINT}");
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().display();
        std::fs::create_dir(dir.path().join("cal")).unwrap();
        let config = format!(
            "[calendars]\n[[crm]]\npath = {root}/cal\ntype = calendar\n\
             [sqlite]\npath = {root}/khal.db\n\
             [locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n\
             datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n\
             local_timezone = {zone}\ndefault_timezone = {zone}\n\
             [default]\ndefault_calendar = crm\n"
        );
        std::fs::write(dir.path().join("khal.conf"), config).unwrap();
        Khal { dir, zone }
    }

    fn command(&self) -> Command {
        let root = self.dir.path();
        let mut command = Command::new(KHAL);
        command
            .arg("-c")
            .arg(root.join("khal.conf"))
            .env("HOME", root)
            .env("XDG_CONFIG_HOME", root)
            .env("XDG_DATA_HOME", root)
            .env("XDG_CACHE_HOME", root)
            .env("TZ", self.zone)
            .env("LC_ALL", "C.UTF-8");
        command
    }

    fn import(&self, ics: &str) {
        let file: PathBuf = self.dir.path().join("import.ics");
        std::fs::write(&file, ics).unwrap();
        let output = self.command().args(["import", "--batch", "-a", "crm"]).arg(&file).output().unwrap();
        assert!(output.status.success(), "khal import failed: {}\n{ics}", String::from_utf8_lossy(&output.stderr));
    }

    /// "start end title" of every event from `from` to `to` (dates, inclusive).
    fn list(&self, from: &str, to: &str) -> Vec<String> {
        let output = self.command().args(["list", "--format", "{start} {end} {title}", "--day-format", "", from, to]).output().unwrap();
        assert!(output.status.success(), "khal list failed: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap().lines().filter(|line| !line.trim().is_empty()).map(str::to_owned).collect()
    }
}

/// 2026-01-15T10:00:00Z, the transaction time of every invitation here.
const STAMP_MS: i64 = 1_768_471_200_000;

fn organizer() -> Party {
    Party { name: "Grace Hopper".into(), email: "grace@example.com".into() }
}

fn assignee() -> Party {
    Party { name: "Ada Lovelace".into(), email: "ada@example.com".into() }
}

/// A task due at `due_local` in `time_zone`, which is the UTC moment `due_at` (worked out here
/// by hand, independently of the core).
fn task(uid: &str, title: &str, due_local: &str, time_zone: &str, due_at: &str) -> Task {
    Task {
        id: uuid::Uuid::from_u128(0x7a5c),
        title: title.into(),
        notes: String::new(),
        due_at: due_at.into(),
        due_local: due_local.into(),
        time_zone: time_zone.into(),
        duration_minutes: 30,
        assignee_id: None,
        assignee: None,
        related: None,
        related_name: None,
        note_id: None,
        priority: Priority::Normal,
        status: TaskStatus::Open,
        reminder_minutes: None,
        remind_at: None,
        ics_uid: format!("{uid}@keel-crm"),
        ics_sequence: 0,
        completed_at: None,
        created_at: "2026-01-15T10:00:00.000Z".into(),
        updated_at: "2026-01-15T10:00:00.000Z".into(),
    }
}

fn request(task: &Task) -> String {
    ics::invitation(task, Method::Request, &organizer(), Some(&assignee()), STAMP_MS).unwrap()
}

fn instant(text: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text.as_str().unwrap_or_else(|| panic!("not a time: {text}"))).unwrap().with_timezone(&Utc)
}

fn due(task: &Task) -> DateTime<Utc> {
    instant(&Value::from(task.due_at.as_str()))
}

/// The one event of an invitation, with the checks every invitation must pass.
fn only_event(read: &Value) -> &Value {
    let events = read["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{read:#}");
    &events[0]
}

#[test]
fn a_request_reads_back_with_its_zone_people_and_reminder() {
    let task = Task {
        notes: "Bring the price list.".into(),
        related_name: Some("Acme Tools".into()),
        priority: Priority::High,
        reminder_minutes: Some(15),
        ics_sequence: 3,
        ..task("t1", "Call Acme about the quote", "2026-03-30T09:00", "Europe/Berlin", "2026-03-30T07:00:00.000Z")
    };
    let ics = request(&task);
    let read = python_read(&ics);
    assert_eq!(read["version"], "2.0");
    assert_eq!(read["prodid"], "-//Keel CRM//Tasks//EN");
    assert_eq!(read["method"], "REQUEST");
    assert_eq!(read["timezones"], serde_json::json!(["Europe/Berlin"]));

    let event = only_event(&read);
    assert_eq!(event["uid"], "t1@keel-crm");
    assert_eq!(event["sequence"], 3);
    assert_eq!(event["summary"], "Call Acme about the quote");
    assert_eq!(event["description"], "Bring the price list.\nAbout: Acme Tools");
    assert_eq!(event["status"], "CONFIRMED");
    assert_eq!(event["priority"], 1);
    // The organiser's wall time and zone, and the right instant both by Python's time zone
    // database and by the VTIMEZONE in the file.
    assert_eq!(event["start_tzid"], "Europe/Berlin");
    assert_eq!(event["start"], "2026-03-30T09:00:00+02:00");
    assert_eq!(instant(&event["start_utc"]), due(&task));
    assert_eq!(instant(&event["start_vtimezone_utc"]), due(&task));
    assert_eq!(event["end_utc"], "2026-03-30T07:30:00Z");
    assert_eq!(event["end_vtimezone_utc"], "2026-03-30T07:30:00Z");
    assert_eq!(event["organizer"], "mailto:grace@example.com");
    assert_eq!(event["organizer_cn"], "Grace Hopper");
    assert_eq!(
        event["attendees"],
        serde_json::json!([{
            "address": "mailto:ada@example.com",
            "cn": "Ada Lovelace",
            "role": "REQ-PARTICIPANT",
            "partstat": "NEEDS-ACTION",
            "rsvp": "TRUE",
        }])
    );
    assert_eq!(
        event["alarms"],
        serde_json::json!([{
            "action": "DISPLAY",
            "description": "Call Acme about the quote",
            "trigger_minutes": -15.0,
            "fires_utc": "2026-03-30T06:45:00Z",
        }])
    );

    // The text itself: CRLF line ends only, the stamp given, and the same bytes every time.
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert_eq!(ics.matches('\n').count(), ics.matches("\r\n").count(), "{ics}");
    assert!(ics.contains("\r\nDTSTART;TZID=Europe/Berlin:20260330T090000\r\n"), "{ics}");
    assert!(ics.contains("\r\nDTEND;TZID=Europe/Berlin:20260330T093000\r\n"), "{ics}");
    assert!(ics.contains("\r\nDTSTAMP:20260115T100000Z\r\n"), "{ics}");
    assert!(ics.contains("\r\nTRIGGER:-PT15M\r\n"), "{ics}");
    assert!(ics.contains("\r\nTRANSP:OPAQUE\r\n"), "{ics}");
    assert!(ics.find("BEGIN:VTIMEZONE") < ics.find("BEGIN:VEVENT"), "zones come first: {ics}");
    assert_eq!(request(&task), ics);
}

#[test]
fn khal_shows_the_task_at_its_wall_time_and_converted_elsewhere() {
    let task = task("t2", "Quote follow-up", "2026-06-10T09:30", "Europe/Berlin", "2026-06-10T07:30:00.000Z");
    let ics = request(&task);

    let berlin = Khal::new("Europe/Berlin");
    berlin.import(&ics);
    assert_eq!(berlin.list("2026-06-10", "2026-06-10"), ["2026-06-10 09:30 2026-06-10 10:00 Quote follow-up"]);

    // 07:30Z is 03:30 in New York (EDT, -04:00).
    let new_york = Khal::new("America/New_York");
    new_york.import(&ics);
    assert_eq!(new_york.list("2026-06-10", "2026-06-10"), ["2026-06-10 03:30 2026-06-10 04:00 Quote follow-up"]);
}

#[test]
fn reminders_and_times_stay_right_across_daylight_saving_changes() {
    // Berlin springs forward on 29 March 2026: a reminder a day before a Monday 09:00 (CEST,
    // 07:00Z) fires on Sunday at 09:00 CEST, 07:00Z too (24 hours, not one calendar day).
    let berlin = Task {
        reminder_minutes: Some(1440),
        ..task("dst1", "Monday call", "2026-03-30T09:00", "Europe/Berlin", "2026-03-30T07:00:00.000Z")
    };
    let ics = request(&berlin);
    assert!(ics.contains("\r\nTRIGGER:-PT1440M\r\n"), "{ics}");
    let read = python_read(&ics);
    let event = only_event(&read);
    assert_eq!(event["start_utc"], "2026-03-30T07:00:00Z");
    assert_eq!(event["start_vtimezone_utc"], "2026-03-30T07:00:00Z");
    assert_eq!(event["alarms"][0]["trigger_minutes"], -1440.0);
    assert_eq!(event["alarms"][0]["fires_utc"], "2026-03-29T07:00:00Z");

    // New York springs forward on 8 March 2026 (EST -05:00 to EDT -04:00).
    let spring = Task {
        reminder_minutes: Some(1440),
        ..task("dst2", "Monday call", "2026-03-09T09:00", "America/New_York", "2026-03-09T13:00:00.000Z")
    };
    let read = python_read(&request(&spring));
    let event = only_event(&read);
    assert_eq!(event["start"], "2026-03-09T09:00:00-04:00");
    assert_eq!(event["start_vtimezone_utc"], "2026-03-09T13:00:00Z");
    assert_eq!(event["alarms"][0]["fires_utc"], "2026-03-08T13:00:00Z");

    // ... and falls back on 1 November 2026: 09:00 that day is EST, 14:00Z.
    let fall = task("dst3", "Sunday call", "2026-11-01T09:00", "America/New_York", "2026-11-01T14:00:00.000Z");
    let read = python_read(&request(&fall));
    let event = only_event(&read);
    assert_eq!(event["start_utc"], "2026-11-01T14:00:00Z");
    assert_eq!(event["start_vtimezone_utc"], "2026-11-01T14:00:00Z");
    assert_eq!(event["end_vtimezone_utc"], "2026-11-01T14:30:00Z");

    // 01:30 that night happens twice; the core means the first (EDT, 05:30Z), as RFC 5545
    // reads such a wall time, but pytz-based readers take the second (Python's icalendar 4 reads
    // 06:30Z, and khal then refuses the event, its end being before its start). So a wall time
    // that happens twice is written in UTC, as is the end, 06:00Z (01:00 EST, the second 01:00).
    let ambiguous = task("dst4", "Night call", "2026-11-01T01:30", "America/New_York", "2026-11-01T05:30:00.000Z");
    let ics = request(&ambiguous);
    assert!(ics.contains("\r\nDTSTART:20261101T053000Z\r\n"), "{ics}");
    assert!(ics.contains("\r\nDTEND:20261101T060000Z\r\n"), "{ics}");
    assert!(!ics.contains("VTIMEZONE"), "no TZID, no VTIMEZONE: {ics}");
    let read = python_read(&ics);
    let event = only_event(&read);
    assert_eq!(instant(&event["start_utc"]), due(&ambiguous));
    assert_eq!(event["end_utc"], "2026-11-01T06:00:00Z");
    let new_york = Khal::new("America/New_York");
    new_york.import(&ics);
    // An hour before the clocks go back: 00:45 EDT is unambiguous, its end 01:45 EDT is not.
    let before =
        Task { duration_minutes: 60, ..task("dst5", "Late call", "2026-11-01T00:45", "America/New_York", "2026-11-01T04:45:00.000Z") };
    let ics = request(&before);
    assert!(ics.contains("\r\nDTSTART;TZID=America/New_York:20261101T004500\r\n"), "{ics}");
    assert!(ics.contains("\r\nDTEND:20261101T054500Z\r\n"), "{ics}");
    let read = python_read(&ics);
    let event = only_event(&read);
    assert_eq!(event["start_utc"], "2026-11-01T04:45:00Z");
    assert_eq!(event["start_vtimezone_utc"], "2026-11-01T04:45:00Z");
    assert_eq!(event["end_utc"], "2026-11-01T05:45:00Z");
    new_york.import(&ics);
    assert_eq!(
        new_york.list("2026-11-01", "2026-11-01"),
        ["2026-11-01 00:45 2026-11-01 01:45 Late call", "2026-11-01 01:30 2026-11-01 01:00 Night call"]
    );

    // 90 minutes from 01:30 CET (00:30Z) on the night Berlin springs forward end at 02:00Z,
    // 04:00 CEST: the event keeps its length, though the wall clock shows 2½ hours.
    let across = Task {
        duration_minutes: 90,
        ..task("dst6", "Night shift handover", "2026-03-29T01:30", "Europe/Berlin", "2026-03-29T00:30:00.000Z")
    };
    let ics = request(&across);
    assert!(ics.contains("\r\nDTEND;TZID=Europe/Berlin:20260329T040000\r\n"), "{ics}");
    let read = python_read(&ics);
    let event = only_event(&read);
    assert_eq!(event["start_utc"], "2026-03-29T00:30:00Z");
    assert_eq!(event["end_utc"], "2026-03-29T02:00:00Z");
    assert_eq!(event["start_vtimezone_utc"], "2026-03-29T00:30:00Z");
    assert_eq!(event["end_vtimezone_utc"], "2026-03-29T02:00:00Z");
}

#[test]
fn a_reschedule_raises_the_sequence_and_a_cancel_keeps_the_uid() {
    let first =
        Task { reminder_minutes: Some(30), ..task("t3", "Site visit", "2026-05-04T10:00", "Europe/Berlin", "2026-05-04T08:00:00.000Z") };
    let moved = Task {
        due_local: "2026-05-05T14:00".into(),
        due_at: "2026-05-05T12:00:00.000Z".into(),
        ics_sequence: first.ics_sequence + 1,
        ..first.clone()
    };
    let before = python_read(&request(&first));
    let after = python_read(&request(&moved));
    let (before, after) = (only_event(&before), only_event(&after));
    assert_eq!(after["uid"], before["uid"]);
    assert_eq!(before["sequence"], 0);
    assert_eq!(after["sequence"], 1);
    assert_eq!(after["start"], "2026-05-05T14:00:00+02:00");
    assert_eq!(after["start_vtimezone_utc"], "2026-05-05T12:00:00Z");

    let cancelled = Task { status: TaskStatus::Cancelled, ics_sequence: 2, ..moved };
    let ics = ics::invitation(&cancelled, Method::Cancel, &organizer(), Some(&assignee()), STAMP_MS).unwrap();
    assert!(!ics.contains("VALARM"), "{ics}");
    let read = python_read(&ics);
    assert_eq!(read["method"], "CANCEL");
    let event = only_event(&read);
    assert_eq!(event["uid"], "t3@keel-crm");
    assert_eq!(event["sequence"], 2);
    assert_eq!(event["status"], "CANCELLED");
    assert_eq!(event["alarms"], serde_json::json!([]));
    assert_eq!(event["attendees"][0]["address"], "mailto:ada@example.com");
}

#[test]
fn a_calendar_of_tasks_in_two_zones_has_one_vtimezone_per_zone() {
    let tasks = [
        Task { reminder_minutes: Some(10), ..task("c1", "Call Acme", "2026-04-14T09:00", "Europe/Berlin", "2026-04-14T07:00:00.000Z") },
        task("c2", "Send quote", "2026-04-14T16:00", "Europe/Berlin", "2026-04-14T14:00:00.000Z"),
        task("c3", "Call Globex", "2026-04-14T11:00", "America/New_York", "2026-04-14T15:00:00.000Z"),
    ];
    let ics = ics::calendar(&tasks, "Keel CRM tasks of Ada; Sales, EMEA", &organizer(), STAMP_MS).unwrap();
    let read = python_read(&ics);
    assert_eq!(read["method"], "PUBLISH");
    assert_eq!(read["name"], "Keel CRM tasks of Ada; Sales, EMEA");
    assert_eq!(read["x_wr_calname"], "Keel CRM tasks of Ada; Sales, EMEA");
    assert_eq!(read["timezones"], serde_json::json!(["America/New_York", "Europe/Berlin"]));
    assert_eq!(ics.matches("BEGIN:VTIMEZONE").count(), 2, "{ics}");
    let events = read["events"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    for (event, task) in events.iter().zip(&tasks) {
        assert_eq!(event["uid"], task.ics_uid);
        assert_eq!(event["start_tzid"], task.time_zone);
        assert_eq!(instant(&event["start_vtimezone_utc"]), due(task));
        assert_eq!(event["attendees"], serde_json::json!([]), "no RSVP in a published calendar");
    }
    assert_eq!(events[0]["alarms"][0]["trigger_minutes"], -10.0);

    let khal = Khal::new("Europe/Berlin");
    khal.import(&ics);
    assert_eq!(
        khal.list("2026-04-14", "2026-04-14"),
        [
            "2026-04-14 09:00 2026-04-14 09:30 Call Acme",
            "2026-04-14 16:00 2026-04-14 16:30 Send quote",
            "2026-04-14 17:00 2026-04-14 17:30 Call Globex",
        ]
    );
}

#[test]
fn a_zone_without_changes_has_one_standard_and_utc_needs_none() {
    let tokyo = task("z1", "Call Osaka office", "2026-07-01T10:00", "Asia/Tokyo", "2026-07-01T01:00:00.000Z");
    let read = python_read(&request(&tokyo));
    assert_eq!(read["standard_per_zone"], serde_json::json!({ "Asia/Tokyo": 1 }));
    assert_eq!(read["daylight_per_zone"], serde_json::json!({ "Asia/Tokyo": 0 }));
    assert_eq!(only_event(&read)["start_vtimezone_utc"], "2026-07-01T01:00:00Z");

    let utc = task("z2", "Server window", "2026-07-01T22:00", "UTC", "2026-07-01T22:00:00.000Z");
    let ics = request(&utc);
    assert!(ics.contains("\r\nDTSTART:20260701T220000Z\r\n"), "{ics}");
    assert!(!ics.contains("VTIMEZONE") && !ics.contains("TZID"), "{ics}");
    let read = python_read(&ics);
    assert_eq!(only_event(&read)["start_utc"], "2026-07-01T22:00:00Z");
}

#[test]
fn text_is_escaped_and_lines_are_folded_to_75_octets() {
    let title = "Call, re: quote; ünïcode\nline2";
    // "SUMMARY:" and 142 octets make a line of 150: the crate alone would fold it into 75 + 76.
    let long_title = format!("Q{}", "x".repeat(141));
    let notes = "Zweite Runde: Preise für Großkunden, Lieferzeiten; Rabatte\r\nund Skonto. ".repeat(4);
    let awkward = Party { name: "O\"Brien, Pat; \"the boss\"".into(), email: "pat@example.com".into() };
    for title in [title, long_title.as_str()] {
        let task = Task {
            notes: notes.clone(),
            reminder_minutes: Some(5),
            ..task("e1", title, "2026-09-01T08:00", "Europe/Berlin", "2026-09-01T06:00:00.000Z")
        };
        let ics = ics::invitation(&task, Method::Request, &awkward, Some(&assignee()), STAMP_MS).unwrap();
        for line in ics.split_terminator("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
            assert!(!line.contains(['\r', '\n']), "{line:?}");
        }
        let read = python_read(&ics);
        let event = only_event(&read);
        assert_eq!(event["summary"], title);
        assert_eq!(event["alarms"][0]["description"], title);
        assert_eq!(event["description"], notes.replace("\r\n", "\n").trim_end());
        assert_eq!(event["organizer_cn"], "O'Brien, Pat; 'the boss'");
    }
    let escaped = request(&task("e2", title, "2026-09-01T08:00", "Europe/Berlin", "2026-09-01T06:00:00.000Z"));
    assert!(escaped.contains("\r\nSUMMARY:Call\\, re: quote\\; ünïcode\\nline2\r\n"), "{escaped}");
}

#[test]
fn a_task_without_a_usable_zone_or_due_time_is_refused() {
    let mut bad = task("b1", "Call", "2026-09-01T08:00", "Mars/Olympus", "2026-09-01T06:00:00.000Z");
    let error = ics::invitation(&bad, Method::Request, &organizer(), None, STAMP_MS).unwrap_err();
    assert!(matches!(&error, CoreError::Invalid(fields) if fields[0].field == "time_zone"), "{error:?}");

    bad.time_zone = "Europe/Berlin".into();
    bad.due_at = "next Tuesday".into();
    let error = ics::calendar(&[bad], "Tasks", &organizer(), STAMP_MS).unwrap_err();
    assert!(matches!(&error, CoreError::Invalid(fields) if fields[0].field == "due_at"), "{error:?}");
}
