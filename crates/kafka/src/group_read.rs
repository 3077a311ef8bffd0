//! Reading one topic as a consumer group, the way `tasks` and `status` do: from the beginning the
//! first time (`auto.offset.reset=earliest`), then from the group's committed offsets.
//!
//! - Offsets are stored only after the caller handled a record and are committed (synchronously,
//!   after flushing the output) every half second and at the end: nothing is committed that was
//!   not handled.
//! - Without `follow` the read ends when nothing new arrived for `idle` after joining the group
//!   (Tansu under-reports the high watermark, so the watermark cannot say "caught up"); with
//!   `follow` it runs until the stop flag is set (the signal handler).
//! - Joining must finish within `join_timeout`, or the read fails with the last consumer error.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::settings::ClientSettings;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::message::BorrowedMessage;
use rdkafka::{ClientContext, Message};

/// What to read and how.
#[derive(Debug, Clone)]
pub struct GroupReadOptions {
    /// Broker settings.
    pub settings: ClientSettings,
    /// The topic.
    pub topic: String,
    /// Consumer group.
    pub group: String,
    /// Run until stopped instead of until idle.
    pub follow: bool,
    /// Without `follow`: stop after this long without a new record.
    pub idle: Duration,
    /// How long joining the group may take before giving up.
    pub join_timeout: Duration,
}

/// Why the topic could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GroupReadError {
    /// A client error.
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
    /// Flushing the output before a commit.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The group never got an assignment.
    #[error("no partitions of {topic} assigned within {waited:?}{}", last.as_deref().map(|e| format!(" (last error: {e})")).unwrap_or_default())]
    JoinTimeout {
        /// The topic.
        topic: String,
        /// How long it waited.
        waited: Duration,
        /// The last consumer error seen.
        last: Option<String>,
    },
}

/// Notes when the group has handed this member its partitions.
#[derive(Debug, Default)]
struct JoinWatch {
    joined: AtomicBool,
}

impl ClientContext for JoinWatch {}

impl ConsumerContext for JoinWatch {
    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(_) = rebalance {
            self.joined.store(true, Ordering::Release);
        }
    }
}

/// Reads `opts.topic` as group `opts.group`, calling `handle` for every record (tombstones
/// included) in partition order; `out` is flushed before each commit.
pub fn read_as_group<W, E>(
    opts: &GroupReadOptions,
    stop: &AtomicBool,
    out: &mut W,
    mut handle: impl FnMut(&BorrowedMessage<'_>, &mut W) -> Result<(), E>,
) -> Result<(), E>
where
    W: Write,
    E: From<GroupReadError>,
{
    let mut config = opts.settings.client_config();
    config
        .set("group.id", &opts.group)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        // Quick group joins (a join waits about half the session timeout on Tansu).
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "1000")
        .set("max.poll.interval.ms", "300000");
    opts.settings.apply_extra(&mut config);
    let consumer: BaseConsumer<JoinWatch> = config
        .create_with_context(JoinWatch::default())
        .map_err(GroupReadError::from)?;
    consumer
        .subscribe(&[&opts.topic])
        .map_err(GroupReadError::from)?;
    let result = poll_loop(&consumer, opts, stop, out, &mut handle);
    // Leave the group cleanly whatever happened; the commit of what was handled comes first.
    let final_commit = commit(&consumer, out);
    consumer.unsubscribe();
    result?;
    final_commit?;
    Ok(())
}

fn poll_loop<W, E>(
    consumer: &BaseConsumer<JoinWatch>,
    opts: &GroupReadOptions,
    stop: &AtomicBool,
    out: &mut W,
    handle: &mut impl FnMut(&BorrowedMessage<'_>, &mut W) -> Result<(), E>,
) -> Result<(), E>
where
    W: Write,
    E: From<GroupReadError>,
{
    let started = Instant::now();
    let mut last_activity: Option<Instant> = None;
    let mut last_commit = Instant::now();
    let mut uncommitted = false;
    let mut last_error: Option<String> = None;
    while !stop.load(Ordering::Acquire) {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                last_activity = Some(Instant::now());
                handle(&m, out)?;
                consumer
                    .store_offset_from_message(&m)
                    .map_err(GroupReadError::from)?;
                uncommitted = true;
            }
            Some(Err(e)) => last_error = Some(e.to_string()),
            None => {}
        }
        let joined = consumer.context().joined.load(Ordering::Acquire);
        if joined && last_activity.is_none() {
            last_activity = Some(Instant::now());
        }
        if uncommitted && last_commit.elapsed() >= Duration::from_millis(500) {
            commit(consumer, out)?;
            uncommitted = false;
            last_commit = Instant::now();
        }
        if !opts.follow {
            match last_activity {
                Some(t) if t.elapsed() >= opts.idle => break,
                None if started.elapsed() >= opts.join_timeout => {
                    return Err(GroupReadError::JoinTimeout {
                        topic: opts.topic.clone(),
                        waited: opts.join_timeout,
                        last: last_error,
                    }
                    .into());
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Flushes the output, then commits the stored offsets: only what was handled is committed.
fn commit(consumer: &BaseConsumer<JoinWatch>, out: &mut impl Write) -> Result<(), GroupReadError> {
    out.flush()?;
    match consumer.commit_consumer_state(CommitMode::Sync) {
        // Nothing stored since the last commit.
        Err(KafkaError::ConsumerCommit(rdkafka::types::RDKafkaErrorCode::NoOffset)) => Ok(()),
        other => Ok(other?),
    }
}

/// The warning for a record that is not the expected message: where it is and which fields were
/// wrong, never its content (a record may hold personal data).
pub fn undecodable_note(
    command: &str,
    expected: &str,
    m: &BorrowedMessage<'_>,
    errors: &[vroeg_domain::contract::messages::FieldError],
) -> String {
    let fields = errors
        .iter()
        .map(|f| f.field.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{command}: partition {} offset {}: not {expected} (fields: {fields})",
        m.partition(),
        m.offset()
    )
}
