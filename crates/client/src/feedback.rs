//! Municipal feedback (`vroegsignaal feedback`): a municipality records a contact attempt or a case result for a case,
//! produced to `vroeg.feedback.v1` (key `case_id`, value the contract's FeedbackEvent JSON).
//!
//! - One event from the command line ([`record`]), or many from a CSV or JSON-lines file
//!   ([`upload`]), reported line by line like `publish`: `line N: rejected: reason` on the report
//!   writer, the run goes on.
//! - `event_id`, when absent, is derived from the line's own bytes (a SHA-256 prefix), so
//!   uploading the same file twice produces the same event ids: the pipeline applies them once.
//!   From the command line it is random-like (time, process id and content hashed).
//! - `occurred_at`, when absent, is the time of the run.
//! - Each event is checked with the codec's strict decoder, `FeedbackEvent::validate()`, and the
//!   one existence check a municipality can do offline: the case id must have the form
//!   vroegsignaal issues (`cs_<key id>_<hash>_<n>`).
//! - Producing: the idempotent producer of `publish`; returns after every delivery report.

use std::io::{BufRead, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use vroeg_domain::contract::messages::{FeedbackEvent, FieldError};

use vroeg_kafka::keys::feedback_key;

use vroeg_codec::csv::{CsvError, CsvKind, CsvReader, Fill};
use vroeg_domain::contract::messages::InputEvent;

use crate::publish::{Rejection, RejectsFile, Target, trim_line};
use crate::upload_format::UploadFormat;

/// Why feedback could not be recorded (as opposed to lines being rejected).
#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    /// Reading the file or writing the report.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Producing (the producer, or deliveries).
    #[error(transparent)]
    Delivery(#[from] vroeg_kafka::DeliveryError),
    /// The CSV header is unusable.
    #[error("line 1 (CSV header): {0}")]
    Header(String),
    /// The file has no CSV header.
    #[error("the CSV file is empty: it needs a header line (docs/UPLOADS.md)")]
    NoHeader,
    /// The single event given on the command line is invalid.
    #[error("invalid feedback: {0}")]
    Invalid(String),
}

/// What the run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedbackStats {
    /// Non-blank lines that were events (the CSV header not counted).
    pub lines: u64,
    /// Valid lines.
    pub accepted: u64,
    /// Invalid lines.
    pub rejected: u64,
    /// Records delivered (0 on a dry run).
    pub delivered: u64,
}

