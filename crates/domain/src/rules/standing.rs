//! Objections and consent, given and withdrawn (RULES.md §1, made precise 2026-11-29).
//!
//! An objection covers every account of its creditor at the address, stands until
//! `OBJECTION_WITHDRAWN`, and takes effect at once: the creditor's waiting arrears and unsent
//! signals go, later versions of an open task no longer carry its signals (UPDATED without them,
//! or WITHDRAWN when nothing remains), and no updated signal follows.

use super::state::{ArrearsStage, ClosedCase, HouseholdState, Standing};
use super::step::Step;
use super::{case, ids};
use crate::contract::decision::{DecisionKind, RecordedReason};
use crate::contract::messages::{ObjectionEvent, ObjectionEventType, TaskStatus};
use crate::contract::sector::LegalBasis;
use crate::reporting::ddas::Eindresultaat;

/// Records an objection or consent event and withdraws what it no longer allows.
/// `unrouted`: the address does not route (or its municipality is not connected); the standing
/// is recorded all the same, so it is there when routing later succeeds.
pub(super) fn on_event(
    state: &mut HouseholdState,
    step: &mut Step<'_, '_>,
    e: &ObjectionEvent,
    unrouted: bool,
) {
    let start = step.out.len();
    let (code, what) = match e.event_type {
        ObjectionEventType::Objection => {
            record_objection(state, step, &e.creditor_id, &e.customer_ref);
            (
                RecordedReason::Objection,
                "bezwaar geregistreerd: geen signalen meer van deze schuldeiser op dit adres",
            )
        }
        ObjectionEventType::ObjectionWithdrawn => {
            // Only objections made before this withdrawal: a re-sent old withdrawal never lifts
            // a newer objection.
            for s in state.standings.iter_mut().filter(|s| {
                s.creditor_id == e.creditor_id && s.since.is_none_or(|at| at <= e.occurred_at)
            }) {
                s.objection = false;
            }
            state.standings.retain(Standing::stands);
            (
                RecordedReason::ObjectionWithdrawn,
                "bezwaar ingetrokken: signalen van deze schuldeiser zijn weer mogelijk",
            )
        }
        ObjectionEventType::ConsentGiven => {
            if let Some(c) = &e.consent_ref {
                for s in state.standings.iter_mut().filter(|s| {
                    s.creditor_id == e.creditor_id
                        && (s.customer_ref == e.customer_ref || s.customer_ref.is_empty())
                        && s.since.is_none_or(|at| at <= e.occurred_at)
                }) {
                    s.withdrawn_consents.retain(|w| w != c && w != "*");
                }
                state.standings.retain(Standing::stands);
            }
            (RecordedReason::ConsentGiven, "toestemming geregistreerd")
        }
        ObjectionEventType::ConsentWithdrawn => {
            let c = e.consent_ref.clone().unwrap_or_else(|| "*".to_owned());
            let now = step.now;
            let standing = standing_mut(state, &e.creditor_id, &e.customer_ref);
            if !standing.withdrawn_consents.contains(&c) {
                standing.withdrawn_consents.push(c);
            }
            standing.since = Some(standing.since.map_or(now, |s| s.max(now)));
            stop_creditor(state, step, &e.creditor_id, Some(&e.customer_ref));
            (
                RecordedReason::ConsentWithdrawn,
                "toestemming ingetrokken: geen signalen meer op basis van deze toestemming",
            )
        }
    };
    let reason = if unrouted {
        format!(
            "schuldeiser {}: {what} (vastgelegd hoewel het adres (nog) niet naar een aangesloten gemeente leidt)",
            e.creditor_id
        )
    } else {
        format!("schuldeiser {}: {what}", e.creditor_id)
    };
    // The decision for the event itself comes first; task versions it caused follow.
    step.emit(
        ids::BASIS_REGISTER,
        reason,
        DecisionKind::Recorded { reason_code: code },
    );
    if let Some(recorded) = step.out.pop() {
        step.out.insert(start, recorded);
    }
}

