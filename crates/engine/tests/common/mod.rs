//! Shared test kit: rule data from the workspace's `config/`, a deterministic event fixture, and
//! helpers to drive the engine on librdkafka's MockCluster. Waits poll with a deadline; nothing
//! sleeps for a fixed time to "let things happen".
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_arguments,
    unreachable_pub
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, DefaultProducerContext, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::json;
use vroeg_domain::config::config_load;
use vroeg_domain::config::routing::RoutingTable;
use vroeg_domain::config::routing_load;
use vroeg_domain::contract::decision::DecisionKind;
use vroeg_domain::contract::pseudonym::PseudonymKey;
use vroeg_domain::household::simulation::Simulator;
use vroeg_engine::{Metrics, RuleData, StageConfig};
use vroeg_kafka::{ClientSettings, Topics};

pub type Mock = MockCluster<'static, DefaultProducerContext>;

pub fn t(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}

fn config_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")
}

fn read(name: &str) -> (String, String) {
    let p = config_dir().join(name);
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

/// A MockCluster with the pipeline's topics: inputs with `input_partitions`, internal and
/// audit topics with `partitions`.
pub fn cluster(partitions: i32, input_partitions: i32) -> (Mock, Topics) {
    let mock = MockCluster::new(1).unwrap();
    let topics = Topics::default();
    for t in [topics.arrears(), topics.objections(), topics.feedback()] {
        mock.create_topic(&t, input_partitions, 1).unwrap();
    }
    for t in [topics.households(), topics.state(), topics.audit()] {
        mock.create_topic(&t, partitions, 1).unwrap();
    }
    mock.create_topic(&topics.rejected(), 1, 1).unwrap();
    (mock, topics)
}

pub fn stage_config(mock: &Mock, topics: &Topics, instance: &str) -> StageConfig {
    let mut c = StageConfig::new(
        ClientSettings::new(mock.bootstrap_servers()),
        topics.clone(),
        instance,
    );
    c.session_timeout_ms = 6_000;
    c.commit_interval = Duration::from_millis(50);
    c.tick_interval = Duration::from_millis(20);
    c.statistics_interval_ms = 500;
    c.restore_timeout = Duration::from_secs(30);
    c
}

pub fn produce(mock: &Mock, topic: &str, inputs: &[Input]) {
    let p: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", mock.bootstrap_servers())
        .set("enable.idempotence", "true")
        .create()
        .unwrap();
    for i in inputs {
        loop {
            let mut r = BaseRecord::to(topic).key(&i.key).payload(&i.value);
            if let Some(p) = i.partition {
                r = r.partition(p);
            }
            match p.send(r) {
                Ok(()) => break,
                Err(_) => {
                    p.poll(Duration::from_millis(10));
                }
            }
        }
    }
    p.flush(Duration::from_secs(30)).unwrap();
}

/// Polls `cond` until it holds or `secs` pass; panics with `what` on timeout.
pub fn wait_for(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A record read back.
#[derive(Debug, Clone)]
pub struct Read {
    pub topic: String,
    pub partition: i32,
    pub key: Option<String>,
    pub value: Option<Vec<u8>>,
    pub headers: BTreeMap<String, String>,
}

/// Reads every record of every topic whose name starts with `prefix`, from the beginning, until
/// `expected` records were read (then any stragglers for a moment), or `secs` pass.
pub fn read_prefix(mock: &Mock, prefix: &str, expected: usize, secs: u64) -> Vec<Read> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", mock.bootstrap_servers())
        .set("group.id", "test-reader")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let md = c.fetch_metadata(None, Duration::from_secs(10)).unwrap();
    let mut tpl = TopicPartitionList::new();
    for t in md.topics().iter().filter(|t| t.name().starts_with(prefix)) {
        for p in t.partitions() {
            tpl.add_partition_offset(t.name(), p.id(), Offset::Beginning)
                .unwrap();
        }
    }
    drop(md);
    c.assign(&tpl).unwrap();
    drop(tpl);
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut quiet_since: Option<Instant> = None;
    while Instant::now() < deadline {
        match c.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                quiet_since = None;
                let headers = m
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|h| {
                                (
                                    h.key.to_owned(),
                                    String::from_utf8_lossy(h.value.unwrap_or_default())
                                        .into_owned(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                out.push(Read {
                    topic: m.topic().to_owned(),
                    partition: m.partition(),
                    key: m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
                    value: m.payload().map(<[u8]>::to_vec),
                    headers,
                });
            }
            Some(Err(_)) => {}
            None => {
                if out.len() >= expected {
                    let q = *quiet_since.get_or_insert_with(Instant::now);
                    if q.elapsed() > Duration::from_millis(500) {
                        break;
                    }
                }
            }
        }
    }
    out
}

/// (task_id, version, status) of outreach records.
pub fn task_set(records: &[Read]) -> BTreeSet<(String, u32, String)> {
    records
        .iter()
        .map(|r| {
            let task = vroeg_codec::decode_outreach_task(r.value.as_deref().unwrap()).unwrap();
            assert_eq!(r.headers.get("task_id"), Some(&task.task_id));
            assert_eq!(r.headers.get("version"), Some(&task.version.to_string()));
            assert_eq!(r.key.as_deref(), Some(task.household_id.as_str()));
            (task.task_id, task.version, label(&task.status))
        })
        .collect()
}

pub fn metrics() -> Arc<Metrics> {
    Arc::new(Metrics::new())
}
