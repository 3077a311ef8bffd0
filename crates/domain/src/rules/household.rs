//! The household stage's rules.

use chrono::{DateTime, Utc};

use super::state::HouseholdState;
use super::{Admitted, RuleContext};
use crate::decision::Decision;

/// Applies one admitted event to its household. `state` is `None` for a household not seen
/// before (or purged); it is created as needed.
pub fn apply(
    state: &mut Option<HouseholdState>,
    input: &Admitted,
    now: DateTime<Utc>,
    ctx: &RuleContext<'_>,
) -> Vec<Decision> {
    let _ = (state, input, now, ctx);
    Vec::new()
}

/// A clock tick at `now`: fires everything due (ageing arrears, bundles, energy's updated signal,
/// retention). Sets `state` to `None` when the household is purged.
pub fn tick(
    state: &mut Option<HouseholdState>,
    now: DateTime<Utc>,
    ctx: &RuleContext<'_>,
) -> Vec<Decision> {
    let _ = (state, now, ctx);
    Vec::new()
}

/// When this household next needs a tick, if ever.
pub fn next_wakeup(state: &HouseholdState, ctx: &RuleContext<'_>) -> Option<DateTime<Utc>> {
    let _ = (state, ctx);
    None
}
