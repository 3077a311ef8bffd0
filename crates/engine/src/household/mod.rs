//! The household stage (stateful): the repartition topic → `rules::apply` / `rules::tick` per
//! household → outreach, creditor-status and audit topics, with every touched household's state and
//! the partition's position on the compacted changelog, in one transaction per batch.
//!
//! Partition lifecycle: on assign, `restore` rebuilds state from the changelog and the consumer
//! is assigned at the offset stored in the state itself; on revoke, the open batch is committed
//! and the partition's state dropped. All of it runs inside the consumer's rebalance callback, on
//! the stage thread, so no record is processed for a partition that is not restored.

mod observe;
mod report;
mod restore;
mod worker;

pub use observe::{overdue_by_municipality, task_overdue};

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{ClientContext, Offset, Statistics, TopicPartitionList};
use vroeg_domain::household::{HouseholdPartition, StepOutcome};

use crate::cadence::Batch;
use crate::clock::Clock;
use crate::error::{EngineError, Result};
use crate::metrics::{SharedMetrics, StageLabels};
use crate::shutdown::Shutdown;
use crate::stage::{EnsuredTopics, StageConfig, StageHandle, TopicCreator, partitions_of};
use crate::txn::TxnProducer;
use vroeg_domain::rules::RuleData;

pub(crate) const STAGE: &str = "households";

/// Starts the household stage on its own thread.
pub fn spawn_households(
    cfg: StageConfig,
    rules: Arc<RuleData>,
    clock: Arc<dyn Clock>,
    metrics: SharedMetrics,
    creator: Arc<dyn TopicCreator>,
) -> Result<StageHandle> {
    StageHandle::spawn(STAGE, Shutdown::new(), move |stop| {
        run(cfg, rules, clock, metrics, creator, &stop)
    })
}

/// The household stage's state on its thread: the partitions it holds (each a pure
/// [`HouseholdPartition`]: the household algorithm) and the open transaction's bookkeeping.
/// This shell only decodes, sends and commits.
pub(crate) struct HouseholdWorker {
    pub(crate) cfg: StageConfig,
    pub(crate) producer: TxnProducer,
    pub(crate) rules: Arc<RuleData>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) metrics: SharedMetrics,
    pub(crate) ensured: EnsuredTopics,
    pub(crate) partitions: BTreeMap<i32, HouseholdPartition>,
    /// Input records and timer firings in the open transaction.
    pub(crate) batch: Batch,
    /// Input records in the open transaction (for the committed-records counter).
    pub(crate) batch_records: u64,
    pub(crate) marker_tombstones: Vec<(i32, String)>,
    /// Clock time of the last completed tick, committed with the next batch.
    pub(crate) pending_ticked_until: Option<i64>,
    /// Reused step outcome (no allocation per record).
    pub(crate) outcome: StepOutcome,
    /// When the overdue-task gauges were last computed.
    pub(crate) overdue: observe::OverdueTracker,
    pub(crate) failed: Option<EngineError>,
}

struct HouseholdContext {
    core: Arc<Mutex<HouseholdWorker>>,
    metrics: SharedMetrics,
    topic: String,
}

impl ClientContext for HouseholdContext {
    fn stats(&self, statistics: Statistics) {
        self.metrics.record_lag(STAGE, &statistics);
    }
}

impl ConsumerContext for HouseholdContext {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let mut core = self.core.lock().unwrap_or_else(PoisonError::into_inner);
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                self.metrics.set_ready(false);
                let wanted = partitions_of(tpl, &self.topic);
                let assignment = core
                    .on_assign(consumer, &wanted)
                    .and_then(|positions| self.positions_tpl(&positions));
                match assignment {
                    Ok(with_offsets) => {
                        if let Err(e) = consumer.assign(&with_offsets) {
                            core.failed
                                .get_or_insert(EngineError::kafka(STAGE, "assign", e));
                        } else {
                            self.metrics.set_ready(true);
                        }
                    }
                    Err(e) => {
                        tracing::error!(stage = STAGE, error = %e, "restore failed");
                        core.failed.get_or_insert(e);
                        // Keep librdkafka's state machine consistent; the stage stops anyway.
                        let _ = consumer.assign(tpl);
                    }
                }
                self.set_assigned(core.partitions.len());
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                core.on_revoke(consumer);
                let _ = consumer.unassign();
                self.set_assigned(0);
            }
            other => {
                tracing::error!(stage = STAGE, error = ?other, "rebalance error");
                core.on_revoke(consumer);
                let _ = consumer.unassign();
                self.set_assigned(0);
            }
        }
    }
}

