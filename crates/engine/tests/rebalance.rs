//! Tier 2: two household-stage instances in one group; partitions move, nothing is lost and each
//! household's task versions stay in order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::*;
use vroeg_engine::metrics::StageLabels;
use vroeg_engine::{AutoCreate, ManualClock, spawn_households, spawn_ingest};

#[test]
fn partitions_move_between_instances_without_loss() {
    let rules = rule_data();
    let inputs = fixture(240, 11);
    let until = t(2027, 1, 15);
    let expected = simulated_tasks(&inputs, &rules, until);
    let (first_half, second_half) = inputs.split_at(inputs.len() / 2);

    let (mock, topics) = cluster(4, 1);
    let clock = ManualClock::new(t(2026, 8, 1));
    let mi = metrics();
    let ingest = spawn_ingest(
        stage_config(&mock, &topics, "i"),
        rules.clone(),
        Arc::new(clock.clone()),
        mi.clone(),
    )
    .unwrap();
    let spawn = |id: &str, m| {
        spawn_households(
            stage_config(&mock, &topics, id),
            rules.clone(),
            Arc::new(clock.clone()),
            m,
            Arc::new(AutoCreate),
        )
        .unwrap()
    };
    let assigned = |m: &vroeg_engine::Metrics| {
        m.partitions_assigned
            .get_or_create(&StageLabels {
                stage: "households".into(),
            })
            .get()
    };
    let ma = metrics();
    let a = spawn("a", ma.clone());
    produce(&mock, &topics.arrears(), first_half);
    wait_for(60, "ingest of the first half", || {
        mi.ingest_committed() == first_half.len() as u64
    });
    let first_envelopes = mi.out_count("ingest", &topics.households());
    wait_for(60, "instance a to process the first half", || {
        ma.households_committed() >= first_envelopes
    });
    assert_eq!(assigned(&ma), 4);

    let mb = metrics();
    let b = spawn("b", mb.clone());
    wait_for(60, "the partitions to be shared", || {
        ma.is_ready() && mb.is_ready() && assigned(&ma) + assigned(&mb) == 4 && assigned(&mb) > 0
    });
    produce(&mock, &topics.arrears(), second_half);
    wait_for(60, "ingest of the second half", || {
        mi.ingest_committed() == inputs.len() as u64
    });
    let envelopes = mi.out_count("ingest", &topics.households());
    wait_for(60, "both instances to process everything", || {
        ma.households_committed() + mb.households_committed() >= envelopes
    });
    clock.set(until);
    wait_for(60, "both instances to tick to the end", || {
        ma.ticked_until_ms() >= until.timestamp_millis()
            && mb.ticked_until_ms() >= until.timestamp_millis()
    });
    assert!(
        mb.households_committed() > 0,
        "instance b processed nothing"
    );

    let prefix = format!("{}outreach.", topics.prefix());
    let records = read_prefix(&mock, &prefix, expected.len(), 60);
    assert_eq!(task_set(&records), expected, "tasks lost or different");
    // Per household (one key, one partition) versions arrive in order.
    let mut last: BTreeMap<String, u32> = BTreeMap::new();
    for r in &records {
        let task = vroeg_codec::decode_outreach_task(r.value.as_deref().unwrap()).unwrap();
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
