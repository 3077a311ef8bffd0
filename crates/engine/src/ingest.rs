//! The ingest stage (stateless): input topics → decode → `rules::admit` → the repartition topic
//! (accepted events, and the decisions for the audit topic: not routed, quarantined) or
//! `rejected` (contract violations, original bytes). One transaction per batch with the consumed
//! offsets. The household stage is the audit topic's only writer ([`AuditEnvelope`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{ClientContext, Offset, Statistics, TopicPartitionList};
use vroeg_domain::contract::decision::{Decision, DecisionKind};
use vroeg_domain::rules::{self, Admission};

use crate::cadence::Batch;
use crate::clock::Clock;
use crate::error::{EngineError, Result};
use crate::metrics::{DecisionLabels, RejectionLabels, SharedMetrics, StageLabels};
use crate::records::{
    AuditEnvelope, Envelope, HEADER_REASON, HEADER_SOURCE_OFFSET, HEADER_SOURCE_PARTITION,
    HEADER_SOURCE_TOPIC, SourcePos, headers,
};
use crate::shutdown::Shutdown;
use crate::stage::{StageConfig, StageHandle};
use crate::txn::{Out, TxnProducer};
use vroeg_domain::rules::RuleData;

const STAGE: &str = "ingest";

/// Starts the ingest stage on its own thread.
pub fn spawn_ingest(
    cfg: StageConfig,
    rules: Arc<RuleData>,
    clock: Arc<dyn Clock>,
    metrics: SharedMetrics,
) -> Result<StageHandle> {
    StageHandle::spawn(STAGE, Shutdown::new(), move |stop| {
        run(&cfg, rules, clock, metrics, &stop)
    })
}

struct IngestWorker {
    producer: TxnProducer,
    rules: Arc<RuleData>,
    clock: Arc<dyn Clock>,
    metrics: SharedMetrics,
    households_topic: String,
    rejected_topic: String,
    /// Next offset per consumed partition in the open batch.
    pending: BTreeMap<(String, i32), i64>,
    batch: Batch,
    failed: Option<EngineError>,
}

struct IngestContext {
    core: Arc<Mutex<IngestWorker>>,
    metrics: SharedMetrics,
}

impl ClientContext for IngestContext {
    fn stats(&self, statistics: Statistics) {
        self.metrics.record_lag(STAGE, &statistics);
    }
}

impl ConsumerContext for IngestContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(_) = rebalance {
            // Commit what was read from the partitions before they go to another instance.
            let mut core = self.core.lock().unwrap_or_else(PoisonError::into_inner);
            if let Err(e) = core.flush(consumer) {
                tracing::error!(stage = STAGE, error = %e, "commit on revoke failed");
                core.failed.get_or_insert(e);
            }
        }
    }

    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let n = match rebalance {
            Rebalance::Assign(tpl) => tpl.count(),
            _ => 0,
        };
        let _ = consumer;
        tracing::info!(stage = STAGE, partitions = n, "assignment changed");
        self.metrics
            .partitions_assigned
            .get_or_create(&StageLabels {
                stage: STAGE.to_owned(),
            })
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }
}

fn run(
    cfg: &StageConfig,
    rules: Arc<RuleData>,
    clock: Arc<dyn Clock>,
    metrics: SharedMetrics,
    stop: &Shutdown,
) -> Result<()> {
    let t = &cfg.topics;
    let producer = TxnProducer::new(
        &cfg.producer_config(&format!("{}ingest-{}", t.prefix(), cfg.instance_id)),
        STAGE,
        cfg.transaction_call_timeout,
    )?;
    let core = Arc::new(Mutex::new(IngestWorker {
        producer,
        rules,
        clock,
        metrics: metrics.clone(),
        households_topic: t.households(),
        rejected_topic: t.rejected(),
        pending: BTreeMap::new(),
        batch: Batch::default(),
        failed: None,
    }));
    let consumer: BaseConsumer<IngestContext> = cfg
        .consumer_config(&format!("{}ingest", t.prefix()))
        .create_with_context(IngestContext {
            core: core.clone(),
            metrics,
        })
        .map_err(|e| EngineError::kafka(STAGE, "creating the consumer", e))?;
    let inputs = [t.arrears(), t.objections(), t.feedback()];
    let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    consumer
        .subscribe(&refs)
        .map_err(|e| EngineError::kafka(STAGE, "subscribing to the input topics", e))?;
    tracing::info!(stage = STAGE, instance = %cfg.instance_id, "started");

    let result = poll_loop(cfg, &consumer, &core, stop);
    let final_flush = {
        let mut g = core.lock().unwrap_or_else(PoisonError::into_inner);
        if result.is_err() {
            g.producer.abort();
            Ok(())
        } else {
            g.flush(&consumer)
        }
    };
    consumer.unsubscribe();
    drop(consumer);
    tracing::info!(stage = STAGE, "stopped");
    result.and(final_flush)
}

