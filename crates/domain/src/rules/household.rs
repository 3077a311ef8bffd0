//! The household stage: one household's state, one event or tick at a time.

use chrono::{DateTime, Utc};

use super::state::{AccountClock, ArrearsStage, HouseholdState, Standing};
use super::step::{
    Step, day_start, days_between, derived_id, event_hash, event_key_hash, minus_months, plus_days,
    plus_months,
};
use super::{Admitted, RuleContext, arrears, case, feedback, ids, standing};
use crate::contract::address::{Address, HouseNumber, Postcode};
use crate::contract::decision::{Decision, DecisionKind, IgnoredReason};
use crate::contract::messages::{ArrearsEvent, ArrearsEventType, InputEvent, TaskStatus};
use crate::contract::municipality::Gemeentecode;

/// Retention when the municipality is unknown to the registry (it always is known in practice).
const DEFAULT_RETENTION_MONTHS: u32 = 6;

/// Applies one admitted event to its household. `state` is `None` for a household not seen
/// before (or purged); it is created as needed.
pub fn apply(
    state: &mut Option<HouseholdState>,
    input: &Admitted,
    now: DateTime<Utc>,
    ctx: &RuleContext<'_>,
) -> Vec<Decision> {
    let event_id = input.event.event_id();
    let mut step = Step::new(
        now,
        ctx,
        Some(event_id.to_owned()),
        input.household_id.clone(),
    );

    // The address is cloned only for a new household (the event handlers copy it into existing
    // state themselves).
    let address = match &input.event {
        InputEvent::Arrears(e) => Some(&e.address),
        InputEvent::Objection(e) => Some(&e.address),
        InputEvent::Feedback(_) => None,
    };
    let household = match (state.as_mut(), address) {
        (Some(s), _) => s,
        (None, Some(address)) => state.insert(HouseholdState::new(
            input.household_id.clone(),
            input.municipality,
            address.clone(),
            now,
        )),
        (None, None) => {
            step.emit(
                ids::FEEDBACK,
                "terugkoppeling voor een zaak van een huishouden dat niet (meer) bekend is"
                    .to_owned(),
                DecisionKind::Ignored {
                    reason_code: IgnoredReason::UnknownCase,
                },
            );
            return step.out;
        }
    };

    // Idempotency (RULES.md §3): the key is (creditor, event id) — for feedback (municipality,
    // event id) — for as long as the household's data is kept.
    let scope = match &input.event {
        InputEvent::Arrears(e) => e.creditor_id.clone(),
        InputEvent::Objection(e) => e.creditor_id.clone(),
        InputEvent::Feedback(e) => format!("gemeente:{}", e.municipality_code),
    };
    let hash = event_key_hash(&scope, event_id);
    let legacy = household.recent_events.contains(&event_hash(event_id));
    match household.seen_events.binary_search(&hash) {
        Ok(_) => {
            duplicate(&mut step);
            return step.out;
        }
        Err(_) if legacy => {
            duplicate(&mut step);
            return step.out;
        }
        Err(pos) => household.seen_events.insert(pos, hash),
    }

    // Per account, a report older than the newest applied is stale: recorded, not applied.
    if let InputEvent::Arrears(e) = &input.event
        && is_stale(household, e)
    {
        step.emit(
            ids::IDEMPOTENCY_STALE,
            "ouder bericht voor deze rekening dan het laatst verwerkte; vastgelegd, niet toegepast"
                .to_owned(),
            DecisionKind::Ignored {
                reason_code: IgnoredReason::StaleEvent,
            },
        );
        return step.out;
    }

    // An objection (event or flag) or a withdrawn consent is recorded whatever the routing says;
    // such an event may arrive for an address that does not route to a connected municipality.
    let routed = input.municipality != Gemeentecode::UNROUTED
        && ctx
            .municipalities
            .get(input.municipality)
            .is_some_and(|m| m.connected);
    if routed || household.municipality == Gemeentecode::UNROUTED {
        household.municipality = input.municipality;
    }
    household.standings_only = false;
    match &input.event {
        InputEvent::Arrears(e) => arrears::on_event(household, &mut step, e),
        InputEvent::Objection(e) => standing::on_event(household, &mut step, e, !routed),
        InputEvent::Feedback(e) => feedback::on_event(household, &mut step, e),
    }
    household.last_activity = household.last_activity.max(now);
    prune_history(household, &step);
    step.out
}

