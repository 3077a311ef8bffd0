//! Retention reaches the reporting store: when the rules purge a household, every record it has
//! on `report.<gemeentecode>` is tombstoned in the same batch (RULES.md §6: purged means
//! unreadable everywhere the product stores it, Kafka topics included).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use common::*;
use serde_json::json;
use vroeg_engine::embedded::EmbeddedPipeline;

fn event(id: &str, event_type: &str, amount: &str, at: DateTime<Utc>, house: u32) -> Input {
    let v = json!({
        "event_id": id, "creditor_id": "woonstad-rotterdam", "sector": "HUUR",
        "event_type": event_type, "customer_ref": format!("K-{house}"), "arrears_amount": amount,
        "arrears_since": "2026-09-01",
        "occurred_at": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "reminders_sent": 2, "personal_contact_attempted": true, "pointed_to_debt_help": true,
        "data_sharing_offered": true, "objected": false, "consent_ref": null, "crisis": false,
        "warm_handover": false, "end_of_supply_date": null,
        "person": {"initials": "T.", "surname": "Est", "birth_date": "1980-01-02"},
        "address": {"postcode": "3011AB", "house_number": house},
        "municipality_code": null
    });
    Input {
        key: format!("woonstad-rotterdam/K-{house}"),
        value: v.to_string().into_bytes(),
        at,
        valid: true,
        partition: None,
    }
}

#[test]
fn a_purge_tombstones_every_reporting_store_record_of_the_household() {
    let rules = rule_data();
    let mut pipeline = EmbeddedPipeline::new(1, 2).unwrap();
    let topics = pipeline.topics().clone();
    // Household 10 gets a task, then the arrears are resolved: purged six months later.
    // Household 12 gets a task that stays open: never purged, its records stay.
    let arrears = [
        event("p1", "ARREARS", "512.40", t(2026, 10, 15), 10),
        event("k1", "ARREARS", "300.00", t(2026, 10, 15), 12),
    ];
    produce(&pipeline, &topics.arrears(), &arrears);
    pipeline.start_stages(rules, t(2026, 10, 15)).unwrap();
    wait_processed(&mut pipeline, 2);
    let m = pipeline.metrics().clone();
    assert!(m.households_committed() >= 2, "both events committed");
    // The bundles dispatched.
    pipeline.advance_to(t(2026, 10, 20)).unwrap();
    produce(
        &pipeline,
        &topics.arrears(),
        &[event("p2", "RESOLVED", "0", t(2026, 10, 25), 10)],
    );
    wait_processed(&mut pipeline, 3);
    assert!(m.households_committed() >= 3, "the resolution committed");
    // Ticks past the retention period.
    pipeline.advance_to(t(2027, 6, 1)).unwrap();
    pipeline.stop_stages().unwrap();

    let report_prefix = format!("{}report.", topics.prefix());
    let records = read_prefix(&pipeline, &report_prefix, 1);
    // Latest value per (topic, key), in log order per partition.
    let mut latest: BTreeMap<(String, String), Option<Vec<u8>>> = BTreeMap::new();
    let mut written: BTreeSet<(String, String)> = BTreeSet::new();
    for r in &records {
        let k = (r.topic.clone(), r.key_text().unwrap());
        if r.payload.is_some() {
            written.insert(k.clone());
        }
        latest.insert(k, r.payload.clone());
    }
    let household_of = |v: &[u8]| -> String {
        let v: serde_json::Value = serde_json::from_slice(v).unwrap();
        v["household_id"].as_str().unwrap().to_owned()
    };
    // Household 10 is the one whose signal was resolved: its case record says so.
    let households_of: BTreeSet<String> = records
        .iter()
        .filter_map(|r| r.payload.as_deref())
        .map(household_of)
        .collect();
    assert_eq!(
        households_of.len(),
        2,
        "both households reported: {households_of:?}"
    );
    let purged_id = records
        .iter()
        .filter_map(|r| r.payload.as_deref())
        .find(|v| String::from_utf8_lossy(v).contains("\"house_number\":10"))
        .map(household_of)
        .expect("a record with household 10's address");
    let purged_household = |v: &[u8]| household_of(v) == purged_id;
    let tombstoned: Vec<_> = latest.iter().filter(|(_, v)| v.is_none()).collect();
    assert!(!tombstoned.is_empty(), "nothing tombstoned: {latest:?}");
    // Every record of the purged household ends as a tombstone; the other household's stay.
    let purged_keys: BTreeSet<(String, String)> = records
        .iter()
        .filter(|r| r.payload.as_deref().is_some_and(&purged_household))
        .map(|r| (r.topic.clone(), r.key_text().unwrap()))
        .collect();
    assert!(
        purged_keys.iter().any(|(_, k)| k.starts_with("signal/"))
            && purged_keys.iter().any(|(_, k)| k.starts_with("case/")),
        "the purged household had a signal and a case on the store: {purged_keys:?}"
    );
    for k in &purged_keys {
        assert_eq!(latest[k], None, "{k:?} not tombstoned");
    }
    for (k, v) in &latest {
        if !purged_keys.contains(k) {
            assert!(v.is_some(), "{k:?} of the open household was tombstoned");
        }
    }
    assert_eq!(
        written.len(),
        latest.len(),
        "a tombstone for a key never written"
    );
}
