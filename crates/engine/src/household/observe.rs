//! What the household stage's state says about the service, for `/metrics`: how far the timers
//! are behind the clock (arrears that should have become tasks by now) and the open tasks past
//! their first-contact deadline without a contact attempt. Computed on the clock's tick, never per
//! event; the deadline count walks every household, so it is refreshed only when the clock's day
//! changed, the partitions changed, or [`OVERDUE_REFRESH`] passed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use vroeg_domain::household::HouseholdPartition;
use vroeg_domain::rules::HouseholdState;

use super::HouseholdWorker;
use crate::metrics::MunicipalityLabels;

/// How often the overdue-task count is recomputed at most, unless the day changes.
pub(crate) const OVERDUE_REFRESH: Duration = Duration::from_secs(30);

/// When the overdue-task gauges were last computed, and for which municipalities.
#[derive(Debug, Default)]
pub(crate) struct OverdueTracker {
    computed_at: Option<(Instant, NaiveDate)>,
    municipalities: BTreeSet<String>,
}

impl OverdueTracker {
    /// Forces a recount at the next tick (partitions assigned or revoked).
    pub(crate) fn invalidate(&mut self) {
        self.computed_at = None;
    }

    fn due(&self, today: NaiveDate) -> bool {
        match self.computed_at {
            None => true,
            Some((at, day)) => day != today || at.elapsed() >= OVERDUE_REFRESH,
        }
    }
}

/// Whether a household's open task is past its first-contact deadline (the deadline day itself
/// is still in time) and no contact attempt was reported.
pub fn task_overdue(state: &HouseholdState, today: NaiveDate) -> bool {
    state.case.as_ref().is_some_and(|c| {
        c.version > 0 && c.first_contact_on.is_none() && c.due_date.is_some_and(|d| d < today)
    })
}

/// Overdue open tasks per municipality code.
pub fn overdue_by_municipality<'a>(
    states: impl Iterator<Item = &'a HouseholdState>,
    today: NaiveDate,
) -> BTreeMap<String, i64> {
    let mut by_code: BTreeMap<String, i64> = BTreeMap::new();
    for s in states.filter(|s| task_overdue(s, today)) {
        if let Some(c) = &s.case {
            *by_code.entry(c.municipality.to_string()).or_default() += 1;
        }
    }
    by_code
}

impl HouseholdWorker {
    /// Updates the timer gauges and, when due, the overdue-task gauges (after a tick at `now`).
    pub(crate) fn observe(&mut self, now: DateTime<Utc>) {
        let (mut due, mut scheduled) = (0usize, 0usize);
        let mut earliest: Option<DateTime<Utc>> = None;
        for part in self.partitions.values() {
            due += part.timers().count_due(now);
            scheduled += part.timers().len();
            earliest = match (earliest, part.next_wakeup()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        let lag = earliest
            .filter(|at| *at <= now && due > 0)
            .map_or(0, |at| (now - at).num_seconds());
        let m = &self.metrics;
        m.timers_due.set(i64::try_from(due).unwrap_or(i64::MAX));
        m.timers_scheduled
            .set(i64::try_from(scheduled).unwrap_or(i64::MAX));
        m.timer_lag_seconds.set(lag);

        let today = now.date_naive();
        if !self.overdue.due(today) {
            return;
        }
        let counts = overdue_by_municipality(
            self.partitions
                .values()
                .flat_map(HouseholdPartition::states),
            today,
        );
        self.set_overdue(&counts);
        self.overdue.computed_at = Some((Instant::now(), today));
    }

    /// Sets the overdue gauges to `counts`, and to 0 for municipalities no longer in it.
    pub(crate) fn set_overdue(&mut self, counts: &BTreeMap<String, i64>) {
        for code in &self.overdue.municipalities {
            if !counts.contains_key(code) {
                self.metrics
                    .tasks_overdue
                    .get_or_create(&MunicipalityLabels {
                        municipality: code.clone(),
                    })
                    .set(0);
            }
        }
        for (code, n) in counts {
            self.metrics
                .tasks_overdue
                .get_or_create(&MunicipalityLabels {
                    municipality: code.clone(),
                })
                .set(*n);
            self.overdue.municipalities.insert(code.clone());
        }
    }
}