fn poll_loop(
    cfg: &StageConfig,
    consumer: &BaseConsumer<IngestContext>,
    core: &Arc<Mutex<IngestWorker>>,
    stop: &Shutdown,
) -> Result<()> {
    let mut warned_at: Option<Instant> = None;
    while !stop.is_triggered() {
        let mut wait = Duration::from_millis(100);
        for _ in 0..cfg.commit_max_records {
            match consumer.poll(wait) {
                None => break,
                Some(Ok(m)) => {
                    let mut g = core.lock().unwrap_or_else(PoisonError::into_inner);
                    if let Err(e) = g.on_message(&m) {
                        g.producer.abort();
                        return Err(e);
                    }
                }
                Some(Err(e)) => {
                    // Typically an input topic that does not exist yet; not fatal.
                    if warned_at.is_none_or(|t| t.elapsed() > Duration::from_secs(30)) {
                        tracing::warn!(stage = STAGE, error = %e, "consumer error");
                        warned_at = Some(Instant::now());
                    }
                    break;
                }
            }
            wait = Duration::ZERO;
        }
        let mut g = core.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = g.failed.take() {
            g.producer.abort();
            return Err(e);
        }
        let due = g
            .batch
            .commit_due(cfg.commit_max_records, cfg.commit_interval, false);
        if due && let Err(e) = g.flush(consumer) {
            g.producer.abort();
            return Err(e);
        }
    }
    Ok(())
}

fn message_time(m: &BorrowedMessage<'_>, clock: &dyn Clock) -> DateTime<Utc> {
    m.timestamp()
        .to_millis()
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .unwrap_or_else(|| clock.now())
}

impl IngestWorker {
    fn on_message(&mut self, m: &BorrowedMessage<'_>) -> Result<()> {
        let started = Instant::now();
        let source = SourcePos {
            topic: m.topic().to_owned(),
            partition: m.partition(),
            offset: m.offset(),
        };
        self.metrics.count_in(STAGE, &source.topic);
        let bytes = m.payload().unwrap_or_default();
        let decisions = match vroeg_codec::decode_input(bytes) {
            Err(e) => {
                self.metrics.count_undecodable(STAGE, "contract");
                vec![rules::rejected(
                    e.errors,
                    e.event_id,
                    message_time(m, self.clock.as_ref()),
                )]
            }
            Ok(event) => {
                // Event time, not arrival time: the same log gives the same decisions.
                let t = event.occurred_at();
                let rules = self.rules.clone();
                match rules::admit(event, t, &rules.context()) {
                    Admission::Accepted(admitted) => {
                        let env = Envelope::new(&admitted, source.clone()).map_err(|e| {
                            EngineError::Encode {
                                stage: STAGE,
                                topic: self.households_topic.clone(),
                                problem: format!(
                                    "{}[{}]@{}: {e}",
                                    source.topic, source.partition, source.offset
                                ),
                            }
                        })?;
                        let value = serde_json::to_vec(&env).map_err(|e| self.encode_err(&e))?;
                        let topic = self.households_topic.clone();
                        self.producer.send(Out {
                            topic: &topic,
                            partition: None,
                            key: Some(vroeg_kafka::keys::household_key(&env.household_id)),
                            payload: Some(&value),
                            headers: None,
                        })?;
                        self.metrics.count_out(STAGE, &topic);
                        Vec::new()
                    }
                    Admission::Decided(ds) => ds,
                }
            }
        };
        let mut rejected_sent = false;
        for d in &decisions {
            self.metrics
                .decisions
                .get_or_create(&DecisionLabels {
                    kind: d.kind.name().to_owned(),
                    rule: d.rule.clone(),
                })
                .inc();
            if matches!(d.kind, DecisionKind::Rejected { .. }) {
                self.metrics
                    .rejections
                    .get_or_create(&RejectionLabels {
                        rule: d.rule.clone(),
                    })
                    .inc();
                if !rejected_sent {
                    self.send_rejected(m, d, &source)?;
                    rejected_sent = true;
                }
            } else {
                self.send_audit(d, &source)?;
            }
        }
        self.pending
            .insert((source.topic, source.partition), source.offset + 1);
        self.batch.add(1);
        self.metrics
            .processing_seconds
            .get_or_create(&StageLabels {
                stage: STAGE.to_owned(),
            })
            .observe(started.elapsed().as_secs_f64());
        Ok(())
    }

