//! Creditor status (`vroegsignaal status`): a creditor reads `vroeg.creditor-status.<creditor_id>`.
//!
//! Read like `tasks`: a consumer group (default `vroegsignaal-status-<creditor>`),
//! `auto.offset.reset=earliest`, offsets stored after a record was printed and committed every
//! half second and at the end; without `follow` the run ends after `idle` without a new record
//! (after joining), with `follow` when the stop flag is set. An identical record redelivered within
//! one run is shown once. Output: the contract's CreditorStatus JSON per line, or CSV with the
//! header `customer_ref,signal_id,status,at`; nothing beyond those values.

use std::collections::HashSet;
use std::io::Write;
use std::sync::atomic::AtomicBool;

use rdkafka::Message;
use vroeg_domain::contract::messages::CreditorStatus;
use vroeg_kafka::{GroupReadError, GroupReadOptions, read_as_group, undecodable_note};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFormat {
    /// The contract's CreditorStatus JSON, one per line.
    Json,
    /// CSV: `customer_ref,signal_id,status,at`.
    Csv,
}

/// The CSV columns.
pub const CSV_COLUMNS: [&str; 4] = ["customer_ref", "signal_id", "status", "at"];

/// What to read and how.
#[derive(Debug, Clone)]
pub struct StatusOptions {
    /// The topic, the group and when to stop.
    pub read: GroupReadOptions,
    /// Output format.
    pub format: StatusFormat,
    /// The output already has content (a CSV file appended to): no second header.
    pub output_has_content: bool,
}

/// Why the topic could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// Reading the topic as a group (client error, join timeout).
    #[error(transparent)]
    Read(#[from] GroupReadError),
    /// Writing the output.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Encoding a status for output.
    #[error("encoding a status: {0}")]
    Encode(String),
    /// Writing CSV.
    #[error(transparent)]
    Csv(#[from] vroeg_codec::csv::CsvError),
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

fn plain<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// One CSV row's cells: the four values, no more (written neutralised: a cell that a spreadsheet
/// would run as a formula gets a leading `'`).
pub fn csv_cells(s: &CreditorStatus) -> [String; 4] {
    [
        s.customer_ref.clone(),
        s.signal_id.clone(),
        plain(&s.status),
        plain(&s.at),
    ]
}

/// Reads the topic and prints each status once. `stop` ends a `follow` run; `diag` gets the
/// per-record warnings.
pub fn read_status(
    opts: &StatusOptions,
    stop: &AtomicBool,
    out: &mut impl Write,
    diag: &mut impl Write,
) -> Result<StatusStats, StatusError> {
    if opts.format == StatusFormat::Csv {
        vroeg_codec::csv::write_header(out, &CSV_COLUMNS, opts.output_has_content)?;
    }
    let mut stats = StatusStats::default();
    let mut seen: HashSet<(String, String, String)> = HashSet::new();
    let mut buf = Vec::with_capacity(512);
    read_as_group(&opts.read, stop, out, |m, out| -> Result<(), StatusError> {
        stats.records += 1;
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
                        StatusFormat::Csv => vroeg_codec::csv::write_record(out, csv_cells(&s))?,
                    }
                    stats.shown += 1;
                } else {
                    stats.duplicates += 1;
                }
            }
            Some(Err(e)) => {
                stats.undecodable += 1;
                writeln!(
                    diag,
                    "{}",
                    undecodable_note("status", "a CreditorStatus", m, &e.errors)
                )?;
            }
            None => {}
        }
        Ok(())
    })?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vroeg_domain::contract::messages::CreditorStatusValue;

    #[test]
    fn csv_rows_have_only_the_four_values_neutralised_and_one_header_per_file() {
        let s = CreditorStatus {
            creditor_id: "c".to_owned(),
            customer_ref: "=K,1".to_owned(),
            signal_id: "sig_1".to_owned(),
            status: CreditorStatusValue::NotPickedUp,
            at: "2026-10-20T10:00:00Z".parse().unwrap(),
        };
        let mut out = Vec::new();
        vroeg_codec::csv::write_header(&mut out, &CSV_COLUMNS, false).unwrap();
        vroeg_codec::csv::write_record(&mut out, csv_cells(&s)).unwrap();
        vroeg_codec::csv::write_header(&mut out, &CSV_COLUMNS, true).unwrap();
        vroeg_codec::csv::write_record(&mut out, csv_cells(&s)).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "customer_ref,signal_id,status,at\n\
             \"'=K,1\",sig_1,NOT_PICKED_UP,2026-10-20T10:00:00Z\n\
             \"'=K,1\",sig_1,NOT_PICKED_UP,2026-10-20T10:00:00Z\n"
        );
    }
}
