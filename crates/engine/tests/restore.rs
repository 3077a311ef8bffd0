//! Tier 2: a new household stage rebuilds state from the changelog; a young arrears still
//! becomes a task on day 30 under the manual clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use chrono::TimeDelta;
use common::*;
use vroeg_engine::embedded::EmbeddedPipeline;
use vroeg_engine::{AutoCreate, ManualClock, Metrics, spawn_households, spawn_ingest};
use vroeg_testkit::wait_for;

#[test]
fn restored_state_turns_young_arrears_into_a_task_on_day_30() {
    let rules = rule_data();
    let pipeline = EmbeddedPipeline::new(1, 2).unwrap();
    let topics = pipeline.topics().clone();
    // Day 30 of arrears since 2026-09-01 is 2026-10-01 (D12).
    let input = young_arrears();
    produce(&pipeline, &topics.arrears(), std::slice::from_ref(&input));

    // Stages of our own: the household stage is replaced half-way, ingest keeps running.
    let clock = ManualClock::new(t(2026, 9, 15));
    let m1 = Arc::new(Metrics::new());
    let ingest = spawn_ingest(
        pipeline.stage_config("a"),
        rules.clone(),
        Arc::new(clock.clone()),
        m1.clone(),
    )
    .unwrap();
    let first = spawn_households(
        pipeline.stage_config("a"),
        rules.clone(),
        Arc::new(clock.clone()),
        m1.clone(),
        Arc::new(AutoCreate),
    )
    .unwrap();
    wait_for(WITHIN, "the envelope to be committed", || {
        m1.households_committed() == 1
    })
    .unwrap();
    assert_eq!(m1.state_households.get(), 1);
    // Not yet due: a day before day 30, nothing goes out.
    clock.set(t(2026, 9, 30));
    wait_for(WITHIN, "ticks to day 29", || {
        m1.ticked_until_ms() >= t(2026, 9, 30).timestamp_millis()
    })
    .unwrap();
    assert_eq!(m1.tasks.get_or_create(&task_labels()).get(), 0);
    first.stop().unwrap();

    // A new instance (another transactional id, fresh metrics) restores from the changelog.
    let m2 = Arc::new(Metrics::new());
    let second = spawn_households(
        pipeline.stage_config("b"),
        rules.clone(),
        Arc::new(clock.clone()),
        m2.clone(),
        Arc::new(AutoCreate),
    )
    .unwrap();
    wait_for(WITHIN, "the restore", || m2.is_ready()).unwrap();
    assert_eq!(m2.state_households.get(), 1, "state not restored");
    assert!(m2.restore_records.get() >= 2);
    // Day 30 the signal is judged and opens a case; the municipality's 24-hour bundling delay
    // then sends the task.
    let sent_by = t(2026, 10, 2) + TimeDelta::hours(1);
    clock.set(sent_by);
    wait_for(WITHIN, "ticks past day 31", || {
        m2.ticked_until_ms() >= sent_by.timestamp_millis()
    })
    .unwrap();
    // The new instance never re-read the envelope: the task came from restored state.
    assert_eq!(m2.households_committed(), 0);
    let tasks = read_prefix(&pipeline, &outreach_prefix(&pipeline), 1);
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let task = vroeg_codec::decode_outreach_task(tasks[0].payload.as_deref().unwrap()).unwrap();
    assert_eq!(label(&task.status), "NEW");
    assert_eq!(task.version, 1);
    // Judged on day 30 (Dutch midnight: 22:00 UTC the day before, summer time), sent when the
    // 24-hour bundle closed: exactly as offline.
    assert_eq!(task.created_at, t(2026, 10, 2) - TimeDelta::hours(2));
    assert_eq!(task.signals[0].days_in_arrears, 31);
    assert_eq!(task_set(&tasks), simulated_tasks(&[input], &rules, sent_by));
    assert_eq!(tasks[0].topic, format!("{}outreach.0599", topics.prefix()));
    second.stop().unwrap();
    ingest.stop().unwrap();
}

fn task_labels() -> vroeg_engine::metrics::TaskLabels {
    vroeg_engine::metrics::TaskLabels {
        municipality: "0599".into(),
        status: "NEW".into(),
    }
}