    fn encode_err(&self, e: &dyn std::fmt::Display) -> EngineError {
        EngineError::Encode {
            stage: STAGE,
            topic: self.households_topic.clone(),
            problem: e.to_string(),
        }
    }

    fn send_rejected(
        &mut self,
        m: &BorrowedMessage<'_>,
        d: &Decision,
        source: &SourcePos,
    ) -> Result<()> {
        let partition = source.partition.to_string();
        let offset = source.offset.to_string();
        let headers = headers(&[
            (HEADER_REASON, d.reason.as_bytes()),
            (HEADER_SOURCE_TOPIC, source.topic.as_bytes()),
            (HEADER_SOURCE_PARTITION, partition.as_bytes()),
            (HEADER_SOURCE_OFFSET, offset.as_bytes()),
        ]);
        let topic = self.rejected_topic.clone();
        self.producer.send(Out {
            topic: &topic,
            partition: None,
            key: m.key(),
            payload: Some(m.payload().unwrap_or_default()),
            headers: Some(headers),
        })?;
        self.metrics.count_out(STAGE, &topic);
        Ok(())
    }

    /// Sends a decision towards the audit topic, through the household stage (see
    /// [`AuditEnvelope`] for why not directly).
    fn send_audit(&mut self, d: &Decision, source: &SourcePos) -> Result<()> {
        let json = serde_json::to_string(&d.audit_form(&self.rules.key))
            .map_err(|e| self.encode_err(&e))?;
        let audit =
            serde_json::value::RawValue::from_string(json).map_err(|e| self.encode_err(&e))?;
        let env = AuditEnvelope {
            household_id: d.household_id.clone(),
            audit,
            source: source.clone(),
        };
        let value = serde_json::to_vec(&env).map_err(|e| self.encode_err(&e))?;
        let topic = self.households_topic.clone();
        self.producer.send(Out {
            topic: &topic,
            partition: None,
            key: d
                .household_id
                .as_ref()
                .map(vroeg_kafka::keys::household_key),
            payload: Some(&value),
            headers: None,
        })?;
        self.metrics.count_out(STAGE, &topic);
        Ok(())
    }

    /// Commits the open batch with its offsets: in the transaction, and (for brokers that drop
    /// transactional offsets) once more directly after the transaction committed.
    fn flush<C: ConsumerContext>(&mut self, consumer: &BaseConsumer<C>) -> Result<()> {
        if self.pending.is_empty() && !self.producer.is_open() {
            return Ok(());
        }
        let mut tpl = TopicPartitionList::new();
        for ((topic, partition), next) in &self.pending {
            tpl.add_partition_offset(topic, *partition, Offset::Offset(*next))
                .map_err(|e| {
                    EngineError::kafka(STAGE, format!("offset {topic}[{partition}]"), e)
                })?;
        }
        let group = consumer.group_metadata();
        let started = Instant::now();
        if let Err(e) = self.producer.commit(&tpl, group.as_ref()) {
            self.count_txn("abort");
            return Err(e);
        }
        self.count_txn("commit");
        self.metrics.observe_commit(STAGE, started.elapsed());
        if tpl.count() > 0
            && let Err(e) = consumer.commit(&tpl, CommitMode::Async)
        {
            tracing::debug!(stage = STAGE, error = %e, "direct offset commit failed");
        }
        drop(tpl);
        self.metrics.add_ingest_committed(self.batch.items as u64);
        tracing::debug!(
            stage = STAGE,
            records = self.batch.items,
            ms = started.elapsed().as_millis() as u64,
            "batch committed"
        );
        self.pending.clear();
        self.batch.reset();
        Ok(())
    }

    fn count_txn(&self, outcome: &str) {
        self.metrics
            .transactions
            .get_or_create(&crate::metrics::TxnLabels {
                stage: STAGE.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }
}
