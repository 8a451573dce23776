//! Timestamp formatting at the boundary: the store keeps Unix milliseconds, the wire carries RFC 3339.

use chrono::{DateTime, SecondsFormat, Utc};

/// `2026-11-20T09:30:00.000Z`. Every list row carries a date, so this runs 50 times a page.
/// Written by hand because the fixed layout is a few digit pushes, while chrono's general
/// formatter (and humantime's, through `fmt`) took about a tenth of a company page (perf).
/// Years outside 0..=9999 go through chrono.
pub(crate) fn rfc3339(unix_ms: i64) -> String {
    use chrono::{Datelike, Timelike};
    let at = DateTime::<Utc>::from_timestamp_millis(unix_ms).unwrap_or_default();
    let year = at.year();
    if !(0..=9999).contains(&year) {
        return at.to_rfc3339_opts(SecondsFormat::Millis, true);
    }
    let mut out = String::with_capacity(24);
    let mut digits = |value: u32, width: u32, after: char| {
        for place in (0..width).rev() {
            out.push(char::from(b'0' + (value / 10u32.pow(place) % 10) as u8));
        }
        out.push(after);
    };
    digits(year as u32, 4, '-');
    digits(at.month(), 2, '-');
    digits(at.day(), 2, 'T');
    digits(at.hour(), 2, ':');
    digits(at.minute(), 2, ':');
    digits(at.second(), 2, '.');
    digits(at.timestamp_subsec_millis(), 3, 'Z');
    out
}

/// Wall-clock milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    Utc::now().timestamp_millis().max(0) as u64
}

/// The UTC day of a timestamp, `YYYY-MM-DD`.
pub(crate) fn day(unix_ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(unix_ms).unwrap_or_default().format("%Y-%m-%d").to_string()
}

/// An IANA time zone by name ("Europe/Berlin"), or a clear error naming the field.
pub(crate) fn zone(field: &str, name: &str) -> crate::Result<chrono_tz::Tz> {
    name.trim().parse::<chrono_tz::Tz>().map_err(|_| crate::CoreError::invalid(field, format!("{name:?} is not a known time zone; pick one such as Europe/Berlin.")))
}

/// This machine's time zone, UTC when the system does not say.
pub(crate) fn system_zone() -> String {
    iana_time_zone::get_timezone().ok().filter(|name| name.parse::<chrono_tz::Tz>().is_ok()).unwrap_or_else(|| "UTC".into())
}

/// A wall time `YYYY-MM-DDTHH:MM` (seconds allowed) in `tz` as Unix milliseconds.
///
/// Daylight-saving changes make some wall times special. A time that does not exist (02:30 on
/// the night clocks go forward) is refused with a message that says so, rather than silently
/// moved: the user chooses. A time that exists twice (02:30 on the night clocks go back) is the
/// first of the two, as Outlook and Google Calendar read it.
pub(crate) fn local_to_utc_ms(field: &str, local: &str, tz: chrono_tz::Tz) -> crate::Result<i64> {
    use chrono::{LocalResult, NaiveDateTime, TimeZone};
    let text = local.trim();
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| crate::CoreError::invalid(field, "Enter a date and time, e.g. 2026-11-24 09:30."))?;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Ok(at.timestamp_millis()),
        LocalResult::None => Err(crate::CoreError::invalid(
            field,
            format!("{} does not exist in {tz}: the clocks go forward that night. Choose a time an hour later or earlier.", naive.format("%Y-%m-%d %H:%M")),
        )),
    }
}