impl FeedbackStats {
    /// The one-line summary for stderr.
    pub fn summary(&self, target: Option<&str>) -> String {
        let tail = match target {
            Some(t) => format!("; {} delivered to {t}", self.delivered),
            None => "; dry run, nothing produced".to_owned(),
        };
        format!(
            "feedback: {} event(s): {} accepted, {} rejected{tail}",
            self.lines, self.accepted, self.rejected
        )
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The event id of a file line without one: `fb-` and 32 hex digits of SHA-256 of the line.
pub fn line_event_id(line: &[u8]) -> String {
    let digest = Sha256::digest(line);
    format!("fb-{}", hex(&digest[..16]))
}

/// A random-like UUID-shaped id for an event given on the command line.
pub fn fresh_event_id(seed: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let digest = Sha256::digest(format!("{seed}|{nanos}|{}", std::process::id()).as_bytes());
    let h = hex(&digest[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Checks a decoded event beyond the codec: `validate()` and the case id's form. Every problem,
/// each as field + rule (never the value).
pub fn check_event(event: &FeedbackEvent) -> Result<(), Vec<FieldError>> {
    let mut problems = event.validate().err().unwrap_or_default();
    if vroeg_domain::rules::case_household(&event.case_id).is_none() {
        problems.push(FieldError::new(
            "case_id",
            "not a case id vroegsignaal issued (cs_<key id>_<hash>_<n>)",
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// One JSON line: fills in `event_id` (from `raw`) and `occurred_at` (`now`) when absent,
/// decodes strictly and checks it. The event, or the `event_id` (when readable) and every problem.
fn check_json_line(
    raw: &[u8],
    now: DateTime<Utc>,
) -> Result<FeedbackEvent, (Option<String>, Vec<FieldError>)> {
    let whole = |problem: &str| (None, vec![FieldError::new("", problem)]);
    let mut object = match serde_json::from_slice::<Value>(raw) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Err(whole("not a JSON object")),
        Err(_) => return Err(whole("not JSON text")),
    };
    if !object.contains_key("event_id") {
        object.insert("event_id".to_owned(), Value::String(line_event_id(raw)));
    }
    if !object.contains_key("occurred_at") {
        object.insert(
            "occurred_at".to_owned(),
            Value::String(now.to_rfc3339_opts(SecondsFormat::Secs, true)),
        );
    }
    let event_id = object
        .get("event_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let bytes =
        serde_json::to_vec(&Value::Object(object)).map_err(|_| whole("not a JSON object"))?;
    let event = vroeg_codec::decode_feedback(&bytes).map_err(|e| {
        // The decoder's text may quote the value and points into the re-encoded JSON, not the
        // file: name the field and the rule only (contract 1.1).
        let errors = e
            .errors
            .into_iter()
            .map(|e| {
                let rule = if e.problem.starts_with("missing field") {
                    "required"
                } else {
                    "not a valid value here"
                };
                FieldError::new(e.field, rule)
            })
            .collect();
        (event_id.clone(), errors)
    })?;
    check_event(&event).map_err(|errors| (event_id, errors))?;
    Ok(event)
}

fn encode(event: &FeedbackEvent) -> Result<Vec<u8>, String> {
    let mut buf = Vec::with_capacity(256);
    vroeg_codec::encode_json(event, &mut buf).map_err(|e| e.to_string())?;
    Ok(buf)
}

/// Records one event given on the command line: checked, then produced to `target` (none: a
/// dry run). An invalid event is an error. Returns the number of records delivered.
///
/// ```no_run
/// use std::time::Duration;
/// use vroeg_client::feedback::{fresh_event_id, record};
/// use vroeg_client::publish::Target;
/// use vroeg_client::{ClientSettings, Topics};
/// use vroeg_domain::reporting::ddas::Eindresultaat;
/// use vroeg_domain::contract::messages::{FeedbackEvent, FeedbackEventType};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let case_id = "cs_k1_0123abcd_1".to_owned(); // from the outreach task
/// let event = FeedbackEvent {
///     event_id: fresh_event_id(&case_id),
///     case_id,
///     municipality_code: "0518".parse()?,
///     occurred_at: chrono::DateTime::UNIX_EPOCH,
///     event_type: FeedbackEventType::CaseResult,
///     contact_attempt: None,
///     resultaat: Eindresultaat::parse("Vervolghulp en/of verwijzing financieel"),
/// };
/// let target = Target {
///     settings: ClientSettings::new("kafka.example.nl:9092"),
///     topic: Topics::default().feedback(),
///     delivery_timeout: Duration::from_secs(60),
/// };
/// record(&event, Some(&target))?;
/// # Ok(())
/// # }
/// ```
pub fn record(event: &FeedbackEvent, target: Option<&Target>) -> Result<u64, FeedbackError> {
    check_event(event).map_err(|errors| FeedbackError::Invalid(reason(&errors)))?;
    let value = encode(event).map_err(FeedbackError::Invalid)?;
    let Some(target) = target else {
        return Ok(0);
    };
    let mut sink = target.producer()?;
    sink.send(1, feedback_key(&event.case_id), &value, None)?;
    Ok(sink.finish()?)
}

/// Problems as one line of text (`field: rule; field: rule`), for display only.
fn reason(errors: &[FieldError]) -> String {
    Rejection {
        line: 0,
        event_id: None,
        errors: errors.to_vec(),
    }
    .reason()
}

/// Reads a feedback file from `input`, reports rejected lines to `report` (and, machine-readable,
/// to `rejects`, the same report `publish --rejects` writes), and produces the accepted events to
/// `target` (none: a dry run). `now` is the `occurred_at` of lines without one.
pub fn upload(
    input: impl BufRead,
    format: UploadFormat,
    target: Option<&Target>,
    now: DateTime<Utc>,
    report: &mut impl Write,
    mut rejects: Option<&mut RejectsFile>,
) -> Result<FeedbackStats, FeedbackError> {
    let mut sink = target.map(Target::producer).transpose()?;
    let mut stats = FeedbackStats::default();
    let mut judge = |line: usize,
                     checked: Result<FeedbackEvent, (Option<String>, Vec<FieldError>)>|
     -> Result<(), FeedbackError> {
        stats.lines += 1;
        match checked.and_then(|event| {
            let value = encode(&event).map_err(|p| (None, vec![FieldError::new("", &p)]))?;
            Ok((event, value))
        }) {
            Ok((event, value)) => {
                stats.accepted += 1;
                if let Some(s) = sink.as_mut() {
                    s.send(line, feedback_key(&event.case_id), &value, None)?;
                }
            }
            Err((event_id, errors)) => {
                stats.rejected += 1;
                let r = Rejection {
                    line,
                    event_id,
                    errors,
                };
                writeln!(report, "line {line}: rejected: {}", r.reason())?;
                if let Some(f) = rejects.as_deref_mut() {
                    f.write(&r)?;
                }
            }
        }
        Ok(())
    };
    match format {
        UploadFormat::Jsonl => {
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
                judge(line_no, check_json_line(line, now))?;
            }
        }
        UploadFormat::Csv => {
            let mut reader = CsvReader::new(input, CsvKind::Feedback).map_err(csv_error)?;
            let occurred_at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
            while let Some(row) = reader.next_row().map_err(csv_error)? {
                let fill = Fill {
                    event_id: Some(line_event_id(&row.raw)),
                    occurred_at: Some(occurred_at.clone()),
                };
                let checked = match reader.check(&row, &fill) {
                    Ok(a) => match a.event {
                        InputEvent::Feedback(event) => Ok(event),
                        _ => Err((None, vec![FieldError::new("event_type", "not feedback")])),
                    },
                    Err(r) => Err((r.event_id.clone(), r.field_errors())),
                };
                judge(usize::try_from(row.line).unwrap_or(usize::MAX), checked)?;
            }
        }
    }
    report.flush()?;
    if let Some(s) = sink {
        stats.delivered = s.finish()?;
    }
    Ok(stats)
}

fn csv_error(e: CsvError) -> FeedbackError {
    match e {
        CsvError::Io(e) => FeedbackError::Io(e),
        CsvError::Empty => FeedbackError::NoHeader,
        other => FeedbackError::Header(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASE: &str = "cs_dev_ezdaj6n4zokhdiljjedwq4jidcmjzbtb_1";

    fn now() -> DateTime<Utc> {
        "2026-10-20T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn csv_rows_fill_in_ids_and_report_bad_lines() {
        let input = format!(
            "event_type,case_id,municipality_code,contact_attempt.soort,contact_attempt.bereikt,contact_attempt.datum,resultaat\n\
             CONTACT_ATTEMPT,{CASE},0518,Telefoon,true,2026-10-20,\n\
             CONTACT_ATTEMPT,{CASE},0518,Fax,true,2026-10-20,\n\
             CASE_RESULT,nope,0518,,,,Inwoner is overleden\n"
        );
        let mut report = Vec::new();
        let stats = upload(
            input.as_bytes(),
            UploadFormat::Csv,
            None,
            now(),
            &mut report,
            None,
        )
        .unwrap();
        assert_eq!((stats.lines, stats.accepted, stats.rejected), (3, 1, 2));
        let report = String::from_utf8(report).unwrap();
        assert!(report.contains("line 3: rejected: "), "{report}");
        assert!(report.contains("line 4: rejected: case_id"), "{report}");
        assert!(!report.contains("column"), "{report}");
    }

    #[test]
    fn event_ids_are_deterministic_per_line() {
        assert_eq!(line_event_id(b"a"), line_event_id(b"a"));
        assert_ne!(line_event_id(b"a"), line_event_id(b"b"));
        assert_eq!(fresh_event_id("x").len(), 36);
    }
}
