//! Driving the rule engine over a stream of events and a simulated clock, without Kafka.
//!
//! [`Simulator`] runs the two rule stages ([`rules::admit`], then the household algorithm of
//! [`HouseholdPartition`]) in the order the engine does, on one partition that holds every
//! household. It is what `vroegsignaal simulate` and the offline benchmarks run. Pure: time only
//! ever comes in as a parameter, and decisions go to a caller-supplied sink in the order the
//! rules produce them.

use chrono::{DateTime, Utc};

use crate::contract::decision::Decision;
use crate::contract::messages::InputEvent;
use crate::contract::pseudonym::HouseholdId;
use crate::household::{HouseholdPartition, PartitionOptions, StepOutcome};
use crate::rules::{self, Admission, HouseholdState, RuleContext};

pub use crate::household::TimerIndex;

/// The rule engine with all household state in memory and a simulated clock.
///
/// Algorithm (the engine's, without Kafka):
/// 1. before an event at time `t`, every wakeup due at or before `t` fires, in `(due, household)`
///    order, through [`rules::tick`] at its own due time;
/// 2. the event goes through [`rules::admit`] at `t`; if accepted, through
///    [`HouseholdPartition::apply_event`] at `t`;
/// 3. after every apply and tick the household is rescheduled; a purged household is forgotten.
#[derive(Debug, Default)]
pub struct Simulator {
    partition: HouseholdPartition,
    clock: Option<DateTime<Utc>>,
    /// Reused between steps (no allocation per event).
    outcome: StepOutcome,
}

impl Simulator {
    /// An empty simulator: no households, clock unset.
    pub fn new() -> Self {
        Simulator {
            partition: HouseholdPartition::new(PartitionOptions::default()),
            ..Self::default()
        }
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
                self.partition
                    .apply_event(&admitted, None, ctx, &mut self.outcome);
                self.outcome.decisions.drain(..).for_each(&mut *sink);
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
        self.partition
            .advance_to(now, usize::MAX, ctx, &mut self.outcome);
        self.outcome.decisions.drain(..).for_each(&mut *sink);
        if self.clock.is_none_or(|c| c < now) {
            self.clock = Some(now);
        }
    }

    /// The simulated clock: the latest time processed or advanced to.
    pub fn now(&self) -> Option<DateTime<Utc>> {
        self.clock
    }

    /// A household's state, if it has any.
    pub fn household(&self, id: &HouseholdId) -> Option<&HouseholdState> {
        self.partition.state(id)
    }

    /// Every household with state, in no particular order.
    pub fn households(&self) -> impl Iterator<Item = &HouseholdState> {
        self.partition.states()
    }

    /// Number of households with state.
    pub fn household_count(&self) -> usize {
        self.partition.len()
    }

    /// The timer index (for inspection).
    pub fn timers(&self) -> &TimerIndex<HouseholdId> {
        self.partition.timers()
    }

    /// Wakeups dropped because a tick asked to be woken again no later than itself (a rule bug;
    /// 0 in a correct rule set).
    pub fn dropped_wakeups(&self) -> u64 {
        self.partition.dropped_wakeups()
    }
}