impl HouseholdContext {
    fn positions_tpl(&self, positions: &[(i32, i64)]) -> Result<TopicPartitionList> {
        let mut tpl = TopicPartitionList::new();
        for &(p, next) in positions {
            tpl.add_partition_offset(&self.topic, p, Offset::Offset(next))
                .map_err(|e| EngineError::kafka(STAGE, format!("{}[{p}]", self.topic), e))?;
        }
        Ok(tpl)
    }

    fn set_assigned(&self, n: usize) {
        self.metrics
            .partitions_assigned
            .get_or_create(&StageLabels {
                stage: STAGE.to_owned(),
            })
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }
}

fn run(
    cfg: StageConfig,
    rules: Arc<RuleData>,
    clock: Arc<dyn Clock>,
    metrics: SharedMetrics,
    creator: Arc<dyn TopicCreator>,
    stop: &Shutdown,
) -> Result<()> {
    let topic = cfg.topics.households();
    let producer = TxnProducer::new(
        &cfg.producer_config(&format!(
            "{}households-{}",
            cfg.topics.prefix(),
            cfg.instance_id
        )),
        STAGE,
        cfg.transaction_call_timeout,
    )?;
    let group = format!("{}households", cfg.topics.prefix());
    let consumer_config = cfg.consumer_config(&group);
    let tick_interval = cfg.tick_interval;
    let commit_interval = cfg.commit_interval;
    let max_records = cfg.commit_max_records;
    let core = Arc::new(Mutex::new(HouseholdWorker {
        cfg,
        producer,
        rules,
        clock,
        metrics: metrics.clone(),
        ensured: EnsuredTopics::new(creator),
        partitions: BTreeMap::new(),
        batch: Batch::default(),
        batch_records: 0,
        marker_tombstones: Vec::new(),
        pending_ticked_until: None,
        outcome: StepOutcome::default(),
        overdue: observe::OverdueTracker::default(),
        failed: None,
    }));
    let consumer: BaseConsumer<HouseholdContext> = consumer_config
        .create_with_context(HouseholdContext {
            core: core.clone(),
            metrics,
            topic: topic.clone(),
        })
        .map_err(|e| EngineError::kafka(STAGE, "creating the consumer", e))?;
    consumer
        .subscribe(&[&topic])
        .map_err(|e| EngineError::kafka(STAGE, format!("subscribing to {topic}"), e))?;
    tracing::info!(stage = STAGE, "started");

    let mut last_tick: Option<Instant> = None;
    let result = (|| -> Result<()> {
        while !stop.is_triggered() {
            let mut wait = Duration::from_millis(50);
            for _ in 0..max_records {
                match consumer.poll(wait) {
                    None => break,
                    Some(Ok(m)) => {
                        let mut g = core.lock().unwrap_or_else(PoisonError::into_inner);
                        g.on_message(&m)?;
                    }
                    Some(Err(e)) => {
                        tracing::debug!(stage = STAGE, error = %e, "consumer error");
                        break;
                    }
                }
                wait = Duration::ZERO;
            }
            let mut g = core.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(e) = g.failed.take() {
                return Err(e);
            }
            if last_tick.is_none_or(|t| t.elapsed() >= tick_interval) {
                // A tick fires at most a batch's worth of timers; when more are due (after an
                // outage, a day's wakeups at once) the next round ticks again, after a commit.
                let more_due = g.tick(max_records)?;
                if !more_due {
                    last_tick = Some(Instant::now());
                }
            }
            if g.batch
                .commit_due(max_records, commit_interval, g.has_pending_changes())
            {
                g.flush(&consumer)?;
            }
        }
        Ok(())
    })();
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
    if let Ok(mut g) = core.lock() {
        g.partitions.clear();
        g.metrics.state_households.set(0);
    }
    tracing::info!(stage = STAGE, "stopped");
    result.and(final_flush)
}
