//! Cases and their tasks: bundling, dispatch, versions, classification, priority and deadline
//! (RULES.md §3, §4, §4b).

use std::fmt::Write as _;

use chrono::{Duration, NaiveDate};

use super::reasons;
use super::state::{CaseRecord, CaseSignal, HouseholdState};
use super::step::{Step, days_between, minus_months, plus_days};
use crate::config::Deadlines;
use crate::contract::decision::{DecisionKind, PendingReason};
use crate::contract::messages::{
    Classification, Contact, OutreachTask, Priority, TaskSignal, TaskStatus,
};
use crate::contract::money::Money;
use crate::reporting::ddas::Eindresultaat;
use crate::rules::ids;

/// Default deadlines when no rule set is in force (never the case with a validated rule book).
const FALLBACK_DEADLINES: Deadlines = Deadlines {
    crisis_days: 3,
    warm_handover_days: 14,
    default_days: 14,
    end_of_supply_margin_days: 1,
};

const FALLBACK_LOOKBACK_MONTHS: u32 = 6;

/// Adds a valid signal to the household's case: a new case (bundled, or at once for a crisis),
/// an open case (bundle or update), or — for a household known to debt help — an update to the
/// closed case.
pub(super) fn add_signal(state: &mut HouseholdState, step: &mut Step<'_, '_>, signal: CaseSignal) {
    let lookback = step
        .rules()
        .map_or(FALLBACK_LOOKBACK_MONTHS, |r| r.lookback_months);
    if state.case.is_none()
        && let Some(closed) = &state.last_closed
    {
        let known = matches!(
            closed.result,
            Eindresultaat::InwonerAlBekendBijSchuldhulpverlening
                | Eindresultaat::InwonerHeeftAlEenAnderLopendTraject
        );
        if known && closed.closed_on >= minus_months(step.today, lookback) {
            known_to_debt_help_update(state, step, signal);
            return;
        }
    }

    let crisis = signal.crisis || step.escalation;
    match state.case.as_mut() {
        Some(case) => {
            upsert(&mut case.signals, signal);
            if case.dispatch_at.is_some() {
                if crisis {
                    dispatch(state, step);
                } else if let Some(until) = case.dispatch_at {
                    step.emit(
                        ids::BUNDLE_WAIT,
                        format!(
                            "signaal toegevoegd aan de bundel van zaak {}; taak gaat uit op {until}",
                            case.case_id
                        ),
                        DecisionKind::Pending {
                            reason_code: PendingReason::Bundling,
                            until,
                        },
                    );
                }
            } else {
                let what = if step.escalation {
                    "Zaak bijgewerkt: escalatie (crisis of nieuwe datum einde levering)"
                } else {
                    "Zaak bijgewerkt"
                };
                emit_version(state, step, TaskStatus::Updated, ids::CASE_UPDATE, what);
            }
        }
        None => {
            state.case_seq += 1;
            let suffix = state
                .household_id
                .as_str()
                .strip_prefix("hh_")
                .unwrap_or(state.household_id.as_str())
                .to_owned();
            let delay_hours = step
                .municipality(state.municipality)
                .map_or(24, |m| m.bundling_delay_hours);
            let dispatch_at = step.now + Duration::hours(i64::from(delay_hours));
            let number = state.case_number();
            let case = CaseRecord {
                case_id: format!("cs_{suffix}_{number}"),
                task_id: format!("tk_{suffix}_{number}"),
                municipality: state.municipality,
                opened_at: step.now,
                dispatch_at: Some(dispatch_at),
                version: 0,
                signals: vec![signal],
                classification: None,
                priority: None,
                due_date: None,
                created_at: None,
                first_contact_on: None,
                reached: false,
                known_to_debt_help: false,
                picked_up_told: Vec::new(),
            };
            let case_id = case.case_id.clone();
            state.case = Some(case);
            if crisis || delay_hours == 0 {
                dispatch(state, step);
            } else {
                step.emit(
                    ids::BUNDLE_WAIT,
                    format!(
                        "nieuwe zaak {case_id}: signalen van dit huishouden worden {delay_hours} uur gebundeld; taak gaat uit op {dispatch_at}"
                    ),
                    DecisionKind::Pending {
                        reason_code: PendingReason::Bundling,
                        until: dispatch_at,
                    },
                );
            }
        }
    }
}

/// Replaces the signal of the same creditor relationship, or appends.
fn upsert(signals: &mut Vec<CaseSignal>, signal: CaseSignal) {
    match signals
        .iter_mut()
        .find(|s| s.creditor_id == signal.creditor_id && s.customer_ref == signal.customer_ref)
    {
        Some(existing) => *existing = signal,
        None => signals.push(signal),
    }
}

