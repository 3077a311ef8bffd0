//! What `publish` tells the creditor: the rejection report (`--rejects F`, machine-readable) and
//! the summary table on stderr.
//!
//! The rejection report carries, per rejected line, its line number, the `event_id` when one
//! could be read, and the field errors exactly as the pipeline's REJECTED decision would carry
//! them (`vroeg_domain::contract::messages::FieldError`: field path + problem). Never the line itself: an
//! upload line holds names, addresses and phone numbers, and the report is the kind of file that
//! gets mailed around. A problem may quote the offending value of that one field (e.g. the
//! postcode that is not a postcode), as the pipeline's own rejections do.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use vroeg_domain::contract::messages::FieldError;

/// One rejected line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Physical line number in the file (the CSV header is line 1).
    pub line: usize,
    /// The event's `event_id`, when it could be read.
    pub event_id: Option<String>,
    /// Every problem found; `field` is empty for the line as a whole.
    pub errors: Vec<FieldError>,
}

impl Rejection {
    /// The reason as one line of text (`field: problem; field: problem`).
    pub fn reason(&self) -> String {
        self.errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
            .replace(['\n', '\r'], " ")
    }
}

/// The columns of a CSV rejection report.
const REJECTS_COLUMNS: [&str; 4] = ["line", "event_id", "field", "problem"];

/// The rejection report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RejectsFormat {
    /// One JSON object per rejected line: `{"line":N,"event_id":..,"errors":[{"field","problem"}]}`.
    Jsonl,
    /// `line,event_id,field,problem`, one row per field error (a line with two problems has two
    /// rows).
    Csv,
}

impl RejectsFormat {
    /// CSV for a `.csv` file name, JSON lines otherwise.
    pub(crate) fn for_path(path: &Path) -> RejectsFormat {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            RejectsFormat::Csv
        } else {
            RejectsFormat::Jsonl
        }
    }
}

/// Writes the rejection report to a temporary file next to the target and renames it into
/// place when the whole upload has been read, so nobody reads half a report.
#[derive(Debug)]
pub struct RejectsFile {
    path: PathBuf,
    tmp: PathBuf,
    format: RejectsFormat,
    out: BufWriter<File>,
}

