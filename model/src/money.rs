//! Money and percentages as people type and read them. Amounts are integer minor units (cents);
//! percentages are basis points (1 % = 100). Shared so that the UI and exports format alike.

/// `"12,500.5"` → `1_250_050`. Empty text is `None`. Thousands separators and a leading currency
/// sign are accepted; more than two decimals, or anything else, is an error message.
pub fn parse_cents(text: &str) -> Result<Option<i64>, String> {
    let cleaned: String = text.trim().trim_start_matches(['$', '€', '£']).chars().filter(|c| *c != ',' && *c != ' ').collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    parse_fixed(&cleaned, 2).map(Some).ok_or_else(|| format!("{:?} is not an amount like 12,500.00.", text.trim()))
}

/// `1_250_050` → `"12,500.50"`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", group_thousands(cents / 100), cents % 100)
}

/// A quantity as typed, `"1.5"` → `1500` thousandths. Empty text is `None`.
pub fn parse_milli(text: &str) -> Result<Option<i64>, String> {
    let cleaned: String = text.trim().chars().filter(|c| *c != ',' && *c != ' ').collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    parse_fixed(&cleaned, 3).map(Some).ok_or_else(|| format!("{:?} is not a quantity like 2 or 1.5.", text.trim()))
}

/// `"2.5"` (percent) → `250` basis points.
pub fn parse_percent_bp(text: &str) -> Result<u32, String> {
    let cleaned = text.trim().trim_end_matches('%').trim();
    if cleaned.is_empty() {
        return Ok(0);
    }
    parse_fixed(cleaned, 2)
        .and_then(|bp| u32::try_from(bp).ok())
        .ok_or_else(|| format!("{:?} is not a percentage like 2.5.", text.trim()))
}

/// `250` → `"2.50"`.
pub fn format_bp(bp: u32) -> String {
    format!("{}.{:02}", bp / 100, bp % 100)
}

/// A non-negative decimal with at most `decimals` digits after the point, scaled to an integer.
fn parse_fixed(text: &str, decimals: u32) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.len() > decimals as usize {
        return None;
    }
    if !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let fraction: i64 = format!("{fraction:0<width$}", width = decimals as usize).parse().ok()?;
    whole.checked_mul(10_i64.pow(decimals))?.checked_add(fraction)
}

/// `1234567` → `"1,234,567"`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_trip_without_floating_point() {
        for (text, cents) in [("12,500.5", 1_250_050), ("$0.07", 7), ("1000", 100_000), (".5", 50), ("19.99", 1_999)] {
            assert_eq!(parse_cents(text), Ok(Some(cents)), "{text}");
        }
        assert_eq!(parse_cents("  "), Ok(None));
        for bad in ["1.234", "12a", "-5", "1.2.3", "."] {
            assert!(parse_cents(bad).is_err(), "{bad}");
        }
        assert_eq!(format_cents(1_250_050), "12,500.50");
        assert_eq!(format_cents(7), "0.07");
        assert_eq!(format_cents(-123_456), "-1,234.56");
        assert!(parse_cents("99999999999999999999").is_err(), "overflow is an error, not a wrap");
    }

    #[test]
    fn percentages_are_basis_points() {
        assert_eq!(parse_percent_bp("2.5"), Ok(250));
        assert_eq!(parse_percent_bp("10 %"), Ok(1_000));
        assert_eq!(parse_percent_bp(""), Ok(0));
        assert!(parse_percent_bp("2.555").is_err());
        assert_eq!(format_bp(250), "2.50");
    }
}
