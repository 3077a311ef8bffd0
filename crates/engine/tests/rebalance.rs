//! Tier 2: two household-stage instances in one group; partitions move, nothing is lost and each
//! household's task versions stay in order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::*;
use vroeg_engine::embedded::EmbeddedPipeline;
use vroeg_engine::metrics::StageLabels;
use vroeg_engine::{AutoCreate, ManualClock, Metrics, spawn_households, spawn_ingest};
use vroeg_testkit::wait_for;

#[test]
fn partitions_move_between_instances_without_loss() {
    let rules = rule_data();
    let inputs = fixture(240, 11);
    let until = t(2027, 1, 15);
    let expected = simulated_tasks(&inputs, &rules, until);
    let (first_half, second_half) = inputs.split_at(inputs.len() / 2);

    // One ingest stage and two household-stage instances of our own on the pipeline's cluster.
    let pipeline = EmbeddedPipeline::new(1, 4).unwrap();
    let topics = pipeline.topics().clone();
    let clock = ManualClock::new(t(2026, 8, 1));
    let mi = Arc::new(Metrics::new());
    let ingest = spawn_ingest(
        pipeline.stage_config("i"),
        rules.clone(),
        Arc::new(clock.clone()),
        mi.clone(),
    )
    .unwrap();
    let spawn = |id: &str, m| {
        spawn_households(
            pipeline.stage_config(id),
            rules.clone(),
            Arc::new(clock.clone()),
            m,
            Arc::new(AutoCreate),
        )
        .unwrap()
    };
    let assigned = |m: &Metrics| {
        m.partitions_assigned
            .get_or_create(&StageLabels {
                stage: "households".into(),
            })
            .get()
    };
    let ma = Arc::new(Metrics::new());
    let a = spawn("a", ma.clone());
    produce(&pipeline, &topics.arrears(), first_half);
    wait_for(WITHIN, "ingest of the first half", || {
        mi.ingest_committed() == first_half.len() as u64
    })
    .unwrap();
    let first_envelopes = mi.out_count("ingest", &topics.households());
    wait_for(WITHIN, "instance a to process the first half", || {
        ma.households_committed() >= first_envelopes
    })
    .unwrap();
    assert_eq!(assigned(&ma), 4);

    let mb = Arc::new(Metrics::new());
    let b = spawn("b", mb.clone());
    wait_for(WITHIN, "the partitions to be shared", || {
        ma.is_ready() && mb.is_ready() && assigned(&ma) + assigned(&mb) == 4 && assigned(&mb) > 0
    })
    .unwrap();
    produce(&pipeline, &topics.arrears(), second_half);
    wait_for(WITHIN, "ingest of the second half", || {
        mi.ingest_committed() == inputs.len() as u64
    })
    .unwrap();
    let envelopes = mi.out_count("ingest", &topics.households());
    wait_for(WITHIN, "both instances to process everything", || {
        ma.households_committed() + mb.households_committed() >= envelopes
    })
    .unwrap();
    clock.set(until);
    wait_for(WITHIN, "both instances to tick to the end", || {
        ma.ticked_until_ms() >= until.timestamp_millis()
            && mb.ticked_until_ms() >= until.timestamp_millis()
    })
    .unwrap();
    assert!(
        mb.households_committed() > 0,
        "instance b processed nothing"
    );

    let records = read_prefix(&pipeline, &outreach_prefix(&pipeline), expected.len());
    assert_eq!(task_set(&records), expected, "tasks lost or different");
    // Per household (one key, one partition) versions arrive in order.
    let mut last: BTreeMap<String, u32> = BTreeMap::new();
    for r in &records {
        let task = vroeg_codec::decode_outreach_task(r.payload.as_deref().unwrap()).unwrap();
        let prev = last.insert(task.task_id.clone(), task.version).unwrap_or(0);
        assert!(
            task.version >= prev,
            "{}: version {} after {prev}",
            task.task_id,
            task.version
        );
    }
    b.stop().unwrap();
    a.stop().unwrap();
    ingest.stop().unwrap();
}
