//! Proptest strategies for the contract's messages, shared by the integration tests.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code, unreachable_pub)]

use chrono::{DateTime, NaiveDate, Utc};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use vroeg_domain::contract::address::{Addition, Address, HouseNumber, Postcode};
use vroeg_domain::contract::decision::{
    Decision, DecisionKind, IgnoredReason, NotRoutedReason, PendingReason, QuarantineReason,
    RecordedReason, SuppressReason,
};
use vroeg_domain::contract::messages::*;
use vroeg_domain::contract::money::Money;
use vroeg_domain::contract::municipality::Gemeentecode;
use vroeg_domain::contract::pseudonym::HouseholdId;
use vroeg_domain::contract::sector::Sector;
use vroeg_domain::reporting::ddas::{Contactsoort, Dagdeel, Eindresultaat, Signaalstatus};

/// Valid postcodes: first digit non-zero, letters not SA/SD/SS.
pub fn postcode() -> impl Strategy<Value = Postcode> {
    "[1-9][0-9]{3}[A-Z]{2}"
        .prop_filter("PostNL never issues SA, SD, SS", |s| {
            !matches!(&s[4..], "SA" | "SD" | "SS")
        })
        .prop_map(|s| s.parse().unwrap())
}

/// Money: whole cents up to the contract's one billion euros.
pub fn money() -> impl Strategy<Value = Money> {
    (0i64..=100_000_000_000).prop_map(|c| Money::from_cents(c).unwrap())
}

/// Dates between 1900 and 2100.
pub fn date() -> impl Strategy<Value = NaiveDate> {
    (-25_567i32..=47_482).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d + 719_163).unwrap())
}

/// Timestamps at microsecond precision (what Avro `timestamp-micros` carries), 1970–2100.
pub fn timestamp() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..=4_102_444_800_000_000).prop_map(|us| DateTime::from_timestamp_micros(us).unwrap())
}

/// Identifiers as creditors send them.
pub fn id() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_.-]{1,24}"
}

/// Free text: any printable Unicode.
pub fn text() -> impl Strategy<Value = String> {
    "\\PC{0,40}"
}

pub fn gemeentecode() -> impl Strategy<Value = Gemeentecode> {
    (1u16..=9999).prop_map(|c| Gemeentecode::new(c).unwrap())
}

pub fn address() -> impl Strategy<Value = Address> {
    (
        postcode(),
        1u32..=99_999,
        option::of("[A-Z0-9]{1,6}"),
        option::of(text()),
        option::of(text()),
    )
        .prop_map(|(postcode, n, add, street, city)| Address {
            postcode,
            house_number: HouseNumber::new(n).unwrap(),
            house_number_addition: add.and_then(|a| Addition::parse(&a).unwrap()),
            street,
            city,
        })
}

pub fn person() -> impl Strategy<Value = Person> {
    (
        option::of(text()),
        option::of(text()),
        option::of(text()),
        option::of(date()),
        option::of(text()),
        option::of(text()),
    )
        .prop_map(
            |(initials, prefix, surname, birth_date, phone, email)| Person {
                initials,
                prefix,
                surname,
                birth_date,
                phone,
                email,
            },
        )
}

pub fn sector() -> impl Strategy<Value = Sector> {
    select(Sector::ALL.to_vec())
}

pub fn arrears_event() -> impl Strategy<Value = ArrearsEvent> {
    (
        (
            id(),
            id(),
            sector(),
            any::<bool>(),
            id(),
            option::of(money()),
        ),
        (
            option::of(date()),
            timestamp(),
            any::<u32>(),
            any::<[bool; 7]>(),
        ),
        (
            option::of(id()),
            option::of(date()),
            option::of(any::<u32>()),
        ),
        (option::of(person()), address(), option::of(gemeentecode())),
    )
        .prop_map(
            |(
                (event_id, creditor_id, sector, resolved, customer_ref, arrears_amount),
                (arrears_since, occurred_at, reminders_sent, flags),
                (consent_ref, end_of_supply_date, min_payment_term_days),
                (person, address, municipality_code),
            )| ArrearsEvent {
                event_id,
                creditor_id,
                sector,
                event_type: if resolved {
                    ArrearsEventType::Resolved
                } else {
                    ArrearsEventType::Arrears
                },
                customer_ref,
                arrears_amount,
                arrears_since,
                occurred_at,
                reminders_sent,
                personal_contact_attempted: flags[0],
                pointed_to_debt_help: flags[1],
                data_sharing_offered: flags[2],
                objected: flags[3],
                consent_ref,
                crisis: flags[4],
                warm_handover: flags[5],
                end_of_supply_date,
                min_payment_term_days,
                person,
                address,
                municipality_code,
            },
        )
}

