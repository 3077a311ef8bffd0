//! A creditor's upload (`vroegsignaal publish`), validated line by line exactly as the pipeline's
//! ingest stage would, the accepted events produced to the arrears (or objections) topic with an
//! idempotent producer.
//!
//! - The file is streamed (one reused line buffer); nothing is held per line beyond what the
//!   producer queue holds.
//! - Every non-blank line ends as accepted or rejected; a rejected line is reported as
//!   `line N: rejected: <reason>` on the report writer (stdout), optionally also in the
//!   machine-readable rejection list ([`RejectsFile`]), and the run goes on.
//! - A valid event the upload ledger ([`Ledger`]) knows as delivered to this topic on this
//!   cluster is skipped, so a re-upload after a crash or timeout produces only the rest.
//! - Producing: `enable.idempotence=true`, `acks=all`, key `creditor_id/customer_ref`, value the
//!   line's own JSON bytes (JSON lines) or the row converted to contract JSON (CSV). A full local
//!   queue is drained by polling, and the command returns only after every delivery report has
//!   arrived; a single failed delivery is an error.
//!
//! A dry run (no target) validates only and needs no broker:
//!
//! ```
//! use vroeg_client::publish::{NoProgress, PublishOptions, publish};
//! use vroeg_client::upload_format::{TopicKind, UploadFormat};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let upload = "{\"event_id\":1}\n";
//! let opts = PublishOptions {
//!     format: UploadFormat::Jsonl,
//!     kind: TopicKind::Arrears,
//!     target: None,
//!     ledger: None,
//!     rejects: None,
//!     progress: &NoProgress,
//! };
//! let mut rejected_lines = Vec::new();
//! let stats = publish(upload.as_bytes(), opts, &mut rejected_lines)?;
//! assert_eq!((stats.accepted, stats.rejected), (0, 1));
//! assert!(String::from_utf8(rejected_lines)?.starts_with("line 1: rejected: "));
//! # Ok(())
//! # }
//! ```
//!
//! With a [`Target`] (settings, topic, delivery timeout) the accepted lines are produced.

mod ledger;
mod read;
mod rejections;

use std::io::{BufRead, Write};
use std::time::Duration;

use vroeg_domain::contract::messages::{
    ArrearsEventType, FieldError, InputEvent, ObjectionEventType,
};

use vroeg_kafka::{ClientSettings, DeliveryError, DeliveryProducer};

pub(crate) use ledger::Seen;
pub use ledger::{Ledger, LedgerEntry, LedgerError, ledger_path};
pub use rejections::{Rejection, RejectsFile, SummaryContext, Tally, render_summary};

use crate::upload_format::{TopicKind, UploadFormat};
use read::read_and_send;

/// Lines between progress updates.
pub const PROGRESS_EVERY: u64 = 512;

/// Where an upload reports its progress (a progress bar, a log line, nothing): moved every
/// [`PROGRESS_EVERY`] lines, so it costs nothing per line that matters.
pub trait UploadProgress: std::fmt::Debug {
    /// Bytes of the file read so far.
    fn set_position(&self, _bytes: u64) {}
    /// What is happening (counts so far, or waiting for the broker).
    fn set_message(&self, _message: String) {}
    /// The upload is over (successfully or not).
    fn finish(&self) {}
}

