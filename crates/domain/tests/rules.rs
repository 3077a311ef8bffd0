//! Scenario tests of the rule engine against RULES.md (the golden files cover the same ground
//! end to end through `simulate`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::*;
use vroeg_domain::contract::decision::DecisionKind;
use vroeg_domain::contract::messages::{Classification, Priority};

fn task(
    d: &vroeg_domain::contract::decision::Decision,
) -> &vroeg_domain::contract::messages::OutreachTask {
    match &d.kind {
        DecisionKind::Task { task } => task,
        other => panic!("not a task: {other:?}"),
    }
}

#[test]
fn rent_at_44_days_becomes_one_task_after_bundling() {
    let mut h = Harness::new();
    let d = h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "512.40",
        "2026-09-01",
        "2026-10-15T09:00:00Z",
        r#"{"reminders_sent":1}"#,
    ));
    assert_eq!(kinds(&d), ["PENDING:bundling"]);
    let d = h.advance(at("2026-10-16T09:00:00Z"));
    assert_eq!(kinds(&d), ["TASK:NEW"]);
    let t = task(&d[0]);
    assert_eq!(t.classification, Classification::Enkelvoudig);
    assert_eq!(t.priority, Priority::Normal);
    assert_eq!(t.due_date, date("2026-10-30"));
    assert_eq!(t.municipality_code.to_string(), "0599");
    assert_eq!(
        t.reasons,
        ["HUUR: 45 dagen achterstand van EUR 512,40; 1 herinnering; geen bezwaar"]
    );
}

#[test]
fn young_arrears_age_into_a_signal_on_day_30() {
    let mut h = Harness::new();
    let d = h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "100",
        "2026-09-01",
        "2026-09-30T12:00:00Z",
        "",
    ));
    assert_eq!(kinds(&d), ["PENDING:too_young"]);
    let d = h.advance(at("2026-10-01T00:00:00Z"));
    assert_eq!(kinds(&d), ["PENDING:bundling"]);
    let d = h.advance(at("2026-10-02T00:00:00Z"));
    assert_eq!(kinds(&d), ["TASK:NEW"]);
    assert_eq!(task(&d[0]).signals[0].days_in_arrears, 31);
}

#[test]
fn day_100_is_in_and_day_101_is_out_for_rent() {
    let mut h = Harness::new();
    let d = h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "100",
        "2026-01-01",
        "2026-04-11T12:00:00Z",
        "",
    ));
    assert_eq!(kinds(&d), ["PENDING:bundling"], "2026-04-11 is day 100");
    let mut h = Harness::new();
    let d = h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "100",
        "2026-01-01",
        "2026-04-12T12:00:00Z",
        "",
    ));
    assert_eq!(
        kinds(&d),
        ["SUPPRESSED:outside_window", "CREDITOR_STATUS:UNJUSTIFIED"]
    );
}

#[test]
fn energy_effective_dates() {
    // Before 2022-12-01: 50 days.
    let mut h = Harness::new();
    let d = h.json(&arrears(
        "e1",
        "eneco",
        "ENERGIE",
        "300",
        "2022-10-21",
        "2022-11-30T12:00:00Z",
        "",
    ));
    assert_eq!(kinds(&d), ["PENDING:too_young"]);
    // From 2022-12-01: 30 days.
    let mut h = Harness::new();
    let d = h.json(&arrears(
        "e1",
        "eneco",
        "ENERGIE",
        "300",
        "2022-10-22",
        "2022-12-01T12:00:00Z",
        r#"{"reminders_sent":1}"#,
    ));
    assert_eq!(kinds(&d), ["PENDING:bundling"]);
    // From 2023-04-01: 3 reminders.
    let mut h = Harness::new();
    let d = h.json(&arrears(
        "e1",
        "eneco",
        "ENERGIE",
        "300",
        "2023-02-01",
        "2023-04-01T12:00:00Z",
        r#"{"reminders_sent":2}"#,
    ));
    assert_eq!(
        kinds(&d),
        [
            "SUPPRESSED:preconditions_not_met",
            "CREDITOR_STATUS:UNJUSTIFIED"
        ]
    );
    // From 2026-01-01: personal contact.
    let mut h = Harness::new();
    let d = h.json(&arrears(
        "e1",
        "eneco",
        "ENERGIE",
        "300",
        "2025-11-01",
        "2026-01-01T12:00:00Z",
        r#"{"personal_contact_attempted":false}"#,
    ));
    assert_eq!(
        kinds(&d),
        [
            "SUPPRESSED:preconditions_not_met",
            "CREDITOR_STATUS:UNJUSTIFIED"
        ]
    );
    let mut h = Harness::new();
    let d = h.json(&arrears(
        "e1",
        "eneco",
        "ENERGIE",
        "300",
        "2025-11-01",
        "2025-12-31T12:00:00Z",
        r#"{"personal_contact_attempted":false}"#,
    ));
    assert_eq!(kinds(&d), ["PENDING:bundling"]);
}

