//! The one CSV writer for our outputs (rejection reports, `status --format csv`).

use std::borrow::Cow;
use std::io::Write;

use super::CsvError;

/// A cell as it is safe to open in a spreadsheet: one that Excel, LibreOffice or Google Sheets
/// would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a
/// leading `'`, OWASP's advice against CSV injection. Our outputs echo creditor-supplied text
/// (ids, references), so a hostile `=HYPERLINK(..)` must reach the reader as text.
///
/// A plain number (`-12.50`, `+3`: an optional sign, digits, at most one `.`) is left alone: a
/// spreadsheet reads it as a number, never as a formula, and a `'` would turn it into text
/// (DECISIONS D34).
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let risky = matches!(
        cell.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    if risky && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn is_plain_number(cell: &str) -> bool {
    let body = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// A CSV writer: `,`-delimited, `\n` line ends, fields quoted only when they need it (RFC 4180),
/// every cell neutralised. The header is written once per file: only when the output is empty,
/// so appending to an existing file keeps one header.
#[derive(Debug)]
pub struct CsvWriter<W: Write> {
    csv: ::csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    /// A writer to `out`; writes `header` unless `has_content` (the file already has lines,
    /// e.g. opened for appending: `metadata().len() > 0`).
    pub fn new(out: W, header: &[&str], has_content: bool) -> Result<Self, CsvError> {
        let mut csv = ::csv::WriterBuilder::new().from_writer(out);
        if !has_content {
            csv.write_record(header)?;
        }
        Ok(CsvWriter { csv })
    }

    /// Writes one row, each cell neutralised.
    pub fn write_row<I, T>(&mut self, row: I) -> Result<(), CsvError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let cells: Vec<String> = row
            .into_iter()
            .map(|c| neutralise(c.as_ref()).into_owned())
            .collect();
        self.csv.write_record(&cells)?;
        Ok(())
    }

    /// The output (e.g. to `sync_data` a file after [`CsvWriter::flush`]).
    pub fn get_ref(&self) -> &W {
        self.csv.get_ref()
    }

    /// Writes out everything buffered.
    pub fn flush(&mut self) -> Result<(), CsvError> {
        self.csv.flush()?;
        Ok(())
    }

    /// Flushes and hands back the output.
    pub fn into_inner(self) -> Result<W, CsvError> {
        self.csv
            .into_inner()
            .map_err(|e| CsvError::Io(std::io::Error::other(e.error().to_string())))
    }
}

/// Writes one record, cells neutralised, with its `\n`, straight to `out`: for callers that hand
/// rows to a writer they do not own (a closure per message). Pair with [`write_header`].
pub fn write_record<I, T>(out: &mut impl Write, row: I) -> Result<(), CsvError>
where
    I: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    let mut csv = ::csv::WriterBuilder::new()
        .buffer_capacity(256)
        .from_writer(out);
    let cells: Vec<String> = row
        .into_iter()
        .map(|c| neutralise(c.as_ref()).into_owned())
        .collect();
    csv.write_record(&cells)?;
    csv.flush()?;
    Ok(())
}

/// Writes `header` (as is: our own column names) unless the output already has content, so a
/// file appended to keeps one header.
pub fn write_header(
    out: &mut impl Write,
    header: &[&str],
    has_content: bool,
) -> Result<(), CsvError> {
    if has_content {
        return Ok(());
    }
    let mut csv = ::csv::WriterBuilder::new()
        .buffer_capacity(256)
        .from_writer(out);
    csv.write_record(header)?;
    csv.flush()?;
    Ok(())
}