/// No progress reporting.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl UploadProgress for NoProgress {}

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
    /// The producer could not be created, refused a record, or records were not delivered.
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    /// The upload ledger.
    #[error("{0}")]
    Ledger(#[from] LedgerError),
    /// Writing the rejection report.
    #[error("rejection report {}: {source}", path.display())]
    Rejects {
        /// The report file.
        path: std::path::PathBuf,
        /// What failed.
        source: std::io::Error,
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
    /// Valid lines not produced because the ledger says they were delivered before (or an
    /// identical line came earlier in this upload).
    pub skipped: u64,
    /// Records delivered (0 on a dry run).
    pub delivered: u64,
    /// Per kind and per field, for the summary table.
    pub tally: Tally,
    /// What the reader had to do to the file's text (a CSV in Windows-1252 converted), with the
    /// fix for next time; the command prints it on stderr.
    pub encoding_note: Option<String>,
}

impl PublishStats {
    /// The one-line summary for stderr (the last line `publish` prints; scripts grep it).
    pub fn summary(&self, target: Option<&str>) -> String {
        let tail = match target {
            Some(t) if self.skipped > 0 => format!(
                "; {} delivered to {t}, {} already delivered earlier (skipped)",
                self.delivered, self.skipped
            ),
            Some(t) => format!("; {} delivered to {t}", self.delivered),
            None => "; dry run, nothing produced".to_owned(),
        };
        format!(
            "publish: {} line(s): {} accepted, {} rejected{tail}",
            self.lines, self.accepted, self.rejected
        )
    }
}

/// The idempotent producer of an upload (also used by `feedback`): records tagged with their
/// ledger entry come back from [`DeliveryProducer::take_acked`] once acknowledged.
pub(crate) type Sink = DeliveryProducer<LedgerEntry>;

impl Target {
    /// A producer to this target.
    pub(crate) fn producer(&self) -> Result<Sink, DeliveryError> {
        DeliveryProducer::new(&self.settings, &self.topic, self.delivery_timeout)
    }
}

/// Validates one upload line exactly as the pipeline's ingest stage does: the decoded event, or
/// the `event_id` (when readable) and every field error.
pub fn check_event(
    json: &[u8],
    kind: TopicKind,
) -> Result<InputEvent, (Option<String>, Vec<FieldError>)> {
    let event = vroeg_codec::decode_valid_input(json).map_err(|e| (e.event_id, e.errors))?;
    kind.check(&event).map_err(|problem| {
        let id = Some(event.event_id().to_owned());
        (id, vec![FieldError::new("event_type", problem)])
    })?;
    Ok(event)
}

/// `(sector, event_type)` for the summary; sector `-` where there is none.
fn kind_labels(event: &InputEvent) -> (&'static str, &'static str) {
    match event {
        InputEvent::Arrears(a) => (
            a.sector.as_str(),
            match a.event_type {
                ArrearsEventType::Arrears => "ARREARS",
                ArrearsEventType::Resolved => "RESOLVED",
            },
        ),
        InputEvent::Objection(o) => (
            "-",
            match o.event_type {
                ObjectionEventType::Objection => "OBJECTION",
                ObjectionEventType::ObjectionWithdrawn => "OBJECTION_WITHDRAWN",
                ObjectionEventType::ConsentGiven => "CONSENT_GIVEN",
                ObjectionEventType::ConsentWithdrawn => "CONSENT_WITHDRAWN",
            },
        ),
        InputEvent::Feedback(_) => ("-", "FEEDBACK"),
    }
}

/// The ledger entry of a valid event: its identity and a hash of its canonical JSON (the decoded
/// event re-encoded), so the same event uploaded as CSV or as JSON lines, with fields in another
/// order or a postcode spelled `3011 AB` or `3011AB`, is recognised as the same.
fn ledger_entry(event: &InputEvent) -> Result<LedgerEntry, serde_json::Error> {
    let (creditor, canonical) = match event {
        InputEvent::Arrears(a) => (a.creditor_id.as_str(), serde_json::to_vec(a)?),
        InputEvent::Objection(o) => (o.creditor_id.as_str(), serde_json::to_vec(o)?),
        InputEvent::Feedback(f) => (f.case_id.as_str(), serde_json::to_vec(f)?),
    };
    Ok(LedgerEntry::new(creditor, event.event_id(), &canonical))
}

/// How one upload runs.
#[derive(Debug)]
pub struct PublishOptions<'a> {
    /// CSV or JSON lines.
    pub format: UploadFormat,
    /// Arrears or objections.
    pub kind: TopicKind,
    /// Where accepted events go; `None`: a dry run.
    pub target: Option<&'a Target>,
    /// Events delivered before, skipped; updated with what this upload delivers. Ignored on a
    /// dry run.
    pub ledger: Option<Ledger>,
    /// The machine-readable rejection report.
    pub rejects: Option<RejectsFile>,
    /// Moved as the file is read ([`NoProgress`] when none is wanted).
    pub progress: &'a dyn UploadProgress,
}