/// A clock tick at `now`: fires everything due (ageing arrears, bundles, energy's updated signal,
/// retention). Sets `state` to `None` when the household is purged.
pub fn tick(
    state: &mut Option<HouseholdState>,
    now: DateTime<Utc>,
    ctx: &RuleContext<'_>,
) -> Vec<Decision> {
    let Some(household) = state.as_mut() else {
        return Vec::new();
    };
    let mut step = Step::new(now, ctx, None, household.household_id.clone());

    // Arrears that have aged into the window.
    for i in 0..household.arrears.len() {
        if matches!(household.arrears[i].stage, ArrearsStage::Waiting { due } if due <= now) {
            arrears::judge(household, &mut step, i);
        }
    }

    // A bundle whose delay has passed.
    if household
        .case
        .as_ref()
        .and_then(|c| c.dispatch_at)
        .is_some_and(|at| at <= now)
    {
        case::dispatch(household, &mut step);
    }

    energy_updates(household, &mut step);

    if !step.out.is_empty() {
        household.last_activity = household.last_activity.max(now);
    }
    prune_history(household, &step);

    if purge_at(household, ctx).is_some_and(|at| at <= now) {
        if household.standings.iter().any(Standing::stands) {
            // §1: a standing objection or withdrawn consent outlives retention as a minimal
            // record: pseudonym, creditor, date. Nothing else is kept.
            minimise(household);
            step.emit(
                ids::RETENTION_PURGE,
                "bewaartermijn verstreken: geen open achterstand, geen open zaak, terugkijkperiode voorbij; gegevens verwijderd, alleen het geldende bezwaar (schuldeiser en datum) blijft bewaard".to_owned(),
                DecisionKind::Purged {},
            );
        } else {
            step.emit(
                ids::RETENTION_PURGE,
                "bewaartermijn verstreken: geen open achterstand, geen open zaak, terugkijkperiode voorbij; gegevens verwijderd".to_owned(),
                DecisionKind::Purged {},
            );
            *state = None;
        }
    }
    step.out
}

/// Reduces a household to its standing objections and withdrawn consents (no personal data:
/// the address becomes a fixed placeholder, customer references are dropped). The case sequence
/// and epoch stay, so ids are never issued twice.
fn minimise(household: &mut HouseholdState) {
    household.standings.retain(Standing::stands);
    for s in &mut household.standings {
        s.customer_ref.clear();
    }
    household.address = placeholder_address();
    household.person = None;
    household.arrears.clear();
    household.history.clear();
    household.case = None;
    household.last_closed = None;
    household.recent_events.clear();
    household.seen_events.clear();
    household.accounts.clear();
    household.not_resident = false;
    household.standings_only = true;
}

/// The fixed address of a minimised household (the audit's placeholder).
fn placeholder_address() -> Address {
    Address {
        postcode: Postcode::PLACEHOLDER,
        house_number: HouseNumber::PLACEHOLDER,
        house_number_addition: None,
        street: None,
        city: None,
    }
}

/// Whether an arrears report is older than the newest applied for its account: an open
/// account's record was last reported at `reported_at`; a resolved one is in `accounts`.
fn is_stale(household: &mut HouseholdState, e: &ArrearsEvent) -> bool {
    let newest = household
        .arrears
        .iter()
        .find(|a| a.creditor_id == e.creditor_id && a.customer_ref == e.customer_ref)
        .map(|a| a.reported_at)
        .or_else(|| {
            household
                .accounts
                .iter()
                .find(|a| a.creditor_id == e.creditor_id && a.customer_ref == e.customer_ref)
                .map(|a| a.newest)
        });
    if newest.is_some_and(|n| n > e.occurred_at) {
        return true;
    }
    if e.event_type == ArrearsEventType::Resolved {
        // The account leaves `arrears`: remember how far it got.
        match household
            .accounts
            .iter_mut()
            .find(|a| a.creditor_id == e.creditor_id && a.customer_ref == e.customer_ref)
        {
            Some(a) => a.newest = e.occurred_at,
            None => household.accounts.push(AccountClock {
                creditor_id: e.creditor_id.clone(),
                customer_ref: e.customer_ref.clone(),
                newest: e.occurred_at,
            }),
        }
    }
    false
}

fn duplicate(step: &mut Step<'_, '_>) {
    step.emit(
        ids::IDEMPOTENCY,
        "dit bericht (event_id) is al verwerkt; geen nieuw effect".to_owned(),
        DecisionKind::Ignored {
            reason_code: IgnoredReason::DuplicateEvent,
        },
    );
}

