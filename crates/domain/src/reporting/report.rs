//! The reporting store: what the household stage writes to `vroeg.report.<gemeentecode>` so that a
//! municipality's DDAS report (`vroegsignaal report ddas`) can be built later, without the audit
//! topic (pseudonymous) or the outreach topic (only signals that led to tasks).
//!
//! [`report_records`] is a pure function of one household step: the input event (if any), the
//! decisions it produced and the household's state after it. Time comes from the decisions; there
//! is no clock. Every record has a stable key (`signal/<id>`, `case/<id>`, `closed/<id>`,
//! `contact/<event_id>`), so the topic can be compacted: the last record per key is the truth, and
//! a replay after a crash rewrites identical records.
//!
//! Data minimisation: a record carries the client's postcode, house number, addition and birth
//! date (what DDAS identifies a client by when no BSN is used) and nothing else of the person — no
//! name, phone or e-mail.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::contract::address::Address;
use crate::contract::decision::{Decision, DecisionKind, RecordedReason, SuppressReason};
use crate::contract::messages::{FeedbackEventType, InputEvent, TaskStatus};
use crate::contract::money::Money;
use crate::contract::municipality::Gemeentecode;
use crate::contract::pseudonym::HouseholdId;
use crate::contract::sector::Sector;
use crate::reporting::ddas::{Contactsoort, Dagdeel, Eindresultaat, Signaalstatus};
use crate::rules::{ArrearsStage, HouseholdState};

/// How DDAS identifies the client without a BSN: address and, where known, birth date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportClient {
    /// Postcode, `1234AB`.
    pub postcode: String,
    /// House number.
    pub house_number: u32,
    /// House number addition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub house_number_addition: Option<String>,
    /// Birth date, when the creditor sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
}

impl ReportClient {
    fn new(address: &Address, birth_date: Option<NaiveDate>) -> Self {
        ReportClient {
            postcode: address.postcode.as_str().to_owned(),
            house_number: address.house_number.get(),
            house_number_addition: address
                .house_number_addition
                .as_ref()
                .map(|a| a.as_str().to_owned()),
            birth_date,
        }
    }
}

/// One signal as DDAS reports it (`vroegsignaal`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalFacts {
    /// The signal id (for a herhaalde melding: an id of its own, see [`repeat_signal_id`]).
    pub signal_id: String,
    /// The household (pseudonym).
    pub household_id: HouseholdId,
    /// The municipality.
    pub municipality: Gemeentecode,
    /// When this record was written (decision time).
    pub at: DateTime<Utc>,
    /// When it became a signal (DDAS `signaaldatum`; the reporting period selects on it).
    pub signalled_on: NaiveDate,
    /// Sector (DDAS `signaalpartner.type`).
    pub sector: Sector,
    /// Amount as last reported (exact; whole euros only in the DDAS document).
    pub amount: Money,
    /// Start of the arrears (DDAS `ontstaansdatum`).
    pub since: NaiveDate,
    /// Crisis.
    pub crisis: bool,
    /// Warm handover.
    pub warm_handover: bool,
    /// The client.
    pub client: ReportClient,
    /// The case it is part of; `None` for a suppressed signal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    /// Joined a closed case of a household known to debt help (RULES.md §4b).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub known_to_debt_help: bool,
    /// The DDAS status the rules gave a suppressed signal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Signaalstatus>,
}

/// A case as it was first sent (`vroegsignaalzaak`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFacts {
    /// Case id.
    pub case_id: String,
    /// The household (pseudonym).
    pub household_id: HouseholdId,
    /// The municipality.
    pub municipality: Gemeentecode,
    /// When this record was written.
    pub at: DateTime<Utc>,
    /// When its first signal joined (DDAS `startdatumMatchingperiode`).
    pub opened_on: NaiveDate,
    /// When the task first went out (DDAS `matchingsdatum`, `einddatumMatchingperiode`).
    pub matched_on: NaiveDate,
}

/// A case closed: by the municipality's result, or withdrawn (all arrears resolved before contact).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedFacts {
    /// Case id.
    pub case_id: String,
    /// The household (pseudonym).
    pub household_id: HouseholdId,
    /// The municipality.
    pub municipality: Gemeentecode,
    /// When this record was written.
    pub at: DateTime<Utc>,
    /// Closed on.
    pub closed_on: NaiveDate,
    /// The result (for a withdrawn case the one the rules record: paid or arrangement made).
    pub result: Eindresultaat,
    /// Withdrawn by the rules rather than closed by the municipality.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
}

/// A contact attempt the engine accepted for a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactFacts {
    /// The feedback event.
    pub event_id: String,
    /// Case id.
    pub case_id: String,
    /// The household (pseudonym).
    pub household_id: HouseholdId,
    /// The municipality.
    pub municipality: Gemeentecode,
    /// When this record was written.
    pub at: DateTime<Utc>,
    /// How.
    pub soort: Contactsoort,
    /// Reached.
    pub bereikt: bool,
    /// On.
    pub datum: NaiveDate,
    /// Part of the day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dagdeel: Option<Dagdeel>,
}

