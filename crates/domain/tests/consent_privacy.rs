//! Issue #8, one case per bullet: objections, person data, escalations, ids, idempotency
//! (RULES.md §1, §3, §6 as made precise on 2026-11-29). Each test was written first, failing,
//! against the behaviour the issue describes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::*;
use vroeg_domain::contract::decision::DecisionKind;
use vroeg_domain::contract::messages::{OutreachTask, Priority, TaskStatus};

fn objection(
    id: &str,
    creditor: &str,
    customer_ref: &str,
    kind: &str,
    at: &str,
    pc: &str,
    nr: u32,
) -> String {
    format!(
        r#"{{"event_id":"{id}","creditor_id":"{creditor}","customer_ref":"{customer_ref}","event_type":"{kind}","consent_ref":null,"occurred_at":"{at}","address":{{"postcode":"{pc}","house_number":{nr}}}}}"#
    )
}

fn result(id: &str, case_id: &str, at: &str, resultaat: &str) -> String {
    format!(
        r#"{{"event_id":"{id}","case_id":"{case_id}","municipality_code":"0599","occurred_at":"{at}","event_type":"CASE_RESULT","resultaat":"{resultaat}"}}"#
    )
}

fn has_signal_of(t: &OutreachTask, creditor: &str) -> bool {
    t.signals.iter().any(|s| s.creditor_id == creditor)
}

/// Wrong person: an event quarantined by an objection must not make its person the contact.
#[test]
fn a_quarantined_events_person_never_becomes_the_contact() {
    let mut h = Harness::new();
    let mut all = h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-10T09:00:00Z",
        "",
    ));
    all.extend(h.json(&arrears(
        "c1",
        "cz",
        "ZORG",
        "200.00",
        "2026-09-01",
        "2026-10-10T10:00:00Z",
        "",
    )));
    all.extend(h.json(&objection(
        "d0",
        "dunea",
        "K-dunea",
        "OBJECTION",
        "2026-10-12T09:00:00Z",
        "3011AB",
        10,
    )));
    all.extend(h.json(&arrears(
        "d1",
        "dunea",
        "WATER",
        "90.00",
        "2026-09-01",
        "2026-10-13T09:00:00Z",
        r#"{"person":{"initials":"Z.","surname":"Zwart","phone":"+31611111111"}}"#,
    )));
    // A RESOLVED of cz carries no person: the next version's contact must still be Dijk.
    all.extend(h.json(&arrears(
        "c2",
        "cz",
        "ZORG",
        "0.00",
        "2026-09-01",
        "2026-10-14T09:00:00Z",
        r#"{"event_type":"RESOLVED","person":null}"#,
    )));
    let ts = tasks(&all);
    assert!(ts.len() >= 2, "{:?}", kinds(&all));
    for t in ts {
        assert_eq!(t.contact.surname.as_deref(), Some("Dijk"));
        assert_ne!(t.contact.phone.as_deref(), Some("+31611111111"));
    }
}

/// `objected: true` on a later event stops the signal waiting in the bundle, and the next event
/// without the flag does not lift it.
#[test]
fn the_objected_flag_stops_the_bundle_and_stands() {
    let mut h = Harness::new();
    let mut all = h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-10T09:00:00Z",
        "",
    ));
    all.extend(h.json(&arrears(
        "w2",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-10T12:00:00Z",
        r#"{"objected":true}"#,
    )));
    all.extend(h.json(&arrears(
        "w3",
        "woonstad",
        "HUUR",
        "650.00",
        "2026-09-01",
        "2026-10-12T12:00:00Z",
        "",
    )));
    all.extend(h.advance(at("2026-12-01T00:00:00Z")));
    assert!(tasks(&all).is_empty(), "{:?}", kinds(&all));
}

/// An objection on one account covers the creditor's other accounts at the address.
#[test]
fn an_objection_covers_every_account_of_the_creditor() {
    let mut h = Harness::new();
    let mut all = h.json(&objection(
        "o1",
        "woonstad",
        "K-1",
        "OBJECTION",
        "2026-10-01T09:00:00Z",
        "3011AB",
        10,
    ));
    all.extend(h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-10T09:00:00Z",
        r#"{"customer_ref":"K-2"}"#,
    )));
    all.extend(h.advance(at("2026-12-01T00:00:00Z")));
    assert!(tasks(&all).is_empty(), "{:?}", kinds(&all));
}