/// Energy: an updated signal (*geactualiseerd signaal*) once the arrears pass the sector's
/// `updated_signal_after_days` (100), without a new event.
fn energy_updates(household: &mut HouseholdState, step: &mut Step<'_, '_>) {
    let Some(rules) = step.rules() else {
        return;
    };
    for i in 0..household.arrears.len() {
        let rec = &household.arrears[i];
        let ArrearsStage::Signalled {
            signal_id,
            updated_signal_sent: false,
            amount,
        } = &rec.stage
        else {
            continue;
        };
        let Some(after) = rules
            .sectors
            .get(&rec.sector)
            .and_then(|r| r.updated_signal_after_days)
        else {
            continue;
        };
        if days_between(rec.since, step.today) <= after {
            continue;
        }
        let (signal_id, amount) = (signal_id.clone(), *amount);
        let rec = rec.clone();
        household.arrears[i].stage = ArrearsStage::Signalled {
            signal_id: signal_id.clone(),
            amount,
            updated_signal_sent: true,
        };
        let in_open_case = household.case.as_mut().and_then(|c| {
            let bundling = c.dispatch_at.is_some();
            c.signals
                .iter_mut()
                .find(|s| s.signal_id == signal_id)
                .map(|s| {
                    s.updated_signal = true;
                    bundling
                })
        });
        match in_open_case {
            Some(true) => {}
            Some(false) => case::emit_version(
                household,
                step,
                TaskStatus::Updated,
                ids::CASE_UPDATE,
                "Geactualiseerd signaal (meer dan 100 dagen achterstand)",
            ),
            None => {
                // The earlier signal's case is closed: the updated signal starts a new one.
                let new_id = derived_id("sig_", &[&signal_id, "geactualiseerd"]);
                household.arrears[i].stage = ArrearsStage::Signalled {
                    signal_id: new_id.clone(),
                    amount,
                    updated_signal_sent: true,
                };
                arrears::send_signal(household, step, &rec, new_id, true);
            }
        }
    }
}

/// Drops signals older than the look-back: they can no longer make a case OPEENVOLGEND.
fn prune_history(household: &mut HouseholdState, step: &Step<'_, '_>) {
    let lookback = step.rules().map_or(6, |r| r.lookback_months);
    let reference = household
        .case
        .as_ref()
        .map_or(step.today, |c| case::case_reference_date(c, step.today));
    let horizon = minus_months(reference, lookback);
    household.history.retain(|p| p.on >= horizon);
}

/// When the household may be purged (RULES.md §6): nothing waiting, no open case, and its
/// municipality's retention period passed since the last activity. `None` while anything is
/// open. Arrears a creditor reported but never resolved count as closed once the retention period
/// has passed without any report: a creditor that has gone silent for that long has no open
/// arrears we may keep data for.
fn purge_at(household: &HouseholdState, ctx: &RuleContext<'_>) -> Option<DateTime<Utc>> {
    if household.standings_only || household.case.is_some() || !household.arrears.is_empty() {
        return None;
    }
    let months = ctx
        .municipalities
        .get(household.municipality)
        .map_or(DEFAULT_RETENTION_MONTHS, |m| m.retention_months);
    // The day after the last look-back day: a signal on that last day must still find the
    // household's history (OPEENVOLGEND, "al bekend"), so the purge is at 00:00 of the next day.
    Some(day_start(plus_days(
        plus_months(super::step::dutch_date(household.last_activity), months),
        1,
    )))
}

/// When this household next needs a tick, if ever.
pub fn next_wakeup(state: &HouseholdState, ctx: &RuleContext<'_>) -> Option<DateTime<Utc>> {
    let mut next: Option<DateTime<Utc>> = None;
    let mut consider = |t: DateTime<Utc>| {
        next = Some(next.map_or(t, |n| n.min(t)));
    };
    for a in &state.arrears {
        match &a.stage {
            ArrearsStage::Waiting { due } => consider(*due),
            ArrearsStage::Signalled {
                updated_signal_sent: false,
                ..
            } => {
                let after = ctx
                    .rules
                    .in_force(plus_days(a.since, 101))
                    .and_then(|r| r.sectors.get(&a.sector))
                    .and_then(|r| r.updated_signal_after_days);
                if let Some(after) = after {
                    consider(day_start(plus_days(a.since, after.saturating_add(1))));
                }
            }
            _ => {}
        }
    }
    if let Some(at) = state.case.as_ref().and_then(case::dispatch_due) {
        consider(at);
    }
    if let Some(at) = purge_at(state, ctx) {
        consider(at);
    }
    next
}
