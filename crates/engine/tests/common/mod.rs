//! The engine tests' fixtures: rule data from the workspace's `config/`, a deterministic event
//! fixture and what the offline simulator decides for it, and thin adapters to the shared test
//! support: the pipeline runs on `vroeg_engine::embedded::EmbeddedPipeline` (MockCluster),
//! records go in and come back through `vroeg_testkit`, and waits poll with a deadline.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_arguments,
    unreachable_pub
)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vroeg_domain::config::config_load;
use vroeg_domain::config::routing::RoutingTable;
use vroeg_domain::config::routing_load;
use vroeg_domain::contract::decision::DecisionKind;
use vroeg_domain::contract::pseudonym::PseudonymKey;
use vroeg_domain::household::simulation::Simulator;
use vroeg_engine::RuleData;
use vroeg_engine::embedded::EmbeddedPipeline;

use vroeg_testkit::{
    Outgoing, Record, produce_all, read_from_start, topics_with_prefix, workspace_dir,
};

/// How long a test waits for anything the pipeline does.
pub const WITHIN: Duration = Duration::from_secs(60);

pub fn t(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}

fn read(name: &str) -> (String, String) {
    let p = workspace_dir().join("config").join(name);
    (
        p.display().to_string(),
        std::fs::read_to_string(&p).unwrap(),
    )
}

pub fn rule_data() -> Arc<RuleData> {
    let (n, t) = read("rules.toml");
    let rules = config_load::parse_rule_book(&n, &t).unwrap();
    let (gn, gt) = read("data/gemeenten.csv");
    let (mn, mt) = read("municipalities.toml");
    let municipalities = config_load::parse_municipalities(&gn, &gt, &mn, &mt).unwrap();
    let (n, t) = read("creditors.toml");
    let creditors = config_load::parse_creditors(&n, &t).unwrap();
    let (n, t) = read("data/pc4_gemeente.csv");
    let routing = RoutingTable {
        pc4: routing_load::parse_pc4_table(&n, &t).unwrap(),
        ..RoutingTable::default()
    };
    Arc::new(RuleData {
        rules,
        municipalities,
        creditors,
        routing,
        key: PseudonymKey::development(),
    })
}

/// Tiny deterministic RNG (a fixture, not cryptography).
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// One input record.
#[derive(Debug, Clone)]
pub struct Input {
    pub key: String,
    pub value: Vec<u8>,
    pub at: DateTime<Utc>,
    pub valid: bool,
    /// Explicit partition (replays go where the original went).
    pub partition: Option<i32>,
}

const CREDITORS: [(&str, &str); 4] = [
    ("woonstad-rotterdam", "HUUR"),
    ("dunea", "WATER"),
    ("cz-zorg", "ZORG"),
    ("vattenfall", "ENERGIE"),
];
const PC4: [&str; 6] = ["1011", "3011", "2511", "3511", "9711", "5611"];

fn arrears(
    id: String,
    creditor: (&str, &str),
    cref: &str,
    pc: &str,
    nr: u64,
    since: NaiveDate,
    at: DateTime<Utc>,
    amount: &str,
) -> serde_json::Value {
    json!({
        "event_id": id, "creditor_id": creditor.0, "sector": creditor.1, "event_type": "ARREARS",
        "customer_ref": cref, "arrears_amount": amount, "arrears_since": since.to_string(),
        "occurred_at": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "reminders_sent": 2, "personal_contact_attempted": true, "pointed_to_debt_help": true,
        "data_sharing_offered": true, "objected": false, "consent_ref": null, "crisis": false,
        "warm_handover": false, "end_of_supply_date": null,
        "person": {"initials": "T.", "surname": "Est"},
        "address": {"postcode": pc, "house_number": nr},
        "municipality_code": null
    })
}

