//! Client helpers: records, topics, test-friendly consumers and producers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::ClientConfig;
use rdkafka::Message;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::BaseConsumer;
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::message::Headers;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, DefaultProducerContext, Producer};
use vroeg_kafka::send_with_retry;

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
    /// Headers, values as (lossy) UTF-8; a header without a value maps to `""`.
    pub headers: BTreeMap<String, String>,
}

impl Record {
    pub(crate) fn from_message(m: &impl Message) -> Record {
        let headers = m
            .headers()
            .map(|h| {
                h.iter()
                    .map(|h| {
                        let value = String::from_utf8_lossy(h.value.unwrap_or_default());
                        (h.key.to_owned(), value.into_owned())
                    })
                    .collect()
            })
            .unwrap_or_default();
        Record {
            topic: m.topic().to_owned(),
            partition: m.partition(),
            offset: m.offset(),
            key: m.key().map(<[u8]>::to_vec),
            payload: m.payload().map(<[u8]>::to_vec),
            headers,
        }
    }

    /// The key as (lossy) UTF-8.
    pub fn key_text(&self) -> Option<String> {
        self.key
            .as_deref()
            .map(|k| String::from_utf8_lossy(k).into_owned())
    }

    /// The value as (lossy) UTF-8; `None` for a tombstone.
    pub fn payload_text(&self) -> Option<String> {
        self.payload
            .as_deref()
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// A record to produce with [`produce_all`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Topic.
    pub topic: String,
    /// Key (none: unkeyed).
    pub key: Option<Vec<u8>>,
    /// Value.
    pub value: Vec<u8>,
    /// An explicit partition (none: the partitioner decides by key).
    pub partition: Option<i32>,
}

impl Outgoing {
    /// An unkeyed record.
    pub fn new(topic: impl Into<String>, value: impl Into<Vec<u8>>) -> Outgoing {
        Outgoing {
            topic: topic.into(),
            key: None,
            value: value.into(),
            partition: None,
        }
    }

    /// With a key.
    pub fn key(mut self, key: impl Into<Vec<u8>>) -> Outgoing {
        self.key = Some(key.into());
        self
    }

    /// To an explicit partition.
    pub fn partition(mut self, partition: i32) -> Outgoing {
        self.partition = Some(partition);
        self
    }
}

/// How long [`produce_all`] waits for the broker to acknowledge everything.
const PRODUCE_WITHIN: Duration = Duration::from_secs(60);

/// Produces `records` in order with an idempotent producer (a full local queue is waited out)
/// and waits until every one is acknowledged; returns how many were sent.
// rdkafka's `send` hands the record back with its error: a large `Err`, not ours to box.
#[allow(clippy::result_large_err)]
pub fn produce_all(
    bootstrap: &str,
    records: impl IntoIterator<Item = Outgoing>,
) -> Result<usize, TestkitError> {
    let producer = test_producer(bootstrap, true)?;
    let deadline = Instant::now() + PRODUCE_WITHIN;
    let mut sent = 0;
    for r in records {
        let mut record = BaseRecord::to(&r.topic).payload(&r.value);
        if let Some(k) = &r.key {
            record = record.key(k);
        }
        if let Some(p) = r.partition {
            record = record.partition(p);
        }
        send_with_retry(
            record,
            |record| producer.send(record),
            || {
                producer.poll(Duration::from_millis(10));
            },
            Some(deadline),
        )?;
        sent += 1;
        producer.poll(Duration::ZERO);
    }
    producer.flush(PRODUCE_WITHIN)?;
    Ok(sent)
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
