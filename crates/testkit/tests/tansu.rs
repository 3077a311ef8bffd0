//! Smoke tests: rdkafka against a real Tansu broker process (and the MockCluster helper).
//! Fails when Tansu is missing, unless `VROEGSIGNAAL_SKIP_TANSU=1` outside CI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use rdkafka::consumer::{CommitMode, Consumer};
use rdkafka::producer::{BaseRecord, Producer};
use vroeg_testkit::{
    Tansu, consume_all_until, create_topics, mock_cluster, test_consumer, test_producer,
    unique_prefix,
};

const WITHIN: Duration = Duration::from_secs(60);

fn produce(bootstrap: &str, topic: &str, idempotent: bool, n: usize, tag: &str) {
    let p = test_producer(bootstrap, idempotent).unwrap();
    for i in 0..n {
        let key = format!("k{}", i % 7);
        let value = format!("{tag}-{i}");
        p.send(BaseRecord::to(topic).key(&key).payload(&value))
            .map_err(|(e, _)| e)
            .unwrap();
    }
    // flush waits for every delivery report (or fails at the deadline).
    p.flush(Duration::from_secs(30)).unwrap();
    assert_eq!(p.in_flight_count(), 0);
}

fn values(records: &[vroeg_testkit::Record]) -> BTreeSet<String> {
    records
        .iter()
        .map(|r| String::from_utf8(r.payload.clone().unwrap()).unwrap())
        .collect()
}

#[test]
fn rdkafka_produce_consume_idempotent_and_group_on_tansu() {
    let Some(tansu) = Tansu::for_test() else {
        return;
    };
    let bootstrap = tansu.bootstrap();
    let prefix = unique_prefix();
    let plain = format!("{prefix}plain");
    let idem = format!("{prefix}idem");
    create_topics(&bootstrap, &[&plain, &idem], 3).unwrap();

    produce(&bootstrap, &plain, false, 100, "p");
    produce(&bootstrap, &idem, true, 100, "i");

    // One group over both topics: every record exactly once.
    let group = format!("{prefix}group");
    let c = test_consumer(&bootstrap, &group).unwrap();
    c.subscribe(&[&plain, &idem]).unwrap();
    let got = consume_all_until(&c, WITHIN, |r| r.len() >= 200).unwrap();
    assert_eq!(got.len(), 200, "no duplicates");
    let expected: BTreeSet<String> = (0..100)
        .flat_map(|i| [format!("p-{i}"), format!("i-{i}")])
        .collect();
    assert_eq!(values(&got), expected);
    c.commit_consumer_state(CommitMode::Sync).unwrap();
    drop(c);

    // The group's committed offsets hold: a new member of the same group sees only new records.
    produce(&bootstrap, &plain, false, 5, "late");
    let c = test_consumer(&bootstrap, &group).unwrap();
    c.subscribe(&[&plain, &idem]).unwrap();
    let got = consume_all_until(&c, WITHIN, |r| r.len() >= 5).unwrap();
    assert_eq!(
        values(&got),
        (0..5).map(|i| format!("late-{i}")).collect::<BTreeSet<_>>()
    );
}

#[test]
fn tansu_pause_and_resume_keep_data() {
    let Some(tansu) = Tansu::for_test() else {
        return;
    };
    let bootstrap = tansu.bootstrap();
    let topic = format!("{}paused", unique_prefix());
    create_topics(&bootstrap, &[&topic], 1).unwrap();
    produce(&bootstrap, &topic, true, 10, "before");
    tansu.pause().unwrap();
    tansu.resume().unwrap();
    produce(&bootstrap, &topic, true, 10, "after");
    let c = test_consumer(&bootstrap, &format!("{topic}-g")).unwrap();
    c.subscribe(&[&topic]).unwrap();
    let got = consume_all_until(&c, WITHIN, |r| r.len() >= 20).unwrap();
    assert_eq!(got.len(), 20);
}

#[test]
fn mock_cluster_helper_round_trips() {
    let topic = "mock.smoke";
    let cluster = mock_cluster(2, &[topic]).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    produce(&bootstrap, topic, true, 20, "m");
    let c = test_consumer(&bootstrap, "mock-smoke").unwrap();
    c.subscribe(&[topic]).unwrap();
    let got = consume_all_until(&c, WITHIN, |r| r.len() >= 20).unwrap();
    assert_eq!(values(&got).len(), 20);
}
