//! The whole pipeline in one process on librdkafka's in-process MockCluster: what `vroegsignaal
//! demo` runs, and what a test (also a municipality's or creditor's own test) can start to see
//! its records go through both stages without a broker.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let rules: std::sync::Arc<vroeg_engine::RuleData> = unimplemented!();
//! use vroeg_engine::embedded::EmbeddedPipeline;
//! let start = chrono::DateTime::UNIX_EPOCH;
//! let mut pipeline = EmbeddedPipeline::new(4, 16)?;
//! // produce input records with pipeline.client_settings(), then:
//! pipeline.start_stages(rules, start)?;
//! pipeline.wait_until_processed(1)?;
//! pipeline.stop_stages()?;
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, DefaultProducerContext, Producer};
use rdkafka::{Offset, TopicPartitionList};
use vroeg_kafka::{ClientSettings, Topics, send_with_retry};

use crate::{
    AutoCreate, EngineError, ManualClock, Metrics, RuleData, StageConfig, StageHandle,
    spawn_households, spawn_ingest,
};

/// Errors of the embedded pipeline.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    /// The embedded broker or a client failed.
    #[error("embedded Kafka: {0}")]
    Kafka(String),
    /// A stage failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Something did not happen in time.
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
    /// The stages were not running (or one stopped) while waiting.
    #[error("a stage stopped while waiting for {0}")]
    Stopped(&'static str),
}

fn kafka(e: impl std::fmt::Display) -> EmbeddedError {
    EmbeddedError::Kafka(e.to_string())
}

/// One input record to produce: topic, key (none: unkeyed) and value.
pub type InputRecord<'a> = (&'a str, Option<&'a str>, &'a [u8]);

/// A MockCluster with the pipeline's topics, and (once started) both stages on a manual clock.
pub struct EmbeddedPipeline {
    mock: MockCluster<'static, DefaultProducerContext>,
    topics: Topics,
    client_properties: BTreeMap<String, String>,
    clock: Option<ManualClock>,
    metrics: Arc<Metrics>,
    stages: Option<(StageHandle, StageHandle)>,
}

impl std::fmt::Debug for EmbeddedPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedPipeline")
            .field("bootstrap", &self.mock.bootstrap_servers())
            .field("running", &self.stages.is_some())
            .finish_non_exhaustive()
    }
}

impl EmbeddedPipeline {
    /// A one-broker MockCluster with the default topic names: the input topics with
    /// `input_partitions` partitions, repartition, changelog and audit with `partitions`
    /// (MockCluster keeps only ~5 MiB per partition), rejected with 2. Outreach and
    /// creditor-status topics are created on first use.
    pub fn new(input_partitions: i32, partitions: i32) -> Result<Self, EmbeddedError> {
        let mock = MockCluster::new(1).map_err(kafka)?;
        let topics = Topics::default();
        for t in [topics.arrears(), topics.objections(), topics.feedback()] {
            mock.create_topic(&t, input_partitions, 1).map_err(kafka)?;
        }
        for t in [topics.households(), topics.state(), topics.audit()] {
            mock.create_topic(&t, partitions, 1).map_err(kafka)?;
        }
        mock.create_topic(&topics.rejected(), 2, 1).map_err(kafka)?;
        Ok(EmbeddedPipeline {
            mock,
            topics,
            client_properties: BTreeMap::new(),
            clock: None,
            metrics: Arc::new(Metrics::new()),
            stages: None,
        })
    }

    /// Extra librdkafka properties for every client of this pipeline (the operator's
    /// `[kafka.client]`), from now on.
    pub fn set_client_properties(&mut self, properties: BTreeMap<String, String>) {
        self.client_properties = properties;
    }

    /// Settings for a client of this cluster.
    pub fn client_settings(&self) -> ClientSettings {
        ClientSettings::new(self.mock.bootstrap_servers())
            .with_extra(self.client_properties.clone())
    }

    /// The topic names.
    pub fn topics(&self) -> &Topics {
        &self.topics
    }

    /// The stages' metrics (what the waits below watch).
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The settings [`EmbeddedPipeline::start_stages`] gives both stages, for a stage of this
    /// cluster with its own `instance` id (a test starting instances of its own): batches commit
    /// every 50 ms, timers are checked every 5 ms, librdkafka's statistics (consumer lag) come
    /// every 500 ms.
    pub fn stage_config(&self, instance: &str) -> StageConfig {
        let mut stage = StageConfig::new(self.client_settings(), self.topics.clone(), instance);
        stage.session_timeout_ms = 6_000;
        stage.tick_interval = Duration::from_millis(5);
        stage.commit_interval = Duration::from_millis(50);
        stage.commit_max_records = 10_000;
        stage.statistics_interval_ms = 500;
        stage
    }

