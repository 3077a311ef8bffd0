//! `vroegsignaal demo`: generated creditor traffic through the whole pipeline on librdkafka's
//! in-process MockCluster — produced to the input topics, run through both engine stages with a
//! manual clock that the demo moves a day at a time (so young arrears age), and read back from the
//! audit, rejected, outreach and creditor-status topics for the report.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, DefaultProducerContext, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use vroeg_domain::config::MunicipalityRegistry;
use vroeg_domain::decision::{Decision, DecisionKind};
use vroeg_domain::messages::TaskStatus;
use vroeg_domain::municipality::Gemeentecode;
use vroeg_engine::kafka::ClientSettings;
use vroeg_engine::topics::Topics;
use vroeg_engine::{AutoCreate, ManualClock, Metrics, StageConfig, spawn_households, spawn_ingest};

use crate::config::AppConfig;
use crate::generate::{self, CreditorPool, Geography};
use crate::simulate::label;

/// The demo's fixed traffic: 25,000 records from seed 2026 over the autumn of 2026.
pub fn default_options() -> generate::Options {
    generate::Options {
        events: 25_000,
        seed: 2026,
        start: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap_or_default(),
        days: 90,
    }
}

/// Counts of everything the demo report shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Decisions per kind.
    pub kinds: BTreeMap<&'static str, u64>,
    /// New tasks per municipality.
    pub new_tasks: BTreeMap<Gemeentecode, u64>,
    /// Task messages per status (NEW, UPDATED, WITHDRAWN).
    pub task_status: BTreeMap<String, u64>,
    /// New tasks per classification.
    pub classifications: BTreeMap<String, u64>,
    /// New tasks per priority.
    pub priorities: BTreeMap<String, u64>,
    /// Suppressions per reason code.
    pub suppressed: BTreeMap<String, u64>,
    /// Quarantines per reason code.
    pub quarantined: BTreeMap<String, u64>,
    /// Not routed per reason code.
    pub not_routed: BTreeMap<String, u64>,
    /// Rejection errors per field path.
    pub rejected_fields: BTreeMap<String, u64>,
    /// Creditor statuses per status.
    pub creditor_status: BTreeMap<String, u64>,
}

fn bump(map: &mut BTreeMap<String, u64>, key: String) {
    *map.entry(key).or_default() += 1;
}

impl Tally {
    /// Counts one decision.
    pub fn add(&mut self, d: &Decision) {
        *self.kinds.entry(d.kind.name()).or_default() += 1;
        match &d.kind {
            DecisionKind::Task { task } => {
                bump(&mut self.task_status, label(&task.status));
                if task.status == TaskStatus::New {
                    *self.new_tasks.entry(task.municipality_code).or_default() += 1;
                    bump(&mut self.classifications, label(&task.classification));
                    bump(&mut self.priorities, label(&task.priority));
                }
            }
            DecisionKind::Suppressed { reason_code, .. } => {
                bump(&mut self.suppressed, label(reason_code));
            }
            DecisionKind::Quarantined { reason_code, .. } => {
                bump(&mut self.quarantined, label(reason_code));
            }
            DecisionKind::NotRouted { reason_code, .. } => {
                bump(&mut self.not_routed, label(reason_code));
            }
            DecisionKind::Rejected { errors, .. } => {
                for e in errors {
                    let field = if e.field.is_empty() {
                        "(message)"
                    } else {
                        &e.field
                    };
                    bump(&mut self.rejected_fields, field.to_owned());
                }
            }
            DecisionKind::CreditorStatus { status, .. } => {
                bump(&mut self.creditor_status, label(status));
            }
            _ => {}
        }
    }