/// Reads the upload from `input`, reports rejected lines to `report` (one line each) and to the
/// rejection report, and produces the accepted ones to the target, skipping those the ledger
/// knows as delivered.
pub fn publish(
    input: impl BufRead,
    opts: PublishOptions<'_>,
    report: &mut impl Write,
) -> Result<PublishStats, PublishError> {
    let PublishOptions {
        format,
        kind,
        target,
        ledger,
        mut rejects,
        progress,
    } = opts;
    let mut ledger = target.and(ledger);
    let result = read_and_send(
        input,
        format,
        kind,
        target,
        ledger.as_mut(),
        rejects.as_mut(),
        progress,
        report,
    );
    let (mut stats, sink) = match result {
        Ok(r) => r,
        Err(e) => {
            progress.finish();
            if let Some(r) = rejects {
                r.discard();
            }
            // What was acknowledged before the failure is already in the ledger (or is sent
            // again next time, which the pipeline's event_id idempotency absorbs).
            if let Some(l) = ledger {
                let _ = l.close();
            }
            return Err(e);
        }
    };
    report.flush()?;
    // The whole file has been judged: the rejection report is complete whatever the broker does.
    if let Some(r) = rejects {
        let path = r.path().to_owned();
        r.finish()
            .map_err(|source| PublishError::Rejects { path, source })?;
    }
    progress.set_message("waiting for the broker's delivery reports".to_owned());
    let delivered = match sink {
        Some(s) => {
            let (result, acked) = s.finish_tracked();
            if let Some(l) = ledger.as_mut() {
                l.record(&acked)?;
            }
            Some(result)
        }
        None => None,
    };
    progress.finish();
    if let Some(l) = ledger {
        l.close()?;
    }
    if let Some(d) = delivered {
        stats.delivered = d?;
    }
    Ok(stats)
}

fn count_kind(stats: &mut PublishStats, event: &InputEvent) {
    let (sector, kind) = kind_labels(event);
    *stats
        .tally
        .accepted_by_kind
        .entry((sector.to_owned(), kind.to_owned()))
        .or_default() += 1;
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

    fn dry_run(input: &str, format: UploadFormat) -> (PublishStats, String) {
        let mut report = Vec::new();
        let opts = PublishOptions {
            format,
            kind: TopicKind::Arrears,
            target: None,
            ledger: None,
            rejects: None,
            progress: &NoProgress,
        };
        let stats = publish(input.as_bytes(), opts, &mut report).unwrap();
        (stats, String::from_utf8(report).unwrap())
    }

    #[test]
    fn dry_run_reports_bad_lines_by_number() {
        let input = format!("{GOOD}\n\n{{\"event_id\":1}}\n{GOOD}\r\nnot json\n");
        let (stats, report) = dry_run(&input, UploadFormat::Jsonl);
        assert_eq!((stats.lines, stats.accepted, stats.rejected), (4, 2, 2));
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines.len(), 2, "{report}");
        assert!(lines[0].starts_with("line 3: rejected: "), "{report}");
        assert!(lines[1].starts_with("line 5: rejected: "), "{report}");
        assert_eq!(
            stats
                .tally
                .accepted_by_kind
                .get(&("HUUR".to_owned(), "RESOLVED".to_owned())),
            Some(&2)
        );
        assert_eq!(stats.tally.rejected_by_field.values().sum::<u64>(), 2);
    }

    #[test]
    fn wrong_topic_kind_is_rejected() {
        let e = check_event(GOOD.as_bytes(), TopicKind::Arrears).unwrap();
        assert_eq!(vroeg_kafka::keys::input_event_key(&e), "c/K1");
        let (id, errors) = check_event(GOOD.as_bytes(), TopicKind::Objections).unwrap_err();
        assert_eq!(id.as_deref(), Some("e1"));
        assert_eq!(errors[0].field, "event_type");
        assert!(
            errors[0].problem.contains("--topic-kind arrears"),
            "{errors:?}"
        );
    }

    #[test]
    fn the_same_event_in_another_spelling_has_the_same_ledger_entry() {
        let a = check_event(GOOD.as_bytes(), TopicKind::Arrears).unwrap();
        let respelled = GOOD
            .replace("3011 AB", "3011ab")
            .replace(r#""event_id":"e1","#, "");
        let respelled = respelled.replacen('{', r#"{"event_id":"e1","#, 1);
        let b = check_event(respelled.as_bytes(), TopicKind::Arrears).unwrap();
        assert_eq!(ledger_entry(&a).unwrap(), ledger_entry(&b).unwrap());
        let changed = GOOD.replace("K1", "K2");
        let c = check_event(changed.as_bytes(), TopicKind::Arrears).unwrap();
        let (ea, ec) = (ledger_entry(&a).unwrap(), ledger_entry(&c).unwrap());
        assert_eq!(ea.key, ec.key, "same creditor and event_id");
        assert_ne!(ea.content, ec.content);
    }
}