/// Sends the bundled case as a new task.
pub(super) fn dispatch(state: &mut HouseholdState, step: &mut Step<'_, '_>) {
    if let Some(case) = state.case.as_mut() {
        case.dispatch_at = None;
        case.created_at = Some(step.now);
    }
    emit_version(state, step, TaskStatus::New, ids::CASE_NEW, "Nieuwe zaak");
}

/// Emits the next version of the open case's task.
pub(super) fn emit_version(
    state: &mut HouseholdState,
    step: &mut Step<'_, '_>,
    status: TaskStatus,
    rule: &str,
    what: &str,
) {
    let Some(mut case) = state.case.take() else {
        return;
    };
    case.version += 1;
    let task = build_task(state, &mut case, step, status);
    let mut reason = String::with_capacity(what.len() + 96 + joined_len(&task.reasons));
    let _ = write!(
        reason,
        "{what} voor gemeente {} ({}, prioriteit {:?}, eerste contact uiterlijk {}): ",
        task.municipality_code,
        classification_name(task.classification),
        task.priority,
        task.due_date,
    );
    push_joined(&mut reason, &task.reasons);
    state.case = Some(case);
    step.emit(
        rule,
        reason,
        DecisionKind::Task {
            task: Box::new(task),
        },
    );
}

/// The length of `parts.join(" | ")`.
fn joined_len(parts: &[String]) -> usize {
    parts.iter().map(|p| p.len() + 3).sum()
}

/// Appends `parts.join(" | ")` without building it first.
fn push_joined(out: &mut String, parts: &[String]) {
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(" | ");
        }
        out.push_str(p);
    }
}

fn classification_name(c: Classification) -> &'static str {
    match c {
        Classification::Enkelvoudig => "ENKELVOUDIG",
        Classification::Meervoudig => "MEERVOUDIG",
        Classification::Opeenvolgend => "OPEENVOLGEND",
    }
}

/// Divosa: MEERVOUDIG when two or more creditors have signals in the case in the same calendar
/// month;
/// otherwise OPEENVOLGEND when the household had a signal in an earlier case within the
/// look-back; otherwise ENKELVOUDIG. MEERVOUDIG wins over OPEENVOLGEND because multiple debts
/// are the stronger predictor (RULES.md §3).
pub(super) fn classify(
    state: &HouseholdState,
    case: &CaseRecord,
    today: NaiveDate,
    lookback_months: u32,
) -> Classification {
    // RULES.md §3 (2026-11-29): a signal counts in every calendar month in which it is open
    // (sent and not resolved). Every unresolved signal of the open case is open today, so two
    // different creditors among them share this month — also when one joined later or they
    // straddle a month boundary. A resolved signal no longer counts.
    let mut open = case.signals.iter().filter(|s| !s.resolved);
    let meervoudig = open
        .next()
        .is_some_and(|first| open.any(|s| s.creditor_id != first.creditor_id));
    if meervoudig {
        return Classification::Meervoudig;
    }
    // The look-back runs from the case's first signal, not from the (bundled) dispatch.
    let reference = case_reference_date(case, today);
    let horizon = minus_months(reference, lookback_months);
    let earlier = state
        .history
        .iter()
        .any(|p| p.case_id != case.case_id && p.on >= horizon && p.on <= reference);
    if earlier {
        Classification::Opeenvolgend
    } else {
        Classification::Enkelvoudig
    }
}

/// The date the case's look-back is measured from: its earliest signal.
pub(super) fn case_reference_date(case: &CaseRecord, today: NaiveDate) -> NaiveDate {
    case.signals
        .iter()
        .map(|s| s.signalled_on)
        .min()
        .unwrap_or(today)
        .min(today)
}