    /// The report, with municipality names from the registry.
    pub fn render(&self, municipalities: &MunicipalityRegistry) -> String {
        let mut s = String::new();
        let total: u64 = self.new_tasks.values().sum();
        let _ = writeln!(
            s,
            "New outreach tasks per municipality ({total} in {} municipalities):",
            self.new_tasks.len()
        );
        let mut ranked: Vec<(&Gemeentecode, &u64)> = self.new_tasks.iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (code, n) in ranked.iter().take(15) {
            let name = municipalities.get(**code).map_or("?", |m| m.name.as_str());
            let _ = writeln!(s, "  {code} {name:<32} {n:>7}");
        }
        if ranked.len() > 15 {
            let rest: u64 = ranked.iter().skip(15).map(|(_, n)| **n).sum();
            let _ = writeln!(
                s,
                "  ({} more municipalities){:>28}",
                ranked.len() - 15,
                rest
            );
        }
        let _ = writeln!(s, "  {:<37} {total:>7}", "total");
        section(&mut s, "Task messages by status", &self.task_status);
        section(&mut s, "Classifications (new tasks)", &self.classifications);
        section(&mut s, "Priorities (new tasks)", &self.priorities);
        section(&mut s, "Suppressed, by reason_code", &self.suppressed);
        section(&mut s, "Quarantined, by reason_code", &self.quarantined);
        section(&mut s, "Not routed, by reason_code", &self.not_routed);
        section(&mut s, "Rejected, by field", &self.rejected_fields);
        section(&mut s, "Creditor statuses", &self.creditor_status);
        let kinds: BTreeMap<String, u64> = self
            .kinds
            .iter()
            .map(|(k, v)| ((*k).to_owned(), *v))
            .collect();
        section(&mut s, "All decisions, by kind", &kinds);
        s
    }
}

fn section(s: &mut String, title: &str, counts: &BTreeMap<String, u64>) {
    let _ = writeln!(s, "{title}:");
    if counts.is_empty() {
        let _ = writeln!(s, "  (none)");
    }
    for (k, n) in counts {
        let _ = writeln!(s, "  {k:<37} {n:>7}");
    }
}

/// What the demo did.
#[derive(Debug, Clone)]
pub struct DemoRun {
    /// Records generated and produced.
    pub records: usize,
    /// The clock's end time.
    pub until: DateTime<Utc>,
    /// Envelopes the ingest stage sent to the household stage.
    pub envelopes: u64,
    /// Records read back from the rejected topic.
    pub rejected: usize,
    /// Task messages read back from the municipal topics.
    pub outreach_records: usize,
    /// Distinct (task_id, version) among them.
    pub outreach_distinct: usize,
    /// Municipal topics that received tasks.
    pub outreach_topics: usize,
    /// Records read back from creditor-status topics.
    pub creditor_status_records: usize,
    /// Households in the engine's state at the end.
    pub households: i64,
    /// Transactions committed.
    pub transactions: u64,
    /// The counts.
    pub tally: Tally,
}

/// Errors of the demo run.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The embedded broker or a client failed.
    #[error("embedded Kafka: {0}")]
    Kafka(String),
    /// The engine failed.
    #[error(transparent)]
    Engine(#[from] vroeg_engine::EngineError),
    /// Something did not happen in time.
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
}

fn kafka(e: impl std::fmt::Display) -> DemoError {
    DemoError::Kafka(e.to_string())
}

const PARTITIONS: i32 = 16;

