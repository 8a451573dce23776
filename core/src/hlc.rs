//! Hybrid logical clock (Kulkarni et al., 2014), packed into one `u64` so it sorts as an integer
//! in SQLite: the upper 48 bits are wall-clock milliseconds, the lower 16 bits a counter.
//!
//! Every change gets a timestamp that is (a) greater than any timestamp this device issued or saw
//! before, even if the wall clock steps backwards, and (b) close to real time, so the change log
//! reads as history. Sync (a later issue) orders concurrent edits of one column by
//! `(hlc, device_id)`: last writer wins, the device id breaks exact ties.
//!
//! Hand-written because the published HLC crates either pull in an async runtime or use a
//! different packing; the algorithm is a dozen lines.

// The packing and the skew bound are the protocol's (`crm_sync::stamp`), shared with the server.
pub use crm_sync::stamp::{MAX_FORWARD_SKEW_MS, SkewError, pack, wall_ms};

pub struct HlcClock {
    last: u64,
    wall: Box<dyn Fn() -> u64 + Send>,
}

impl HlcClock {
    /// `last` is the greatest timestamp issued before (persisted by the store), `wall` returns
    /// wall-clock milliseconds.
    pub fn new(last: u64, wall: Box<dyn Fn() -> u64 + Send>) -> Self {
        Self { last, wall }
    }

    /// The wall clock's current reading, in milliseconds (what "now" is for due dates).
    pub fn wall_now(&self) -> u64 {
        (self.wall)()
    }

    pub fn last(&self) -> u64 {
        self.last
    }

    /// A fresh timestamp for a local event.
    pub fn tick(&mut self) -> u64 {
        let physical = pack((self.wall)(), 0);
        // When the counter is exhausted within one millisecond, `last + 1` carries into the
        // millisecond field: the clock runs 1 ms ahead instead of repeating a value.
        self.last = physical.max(self.last + 1);
        self.last
    }

    /// Merge a timestamp received from another device, returning a local timestamp after it. A
    /// stamp too far ahead of our wall clock is refused.
    pub fn observe(&mut self, remote: u64) -> Result<u64, SkewError> {
        let wall = (self.wall)();
        self.observe_checked_against(remote, wall)
    }

    /// As [`HlcClock::observe`], with the skew bound checked against `reference_ms` instead of
    /// our wall clock: the sync server's clock, which already refused stamps too far ahead of it
    /// when it took them. Checking pulled changes against our own clock instead would strand a
    /// laptop whose clock is behind (another laptop 24 h ahead of the server is 48 h ahead of it)
    /// and stop replicas from converging.
    pub fn observe_checked_against(&mut self, remote: u64, reference_ms: u64) -> Result<u64, SkewError> {
        crm_sync::stamp::check_skew(remote, reference_ms)?;
        let wall = (self.wall)();
        self.last = pack(wall, 0).max(self.last + 1).max(remote + 1);
        Ok(self.last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    };

    fn clock_at(start_ms: u64) -> (HlcClock, Arc<AtomicU64>) {
        let wall = Arc::new(AtomicU64::new(start_ms));
        let source = wall.clone();
        (HlcClock::new(0, Box::new(move || source.load(Ordering::SeqCst))), wall)
    }

    #[test]
    fn ticks_follow_the_wall_clock() {
        let (mut clock, wall) = clock_at(1_000);
        assert_eq!(clock.tick(), pack(1_000, 0));
        wall.store(2_000, Ordering::SeqCst);
        assert_eq!(clock.tick(), pack(2_000, 0));
    }

    #[test]
    fn ticks_stay_monotonic_when_the_wall_clock_stands_still_or_steps_back() {
        let (mut clock, wall) = clock_at(5_000);
        let first = clock.tick();
        let second = clock.tick();
        assert_eq!(second, pack(5_000, 1));
        wall.store(4_000, Ordering::SeqCst);
        let third = clock.tick();
        assert!(first < second && second < third);
        assert_eq!(wall_ms(third), 5_000, "keeps the later millisecond, bumps the counter");
    }

    #[test]
    fn counter_overflow_carries_into_the_millisecond() {
        let mut clock = HlcClock::new(pack(7, u16::MAX), Box::new(|| 7));
        assert_eq!(clock.tick(), pack(8, 0));
    }

    #[test]
    fn observing_a_later_remote_moves_past_it() {
        let (mut clock, _) = clock_at(1_000);
        clock.tick();
        let remote = pack(3_000, 5);
        let after = clock.observe(remote).unwrap();
        assert!(after > remote);
        assert!(clock.tick() > after);
    }

    #[test]
    fn observing_a_remote_too_far_in_the_future_is_refused() {
        let (mut clock, _) = clock_at(1_000);
        let before = clock.last();
        let remote = pack(1_000 + MAX_FORWARD_SKEW_MS + 1, 0);
        assert_eq!(clock.observe(remote), Err(SkewError { ahead_ms: MAX_FORWARD_SKEW_MS + 1 }));
        assert_eq!(clock.last(), before, "a refused timestamp leaves the clock untouched");
        assert!(clock.observe(pack(1_000 + MAX_FORWARD_SKEW_MS, 0)).is_ok());
    }
}