pub fn objection_event() -> impl Strategy<Value = ObjectionEvent> {
    (
        id(),
        id(),
        id(),
        select(vec![
            ObjectionEventType::Objection,
            ObjectionEventType::ObjectionWithdrawn,
            ObjectionEventType::ConsentGiven,
            ObjectionEventType::ConsentWithdrawn,
        ]),
        option::of(id()),
        timestamp(),
        address(),
    )
        .prop_map(
            |(
                event_id,
                creditor_id,
                customer_ref,
                event_type,
                consent_ref,
                occurred_at,
                address,
            )| {
                ObjectionEvent {
                    event_id,
                    creditor_id,
                    customer_ref,
                    event_type,
                    consent_ref,
                    occurred_at,
                    address,
                }
            },
        )
}

pub fn contact_attempt() -> impl Strategy<Value = ContactAttempt> {
    (
        select(Contactsoort::ALL.to_vec()),
        any::<bool>(),
        date(),
        option::of(select(Dagdeel::ALL.to_vec())),
    )
        .prop_map(|(soort, bereikt, datum, dagdeel)| ContactAttempt {
            soort,
            bereikt,
            datum,
            dagdeel,
        })
}

pub fn feedback_event() -> impl Strategy<Value = FeedbackEvent> {
    (
        id(),
        id(),
        gemeentecode(),
        timestamp(),
        any::<bool>(),
        option::of(contact_attempt()),
        option::of(select(Eindresultaat::ALL.to_vec())),
    )
        .prop_map(
            |(
                event_id,
                case_id,
                municipality_code,
                occurred_at,
                attempt,
                contact_attempt,
                resultaat,
            )| {
                FeedbackEvent {
                    event_id,
                    case_id,
                    municipality_code,
                    occurred_at,
                    event_type: if attempt {
                        FeedbackEventType::ContactAttempt
                    } else {
                        FeedbackEventType::CaseResult
                    },
                    contact_attempt,
                    resultaat,
                }
            },
        )
}

pub fn task_signal() -> impl Strategy<Value = TaskSignal> {
    (
        (id(), id(), sector(), money(), date(), any::<u32>()),
        (any::<[bool; 4]>(), option::of(date())),
    )
        .prop_map(
            |(
                (signal_id, creditor_id, sector, amount, arrears_since, days_in_arrears),
                (f, eos),
            )| {
                TaskSignal {
                    signal_id,
                    creditor_id,
                    sector,
                    amount,
                    arrears_since,
                    days_in_arrears,
                    crisis: f[0],
                    warm_handover: f[1],
                    end_of_supply_date: eos,
                    updated_signal: f[2],
                    resolved: f[3],
                }
            },
        )
}

pub fn contact() -> impl Strategy<Value = Contact> {
    (person(), address()).prop_map(|(p, address)| Contact {
        initials: p.initials,
        prefix: p.prefix,
        surname: p.surname,
        birth_date: p.birth_date,
        phone: p.phone,
        email: p.email,
        address,
    })
}

