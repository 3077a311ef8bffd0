//! Reading records back: a group consumer until a condition holds, or topics from the beginning
//! without a group.

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use crate::{Record, TestkitError};

/// How long a metadata request may take.
const METADATA_WITHIN: Duration = Duration::from_secs(10);

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
            Some(Ok(m)) => records.push(Record::from_message(&m)),
            Some(Err(e)) => last_error = Some(e),
            None => {}
        }
    }
    Ok(records)
}

/// The names of every topic the broker knows that start with `prefix`, sorted.
pub fn topics_with_prefix(bootstrap: &str, prefix: &str) -> Result<Vec<String>, TestkitError> {
    let consumer = assign_only_consumer(bootstrap)?;
    let metadata = consumer.fetch_metadata(None, METADATA_WITHIN)?;
    let mut names: Vec<String> = metadata
        .topics()
        .iter()
        .map(|t| t.name().to_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    Ok(names)
}

/// Reads every partition of `topics` from the beginning (no group, `read_committed`) until
/// `done(&records)` holds and then nothing new arrives for `quiet` (so a record beyond the
/// expected ones shows too); [`TestkitError::Timeout`] once `within` has passed. A topic the
/// broker does not know yet is read from its partition 0 as soon as it appears.
pub fn read_from_start(
    bootstrap: &str,
    topics: &[String],
    within: Duration,
    quiet: Duration,
    mut done: impl FnMut(&[Record]) -> bool,
) -> Result<Vec<Record>, TestkitError> {
    let consumer = assign_only_consumer(bootstrap)?;
    let mut assignment = TopicPartitionList::new();
    for topic in topics {
        let metadata = consumer.fetch_metadata(Some(topic), METADATA_WITHIN)?;
        let mut partitions: Vec<i32> = metadata
            .topics()
            .iter()
            .filter(|t| t.name() == topic && t.error().is_none())
            .flat_map(|t| t.partitions().iter().map(|p| p.id()))
            .collect();
        if partitions.is_empty() {
            partitions.push(0);
        }
        for p in partitions {
            assignment.add_partition_offset(topic, p, Offset::Beginning)?;
        }
    }
    consumer.assign(&assignment)?;
    let deadline = Instant::now() + within;
    let mut records = Vec::new();
    let mut last_new = Instant::now();
    loop {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
            records.push(Record::from_message(&m));
            last_new = Instant::now();
            continue;
        }
        if done(&records) && last_new.elapsed() >= quiet {
            return Ok(records);
        }
        if Instant::now() >= deadline {
            return Err(TestkitError::Timeout {
                what: format!(
                    "reading {topics:?}: {} record(s), condition not met",
                    records.len()
                ),
                waited: within,
            });
        }
    }
}

/// A consumer for direct partition assignment: nothing is ever committed under its group id.
fn assign_only_consumer(bootstrap: &str) -> Result<BaseConsumer, TestkitError> {
    Ok(ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "vroeg-testkit-assign-only")
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .set("topic.metadata.refresh.interval.ms", "1000")
        .create()?)
}