/// A sent task loses the objecting creditor's signal at once: withdrawn when nothing remains,
/// and energy's updated signal after 100 days never follows. No reason says "geen bezwaar".
#[test]
fn an_objection_withdraws_a_sent_signal_and_stops_updated_signals() {
    let mut h = Harness::new();
    let mut all = h.json(&arrears(
        "e1",
        "eneco",
        "ENERGIE",
        "300.00",
        "2026-08-01",
        "2026-09-20T09:00:00Z",
        r#"{"reminders_sent":3,"min_payment_term_days":14}"#,
    ));
    all.extend(h.advance(at("2026-09-22T00:00:00Z")));
    assert_eq!(tasks(&all).len(), 1, "{:?}", kinds(&all));
    let after = h.json(&objection(
        "o1",
        "eneco",
        "K-eneco",
        "OBJECTION",
        "2026-09-25T09:00:00Z",
        "3011AB",
        10,
    ));
    let t = tasks(&after);
    assert_eq!(t.len(), 1, "{:?}", kinds(&after));
    assert_eq!(t[0].status, TaskStatus::Withdrawn);
    assert!(!has_signal_of(&t[0], "eneco") || t[0].signals.is_empty());
    for d in &after {
        assert!(!d.reason.contains("geen bezwaar"), "{}", d.reason);
    }
    let later = h.advance(at("2027-01-15T00:00:00Z"));
    assert!(tasks(&later).is_empty(), "{:?}", kinds(&later));
}

/// Two creditors in one task: the objecting one leaves the next version (UPDATED), and a contact
/// reached afterwards tells it nothing.
#[test]
fn an_objection_removes_one_creditor_from_an_open_task() {
    let mut h = Harness::new();
    let mut all = h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-10T09:00:00Z",
        "",
    ));
    all.extend(h.json(&arrears(
        "d1",
        "dunea",
        "WATER",
        "90.00",
        "2026-09-01",
        "2026-10-10T10:00:00Z",
        "",
    )));
    all.extend(h.advance(at("2026-10-12T00:00:00Z")));
    let case_id = tasks(&all)[0].case_id.clone();
    let after = h.json(&objection(
        "o1",
        "dunea",
        "K-dunea",
        "OBJECTION",
        "2026-10-12T09:00:00Z",
        "3011AB",
        10,
    ));
    let t = tasks(&after);
    assert_eq!(t.len(), 1, "{:?}", kinds(&after));
    assert_eq!(t[0].status, TaskStatus::Updated);
    assert!(!has_signal_of(&t[0], "dunea"));
    assert!(has_signal_of(&t[0], "woonstad"));
    let fb = h.json(&format!(
        r#"{{"event_id":"f1","case_id":"{case_id}","municipality_code":"0599","occurred_at":"2026-10-13T10:00:00Z","event_type":"CONTACT_ATTEMPT","contact_attempt":{{"soort":"Telefoon","bereikt":true,"datum":"2026-10-13","dagdeel":"Middag"}}}}"#
    ));
    for d in &fb {
        if let DecisionKind::CreditorStatus { creditor_id, .. } = &d.kind {
            assert_ne!(creditor_id, "dunea");
        }
    }
}

/// A retention purge does not forget a standing objection.
#[test]
fn an_objection_outlives_retention() {
    let mut h = Harness::new();
    let mut all = h.json(&objection(
        "o1",
        "woonstad",
        "K-woonstad",
        "OBJECTION",
        "2026-03-01T09:00:00Z",
        "3011AB",
        10,
    ));
    all.extend(h.advance(at("2026-12-01T00:00:00Z")));
    all.extend(h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-11-01",
        "2026-12-10T09:00:00Z",
        "",
    )));
    all.extend(h.advance(at("2027-01-01T00:00:00Z")));
    assert!(tasks(&all).is_empty(), "{:?}", kinds(&all));
}

