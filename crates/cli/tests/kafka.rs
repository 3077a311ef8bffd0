//! `publish` and `tasks` as an operator runs them: the built binary against librdkafka's
//! MockCluster and against a real Tansu broker process; kafka-python as an independent producer.
//! Tansu and kafka-python tests fail when those are missing (CI installs them with
//! `.ci/install-brokers.sh`), unless `VROEGSIGNAAL_SKIP_TANSU=1` outside CI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rdkafka::consumer::Consumer;
use serde_json::Value;
use support::{rejected_lines, run, tasks_json, text, workspace_dir};
use vroeg_testkit::{
    Outgoing, Record, Tansu, consume_all_until, create_topics, free_port, mock_cluster,
    produce_all, test_consumer, unique_prefix,
};

const WITHIN: Duration = Duration::from_secs(60);

fn data(name: &str) -> PathBuf {
    workspace_dir().join("tests/data").join(name)
}

#[test]
fn dry_run_reports_exactly_the_bad_lines() {
    let jsonl = data("uploads/arrears-with-errors.jsonl");
    let o = run(
        "x.",
        &["publish", "--dry-run", "--file", jsonl.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(rejected_lines(&o), vec![3, 7], "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("unknown field `bsn`"));
    assert!(
        text(&o.stderr).contains("7 line(s): 5 accepted, 2 rejected"),
        "{}",
        text(&o.stderr)
    );

    let csv = data("uploads/arrears-with-errors.csv");
    let o = run(
        "x.",
        &["publish", "--dry-run", "--file", csv.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(rejected_lines(&o), vec![3, 6, 7], "{}", text(&o.stdout));
    let out = text(&o.stdout);
    assert!(out.contains("line 3: rejected: address.postcode"), "{out}");
    assert!(
        out.contains("line 6: rejected: personal_contact_attempted"),
        "{out}"
    );
    assert!(!out.contains("column"), "no JSON positions for CSV: {out}");
    assert!(text(&o.stderr).contains("6 line(s): 3 accepted, 3 rejected"));

    // A bad header is a usage error: non-zero, one line.
    let bad = std::env::temp_dir().join(format!("vroeg-bad-header-{}.csv", std::process::id()));
    std::fs::write(&bad, "event_id,bsn\nx,1\n").unwrap();
    let o = run(
        "x.",
        &["publish", "--dry-run", "--file", bad.to_str().unwrap()],
    );
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("\"bsn\""), "{}", text(&o.stderr));
    assert_eq!(text(&o.stderr).lines().count(), 1);
    std::fs::remove_file(bad).ok();
}

/// The accepted lines of an upload, as `(key, value)` expected on the topic.
fn expected_jsonl_records(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| vroeg_codec::decode_arrears(l.as_bytes()).is_ok() && !l.contains("\"bsn\""))
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                format!(
                    "{}/{}",
                    v["creditor_id"].as_str().unwrap(),
                    v["customer_ref"].as_str().unwrap()
                ),
                l.to_owned(),
            )
        })
        .collect()
}

fn key_values(records: &[Record]) -> Vec<(String, String)> {
    let mut kv: Vec<(String, String)> = records
        .iter()
        .map(|r| {
            (
                text(r.key.as_deref().unwrap()),
                text(r.payload.as_deref().unwrap()),
            )
        })
        .collect();
    kv.sort();
    kv
}

/// `publish` on a broker: exactly the accepted lines arrive, byte for byte, keyed.
fn publish_and_check(bootstrap: &str, prefix: &str) {
    let jsonl = data("uploads/arrears-with-errors.jsonl");
    let topic = format!("{prefix}arrears.v1");
    let publish = |file: &Path| {
        let file = file.to_str().unwrap();
        run(prefix, &["publish", "--brokers", bootstrap, "--file", file])
    };
    let o = publish(&jsonl);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&format!("5 delivered to {topic}")),
        "{}",
        text(&o.stderr)
    );

    let mut expected = expected_jsonl_records(&jsonl);
    expected.sort();
    assert_eq!(expected.len(), 5);
    let c = test_consumer(bootstrap, &format!("{prefix}check")).unwrap();
    c.subscribe(&[&topic]).unwrap();
    let got = consume_all_until(&c, WITHIN, |r| r.len() >= expected.len()).unwrap();
    assert_eq!(key_values(&got), expected);

    // CSV rows arrive as contract JSON that the pipeline's decoder accepts.
    let csv = data("uploads/arrears-with-errors.csv");
    let o = publish(&csv);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let more = consume_all_until(&c, WITHIN, |r| r.len() >= 3).unwrap();
    let ids: Vec<String> = more
        .iter()
        .map(|r| {
            vroeg_codec::decode_arrears(r.payload.as_deref().unwrap())
                .unwrap()
                .event_id
        })
        .collect();
    let mut ids_sorted = ids.clone();
    ids_sorted.sort();
    assert_eq!(ids_sorted, ["csv-01", "csv-03", "csv-06"]);
}

/// Hand-made outreach records for 0599: two tasks, redeliveries and a higher version.
fn outreach_records() -> (Vec<String>, Vec<String>) {
    let sample: Vec<String> = std::fs::read_to_string(data("outreach-sample.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"municipality_code\":\"0599\""))
        .map(str::to_owned)
        .collect();
    assert_eq!(sample.len(), 4, "sample: task A v1, task B v1, v2, v3");
    let (a1, b1, b2, b3) = (&sample[0], &sample[1], &sample[2], &sample[3]);
    // Produced: A1 B1 B2 B1(dup) A1(dup) B3 B2(dup, older than shown).
    let produced = [a1, b1, b2, b1, a1, b3, b2].map(|s| s.to_owned()).to_vec();
    let shown = [a1, b1, b2, b3].map(|s| s.to_owned()).to_vec();
    (produced, shown)
}

