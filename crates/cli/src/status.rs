//! `vroegsignaal status`: a creditor reads its status topic `vroeg.creditor-status.<creditor_id>`.
//!
//! Read like `tasks`: a consumer group (default `vroegsignaal-status-<creditor>`),
//! `auto.offset.reset=earliest`, offsets stored after a record was printed and committed every
//! half second and at the end; without `follow` the run ends after `idle` without a new record
//! (after joining), with `follow` when the stop flag is set. An identical record redelivered within
//! one run is shown once. Output: the contract's CreditorStatus JSON per line, or CSV with the
//! header `customer_ref,signal_id,status,at`; nothing beyond those values.

use std::collections::HashSet;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::{ClientContext, Message};
use vroeg_domain::messages::CreditorStatus;
use vroeg_engine::kafka::ClientSettings;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFormat {
    /// The contract's CreditorStatus JSON, one per line.
    Json,
    /// CSV: `customer_ref,signal_id,status,at`.
    Csv,
}

/// The CSV header.
pub const CSV_HEADER: &str = "customer_ref,signal_id,status,at";

/// What to read and how.
#[derive(Debug, Clone)]
pub struct StatusOptions {
    /// Broker settings.
    pub settings: ClientSettings,
    /// The creditor-status topic.
    pub topic: String,
    /// Consumer group.
    pub group: String,
    /// Output format.
    pub format: StatusFormat,
    /// Run until stopped instead of until idle.
    pub follow: bool,
    /// Without `follow`: stop after this long without a new record.
    pub idle: Duration,
    /// How long joining the group may take before giving up.
    pub join_timeout: Duration,
}

/// Why the topic could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// A client error.
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
    /// Writing the output.
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
    /// Encoding a status for output.
    #[error("encoding a status: {0}")]
    Encode(String),
}

/// What the run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusStats {
    /// Records read.
    pub records: u64,
    /// Statuses printed.
    pub shown: u64,
    /// Identical redeliveries skipped.
    pub duplicates: u64,
    /// Records that are not a CreditorStatus.
    pub undecodable: u64,
}

impl StatusStats {
    /// The one-line summary for stderr.
    pub fn summary(&self, topic: &str) -> String {
        format!(
            "status: {topic}: {} record(s) read, {} status(es) shown, {} duplicate(s) skipped, \
             {} undecodable",
            self.records, self.shown, self.duplicates, self.undecodable
        )
    }
}

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

fn plain<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// One CSV row (no line end).
pub fn csv_line(s: &CreditorStatus) -> String {
    [
        csv_field(&s.customer_ref),
        csv_field(&s.signal_id),
        plain(&s.status),
        plain(&s.at),
    ]
    .join(",")
}

/// Reads the topic and prints each status once. `stop` ends a `follow` run; `diag` gets the
/// per-record warnings.
pub fn read_status(
    opts: &StatusOptions,
    stop: &AtomicBool,
    out: &mut impl Write,
    diag: &mut impl Write,
) -> Result<StatusStats, StatusError> {
    let consumer: BaseConsumer<JoinWatch> = opts
        .settings
        .client_config()
        .set("group.id", &opts.group)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "1000")
        .set("max.poll.interval.ms", "300000")
        .create_with_context(JoinWatch::default())?;
    consumer.subscribe(&[&opts.topic])?;
    if opts.format == StatusFormat::Csv {
        writeln!(out, "{CSV_HEADER}")?;
    }
    let result = poll_loop(&consumer, opts, stop, out, diag);
    let final_commit = commit(&consumer, out);
    consumer.unsubscribe();
    let stats = result?;
    final_commit?;
    Ok(stats)
}

fn poll_loop(
    consumer: &BaseConsumer<JoinWatch>,
    opts: &StatusOptions,
    stop: &AtomicBool,
    out: &mut impl Write,
    diag: &mut impl Write,
) -> Result<StatusStats, StatusError> {
    let started = Instant::now();
    let mut stats = StatusStats::default();
    let mut seen: HashSet<(String, String, String)> = HashSet::new();
    let mut last_activity: Option<Instant> = None;
    let mut last_commit = Instant::now();
    let mut uncommitted = false;
    let mut last_error: Option<String> = None;
    let mut buf = Vec::with_capacity(512);
    while !stop.load(Ordering::Acquire) {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                stats.records += 1;
                last_activity = Some(Instant::now());
                match m.payload().map(vroeg_codec::decode_creditor_status) {
                    Some(Ok(s)) => {
                        let id = (s.signal_id.clone(), plain(&s.status), plain(&s.at));
                        if seen.insert(id) {
                            match opts.format {
                                StatusFormat::Json => {
                                    buf.clear();
                                    vroeg_codec::encode_json(&s, &mut buf)
                                        .map_err(|e| StatusError::Encode(e.to_string()))?;
                                    buf.push(b'\n');
                                    out.write_all(&buf)?;
                                }
                                StatusFormat::Csv => writeln!(out, "{}", csv_line(&s))?,
                            }
                            stats.shown += 1;
                        } else {
                            stats.duplicates += 1;
                        }
                    }
                    Some(Err(e)) => {
                        stats.undecodable += 1;
                        let fields = e
                            .errors
                            .iter()
                            .map(|f| f.field.as_str())
                            .collect::<Vec<_>>()
                            .join(", ");
                        writeln!(
                            diag,
                            "status: partition {} offset {}: not a CreditorStatus (fields: {fields})",
                            m.partition(),
                            m.offset()
                        )?;
                    }
                    None => {}
                }
                consumer.store_offset_from_message(&m)?;
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
                    return Err(StatusError::JoinTimeout {
                        topic: opts.topic.clone(),
                        waited: opts.join_timeout,
                        last: last_error,
                    });
                }
                _ => {}
            }
        }
    }
    Ok(stats)
}

fn commit(consumer: &BaseConsumer<JoinWatch>, out: &mut impl Write) -> Result<(), StatusError> {
    out.flush()?;
    match consumer.commit_consumer_state(CommitMode::Sync) {
        Err(KafkaError::ConsumerCommit(rdkafka::types::RDKafkaErrorCode::NoOffset)) => Ok(()),
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vroeg_domain::messages::CreditorStatusValue;

    #[test]
    fn csv_line_has_only_the_four_values() {
        let s = CreditorStatus {
            creditor_id: "c".to_owned(),
            customer_ref: "K,1".to_owned(),
            signal_id: "sig_1".to_owned(),
            status: CreditorStatusValue::NotPickedUp,
            at: "2026-10-20T10:00:00Z".parse().unwrap(),
        };
        assert_eq!(
            csv_line(&s),
            "\"K,1\",sig_1,NOT_PICKED_UP,2026-10-20T10:00:00Z"
        );
    }
}