/// An objection at an address whose municipality is not yet connected is recorded, and holds
/// once the municipality connects.
#[test]
fn an_objection_before_connection_still_holds() {
    let mut h = Harness::new();
    let mut all = h.json(&objection(
        "o1",
        "woonstad",
        "K-woonstad",
        "OBJECTION",
        "2026-10-01T09:00:00Z",
        "3511AA",
        5,
    ));
    h.municipalities
        .by_code
        .get_mut(&code("0344"))
        .unwrap()
        .connected = true;
    all.extend(h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-10T09:00:00Z",
        r#"{"address":{"postcode":"3511AA","house_number":5}}"#,
    )));
    all.extend(h.advance(at("2026-12-01T00:00:00Z")));
    assert!(tasks(&all).is_empty(), "{:?}", kinds(&all));
}

/// A crisis on unchanged arrears is an escalation, not a herhaalde melding.
#[test]
fn a_crisis_on_unchanged_arrears_escalates_the_sent_task() {
    let mut h = Harness::new();
    let mut all = h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-10T09:00:00Z",
        "",
    ));
    all.extend(h.advance(at("2026-10-12T00:00:00Z")));
    assert_eq!(tasks(&all).len(), 1);
    let esc = h.json(&arrears(
        "w2",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-20T09:00:00Z",
        r#"{"crisis":true}"#,
    ));
    let t = tasks(&esc);
    assert_eq!(t.len(), 1, "{:?}", kinds(&esc));
    assert_eq!(t[0].priority, Priority::Crisis);
    assert!(t[0].due_date <= date("2026-10-23"), "{}", t[0].due_date);
}

/// A crisis arriving while a bundle waits goes out at once, as CRISIS.
#[test]
fn a_crisis_while_bundling_goes_out_at_once() {
    let mut h = Harness::new();
    let mut all = h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-10T09:00:00Z",
        "",
    ));
    all.extend(h.json(&arrears(
        "w2",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-10T11:00:00Z",
        r#"{"crisis":true}"#,
    )));
    let t = tasks(&all);
    assert_eq!(t.len(), 1, "{:?}", kinds(&all));
    assert_eq!(t[0].priority, Priority::Crisis);
    assert_eq!(t[0].created_at, at("2026-10-10T11:00:00Z"));
}

/// A new end-of-supply date on unchanged arrears updates the case at once.
#[test]
fn a_new_end_of_supply_date_updates_the_case() {
    let mut h = Harness::new();
    let mut all = h.json(&arrears(
        "d1",
        "dunea",
        "WATER",
        "90.00",
        "2026-09-01",
        "2026-10-10T09:00:00Z",
        "",
    ));
    all.extend(h.advance(at("2026-10-12T00:00:00Z")));
    let esc = h.json(&arrears(
        "d2",
        "dunea",
        "WATER",
        "90.00",
        "2026-09-01",
        "2026-10-15T09:00:00Z",
        r#"{"end_of_supply_date":"2026-10-20"}"#,
    ));
    let t = tasks(&esc);
    assert_eq!(t.len(), 1, "{:?}", kinds(&esc));
    assert_eq!(t[0].priority, Priority::High);
    assert!(t[0].due_date <= date("2026-10-19"));
}

/// After a purge the returning household gets new ids, and old feedback cannot close its case.
#[test]
fn ids_are_never_reused_after_a_purge() {
    let mut h = Harness::new();
    let mut all = h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-01-01",
        "2026-02-10T09:00:00Z",
        "",
    ));
    all.extend(h.advance(at("2026-02-12T00:00:00Z")));
    let first = tasks(&all)[0].clone();
    all.extend(h.json(&arrears(
        "w1r",
        "woonstad",
        "RESOLVED",
        "0.00",
        "2026-01-01",
        "2026-02-13T09:00:00Z",
        r#"{"event_type":"RESOLVED","sector":"HUUR"}"#,
    )));
    all.extend(h.advance(at("2026-12-01T00:00:00Z")));
    assert!(
        all.iter().any(|d| d.kind.name() == "PURGED"),
        "{:?}",
        kinds(&all)
    );
    let mut again = h.json(&arrears(
        "w2",
        "woonstad",
        "HUUR",
        "800.00",
        "2026-11-01",
        "2026-12-10T09:00:00Z",
        "",
    ));
    again.extend(h.advance(at("2026-12-12T00:00:00Z")));
    let second = tasks(&again)[0].clone();
    assert_ne!(first.task_id, second.task_id);
    assert_ne!(first.case_id, second.case_id);
    let fb = h.json(&result(
        "f-old",
        &first.case_id,
        "2026-12-13T09:00:00Z",
        "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering",
    ));
    assert_eq!(kinds(&fb), vec!["IGNORED:unknown_case"]);
}