fn build_task(
    state: &HouseholdState,
    case: &mut CaseRecord,
    step: &Step<'_, '_>,
    status: TaskStatus,
) -> OutreachTask {
    let rules = step.rules();
    let deadlines = rules.map_or(&FALLBACK_DEADLINES, |r| &r.deadlines);
    let lookback = rules.map_or(FALLBACK_LOOKBACK_MONTHS, |r| r.lookback_months);
    let today = step.today;
    let classification = classify(state, case, today, lookback);

    let open: Vec<&CaseSignal> = case.signals.iter().filter(|s| !s.resolved).collect();
    let any = |f: fn(&CaseSignal) -> bool| open.iter().any(|s| f(s));
    let priority = if case.known_to_debt_help {
        Priority::Normal
    } else if any(|s| s.crisis) {
        Priority::Crisis
    } else if any(|s| s.end_of_supply_date.is_some() || s.warm_handover)
        || classification == Classification::Meervoudig
    {
        Priority::High
    } else {
        Priority::Normal
    };

    let mut due = plus_days(today, deadlines.default_days);
    if !case.known_to_debt_help {
        if any(|s| s.crisis) {
            due = due.min(plus_days(today, deadlines.crisis_days));
        }
        if any(|s| s.warm_handover) {
            due = due.min(plus_days(today, deadlines.warm_handover_days));
        }
        for s in &open {
            if let Some(eos) = s.end_of_supply_date {
                let before = eos
                    .checked_sub_days(chrono::Days::new(u64::from(
                        deadlines.end_of_supply_margin_days,
                    )))
                    .unwrap_or(eos);
                due = due.min(before.max(today));
            }
        }
    }
    // A later version never pushes an earlier deadline back.
    if let Some(previous) = case.due_date {
        due = due.min(previous);
    }

    let signals: Vec<TaskSignal> = case
        .signals
        .iter()
        .map(|s| TaskSignal {
            signal_id: s.signal_id.clone(),
            creditor_id: s.creditor_id.clone(),
            sector: s.sector,
            amount: s.amount,
            arrears_since: s.since,
            days_in_arrears: days_between(s.since, today),
            crisis: s.crisis,
            warm_handover: s.warm_handover,
            end_of_supply_date: s.end_of_supply_date,
            updated_signal: s.updated_signal,
            resolved: s.resolved,
        })
        .collect();
    let reasons = case
        .signals
        .iter()
        .map(|s| {
            reasons::signal_line(
                s.sector,
                days_between(s.since, today),
                s.amount,
                s.reminders_sent,
                s.crisis,
                s.warm_handover,
                s.end_of_supply_date,
                s.updated_signal,
                s.resolved,
                state.objected(&s.creditor_id),
            )
        })
        .collect();
    let total_amount = open
        .iter()
        .fold(Money::ZERO, |acc, s| acc.saturating_add(s.amount));

    case.classification = Some(classification);
    case.priority = Some(priority);
    case.due_date = Some(due);

    // The contact comes only from reports admitted as signals of this case, newest first
    // (RULES.md §1). Signals restored from records written before 2026-11-29 carry no person:
    // then the household's person as it was kept then.
    // A version without signals (withdrawn after an objection) carries no person at all.
    let modern = case.signals.is_empty() || case.signals.iter().any(|s| s.reported_at.is_some());
    let newest = case
        .signals
        .iter()
        .filter(|s| s.person.is_some())
        .max_by_key(|s| s.reported_at);
    let person = match (newest, modern) {
        (Some(s), _) => s.person.clone().unwrap_or_default(),
        (None, true) => crate::contract::messages::Person::default(),
        (None, false) => state.person.clone().unwrap_or_default(),
    };
    let address = state.address.clone();
    OutreachTask {
        task_id: case.task_id.clone(),
        version: case.version,
        case_id: case.case_id.clone(),
        status,
        municipality_code: case.municipality,
        household_id: state.household_id.clone(),
        created_at: step.now,
        due_date: due,
        priority,
        classification,
        signals,
        contact: Contact {
            initials: person.initials,
            prefix: person.prefix,
            surname: person.surname,
            birth_date: person.birth_date,
            phone: person.phone,
            email: person.email,
            address,
        },
        reasons,
        total_amount,
        known_to_debt_help: case.known_to_debt_help,
    }
}

/// RULES.md §4b: after "al bekend bij schuldhulpverlening" or "ander lopend traject", a new
/// signal within the look-back still reaches the municipality — never dropped silently — as an
/// update to the closed case, marked known to debt help, at normal priority.
fn known_to_debt_help_update(
    state: &mut HouseholdState,
    step: &mut Step<'_, '_>,
    signal: CaseSignal,
) {
    let Some(closed) = state.last_closed.take() else {
        return;
    };
    // The closed case is reopened as the household's open case, marked known to debt help: its
    // signals give their creditors a status like any other, and the municipality's feedback on
    // it is accepted (RULES.md §4b, 2026-11-29).
    let mut case = CaseRecord {
        case_id: closed.case_id,
        task_id: closed.task_id,
        municipality: closed.municipality,
        opened_at: step.now,
        dispatch_at: None,
        version: closed.version + 1,
        signals: vec![signal],
        classification: None,
        priority: None,
        due_date: None,
        created_at: Some(step.now),
        first_contact_on: None,
        reached: false,
        known_to_debt_help: true,
        picked_up_told: Vec::new(),
    };
    let task = build_task(state, &mut case, step, TaskStatus::Updated);
    state.case = Some(case);
    let mut reason = String::with_capacity(160 + joined_len(&task.reasons));
    let _ = write!(
        reason,
        "Inwoner al bekend bij schuldhulpverlening: nieuw signaal als update van gesloten zaak {} voor gemeente {}: ",
        task.case_id, task.municipality_code,
    );
    push_joined(&mut reason, &task.reasons);
    step.emit(
        ids::CASE_KNOWN_TO_DEBT_HELP,
        reason,
        DecisionKind::Task {
            task: Box::new(task),
        },
    );
}

/// When a bundling case goes out, as a wakeup time.
pub(super) fn dispatch_due(case: &CaseRecord) -> Option<chrono::DateTime<chrono::Utc>> {
    case.dispatch_at
}
