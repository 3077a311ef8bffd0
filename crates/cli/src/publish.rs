//! `vroegsignaal publish`: a creditor's upload, validated line by line exactly as the pipeline's
//! ingest stage would, the accepted events produced to the arrears (or objections) topic with an
//! idempotent producer.
//!
//! - The file is streamed (one reused line buffer); nothing is held per line beyond what the
//!   producer queue holds.
//! - Every non-blank line ends as accepted or rejected; a rejected line is reported as
//!   `line N: <reason>` on the report writer (stdout) and the run goes on.
//! - Producing: `enable.idempotence=true`, `acks=all`, key `creditor_id/customer_ref`, value the
//!   line's own JSON bytes (JSON lines) or the row converted to contract JSON (CSV). A full local
//!   queue is drained by polling, and the command returns only after every delivery report has
//!   arrived; a single failed delivery is an error.

use std::io::{BufRead, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::{ClientContext, Message};
use vroeg_domain::messages::InputEvent;
use vroeg_engine::kafka::ClientSettings;

use crate::upload::{CsvHeader, TopicKind, UploadFormat};

/// Why an upload could not be processed (as opposed to lines being rejected).
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Reading the file or writing the report.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The CSV header is unusable.
    #[error("line 1 (CSV header): {0}")]
    Header(String),
    /// The file has no CSV header.
    #[error("the CSV file is empty: it needs a header line (docs/UPLOADS.md)")]
    NoHeader,
    /// The producer could not be created or refused a record.
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
    /// Deliveries failed or did not finish in time.
    #[error(
        "{failed} of {sent} record(s) not delivered to {topic}{}",
        first.as_deref().map(|f| format!(" (first: {f})")).unwrap_or_default()
    )]
    Delivery {
        /// The topic.
        topic: String,
        /// Records handed to the producer.
        sent: u64,
        /// Records without a successful delivery report.
        failed: u64,
        /// The first failure: line number and error.
        first: Option<String>,
    },
}

/// Where accepted lines go.
#[derive(Debug, Clone)]
pub struct Target {
    /// Broker settings.
    pub settings: ClientSettings,
    /// Topic name.
    pub topic: String,
    /// `message.timeout.ms`: how long a record may wait for delivery.
    pub delivery_timeout: Duration,
}

/// What the run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishStats {
    /// Non-blank lines that were events (the CSV header not counted).
    pub lines: u64,
    /// Valid lines.
    pub accepted: u64,
    /// Invalid lines.
    pub rejected: u64,
    /// Records delivered (0 on a dry run).
    pub delivered: u64,
}

impl PublishStats {
    /// The one-line summary for stderr.
    pub fn summary(&self, target: Option<&str>) -> String {
        let tail = match target {
            Some(t) => format!("; {} delivered to {t}", self.delivered),
            None => "; dry run, nothing produced".to_owned(),
        };
        format!(
            "publish: {} line(s): {} accepted, {} rejected{tail}",
            self.lines, self.accepted, self.rejected
        )
    }
}

/// Counts delivery reports; keeps the first failure (line number and error, never the data).
#[derive(Debug, Default)]
struct Deliveries {
    ok: AtomicU64,
    failed: AtomicU64,
    first_failure: Mutex<Option<String>>,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, line: usize) {
        match result {
            Ok(_) => {
                self.ok.fetch_add(1, Ordering::Relaxed);
            }
            Err((e, m)) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut first) = self.first_failure.lock()
                    && first.is_none()
                {
                    *first = Some(format!("line {line}, partition {}: {e}", m.partition()));
                }
            }
        }
    }
}

/// An idempotent producer that counts delivery reports (also used by `feedback`).
pub(crate) struct Sink {
    producer: BaseProducer<Deliveries>,
    topic: String,
    sent: u64,
    delivery_timeout: Duration,
}

