//! Display formatting shared by the screens.

/// `1234567` as `1,234,567`.
pub fn count(n: u64) -> String {
    crm_model::money::group_thousands(n)
}

/// An RFC 3339 UTC timestamp in the user's local time zone and locale.
pub fn local_time(rfc3339: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
        if !date.get_time().is_nan() {
            return String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED));
        }
    }
    rfc3339.replacen('T', " ", 1).trim_end_matches('Z').split('.').next().unwrap_or(rfc3339).to_owned() + " UTC"
}

/// The date part of an RFC 3339 timestamp, in the user's locale.
pub fn local_date(rfc3339: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
        if !date.get_time().is_nan() {
            return String::from(date.to_locale_date_string("default", &wasm_bindgen::JsValue::UNDEFINED));
        }
    }
    rfc3339.split('T').next().unwrap_or(rfc3339).to_owned()
}

/// "First Last", or whichever of the two is set.
pub fn person(first: &str, last: &str) -> String {
    match (first.is_empty(), last.is_empty()) {
        (false, false) => format!("{first} {last}"),
        (true, _) => last.to_owned(),
        (_, true) => first.to_owned(),
    }
}

/// An address as its non-empty lines: street, "postcode city", region, country.
pub fn address(street: &str, postcode: &str, city: &str, region: &str, country: &str) -> Vec<String> {
    [street.to_owned(), format!("{postcode} {city}").trim().to_owned(), region.to_owned(), country.to_owned()]
        .into_iter()
        .filter(|line| !line.is_empty())
        .collect()
}

// Calendar days and due times. Tasks carry their due time as entered (`YYYY-MM-DDTHH:MM` in a
// named zone), so showing it needs no time-zone arithmetic, only the civil calendar below.

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `YYYY-MM-DD` as (year, month, day), if it is a real date.
pub fn parse_day(day: &str) -> Option<(i64, u32, u32)> {
    let mut parts = day.get(..10)?.splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day_of_month: u32 = parts.next()?.parse().ok()?;
    let valid = (1..=12).contains(&month) && day_of_month >= 1 && civil_from_days(days_from_civil(year, month, day_of_month)) == (year, month, day_of_month);
    valid.then_some((year, month, day_of_month))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = i64::from((month + 9) % 12);
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 } as u32;
    (era * 400 + year_of_era + i64::from(month <= 2), month, day)
}

/// The day `offset` days after (or before) `day`, as `YYYY-MM-DD`.
pub fn add_days(day: &str, offset: i64) -> Option<String> {
    let (year, month, day_of_month) = parse_day(day)?;
    let (year, month, day_of_month) = civil_from_days(days_from_civil(year, month, day_of_month) + offset);
    Some(format!("{year:04}-{month:02}-{day_of_month:02}"))
}

/// A task's due time as entered, with its zone: `Tue 24 Nov 2026, 09:30 · Europe/Berlin`.
pub fn due(due_local: &str, time_zone: &str) -> String {
    format!("{} · {time_zone}", due_wall(due_local))
}

/// A wall time `YYYY-MM-DDTHH:MM` as `Tue 24 Nov 2026, 09:30`; other text is shown as it is.
pub fn due_wall(due_local: &str) -> String {
    let time = due_local.get(11..16).filter(|t| due_local.as_bytes().get(10) == Some(&b'T') && t.as_bytes().get(2) == Some(&b':'));
    match (parse_day(due_local), time) {
        (Some((year, month, day)), Some(time)) => {
            // 1970-01-01, day 0, was a Thursday.
            let weekday = WEEKDAYS[(days_from_civil(year, month, day) + 3).rem_euclid(7) as usize];
            format!("{weekday} {day} {} {year}, {time}", MONTHS[month as usize - 1])
        }
        _ => due_local.to_owned(),
    }
}

/// The moment the device's local day `YYYY-MM-DD` starts, as RFC 3339 (what task filters take).
pub fn local_midnight(day: &str) -> Option<String> {
    let (year, month, day_of_month) = parse_day(day)?;
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new_with_year_month_day(year as u32, month as i32 - 1, day_of_month as i32);
        Some(String::from(date.to_iso_string()))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Some(format!("{year:04}-{month:02}-{day_of_month:02}T00:00:00Z"))
    }
}

/// The device's local day (`YYYY-MM-DD`) of a moment, or of the instant before it when
/// `just_before` (the last day an exclusive end covers). Plain dates count as UTC midnight.
pub fn local_day(moment: &str, just_before: bool) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(moment));
        if !date.get_time().is_nan() {
            if just_before {
                date.set_time(date.get_time() - 1.0);
            }
            return format!("{:04}-{:02}-{:02}", date.get_full_year(), date.get_month() + 1, date.get_date());
        }
    }
    let day = moment.get(..10).unwrap_or(moment);
    let at_midnight = moment.len() == 10 || moment.get(10..19) == Some("T00:00:00");
    match just_before && at_midnight {
        true => add_days(day, -1).unwrap_or_else(|| day.to_owned()),
        false => day.to_owned(),
    }
}

/// Tomorrow at 09:00 on the device's clock, `YYYY-MM-DDTHH:MM`: the due time a new task or
/// follow-up starts with. Empty outside the desktop window.
pub fn default_due() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let now = js_sys::Date::new_0();
        let today = format!("{:04}-{:02}-{:02}", now.get_full_year(), now.get_month() + 1, now.get_date());
        if let Some(tomorrow) = add_days(&today, 1) {
            return format!("{tomorrow}T09:00");
        }
    }
    String::new()
}

// Moments held as Unix milliseconds (sync times), shown on the device's clock. Outside the window
// (native tests) the device's clock is UTC, so the text is predictable.

/// (year, month, day, hour, minute) of a Unix-ms moment on the device's clock.
fn local_parts(ms: i64) -> (i64, u32, u32, u32, u32) {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        if !date.get_time().is_nan() {
            return (i64::from(date.get_full_year()), date.get_month() + 1, date.get_date(), date.get_hours(), date.get_minutes());
        }
    }
    let (year, month, day) = civil_from_days(ms.div_euclid(86_400_000));
    let minutes = ms.rem_euclid(86_400_000) / 60_000;
    (year, month, day, (minutes / 60) as u32, (minutes % 60) as u32)
}

/// A moment in full: `Tue 24 Nov 2026, 14:05`.
pub fn moment(ms: i64) -> String {
    let (year, month, day, hour, minute) = local_parts(ms);
    due_wall(&format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}"))
}

/// A moment as short as `now` allows: `14:05` today, `Mon 23 Nov, 14:05` this year, else
/// `23 Nov 2025, 14:05`. For status lines, where the full date is mostly noise.
pub fn moment_short(ms: i64, now_ms: i64) -> String {
    let (year, month, day, hour, minute) = local_parts(ms);
    let (this_year, this_month, today, _, _) = local_parts(now_ms);
    if (year, month, day) == (this_year, this_month, today) {
        return format!("{hour:02}:{minute:02}");
    }
    let name = MONTHS[month as usize - 1];
    if year == this_year {
        let weekday = WEEKDAYS[(days_from_civil(year, month, day) + 3).rem_euclid(7) as usize];
        format!("{weekday} {day} {name}, {hour:02}:{minute:02}")
    } else {
        format!("{day} {name} {year}, {hour:02}:{minute:02}")
    }
}

/// The device's clock now, as Unix milliseconds.
pub fn now_ms() -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
    }
}