/// Generates the traffic, produces it to a MockCluster, runs both stages until every record is
/// processed and the clock has reached the end of the period, and reads the outputs back.
pub fn run(
    cfg: &AppConfig,
    geo: &Geography,
    opts: &generate::Options,
) -> Result<DemoRun, DemoError> {
    let pool = CreditorPool::from_registry(&cfg.creditors);
    let records = generate::generate(opts, geo, &pool);
    let start = opts
        .start
        .and_hms_opt(0, 0, 0)
        .map_or(DateTime::UNIX_EPOCH, |d| d.and_utc());
    let until = opts
        .start
        .checked_add_days(Days::new(u64::from(opts.days)))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(DateTime::UNIX_EPOCH, |d| d.and_utc());

    let mock = MockCluster::new(1).map_err(kafka)?;
    let topics = Topics::default();
    for t in [topics.arrears(), topics.objections(), topics.feedback()] {
        mock.create_topic(&t, 4, 1).map_err(kafka)?;
    }
    for t in [topics.households(), topics.state(), topics.audit()] {
        mock.create_topic(&t, PARTITIONS, 1).map_err(kafka)?;
    }
    mock.create_topic(&topics.rejected(), 2, 1).map_err(kafka)?;
    // Outreach and creditor-status topics: the mock creates them on first use.
    produce_records(&mock, &topics, &records)?;

    let mut stage = StageConfig::new(
        ClientSettings::new(mock.bootstrap_servers()),
        topics.clone(),
        "demo",
    );
    stage.session_timeout_ms = 6_000;
    stage.tick_interval = Duration::from_millis(5);
    stage.commit_interval = Duration::from_millis(50);
    stage.commit_max_records = 10_000;
    let rules = Arc::new(crate::run::rule_data(cfg));
    let clock = ManualClock::new(start);
    let metrics = Arc::new(Metrics::new());
    let ingest = spawn_ingest(
        stage.clone(),
        rules.clone(),
        Arc::new(clock.clone()),
        metrics.clone(),
    )?;
    let households = spawn_households(
        stage,
        rules,
        Arc::new(clock.clone()),
        metrics.clone(),
        Arc::new(AutoCreate),
    )?;
    let stages_alive = || !ingest.is_finished() && !households.is_finished();
    let total = records.len() as u64;
    wait(120, "the ingest stage", || {
        metrics.ingest_committed() >= total || !stages_alive()
    })?;
    let envelopes = metrics.out_count("ingest", &topics.households());
    wait(120, "the household stage", || {
        metrics.households_committed() >= envelopes || !stages_alive()
    })?;
    // The accelerated part: a week at a time to the end of the period (every timer still fires
    // at its own due time).
    let mut day = start;
    while day < until && stages_alive() {
        day = (day + TimeDelta::days(7)).min(until);
        clock.set(day);
        wait(60, "a day's ticks", || {
            metrics.ticked_until_ms() >= day.timestamp_millis() || !stages_alive()
        })?;
    }
    let households_left = metrics.state_households.get();
    ingest.stop()?;
    households.stop()?;

    // Read everything back.
    let audit_expected = metrics.out_count("ingest", &topics.audit())
        + metrics.out_count("households", &topics.audit());
    let mut tally = Tally::default();
    let mut task_messages = 0usize;
    for r in read_back(&mock, &[topics.audit()], audit_expected)? {
        if let Ok(d) = vroeg_codec::decode_decision(&r.1) {
            if matches!(d.kind, DecisionKind::Task { .. }) {
                task_messages += 1;
            }
            tally.add(&d);
        }
    }
    let rejected_expected = metrics.out_count("ingest", &topics.rejected());
    let rejected = read_back(&mock, &[topics.rejected()], rejected_expected)?;
    for (_, bytes) in &rejected {
        add_rejection(&mut tally, cfg, bytes);
    }
    let outreach_prefix = format!("{}outreach.", topics.prefix());
    let outreach = read_prefix(&mock, &outreach_prefix, task_messages as u64)?;
    let mut distinct = std::collections::BTreeSet::new();
    let mut topics_seen = std::collections::BTreeSet::new();
    for (topic, bytes) in &outreach {
        if let Ok(task) = vroeg_codec::decode_outreach_task(bytes) {
            distinct.insert((task.task_id, task.version));
            topics_seen.insert(topic.clone());
        }
    }
    let status_prefix = format!("{}creditor-status.", topics.prefix());
    let status_expected = tally.creditor_status.values().sum::<u64>();
    let statuses = read_prefix(&mock, &status_prefix, status_expected)?;
    let transactions = metrics
        .transactions
        .get_or_create(&vroeg_engine::metrics::TxnLabels {
            stage: "households".into(),
            outcome: "commit".into(),
        })
        .get()
        + metrics
            .transactions
            .get_or_create(&vroeg_engine::metrics::TxnLabels {
                stage: "ingest".into(),
                outcome: "commit".into(),
            })
            .get();
    Ok(DemoRun {
        records: records.len(),
        until,
        envelopes,
        rejected: rejected.len(),
        outreach_records: outreach.len(),
        outreach_distinct: distinct.len(),
        outreach_topics: topics_seen.len(),
        creditor_status_records: statuses.len(),
        households: households_left,
        transactions,
        tally,
    })
}

/// A rejected input counted by the fields the contract check names (the registry check, which
/// needs configuration, by `creditor_id`).
fn add_rejection(tally: &mut Tally, cfg: &AppConfig, bytes: &[u8]) {
    let at = DateTime::UNIX_EPOCH;
    let decision = match vroeg_codec::decode_input(bytes) {
        Err(e) => vroeg_domain::rules::rejected(e.errors, e.event_id, at),
        Ok(event) => match event.validate() {
            Err(errors) => vroeg_domain::rules::rejected(errors, None, at),
            Ok(()) => match vroeg_domain::rules::admit(event, at, &cfg.context()) {
                vroeg_domain::rules::Admission::Decided(mut ds) if !ds.is_empty() => ds.remove(0),
                _ => return,
            },
        },
    };
    tally.add(&decision);
}

