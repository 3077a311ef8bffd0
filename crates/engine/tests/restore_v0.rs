//! Tier 2: a changelog written by the version before the compact state encoding (every record
//! JSON, D30) is restored by this version, which then writes its own records in the v1
//! form — and the household behaves exactly as offline.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use chrono::TimeDelta;
use common::*;
use serde_json::json;
use vroeg_domain::household::simulation::Simulator;
use vroeg_engine::embedded::EmbeddedPipeline;
use vroeg_engine::records::StateRecord;
use vroeg_engine::statecodec::{self, V1_MAGIC};
use vroeg_engine::{AutoCreate, ManualClock, Metrics, spawn_households};
use vroeg_testkit::wait_for;

#[test]
fn a_json_changelog_of_the_previous_version_is_restored() {
    let rules = rule_data();
    let pipeline = EmbeddedPipeline::new(1, 1).unwrap();
    let topics = pipeline.topics().clone();
    let input = young_arrears();
    // The household's state after the event, as the previous version kept it in memory.
    let mut sim = Simulator::new();
    let ctx = rules.context();
    sim.process(
        vroeg_codec::decode_input(&input.value).unwrap(),
        &ctx,
        &mut drop,
    );
    let state = sim.households().next().unwrap().clone();
    let id = state.household_id.as_str().to_owned();
    // The changelog exactly as the previous version wrote it: JSON household and offsets records.
    let old_household = statecodec::encode_household_json(0, &state, &[]).unwrap();
    assert!(old_household.starts_with(br#"{"type":"household","applied":0,"state":{"#));
    let old_offsets = json!({"type": "offsets", "next_offset": 1,
        "sources": {format!("{}/0", topics.arrears()): 0}});
    let changelog = |key: &str, value: Vec<u8>| Input {
        key: key.to_owned(),
        value,
        at: t(2026, 9, 15),
        valid: true,
        partition: Some(0),
    };
    produce(
        &pipeline,
        &topics.state(),
        &[
            changelog(&id, old_household),
            changelog("__offsets__", serde_json::to_vec(&old_offsets).unwrap()),
        ],
    );

    // Only a household stage of our own: it restores from that changelog.
    let clock = ManualClock::new(t(2026, 9, 30));
    let m = Arc::new(Metrics::new());
    let stage = spawn_households(
        pipeline.stage_config("new"),
        rules.clone(),
        Arc::new(clock.clone()),
        m.clone(),
        Arc::new(AutoCreate),
    )
    .unwrap();
    wait_for(WITHIN, "the restore", || m.is_ready()).unwrap();
    assert_eq!(m.state_households.get(), 1, "JSON state not restored");
    let sent_by = t(2026, 10, 2) + TimeDelta::hours(1);
    clock.set(sent_by);
    wait_for(WITHIN, "ticks past day 31", || {
        m.ticked_until_ms() >= sent_by.timestamp_millis()
    })
    .unwrap();
    let tasks = read_prefix(&pipeline, &outreach_prefix(&pipeline), 1);
    assert_eq!(task_set(&tasks), simulated_tasks(&[input], &rules, sent_by));
    assert_eq!(tasks.len(), 1);
    stage.stop().unwrap();

    // The ticks changed the household: its newest changelog record is in the v1 form and reads
    // back as the same kind of record (two records were produced, at least one was written).
    let log = read_topics(&pipeline, &[topics.state()], 3);
    let newest = log
        .iter()
        .rev()
        .find(|r| r.key_text().as_deref() == Some(id.as_str()))
        .and_then(|r| r.payload.clone())
        .expect("a household record");
    assert_eq!(newest[..2], V1_MAGIC);
    match statecodec::decode(&newest).unwrap() {
        StateRecord::Household { state: s, .. } => {
            assert_eq!(s.household_id.as_str(), id);
            assert!(
                s.case.is_some(),
                "the case opened on day 30 is in the new record"
            );
        }
        other => panic!("not a household record: {other:?}"),
    }
}