fn standing_mut<'s>(
    state: &'s mut HouseholdState,
    creditor_id: &str,
    customer_ref: &str,
) -> &'s mut Standing {
    let idx = match state
        .standings
        .iter()
        .position(|s| s.creditor_id == creditor_id && s.customer_ref == customer_ref)
    {
        Some(i) => i,
        None => {
            state.standings.push(Standing {
                creditor_id: creditor_id.to_owned(),
                customer_ref: customer_ref.to_owned(),
                objection: false,
                withdrawn_consents: Vec::new(),
                since: None,
            });
            state.standings.len() - 1
        }
    };
    &mut state.standings[idx]
}

/// Records an objection of `creditor_id` (from an OBJECTION event or the `objected` flag of an
/// arrears event) and withdraws everything of that creditor at once.
pub(super) fn record_objection(
    state: &mut HouseholdState,
    step: &mut Step<'_, '_>,
    creditor_id: &str,
    customer_ref: &str,
) {
    let now = step.now;
    let standing = standing_mut(state, creditor_id, customer_ref);
    standing.objection = true;
    standing.since = Some(standing.since.map_or(now, |s| s.max(now)));
    stop_creditor(state, step, creditor_id, None);
}

/// Withdraws a creditor's arrears and signals: all of them for an objection (`account` `None`),
/// those of one account under consent for a withdrawn consent.
fn stop_creditor(
    state: &mut HouseholdState,
    step: &mut Step<'_, '_>,
    creditor_id: &str,
    account: Option<&str>,
) {
    let covered = |creditor: &str, customer_ref: &str, consent_based: bool| {
        creditor == creditor_id
            && match account {
                None => true,
                Some(r) => customer_ref == r && consent_based,
            }
    };
    let mut dropped = Vec::new();
    state.arrears.retain(|a| {
        let ours = covered(
            &a.creditor_id,
            &a.customer_ref,
            a.sector.legal_basis() == LegalBasis::Consent,
        );
        if ours && let ArrearsStage::Signalled { signal_id, .. } = &a.stage {
            dropped.push(signal_id.clone());
        }
        !ours
    });
    let Some(case) = state.case.as_mut() else {
        return;
    };
    let before = case.signals.len();
    case.signals.retain(|s| {
        !(dropped.contains(&s.signal_id)
            || covered(
                &s.creditor_id,
                &s.customer_ref,
                s.sector.legal_basis() == LegalBasis::Consent,
            ))
    });
    if case.signals.len() == before {
        return;
    }
    let case_id = case.case_id.clone();
    let bundling = case.dispatch_at.is_some();
    let empty = case.signals.is_empty();
    let all_resolved = case.signals.iter().all(|s| s.resolved);
    if bundling {
        // Never sent: the signal never reached the municipality, so it counts for nothing later.
        state.forget_unsent(&case_id, &[creditor_id.to_owned()]);
        if empty {
            state.case = None;
        }
        return;
    }
    if empty || all_resolved {
        case::emit_version(
            state,
            step,
            TaskStatus::Withdrawn,
            ids::CASE_WITHDRAWN,
            "Taak ingetrokken: de inwoner maakte bezwaar of trok toestemming in; er blijft geen open signaal over",
        );
        if let Some(case) = state.case.take() {
            state.last_closed = Some(ClosedCase {
                case_id: case.case_id,
                task_id: case.task_id,
                version: case.version,
                result: if empty {
                    Eindresultaat::NietOpgepaktAndereReden
                } else {
                    Eindresultaat::InwonerHeeftZelfAlBetaaldBetalingsregelingGetroffen
                },
                closed_on: step.today,
                municipality: case.municipality,
            });
        }
    } else {
        case::emit_version(
            state,
            step,
            TaskStatus::Updated,
            ids::CASE_UPDATE,
            "Zaak bijgewerkt: een schuldeiser valt af door bezwaar of ingetrokken toestemming van de inwoner",
        );
    }
}

/// Whether the consent an arrears report relies on was withdrawn.
pub(super) fn consent_withdrawn(
    state: &HouseholdState,
    creditor_id: &str,
    customer_ref: &str,
    consent_ref: Option<&String>,
) -> bool {
    state.standings.iter().any(|s| {
        s.creditor_id == creditor_id
            && (s.customer_ref == customer_ref || s.customer_ref.is_empty())
            && s.withdrawn_consents
                .iter()
                .any(|c| c == "*" || Some(c) == consent_ref)
    })
}
