//! Driving the rule engine over a stream of events and a simulated clock, without Kafka.
//!
//! [`TimerIndex`] remembers when each key (a household) next needs a tick, ordered by
//! `(time, key)` so that timers due at the same instant always fire in the same order: that is
//! what makes a replay byte-for-byte reproducible. The Kafka engine keeps one per partition.
//!
//! [`Simulator`] owns every household's state and the timer index and runs the two rule stages
//! ([`rules::admit`], then [`rules::apply`] / [`rules::tick`]) in the order the engine will. It is
//! what `vroegsignaal simulate` and the offline `demo` run. Pure: time only ever comes in as a
//! parameter, and decisions go to a caller-supplied sink in the order the rules produce them.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

use rustc_hash::FxBuildHasher;

use chrono::{DateTime, Utc};

use crate::decision::Decision;
use crate::messages::InputEvent;
use crate::pseudonym::HouseholdId;
use crate::rules::{self, Admission, HouseholdState, RuleContext};

/// Per-key wakeup times: at most one per key, popped in `(time, key)` order.
///
/// Every operation is `O(log n)`. Generic over the key so the engine can use it for anything it
/// keys timers by; the simulator uses [`HouseholdId`].
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
    /// [`rules::next_wakeup`]'s answer.
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

    /// Number of keys with a wakeup.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether no key has a wakeup.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

/// The rule engine with all household state in memory and a simulated clock.
///
/// Algorithm (the engine's, without Kafka):
/// 1. before an event at time `t`, every wakeup due at or before `t` fires, in `(due, household)`
///    order, through [`rules::tick`] at its own due time;
/// 2. the event goes through [`rules::admit`] at `t`; if accepted, [`rules::apply`] at `t`;
/// 3. after every apply and tick, [`rules::next_wakeup`] reschedules the household; a household
///    whose state became `None` (purged) is forgotten, timer included.
#[derive(Debug, Default)]
pub struct Simulator {
    /// Every household with state. The slot is an `Option` so the rules can work on it in place
    /// (no move in and out of the map per event); a slot left `None` (purged) is removed.
    households: HashMap<HouseholdId, Option<HouseholdState>, FxBuildHasher>,
    timers: TimerIndex<HouseholdId>,
    clock: Option<DateTime<Utc>>,
    dropped_wakeups: u64,
}

impl Simulator {
    /// An empty simulator: no households, clock unset.
    pub fn new() -> Self {
        Self::default()
    }

    /// Processes one event at its own `occurred_at`, after firing every wakeup due by then.
    pub fn process(
        &mut self,
        event: InputEvent,
        ctx: &RuleContext<'_>,
        sink: &mut impl FnMut(Decision),
    ) {
        let t = event.occurred_at();
        self.advance_to(t, ctx, sink);
        match rules::admit(event, t, ctx) {
            Admission::Decided(decisions) => decisions.into_iter().for_each(&mut *sink),
            Admission::Accepted(admitted) => {
                let id = &admitted.household_id;
                let next = self.with_household(id, |slot| {
                    rules::apply(slot, &admitted, t, ctx)
                        .into_iter()
                        .for_each(&mut *sink);
                    slot.as_ref().and_then(|s| rules::next_wakeup(s, ctx))
                });
                self.timers.set_ref(id, next);
            }
        }
    }

    /// Moves the clock to `now`, firing every wakeup due at or before it in `(due, household)`
    /// order. A clock never goes back: an earlier `now` fires nothing.
    pub fn advance_to(
        &mut self,
        now: DateTime<Utc>,
        ctx: &RuleContext<'_>,
        sink: &mut impl FnMut(Decision),
    ) {
        while let Some((due, household)) = self.timers.pop_due(now) {
            let next = self.with_household(&household, |slot| {
                rules::tick(slot, due, ctx).into_iter().for_each(&mut *sink);
                slot.as_ref().and_then(|s| rules::next_wakeup(s, ctx))
            });
            if next.is_some_and(|n| n <= due) {
                // A tick that asks to be woken again at (or before) its own time would fire
                // forever; that is a rule bug, so the wakeup is dropped and counted instead of
                // hanging the run.
                self.dropped_wakeups += 1;
                continue;
            }
            self.timers.set(household, next);
        }
        if self.clock.is_none_or(|c| c < now) {
            self.clock = Some(now);
        }
    }

    /// Runs `f` on a household's state slot in place; a slot left empty is forgotten.
    fn with_household<R>(
        &mut self,
        id: &HouseholdId,
        f: impl FnOnce(&mut Option<HouseholdState>) -> R,
    ) -> R {
        match self.households.get_mut(id) {
            Some(slot) => {
                let r = f(slot);
                if slot.is_none() {
                    self.households.remove(id);
                }
                r
            }
            None => {
                let mut slot = None;
                let r = f(&mut slot);
                if slot.is_some() {
                    self.households.insert(id.clone(), slot);
                }
                r
            }
        }
    }

    /// The simulated clock: the latest time processed or advanced to.
    pub fn now(&self) -> Option<DateTime<Utc>> {
        self.clock
    }

    /// A household's state, if it has any.
    pub fn household(&self, id: &HouseholdId) -> Option<&HouseholdState> {
        self.households.get(id).and_then(Option::as_ref)
    }

    /// Every household with state, in no particular order.
    pub fn households(&self) -> impl Iterator<Item = &HouseholdState> {
        self.households.values().filter_map(Option::as_ref)
    }

    /// Number of households with state.
    pub fn household_count(&self) -> usize {
        self.households.len()
    }

    /// The timer index (for inspection).
    pub fn timers(&self) -> &TimerIndex<HouseholdId> {
        &self.timers
    }

    /// Wakeups dropped because a tick asked to be woken again no later than itself (a rule bug;
    /// 0 in a correct rule set).
    pub fn dropped_wakeups(&self) -> u64 {
        self.dropped_wakeups
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
