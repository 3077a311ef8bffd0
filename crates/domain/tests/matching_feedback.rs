//! Issue #8, matching, feedback and retention bullets (RULES.md §3, §4b, §6 as made precise on
//! 2026-11-29).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::*;
use vroeg_domain::contract::decision::DecisionKind;
use vroeg_domain::contract::messages::{Classification, CreditorStatusValue};

fn feedback(id: &str, case_id: &str, at: &str, body: &str) -> String {
    format!(
        r#"{{"event_id":"{id}","case_id":"{case_id}","municipality_code":"0599","occurred_at":"{at}",{body}}}"#
    )
}

fn result(id: &str, case_id: &str, at: &str, resultaat: &str) -> String {
    feedback(
        id,
        case_id,
        at,
        &format!(r#""event_type":"CASE_RESULT","resultaat":"{resultaat}""#),
    )
}

/// Two creditors open in the same month across a month boundary: MEERVOUDIG.
#[test]
fn two_creditors_straddling_a_month_boundary_are_meervoudig() {
    let mut h = Harness::new();
    let mut all = h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-08-25",
        "2026-09-29T09:00:00Z",
        "",
    ));
    all.extend(h.advance(at("2026-10-01T00:00:00Z")));
    all.extend(h.json(&arrears(
        "d1",
        "dunea",
        "WATER",
        "90.00",
        "2026-09-01",
        "2026-10-02T09:00:00Z",
        "",
    )));
    let t = tasks(&all);
    let last = t.last().unwrap();
    assert_eq!(
        last.classification,
        Classification::Meervoudig,
        "{:?}",
        kinds(&all)
    );
}

/// A resolved signal no longer counts.
#[test]
fn a_resolved_signal_no_longer_makes_a_case_meervoudig() {
    let mut h = Harness::new();
    let mut all = h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-05T09:00:00Z",
        "",
    ));
    all.extend(h.json(&arrears(
        "d1",
        "dunea",
        "WATER",
        "90.00",
        "2026-09-01",
        "2026-10-05T10:00:00Z",
        "",
    )));
    all.extend(h.advance(at("2026-10-07T00:00:00Z")));
    assert_eq!(tasks(&all)[0].classification, Classification::Meervoudig);
    let after = h.json(&arrears(
        "w2",
        "woonstad",
        "HUUR",
        "0.00",
        "2026-09-01",
        "2026-10-08T09:00:00Z",
        r#"{"event_type":"RESOLVED"}"#,
    ));
    let t = tasks(&after);
    assert_eq!(t.len(), 1, "{:?}", kinds(&after));
    assert_eq!(t[0].classification, Classification::Enkelvoudig);
}

/// A purge at 00:00 of the last look-back day would lose OPEENVOLGEND: the household is kept
/// through that day.
#[test]
fn the_last_look_back_day_still_finds_the_earlier_signal() {
    let mut h = Harness::new();
    // A crisis goes out at once; resolved the same day: last activity and signal 2026-02-10.
    let mut all = h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-01-01",
        "2026-02-10T09:00:00Z",
        r#"{"crisis":true}"#,
    ));
    all.extend(h.json(&arrears(
        "w2",
        "woonstad",
        "HUUR",
        "0.00",
        "2026-01-01",
        "2026-02-10T10:00:00Z",
        r#"{"event_type":"RESOLVED"}"#,
    )));
    // The look-back from 2026-08-10 reaches back to 2026-02-10 inclusive: the household must
    // not have been purged at 00:00 that day.
    let back = h.json(&arrears(
        "d1",
        "dunea",
        "WATER",
        "90.00",
        "2026-07-01",
        "2026-08-10T09:00:00Z",
        "",
    ));
    all.extend(back);
    all.extend(h.advance(at("2026-08-13T00:00:00Z")));
    let t = tasks(&all);
    assert_eq!(
        t.last().unwrap().classification,
        Classification::Opeenvolgend,
        "{:?}",
        kinds(&all)
    );
}

