//! [`TimerIndex`]: when each household next needs a tick, ordered by `(time, key)` so that timers
//! due at the same instant always fire in the same order: that is what makes a replay byte-for-byte
//! reproducible. One per [`super::HouseholdPartition`].

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

use chrono::{DateTime, Utc};
use rustc_hash::FxBuildHasher;

/// Per-key wakeup times: at most one per key, popped in `(time, key)` order.
///
/// Every operation is `O(log n)`. Generic over the key so the engine can use it for anything it
/// keys timers by; the simulator uses [`crate::contract::pseudonym::HouseholdId`].
#[derive(Debug, Clone)]
pub struct TimerIndex<K> {
    /// The current wakeup of each key: lets a replace find the old entry in the queue. Fx
    /// hashing: keys are household pseudonyms (HMAC output), which no outsider can choose.
    by_key: HashMap<K, DateTime<Utc>, FxBuildHasher>,
    /// The same entries, ordered for popping.
    queue: BTreeSet<(DateTime<Utc>, K)>,
}

impl<K> Default for TimerIndex<K> {
    fn default() -> Self {
        TimerIndex {
            by_key: HashMap::default(),
            queue: BTreeSet::new(),
        }
    }
}

impl<K: Ord + Hash + Clone> TimerIndex<K> {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key`'s wakeup to `at`, replacing any earlier one. Returns the replaced time.
    pub fn insert(&mut self, key: K, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let previous = self.by_key.insert(key.clone(), at);
        if let Some(old) = previous {
            if old == at {
                return previous;
            }
            self.queue.remove(&(old, key.clone()));
        }
        self.queue.insert((at, key));
        previous
    }

    /// Removes `key`'s wakeup. Returns it, if there was one.
    pub fn remove(&mut self, key: &K) -> Option<DateTime<Utc>> {
        let old = self.by_key.remove(key)?;
        self.queue.remove(&(old, key.clone()));
        Some(old)
    }

    /// Sets (`Some`) or removes (`None`) `key`'s wakeup: the shape of
    /// [`crate::rules::next_wakeup`]'s answer.
    pub fn set(&mut self, key: K, at: Option<DateTime<Utc>>) {
        if self.by_key.get(&key).copied() == at {
            return;
        }
        match at {
            Some(at) => {
                self.insert(key, at);
            }
            None => {
                self.remove(&key);
            }
        }
    }

    /// Like [`TimerIndex::set`], cloning the key only when something changes.
    pub fn set_ref(&mut self, key: &K, at: Option<DateTime<Utc>>) {
        if self.by_key.get(key).copied() == at {
            return;
        }
        self.set(key.clone(), at);
    }

    /// `key`'s wakeup, if any.
    pub fn get(&self, key: &K) -> Option<DateTime<Utc>> {
        self.by_key.get(key).copied()
    }

    /// The earliest wakeup and its key, without removing it.
    pub fn peek(&self) -> Option<(DateTime<Utc>, &K)> {
        self.queue.first().map(|(at, k)| (*at, k))
    }

    /// Removes and returns the earliest wakeup if it is due at or before `now`.
    pub fn pop_due(&mut self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, K)> {
        match self.queue.first() {
            Some((at, _)) if *at <= now => {}
            _ => return None,
        }
        let (at, key) = self.queue.pop_first()?;
        self.by_key.remove(&key);
        Some((at, key))
    }

    /// Number of wakeups due at or before `now`: `O(due)`, for monitoring (how many timers a
    /// clock that fell behind still has to fire).
    pub fn count_due(&self, now: DateTime<Utc>) -> usize {
        self.queue.iter().take_while(|(at, _)| *at <= now).count()
    }

    /// Number of keys with a wakeup.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether no key has a wakeup.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn pops_in_time_then_key_order() {
        let mut ix = TimerIndex::new();
        ix.insert("b", t(2, 0));
        ix.insert("c", t(1, 0));
        ix.insert("a", t(2, 0));
        assert_eq!(ix.len(), 3);
        assert_eq!(ix.peek(), Some((t(1, 0), &"c")));
        assert_eq!(ix.pop_due(t(3, 0)), Some((t(1, 0), "c")));
        assert_eq!(ix.pop_due(t(3, 0)), Some((t(2, 0), "a")));
        assert_eq!(ix.pop_due(t(3, 0)), Some((t(2, 0), "b")));
        assert_eq!(ix.pop_due(t(3, 0)), None);
        assert!(ix.is_empty());
    }

    #[test]
    fn count_due_counts_up_to_now_inclusive() {
        let mut ix = TimerIndex::new();
        assert_eq!(ix.count_due(t(9, 0)), 0);
        ix.insert("a", t(1, 0));
        ix.insert("b", t(2, 0));
        ix.insert("c", t(3, 0));
        assert_eq!(ix.count_due(t(1, 0)), 1);
        assert_eq!(ix.count_due(t(2, 12)), 2);
        assert_eq!(ix.count_due(t(9, 0)), 3);
    }

    #[test]
    fn pop_due_respects_now() {
        let mut ix = TimerIndex::new();
        ix.insert(1u32, t(5, 12));
        assert_eq!(ix.pop_due(t(5, 11)), None);
        assert_eq!(ix.len(), 1);
        // Due exactly at `now` fires.
        assert_eq!(ix.pop_due(t(5, 12)), Some((t(5, 12), 1)));
        assert_eq!(ix.get(&1), None);
    }

    #[test]
    fn insert_replaces_the_old_wakeup() {
        let mut ix = TimerIndex::new();
        assert_eq!(ix.insert("hh", t(1, 0)), None);
        assert_eq!(ix.insert("hh", t(9, 0)), Some(t(1, 0)));
        assert_eq!(ix.len(), 1);
        assert_eq!(ix.get(&"hh"), Some(t(9, 0)));
        // The old time no longer fires.
        assert_eq!(ix.pop_due(t(8, 0)), None);
        // Replacing with the same time keeps exactly one entry.
        assert_eq!(ix.insert("hh", t(9, 0)), Some(t(9, 0)));
        assert_eq!(ix.pop_due(t(9, 0)), Some((t(9, 0), "hh")));
        assert_eq!(ix.pop_due(t(9, 0)), None);
    }

    #[test]
    fn remove_and_set() {
        let mut ix = TimerIndex::new();
        ix.set("a", Some(t(1, 0)));
        ix.set("b", Some(t(2, 0)));
        assert_eq!(ix.remove(&"a"), Some(t(1, 0)));
        assert_eq!(ix.remove(&"a"), None);
        ix.set("b", None);
        assert!(ix.is_empty());
        assert_eq!(ix.peek(), None);
        assert_eq!(ix.pop_due(t(31, 0)), None);
    }

    #[test]
    fn order_is_independent_of_insertion_order() {
        let keys = ["hh_x", "hh_a", "hh_m", "hh_b"];
        let times = [t(3, 0), t(1, 0), t(3, 0), t(1, 0)];
        let drain = |order: &[usize]| {
            let mut ix = TimerIndex::new();
            for &i in order {
                ix.insert(keys[i].to_owned(), times[i]);
            }
            std::iter::from_fn(|| ix.pop_due(t(31, 0))).collect::<Vec<_>>()
        };
        let a = drain(&[0, 1, 2, 3]);
        assert_eq!(a, drain(&[3, 2, 1, 0]));
        assert_eq!(a, drain(&[2, 0, 3, 1]));
        assert_eq!(
            a.iter().map(|(_, k)| k.as_str()).collect::<Vec<_>>(),
            ["hh_a", "hh_b", "hh_m", "hh_x"]
        );
    }
}