fn wait(secs: u64, what: &'static str, mut done: impl FnMut() -> bool) -> Result<(), DemoError> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        if Instant::now() > deadline {
            return Err(DemoError::Timeout(what));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

fn produce_records(
    mock: &MockCluster<'static, DefaultProducerContext>,
    topics: &Topics,
    records: &[generate::Record],
) -> Result<(), DemoError> {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", mock.bootstrap_servers())
        .set("enable.idempotence", "true")
        .set("linger.ms", "20")
        .create()
        .map_err(kafka)?;
    let arrears = topics.arrears();
    let objections = topics.objections();
    let mut buf = Vec::with_capacity(1024);
    for r in records {
        buf.clear();
        let (topic, key) = match r {
            generate::Record::Arrears(e) => {
                let _ = vroeg_codec::encode_json(e.as_ref(), &mut buf);
                (&arrears, format!("{}/{}", e.creditor_id, e.customer_ref))
            }
            generate::Record::Objection(e) => {
                let _ = vroeg_codec::encode_json(e.as_ref(), &mut buf);
                (&objections, format!("{}/{}", e.creditor_id, e.customer_ref))
            }
            generate::Record::Bad(v) => {
                let _ = serde_json::to_writer(&mut buf, v);
                (&arrears, String::new())
            }
            generate::Record::Garbage(s) => {
                buf.extend_from_slice(s.as_bytes());
                (&arrears, String::new())
            }
        };
        let mut record = BaseRecord::to(topic.as_str()).payload(&buf[..]);
        if !key.is_empty() {
            record = record.key(key.as_bytes());
        }
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((e, r)) => {
                    if !matches!(
                        e,
                        rdkafka::error::KafkaError::MessageProduction(
                            rdkafka::types::RDKafkaErrorCode::QueueFull
                        )
                    ) {
                        return Err(kafka(e));
                    }
                    record = r;
                    producer.poll(Duration::from_millis(10));
                }
            }
        }
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(60)).map_err(kafka)?;
    Ok(())
}

fn reader(mock: &MockCluster<'static, DefaultProducerContext>) -> Result<BaseConsumer, DemoError> {
    ClientConfig::new()
        .set("bootstrap.servers", mock.bootstrap_servers())
        .set("group.id", "vroeg-demo-reader")
        .set("enable.auto.commit", "false")
        .create()
        .map_err(kafka)
}

/// Reads every record of the topics whose names start with `prefix`.
fn read_prefix(
    mock: &MockCluster<'static, DefaultProducerContext>,
    prefix: &str,
    expected: u64,
) -> Result<Vec<(String, Vec<u8>)>, DemoError> {
    let c = reader(mock)?;
    let names: Vec<String> = {
        let md = c
            .fetch_metadata(None, Duration::from_secs(10))
            .map_err(kafka)?;
        md.topics()
            .iter()
            .map(|t| t.name().to_owned())
            .filter(|n| n.starts_with(prefix))
            .collect()
    };
    drop(c);
    read_back(mock, &names, expected)
}

/// Reads `topics` from the beginning until `expected` records arrived (a deadline guards it).
fn read_back(
    mock: &MockCluster<'static, DefaultProducerContext>,
    topics: &[String],
    expected: u64,
) -> Result<Vec<(String, Vec<u8>)>, DemoError> {
    let c = reader(mock)?;
    {
        let md = c
            .fetch_metadata(None, Duration::from_secs(10))
            .map_err(kafka)?;
        let mut tpl = TopicPartitionList::new();
        for t in md
            .topics()
            .iter()
            .filter(|t| topics.iter().any(|n| n == t.name()))
        {
            for p in t.partitions() {
                tpl.add_partition_offset(t.name(), p.id(), Offset::Beginning)
                    .map_err(kafka)?;
            }
        }
        c.assign(&tpl).map_err(kafka)?;
    }
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while (out.len() as u64) < expected {
        if Instant::now() > deadline {
            return Err(DemoError::Timeout("reading the output topics back"));
        }
        match c.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => out.push((
                m.topic().to_owned(),
                m.payload().map(<[u8]>::to_vec).unwrap_or_default(),
            )),
            Some(Err(e)) => return Err(kafka(e)),
            None => {}
        }
    }
    Ok(out)
}