/// After "geen inwoner (meer)", a signal that ages by timer is held back too.
#[test]
fn not_resident_holds_back_timer_aged_signals() {
    let mut h = Harness::new();
    let mut all = h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-05T09:00:00Z",
        "",
    ));
    all.extend(h.json(&arrears(
        "d1",
        "dunea",
        "WATER",
        "90.00",
        "2026-09-25",
        "2026-10-05T10:00:00Z",
        "",
    )));
    all.extend(h.advance(at("2026-10-07T00:00:00Z")));
    let case_id = tasks(&all)[0].case_id.clone();
    h.json(&result(
        "f1",
        &case_id,
        "2026-10-08T09:00:00Z",
        "Persoon is geen inwoner (meer) in de gemeente",
    ));
    let later = h.advance(at("2026-11-15T00:00:00Z"));
    assert!(tasks(&later).is_empty(), "{:?}", kinds(&later));
    assert!(later.iter().any(|d| matches!(&d.kind,
        DecisionKind::CreditorStatus { creditor_id, status: CreditorStatusValue::NotPickedUp, .. } if creditor_id == "dunea")));
}

/// Signals joining a case closed "al bekend" give their creditor a status, and feedback on
/// that case is accepted.
#[test]
fn a_case_closed_al_bekend_accepts_feedback_for_later_signals() {
    let mut h = Harness::new();
    let mut all = h.json(&arrears(
        "w1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-09-01",
        "2026-10-05T09:00:00Z",
        "",
    ));
    all.extend(h.advance(at("2026-10-07T00:00:00Z")));
    let case_id = tasks(&all)[0].case_id.clone();
    h.json(&result(
        "f1",
        &case_id,
        "2026-10-08T09:00:00Z",
        "Inwoner al bekend bij schuldhulpverlening",
    ));
    let joined = h.json(&arrears(
        "d1",
        "dunea",
        "WATER",
        "90.00",
        "2026-09-01",
        "2026-10-10T09:00:00Z",
        "",
    ));
    let t = tasks(&joined);
    assert_eq!(t.len(), 1, "{:?}", kinds(&joined));
    assert!(t[0].known_to_debt_help);
    assert_eq!(t[0].case_id, case_id);
    let fb = h.json(&result(
        "f2",
        &case_id,
        "2026-10-20T09:00:00Z",
        "(Budget)advies en/of quick fix",
    ));
    assert!(fb.iter().any(|d| matches!(&d.kind,
        DecisionKind::CreditorStatus { creditor_id, status: CreditorStatusValue::PickedUp, .. } if creditor_id == "dunea")),
        "{:?}", kinds(&fb));
}

