//! Property test: whatever the municipality records (any contact attempts, any DDAS result), a
//! creditor hears one of PICKED_UP / NOT_PICKED_UP / REPEAT / UNJUSTIFIED per signal and nothing
//! more — never the reason behind "Niet opgepakt: andere reden" (RULES.md §4b, CONTRACT.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;

use proptest::prelude::*;
use support::*;
use vroeg_domain::contract::decision::{Decision, DecisionKind};
use vroeg_domain::contract::messages::{CreditorStatus, CreditorStatusValue};
use vroeg_domain::reporting::ddas::{Contactsoort, Dagdeel, Eindresultaat};
use vroeg_domain::rules::creditor_status_for;

/// One creditor's arrears: (creditor, sector, amount in euros, days in arrears at the event).
const CREDITORS: [(&str, &str); 4] = [
    ("woonstad", "HUUR"),
    ("eneco", "ENERGIE"),
    ("vitens", "WATER"),
    ("vgz", "ZORG"),
];

#[derive(Debug, Clone)]
struct Attempt {
    soort: Contactsoort,
    bereikt: bool,
    dagdeel: Dagdeel,
    day: u32,
}

fn attempt() -> impl Strategy<Value = Attempt> {
    (
        prop::sample::select(Contactsoort::ALL.to_vec()),
        any::<bool>(),
        prop::sample::select(Dagdeel::ALL.to_vec()),
        0u32..10,
    )
        .prop_map(|(soort, bereikt, dagdeel, day)| Attempt {
            soort,
            bereikt,
            dagdeel,
            day,
        })
}

#[derive(Debug, Clone)]
struct Scenario {
    /// Which creditors signal, with amount (euros) and days in arrears.
    signals: Vec<(usize, u32, u32)>,
    attempts: Vec<Attempt>,
    result: Eindresultaat,
    /// A new report from the first creditor after the case closed.
    later_signal: bool,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::sample::subsequence(vec![0usize, 1, 2, 3], 1..=4),
        prop::collection::vec((150u32..5_000, 45u32..80), 4),
        prop::collection::vec(attempt(), 0..4),
        prop::sample::select(Eindresultaat::ALL.to_vec()),
        any::<bool>(),
    )
        .prop_map(
            |(which, amounts, attempts, result, later_signal)| Scenario {
                signals: which
                    .into_iter()
                    .map(|i| (i, amounts[i].0, amounts[i].1))
                    .collect(),
                attempts,
                result,
                later_signal,
            },
        )
}

fn feedback(id: &str, case_id: &str, day: u32, body: &str) -> String {
    format!(
        r#"{{"event_id":"{id}","case_id":"{case_id}","municipality_code":"0599","occurred_at":"2026-10-{:02}T10:00:00Z",{body}}}"#,
        17 + day
    )
}

/// Every text a creditor could read from a status: the message as it goes on the creditor's
/// topic (the engine builds it from exactly these decision fields).
fn creditor_message(d: &Decision) -> Option<(CreditorStatus, String)> {
    let DecisionKind::CreditorStatus {
        creditor_id,
        customer_ref,
        signal_id,
        status,
    } = &d.kind
    else {
        return None;
    };
    let msg = CreditorStatus {
        creditor_id: creditor_id.clone(),
        customer_ref: customer_ref.clone(),
        signal_id: signal_id.clone(),
        status: *status,
        at: d.at,
    };
    let json = serde_json::to_string(&msg).unwrap();
    Some((msg, json))
}

