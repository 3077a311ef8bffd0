//! A creditor's arrears: from report to signal (RULES.md §1–§3), and resolution (§2).

use super::state::{ArrearsRecord, ArrearsStage, CaseSignal, HouseholdState, PastSignal};
use super::step::{Step, day_start, days_between, derived_id, plus_days};
use super::{case, standing};
use super::{ids, reasons};
use crate::config::SectorRule;
use crate::contract::decision::{
    DecisionKind, IgnoredReason, NotRoutedReason, PendingReason, QuarantineReason, RecordedReason,
    SuppressReason,
};
use crate::contract::messages::{
    ArrearsEvent, ArrearsEventType, CreditorStatusValue, Person, TaskStatus,
};
use crate::contract::sector::{LegalBasis, Sector};
use crate::reporting::ddas::Signaalstatus;
use chrono::NaiveDate;

/// Handles an `ARREARS` or `RESOLVED` event for an existing household state. Nothing of a
/// quarantined event (its person, contact or address) is stored: the person of a report is kept
/// only with the arrears and the signal it makes (RULES.md §1).
pub(super) fn on_event(state: &mut HouseholdState, step: &mut Step<'_, '_>, e: &ArrearsEvent) {
    match e.event_type {
        ArrearsEventType::Resolved => resolve(state, step, e),
        ArrearsEventType::Arrears => report(state, step, e),
    }
}

fn same_person(a: &Person, b: &Person) -> bool {
    a.initials == b.initials && a.surname == b.surname && a.birth_date == b.birth_date
}

/// An escalation (RULES.md §3): `crisis` turning true, or a new `end_of_supply_date`. Never a
/// herhaalde melding.
fn escalates(rec: &ArrearsRecord, e: &ArrearsEvent) -> bool {
    (e.crisis && !rec.crisis)
        || (e.end_of_supply_date.is_some() && e.end_of_supply_date != rec.end_of_supply_date)
}

fn quarantine_objection(step: &mut Step<'_, '_>, e: &ArrearsEvent) {
    step.emit(
        ids::BASIS_OBJECTION,
        reasons::objection(e.sector),
        DecisionKind::Quarantined {
            reason_code: QuarantineReason::Objection,
            creditor_id: e.creditor_id.clone(),
        },
    );
}

