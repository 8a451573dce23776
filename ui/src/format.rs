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
