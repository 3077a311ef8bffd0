//! The engine's Prometheus metrics (prometheus-client). The registry belongs to the engine; every
//! name starts with `vroegsignaal_`, counters end in `_total`. Labels never carry personal data:
//! stages, topics, partitions, rule ids, decision kinds, reason codes, municipality codes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use rdkafka::Statistics;

/// Labels: a stage.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StageLabels {
    /// `ingest` or `households`.
    pub stage: String,
}

/// Labels: a stage and a topic.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TopicLabels {
    /// The stage.
    pub stage: String,
    /// The topic.
    pub topic: String,
}

/// Labels: a decision.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DecisionLabels {
    /// `TASK`, `SUPPRESSED`, ...
    pub kind: String,
    /// The rule id.
    pub rule: String,
}

/// Labels: a rejection.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RejectionLabels {
    /// The rule id (`contract.invalid`, `contract.creditor`, ...).
    pub rule: String,
}

/// Labels: a task message.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TaskLabels {
    /// The gemeentecode.
    pub municipality: String,
    /// `NEW`, `UPDATED`, `WITHDRAWN`.
    pub status: String,
}

/// Labels: a transaction outcome.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TxnLabels {
    /// The stage.
    pub stage: String,
    /// `commit` or `abort`.
    pub outcome: String,
}

/// Labels: a consumed partition.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LagLabels {
    /// The stage.
    pub stage: String,
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: String,
}

/// Labels: the build.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BuildLabels {
    /// The crate version.
    pub version: String,
}

/// Labels: a municipality.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MunicipalityLabels {
    /// The gemeentecode.
    pub municipality: String,
}

/// Labels: records a stage could not decode.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct UndecodableLabels {
    /// The stage.
    pub stage: String,
    /// `contract` (ingest: not a contract message; dead-lettered to the rejected topic),
    /// `envelope` or `event` (households: an envelope it cannot read; skipped).
    pub reason: String,
}

/// Every metric of one engine instance, plus the progress figures tests and the demo wait on.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Records consumed, per stage and topic.
    pub records_in: Family<TopicLabels, Counter>,
    /// Records produced, per stage and topic.
    pub records_out: Family<TopicLabels, Counter>,
    /// Input records rejected, per rule.
    pub rejections: Family<RejectionLabels, Counter>,
    /// Decisions, per kind and rule.
    pub decisions: Family<DecisionLabels, Counter>,
    /// Task messages, per municipality and status.
    pub tasks: Family<TaskLabels, Counter>,
    /// Transactions, per stage and outcome.
    pub transactions: Family<TxnLabels, Counter>,
    /// Households held in memory.
    pub state_households: Gauge,
    /// Changelog records read while restoring.
    pub restore_records: Counter,
    /// Partitions being restored right now.
    pub partitions_restoring: Gauge,
    /// Partitions assigned, per stage.
    pub partitions_assigned: Family<StageLabels, Gauge>,
    /// Time to process one input record (decode, rules, enqueue outputs), per stage.
    pub processing_seconds: Family<StageLabels, Histogram>,
    /// Consumer lag from librdkafka's statistics.
    pub consumer_lag: Family<LagLabels, Gauge>,
    /// Envelopes skipped as ingest replays (source offset at or below the high mark).
    pub replays_skipped: Counter,
    /// Input records whose outputs (and, for the household stage, state) a stage has committed:
    /// what a benchmark or an operator waits on to know the input has been processed.
    pub committed_records: Family<StageLabels, Counter>,
    /// Time to commit one transaction (flush outputs, state, offsets, commit), per stage.
    pub transaction_commit_seconds: Family<StageLabels, Histogram>,
    /// Time to restore newly assigned household partitions from the changelog.
    pub restore_seconds: Histogram,
    /// Records a stage could not decode, per stage and reason.
    pub undecodable_records: Family<UndecodableLabels, Counter>,
    /// How far the earliest due, unfired timer is behind the clock, seconds (0: none due).
    pub timer_lag_seconds: Gauge,
    /// Timers due at the clock's time and not fired yet.
    pub timers_due: Gauge,
    /// Timers (household wakeups) scheduled in memory.
    pub timers_scheduled: Gauge,
    /// The clock time up to which every due timer has fired and been committed, seconds since
    /// the epoch.
    pub ticked_until_seconds: Gauge,
    /// Open tasks past their first-contact deadline without a contact attempt, per
    /// municipality (this instance's partitions).
    pub tasks_overdue: Family<MunicipalityLabels, Gauge>,
    /// 1 while every assigned household partition is restored (what `/readyz` answers).
    pub ready_gauge: Gauge,
    ready: AtomicBool,
    ingest_committed: AtomicU64,
    households_committed: AtomicU64,
    ticked_until_ms: AtomicI64,
}

