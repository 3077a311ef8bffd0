//! Tier 2: the whole pipeline on MockCluster equals the offline simulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use vroeg_engine::embedded::EmbeddedPipeline;
use vroeg_testkit::wait_for;

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

    let mut pipeline = EmbeddedPipeline::new(1, 4).unwrap();
    let topics = pipeline.topics().clone();
    produce(&pipeline, &topics.arrears(), &inputs);
    pipeline.start_stages(rules.clone(), t(2026, 8, 1)).unwrap();
    let m = pipeline.metrics().clone();
    let envelopes = wait_processed(&mut pipeline, inputs.len());
    assert!(m.is_ready());
    pipeline.advance_to(until).unwrap();

    let rejected = read_topics(&pipeline, &[topics.rejected()], invalid);
    assert_eq!(rejected.len(), invalid);
    assert!(rejected.iter().all(|r| r.header("reason").is_some()
        && r.header("source_topic") == Some(topics.arrears().as_str())));

    let tasks = read_prefix(&pipeline, &outreach_prefix(&pipeline), expected.len());
    let got = task_set(&tasks);
    assert_eq!(tasks.len(), got.len(), "a task version was produced twice");
    assert_eq!(got, expected);

    // Replay every envelope (what an ingest stage does after a crash): the household stage
    // skips them all by their source offsets; no new task, no new decision.
    let audit_before = m.out_count("households", &topics.audit());
    let copies = read_topics(&pipeline, &[topics.households()], envelopes as usize);
    assert_eq!(copies.len() as u64, envelopes);
    let replay: Vec<Input> = copies
        .iter()
        .map(|r| Input {
            key: r.key_text().unwrap(),
            value: r.payload.clone().unwrap(),
            at: until,
            valid: true,
            partition: Some(r.partition),
        })
        .collect();
    produce(&pipeline, &topics.households(), &replay);
    wait_for(WITHIN, "the replays to be consumed", || {
        m.households_committed() >= 2 * envelopes && m.replays_skipped.get() >= envelopes
    })
    .unwrap();
    assert_eq!(m.replays_skipped.get(), envelopes);
    assert_eq!(m.households_committed(), 2 * envelopes);
    assert_eq!(m.out_count("households", &topics.audit()), audit_before);
    let again = read_prefix(&pipeline, &outreach_prefix(&pipeline), expected.len());
    assert_eq!(again.len(), tasks.len());

    let text = m.encode();
    assert!(
        text.contains("vroegsignaal_transactions_total{stage=\"households\",outcome=\"commit\"}")
    );
    assert!(text.contains("vroegsignaal_tasks_total{"));
    pipeline.stop_stages().unwrap();
}
