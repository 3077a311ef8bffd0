//! Reading a whole topic back, from the beginning to its end, without a consumer group's memory:
//! for commands that need every record each time (the DDAS report reads its store this way).
//!
//! `tasks` and `status` are different on purpose: they read as a consumer group and commit, so a
//! municipality sees each task once across runs; they share this module's idea of "caught up"
//! (nothing new for `idle` after joining) but not its offsets.
//!
//! "The end" is reached when every partition has reported end-of-partition *and* nothing new
//! arrived for `idle`: the end-of-partition event alone comes from the high watermark, which some
//! brokers (Tansu) under-report, so the idle wait is kept as well.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::settings::ClientSettings;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::{Message, Offset, TopicPartitionList};

/// One record: key and value (a tombstone has no value).
pub type Record = (Option<Vec<u8>>, Option<Vec<u8>>);

/// Why a topic could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadToEndError {
    /// A client error.
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
    /// The topic does not exist (or has no partitions).
    #[error("topic {0} does not exist on the broker")]
    NoTopic(String),
    /// The end was not reached in time.
    #[error("reading {topic}: not at the end after {waited:?} ({records} record(s) read)")]
    Timeout {
        /// The topic.
        topic: String,
        /// How long it tried.
        waited: Duration,
        /// Records read so far.
        records: usize,
    },
}

/// Reads every record of `topic` in partition order. `idle`: how long nothing new must arrive
/// after every partition reached its end; `timeout`: the whole read.
pub fn read_to_end(
    settings: &ClientSettings,
    topic: &str,
    idle: Duration,
    timeout: Duration,
) -> Result<Vec<Record>, ReadToEndError> {
    let started = Instant::now();
    let consumer: BaseConsumer = settings
        .client_config()
        // No group membership is used (partitions are assigned directly); librdkafka still wants
        // an id, and nothing is ever committed under it.
        .set(
            "group.id",
            format!("vroegsignaal-readback-{}", std::process::id()),
        )
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "true")
        .set("auto.offset.reset", "earliest")
        .create()?;
    let metadata = consumer.fetch_metadata(Some(topic), timeout)?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic && t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    if partitions.is_empty() {
        return Err(ReadToEndError::NoTopic(topic.to_owned()));
    }
    let mut tpl = TopicPartitionList::new();
    for p in &partitions {
        tpl.add_partition_offset(topic, *p, Offset::Beginning)?;
    }
    consumer.assign(&tpl)?;

    let mut out = Vec::new();
    let mut at_end: BTreeSet<i32> = BTreeSet::new();
    let mut last_activity = Instant::now();
    loop {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                at_end.remove(&m.partition());
                out.push((m.key().map(<[u8]>::to_vec), m.payload().map(<[u8]>::to_vec)));
                last_activity = Instant::now();
            }
            Some(Err(KafkaError::PartitionEOF(p))) => {
                at_end.insert(p);
            }
            Some(Err(e)) => return Err(e.into()),
            None => {}
        }
        if at_end.len() == partitions.len() && last_activity.elapsed() >= idle {
            return Ok(out);
        }
        if started.elapsed() >= timeout {
            return Err(ReadToEndError::Timeout {
                topic: topic.to_owned(),
                waited: timeout,
                records: out.len(),
            });
        }
    }
}
