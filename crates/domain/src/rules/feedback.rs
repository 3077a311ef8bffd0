//! The municipality's feedback: contact attempts and case results (RULES.md §4b).

use super::ids;
use super::state::{ClosedCase, HouseholdState};
use super::step::Step;
use crate::contract::decision::{DecisionKind, IgnoredReason, RecordedReason};
use crate::contract::messages::{CreditorStatusValue, FeedbackEvent, FeedbackEventType};
use crate::reporting::ddas::Eindresultaat;

/// What the creditor hears for a case result. "Niet opgepakt: andere reden" becomes
/// NOT_PICKED_UP and nothing more: the reason is never shared.
pub fn creditor_status_for(result: Eindresultaat) -> CreditorStatusValue {
    match result {
        Eindresultaat::NietOpgepaktAndereReden
        | Eindresultaat::PersoonIsGeenInwonerMeerInDeGemeente => CreditorStatusValue::NotPickedUp,
        Eindresultaat::NietOpgepaktHerhaaldeMelding => CreditorStatusValue::Repeat,
        Eindresultaat::NietOpgepaktOnterechtSignaal => CreditorStatusValue::Unjustified,
        _ => CreditorStatusValue::PickedUp,
    }
}

/// Applies feedback to the open case it names.
pub(super) fn on_event(state: &mut HouseholdState, step: &mut Step<'_, '_>, e: &FeedbackEvent) {
    let matches = state.case.as_ref().is_some_and(|c| {
        c.case_id == e.case_id && c.municipality == e.municipality_code && c.version > 0
    });
    if !matches {
        step.emit(
            ids::FEEDBACK,
            format!(
                "terugkoppeling voor zaak {} past bij geen open, verstuurde zaak van gemeente {}",
                e.case_id, e.municipality_code
            ),
            DecisionKind::Ignored {
                reason_code: IgnoredReason::UnknownCase,
            },
        );
        return;
    }
    let Some(mut case) = state.case.take() else {
        return;
    };
    match e.event_type {
        FeedbackEventType::ContactAttempt => {
            if let Some(attempt) = &e.contact_attempt {
                case.first_contact_on = Some(
                    case.first_contact_on
                        .map_or(attempt.datum, |d| d.min(attempt.datum)),
                );
                step.emit(
                    ids::FEEDBACK,
                    format!(
                        "contactpoging ({}, {}) op {} voor zaak {}; de termijn voor eerste contact is gestopt",
                        attempt.soort,
                        if attempt.bereikt { "bereikt" } else { "niet bereikt" },
                        attempt.datum,
                        case.case_id
                    ),
                    DecisionKind::Recorded {
                        reason_code: RecordedReason::ContactAttempt,
                    },
                );
                if attempt.bereikt {
                    case.reached = true;
                    for s in &case.signals {
                        if !case.picked_up_told.contains(&s.signal_id) {
                            step.creditor_status(
                                &s.creditor_id,
                                &s.customer_ref,
                                &s.signal_id,
                                CreditorStatusValue::PickedUp,
                            );
                        }
                    }
                    let ids: Vec<String> =
                        case.signals.iter().map(|s| s.signal_id.clone()).collect();
                    for id in ids {
                        if !case.picked_up_told.contains(&id) {
                            case.picked_up_told.push(id);
                        }
                    }
                }
            }
            state.case = Some(case);
        }
        FeedbackEventType::CaseResult => {
            let Some(result) = e.resultaat else {
                state.case = Some(case);
                return;
            };
            step.emit(
                ids::FEEDBACK,
                format!("zaak {} gesloten met resultaat \"{result}\"", case.case_id),
                DecisionKind::Recorded {
                    reason_code: RecordedReason::CaseResult,
                },
            );
            let status = creditor_status_for(result);
            for s in &case.signals {
                let told = case.picked_up_told.contains(&s.signal_id);
                if !(told && status == CreditorStatusValue::PickedUp) {
                    step.creditor_status(&s.creditor_id, &s.customer_ref, &s.signal_id, status);
                }
            }
            if result == Eindresultaat::PersoonIsGeenInwonerMeerInDeGemeente {
                state.not_resident = true;
            }
            state.last_closed = Some(ClosedCase {
                case_id: case.case_id,
                task_id: case.task_id,
                version: case.version,
                result,
                closed_on: step.today,
                municipality: case.municipality,
            });
        }
    }
}