fn histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

/// 1 ms to about 65 s: a Kafka transaction commit.
fn commit_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

/// 10 ms to about 22 minutes: restoring partitions from the changelog.
fn restore_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 2.0, 18))
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("vroegsignaal");
        let m = Metrics {
            registry: Registry::default(),
            records_in: Family::default(),
            records_out: Family::default(),
            rejections: Family::default(),
            decisions: Family::default(),
            tasks: Family::default(),
            transactions: Family::default(),
            state_households: Gauge::default(),
            restore_records: Counter::default(),
            partitions_restoring: Gauge::default(),
            partitions_assigned: Family::default(),
            processing_seconds: Family::new_with_constructor(histogram),
            consumer_lag: Family::default(),
            replays_skipped: Counter::default(),
            committed_records: Family::default(),
            transaction_commit_seconds: Family::new_with_constructor(commit_histogram),
            restore_seconds: restore_histogram(),
            undecodable_records: Family::default(),
            timer_lag_seconds: Gauge::default(),
            timers_due: Gauge::default(),
            timers_scheduled: Gauge::default(),
            ticked_until_seconds: Gauge::default(),
            tasks_overdue: Family::default(),
            ready_gauge: Gauge::default(),
            ready: AtomicBool::new(false),
            ingest_committed: AtomicU64::new(0),
            households_committed: AtomicU64::new(0),
            ticked_until_ms: AtomicI64::new(i64::MIN),
        };
        registry.register("records_in", "Records consumed", m.records_in.clone());
        registry.register("records_out", "Records produced", m.records_out.clone());
        registry.register(
            "rejections",
            "Input records rejected, by rule",
            m.rejections.clone(),
        );
        registry.register(
            "decisions",
            "Decisions taken, by kind and rule",
            m.decisions.clone(),
        );
        registry.register(
            "tasks",
            "Outreach task messages, by municipality and status",
            m.tasks.clone(),
        );
        registry.register(
            "transactions",
            "Kafka transactions, by outcome",
            m.transactions.clone(),
        );
        registry.register(
            "state_households",
            "Households held in memory",
            m.state_households.clone(),
        );
        registry.register(
            "restore_records",
            "State changelog records read while restoring",
            m.restore_records.clone(),
        );
        registry.register(
            "partitions_restoring",
            "Partitions being restored",
            m.partitions_restoring.clone(),
        );
        registry.register(
            "partitions_assigned",
            "Partitions assigned",
            m.partitions_assigned.clone(),
        );
        registry.register(
            "processing_seconds",
            "Time to process one input record",
            m.processing_seconds.clone(),
        );
        registry.register(
            "consumer_lag",
            "Consumer lag in records (librdkafka statistics)",
            m.consumer_lag.clone(),
        );
        registry.register(
            "replays_skipped",
            "Envelopes skipped as ingest replays",
            m.replays_skipped.clone(),
        );
        registry.register(
            "committed_records",
            "Input records whose outputs a stage has committed",
            m.committed_records.clone(),
        );
        registry.register(
            "transaction_commit_seconds",
            "Time to commit one Kafka transaction (outputs flushed, state, offsets, commit)",
            m.transaction_commit_seconds.clone(),
        );
        registry.register(
            "restore_seconds",
            "Time to restore newly assigned household partitions from the state changelog",
            m.restore_seconds.clone(),
        );
        registry.register(
            "undecodable_records",
            "Records a stage could not decode (ingest: dead-lettered; households: skipped)",
            m.undecodable_records.clone(),
        );
        registry.register(
            "timer_lag_seconds",
            "How far the earliest due, unfired household timer is behind the clock",
            m.timer_lag_seconds.clone(),
        );
        registry.register(
            "timers_due",
            "Household timers due and not fired yet",
            m.timers_due.clone(),
        );
        registry.register(
            "timers_scheduled",
            "Household timers scheduled in memory",
            m.timers_scheduled.clone(),
        );
        registry.register(
            "ticked_until_timestamp_seconds",
            "Clock time up to which every due timer has fired and been committed",
            m.ticked_until_seconds.clone(),
        );
        registry.register(
            "tasks_overdue",
            "Open tasks past their first-contact deadline without a contact attempt",
            m.tasks_overdue.clone(),
        );
        registry.register(
            "ready",
            "1 when every assigned household partition is restored (/readyz)",
            m.ready_gauge.clone(),
        );
        let build_info: Family<BuildLabels, Gauge> = Family::default();
        build_info
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").to_owned(),
            })
            .set(1);
        registry.register("build_info", "The running build (value 1)", build_info);
        registry.register_collector(Box::new(crate::process_metrics::ProcessCollector));
        Metrics { registry, ..m }
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut s = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut s, &self.registry);
        s
    }

    /// Whether every assigned household partition has been restored.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    pub(crate) fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
        self.ready_gauge.set(i64::from(ready));
    }

    /// Counts a record a stage could not decode.
    pub(crate) fn count_undecodable(&self, stage: &str, reason: &str) {
        self.undecodable_records
            .get_or_create(&UndecodableLabels {
                stage: stage.to_owned(),
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// Records how long a stage's transaction commit took.
    pub(crate) fn observe_commit(&self, stage: &str, took: std::time::Duration) {
        self.transaction_commit_seconds
            .get_or_create(&StageLabels {
                stage: stage.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    /// Input records whose outputs the ingest stage has committed.
    pub fn ingest_committed(&self) -> u64 {
        self.ingest_committed.load(Ordering::Acquire)
    }

    pub(crate) fn add_ingest_committed(&self, n: u64) {
        self.ingest_committed.fetch_add(n, Ordering::AcqRel);
        self.count_committed("ingest", n);
    }

    /// Envelopes whose outputs and state the household stage has committed.
    pub fn households_committed(&self) -> u64 {
        self.households_committed.load(Ordering::Acquire)
    }

    pub(crate) fn add_households_committed(&self, n: u64) {
        self.households_committed.fetch_add(n, Ordering::AcqRel);
        self.count_committed("households", n);
    }

    /// The clock time (ms since the epoch) up to which every due timer has fired and been
    /// committed; `i64::MIN` before the first tick.
    pub fn ticked_until_ms(&self) -> i64 {
        self.ticked_until_ms.load(Ordering::Acquire)
    }

    pub(crate) fn set_ticked_until_ms(&self, ms: i64) {
        let previous = self.ticked_until_ms.fetch_max(ms, Ordering::AcqRel);
        self.ticked_until_seconds
            .set(previous.max(ms).div_euclid(1000));
    }

    fn count_committed(&self, stage: &str, n: u64) {
        self.committed_records
            .get_or_create(&StageLabels {
                stage: stage.to_owned(),
            })
            .inc_by(n);
    }

    /// A counter's value (tests, the demo).
    pub fn out_count(&self, stage: &str, topic: &str) -> u64 {
        self.records_out
            .get_or_create(&TopicLabels {
                stage: stage.to_owned(),
                topic: topic.to_owned(),
            })
            .get()
    }

    pub(crate) fn count_out(&self, stage: &str, topic: &str) {
        self.records_out
            .get_or_create(&TopicLabels {
                stage: stage.to_owned(),
                topic: topic.to_owned(),
            })
            .inc();
    }

    pub(crate) fn count_in(&self, stage: &str, topic: &str) {
        self.records_in
            .get_or_create(&TopicLabels {
                stage: stage.to_owned(),
                topic: topic.to_owned(),
            })
            .inc();
    }

    /// Takes consumer lag out of a librdkafka statistics report.
    pub(crate) fn record_lag(&self, stage: &str, stats: &Statistics) {
        for (topic, t) in &stats.topics {
            for (p, part) in &t.partitions {
                if *p < 0 || part.hi_offset < 0 {
                    continue;
                }
                let lag = if part.app_offset >= 0 {
                    part.hi_offset.saturating_sub(part.app_offset).max(0)
                } else {
                    part.consumer_lag.max(0)
                };
                self.consumer_lag
                    .get_or_create(&LagLabels {
                        stage: stage.to_owned(),
                        topic: topic.clone(),
                        partition: p.to_string(),
                    })
                    .set(lag);
            }
        }
    }
}

/// Shared handle.
pub type SharedMetrics = Arc<Metrics>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_prefixed_and_counters_end_in_total() {
        let m = Metrics::new();
        m.count_out("households", "vroeg.outreach.0518");
        m.decisions
            .get_or_create(&DecisionLabels {
                kind: "TASK".into(),
                rule: "bundle".into(),
            })
            .inc();
        let text = m.encode();
        assert!(
            text.contains(
                r#"vroegsignaal_records_out_total{stage="households",topic="vroeg.outreach.0518"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains("vroegsignaal_decisions_total{"), "{text}");
        assert!(text.contains("# TYPE vroegsignaal_state_households gauge"));
        assert_eq!(m.out_count("households", "vroeg.outreach.0518"), 1);
        assert!(!m.is_ready());
    }
}