/// Idempotency: an event re-sent long after (beyond any small window) has no effect; two creditors
/// numbering their events alike are both handled.
#[test]
fn idempotency_is_per_creditor_and_for_the_households_life() {
    let mut h = Harness::new();
    let mut all = h.json(&arrears(
        "1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-10T09:00:00Z",
        "",
    ));
    let d = h.json(&arrears(
        "1",
        "dunea",
        "WATER",
        "90.00",
        "2026-09-01",
        "2026-10-10T10:00:00Z",
        "",
    ));
    assert!(
        !kinds(&d).contains(&"IGNORED:duplicate_event".to_owned()),
        "{:?}",
        kinds(&d)
    );
    all.extend(h.advance(at("2026-10-12T00:00:00Z")));
    all.extend(h.json(&arrears(
        "2",
        "woonstad",
        "HUUR",
        "0.00",
        "2026-09-01",
        "2026-10-13T09:00:00Z",
        r#"{"event_type":"RESOLVED"}"#,
    )));
    for i in 0..40 {
        h.json(&arrears(
            &format!("z{i}"),
            "cz",
            "ZORG",
            "100.00",
            "2026-09-01",
            &format!("2026-10-14T{:02}:{:02}:00Z", i / 60, i % 60),
            "",
        ));
    }
    let again = h.json(&arrears(
        "1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-10T09:00:00Z",
        "",
    ));
    assert!(tasks(&again).is_empty(), "{:?}", kinds(&again));
    assert_eq!(kinds(&again), vec!["IGNORED:duplicate_event"]);
}

/// A re-sent old report (new event id, older `occurred_at`) after the debt was paid is stale.
#[test]
fn an_older_report_for_an_account_is_stale() {
    let mut h = Harness::new();
    h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-10T09:00:00Z",
        "",
    ));
    h.advance(at("2026-10-12T00:00:00Z"));
    h.json(&arrears(
        "w2",
        "woonstad",
        "HUUR",
        "0.00",
        "2026-09-01",
        "2026-10-13T09:00:00Z",
        r#"{"event_type":"RESOLVED"}"#,
    ));
    let old = h.json(&arrears(
        "w1-resent",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-10T09:00:00Z",
        "",
    ));
    assert_eq!(kinds(&old), vec!["IGNORED:stale_event"]);
}

/// Found by the property test: an old OBJECTION_WITHDRAWN sent again (after a purge forgot its
/// event id) never lifts a newer objection.
#[test]
fn an_old_withdrawal_sent_again_does_not_lift_a_newer_objection() {
    let mut h = Harness::new();
    let old = objection(
        "w0",
        "woonstad",
        "K-woonstad",
        "OBJECTION_WITHDRAWN",
        "2026-01-05T09:00:00Z",
        "3011AB",
        10,
    );
    h.json(&old);
    h.advance(at("2026-09-01T00:00:00Z"));
    h.json(&objection(
        "o1",
        "woonstad",
        "K-woonstad",
        "OBJECTION",
        "2026-09-02T09:00:00Z",
        "3011AB",
        10,
    ));
    h.json(&old);
    let mut all = h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-08-01",
        "2026-09-10T09:00:00Z",
        "",
    ));
    all.extend(h.advance(at("2026-10-01T00:00:00Z")));
    assert!(tasks(&all).is_empty(), "{:?}", kinds(&all));
}