fn report(state: &mut HouseholdState, step: &mut Step<'_, '_>, e: &ArrearsEvent) {
    // §1: the objection flag records an objection for the creditor (every account at the
    // address) and quarantines this event; an objection stands until withdrawn.
    if e.objected {
        let start = step.out.len();
        standing::record_objection(state, step, &e.creditor_id, &e.customer_ref);
        quarantine_objection(step, e);
        if let Some(q) = step.out.pop() {
            step.out.insert(start, q);
        }
        return;
    }
    if state.objected(&e.creditor_id) {
        quarantine_objection(step, e);
        return;
    }
    if e.sector.legal_basis() == LegalBasis::Consent
        && standing::consent_withdrawn(
            state,
            &e.creditor_id,
            &e.customer_ref,
            e.consent_ref.as_ref(),
        )
    {
        step.emit(
            ids::BASIS_CONSENT,
            format!("{}: de toestemming van de inwoner is ingetrokken", e.sector),
            DecisionKind::Quarantined {
                reason_code: QuarantineReason::NoLegalBasis,
                creditor_id: e.creditor_id.clone(),
            },
        );
        return;
    }

    // §4b "geen inwoner (meer)": hold back until a different person shows up at the address.
    if state.not_resident {
        let different = match (&e.person, &state.person) {
            (Some(new), Some(old)) => !same_person(new, old),
            (Some(_), None) => true,
            _ => false,
        };
        if different {
            state.not_resident = false;
        } else {
            step.emit(
                ids::ROUTING_NOT_RESIDENT,
                format!(
                    "{}: de gemeente meldde dat de persoon hier niet (meer) woont; signaal wordt achtergehouden",
                    e.sector
                ),
                DecisionKind::NotRouted {
                    reason_code: NotRoutedReason::NotResident,
                    municipality_code: Some(state.municipality),
                },
            );
            let sid = signal_id(state, e);
            step.creditor_status(
                &e.creditor_id,
                &e.customer_ref,
                &sid,
                CreditorStatusValue::NotPickedUp,
            );
            return;
        }
    }

    // The address as this admitted report gives it (street, city): the task's contact address.
    if state.address != e.address {
        state.address.clone_from(&e.address);
    }

    let (Some(amount), Some(since)) = (e.arrears_amount, e.arrears_since) else {
        // `validate` guarantees both for ARREARS; nothing to do otherwise.
        return;
    };

    let existing = state
        .arrears
        .iter()
        .position(|a| a.creditor_id == e.creditor_id && a.customer_ref == e.customer_ref);
    let mut escalation = false;
    if let Some(i) = existing {
        let rec = &state.arrears[i];
        escalation = escalates(rec, e);
        if rec.since == since
            && !escalation
            && let ArrearsStage::Signalled {
                signal_id,
                amount: signalled,
                ..
            } = &rec.stage
            && amount <= *signalled
        {
            // Herhaalde melding: same creditor, same arrears, amount not increased.
            let sid = signal_id.clone();
            let mut updated = rec.clone();
            updated.amount = amount;
            updated.reported_at = step.now;
            updated.event_id = e.event_id.clone();
            state.arrears[i] = updated;
            step.emit(
                        ids::MATCH_REPEAT,
                        format!(
                            "{}: dezelfde achterstand sinds {since} opnieuw gemeld, bedrag niet gestegen ({}); herhaalde melding",
                            e.sector,
                            amount.dutch()
                        ),
                        DecisionKind::Suppressed {
                            ddas_status: Signaalstatus::NietOpgepaktHerhaaldeMelding,
                            reason_code: SuppressReason::Repeat,
                            creditor_id: e.creditor_id.clone(),
                            signal_id: sid.clone(),
                            municipality_code: Some(state.municipality),
                        },
                    );
            step.creditor_status(
                &e.creditor_id,
                &e.customer_ref,
                &sid,
                CreditorStatusValue::Repeat,
            );
            return;
        }
    }

    let record = ArrearsRecord {
        creditor_id: e.creditor_id.clone(),
        customer_ref: e.customer_ref.clone(),
        sector: e.sector,
        amount,
        since,
        event_id: e.event_id.clone(),
        reported_at: step.now,
        reminders_sent: e.reminders_sent,
        crisis: e.crisis,
        warm_handover: e.warm_handover,
        end_of_supply_date: e.end_of_supply_date,
        personal_contact_attempted: e.personal_contact_attempted,
        pointed_to_debt_help: e.pointed_to_debt_help,
        data_sharing_offered: e.data_sharing_offered,
        min_payment_term_days: e.min_payment_term_days,
        stage: ArrearsStage::Waiting { due: step.now },
        person: e.person.clone(),
    };
    let i = match existing {
        Some(i) => {
            state.arrears[i] = record;
            i
        }
        None => {
            state.arrears.push(record);
            state.arrears.len() - 1
        }
    };
    step.escalation = escalation;
    judge(state, step, i);
    step.escalation = false;
}

/// The deterministic id of the signal that arrears report `event_id` makes.
fn signal_id_of(
    state: &HouseholdState,
    creditor_id: &str,
    customer_ref: &str,
    event_id: &str,
) -> String {
    derived_id(
        "sig_",
        &[
            state.household_id.as_str(),
            creditor_id,
            customer_ref,
            event_id,
        ],
    )
}

fn signal_id(state: &HouseholdState, e: &ArrearsEvent) -> String {
    signal_id_of(state, &e.creditor_id, &e.customer_ref, &e.event_id)
}

