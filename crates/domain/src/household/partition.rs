//! [`HouseholdPartition`]: every household of one partition, its timers and its position, and the
//! one algorithm that turns an input into a step outcome.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use rustc_hash::FxBuildHasher;
use serde::{Deserialize, Serialize};

use super::timers::TimerIndex;
use crate::contract::decision::Decision;
use crate::contract::messages::InputEvent;
use crate::contract::pseudonym::HouseholdId;
use crate::reporting::report::{ReportRecord, report_records};
use crate::rules::{self, Admitted, HouseholdState, RuleContext};

/// A household as kept in a partition (and on the state changelog).
#[derive(Debug, Clone, PartialEq)]
pub struct Household {
    /// The rules' state.
    pub state: HouseholdState,
    /// Input offset (the repartition topic's) of the last event applied; -1: none, ticks only.
    pub applied: i64,
    /// Every key this household has on the reporting store, as `<gemeentecode>:<key>`
    /// ([`store_key`]): what a retention purge must tombstone there.
    pub report_keys: Vec<String>,
}

/// A household while the partition holds it: the state is an `Option` so the rules work on it in
/// place (no move out of and back into the map per event); a slot left `None` (purged) is removed.
#[derive(Debug)]
struct Slot {
    state: Option<HouseholdState>,
    applied: i64,
    report_keys: Vec<String>,
}

/// Where a partition stands in its input: the next input offset to read, and per source partition
/// of the ingest stage (`topic/partition`) the highest source offset applied. Stored on the state
/// changelog (the engine's `__offsets__` record), so its serde form is a stored format.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionPosition {
    /// The next input offset to read.
    pub next_offset: i64,
    /// `topic/partition` of a source partition → highest source offset applied.
    pub sources: BTreeMap<String, i64>,
}

impl PartitionPosition {
    /// Whether the record from `source_offset` of `source` (`topic/partition`) was applied
    /// already: at or below that source's high mark.
    pub fn seen(&self, source: &str, source_offset: i64) -> bool {
        self.sources
            .get(source)
            .is_some_and(|&high| source_offset <= high)
    }

    /// Records `source_offset` of `source` as applied.
    pub fn mark(&mut self, source: &str, source_offset: i64) {
        match self.sources.get_mut(source) {
            Some(high) => *high = (*high).max(source_offset),
            None => {
                self.sources.insert(source.to_owned(), source_offset);
            }
        }
    }
}

/// Where an input record came from, for replay skipping.
#[derive(Debug, Clone, Copy)]
pub struct RecordOrigin<'a> {
    /// Its offset in the partition's input.
    pub offset: i64,
    /// The source partition the ingest stage read it from (`topic/partition`), if the record
    /// could be read at all.
    pub source: Option<(&'a str, i64)>,
}

/// What [`HouseholdPartition::receive`] makes of a record's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// New: process it.
    New,
    /// Below the partition's position: the restored state already contains it.
    Restored,
    /// Its source record was applied before (the ingest stage wrote it twice, e.g. after a crash
    /// between its produce and its commit on a broker without atomic transactions).
    Replay,
}

/// What one step produced. Reused across steps: the caller drains or clears it.
#[derive(Debug, Default)]
pub struct StepOutcome {
    /// Decisions, in the order the rules took them.
    pub decisions: Vec<Decision>,
    /// Reporting-store records derived from the decisions (only with reporting on).
    pub report_records: Vec<ReportRecord>,
    /// Reporting-store keys (`<gemeentecode>:<key>`) to tombstone: households purged in the step.
    pub report_tombstones: Vec<String>,
}

impl StepOutcome {
    /// Empties it, keeping the allocations.
    pub fn clear(&mut self) {
        self.decisions.clear();
        self.report_records.clear();
        self.report_tombstones.clear();
    }
}