/// Arrears traffic for `households` households: one or two creditors each, arrears of varying
/// age (many young, so they become tasks only when they age), some resolved, a few invalid
/// records. Sorted by occurred_at (ties in generation order).
pub fn fixture(households: u64, seed: u64) -> Vec<Input> {
    let mut rng = Lcg(seed);
    let start = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let mut out: Vec<(DateTime<Utc>, u64, Input)> = Vec::new();
    let mut seq = 0u64;
    let mut push = |at: DateTime<Utc>, key: String, value: Vec<u8>, valid: bool| {
        seq += 1;
        out.push((
            at,
            seq,
            Input {
                key,
                value,
                at,
                valid,
                partition: None,
            },
        ));
    };
    for h in 0..households {
        let pc = format!(
            "{}{}",
            PC4[(h % 6) as usize],
            ["AB", "CD", "EF"][(h % 3) as usize]
        );
        let nr = 1 + h / 6;
        let n_cred = 1 + u64::from(rng.below(100) < 30);
        for c in 0..n_cred {
            let creditor = CREDITORS[((h + c * 3 + rng.below(4)) % 4) as usize];
            let cref = format!("C-{h}-{c}");
            let report = start + Days::new(rng.below(40));
            let age = rng.below(70);
            let since = report - Days::new(age);
            let at = Utc
                .from_utc_datetime(&report.and_hms_opt(9 + (rng.below(8) as u32), 0, 0).unwrap());
            let amount = format!("{}.{:02}", 50 + rng.below(900), rng.below(100));
            let v = arrears(
                format!("e-{h}-{c}-1"),
                creditor,
                &cref,
                &pc,
                nr,
                since,
                at,
                &amount,
            );
            push(at, cref.clone(), serde_json::to_vec(&v).unwrap(), true);
            match rng.below(10) {
                0 | 1 => {
                    // A follow-up with a higher amount a week later.
                    let at2 = at + chrono::TimeDelta::days(7);
                    let v = arrears(
                        format!("e-{h}-{c}-2"),
                        creditor,
                        &cref,
                        &pc,
                        nr,
                        since,
                        at2,
                        "1500.00",
                    );
                    push(at2, cref.clone(), serde_json::to_vec(&v).unwrap(), true);
                }
                2 => {
                    let at2 = at + chrono::TimeDelta::days(3);
                    let v = json!({"event_id": format!("e-{h}-{c}-r"), "creditor_id": creditor.0,
                        "sector": creditor.1, "event_type": "RESOLVED", "customer_ref": cref,
                        "occurred_at": at2.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        "address": {"postcode": pc, "house_number": nr}});
                    push(at2, cref.clone(), serde_json::to_vec(&v).unwrap(), true);
                }
                _ => {}
            }
        }
        if h % 25 == 7 {
            let at =
                Utc.from_utc_datetime(&(start + Days::new(h % 30)).and_hms_opt(12, 0, 0).unwrap());
            push(
                at,
                format!("bad-{h}"),
                br#"{"event_id":"x","bsn":"123"}"#.to_vec(),
                false,
            );
        }
    }
    out.sort_by_key(|(at, s, _)| (*at, *s));
    out.into_iter().map(|(_, _, i)| i).collect()
}

/// One young rent arrears of household 3011AB 10 (Rotterdam, 0599): since 2026-09-01, reported
/// 2026-09-15 09:00, so judged on day 30 (2026-10-01).
pub fn young_arrears() -> Input {
    let event = json!({
        "event_id": "young-1", "creditor_id": "woonstad-rotterdam", "sector": "HUUR",
        "event_type": "ARREARS", "customer_ref": "K-1", "arrears_amount": "512.40",
        "arrears_since": "2026-09-01", "occurred_at": "2026-09-15T09:00:00Z",
        "reminders_sent": 1, "personal_contact_attempted": true, "pointed_to_debt_help": true,
        "data_sharing_offered": true, "objected": false, "consent_ref": null, "crisis": false,
        "warm_handover": false, "end_of_supply_date": null,
        "person": {"initials": "A.", "surname": "Dijk"},
        "address": {"postcode": "3011AB", "house_number": 10}, "municipality_code": null
    });
    Input {
        key: "woonstad-rotterdam/K-1".into(),
        value: serde_json::to_vec(&event).unwrap(),
        at: t(2026, 9, 15),
        valid: true,
        partition: None,
    }
}