fn run(s: &Scenario) -> (Vec<Decision>, String) {
    let mut h = Harness::new();
    let mut out = Vec::new();
    for (n, &(i, amount, days)) in s.signals.iter().enumerate() {
        let (creditor, sector) = CREDITORS[i];
        let since = at("2026-10-15T09:00:00Z").date_naive() - chrono::Days::new(u64::from(days));
        out.extend(h.json(&arrears(
            &format!("e{n}"),
            creditor,
            sector,
            &amount.to_string(),
            &since.to_string(),
            "2026-10-15T09:00:00Z",
            "",
        )));
    }
    out.extend(h.advance(at("2026-10-16T10:00:00Z")));
    let case_id = out
        .iter()
        .find_map(|d| match &d.kind {
            DecisionKind::Task { task } => Some(task.case_id.clone()),
            _ => None,
        })
        .expect("the signals make a task");
    let mut attempts = s.attempts.clone();
    attempts.sort_by_key(|a| a.day);
    for (n, a) in attempts.iter().enumerate() {
        out.extend(h.json(&feedback(
            &format!("f{n}"),
            &case_id,
            a.day,
            &format!(
                r#""event_type":"CONTACT_ATTEMPT","contact_attempt":{{"soort":"{}","bereikt":{},"datum":"2026-10-{:02}","dagdeel":"{}"}}"#,
                a.soort.as_str(),
                a.bereikt,
                17 + a.day,
                a.dagdeel.as_str()
            ),
        )));
    }
    out.extend(h.json(&feedback(
        "result",
        &case_id,
        11,
        &format!(
            r#""event_type":"CASE_RESULT","resultaat":"{}""#,
            s.result.as_str()
        ),
    )));
    if s.later_signal {
        let (creditor, sector) = CREDITORS[s.signals[0].0];
        out.extend(h.json(&arrears(
            "later",
            creditor,
            sector,
            "9999",
            "2026-09-20",
            "2026-11-05T09:00:00Z",
            "",
        )));
        out.extend(h.advance(at("2026-11-30T00:00:00Z")));
    }
    (out, case_id)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_creditor_hears_a_status_and_never_a_reason(s in scenario()) {
        let (decisions, case_id) = run(&s);
        let allowed: BTreeSet<&str> =
            ["PICKED_UP", "NOT_PICKED_UP", "REPEAT", "UNJUSTIFIED"].into_iter().collect();
        let keys: BTreeSet<&str> =
            ["creditor_id", "customer_ref", "signal_id", "status", "at"].into_iter().collect();
        let mut statuses = Vec::new();
        for d in &decisions {
            let Some((msg, json)) = creditor_message(d) else { continue };
            // Exactly the contract's fields, nothing else.
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            let got: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
            prop_assert_eq!(&got, &keys);
            prop_assert!(allowed.contains(v["status"].as_str().unwrap()), "{}", json);
            // No DDAS result text, no case, no reason — in the message or the decision's own
            // reason (which the audit topic carries).
            for r in Eindresultaat::ALL {
                prop_assert!(!json.contains(r.as_str()), "{} leaks {:?}", json, r);
                prop_assert!(!d.reason.contains(r.as_str()), "reason {:?} leaks {:?}", d.reason, r);
            }
            prop_assert!(!json.contains("reden") && !d.reason.contains("reden"), "{}", d.reason);
            prop_assert!(!json.contains(&case_id), "{}", json);
            statuses.push(msg.status);
        }
        // The result itself reaches the creditor as its status (and only as that).
        let result_status = creditor_status_for(s.result);
        prop_assert!(statuses.contains(&result_status)
            || (result_status == CreditorStatusValue::PickedUp
                && statuses.contains(&CreditorStatusValue::PickedUp)),
            "{:?} for {:?}", statuses, s.result);
        if s.result == Eindresultaat::NietOpgepaktAndereReden {
            prop_assert_eq!(result_status, CreditorStatusValue::NotPickedUp);
        }
    }
}

#[test]
fn every_result_maps_to_one_of_the_four_statuses() {
    for r in Eindresultaat::ALL {
        let s = serde_json::to_value(creditor_status_for(r)).unwrap();
        assert!(
            ["PICKED_UP", "NOT_PICKED_UP", "REPEAT", "UNJUSTIFIED"].contains(&s.as_str().unwrap()),
            "{r:?} -> {s}"
        );
    }
    assert_eq!(
        creditor_status_for(Eindresultaat::NietOpgepaktAndereReden),
        CreditorStatusValue::NotPickedUp
    );
}
