//! Timestamps: the hybrid logical clock's packing and the last-writer-wins order.
//!
//! A hybrid logical clock value (HLC) is one `u64`: the upper 48 bits are wall-clock milliseconds
//! since the Unix epoch (UTC), the lower 16 bits a counter that orders events inside one
//! millisecond. It sorts as a plain integer and fits a signed 64-bit SQL integer for the next few
//! thousand years. The desktop core's clock (`core/src/hlc.rs`) issues these values; this module
//! is the definition both the core and the server share.
//!
//! A [`Stamp`] is an HLC plus the id of the device that issued it. Stamps are totally ordered:
//! first by HLC, then by the device id's bytes. Two devices never share an id, so two stamps from
//! different devices are never equal.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

const COUNTER_BITS: u32 = 16;

/// How far ahead of the receiver's wall clock a stamp may be: 24 hours, plus one minute of slack
/// for clocks that are merely a little off. A receiver refuses a change stamped further ahead, so
/// one computer with a wrong clock cannot drag every replica's clock into the future.
pub const MAX_FORWARD_SKEW_MS: u64 = 24 * 60 * 60 * 1000 + 60_000;

/// An HLC value from wall-clock milliseconds and a counter.
pub const fn pack(wall_ms: u64, counter: u16) -> u64 {
    (wall_ms << COUNTER_BITS) | counter as u64
}

/// The wall-clock milliseconds of an HLC value.
pub const fn wall_ms(hlc: u64) -> u64 {
    hlc >> COUNTER_BITS
}

/// The counter of an HLC value.
pub const fn counter(hlc: u64) -> u16 {
    // Truncation is the point: the counter is the low 16 bits.
    (hlc & 0xffff) as u16
}

/// Who wrote when: the last-writer-wins order of the merge rules.
///
/// The derived order compares `hlc` first and `device` second (by its bytes, which is also the
/// order of the lowercase hyphenated text form, so SQL can compare `(hlc, device_id)` directly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Stamp {
    pub hlc: u64,
    pub device: Uuid,
}

impl Stamp {
    pub const fn new(hlc: u64, device: Uuid) -> Self {
        Self { hlc, device }
    }

    /// The wall-clock milliseconds of this stamp.
    pub const fn wall_ms(self) -> u64 {
        wall_ms(self.hlc)
    }
}

/// A stamp too far in the future (see [`MAX_FORWARD_SKEW_MS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "This change is stamped {} ahead of the receiving computer's clock, more than the {} allowed. \
     Check the date and time of the computer that made the change (or of the receiver).",
    HoursMinutes(*.ahead_ms),
    HoursMinutes(MAX_FORWARD_SKEW_MS)
)]
pub struct SkewError {
    /// How far the stamp's wall time is ahead of the receiver's clock.
    pub ahead_ms: u64,
}

/// Refuse an HLC value whose wall time is more than [`MAX_FORWARD_SKEW_MS`] ahead of
/// `now_wall_ms`, the receiver's wall clock. Stamps in the past are always fine.
pub fn check_skew(hlc: u64, now_wall_ms: u64) -> Result<(), SkewError> {
    let ahead_ms = wall_ms(hlc).saturating_sub(now_wall_ms);
    if ahead_ms > MAX_FORWARD_SKEW_MS { Err(SkewError { ahead_ms }) } else { Ok(()) }
}

/// A duration as "25 h 3 min", rounded down to the minute.
struct HoursMinutes(u64);

impl fmt::Display for HoursMinutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let minutes = self.0 / 60_000;
        write!(f, "{} h {} min", minutes / 60, minutes % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn packing_round_trips() {
        let hlc = pack(1_700_000_000_123, 42);
        assert_eq!(wall_ms(hlc), 1_700_000_000_123);
        assert_eq!(counter(hlc), 42);
        assert!(pack(5, u16::MAX) < pack(6, 0), "the counter never reaches into the next millisecond");
        assert!(i64::try_from(pack(1 << 46, u16::MAX)).is_ok(), "fits a signed SQL integer");
    }

    #[test]
    fn stamps_order_by_hlc_then_device_bytes() {
        let early = Stamp::new(pack(10, 0), device(9));
        let late = Stamp::new(pack(10, 1), device(1));
        assert!(early < late, "the clock decides before the device");
        let low = Stamp::new(pack(10, 0), device(1));
        let high = Stamp::new(pack(10, 0), device(2));
        assert!(low < high, "equal clocks: the device id breaks the tie");
        assert_eq!(low.cmp(&low), std::cmp::Ordering::Equal);
        // The device bytes, most significant first, which is also the order of the text form.
        let a = Uuid::parse_str("0190a000-0000-7000-8000-00000000000f").unwrap();
        let b = Uuid::parse_str("0190a000-0000-7000-8000-000000000010").unwrap();
        assert!(Stamp::new(1, a) < Stamp::new(1, b));
        assert!(a.to_string() < b.to_string());
        assert_eq!(late.wall_ms(), 10);
    }

    #[test]
    fn skew_check_allows_up_to_the_bound() {
        let now = 1_700_000_000_000;
        assert_eq!(check_skew(pack(now, 7), now), Ok(()));
        assert_eq!(check_skew(pack(now - 1_000_000, 0), now), Ok(()), "the past is fine");
        assert_eq!(check_skew(pack(0, 0), now), Ok(()));
        assert_eq!(check_skew(pack(now + MAX_FORWARD_SKEW_MS, u16::MAX), now), Ok(()));
        assert_eq!(
            check_skew(pack(now + MAX_FORWARD_SKEW_MS + 1, 0), now),
            Err(SkewError { ahead_ms: MAX_FORWARD_SKEW_MS + 1 })
        );
        assert_eq!(check_skew(u64::MAX, now).unwrap_err().ahead_ms, wall_ms(u64::MAX) - now);
    }

    #[test]
    fn skew_error_reads_in_hours_and_minutes() {
        let error = SkewError { ahead_ms: (25 * 60 + 3) * 60_000 + 59_999 };
        assert_eq!(
            error.to_string(),
            "This change is stamped 25 h 3 min ahead of the receiving computer's clock, more than the 24 h 1 min allowed. \
             Check the date and time of the computer that made the change (or of the receiver)."
        );
    }

    #[test]
    fn stamp_json_shape() {
        let stamp = Stamp::new(pack(1, 2), device(3));
        let json = serde_json::to_string(&stamp).unwrap();
        assert_eq!(json, r#"{"hlc":65538,"device":"00000000-0000-0000-0000-000000000003"}"#);
        assert_eq!(serde_json::from_str::<Stamp>(&json).unwrap(), stamp);
    }
}