/// Every household of one partition, their timers and the partition's position: the household
/// algorithm, in one place for `simulate` and the engine's household stage.
///
/// - **Events** ([`HouseholdPartition::apply_event`]): the household first catches up on its own
///   timers due by the event's time, each at its own due time, then [`rules::apply`] runs at the
///   event's time; an event whose input offset the household's state already contains is skipped.
/// - **Time** ([`HouseholdPartition::advance_to`]): every wakeup due by `now` fires through
///   [`rules::tick`] at its due time, in `(due, household)` order.
/// - After every apply and tick, [`rules::next_wakeup`] reschedules the household; a household
///   whose state became `None` (purged) is forgotten, timer included, and its reporting-store keys
///   become tombstones.
/// - **Replays** ([`HouseholdPartition::receive`]): a record below the position, or whose source
///   record was applied before, is not processed again.
///
/// Households are independent, so an event's decisions do not depend on whether other households'
/// due timers fired before it: `simulate` advances the whole partition before each event, the
/// engine on its tick, and both decide the same for every household.
#[derive(Debug, Default)]
pub struct HouseholdPartition {
    /// Fx hashing: keys are household pseudonyms (HMAC output), which no outsider can choose.
    households: HashMap<HouseholdId, Slot, FxBuildHasher>,
    timers: TimerIndex<HouseholdId>,
    position: PartitionPosition,
    /// Households changed since the last [`HouseholdPartition::take_changed`]; `None` when the
    /// owner does not persist state (`simulate`), which saves the bookkeeping.
    changed: Option<BTreeSet<HouseholdId>>,
    position_changed: bool,
    reporting: bool,
    dropped_wakeups: u64,
}

/// What the owner of a [`HouseholdPartition`] needs from it.
#[derive(Debug, Clone, Copy, Default)]
pub struct PartitionOptions {
    /// Track changed households for persisting ([`HouseholdPartition::take_changed`]).
    pub track_changes: bool,
    /// Derive reporting-store records and tombstones with every step.
    pub reporting: bool,
}

impl HouseholdPartition {
    /// An empty partition.
    pub fn new(options: PartitionOptions) -> Self {
        HouseholdPartition {
            changed: options.track_changes.then(BTreeSet::new),
            reporting: options.reporting,
            ..Self::default()
        }
    }

    /// A partition rebuilt from stored households and position (a restore); timers are derived
    /// from the states.
    pub fn restored(
        options: PartitionOptions,
        households: impl IntoIterator<Item = (HouseholdId, Household)>,
        position: PartitionPosition,
        ctx: &RuleContext<'_>,
    ) -> Self {
        let mut p = Self::new(options);
        p.position = position;
        for (id, h) in households {
            p.timers.set(id.clone(), rules::next_wakeup(&h.state, ctx));
            p.households.insert(
                id,
                Slot {
                    state: Some(h.state),
                    applied: h.applied,
                    report_keys: h.report_keys,
                },
            );
        }
        p
    }

    /// Checks a record's position before it is processed, and moves the position past it.
    /// A record that [`Delivery::New`] returns for must then be processed (or deliberately
    /// dropped): its source is marked applied.
    pub fn receive(&mut self, origin: RecordOrigin<'_>) -> Delivery {
        if origin.offset < self.position.next_offset {
            return Delivery::Restored;
        }
        self.position.next_offset = origin.offset + 1;
        self.position_changed = true;
        if let Some((source, offset)) = origin.source {
            if self.position.seen(source, offset) {
                return Delivery::Replay;
            }
            self.position.mark(source, offset);
        }
        Delivery::New
    }