/// Judges arrears record `i` now — on its report, or when its timer fires: wait, suppress, or
/// signal. Preconditions are judged when the signal becomes due, on the latest report, under the
/// rule set in force that day.
pub(super) fn judge(state: &mut HouseholdState, step: &mut Step<'_, '_>, i: usize) {
    let Some(rules) = step.rules() else {
        return;
    };
    // Borrowed, not cloned: only the path that makes a signal needs its own copy.
    let rec = &state.arrears[i];
    let Some(rule) = rules.sectors.get(&rec.sector) else {
        return;
    };
    let days = days_between(rec.since, step.today);

    if days < rule.min_days {
        let due_date = due_day(step, rec.since, rule.min_days, rec.sector);
        let due = day_start(due_date);
        // The day number under the rules in force on the due day (a rule change may move it).
        step.emit(
            ids::WINDOW_TOO_YOUNG,
            format!(
                "{}: {days} dagen achterstand; een signaal is pas mogelijk vanaf dag {} ({due_date})",
                rec.sector,
                days_between(rec.since, due_date),
            ),
            DecisionKind::Pending {
                reason_code: PendingReason::TooYoung,
                until: due,
            },
        );
        state.arrears[i].stage = ArrearsStage::Waiting { due };
        return;
    }
    let signal_id = signal_id_of(state, &rec.creditor_id, &rec.customer_ref, &rec.event_id);

    let suppress = |step: &mut Step<'_, '_>, rule_id: &str, why: String, code: SuppressReason| {
        step.emit(
            rule_id,
            why,
            DecisionKind::Suppressed {
                ddas_status: Signaalstatus::NietOpgepaktOnterechtSignaal,
                reason_code: code,
                creditor_id: rec.creditor_id.clone(),
                signal_id: signal_id.clone(),
                municipality_code: Some(state.municipality),
            },
        );
        step.creditor_status(
            &rec.creditor_id,
            &rec.customer_ref,
            &signal_id,
            CreditorStatusValue::Unjustified,
        );
    };

    if let Some(max) = rule.max_days.filter(|max| days > *max) {
        suppress(
            step,
            ids::WINDOW_TOO_OLD,
            format!(
                "{}: {days} dagen achterstand, na de termijn van {max} dagen; onterecht signaal",
                rec.sector
            ),
            SuppressReason::OutsideWindow,
        );
        state.arrears[i].stage = ArrearsStage::Suppressed {
            signal_id,
            amount: rec.amount,
        };
        return;
    }

    let missing = missing_preconditions(rule, rec);
    if !missing.is_empty() {
        suppress(
            step,
            ids::PRECONDITIONS,
            format!(
                "{}: niet voldaan aan de voorwaarden (regels van {}): {}; onterecht signaal",
                rec.sector,
                rules.effective_from,
                missing.join(", ")
            ),
            SuppressReason::PreconditionsNotMet,
        );
        state.arrears[i].stage = ArrearsStage::Suppressed {
            signal_id,
            amount: rec.amount,
        };
        return;
    }

    if let Some(min) = rule.min_amount.filter(|min| rec.amount < *min) {
        suppress(
            step,
            ids::THRESHOLD_STATUTORY,
            format!(
                "{}: achterstand {} is lager dan het wettelijke minimum van {}; onterecht signaal",
                rec.sector,
                rec.amount.dutch(),
                min.dutch()
            ),
            SuppressReason::BelowThreshold,
        );
        state.arrears[i].stage = ArrearsStage::Suppressed {
            signal_id,
            amount: rec.amount,
        };
        return;
    }

    let municipal_min = step
        .municipality(state.municipality)
        .and_then(|m| m.min_amount);
    if let Some(min) = municipal_min.filter(|min| rec.amount < *min) {
        suppress(
            step,
            ids::THRESHOLD_MUNICIPALITY,
            format!(
                "{}: achterstand {} is lager dan het drempelbedrag van gemeente {} ({}); onterecht signaal",
                rec.sector,
                rec.amount.dutch(),
                state.municipality,
                min.dutch()
            ),
            SuppressReason::BelowThreshold,
        );
        state.arrears[i].stage = ArrearsStage::Suppressed {
            signal_id,
            amount: rec.amount,
        };
        return;
    }

    // §4b "geen inwoner (meer)": also a signal that becomes due by timer is held back.
    if state.not_resident {
        step.emit(
            ids::ROUTING_NOT_RESIDENT,
            format!(
                "{}: de gemeente meldde dat de persoon hier niet (meer) woont; signaal wordt achtergehouden",
                rec.sector
            ),
            DecisionKind::NotRouted {
                reason_code: NotRoutedReason::NotResident,
                municipality_code: Some(state.municipality),
            },
        );
        step.creditor_status(
            &rec.creditor_id,
            &rec.customer_ref,
            &signal_id,
            CreditorStatusValue::NotPickedUp,
        );
        state.arrears[i].stage = ArrearsStage::Suppressed {
            signal_id,
            amount: rec.amount,
        };
        return;
    }

    // A valid signal.
    let updated_signal = rule
        .updated_signal_after_days
        .is_some_and(|after| days > after);
    let rec = rec.clone();
    state.arrears[i].stage = ArrearsStage::Signalled {
        signal_id: signal_id.clone(),
        amount: rec.amount,
        updated_signal_sent: updated_signal,
    };
    send_signal(state, step, &rec, signal_id, updated_signal);
}

