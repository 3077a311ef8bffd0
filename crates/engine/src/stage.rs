//! What both stages share: their settings, Kafka client configurations, topic creation, and the
//! handle of a running stage thread.

use std::collections::HashSet;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;
use vroeg_kafka::{ClientSettings, Topics};

use crate::error::{EngineError, Result};
use crate::settings::EngineSettings;
use crate::shutdown::Shutdown;

/// Settings of the two stages.
#[derive(Debug, Clone)]
pub struct StageConfig {
    /// Brokers and extra client properties.
    pub client: ClientSettings,
    /// Topic names.
    pub topics: Topics,
    /// This instance's id: part of `transactional.id`, so two instances must differ.
    pub instance_id: String,
    /// How often the household stage looks for due timers.
    pub tick_interval: Duration,
    /// Longest time a batch stays open before it is committed.
    pub commit_interval: Duration,
    /// Most input records in one batch.
    pub commit_max_records: usize,
    /// Consumer group session timeout.
    pub session_timeout_ms: u32,
    /// librdkafka statistics interval (consumer lag); 0 turns statistics off.
    pub statistics_interval_ms: u32,
    /// Longest a partition's restore may take.
    pub restore_timeout: Duration,
    /// Timeout of blocking transactional calls.
    pub transaction_call_timeout: Duration,
}

impl StageConfig {
    /// The stages for `client` and `topics` with the default [`EngineSettings`].
    pub fn new(client: ClientSettings, topics: Topics, instance_id: impl Into<String>) -> Self {
        StageConfig::from_settings(client, topics, instance_id, &EngineSettings::default())
    }

    /// The stages for `client` and `topics` with the operator's `[engine]` settings (its
    /// `instance_id` is not read: the caller resolves it, e.g. from the host name).
    pub fn from_settings(
        client: ClientSettings,
        topics: Topics,
        instance_id: impl Into<String>,
        settings: &EngineSettings,
    ) -> Self {
        StageConfig {
            client,
            topics,
            instance_id: instance_id.into(),
            tick_interval: settings.tick_interval(),
            commit_interval: settings.commit_interval(),
            commit_max_records: settings.commit_max_records(),
            session_timeout_ms: settings.session_timeout_ms,
            statistics_interval_ms: 5_000,
            restore_timeout: Duration::from_secs(120),
            transaction_call_timeout: Duration::from_secs(30),
        }
    }

    /// A consumer in `group` that stores no offset by itself and reads committed data only.
    pub(crate) fn consumer_config(&self, group: &str) -> ClientConfig {
        let mut c = self.client.client_config();
        c.set("group.id", group)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("isolation.level", "read_committed")
            .set("partition.assignment.strategy", "range")
            .set("session.timeout.ms", self.session_timeout_ms.to_string())
            .set(
                "max.poll.interval.ms",
                self.session_timeout_ms.max(60_000).to_string(),
            )
            .set(
                "statistics.interval.ms",
                self.statistics_interval_ms.to_string(),
            );
        // Extra properties win (applied last by `client_config`, re-applied here).
        self.client.apply_extra(&mut c);
        c
    }

    /// A transactional producer configuration.
    pub(crate) fn producer_config(&self, transactional_id: &str) -> ClientConfig {
        let mut c = self.client.client_config();
        c.set("transactional.id", transactional_id)
            .set("enable.idempotence", "true")
            .set("transaction.timeout.ms", "60000")
            // Must not exceed transaction.timeout.ms, or the producer cannot be created.
            .set("message.timeout.ms", "55000")
            .set("linger.ms", "5")
            .set("partitioner", "murmur2_random");
        self.client.apply_extra(&mut c);
        c
    }
}

/// Makes sure an output topic exists before the first record goes to it.
pub trait TopicCreator: Send + Sync + std::fmt::Debug {
    /// Creates `topic` if it does not exist.
    fn ensure(&self, topic: &str) -> Result<()>;
}

/// For brokers that create topics on first use (librdkafka's MockCluster does).
#[derive(Debug, Clone, Copy, Default)]
pub struct AutoCreate;

impl TopicCreator for AutoCreate {
    fn ensure(&self, _topic: &str) -> Result<()> {
        Ok(())
    }
}

/// Creates topics with the AdminClient. Blocking: call from a stage thread, not the runtime.
pub struct AdminCreator {
    admin: AdminClient<DefaultClientContext>,
    runtime: tokio::runtime::Handle,
    partitions: i32,
}

impl std::fmt::Debug for AdminCreator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminCreator")
            .field("partitions", &self.partitions)
            .finish_non_exhaustive()
    }
}

/// One topic to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    /// Name.
    pub name: String,
    /// Partitions.
    pub partitions: i32,
    /// `cleanup.policy=compact`.
    pub compact: bool,
    /// `retention.ms`; with `compact` the policy becomes `compact,delete` (the reporting store:
    /// the latest record per key, and nothing older than the retention).
    pub retention_ms: Option<i64>,
}