    /// Applies an admitted event at its `occurred_at`, after the household's own timers due by
    /// then. `offset` is the event's input offset (`None` offline). Returns `false`, doing
    /// nothing, when the household's state already contains that offset.
    pub fn apply_event(
        &mut self,
        admitted: &Admitted,
        offset: Option<i64>,
        ctx: &RuleContext<'_>,
        out: &mut StepOutcome,
    ) -> bool {
        let id = &admitted.household_id;
        if let (Some(offset), Some(slot)) = (offset, self.households.get(id))
            && slot.applied >= offset
        {
            return false;
        }
        let first = out.decisions.len();
        let t = admitted.event.occurred_at();
        while let Some(due) = self.timers.get(id).filter(|due| *due <= t) {
            self.timers.remove(id);
            self.fire(id.clone(), due, ctx, out);
        }
        let slot = self.households.entry(id.clone()).or_insert_with(|| Slot {
            state: None,
            applied: -1,
            report_keys: Vec::new(),
        });
        out.decisions
            .extend(rules::apply(&mut slot.state, admitted, t, ctx));
        if let Some(offset) = offset {
            slot.applied = offset;
        }
        let next = slot.state.as_ref().and_then(|s| rules::next_wakeup(s, ctx));
        self.timers.set_ref(id, next);
        self.mark_changed(id);
        self.remove_if_purged(id, out);
        if self.reporting {
            self.report(Some(&admitted.event), first, out);
        }
        true
    }

    /// Fires every wakeup due at or before `now`, in `(due, household)` order, at most `limit`
    /// of them (the engine bounds a transaction's work). Returns how many fired; fewer than
    /// `limit` means none is due by `now` any more.
    pub fn advance_to(
        &mut self,
        now: DateTime<Utc>,
        limit: usize,
        ctx: &RuleContext<'_>,
        out: &mut StepOutcome,
    ) -> usize {
        let first = out.decisions.len();
        let mut fired = 0;
        while fired < limit {
            let Some((due, id)) = self.timers.pop_due(now) else {
                break;
            };
            fired += 1;
            self.fire(id, due, ctx, out);
        }
        if self.reporting && fired > 0 {
            self.report(None, first, out);
        }
        fired
    }

    /// One timer firing (its wakeup already taken from the index): [`rules::tick`] at its due
    /// time, then reschedule, or forget the household if the tick purged it.
    fn fire(
        &mut self,
        id: HouseholdId,
        due: DateTime<Utc>,
        ctx: &RuleContext<'_>,
        out: &mut StepOutcome,
    ) {
        let Some(slot) = self.households.get_mut(&id) else {
            return; // A timer without a household: nothing to tick.
        };
        out.decisions.extend(rules::tick(&mut slot.state, due, ctx));
        // Retention kept only a minimal record (standing objections): its reporting-store keys
        // go as for a purge (RULES.md §6, D11).
        if slot.state.as_ref().is_some_and(|s| s.standings_only) && !slot.report_keys.is_empty() {
            let keys = std::mem::take(&mut slot.report_keys);
            if self.reporting {
                out.report_tombstones.extend(keys);
            }
        }
        let next = slot.state.as_ref().and_then(|s| rules::next_wakeup(s, ctx));
        self.mark_changed(&id);
        if self.remove_if_purged(&id, out) {
            return;
        }
        match next {
            // A tick asking to be woken at or before itself would fire forever: a rule bug, so
            // the wakeup is dropped and counted instead of hanging the run.
            Some(n) if n <= due => self.dropped_wakeups += 1,
            other => self.timers.set(id, other),
        }
    }

    /// Removes a household whose state the rules purged (`None`): its timer goes, and its
    /// reporting-store keys become tombstones. Returns whether it was purged.
    fn remove_if_purged(&mut self, id: &HouseholdId, out: &mut StepOutcome) -> bool {
        if self.households.get(id).is_none_or(|s| s.state.is_some()) {
            return false;
        }
        if let Some(slot) = self.households.remove(id) {
            self.timers.remove(id);
            if self.reporting {
                out.report_tombstones.extend(slot.report_keys);
            }
        }
        true
    }

