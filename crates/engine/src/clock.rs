//! Where the household stage's timers get "now" from: the system clock in `run`, a manual clock in
//! tests and the demo. Rules never read a clock; the engine passes the
//! time in.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use chrono::{DateTime, TimeDelta, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::<Utc>::from(SystemTime::now())
    }
}

/// A clock that moves only when told to (tests, the demo). Clones share the time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// Sets the time; a clock never goes back, so an earlier time is ignored.
    pub fn set(&self, t: DateTime<Utc>) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        if t > *now {
            *now = t;
        }
    }

    /// Moves the time forward by `d`.
    pub fn advance(&self, d: TimeDelta) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(t) = now.checked_add_signed(d) {
            *now = t;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn manual_clock_only_moves_forward() {
        let t0 = Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).unwrap();
        let c = ManualClock::new(t0);
        c.advance(TimeDelta::days(2));
        assert_eq!(c.now(), t0 + TimeDelta::days(2));
        c.set(t0);
        assert_eq!(c.now(), t0 + TimeDelta::days(2));
        let shared = c.clone();
        shared.set(t0 + TimeDelta::days(30));
        assert_eq!(c.now(), t0 + TimeDelta::days(30));
    }

    #[test]
    fn the_system_clock_moves() {
        let s = SystemClock.now();
        assert!(s.timestamp() > 1_700_000_000);
    }
}