#[test]
fn energy_sends_an_updated_signal_after_100_days() {
    let mut h = Harness::new();
    h.json(&arrears(
        "e1",
        "eneco",
        "ENERGIE",
        "300",
        "2026-06-01",
        "2026-07-15T12:00:00Z",
        "",
    ));
    let d = h.advance(at("2026-09-09T00:00:00Z"));
    assert_eq!(kinds(&d), ["TASK:NEW"]);
    let d = h.advance(at("2026-09-10T00:00:00Z"));
    assert_eq!(kinds(&d), ["TASK:UPDATED"], "day 101 is 2026-09-10");
    assert!(task(&d[0]).signals[0].updated_signal);
}

#[test]
fn crisis_is_never_delayed() {
    let mut h = Harness::new();
    let d = h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "2000",
        "2026-08-01",
        "2026-10-15T09:00:00Z",
        r#"{"crisis":true}"#,
    ));
    assert_eq!(kinds(&d), ["TASK:NEW"]);
    let t = task(&d[0]);
    assert_eq!(t.priority, Priority::Crisis);
    assert_eq!(t.due_date, date("2026-10-18"));
}

#[test]
fn repeat_report_is_herhaalde_melding_unless_amount_increased() {
    let mut h = Harness::new();
    h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "500",
        "2026-09-01",
        "2026-10-15T09:00:00Z",
        "",
    ));
    let d = h.json(&arrears(
        "e2",
        "woonstad",
        "HUUR",
        "500",
        "2026-09-01",
        "2026-10-15T10:00:00Z",
        "",
    ));
    assert_eq!(kinds(&d), ["SUPPRESSED:repeat", "CREDITOR_STATUS:REPEAT"]);
    let d = h.json(&arrears(
        "e3",
        "woonstad",
        "HUUR",
        "650",
        "2026-09-01",
        "2026-10-15T11:00:00Z",
        "",
    ));
    assert_eq!(kinds(&d), ["PENDING:bundling"]);
    let d = h.advance(at("2026-10-17T00:00:00Z"));
    assert_eq!(kinds(&d), ["TASK:NEW"]);
    assert_eq!(task(&d[0]).signals.len(), 1);
    assert_eq!(task(&d[0]).signals[0].amount.to_string(), "650.00");
}

#[test]
fn two_creditors_within_the_bundle_make_one_meervoudig_task() {
    let mut h = Harness::new();
    h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "500",
        "2026-09-01",
        "2026-10-15T09:00:00Z",
        "",
    ));
    h.json(&arrears(
        "e2",
        "dunea",
        "WATER",
        "80",
        "2026-09-05",
        "2026-10-16T08:59:59Z",
        "",
    ));
    let d = h.advance(at("2026-10-16T09:00:00Z"));
    assert_eq!(kinds(&d), ["TASK:NEW"]);
    let t = task(&d[0]);
    assert_eq!(t.classification, Classification::Meervoudig);
    assert_eq!(t.priority, Priority::High);
    assert_eq!(t.signals.len(), 2);
    // At the bundle's edge a signal arrives after dispatch: an update.
    let d = h.json(&arrears(
        "e3",
        "cz",
        "ZORG",
        "120",
        "2026-09-01",
        "2026-10-16T09:00:00Z",
        "",
    ));
    assert_eq!(kinds(&d), ["TASK:UPDATED"]);
    assert_eq!(task(&d[0]).version, 2);
}

#[test]
fn resolution_before_and_after_dispatch() {
    let mut h = Harness::new();
    h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "500",
        "2026-09-01",
        "2026-10-15T09:00:00Z",
        "",
    ));
    let d = h.json(&arrears(
        "e2",
        "woonstad",
        "HUUR",
        "0",
        "2026-09-01",
        "2026-10-15T12:00:00Z",
        r#"{"event_type":"RESOLVED"}"#,
    ));
    assert_eq!(kinds(&d), ["RECORDED:resolved"]);
    assert!(h.advance(at("2026-10-20T00:00:00Z")).is_empty());

    let mut h = Harness::new();
    h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "500",
        "2026-09-01",
        "2026-10-15T09:00:00Z",
        "",
    ));
    h.advance(at("2026-10-16T09:00:00Z"));
    let d = h.json(&arrears(
        "e2",
        "woonstad",
        "HUUR",
        "0",
        "2026-09-01",
        "2026-10-17T12:00:00Z",
        r#"{"event_type":"RESOLVED"}"#,
    ));
    assert_eq!(kinds(&d), ["TASK:WITHDRAWN"]);
}

