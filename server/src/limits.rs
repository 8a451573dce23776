//! Login rate limits: failed attempts per account (email) and per client address, in a sliding
//! window.
//!
//! The counts live in memory only: a restart forgets them, which costs an attacker a restart
//! they cannot cause, and keeps the storage backends free of bookkeeping writes. Only failures
//! count, so a team logging in many laptops from one office address is never slowed down by
//! its own successes. While a key is over its limit, attempts are refused before the password
//! is checked (and do not count again), so a locked-out attacker costs the server no hashing.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// How many failed logins are allowed per window. A limit of 0 turns that limit off (for tests
/// that log in many devices quickly; never in production).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    pub per_account: u32,
    pub per_address: u32,
    pub window: Duration,
}

impl Default for LoginLimits {
    /// 10 failures per account and 30 per address in 15 minutes: plenty for typing mistakes,
    /// far too few for guessing.
    fn default() -> Self {
        Self {
            per_account: 10,
            per_address: 30,
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

/// Above this many tracked keys, a failure first drops the keys with no failure in the window,
/// so the map cannot grow without bound under a spray of made-up emails.
const PRUNE_ABOVE: usize = 10_000;

/// The failure counts (see the module docs).
#[derive(Debug)]
pub struct LoginLimiter {
    limits: LoginLimits,
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

/// The address the login limits count for a request from `peer`: the peer itself, unless it is a
/// trusted proxy, in which case the nearest address in `X-Forwarded-For` (read from the right,
/// the end the proxies append to) that is not itself a trusted proxy. Entries left of that one
/// are whatever the client claimed and are never believed. A malformed entry stops the walk at
/// the last proxy that was trusted.
pub fn client_address(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    let mut client = peer;
    if !trusted.contains(&client) {
        return client;
    }
    for entry in forwarded_for.unwrap_or("").rsplit(',') {
        match entry.trim().parse::<IpAddr>() {
            Ok(address) => {
                client = address;
                if !trusted.contains(&address) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

/// The account key of an email: compared like the database compares emails.
fn account(email: &str) -> Key {
    Key::Account(email.trim().to_lowercase())
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits) -> Self {
        Self {
            limits,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds)` to wait when the account or the address is over its limit.
    pub fn check(&self, email: &str, address: IpAddr, now: Instant) -> Result<(), u64> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let wait = [
            (account(email), self.limits.per_account),
            (Key::Address(address), self.limits.per_address),
        ]
        .into_iter()
        .filter_map(|(key, max)| {
            // 0: no limit (for tests that log in many devices).
            if max == 0 {
                return None;
            }
            let times = failures.get_mut(&key)?;
            self.expire(times, now);
            let max = usize::try_from(max).unwrap_or(usize::MAX);
            // Over the limit until enough of the oldest failures have left the window.
            (times.len() >= max).then(|| times[times.len() - max] + self.limits.window - now)
        })
        .max();
        match wait {
            // Round up, so a client that waits exactly that long is let in.
            Some(wait) => Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)),
            None => Ok(()),
        }
    }

    /// Count a failed login.
    pub fn record_failure(&self, email: &str, address: IpAddr, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, times| {
                self.expire(times, now);
                !times.is_empty()
            });
        }
        for key in [account(email), Key::Address(address)] {
            let times = failures.entry(key).or_default();
            self.expire(times, now);
            times.push_back(now);
        }
    }

    fn expire(&self, times: &mut VecDeque<Instant>, now: Instant) {
        while times
            .front()
            .is_some_and(|&t| now.duration_since(t) >= self.limits.window)
        {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_address_is_taken_from_trusted_proxies_only() {
        let ip = |text: &str| -> IpAddr { text.parse().unwrap() };
        let proxies = [ip("10.0.0.5"), ip("10.0.0.6")];
        let peer = ip("198.51.100.9");
        assert_eq!(
            client_address(peer, Some("203.0.113.7"), &proxies),
            peer,
            "a client that is no proxy cannot claim another address"
        );
        assert_eq!(
            client_address(ip("10.0.0.5"), Some("203.0.113.7"), &proxies),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_address(
                ip("10.0.0.5"),
                Some("1.2.3.4, 203.0.113.7, 10.0.0.6"),
                &proxies
            ),
            ip("203.0.113.7"),
            "through two proxies; the forged first entry is ignored"
        );
        assert_eq!(
            client_address(ip("10.0.0.5"), None, &proxies),
            ip("10.0.0.5")
        );
        assert_eq!(
            client_address(ip("10.0.0.5"), Some("junk, 10.0.0.6"), &proxies),
            ip("10.0.0.6")
        );
        assert_eq!(
            client_address(ip("10.0.0.5"), Some("[::1]:80"), &proxies),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn failures_per_account_and_address() {
        let limiter = LoginLimiter::new(LoginLimits {
            per_account: 2,
            per_address: 3,
            window: Duration::from_secs(60),
        });
        let (home, office): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        assert_eq!(limiter.check("a@x", home, t0), Ok(()));
        limiter.record_failure("a@x", home, t0);
        limiter.record_failure("A@X ", office, t0 + Duration::from_secs(10));
        assert_eq!(
            limiter.check("a@x", home, t0 + Duration::from_secs(10)),
            Err(50),
            "the account is locked from any address"
        );
        assert_eq!(
            limiter.check("b@x", home, t0 + Duration::from_secs(10)),
            Ok(())
        );
        limiter.record_failure("b@x", home, t0 + Duration::from_secs(20));
        limiter.record_failure("c@x", home, t0 + Duration::from_secs(30));
        assert_eq!(
            limiter.check("d@x", home, t0 + Duration::from_secs(30)),
            Err(30),
            "three failures from one address"
        );
        assert_eq!(
            limiter.check("d@x", office, t0 + Duration::from_secs(30)),
            Ok(())
        );
        assert_eq!(
            limiter.check("d@x", home, t0 + Duration::from_secs(60)),
            Ok(()),
            "the oldest failure left the window"
        );
        assert_eq!(
            limiter.check("a@x", office, t0 + Duration::from_millis(59_500)),
            Err(1),
            "rounded up"
        );
        assert_eq!(
            limiter.check("a@x", office, t0 + Duration::from_secs(60)),
            Ok(())
        );

        let unlimited = LoginLimiter::new(LoginLimits {
            per_account: 0,
            per_address: 0,
            window: Duration::from_secs(60),
        });
        for _ in 0..50 {
            unlimited.record_failure("a@x", home, t0);
        }
        assert_eq!(
            unlimited.check("a@x", home, t0),
            Ok(()),
            "0 turns a limit off"
        );
    }
}
