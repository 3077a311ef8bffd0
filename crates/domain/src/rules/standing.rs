//! Objections and consent, given and withdrawn (RULES.md §1).

use super::ids;
use super::state::{ArrearsStage, HouseholdState, Standing};
use super::step::Step;
use crate::contract::decision::{DecisionKind, RecordedReason};
use crate::contract::messages::{ObjectionEvent, ObjectionEventType};

/// Records an objection or consent event and withdraws what it no longer allows: arrears still
/// waiting to become a signal, and signals still in an unsent bundle. A task already sent stays
/// sent — the data was shared lawfully — but nothing more from that creditor follows.
pub(super) fn on_event(state: &mut HouseholdState, step: &mut Step<'_, '_>, e: &ObjectionEvent) {
    state.address = e.address.clone();
    let idx = match state
        .standings
        .iter()
        .position(|s| s.creditor_id == e.creditor_id && s.customer_ref == e.customer_ref)
    {
        Some(i) => i,
        None => {
            state.standings.push(Standing {
                creditor_id: e.creditor_id.clone(),
                customer_ref: e.customer_ref.clone(),
                objection: false,
                withdrawn_consents: Vec::new(),
            });
            state.standings.len() - 1
        }
    };
    let standing = &mut state.standings[idx];
    let (code, what, stops) = match e.event_type {
        ObjectionEventType::Objection => {
            standing.objection = true;
            (
                RecordedReason::Objection,
                "bezwaar geregistreerd: geen signalen meer van deze schuldeiser",
                true,
            )
        }
        ObjectionEventType::ObjectionWithdrawn => {
            standing.objection = false;
            (
                RecordedReason::ObjectionWithdrawn,
                "bezwaar ingetrokken: signalen van deze schuldeiser zijn weer mogelijk",
                false,
            )
        }
        ObjectionEventType::ConsentGiven => {
            if let Some(c) = &e.consent_ref {
                standing.withdrawn_consents.retain(|w| w != c && w != "*");
            }
            (
                RecordedReason::ConsentGiven,
                "toestemming geregistreerd",
                false,
            )
        }
        ObjectionEventType::ConsentWithdrawn => {
            let c = e.consent_ref.clone().unwrap_or_else(|| "*".to_owned());
            if !standing.withdrawn_consents.contains(&c) {
                standing.withdrawn_consents.push(c);
            }
            (
                RecordedReason::ConsentWithdrawn,
                "toestemming ingetrokken: geen signalen meer op basis van deze toestemming",
                true,
            )
        }
    };
    if stops {
        let consent_only = e.event_type == ObjectionEventType::ConsentWithdrawn;
        let mut dropped = Vec::new();
        state.arrears.retain(|a| {
            let ours = a.creditor_id == e.creditor_id
                && a.customer_ref == e.customer_ref
                && (!consent_only
                    || a.sector.legal_basis() == crate::contract::sector::LegalBasis::Consent);
            if ours && let ArrearsStage::Signalled { signal_id, .. } = &a.stage {
                dropped.push(signal_id.clone());
            }
            !ours || matches!(a.stage, ArrearsStage::Signalled { .. })
        });
        let mut emptied = false;
        let mut unsent_case = None;
        if let Some(case) = state.case.as_mut().filter(|c| c.dispatch_at.is_some()) {
            if case.signals.iter().any(|s| dropped.contains(&s.signal_id)) {
                unsent_case = Some(case.case_id.clone());
            }
            case.signals.retain(|s| !dropped.contains(&s.signal_id));
            emptied = case.signals.is_empty();
        }
        if let Some(case_id) = unsent_case {
            state.forget_unsent(&case_id, std::slice::from_ref(&e.creditor_id));
        }
        if emptied {
            state.case = None;
        }
    }
    step.emit(
        ids::BASIS_REGISTER,
        format!("schuldeiser {}: {what}", e.creditor_id),
        DecisionKind::Recorded { reason_code: code },
    );
}