    /// Derives the reporting-store records of the decisions from `first` on, per household
    /// against its state after the step, and remembers their keys with the household (or
    /// tombstones them at once when the household was purged in this very step).
    fn report(&mut self, event: Option<&InputEvent>, first: usize, out: &mut StepOutcome) {
        // One pass groups the decisions per household (order kept within each): a tick can fire
        // thousands of households at once, and filtering per household would be quadratic.
        let mut per_household: BTreeMap<&HouseholdId, Vec<Decision>> = BTreeMap::new();
        for d in &out.decisions[first..] {
            if let Some(id) = d.household_id.as_ref() {
                per_household.entry(id).or_default().push(d.clone());
            }
        }
        for (id, mine) in per_household {
            let slot = self.households.get_mut(id);
            let state = slot.as_ref().and_then(|s| s.state.as_ref());
            let records = report_records(event, &mine, state);
            let keys = records
                .iter()
                .map(|r| store_key(r.municipality(), &r.key()));
            match slot {
                // Remembered with the household, so a later purge can tombstone them.
                Some(slot) => {
                    for k in keys {
                        if !slot.report_keys.contains(&k) {
                            slot.report_keys.push(k);
                        }
                    }
                }
                // Purged in this very step: written and tombstoned at once.
                None => out.report_tombstones.extend(keys),
            }
            out.report_records.extend(records);
        }
    }

    fn mark_changed(&mut self, id: &HouseholdId) {
        if let Some(changed) = self.changed.as_mut()
            && !changed.contains(id)
        {
            changed.insert(id.clone());
        }
    }

    /// The households changed since the last call (each now either held, or purged), for the
    /// owner to persist. Empty unless the partition tracks changes.
    pub fn take_changed(&mut self) -> BTreeSet<HouseholdId> {
        self.changed
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// The position, if it moved since the last call.
    pub fn take_position_change(&mut self) -> Option<&PartitionPosition> {
        std::mem::take(&mut self.position_changed).then_some(&self.position)
    }

    /// Whether anything changed that the owner has not taken yet.
    pub fn has_changes(&self) -> bool {
        self.position_changed || self.changed.as_ref().is_some_and(|c| !c.is_empty())
    }

    /// The partition's position.
    pub fn position(&self) -> &PartitionPosition {
        &self.position
    }

    /// A household's stored form: its state, applied offset and reporting-store keys.
    pub fn household(&self, id: &HouseholdId) -> Option<(&HouseholdState, i64, &[String])> {
        let slot = self.households.get(id)?;
        Some((slot.state.as_ref()?, slot.applied, &slot.report_keys))
    }

    /// A household's state.
    pub fn state(&self, id: &HouseholdId) -> Option<&HouseholdState> {
        self.households.get(id)?.state.as_ref()
    }

    /// Every household's state, in no particular order.
    pub fn states(&self) -> impl Iterator<Item = &HouseholdState> {
        self.households.values().filter_map(|s| s.state.as_ref())
    }

    /// Number of households held.
    pub fn len(&self) -> usize {
        self.households.len()
    }

    /// Whether no household is held.
    pub fn is_empty(&self) -> bool {
        self.households.is_empty()
    }

    /// The timer index (for inspection).
    pub fn timers(&self) -> &TimerIndex<HouseholdId> {
        &self.timers
    }

    /// The earliest wakeup, if any.
    pub fn next_wakeup(&self) -> Option<DateTime<Utc>> {
        self.timers.peek().map(|(at, _)| at)
    }

    /// Wakeups dropped because a tick asked to be woken again no later than itself (a rule bug;
    /// 0 in a correct rule set).
    pub fn dropped_wakeups(&self) -> u64 {
        self.dropped_wakeups
    }
}

/// `<gemeentecode>:<key>`: a reporting-store key together with the topic it lives on.
pub fn store_key(code: crate::contract::municipality::Gemeentecode, key: &str) -> String {
    format!("{code}:{key}")
}

/// The municipality and key of a [`store_key`].
pub fn parse_store_key(s: &str) -> Option<(crate::contract::municipality::Gemeentecode, &str)> {
    let (code, key) = s.split_once(':')?;
    Some((code.parse().ok()?, key))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn store_keys_round_trip() {
        let code: crate::contract::municipality::Gemeentecode = "0518".parse().unwrap();
        let k = store_key(code, "signal/sig_1:x");
        assert_eq!(parse_store_key(&k), Some((code, "signal/sig_1:x")));
        assert_eq!(parse_store_key("nonsense"), None);
    }
}