/// One record of the reporting store (JSON on `vroeg.report.<gemeentecode>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum ReportRecord {
    /// A signal.
    Signal(SignalFacts),
    /// A case, as first sent.
    Case(CaseFacts),
    /// A case closed.
    Closed(ClosedFacts),
    /// A contact attempt.
    Contact(ContactFacts),
}

impl ReportRecord {
    /// The compaction key: the last record per key is the current one.
    pub fn key(&self) -> String {
        match self {
            ReportRecord::Signal(s) => format!("signal/{}", s.signal_id),
            ReportRecord::Case(c) => format!("case/{}", c.case_id),
            ReportRecord::Closed(c) => format!("closed/{}", c.case_id),
            ReportRecord::Contact(c) => format!("contact/{}", c.event_id),
        }
    }

    /// The municipality whose topic it goes to.
    pub fn municipality(&self) -> Gemeentecode {
        match self {
            ReportRecord::Signal(s) => s.municipality,
            ReportRecord::Case(c) => c.municipality,
            ReportRecord::Closed(c) => c.municipality,
            ReportRecord::Contact(c) => c.municipality,
        }
    }
}

/// A herhaalde melding has no signal id of its own (the rules name the signal it repeats), yet
/// DDAS counts it as a signal received with status "Niet opgepakt: herhaalde melding". Its id is
/// derived from the repeated signal and the report that repeated it, so a replay gives the same id.
pub fn repeat_signal_id(signal_id: &str, event_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(signal_id.as_bytes());
    h.update([0x1f]);
    h.update(event_id.as_bytes());
    let digest = h.finalize();
    let hex: String = digest[..10].iter().map(|b| format!("{b:02x}")).collect();
    format!("rep_{hex}")
}

/// What is known of a case when a signal's DDAS status is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CaseView {
    /// The result, once closed.
    pub result: Option<Eindresultaat>,
    /// Withdrawn before contact.
    pub withdrawn: bool,
    /// At least one contact attempt was accepted.
    pub contacted: bool,
}

/// The DDAS status of a signal at report time. In this order: a suppressed signal keeps the
/// status the rules gave it; a signal of a household known to debt help (§4b) is "Inwoner al
/// bekend bij schuldhulpverlening"; a closed case's result decides where DDAS has a matching
/// signal status (overleden, geen inwoner, niet opgepakt …, al bekend), any other result means the
/// signal was picked up; an open case with a contact attempt is "Opgepakt"; a case withdrawn
/// before any contact (arrears resolved) was not picked up ("Niet opgepakt: andere reden");
/// otherwise "Nog niet opgepakt".
pub fn signal_status(
    suppressed: Option<Signaalstatus>,
    known_to_debt_help: bool,
    case: CaseView,
) -> Signaalstatus {
    if let Some(s) = suppressed {
        return s;
    }
    if known_to_debt_help {
        return Signaalstatus::InwonerAlBekendBijSchuldhulpverlening;
    }
    if case.withdrawn && !case.contacted {
        return Signaalstatus::NietOpgepaktAndereReden;
    }
    if let Some(result) = case.result {
        return match result {
            Eindresultaat::InwonerAlBekendBijSchuldhulpverlening => {
                Signaalstatus::InwonerAlBekendBijSchuldhulpverlening
            }
            Eindresultaat::InwonerIsOverleden => Signaalstatus::InwonerIsOverleden,
            Eindresultaat::NietOpgepaktAndereReden => Signaalstatus::NietOpgepaktAndereReden,
            Eindresultaat::NietOpgepaktHerhaaldeMelding => {
                Signaalstatus::NietOpgepaktHerhaaldeMelding
            }
            Eindresultaat::NietOpgepaktOnterechtSignaal => {
                Signaalstatus::NietOpgepaktOnterechtSignaal
            }
            Eindresultaat::PersoonIsGeenInwonerMeerInDeGemeente => {
                Signaalstatus::PersoonIsGeenInwonerMeerInDeGemeente
            }
            _ => Signaalstatus::Opgepakt,
        };
    }
    if case.contacted {
        Signaalstatus::Opgepakt
    } else {
        Signaalstatus::NogNietOpgepakt
    }
}