/// Days are Dutch calendar days (Europe/Amsterdam): 23:30 UTC on 30 September in summer is
/// already 1 October in the Netherlands; midnight there is 22:00 UTC in summer, 23:00 in winter.
#[test]
fn days_are_dutch_calendar_days() {
    use vroeg_domain::rules::{day_start, dutch_date};
    assert_eq!(dutch_date(at("2026-09-30T22:30:00Z")), date("2026-10-01"));
    assert_eq!(dutch_date(at("2026-12-31T22:59:59Z")), date("2026-12-31"));
    assert_eq!(dutch_date(at("2026-12-31T23:00:00Z")), date("2027-01-01"));
    assert_eq!(day_start(date("2026-10-01")), at("2026-09-30T22:00:00Z"));
    assert_eq!(day_start(date("2026-11-01")), at("2026-10-31T23:00:00Z"));
    // DST changes: last Sunday of March / October.
    assert_eq!(day_start(date("2026-03-29")), at("2026-03-28T23:00:00Z"));
    assert_eq!(day_start(date("2026-03-30")), at("2026-03-29T22:00:00Z"));
    assert_eq!(day_start(date("2026-10-25")), at("2026-10-24T22:00:00Z"));
    assert_eq!(day_start(date("2026-10-26")), at("2026-10-25T23:00:00Z"));
    // A crisis reported at 23:30 UTC on 30 September (Dutch 1 October) is due by 4 October.
    let mut h = Harness::new();
    let d = h.json(&arrears(
        "c1",
        "woonstad",
        "HUUR",
        "600.00",
        "2026-08-01",
        "2026-09-30T23:30:00Z",
        r#"{"crisis":true}"#,
    ));
    let t = d
        .iter()
        .find_map(|d| match &d.kind {
            DecisionKind::Task { task } => Some(task.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(t.due_date, date("2026-10-04"));
}

/// A signal waiting across a rule change is judged by the rules of the day it becomes due:
/// energy arrears 31 days old on 2022-11-20 (50 days needed then, 30 from 2022-12-01) become
/// due on 2022-12-01, not on day 50.
#[test]
fn a_waiting_signal_wakes_under_the_rules_of_its_due_day() {
    let mut h = Harness::new();
    let d = h.json(&arrears(
        "e1",
        "eneco",
        "ENERGIE",
        "300.00",
        "2022-10-20",
        "2022-11-20T09:00:00Z",
        "",
    ));
    let until = d
        .iter()
        .find_map(|d| match &d.kind {
            DecisionKind::Pending { until, .. } => Some(*until),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        until,
        vroeg_domain::rules::day_start(date("2022-12-01")),
        "{:?}",
        kinds(&d)
    );
}

/// Experiments have dates: a DUO event from 2021 (before its 2023 regulation) never becomes a
/// signal; one after it does.
#[test]
fn an_event_before_its_experiment_took_effect_is_quarantined() {
    let mut h = Harness::new();
    let amsterdam = r#"{"address":{"postcode":"1012AB","house_number":1},"reminders_sent":1}"#;
    let old = h.json(&arrears(
        "d21",
        "duo",
        "DUO",
        "900.00",
        "2021-03-01",
        "2021-06-01T09:00:00Z",
        amsterdam,
    ));
    assert_eq!(
        kinds(&old),
        vec!["QUARANTINED:experiment_not_active"],
        "{old:?}"
    );
    assert!(
        old[0].reason.contains("van kracht vanaf 2023-05-01"),
        "{}",
        old[0].reason
    );
    let new = h.json(&arrears(
        "d24",
        "duo",
        "DUO",
        "900.00",
        "2024-03-01",
        "2024-06-01T09:00:00Z",
        amsterdam,
    ));
    assert!(
        !kinds(&new).iter().any(|k| k.starts_with("QUARANTINED")),
        "{:?}",
        kinds(&new)
    );
}

/// A household kept only for a standing objection after retention loses its reporting-store
/// records like a purged one (RULES.md §6).
#[test]
fn a_minimised_household_tombstones_its_reporting_records() {
    use vroeg_domain::household::{HouseholdPartition, PartitionOptions, StepOutcome};
    let mut h = Harness::new();
    h.partition = HouseholdPartition::new(PartitionOptions {
        track_changes: false,
        reporting: true,
    });
    let lines = [
        arrears("w1", "woonstad", "HUUR", "600.00", "2026-01-01", "2026-02-10T09:00:00Z", r#"{"crisis":true}"#),
        arrears("w2", "woonstad", "HUUR", "0.00", "2026-01-01", "2026-02-11T09:00:00Z", r#"{"event_type":"RESOLVED"}"#),
        r#"{"event_id":"o1","creditor_id":"dunea","customer_ref":"K-dunea","event_type":"OBJECTION","consent_ref":null,"occurred_at":"2026-02-12T09:00:00Z","address":{"postcode":"3011AB","house_number":10}}"#.to_owned(),
    ];
    let Harness {
        rules,
        municipalities,
        creditors,
        routing,
        key,
        partition,
        ..
    } = &mut h;
    let ctx = vroeg_domain::rules::RuleContext {
        rules,
        municipalities,
        creditors,
        routing,
        key,
    };
    let mut records = 0;
    for l in &lines {
        let e = parse_input(l);
        if let vroeg_domain::rules::Admission::Accepted(a) =
            vroeg_domain::rules::admit(e.clone(), e.occurred_at(), &ctx)
        {
            let mut out = StepOutcome::default();
            partition.apply_event(&a, None, &ctx, &mut out);
            records += out.report_records.len();
        }
    }
    assert!(records > 0);
    let mut out = StepOutcome::default();
    partition.advance_to(at("2026-12-01T00:00:00Z"), usize::MAX, &ctx, &mut out);
    assert!(out.decisions.iter().any(|d| d.kind.name() == "PURGED"));
    assert!(
        !out.report_tombstones.is_empty(),
        "{:?}",
        out.report_tombstones
    );
    assert_eq!(partition.len(), 1, "the minimal record stays");
}