/// The moment a task's wall time means, for data from another device: like
/// [`local_to_utc_ms`], but a wall time the clocks skip (possible when one laptop changed the time
/// and another the zone) is read an hour later, where the clocks land, instead of refused.
pub(crate) fn synced_local_to_utc_ms(local: &str, zone_name: &str) -> Option<i64> {
    let tz = zone_name.trim().parse::<chrono_tz::Tz>().ok()?;
    local_to_utc_ms("due_local", local, tz).ok().or_else(|| {
        let naive = chrono::NaiveDateTime::parse_from_str(local.trim().get(..16)?, "%Y-%m-%dT%H:%M").ok()?;
        let later = (naive + chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M").to_string();
        local_to_utc_ms("due_local", &later, tz).ok()
    })
}

/// A wall time as the form shows it: `YYYY-MM-DDTHH:MM`.
pub(crate) fn normalise_local(local: &str) -> String {
    local.trim().get(..16).unwrap_or(local.trim()).to_owned()
}

/// The start of the local day `date` in `tz` as Unix milliseconds (midnight, or the first
/// existing minute when a daylight-saving change skips midnight).
pub(crate) fn day_start_ms(date: chrono::NaiveDate, tz: chrono_tz::Tz) -> i64 {
    use chrono::{LocalResult, TimeZone};
    let mut at = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    for _ in 0..180 {
        match tz.from_local_datetime(&at) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.timestamp_millis(),
            LocalResult::None => at += chrono::Duration::minutes(1),
        }
    }
    at.and_utc().timestamp_millis()
}

/// Today's date in `tz` at `now_ms`.
pub(crate) fn local_date(now_ms: i64, tz: chrono_tz::Tz) -> chrono::NaiveDate {
    DateTime::<Utc>::from_timestamp_millis(now_ms).unwrap_or_default().with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod zone_tests {
    use super::*;

    fn utc(ms: i64) -> String {
        rfc3339(ms)
    }

    #[test]
    fn wall_times_become_the_right_utc_moment_across_daylight_saving() {
        let berlin = zone("tz", "Europe/Berlin").unwrap();
        let new_york = zone("tz", "America/New_York").unwrap();
        // Winter (CET, +01:00) and summer (CEST, +02:00) in Berlin.
        assert_eq!(utc(local_to_utc_ms("due", "2026-03-28T09:30", berlin).unwrap()), "2026-03-28T08:30:00.000Z");
        assert_eq!(utc(local_to_utc_ms("due", "2026-03-29T09:30", berlin).unwrap()), "2026-03-29T07:30:00.000Z");
        // New York changes two weeks earlier (EST -05:00, EDT -04:00).
        assert_eq!(utc(local_to_utc_ms("due", "2026-03-07T09:30", new_york).unwrap()), "2026-03-07T14:30:00.000Z");
        assert_eq!(utc(local_to_utc_ms("due", "2026-03-08T09:30", new_york).unwrap()), "2026-03-08T13:30:00.000Z");
        // 02:30 does not exist the night Berlin springs forward; it is refused, not moved.
        let gap = local_to_utc_ms("due", "2026-03-29T02:30", berlin).unwrap_err();
        assert!(gap.to_string().contains("does not exist"), "{gap}");
        // 01:30 exists twice when New York falls back: the first (EDT) one.
        assert_eq!(utc(local_to_utc_ms("due", "2026-11-01T01:30", new_york).unwrap()), "2026-11-01T05:30:00.000Z");
        assert!(local_to_utc_ms("due", "tomorrow", berlin).is_err());
        assert!(zone("tz", "Mars/Olympus").is_err());
    }

    #[test]
    fn a_day_starts_at_local_midnight() {
        let berlin = zone("tz", "Europe/Berlin").unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
        assert_eq!(utc(day_start_ms(day, berlin)), "2026-10-24T22:00:00.000Z");
        // Santiago skips midnight when its clocks go forward: the day starts at 01:00.
        let santiago = zone("tz", "America/Santiago").unwrap();
        let skipped = chrono::NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        assert_eq!(utc(day_start_ms(skipped, santiago)), "2026-09-06T04:00:00.000Z");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_keeps_the_wire_layout_on_both_sides_of_1970() {
        assert_eq!(super::rfc3339(1_795_685_400_123), "2026-11-26T09:30:00.123Z");
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::rfc3339(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(super::rfc3339(253_402_300_800_000), "+10000-01-01T00:00:00.000Z");
    }
}