#[test]
fn opeenvolgend_within_six_months() {
    let mut h = Harness::new();
    h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "500",
        "2026-01-01",
        "2026-02-15T09:00:00Z",
        "",
    ));
    h.advance(at("2026-02-17T00:00:00Z"));
    h.json(&arrears(
        "e2",
        "woonstad",
        "HUUR",
        "0",
        "2026-01-01",
        "2026-02-20T09:00:00Z",
        r#"{"event_type":"RESOLVED"}"#,
    ));
    // Exactly six months after the first signal (2026-02-15 -> 2026-08-15): still opeenvolgend.
    h.json(&arrears(
        "e3",
        "cz",
        "ZORG",
        "100",
        "2026-07-01",
        "2026-08-15T09:00:00Z",
        "",
    ));
    let d = h.advance(at("2026-08-16T09:00:00Z"));
    assert_eq!(task(&d[0]).classification, Classification::Opeenvolgend);
}

#[test]
fn bank_without_consent_is_quarantined_and_duplicates_ignored() {
    let mut h = Harness::new();
    let d = h.json(&arrears(
        "e1",
        "ing",
        "BANK",
        "500",
        "2026-09-01",
        "2026-10-15T09:00:00Z",
        "",
    ));
    assert_eq!(kinds(&d), ["QUARANTINED:no_legal_basis"]);
    let d = h.json(&arrears(
        "e2",
        "ing",
        "BANK",
        "500",
        "2026-09-01",
        "2026-10-15T09:00:00Z",
        r#"{"consent_ref":"C-1"}"#,
    ));
    assert_eq!(kinds(&d), ["PENDING:bundling"]);
    let d = h.json(&arrears(
        "e2",
        "ing",
        "BANK",
        "500",
        "2026-09-01",
        "2026-10-15T09:00:00Z",
        r#"{"consent_ref":"C-1"}"#,
    ));
    assert_eq!(kinds(&d), ["IGNORED:duplicate_event"]);
}

#[test]
fn retention_purges_a_quiet_household() {
    let mut h = Harness::new();
    h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "500",
        "2026-01-01",
        "2026-02-15T09:00:00Z",
        "",
    ));
    h.advance(at("2026-02-17T00:00:00Z"));
    h.json(&arrears(
        "e2",
        "woonstad",
        "HUUR",
        "0",
        "2026-01-01",
        "2026-02-20T09:00:00Z",
        r#"{"event_type":"RESOLVED"}"#,
    ));
    assert_eq!(
        kinds(&h.advance(at("2026-08-20T21:59:59Z"))),
        Vec::<String>::new()
    );
    // The last look-back day (2026-08-20) is kept whole (issue #8), to Dutch midnight (22:00 UTC
    // in summer).
    assert_eq!(kinds(&h.advance(at("2026-08-20T22:00:00Z"))), ["PURGED"]);
    assert!(h.partition.is_empty());
}

fn feedback(id: &str, case_id: &str, at: &str, body: &str) -> String {
    format!(
        r#"{{"event_id":"{id}","case_id":"{case_id}","municipality_code":"0599","occurred_at":"{at}",{body}}}"#
    )
}

#[test]
fn feedback_closes_cases_and_tells_creditors_only_the_status() {
    let mut h = Harness::new();
    h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "500",
        "2026-09-01",
        "2026-10-15T09:00:00Z",
        "",
    ));
    let d = h.advance(at("2026-10-16T09:00:00Z"));
    let case_id = task(&d[0]).case_id.clone();
    let d = h.json(&feedback("f1", &case_id, "2026-10-17T10:00:00Z", r#""event_type":"CONTACT_ATTEMPT","contact_attempt":{"soort":"Telefoon","bereikt":true,"datum":"2026-10-17","dagdeel":"Ochtend"}"#));
    assert_eq!(
        kinds(&d),
        ["RECORDED:contact_attempt", "CREDITOR_STATUS:PICKED_UP"]
    );
    let d = h.json(&feedback(
        "f2",
        &case_id,
        "2026-10-20T10:00:00Z",
        r#""event_type":"CASE_RESULT","resultaat":"Niet opgepakt: andere reden""#,
    ));
    assert_eq!(
        kinds(&d),
        ["RECORDED:case_result", "CREDITOR_STATUS:NOT_PICKED_UP"]
    );
    for dec in &d {
        if let DecisionKind::CreditorStatus { .. } = dec.kind {
            assert!(!dec.reason.contains("andere reden"), "{}", dec.reason);
        }
    }
    // Feedback for an unknown case.
    let d = h.json(&feedback(
        "f3",
        "cs_dev_zzzz_9",
        "2026-10-21T10:00:00Z",
        r#""event_type":"CASE_RESULT","resultaat":"Inwoner is overleden""#,
    ));
    assert_eq!(kinds(&d), ["IGNORED:unknown_case"]);
}

#[test]
fn known_to_debt_help_becomes_an_update_of_the_closed_case() {
    let mut h = Harness::new();
    h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "500",
        "2026-09-01",
        "2026-10-15T09:00:00Z",
        "",
    ));
    let d = h.advance(at("2026-10-16T09:00:00Z"));
    let case_id = task(&d[0]).case_id.clone();
    h.json(&feedback(
        "f1",
        &case_id,
        "2026-10-20T10:00:00Z",
        r#""event_type":"CASE_RESULT","resultaat":"Inwoner al bekend bij schuldhulpverlening""#,
    ));
    let d = h.json(&arrears(
        "e2",
        "cz",
        "ZORG",
        "90",
        "2026-10-01",
        "2026-11-05T09:00:00Z",
        "",
    ));
    assert_eq!(kinds(&d), ["TASK:UPDATED"]);
    let t = task(&d[0]);
    assert!(t.known_to_debt_help);
    assert_eq!(t.case_id, case_id);
    assert_eq!(t.priority, Priority::Normal);
    assert_eq!(t.version, 2);
}