/// (task_id, version, status) of every task the offline simulator decides for `inputs` with the
/// clock advanced to `until`.
pub fn simulated_tasks(
    inputs: &[Input],
    rules: &RuleData,
    until: DateTime<Utc>,
) -> BTreeSet<(String, u32, String)> {
    let ctx = rules.context();
    let mut sim = Simulator::new();
    let mut tasks = BTreeSet::new();
    let mut sink = |d: vroeg_domain::contract::decision::Decision| {
        if let DecisionKind::Task { task } = d.kind {
            tasks.insert((task.task_id.clone(), task.version, label(&task.status)));
        }
    };
    for i in inputs.iter().filter(|i| i.valid) {
        let e = vroeg_codec::decode_input(&i.value).unwrap();
        sim.process(e, &ctx, &mut sink);
    }
    sim.advance_to(until, &ctx, &mut sink);
    tasks
}

pub fn label<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

/// Produces `inputs` to `topic` of the pipeline's cluster (each to its own partition if it has
/// one), waiting until every one is acknowledged.
pub fn produce(pipeline: &EmbeddedPipeline, topic: &str, inputs: &[Input]) {
    let records = inputs.iter().map(|i| {
        let r = Outgoing::new(topic, i.value.clone()).key(i.key.as_bytes());
        match i.partition {
            Some(p) => r.partition(p),
            None => r,
        }
    });
    produce_all(&pipeline.client_settings().brokers, records).unwrap();
}

/// Reads `topics` from the beginning until `expected` records arrived and then no more for half
/// a second (so a record beyond the expected ones shows too).
pub fn read_topics(pipeline: &EmbeddedPipeline, topics: &[String], expected: usize) -> Vec<Record> {
    let quiet = Duration::from_millis(500);
    read_from_start(
        &pipeline.client_settings().brokers,
        topics,
        WITHIN,
        quiet,
        |r| r.len() >= expected,
    )
    .unwrap()
}

/// [`read_topics`] over every topic whose name starts with `prefix`.
pub fn read_prefix(pipeline: &EmbeddedPipeline, prefix: &str, expected: usize) -> Vec<Record> {
    let topics = topics_with_prefix(&pipeline.client_settings().brokers, prefix).unwrap();
    read_topics(pipeline, &topics, expected)
}

/// The outreach topics' prefix.
pub fn outreach_prefix(pipeline: &EmbeddedPipeline) -> String {
    format!("{}outreach.", pipeline.topics().prefix())
}

/// (task_id, version, status) of outreach records; each record's headers and key agree with its
/// task.
pub fn task_set(records: &[Record]) -> BTreeSet<(String, u32, String)> {
    records
        .iter()
        .map(|r| {
            let task = vroeg_codec::decode_outreach_task(r.payload.as_deref().unwrap()).unwrap();
            assert_eq!(r.header("task_id"), Some(task.task_id.as_str()));
            assert_eq!(r.header("version"), Some(task.version.to_string().as_str()));
            assert_eq!(r.key_text().as_deref(), Some(task.household_id.as_str()));
            (task.task_id, task.version, label(&task.status))
        })
        .collect()
}

/// Waits until both stages processed `inputs` input records; asserts ingest committed exactly
/// that many. Returns the number of envelopes ingest wrote (all committed by the household
/// stage).
pub fn wait_processed(pipeline: &mut EmbeddedPipeline, inputs: usize) -> u64 {
    pipeline.wait_until_processed(inputs as u64).unwrap();
    let m = pipeline.metrics();
    assert_eq!(m.ingest_committed(), inputs as u64);
    m.out_count("ingest", &pipeline.topics().households())
}

/// `GET path` on the engine's HTTP endpoint: the whole response.
pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}