impl AdminCreator {
    /// An admin client on `client`; lazily created topics get `partitions` partitions.
    pub fn new(
        client: &ClientSettings,
        runtime: tokio::runtime::Handle,
        partitions: i32,
    ) -> Result<Self> {
        let admin = client
            .client_config()
            .create()
            .map_err(|e| EngineError::kafka("admin", "creating the admin client", e))?;
        Ok(AdminCreator {
            admin,
            runtime,
            partitions,
        })
    }

    /// Creates the topics that do not exist yet; returns the names it created.
    pub async fn create(&self, specs: &[TopicSpec]) -> Result<Vec<String>> {
        // `NewTopic` borrows its config values: the retention strings must outlive it.
        let retention: Vec<Option<String>> = specs
            .iter()
            .map(|s| s.retention_ms.map(|ms| ms.to_string()))
            .collect();
        let new: Vec<NewTopic<'_>> = specs
            .iter()
            .zip(&retention)
            .map(|(s, retention)| {
                let t = NewTopic::new(&s.name, s.partitions, TopicReplication::Fixed(1));
                let t = match (s.compact, s.retention_ms.is_some()) {
                    (true, true) => t.set("cleanup.policy", "compact,delete"),
                    (true, false) => t.set("cleanup.policy", "compact"),
                    (false, _) => t,
                };
                match retention {
                    Some(ms) => t.set("retention.ms", ms),
                    None => t,
                }
            })
            .collect();
        let mut created = Vec::new();
        for chunk in new.chunks(100) {
            let results = self
                .admin
                .create_topics(
                    chunk,
                    &AdminOptions::new().operation_timeout(Some(Duration::from_secs(30))),
                )
                .await
                .map_err(|e| EngineError::kafka("admin", "creating topics", e))?;
            for r in results {
                match r {
                    Ok(name) => created.push(name),
                    Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                    Err((name, code)) => {
                        return Err(EngineError::Stage {
                            stage: "admin",
                            problem: format!("creating topic {name}: {code}"),
                        });
                    }
                }
            }
        }
        Ok(created)
    }
}

impl TopicCreator for AdminCreator {
    fn ensure(&self, topic: &str) -> Result<()> {
        let spec = TopicSpec {
            name: topic.to_owned(),
            partitions: self.partitions,
            compact: false,
            retention_ms: None,
        };
        self.runtime.block_on(self.create(&[spec])).map(|_| ())
    }
}

/// Remembers which output topics were ensured, so the creator is asked once per topic.
#[derive(Debug)]
pub(crate) struct EnsuredTopics {
    creator: Arc<dyn TopicCreator>,
    known: HashSet<String>,
}

impl EnsuredTopics {
    pub(crate) fn new(creator: Arc<dyn TopicCreator>) -> Self {
        EnsuredTopics {
            creator,
            known: HashSet::new(),
        }
    }

    pub(crate) fn ensure(&mut self, topic: &str) -> Result<()> {
        if !self.known.contains(topic) {
            self.creator.ensure(topic)?;
            self.known.insert(topic.to_owned());
        }
        Ok(())
    }
}

/// A running stage: its thread and its own stop signal.
#[derive(Debug)]
pub struct StageHandle {
    name: &'static str,
    shutdown: Shutdown,
    thread: Option<JoinHandle<Result<()>>>,
}

impl StageHandle {
    pub(crate) fn spawn(
        name: &'static str,
        shutdown: Shutdown,
        body: impl FnOnce(Shutdown) -> Result<()> + Send + 'static,
    ) -> Result<Self> {
        let s = shutdown.clone();
        let thread = std::thread::Builder::new()
            .name(format!("vroeg-{name}"))
            .spawn(move || body(s))
            .map_err(|e| EngineError::Stage {
                stage: name,
                problem: format!("cannot start thread: {e}"),
            })?;
        Ok(StageHandle {
            name,
            shutdown,
            thread: Some(thread),
        })
    }

    /// The stage's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether the stage thread has ended (by itself, on error, or after stop).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Asks the stage to stop (it commits what it has and leaves its group).
    pub fn request_stop(&self) {
        self.shutdown.trigger();
    }

    /// Stops the stage and waits for its thread.
    pub fn stop(mut self) -> Result<()> {
        self.shutdown.trigger();
        self.join_inner()
    }

    /// Waits for the thread without asking it to stop.
    pub fn join(mut self) -> Result<()> {
        self.join_inner()
    }

    fn join_inner(&mut self) -> Result<()> {
        match self.thread.take() {
            None => Ok(()),
            Some(t) => t.join().map_err(|_| EngineError::Stage {
                stage: self.name,
                problem: "stage thread panicked".to_owned(),
            })?,
        }
    }
}

/// The partitions of `topic` in a rebalance list.
pub(crate) fn partitions_of(tpl: &rdkafka::TopicPartitionList, topic: &str) -> Vec<i32> {
    let mut v: Vec<i32> = tpl
        .elements_for_topic(topic)
        .iter()
        .map(|e| e.partition())
        .collect();
    v.sort_unstable();
    v
}