/// The first day from today on which arrears since `since` are old enough under the rule set in
/// force *on that day* (RULES.md §1: a signal is judged on the day it becomes due, with that day's
/// rules): a rule set taking effect while the arrears wait can make them due earlier (or later).
fn due_day(
    step: &Step<'_, '_>,
    since: NaiveDate,
    min_days_today: u32,
    sector: Sector,
) -> NaiveDate {
    // The rule sets in force from today on, as segments [start, next start).
    let sets = &step.ctx.rules.sets;
    let later: Vec<_> = sets
        .iter()
        .filter(|s| s.effective_from > step.today)
        .collect();
    let mut start = step.today;
    let mut min_days = min_days_today;
    for next in later {
        let candidate = plus_days(since, min_days).max(start);
        if candidate < next.effective_from {
            return candidate;
        }
        start = next.effective_from;
        if let Some(rule) = next.sectors.get(&sector) {
            min_days = rule.min_days;
        }
    }
    plus_days(since, min_days).max(start)
}

/// Turns arrears into a signal of the household's case (new, bundled, or an update) and
/// remembers it for the look-back under the case it joined.
pub(super) fn send_signal(
    state: &mut HouseholdState,
    step: &mut Step<'_, '_>,
    rec: &ArrearsRecord,
    signal_id: String,
    updated_signal: bool,
) {
    let case_id_hint = state.case.as_ref().map(|c| c.case_id.clone());
    let signal = CaseSignal {
        signal_id,
        creditor_id: rec.creditor_id.clone(),
        customer_ref: rec.customer_ref.clone(),
        sector: rec.sector,
        amount: rec.amount,
        since: rec.since,
        signalled_on: step.today,
        reminders_sent: rec.reminders_sent,
        crisis: rec.crisis,
        warm_handover: rec.warm_handover,
        end_of_supply_date: rec.end_of_supply_date,
        updated_signal,
        resolved: false,
        person: rec.person.clone(),
        reported_at: Some(rec.reported_at),
    };
    // The household's person is that of its latest signal (never of a quarantined or objected
    // event): what §4b's "a different person" compares against.
    if rec.person.is_some() {
        state.person.clone_from(&rec.person);
    }
    case::add_signal(state, step, signal);
    let case_id = state
        .case
        .as_ref()
        .map(|c| c.case_id.clone())
        .or(case_id_hint)
        .or_else(|| state.last_closed.as_ref().map(|c| c.case_id.clone()))
        .unwrap_or_default();
    state.history.push(PastSignal {
        on: step.today,
        creditor_id: rec.creditor_id.clone(),
        case_id,
    });
}

fn missing_preconditions(rule: &SectorRule, rec: &ArrearsRecord) -> Vec<String> {
    let mut missing = Vec::new();
    if rec.reminders_sent < rule.min_reminders {
        missing.push(format!(
            "{} verstuurd, vereist {}",
            reasons::reminders(rec.reminders_sent),
            rule.min_reminders
        ));
    }
    if let (Some(required), Some(given)) = (rule.min_payment_term_days, rec.min_payment_term_days)
        && given < required
    {
        missing.push(format!(
            "betaaltermijn in herinneringen {given} dagen, vereist {required}"
        ));
    }
    if rule.require_personal_contact && !rec.personal_contact_attempted {
        missing.push("geen poging tot persoonlijk contact".to_owned());
    }
    if rule.require_pointed_to_debt_help && !rec.pointed_to_debt_help {
        missing.push("niet gewezen op schuldhulpverlening".to_owned());
    }
    if rule.require_data_sharing_offered && !rec.data_sharing_offered {
        missing.push("gegevensdeling niet aangeboden".to_owned());
    }
    missing
}