#[test]
fn not_resident_holds_signals_back_until_another_person_appears() {
    let mut h = Harness::new();
    h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "500",
        "2026-09-01",
        "2026-10-15T09:00:00Z",
        "",
    ));
    let d = h.advance(at("2026-10-16T09:00:00Z"));
    let case_id = task(&d[0]).case_id.clone();
    h.json(&feedback(
        "f1",
        &case_id,
        "2026-10-20T10:00:00Z",
        r#""event_type":"CASE_RESULT","resultaat":"Persoon is geen inwoner (meer) in de gemeente""#,
    ));
    let d = h.json(&arrears(
        "e2",
        "cz",
        "ZORG",
        "90",
        "2026-10-01",
        "2026-11-05T09:00:00Z",
        "",
    ));
    assert_eq!(
        kinds(&d),
        ["NOT_ROUTED:not_resident", "CREDITOR_STATUS:NOT_PICKED_UP"]
    );
    let d = h.json(&arrears(
        "e3",
        "cz",
        "ZORG",
        "90",
        "2026-10-01",
        "2026-11-06T09:00:00Z",
        r#"{"person":{"initials":"B.","surname":"Jansen"}}"#,
    ));
    assert_eq!(kinds(&d), ["PENDING:bundling"]);
}

#[test]
fn objection_stops_a_creditor_until_withdrawn() {
    let mut h = Harness::new();
    h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "500",
        "2026-09-01",
        "2026-10-15T09:00:00Z",
        "",
    ));
    let d = h.json(r#"{"event_id":"o1","creditor_id":"woonstad","customer_ref":"K-woonstad","event_type":"OBJECTION","occurred_at":"2026-10-15T10:00:00Z","address":{"postcode":"3011AB","house_number":10}}"#);
    assert_eq!(kinds(&d), ["RECORDED:objection"]);
    assert!(
        h.advance(at("2026-10-20T00:00:00Z")).is_empty(),
        "the bundle lost its only signal"
    );
    let d = h.json(&arrears(
        "e2",
        "woonstad",
        "HUUR",
        "600",
        "2026-09-01",
        "2026-10-21T09:00:00Z",
        "",
    ));
    assert_eq!(kinds(&d), ["QUARANTINED:objection"]);
    h.json(r#"{"event_id":"o2","creditor_id":"woonstad","customer_ref":"K-woonstad","event_type":"OBJECTION_WITHDRAWN","occurred_at":"2026-10-22T10:00:00Z","address":{"postcode":"3011AB","house_number":10}}"#);
    let d = h.json(&arrears(
        "e3",
        "woonstad",
        "HUUR",
        "600",
        "2026-09-01",
        "2026-10-23T09:00:00Z",
        "",
    ));
    assert_eq!(kinds(&d), ["PENDING:bundling"]);
}

#[test]
fn state_stays_compact() {
    let mut h = Harness::new();
    h.json(&arrears(
        "e1",
        "woonstad",
        "HUUR",
        "512.40",
        "2026-09-01",
        "2026-10-15T09:00:00Z",
        "",
    ));
    h.advance(at("2026-10-16T09:00:00Z"));
    let state = h.partition.states().next().unwrap();
    let json = serde_json::to_string(state).unwrap();
    assert!(json.len() < 4096, "{} bytes", json.len());
}
