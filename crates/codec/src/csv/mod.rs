//! CSV: one more encoding of the contract's input messages, beside JSON and Avro
//! (`docs/UPLOADS.md`), and the one CSV writer for our own outputs.
//!
//! Reading ([`CsvReader`]): the `csv` crate's RFC 4180 parser, so quoted fields may hold the
//! delimiter, quotes and line breaks; a UTF-8 byte-order mark is skipped; `,` or `;` is taken
//! from the header line; Windows-1252 is converted and said so; each record carries the
//! physical line it starts on. [`Header::check`] maps a record to its contract event through one
//! column table for arrears, objections, consents and feedback, and reports **every** problem of
//! the line as a [`Problem`] (field + rule, never the value).
//!
//! Writing ([`CsvWriter`]): RFC 4180 quoting, the header once per file, cells that a spreadsheet
//! would run as a formula neutralised ([`neutralise`]).
//!
//! Pure like the rest of the crate: callers hand in a reader or writer; nothing here opens files.

mod columns;
mod map;
mod read;
mod text;
mod write;

#[cfg(test)]
mod tests;

use vroeg_domain::contract::messages::{FieldError, InputEvent};

pub use columns::{DATE_RULE, TIME_RULE, column_names};
pub use map::Header;
pub use read::{CsvReader, CsvRow, detect_delimiter};
pub use text::{SAVE_AS_UTF8, SourceEncoding};
pub use write::{CsvWriter, neutralise, write_header, write_record};

/// Which contract message a CSV upload holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CsvKind {
    /// ArrearsEvent (`vroeg.arrears.v1`).
    Arrears = 0,
    /// ObjectionEvent: objections and consents (`vroeg.objections.v1`).
    Objections = 1,
    /// FeedbackEvent (`vroeg.feedback.v1`).
    Feedback = 2,
}

impl CsvKind {
    /// The kind a header's column names point to: `case_id` means feedback, any arrears-only
    /// column (`sector`, amounts, flags, `person.*`) means arrears, anything else objections.
    pub fn detect<S: AsRef<str>>(names: &[S]) -> CsvKind {
        let has = |kind: CsvKind, other: CsvKind| {
            names.iter().any(|n| {
                let n = n.as_ref().trim().to_ascii_lowercase();
                columns::find(&n, kind).is_some() && columns::find(&n, other).is_none()
            })
        };
        if has(CsvKind::Feedback, CsvKind::Arrears) {
            CsvKind::Feedback
        } else if has(CsvKind::Arrears, CsvKind::Objections) {
            CsvKind::Arrears
        } else {
            CsvKind::Objections
        }
    }

    fn article(self) -> &'static str {
        match self {
            CsvKind::Arrears => "an arrears",
            CsvKind::Objections => "an objections",
            CsvKind::Feedback => "a feedback",
        }
    }
}

/// One problem of one line: the field (contract path; empty for the line as a whole) and the
/// rule it breaks. Never the value: uploads carry personal data and reports get mailed around.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    /// Contract field path, e.g. `address.postcode`; empty for the line as a whole.
    pub field: String,
    /// What the field must be, e.g. `expected a date like 2026-09-01`.
    pub rule: String,
}

impl Problem {
    /// A problem of `field`.
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Problem {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.rule)
        } else {
            write!(f, "{}: {}", self.field, self.rule)
        }
    }
}

/// The rejection report's form (`FieldError {field, problem}`, also the REJECTED decision's).
impl From<Problem> for FieldError {
    fn from(p: Problem) -> Self {
        FieldError::new(p.field, p.rule)
    }
}

/// Values the caller supplies for a line that leaves a field empty or out. Feedback uploads use
/// it for `event_id` (derived from [`CsvRow::raw`]) and `occurred_at` (the time of the upload);
/// creditor uploads pass `Fill::default()`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fill {
    /// Used when `event_id` is empty or not a column.
    pub event_id: Option<String>,
    /// Used when `occurred_at` is empty or not a column (RFC 3339).
    pub occurred_at: Option<String>,
}

/// A line that maps to a valid contract event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The decoded, validated event.
    pub event: InputEvent,
    /// Its contract JSON as made from the line (what `publish` produces as the record value).
    pub json: Vec<u8>,
}

/// A line that does not, with every problem it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The line's `event_id` cell when filled in (or the [`Fill`] one), for the report.
    pub event_id: Option<String>,
    /// Every problem, cells in column order first, then problems across fields.
    pub problems: Vec<Problem>,
}

impl Rejected {
    /// The problems in the rejection report's form.
    pub fn field_errors(&self) -> Vec<FieldError> {
        self.problems
            .iter()
            .cloned()
            .map(FieldError::from)
            .collect()
    }
}

/// Why a CSV file cannot be read or written at all (as opposed to a line being rejected).
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// The bytes are not CSV text we can read.
    #[error("the file is {what}, not CSV text: {}", text::SAVE_AS_UTF8)]
    NotText {
        /// What it looks like instead.
        what: &'static str,
    },
    /// The header line is unusable.
    #[error("line 1 (CSV header): {0}")]
    Header(String),
    /// No header line.
    #[error("the CSV file is empty: it needs a header line (docs/UPLOADS.md)")]
    Empty,
    /// The caller's reader or writer failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<::csv::Error> for CsvError {
    fn from(e: ::csv::Error) -> Self {
        match e.into_kind() {
            ::csv::ErrorKind::Io(io) => CsvError::Io(io),
            // Byte records, flexible rows and no serde: any other kind is the writer's
            // bookkeeping failing; keep its words.
            other => CsvError::Io(std::io::Error::other(format!("{other:?}"))),
        }
    }
}