/// `RESOLVED`: before a task goes out it cancels the signal; after, it updates the task (or
/// withdraws it when every signal is resolved before any contact).
fn resolve(state: &mut HouseholdState, step: &mut Step<'_, '_>, e: &ArrearsEvent) {
    let Some(i) = state
        .arrears
        .iter()
        .position(|a| a.creditor_id == e.creditor_id && a.customer_ref == e.customer_ref)
    else {
        step.emit(
            ids::CASE_RESOLVED,
            format!(
                "{}: opgelost gemeld voor een achterstand die hier niet bekend is",
                e.sector
            ),
            DecisionKind::Ignored {
                reason_code: IgnoredReason::UnknownArrears,
            },
        );
        return;
    };
    let rec = state.arrears.remove(i);
    let signal_id = match &rec.stage {
        ArrearsStage::Signalled { signal_id, .. } => Some(signal_id.clone()),
        _ => None,
    };
    let in_case = signal_id.as_ref().and_then(|sid| {
        state
            .case
            .as_ref()
            .filter(|c| c.signals.iter().any(|s| &s.signal_id == sid))
            .map(|c| (c.dispatch_at.is_some(), sid.clone()))
    });
    match in_case {
        Some((true, sid)) => {
            // Still bundling: the signal is cancelled; a case left empty never goes out.
            let mut empty = false;
            let mut case_id = String::new();
            if let Some(case) = state.case.as_mut() {
                case.signals.retain(|s| s.signal_id != sid);
                empty = case.signals.is_empty();
                case_id.clone_from(&case.case_id);
            }
            state.forget_unsent(&case_id, std::slice::from_ref(&rec.creditor_id));
            if empty {
                state.case = None;
            }
            step.emit(
                ids::CASE_RESOLVED,
                format!(
                    "{}: zelf betaald of betalingsregeling getroffen voordat de taak uitging; signaal vervalt{}",
                    rec.sector,
                    if empty { ", er gaat geen taak uit" } else { "" }
                ),
                DecisionKind::Recorded {
                    reason_code: RecordedReason::Resolved,
                },
            );
        }
        Some((false, sid)) => {
            let mut all_resolved = false;
            let mut contacted = false;
            if let Some(case) = state.case.as_mut() {
                for s in case.signals.iter_mut().filter(|s| s.signal_id == sid) {
                    s.resolved = true;
                }
                all_resolved = case.signals.iter().all(|s| s.resolved);
                contacted = case.first_contact_on.is_some();
            }
            if all_resolved && !contacted {
                case::emit_version(
                    state,
                    step,
                    TaskStatus::Withdrawn,
                    ids::CASE_WITHDRAWN,
                    "Taak ingetrokken: alle achterstanden opgelost voor contact",
                );
                close_withdrawn(state, step);
            } else {
                case::emit_version(
                    state,
                    step,
                    TaskStatus::Updated,
                    ids::CASE_RESOLVED,
                    "Zaak bijgewerkt: zelf betaald of betalingsregeling getroffen",
                );
            }
        }
        None => {
            step.emit(
                ids::CASE_RESOLVED,
                format!(
                    "{}: achterstand opgelost voordat er een (open) signaal was",
                    rec.sector
                ),
                DecisionKind::Recorded {
                    reason_code: RecordedReason::Resolved,
                },
            );
        }
    }
}

/// A withdrawn task closes its case with the result the creditor reported.
fn close_withdrawn(state: &mut HouseholdState, step: &Step<'_, '_>) {
    if let Some(case) = state.case.take() {
        state.last_closed = Some(super::state::ClosedCase {
            case_id: case.case_id,
            task_id: case.task_id,
            version: case.version,
            result: crate::reporting::ddas::Eindresultaat::InwonerHeeftZelfAlBetaaldBetalingsregelingGetroffen,
            closed_on: step.today,
            municipality: case.municipality,
        });
    }
}
