//! Client helpers: topics, test-friendly consumers and producers, polling with a deadline.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::ClientConfig;
use rdkafka::Message;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::BaseConsumer;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, DefaultProducerContext};

use crate::TestkitError;

/// A consumed record, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// Offset.
    pub offset: i64,
    /// Key bytes.
    pub key: Option<Vec<u8>>,
    /// Value bytes (`None` for a tombstone).
    pub payload: Option<Vec<u8>>,
}

/// A prefix no other test (or earlier run against the same broker) uses, e.g. `t1a2b3c-4.`.
pub fn unique_prefix() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "t{:x}{:x}-{}.",
        std::process::id(),
        nanos % 0xffff_ffff,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// librdkafka's in-process MockCluster with one broker and `topics` of `partitions` each.
pub fn mock_cluster(
    partitions: i32,
    topics: &[&str],
) -> Result<MockCluster<'static, DefaultProducerContext>, TestkitError> {
    let cluster = MockCluster::new(1)?;
    for t in topics {
        cluster.create_topic(t, partitions, 1)?;
    }
    Ok(cluster)
}

/// Creates topics through the AdminClient (Tansu; MockCluster has no admin support, use
/// [`mock_cluster`] there). A topic that already exists is fine.
pub fn create_topics(
    bootstrap: &str,
    topics: &[&str],
    partitions: i32,
) -> Result<(), TestkitError> {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()?;
    let new: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|t| NewTopic::new(t, partitions, TopicReplication::Fixed(1)))
        .collect();
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    let results = rt.block_on(admin.create_topics(&new, &opts))?;
    for r in results {
        match r {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((name, code)) => {
                return Err(TestkitError::CreateTopic {
                    topic: name,
                    code: code.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// A consumer with settings that make group joins quick on both test brokers
/// (`session.timeout.ms=6000`, `auto.offset.reset=earliest`, no auto commit).
pub fn test_consumer(bootstrap: &str, group: &str) -> Result<BaseConsumer, TestkitError> {
    Ok(ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "1000")
        .set("max.poll.interval.ms", "10000")
        .create()?)
}

/// A producer; `idempotent` sets `enable.idempotence=true` (and with it `acks=all`).
pub fn test_producer(bootstrap: &str, idempotent: bool) -> Result<BaseProducer, TestkitError> {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", bootstrap)
        .set("acks", "all")
        .set("message.timeout.ms", "30000");
    if idempotent {
        c.set("enable.idempotence", "true");
    }
    Ok(c.create()?)
}

/// Polls `consumer` and collects every record until `done(&records)` holds or `within` has
/// passed (then [`TestkitError::Timeout`], saying how many arrived). Errors reported by the
/// consumer (e.g. a topic not yet known) are retried until the deadline.
pub fn consume_all_until(
    consumer: &BaseConsumer,
    within: Duration,
    mut done: impl FnMut(&[Record]) -> bool,
) -> Result<Vec<Record>, TestkitError> {
    let deadline = Instant::now() + within;
    let mut records = Vec::new();
    let mut last_error = None;
    while !done(&records) {
        let now = Instant::now();
        if now >= deadline {
            return Err(TestkitError::Timeout {
                what: format!(
                    "{} record(s) consumed, condition not met{}",
                    records.len(),
                    last_error
                        .map(|e: KafkaError| format!(" (last error: {e})"))
                        .unwrap_or_default()
                ),
                waited: within,
            });
        }
        match consumer.poll((deadline - now).min(Duration::from_millis(200))) {
            Some(Ok(m)) => records.push(Record {
                topic: m.topic().to_owned(),
                partition: m.partition(),
                offset: m.offset(),
                key: m.key().map(<[u8]>::to_vec),
                payload: m.payload().map(<[u8]>::to_vec),
            }),
            Some(Err(e)) => last_error = Some(e),
            None => {}
        }
    }
    Ok(records)
}

/// Calls `check` until it returns `Some` or `within` has passed; `step` runs between tries
/// (e.g. a producer's `poll`), so nothing sleeps blindly.
pub fn wait_until<T>(
    within: Duration,
    what: &str,
    mut check: impl FnMut() -> Option<T>,
    mut step: impl FnMut(Duration),
) -> Result<T, TestkitError> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = check() {
            return Ok(v);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(TestkitError::Timeout {
                what: what.to_owned(),
                waited: within,
            });
        }
        step((deadline - now).min(Duration::from_millis(100)));
    }
}
