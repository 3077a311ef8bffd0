//! Reading an upload and judging each of its records: JSON lines as they are, CSV records through
//! the contract's one CSV mapping ([`vroeg_codec::csv`]), then the same steps for both (ledger,
//! send, report).

use std::io::{BufRead, Write};

use vroeg_codec::csv::{CsvError, CsvKind, CsvReader, Fill};
use vroeg_domain::contract::messages::InputEvent;
use vroeg_kafka::keys::input_event_key;

use super::{
    Ledger, PROGRESS_EVERY, PublishError, PublishStats, Rejection, RejectsFile, Seen, Sink, Target,
    UploadProgress, check_event, count_kind, ledger_entry, trim_line,
};
use crate::upload_format::{TopicKind, UploadFormat};

/// One upload's run: where accepted records go and where rejected ones are reported.
struct Judge<'a, W: Write> {
    sink: Option<Sink>,
    ledger: Option<&'a mut Ledger>,
    rejects: Option<&'a mut RejectsFile>,
    progress: &'a dyn UploadProgress,
    report: &'a mut W,
    stats: PublishStats,
    records: u64,
}

impl<W: Write> Judge<'_, W> {
    fn reject(&mut self, r: Rejection) -> Result<(), PublishError> {
        self.stats.lines += 1;
        self.stats.rejected += 1;
        let field = match r.errors.first() {
            Some(e) if !e.field.is_empty() => e.field.clone(),
            _ => "(line)".to_owned(),
        };
        *self.stats.tally.rejected_by_field.entry(field).or_default() += 1;
        writeln!(self.report, "line {}: rejected: {}", r.line, r.reason())?;
        if let Some(f) = self.rejects.as_deref_mut() {
            f.write(&r).map_err(|source| PublishError::Rejects {
                path: f.path().to_owned(),
                source,
            })?;
        }
        Ok(())
    }

    /// A valid event: skipped when the ledger knows it as delivered, rejected when the ledger
    /// knows its `event_id` with other content, otherwise counted and sent (`json`: its bytes).
    fn accept(&mut self, line: usize, event: &InputEvent, json: &[u8]) -> Result<(), PublishError> {
        let entry = match self.ledger.as_deref_mut() {
            Some(l) => {
                let entry = ledger_entry(event).map_err(std::io::Error::other)?;
                match l.check_and_claim(entry) {
                    Seen::New => Some(entry),
                    Seen::AlreadyDelivered => {
                        self.stats.lines += 1;
                        self.stats.accepted += 1;
                        self.stats.skipped += 1;
                        count_kind(&mut self.stats, event);
                        return Ok(());
                    }
                    Seen::Conflict => {
                        let problem = "this event_id was already delivered (by an earlier \
                                       upload or earlier in this file) with different content; \
                                       a changed event needs a new event_id";
                        return self.reject(Rejection {
                            line,
                            event_id: Some(event.event_id().to_owned()),
                            errors: vec![vroeg_domain::contract::messages::FieldError::new(
                                "event_id", problem,
                            )],
                        });
                    }
                }
            }
            None => None,
        };
        self.stats.lines += 1;
        self.stats.accepted += 1;
        count_kind(&mut self.stats, event);
        if let Some(s) = self.sink.as_mut() {
            s.send(line, &input_event_key(event), json, entry)?;
        }
        Ok(())
    }

    /// Progress every [`PROGRESS_EVERY`] records, and the ledger brought up to date with what the
    /// broker acknowledged so far.
    fn tick(&mut self, bytes: u64) -> Result<(), PublishError> {
        self.records += 1;
        if self.records.is_multiple_of(PROGRESS_EVERY) {
            self.progress.set_position(bytes);
            self.progress.set_message(format!(
                "{} accepted, {} rejected",
                self.stats.accepted, self.stats.rejected
            ));
            if let (Some(l), Some(s)) = (self.ledger.as_deref_mut(), self.sink.as_ref()) {
                l.record(&s.take_acked())?;
            }
        }
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)] // one private step of `publish`, its options unpacked
pub(super) fn read_and_send(
    input: impl BufRead,
    format: UploadFormat,
    kind: TopicKind,
    target: Option<&Target>,
    ledger: Option<&mut Ledger>,
    rejects: Option<&mut RejectsFile>,
    progress: &dyn UploadProgress,
    report: &mut impl Write,
) -> Result<(PublishStats, Option<Sink>), PublishError> {
    let mut judge = Judge {
        sink: target.map(Target::producer).transpose()?,
        ledger,
        rejects,
        progress,
        report,
        stats: PublishStats::default(),
        records: 0,
    };
    let bytes = match format {
        UploadFormat::Jsonl => read_jsonl(input, kind, &mut judge)?,
        UploadFormat::Csv => read_csv(input, kind, &mut judge)?,
    };
    judge.progress.set_position(bytes);
    Ok((judge.stats, judge.sink))
}

/// JSON lines: each non-blank line decoded and validated as the ingest stage does.
fn read_jsonl<W: Write>(
    mut input: impl BufRead,
    kind: TopicKind,
    judge: &mut Judge<'_, W>,
) -> Result<u64, PublishError> {
    let mut buf = Vec::with_capacity(4096);
    let (mut line_no, mut bytes) = (0usize, 0u64);
    loop {
        buf.clear();
        let n = input.read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(bytes);
        }
        bytes += n as u64;
        line_no += 1;
        judge.tick(bytes)?;
        let line = trim_line(&buf);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match check_event(line, kind) {
            Ok(event) => judge.accept(line_no, &event, line)?,
            Err((event_id, errors)) => judge.reject(Rejection {
                line: line_no,
                event_id,
                errors,
            })?,
        }
    }
}

/// CSV: records (a quoted field may span lines) mapped by the header to contract objects, every
/// problem of a record reported as field + rule, never the value.
fn read_csv<W: Write>(
    input: impl BufRead,
    kind: TopicKind,
    judge: &mut Judge<'_, W>,
) -> Result<u64, PublishError> {
    let csv_kind = match kind {
        TopicKind::Arrears => CsvKind::Arrears,
        TopicKind::Objections => CsvKind::Objections,
    };
    let mut reader = CsvReader::new(input, csv_kind).map_err(csv_error)?;
    while let Some(row) = reader.next_row().map_err(csv_error)? {
        judge.tick(reader.bytes_read())?;
        let line = usize::try_from(row.line).unwrap_or(usize::MAX);
        match reader.check(&row, &Fill::default()) {
            Ok(accepted) => judge.accept(line, &accepted.event, &accepted.json)?,
            Err(rejected) => judge.reject(Rejection {
                line,
                event_id: rejected.event_id.clone(),
                errors: rejected.field_errors(),
            })?,
        }
    }
    judge.stats.encoding_note = reader.encoding().note();
    Ok(reader.bytes_read())
}

fn csv_error(e: CsvError) -> PublishError {
    match e {
        CsvError::Io(e) => PublishError::Io(e),
        CsvError::Empty => PublishError::NoHeader,
        other => PublishError::Header(other.to_string()),
    }
}