pub fn outreach_task() -> impl Strategy<Value = OutreachTask> {
    (
        (
            id(),
            any::<u32>(),
            id(),
            select(vec![
                TaskStatus::New,
                TaskStatus::Updated,
                TaskStatus::Withdrawn,
            ]),
        ),
        (gemeentecode(), id(), timestamp(), date()),
        (
            select(vec![Priority::Crisis, Priority::High, Priority::Normal]),
            select(vec![
                Classification::Enkelvoudig,
                Classification::Meervoudig,
                Classification::Opeenvolgend,
            ]),
        ),
        (
            vec(task_signal(), 0..4),
            contact(),
            vec(text(), 0..4),
            money(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (task_id, version, case_id, status),
                (municipality_code, hh, created_at, due_date),
                (priority, classification),
                (signals, contact, reasons, total_amount, known_to_debt_help),
            )| OutreachTask {
                task_id,
                version,
                case_id,
                status,
                municipality_code,
                household_id: HouseholdId::from_stored(format!("hh_dev_{hh}")),
                created_at,
                due_date,
                priority,
                classification,
                signals,
                contact,
                reasons,
                total_amount,
                known_to_debt_help,
            },
        )
}

pub fn creditor_status_value() -> impl Strategy<Value = CreditorStatusValue> {
    select(vec![
        CreditorStatusValue::PickedUp,
        CreditorStatusValue::NotPickedUp,
        CreditorStatusValue::Repeat,
        CreditorStatusValue::Unjustified,
    ])
}

pub fn creditor_status() -> impl Strategy<Value = CreditorStatus> {
    (id(), id(), id(), creditor_status_value(), timestamp()).prop_map(
        |(creditor_id, customer_ref, signal_id, status, at)| CreditorStatus {
            creditor_id,
            customer_ref,
            signal_id,
            status,
            at,
        },
    )
}

/// Every decision kind, with every reason code.
pub fn decision_kind() -> impl Strategy<Value = DecisionKind> {
    prop_oneof![
        outreach_task().prop_map(|t| DecisionKind::Task { task: Box::new(t) }),
        (
            select(Signaalstatus::ALL.to_vec()),
            select(vec![
                SuppressReason::Repeat,
                SuppressReason::OutsideWindow,
                SuppressReason::BelowThreshold,
                SuppressReason::PreconditionsNotMet,
            ]),
            id(),
            id(),
            option::of(gemeentecode()),
        )
            .prop_map(
                |(ddas_status, reason_code, creditor_id, signal_id, municipality_code)| {
                    DecisionKind::Suppressed {
                        ddas_status,
                        reason_code,
                        creditor_id,
                        signal_id,
                        municipality_code,
                    }
                }
            ),
        (
            select(vec![
                QuarantineReason::NoLegalBasis,
                QuarantineReason::Objection,
                QuarantineReason::ExperimentNotActive,
            ]),
            id(),
        )
            .prop_map(|(reason_code, creditor_id)| DecisionKind::Quarantined {
                reason_code,
                creditor_id
            }),
        (
            select(vec![
                NotRoutedReason::Unroutable,
                NotRoutedReason::NotConnected,
                NotRoutedReason::NotResident,
            ]),
            option::of(gemeentecode()),
        )
            .prop_map(|(reason_code, municipality_code)| DecisionKind::NotRouted {
                reason_code,
                municipality_code
            }),
        vec((text(), text()), 0..3).prop_map(|errs| DecisionKind::Rejected {
            reason_code: "invalid".to_owned(),
            errors: errs
                .into_iter()
                .map(|(f, p)| FieldError::new(f, p))
                .collect(),
        }),
        (id(), id(), id(), creditor_status_value()).prop_map(
            |(creditor_id, customer_ref, signal_id, status)| DecisionKind::CreditorStatus {
                creditor_id,
                customer_ref,
                signal_id,
                status,
            }
        ),
        Just(DecisionKind::Purged {}),
        (
            select(vec![PendingReason::TooYoung, PendingReason::Bundling]),
            timestamp()
        )
            .prop_map(|(reason_code, until)| DecisionKind::Pending { reason_code, until }),
        select(vec![
            RecordedReason::Objection,
            RecordedReason::ObjectionWithdrawn,
            RecordedReason::ConsentGiven,
            RecordedReason::ConsentWithdrawn,
            RecordedReason::Resolved,
            RecordedReason::ContactAttempt,
            RecordedReason::CaseResult,
            RecordedReason::ArrearsUpdated,
        ])
        .prop_map(|reason_code| DecisionKind::Recorded { reason_code }),
        select(vec![
            IgnoredReason::DuplicateEvent,
            IgnoredReason::UnknownArrears,
            IgnoredReason::UnknownCase,
        ])
        .prop_map(|reason_code| DecisionKind::Ignored { reason_code }),
    ]
}

pub fn decision() -> impl Strategy<Value = Decision> {
    (
        timestamp(),
        id(),
        text(),
        option::of(id()),
        option::of(id()),
        decision_kind(),
    )
        .prop_map(|(at, rule, reason, event_id, hh, kind)| Decision {
            at,
            rule,
            reason,
            event_id,
            household_id: hh.map(|h| HouseholdId::from_stored(format!("hh_dev_{h}"))),
            kind,
        })
}

/// The contract's example ArrearsEvent (CONTRACT.md), as JSON text.
pub const ARREARS_JSON: &str = r#"{
  "event_id": "5f0c6a2e-1d7b-4c8e-9a51-0b7d2c1e9f00",
  "creditor_id": "woonstad-rotterdam",
  "sector": "HUUR",
  "event_type": "ARREARS",
  "customer_ref": "K-000123",
  "arrears_amount": "512.40",
  "arrears_since": "2026-09-01",
  "occurred_at": "2026-10-15T09:00:00Z",
  "reminders_sent": 1,
  "personal_contact_attempted": true,
  "pointed_to_debt_help": true,
  "data_sharing_offered": true,
  "objected": false,
  "consent_ref": null,
  "crisis": false,
  "warm_handover": false,
  "end_of_supply_date": null,
  "person": {"initials": "A.", "prefix": "van", "surname": "Dijk",
             "birth_date": "1985-06-15", "phone": "+31612345678", "email": "a.vandijk@example.nl"},
  "address": {"postcode": "3011 AB", "house_number": 10, "house_number_addition": "A",
              "street": "Voorbeeldstraat", "city": "Rotterdam"},
  "municipality_code": null
}"#;

/// The contract's example ArrearsEvent, decoded.
pub fn sample_arrears() -> ArrearsEvent {
    serde_json::from_str(ARREARS_JSON).unwrap()
}