    /// Produces `records` with an idempotent producer and waits until every one is acknowledged.
    // rdkafka's `send` hands the record back with its error: a large `Err`, not ours to box.
    #[allow(clippy::result_large_err)]
    pub fn produce<'a>(
        &self,
        records: impl IntoIterator<Item = InputRecord<'a>>,
    ) -> Result<(), EmbeddedError> {
        let mut config = self.client_settings().client_config();
        config
            .set("enable.idempotence", "true")
            .set("linger.ms", "20");
        self.client_settings().apply_extra(&mut config);
        let producer: BaseProducer = config.create().map_err(kafka)?;
        for (topic, key, value) in records {
            let mut record = BaseRecord::to(topic).payload(value);
            if let Some(k) = key {
                record = record.key(k);
            }
            send_with_retry(
                record,
                |r| producer.send(r),
                || {
                    producer.poll(Duration::from_millis(10));
                },
                None,
            )
            .map_err(kafka)?;
            producer.poll(Duration::ZERO);
        }
        producer.flush(Duration::from_secs(60)).map_err(kafka)?;
        Ok(())
    }

    /// Starts both stages with [`EmbeddedPipeline::stage_config`], the clock standing at `start`
    /// (it moves only by [`EmbeddedPipeline::advance_to`]).
    pub fn start_stages(
        &mut self,
        rules: Arc<RuleData>,
        start: DateTime<Utc>,
    ) -> Result<(), EmbeddedError> {
        let stage = self.stage_config("embedded");
        let clock = ManualClock::new(start);
        let ingest = spawn_ingest(
            stage.clone(),
            rules.clone(),
            Arc::new(clock.clone()),
            self.metrics.clone(),
        )?;
        let households = spawn_households(
            stage,
            rules,
            Arc::new(clock.clone()),
            self.metrics.clone(),
            Arc::new(AutoCreate),
        )?;
        self.clock = Some(clock);
        self.stages = Some((ingest, households));
        Ok(())
    }

    fn stages_alive(&self) -> bool {
        self.stages
            .as_ref()
            .is_some_and(|(i, h)| !i.is_finished() && !h.is_finished())
    }

    /// Waits until the ingest stage committed `inputs` records and the household stage every
    /// envelope ingest wrote; an error if a stage stopped first (its own error if it failed).
    pub fn wait_until_processed(&mut self, inputs: u64) -> Result<(), EmbeddedError> {
        self.wait(120, "the ingest stage", |m| m.ingest_committed() >= inputs)?;
        let envelopes = self.metrics.out_count("ingest", &self.topics.households());
        self.wait(120, "the household stage", |m| {
            m.households_committed() >= envelopes
        })
    }

    /// Moves the clock to `t` and waits until the household stage ticked up to it; an error if
    /// a stage stopped first.
    pub fn advance_to(&mut self, t: DateTime<Utc>) -> Result<(), EmbeddedError> {
        if let Some(c) = &self.clock {
            c.set(t);
        }
        self.wait(60, "a day's ticks", |m| {
            m.ticked_until_ms() >= t.timestamp_millis()
        })
    }

    /// Polls `done` on the metrics until it holds; a timeout after `secs`, and if a stage stops
    /// meanwhile, that stage's error (or [`EmbeddedError::Stopped`]).
    fn wait(
        &mut self,
        secs: u64,
        what: &'static str,
        done: impl Fn(&Metrics) -> bool,
    ) -> Result<(), EmbeddedError> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if done(&self.metrics) {
                return Ok(());
            }
            if !self.stages_alive() {
                self.stop_stages()?;
                return Err(EmbeddedError::Stopped(what));
            }
            if Instant::now() > deadline {
                return Err(EmbeddedError::Timeout(what));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Whether both stages are running.
    pub fn is_running(&self) -> bool {
        self.stages_alive()
    }

    /// Stops both stages (each commits its open batch); an error if one had failed.
    pub fn stop_stages(&mut self) -> Result<(), EmbeddedError> {
        if let Some((ingest, households)) = self.stages.take() {
            ingest.stop()?;
            households.stop()?;
        }
        Ok(())
    }

    fn reader(&self) -> Result<BaseConsumer, EmbeddedError> {
        let mut config = self.client_settings().client_config();
        config
            .set("group.id", "vroeg-embedded-reader")
            .set("enable.auto.commit", "false");
        config.create().map_err(kafka)
    }

    /// Reads every record (topic, value) of the topics whose names start with `prefix` until
    /// `expected` records arrived.
    pub fn read_prefix(
        &self,
        prefix: &str,
        expected: u64,
    ) -> Result<Vec<(String, Vec<u8>)>, EmbeddedError> {
        let names: Vec<String> = {
            let c = self.reader()?;
            let md = c
                .fetch_metadata(None, Duration::from_secs(10))
                .map_err(kafka)?;
            md.topics()
                .iter()
                .map(|t| t.name().to_owned())
                .filter(|n| n.starts_with(prefix))
                .collect()
        };
        self.read_topics(&names, expected)
    }

    /// Reads `topics` from the beginning until `expected` records (topic, value) arrived (a
    /// deadline of 60 s guards it).
    pub fn read_topics(
        &self,
        topics: &[String],
        expected: u64,
    ) -> Result<Vec<(String, Vec<u8>)>, EmbeddedError> {
        let c = self.reader()?;
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
                return Err(EmbeddedError::Timeout("reading the output topics back"));
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
}
