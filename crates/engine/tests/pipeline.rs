//! Tier 2: the whole pipeline on MockCluster equals the offline simulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use vroeg_engine::{AutoCreate, ManualClock, spawn_households, spawn_ingest};

#[test]
fn pipeline_tasks_equal_the_simulator_and_replays_are_deduplicated() {
    let rules = rule_data();
    let inputs = fixture(300, 7);
    let valid = inputs.iter().filter(|i| i.valid).count();
    let invalid = inputs.len() - valid;
    let until = t(2027, 1, 15);
    let expected = simulated_tasks(&inputs, &rules, until);
    assert!(
        expected.len() > 100,
        "fixture too small: {}",
        expected.len()
    );
    assert!(
        expected.iter().any(|(_, v, _)| *v > 1),
        "no task updates in the fixture"
    );

    let (mock, topics) = cluster(4, 1);
    produce(&mock, &topics.arrears(), &inputs);

    let clock = ManualClock::new(t(2026, 8, 1));
    let m = metrics();
    let ingest = spawn_ingest(
        stage_config(&mock, &topics, "a"),
        rules.clone(),
        Arc::new(clock.clone()),
        m.clone(),
    )
    .unwrap();
    let households = spawn_households(
        stage_config(&mock, &topics, "a"),
        rules.clone(),
        Arc::new(clock.clone()),
        m.clone(),
        Arc::new(AutoCreate),
    )
    .unwrap();

    wait_for(60, "ingest to commit every input", || {
        m.ingest_committed() == inputs.len() as u64
    });
    let envelopes = m.out_count("ingest", &topics.households());
    wait_for(60, "the household stage to commit every envelope", || {
        m.households_committed() >= envelopes
    });
    assert!(m.is_ready());
    clock.set(until);
    wait_for(60, "ticks up to the end", || {
        m.ticked_until_ms() >= until.timestamp_millis()
    });

    let rejected = read_prefix(&mock, &topics.rejected(), invalid, 30);
    assert_eq!(rejected.len(), invalid);
    assert!(rejected.iter().all(|r| r.headers.contains_key("reason")
        && r.headers.get("source_topic") == Some(&topics.arrears())));

    let outreach_prefix = format!("{}outreach.", topics.prefix());
    let tasks = read_prefix(&mock, &outreach_prefix, expected.len(), 60);
    let got = task_set(&tasks);
    assert_eq!(tasks.len(), got.len(), "a task version was produced twice");
    assert_eq!(got, expected);

    // Replay every envelope (what an ingest stage does after a crash): the household stage
    // skips them all by their source offsets; no new task, no new decision.
    let audit_before = m.out_count("households", &topics.audit());
    let copies = read_prefix(&mock, &topics.households(), envelopes as usize, 30);
    assert_eq!(copies.len() as u64, envelopes);
    let replay: Vec<Input> = copies
        .iter()
        .map(|r| Input {
            key: r.key.clone().unwrap(),
            value: r.value.clone().unwrap(),
            at: until,
            valid: true,
            partition: Some(r.partition),
        })
        .collect();
    produce(&mock, &topics.households(), &replay);
    wait_for(60, "the replays to be consumed", || {
        m.households_committed() >= 2 * envelopes && m.replays_skipped.get() >= envelopes
    });
    assert_eq!(m.replays_skipped.get(), envelopes);
    assert_eq!(m.households_committed(), 2 * envelopes);
    assert_eq!(m.out_count("households", &topics.audit()), audit_before);
    let again = read_prefix(&mock, &outreach_prefix, expected.len(), 30);
    assert_eq!(again.len(), tasks.len());

    let text = m.encode();
    assert!(
        text.contains("vroegsignaal_transactions_total{stage=\"households\",outcome=\"commit\"}")
    );
    assert!(text.contains("vroegsignaal_tasks_total{"));
    households.stop().unwrap();
    ingest.stop().unwrap();
}