impl RejectsFile {
    /// Creates the temporary file.
    pub fn create(path: &Path) -> std::io::Result<RejectsFile> {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".partial");
        let tmp = path.with_file_name(name);
        let format = RejectsFormat::for_path(path);
        let mut out = BufWriter::with_capacity(1 << 16, File::create(&tmp)?);
        if format == RejectsFormat::Csv {
            vroeg_codec::csv::write_header(&mut out, &REJECTS_COLUMNS, false)
                .map_err(std::io::Error::other)?;
        }
        Ok(RejectsFile {
            path: path.to_owned(),
            tmp,
            format,
            out,
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one rejection.
    pub fn write(&mut self, r: &Rejection) -> std::io::Result<()> {
        match self.format {
            RejectsFormat::Jsonl => {
                serde_json::to_writer(&mut self.out, r)?;
                self.out.write_all(b"\n")
            }
            RejectsFormat::Csv => {
                let id = r.event_id.as_deref().unwrap_or_default();
                let line = r.line.to_string();
                for e in &r.errors {
                    vroeg_codec::csv::write_record(
                        &mut self.out,
                        [line.as_str(), id, e.field.as_str(), e.problem.as_str()],
                    )
                    .map_err(std::io::Error::other)?;
                }
                Ok(())
            }
        }
    }

    /// Flushes and moves the report into place.
    pub fn finish(mut self) -> std::io::Result<PathBuf> {
        self.out.flush()?;
        self.out.get_ref().sync_data()?;
        std::fs::rename(&self.tmp, &self.path)?;
        Ok(self.path)
    }

    /// Removes the temporary file (the upload failed before it was read to the end).
    pub fn discard(self) {
        let tmp = self.tmp.clone();
        drop(self);
        let _ = std::fs::remove_file(tmp);
    }
}

/// Everything the summary table shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Accepted lines per (sector, event_type); sector `-` for objections.
    pub accepted_by_kind: BTreeMap<(String, String), u64>,
    /// Rejected lines per field of their first error (`(line)` for the line as a whole).
    pub rejected_by_field: BTreeMap<String, u64>,
}

/// Where the upload went, for the summary.
#[derive(Debug, Clone)]
pub struct SummaryContext<'a> {
    /// The upload file as given.
    pub file: &'a str,
    /// The topic, `None` on a dry run.
    pub topic: Option<&'a str>,
    /// The rejection report, if one was written.
    pub rejects: Option<&'a Path>,
    /// The ledger, if one was used.
    pub ledger: Option<&'a Path>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// The human-readable summary table (for stderr), ending with a newline.
pub fn render_summary(stats: &super::PublishStats, ctx: &SummaryContext<'_>) -> String {
    let mut s = String::new();
    let secs = ctx.elapsed.as_millis().max(1);
    // Lines per second from whole milliseconds: integer arithmetic (no floats in this crate).
    let rate = u128::from(stats.lines) * 1000 / secs;
    let _ = writeln!(
        s,
        "publish summary: {} -> {}",
        ctx.file,
        ctx.topic
            .unwrap_or("(dry run: validated only, nothing produced)")
    );
    fn row(s: &mut String, label: &str, value: String, note: &str) {
        let line = format!("  {label:<18} {value:>12}   {note}");
        let _ = writeln!(s, "{}", line.trim_end());
    }
    row(&mut s, "lines read", stats.lines.to_string(), "");
    row(
        &mut s,
        "accepted",
        stats.accepted.to_string(),
        "valid events",
    );
    let listed = ctx
        .rejects
        .map(|p| format!("listed in {}", p.display()))
        .unwrap_or_else(|| "listed on stdout".to_owned());
    row(&mut s, "rejected", stats.rejected.to_string(), &listed);
    match ctx.topic {
        Some(topic) => {
            if let Some(l) = ctx.ledger {
                let note = format!("skipped, delivered before (ledger {})", l.display());
                row(
                    &mut s,
                    "already delivered",
                    stats.skipped.to_string(),
                    &note,
                );
            }
            let note = format!("acknowledged by the broker on {topic}");
            row(&mut s, "produced", stats.delivered.to_string(), &note);
        }
        None => row(
            &mut s,
            "produced",
            "0".to_owned(),
            "dry run: validated only",
        ),
    }
    let time = format!("{}.{} s", secs / 1000, secs % 1000 / 100);
    row(&mut s, "time", time, &format!("{rate} lines/s"));
    if !stats.tally.accepted_by_kind.is_empty() {
        let _ = writeln!(s, "  accepted by sector and event_type:");
        for ((sector, kind), n) in &stats.tally.accepted_by_kind {
            row(&mut s, &format!("  {sector}"), n.to_string(), kind);
        }
    }
    if !stats.tally.rejected_by_field.is_empty() {
        let _ = writeln!(s, "  rejected by field (the first problem of each line):");
        for (field, n) in &stats.tally.rejected_by_field {
            let _ = writeln!(s, "    {n:>8}   {field}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_quoted_per_error() {
        let dir = std::env::temp_dir().join(format!("vroeg-rejects-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.csv");
        let mut f = RejectsFile::create(&path).unwrap();
        f.write(&Rejection {
            line: 3,
            event_id: Some("e,1".to_owned()),
            errors: vec![
                FieldError::new("address.postcode", "not a postcode: \"30XX\""),
                FieldError::new("", "whole line"),
            ],
        })
        .unwrap();
        assert!(!path.exists(), "not in place before finish");
        f.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "line,event_id,field,problem\n\
             3,\"e,1\",address.postcode,\"not a postcode: \"\"30XX\"\"\"\n\
             3,\"e,1\",,whole line\n"
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn jsonl_rows_have_line_event_id_and_errors() {
        let r = Rejection {
            line: 7,
            event_id: None,
            errors: vec![FieldError::new("sector", "unknown")],
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"line":7,"event_id":null,"errors":[{"field":"sector","problem":"unknown"}]}"#
        );
        assert_eq!(r.reason(), "sector: unknown");
    }
}
