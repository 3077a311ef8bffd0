//! `vroegsignaal demo`: generated creditor traffic through the whole pipeline on librdkafka's
//! in-process MockCluster — produced to the input topics, run through both engine stages with a
//! manual clock that the demo moves a day at a time (so young arrears age), and read back from the
//! audit, rejected, outreach and creditor-status topics for the report.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use vroeg_domain::config::MunicipalityRegistry;
use vroeg_domain::contract::decision::{Decision, DecisionKind};
use vroeg_domain::contract::messages::TaskStatus;
use vroeg_domain::contract::municipality::Gemeentecode;
use vroeg_engine::embedded::{EmbeddedError, EmbeddedPipeline};
use vroeg_kafka::Topics;
use vroeg_kafka::keys::creditor_event_key;

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

/// Errors of the demo run: the embedded pipeline's.
pub type DemoError = EmbeddedError;

const PARTITIONS: i32 = 16;

/// Generates the traffic, produces it to a MockCluster, runs both stages until every record is
/// processed and the clock has reached the end of the period, and reads the outputs back.
pub fn run(
    cfg: &AppConfig,
    geo: &Geography,
    opts: &generate::Options,
) -> Result<DemoRun, DemoError> {
    let pool = CreditorPool::from_registry(&cfg.data.creditors);
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

    let mut pipeline = EmbeddedPipeline::new(4, PARTITIONS)?;
    pipeline.set_client_properties(cfg.settings.file.kafka.client.clone());
    let topics = pipeline.topics().clone();
    produce_records(&pipeline, &topics, &records)?;
    pipeline.start_stages(crate::run::rule_data(cfg), start)?;
    let total = records.len() as u64;
    pipeline.wait_until_processed(total)?;
    let metrics = pipeline.metrics();
    let envelopes = metrics.out_count("ingest", &topics.households());
    // The accelerated part: a week at a time to the end of the period (every timer still fires
    // at its own due time).
    let mut day = start;
    while day < until && pipeline.is_running() {
        day = (day + TimeDelta::days(7)).min(until);
        pipeline.advance_to(day)?;
    }
    let households_left = pipeline.metrics().state_households.get();
    pipeline.stop_stages()?;
    let metrics = pipeline.metrics();

    // Read everything back.
    let audit_expected = metrics.out_count("ingest", &topics.audit())
        + metrics.out_count("households", &topics.audit());
    let mut tally = Tally::default();
    let mut task_messages = 0usize;
    for r in pipeline.read_topics(&[topics.audit()], audit_expected)? {
        if let Ok(d) = vroeg_codec::decode_decision(&r.1) {
            if matches!(d.kind, DecisionKind::Task { .. }) {
                task_messages += 1;
            }
            tally.add(&d);
        }
    }
    let rejected_expected = metrics.out_count("ingest", &topics.rejected());
    let rejected = pipeline.read_topics(&[topics.rejected()], rejected_expected)?;
    for (_, bytes) in &rejected {
        add_rejection(&mut tally, cfg, bytes);
    }
    let outreach_prefix = format!("{}outreach.", topics.prefix());
    let outreach = pipeline.read_prefix(&outreach_prefix, task_messages as u64)?;
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
    let statuses = pipeline.read_prefix(&status_prefix, status_expected)?;
    let committed = |stage: &str| {
        metrics
            .transactions
            .get_or_create(&vroeg_engine::metrics::TxnLabels {
                stage: stage.into(),
                outcome: "commit".into(),
            })
            .get()
    };
    let transactions = committed("households") + committed("ingest");
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
    let decision = match vroeg_codec::decode_valid_input(bytes) {
        Err(e) => vroeg_domain::rules::rejected(e.errors, e.event_id, at),
        Ok(event) => match vroeg_domain::rules::admit(event, at, &cfg.context()) {
            vroeg_domain::rules::Admission::Decided(mut ds) if !ds.is_empty() => ds.remove(0),
            _ => return,
        },
    };
    tally.add(&decision);
}

/// The generated records on the input topics, keyed as a creditor's upload keys them (bad and
/// garbage lines unkeyed).
fn produce_records(
    pipeline: &EmbeddedPipeline,
    topics: &Topics,
    records: &[generate::Record],
) -> Result<(), DemoError> {
    let arrears = topics.arrears();
    let objections = topics.objections();
    let mut encoded: Vec<(&str, Option<String>, Vec<u8>)> = Vec::with_capacity(records.len());
    for r in records {
        let mut buf = Vec::with_capacity(512);
        let (topic, key) = match r {
            generate::Record::Arrears(e) => {
                let _ = vroeg_codec::encode_json(e.as_ref(), &mut buf);
                (
                    &arrears,
                    Some(creditor_event_key(&e.creditor_id, &e.customer_ref)),
                )
            }
            generate::Record::Objection(e) => {
                let _ = vroeg_codec::encode_json(e.as_ref(), &mut buf);
                (
                    &objections,
                    Some(creditor_event_key(&e.creditor_id, &e.customer_ref)),
                )
            }
            generate::Record::Bad(v) => {
                let _ = serde_json::to_writer(&mut buf, v);
                (&arrears, None)
            }
            generate::Record::Garbage(s) => {
                buf.extend_from_slice(s.as_bytes());
                (&arrears, None)
            }
        };
        encoded.push((topic.as_str(), key, buf));
    }
    pipeline.produce(
        encoded
            .iter()
            .map(|(t, k, v)| (*t, k.as_deref(), v.as_slice())),
    )
}