impl Sink {
    pub(crate) fn new(target: &Target) -> Result<Sink, PublishError> {
        let producer: BaseProducer<Deliveries> = target
            .settings
            .client_config()
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "20")
            .set("batch.num.messages", "10000")
            .set(
                "message.timeout.ms",
                target.delivery_timeout.as_millis().to_string(),
            )
            .create_with_context(Deliveries::default())?;
        Ok(Sink {
            producer,
            topic: target.topic.clone(),
            sent: 0,
            delivery_timeout: target.delivery_timeout,
        })
    }

    pub(crate) fn send(
        &mut self,
        line: usize,
        key: &str,
        value: &[u8],
    ) -> Result<(), PublishError> {
        let mut record = BaseRecord::with_opaque_to(&self.topic, line)
            .key(key)
            .payload(value);
        loop {
            match self.producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                    // The local queue is full: serve delivery reports until there is room.
                    record = r;
                    self.producer.poll(Duration::from_millis(50));
                }
                Err((e, _)) => return Err(e.into()),
            }
        }
        self.sent += 1;
        if self.sent.is_multiple_of(1024) {
            self.producer.poll(Duration::ZERO);
        }
        Ok(())
    }

    /// Waits for every delivery report (bounded by the delivery timeout plus a margin).
    pub(crate) fn finish(self) -> Result<u64, PublishError> {
        let deadline = Instant::now() + self.delivery_timeout + Duration::from_secs(5);
        while self.producer.in_flight_count() > 0 && Instant::now() < deadline {
            // flush serves the delivery callbacks while it waits.
            let _ = self.producer.flush(Duration::from_millis(500));
        }
        self.producer.poll(Duration::ZERO);
        let ctx = self.producer.context();
        let ok = ctx.ok.load(Ordering::Relaxed);
        if ok == self.sent {
            return Ok(ok);
        }
        let first = ctx.first_failure.lock().ok().and_then(|f| f.clone());
        Err(PublishError::Delivery {
            topic: self.topic.clone(),
            sent: self.sent,
            failed: self.sent - ok,
            first: first.or_else(|| {
                Some(format!(
                    "{} delivery report(s) still outstanding",
                    self.producer.in_flight_count()
                ))
            }),
        })
    }
}

/// Validates one upload line: the JSON bytes to produce and the key, or the reason it is
/// rejected.
pub fn check_line(json: &[u8], kind: TopicKind) -> Result<String, String> {
    let event = vroeg_codec::decode_input(json).map_err(|e| e.to_string())?;
    if let Err(errors) = event.validate() {
        return Err(errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "));
    }
    kind.check(&event)?;
    Ok(match &event {
        InputEvent::Arrears(a) => format!("{}/{}", a.creditor_id, a.customer_ref),
        InputEvent::Objection(o) => format!("{}/{}", o.creditor_id, o.customer_ref),
        InputEvent::Feedback(f) => f.case_id.clone(),
    })
}

/// Reads the upload from `input`, reports rejected lines to `report`, and produces the accepted
/// ones to `target` (none: a dry run).
pub fn publish(
    input: impl BufRead,
    format: UploadFormat,
    kind: TopicKind,
    target: Option<&Target>,
    report: &mut impl Write,
) -> Result<PublishStats, PublishError> {
    let mut sink = target.map(Sink::new).transpose()?;
    let mut stats = PublishStats::default();
    let mut header: Option<CsvHeader> = None;
    let mut input = input;
    let mut buf = Vec::with_capacity(4096);
    let mut line_no = 0usize;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line_no += 1;
        let line = trim_line(&buf);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let converted;
        let json: &[u8] = match format {
            UploadFormat::Jsonl => line,
            UploadFormat::Csv => {
                let text = match std::str::from_utf8(line) {
                    Ok(t) => t,
                    Err(_) if header.is_none() => {
                        return Err(PublishError::Header("not UTF-8".to_owned()));
                    }
                    Err(_) => {
                        reject(&mut stats, report, line_no, "not UTF-8 text")?;
                        continue;
                    }
                };
                let Some(h) = &header else {
                    header = Some(CsvHeader::parse(text, kind).map_err(PublishError::Header)?);
                    continue;
                };
                match h.row_to_json(text) {
                    // serde's position points into the converted JSON, not the CSV: leave it out.
                    Ok(j) => {
                        converted = j;
                        &converted
                    }
                    Err(reason) => {
                        reject(&mut stats, report, line_no, &reason)?;
                        continue;
                    }
                }
            }
        };
        match check_line(json, kind).map_err(|r| match format {
            UploadFormat::Csv => strip_json_position(&r),
            UploadFormat::Jsonl => r,
        }) {
            Ok(key) => {
                stats.lines += 1;
                stats.accepted += 1;
                if let Some(s) = sink.as_mut() {
                    s.send(line_no, &key, json)?;
                }
            }
            Err(reason) => reject(&mut stats, report, line_no, &reason)?,
        }
    }
    if format == UploadFormat::Csv && header.is_none() {
        return Err(PublishError::NoHeader);
    }
    report.flush()?;
    if let Some(s) = sink {
        stats.delivered = s.finish()?;
    }
    Ok(stats)
}