fn produce_outreach(bootstrap: &str, topic: &str, values: &[String]) {
    // One key: one partition, so the order is the produce order.
    let records = values
        .iter()
        .map(|v| Outgoing::new(topic, v.as_bytes()).key("hh-fixed"));
    produce_all(bootstrap, records).unwrap();
}

fn tasks_and_check(bootstrap: &str, prefix: &str) {
    let topic = format!("{prefix}outreach.0599");
    let (produced, shown) = outreach_records();
    produce_outreach(bootstrap, &topic, &produced);
    let group = format!("{prefix}municipality");
    let tasks = || {
        tasks_json(prefix, bootstrap, "0599", &group, 1500)
            .output()
            .unwrap()
    };
    let o = tasks();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out: Vec<String> = text(&o.stdout).lines().map(str::to_owned).collect();
    assert_eq!(
        out, shown,
        "each (task_id, version) once, in order, contract JSON"
    );
    assert!(
        text(&o.stderr).contains("7 record(s) read, 4 task version(s) shown, 3 duplicate(s)"),
        "{}",
        text(&o.stderr)
    );

    // The offsets were committed after printing: the same group sees only what is new.
    let o = tasks();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "", "nothing new");
    let (_, b3) = (&shown[0], &shown[3]);
    let b4 = b3.replace("\"version\":3", "\"version\":4");
    produce_outreach(bootstrap, &topic, std::slice::from_ref(&b4));
    let o = tasks();
    assert_eq!(text(&o.stdout).trim_end(), b4);

    // Text format: one readable line per task.
    let o = run(
        prefix,
        &[
            "tasks",
            "--municipality",
            "GM0599",
            "--brokers",
            bootstrap,
            "--group",
            &format!("{group}-text"),
            "--idle-ms",
            "1500",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let lines: Vec<String> = text(&o.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(
        lines[2].contains(" v2 UPDATED HIGH MEERVOUDIG due "),
        "{}",
        lines[2]
    );
}

#[test]
fn publish_and_tasks_on_mock_cluster() {
    let prefix = "mock.";
    let cluster = mock_cluster(1, &["mock.arrears.v1", "mock.outreach.0599"]).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    publish_and_check(&bootstrap, prefix);
    tasks_and_check(&bootstrap, prefix);
}

#[test]
fn publish_and_tasks_on_tansu() {
    let Some(tansu) = Tansu::for_test() else {
        return;
    };
    let bootstrap = tansu.bootstrap();
    let prefix = unique_prefix();
    create_topics(
        &bootstrap,
        &[
            &format!("{prefix}arrears.v1"),
            &format!("{prefix}outreach.0599"),
        ],
        3,
    )
    .unwrap();
    publish_and_check(&bootstrap, &prefix);
    tasks_and_check(&bootstrap, &prefix);
}

#[test]
fn publish_fails_when_no_broker_answers() {
    let jsonl = data("uploads/arrears-with-errors.jsonl");
    // A port nothing listens on: every delivery times out, the command fails with one line.
    let port = free_port().unwrap();
    let o = run(
        "x.",
        &[
            "publish",
            "--brokers",
            &format!("127.0.0.1:{port}"),
            "--delivery-timeout-ms",
            "1500",
            "--file",
            jsonl.to_str().unwrap(),
        ],
    );
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("5 of 5 record(s) not delivered"), "{err}");
}

/// kafka-python (a Kafka client sharing no code with librdkafka) produces contract JSON creditor
/// events; rdkafka reads them back byte for byte and the codec accepts them.
#[test]
fn kafka_python_producer_to_rdkafka_byte_equal() {
    let Some(tansu) = Tansu::for_test() else {
        return;
    };
    let bootstrap = tansu.bootstrap();
    let topic = format!("{}arrears.v1", unique_prefix());
    create_topics(&bootstrap, &[&topic], 2).unwrap();
    let events = data("sample-events.jsonl");
    let script = workspace_dir().join("tests/e2e/kafka_python_produce.py");
    let o = Command::new("python3")
        .arg(&script)
        .args(["--bootstrap", &bootstrap, "--topic", &topic, "--file"])
        .arg(&events)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "kafka-python producer failed (is kafka-python installed? .ci/install-brokers.sh): {}",
        text(&o.stderr)
    );
    let lines: Vec<String> = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let c = test_consumer(&bootstrap, &format!("{topic}-g")).unwrap();
    c.subscribe(&[&topic]).unwrap();
    let got = consume_all_until(&c, WITHIN, |r| r.len() >= lines.len()).unwrap();
    let mut got_values: Vec<String> = got
        .iter()
        .map(|r| text(r.payload.as_deref().unwrap()))
        .collect();
    let mut want = lines.clone();
    got_values.sort();
    want.sort();
    assert_eq!(got_values, want, "byte-equal");
    let decoded = got
        .iter()
        .filter(|r| vroeg_codec::decode_input(r.payload.as_deref().unwrap()).is_ok())
        .count();
    // The sample holds two deliberately bad lines.
    assert_eq!(decoded, lines.len() - 2);
}