/// The report records of one household step: `event` is the input applied (`None` for timer
/// ticks), `decisions` what the step (including timers caught up before the event) decided, and
/// `state` the household after it (`None` once purged). Only decisions with an outward effect
/// produce records: tasks (their signals, the case when first sent, withdrawal), suppressions,
/// and the feedback the rules accepted (a contact attempt or result for an unknown case produces
/// an `IGNORED` decision, not a `RECORDED` one, and so no record).
pub fn report_records(
    event: Option<&InputEvent>,
    decisions: &[Decision],
    state: Option<&HouseholdState>,
) -> Vec<ReportRecord> {
    let mut out = Vec::new();
    for d in decisions {
        let Some(household_id) = d.household_id.clone() else {
            continue;
        };
        let today = d.at.date_naive();
        match &d.kind {
            DecisionKind::Task { task } => {
                let open_case = state
                    .and_then(|s| s.case.as_ref())
                    .filter(|c| c.case_id == task.case_id);
                for s in &task.signals {
                    let signalled_on = open_case
                        .and_then(|c| c.signals.iter().find(|x| x.signal_id == s.signal_id))
                        .map_or(today, |x| x.signalled_on);
                    out.push(ReportRecord::Signal(SignalFacts {
                        signal_id: s.signal_id.clone(),
                        household_id: household_id.clone(),
                        municipality: task.municipality_code,
                        at: d.at,
                        signalled_on,
                        sector: s.sector,
                        amount: s.amount,
                        since: s.arrears_since,
                        crisis: s.crisis,
                        warm_handover: s.warm_handover,
                        client: ReportClient::new(&task.contact.address, task.contact.birth_date),
                        case_id: Some(task.case_id.clone()),
                        known_to_debt_help: task.known_to_debt_help,
                        suppressed: None,
                    }));
                }
                match task.status {
                    TaskStatus::New => {
                        let matched_on = task.created_at.date_naive();
                        out.push(ReportRecord::Case(CaseFacts {
                            case_id: task.case_id.clone(),
                            household_id: household_id.clone(),
                            municipality: task.municipality_code,
                            at: d.at,
                            opened_on: open_case
                                .map_or(matched_on, |c| c.opened_at.date_naive())
                                .min(matched_on),
                            matched_on,
                        }));
                    }
                    TaskStatus::Withdrawn => out.push(ReportRecord::Closed(ClosedFacts {
                        case_id: task.case_id.clone(),
                        household_id: household_id.clone(),
                        municipality: task.municipality_code,
                        at: d.at,
                        closed_on: today,
                        result: Eindresultaat::InwonerHeeftZelfAlBetaaldBetalingsregelingGetroffen,
                        withdrawn: true,
                    })),
                    TaskStatus::Updated => {}
                }
            }
            DecisionKind::Suppressed {
                ddas_status,
                reason_code,
                creditor_id,
                signal_id,
                municipality_code,
            } => {
                let Some(s) = state else { continue };
                let Some(rec) = s.arrears.iter().find(|a| {
                    a.creditor_id == *creditor_id
                        && match &a.stage {
                            ArrearsStage::Signalled { signal_id: id, .. }
                            | ArrearsStage::Suppressed { signal_id: id, .. } => id == signal_id,
                            ArrearsStage::Waiting { .. } => false,
                        }
                }) else {
                    continue;
                };
                let id = if *reason_code == SuppressReason::Repeat {
                    let cause = d.event_id.as_deref().unwrap_or(&rec.event_id);
                    repeat_signal_id(signal_id, cause)
                } else {
                    signal_id.clone()
                };
                out.push(ReportRecord::Signal(SignalFacts {
                    signal_id: id,
                    household_id: household_id.clone(),
                    municipality: municipality_code.unwrap_or(s.municipality),
                    at: d.at,
                    signalled_on: today,
                    sector: rec.sector,
                    amount: rec.amount,
                    since: rec.since,
                    crisis: rec.crisis,
                    warm_handover: rec.warm_handover,
                    client: ReportClient::new(
                        &s.address,
                        s.person.as_ref().and_then(|p| p.birth_date),
                    ),
                    case_id: None,
                    known_to_debt_help: false,
                    suppressed: Some(*ddas_status),
                }));
            }
            DecisionKind::Recorded { reason_code } => {
                let Some(InputEvent::Feedback(e)) = event else {
                    continue;
                };
                if d.event_id.as_deref() != Some(e.event_id.as_str()) {
                    continue;
                }
                match (reason_code, e.event_type) {
                    (RecordedReason::ContactAttempt, FeedbackEventType::ContactAttempt) => {
                        if let Some(a) = &e.contact_attempt {
                            out.push(ReportRecord::Contact(ContactFacts {
                                event_id: e.event_id.clone(),
                                case_id: e.case_id.clone(),
                                household_id: household_id.clone(),
                                municipality: e.municipality_code,
                                at: d.at,
                                soort: a.soort,
                                bereikt: a.bereikt,
                                datum: a.datum,
                                dagdeel: a.dagdeel,
                            }));
                        }
                    }
                    (RecordedReason::CaseResult, FeedbackEventType::CaseResult) => {
                        if let Some(result) = e.resultaat {
                            out.push(ReportRecord::Closed(ClosedFacts {
                                case_id: e.case_id.clone(),
                                household_id: household_id.clone(),
                                municipality: e.municipality_code,
                                at: d.at,
                                closed_on: today,
                                result,
                                withdrawn: false,
                            }));
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    out
}
