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
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use vroeg_domain::messages::{FeedbackEvent, FieldError};

use vroeg_kafka::keys::feedback_key;

use crate::publish::{Rejection, RejectsFile, Target, strip_json_position, trim_line};
use crate::upload_format::{UploadFormat, split_fields};

/// The CSV columns of a feedback upload, in the documented order.
pub const FEEDBACK_COLUMNS: &[&str] = &[
    "event_id",
    "event_type",
    "case_id",
    "municipality_code",
    "occurred_at",
    "contact_attempt.soort",
    "contact_attempt.bereikt",
    "contact_attempt.datum",
    "contact_attempt.dagdeel",
    "resultaat",
];

const REQUIRED_COLUMNS: &[&str] = &["event_type", "case_id", "municipality_code"];

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

/// Checks a decoded event beyond the codec: `validate()` and the case id's form.
pub fn check_event(event: &FeedbackEvent) -> Result<(), String> {
    let mut problems: Vec<String> = match event.validate() {
        Ok(()) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    };
    if vroeg_domain::rules::case_household(&event.case_id).is_none() {
        problems.push(format!(
            "case_id: {:?} is not a case id vroegsignaal issued (cs_<key id>_<hash>_<n>)",
            event.case_id
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// One line's JSON object: fills in `event_id` (from `raw`) and `occurred_at` (`now`) when
/// absent, decodes strictly and checks it. The event, or the reason it is rejected.
pub(crate) fn check_object(
    mut object: Map<String, Value>,
    raw: &[u8],
    now: DateTime<Utc>,
) -> Result<FeedbackEvent, String> {
    if !object.contains_key("event_id") {
        object.insert("event_id".to_owned(), Value::String(line_event_id(raw)));
    }
    if !object.contains_key("occurred_at") {
        object.insert(
            "occurred_at".to_owned(),
            Value::String(now.to_rfc3339_opts(SecondsFormat::Secs, true)),
        );
    }
    let bytes = serde_json::to_vec(&Value::Object(object)).map_err(|e| e.to_string())?;
    let event = vroeg_codec::decode_feedback(&bytes).map_err(|e| e.to_string())?;
    check_event(&event)?;
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
/// use vroeg_domain::ddas::Eindresultaat;
/// use vroeg_domain::messages::{FeedbackEvent, FeedbackEventType};
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
    check_event(event).map_err(FeedbackError::Invalid)?;
    let value = encode(event).map_err(FeedbackError::Invalid)?;
    let Some(target) = target else {
        return Ok(0);
    };
    let mut sink = target.producer()?;
    sink.send(1, feedback_key(&event.case_id), &value, None)?;
    Ok(sink.finish()?)
}

/// A parsed feedback CSV header.
#[derive(Debug, Clone)]
struct Header {
    columns: Vec<&'static str>,
    delimiter: u8,
}

impl Header {
    fn parse(line: &str) -> Result<Header, String> {
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        let delimiter = if line.contains(';') && !line.contains(',') {
            b';'
        } else {
            b','
        };
        let mut columns = Vec::new();
        for raw in split_fields(line, delimiter)? {
            let name = raw.trim();
            let Some(col) = FEEDBACK_COLUMNS.iter().find(|k| **k == name) else {
                return Err(format!(
                    "unknown column {name:?} (a feedback upload has: {})",
                    FEEDBACK_COLUMNS.join(", ")
                ));
            };
            if columns.contains(col) {
                return Err(format!("column {name:?} appears twice"));
            }
            columns.push(*col);
        }
        let missing: Vec<&str> = REQUIRED_COLUMNS
            .iter()
            .copied()
            .filter(|r| !columns.contains(r))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "missing required column(s): {}",
                missing.join(", ")
            ));
        }
        Ok(Header { columns, delimiter })
    }

    fn row(&self, line: &str) -> Result<Map<String, Value>, String> {
        let fields = split_fields(line, self.delimiter)?;
        if fields.len() != self.columns.len() {
            return Err(format!(
                "expected {} fields as in the header, got {}",
                self.columns.len(),
                fields.len()
            ));
        }
        let mut root = Map::new();
        for (col, raw) in self.columns.iter().zip(fields) {
            if raw.is_empty() {
                continue;
            }
            let value = match (*col, raw.trim().to_ascii_lowercase().as_str()) {
                ("contact_attempt.bereikt", "true") => Value::Bool(true),
                ("contact_attempt.bereikt", "false") => Value::Bool(false),
                _ => Value::String(raw.into_owned()),
            };
            match col.split_once('.') {
                Some((parent, child)) => {
                    let entry = root
                        .entry(parent.to_owned())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(m) = entry {
                        m.insert(child.to_owned(), value);
                    }
                }
                None => {
                    root.insert((*col).to_owned(), value);
                }
            }
        }
        Ok(root)
    }
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
    let mut header: Option<Header> = None;
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
        let object = match std::str::from_utf8(line) {
            Err(_) if format == UploadFormat::Csv && header.is_none() => {
                return Err(FeedbackError::Header("not UTF-8".to_owned()));
            }
            Err(_) => Err("not UTF-8 text".to_owned()),
            Ok(text) => match format {
                UploadFormat::Jsonl => match serde_json::from_str::<Value>(text) {
                    Ok(Value::Object(m)) => Ok(m),
                    Ok(_) => Err("not a JSON object".to_owned()),
                    Err(e) => Err(e.to_string()),
                },
                UploadFormat::Csv => {
                    let Some(h) = &header else {
                        header = Some(Header::parse(text).map_err(FeedbackError::Header)?);
                        continue;
                    };
                    h.row(text)
                }
            },
        };
        let event_id = object
            .as_ref()
            .ok()
            .and_then(|o| o.get("event_id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let checked = object.and_then(|o| {
            // serde's position points into the re-encoded JSON, not the file: leave it out.
            let event = check_object(o, line, now).map_err(|r| strip_json_position(&r))?;
            let value = encode(&event)?;
            Ok((event, value))
        });
        stats.lines += 1;
        match checked {
            Ok((event, value)) => {
                stats.accepted += 1;
                if let Some(s) = sink.as_mut() {
                    s.send(line_no, feedback_key(&event.case_id), &value, None)?;
                }
            }
            Err(reason) => {
                stats.rejected += 1;
                let reason = reason.replace(['\n', '\r'], " ");
                writeln!(report, "line {line_no}: rejected: {reason}")?;
                if let Some(r) = rejects.as_deref_mut() {
                    r.write(&Rejection {
                        line: line_no,
                        event_id,
                        errors: field_errors(&reason),
                    })?;
                }
            }
        }
    }
    if format == UploadFormat::Csv && header.is_none() {
        return Err(FeedbackError::NoHeader);
    }
    report.flush()?;
    if let Some(s) = sink {
        stats.delivered = s.finish()?;
    }
    Ok(stats)
}

/// A rejection reason (`field: problem; field: problem`) as field errors; a part without a field
/// path belongs to the line as a whole (empty field).
fn field_errors(reason: &str) -> Vec<FieldError> {
    reason
        .split("; ")
        .map(|part| match part.split_once(": ") {
            Some((field, problem)) if !field.is_empty() && !field.contains(' ') => {
                FieldError::new(field, problem)
            }
            _ => FieldError::new("", part),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_become_field_errors() {
        assert_eq!(
            field_errors("contact_attempt.soort: unknown value; case_id: not a case id"),
            vec![
                FieldError::new("contact_attempt.soort", "unknown value"),
                FieldError::new("case_id", "not a case id")
            ]
        );
        assert_eq!(
            field_errors("not a JSON object"),
            vec![FieldError::new("", "not a JSON object")]
        );
    }

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