fn reject(
    stats: &mut PublishStats,
    report: &mut impl Write,
    line_no: usize,
    reason: &str,
) -> Result<(), PublishError> {
    stats.lines += 1;
    stats.rejected += 1;
    // One line per rejection, whatever the reason contains.
    let reason = reason.replace(['\n', '\r'], " ");
    writeln!(report, "line {line_no}: rejected: {reason}")?;
    Ok(())
}

/// Removes serde's ` at line N column M` (a position in the JSON made from a CSV row).
pub(crate) fn strip_json_position(reason: &str) -> String {
    reason
        .split("; ")
        .map(|part| match part.rfind(" at line ") {
            Some(i)
                if part[i + 9..].split_once(" column ").is_some_and(|(l, c)| {
                    !l.is_empty()
                        && !c.is_empty()
                        && l.bytes().chain(c.bytes()).all(|b| b.is_ascii_digit())
                }) =>
            {
                &part[..i]
            }
            _ => part,
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The line without its line end (`\n` or `\r\n`).
pub(crate) fn trim_line(buf: &[u8]) -> &[u8] {
    let b = buf.strip_suffix(b"\n").unwrap_or(buf);
    b.strip_suffix(b"\r").unwrap_or(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"event_id":"e1","creditor_id":"c","sector":"HUUR","event_type":"RESOLVED","customer_ref":"K1","occurred_at":"2026-10-15T09:00:00Z","address":{"postcode":"3011 AB","house_number":10}}"#;

    #[test]
    fn dry_run_reports_bad_lines_by_number() {
        let input = format!("{GOOD}\n\n{{\"event_id\":1}}\n{GOOD}\r\nnot json\n");
        let mut report = Vec::new();
        let stats = publish(
            input.as_bytes(),
            UploadFormat::Jsonl,
            TopicKind::Arrears,
            None,
            &mut report,
        )
        .unwrap();
        assert_eq!((stats.lines, stats.accepted, stats.rejected), (4, 2, 2));
        let report = String::from_utf8(report).unwrap();
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines.len(), 2, "{report}");
        assert!(lines[0].starts_with("line 3: rejected: "), "{report}");
        assert!(lines[1].starts_with("line 5: rejected: "), "{report}");
    }

    #[test]
    fn json_positions_are_stripped_for_csv() {
        assert_eq!(
            strip_json_position("a: bad at line 1 column 69; b: worse"),
            "a: bad; b: worse"
        );
        assert_eq!(
            strip_json_position("at line x column y"),
            "at line x column y"
        );
    }

    #[test]
    fn wrong_topic_kind_is_rejected() {
        assert_eq!(
            check_line(GOOD.as_bytes(), TopicKind::Arrears).unwrap(),
            "c/K1"
        );
        let e = check_line(GOOD.as_bytes(), TopicKind::Objections).unwrap_err();
        assert!(e.contains("--topic-kind arrears"), "{e}");
    }
}
