//! Streaming CSV records with their physical line numbers and their own bytes.

use std::io::{BufRead, Read};

use super::map::Header;
use super::text::{Decided, SourceEncoding, refuse_by_signature};
use super::{Accepted, CsvError, CsvKind, Fill, Problem, Rejected};

const BOM: &[u8] = b"\xef\xbb\xbf";

/// The delimiter a header line uses: `;` when it has more semicolons than commas outside quotes
/// (Excel with a Dutch locale writes `;`, because `,` is the decimal separator), else `,`.
pub fn detect_delimiter(header: &[u8]) -> u8 {
    let line = header.split(|b| *b == b'\n').next().unwrap_or_default();
    let (mut quoted, mut semi, mut comma) = (false, 0usize, 0usize);
    for b in line {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => semi += 1,
            b',' if !quoted => comma += 1,
            _ => {}
        }
    }
    if semi > comma { b';' } else { b',' }
}

/// One record of the file: where it starts, its bytes and its fields as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    /// The physical line it starts on, as an editor numbers lines (the header is line 1; a
    /// quoted field with line breaks makes the next record start further down).
    pub line: u64,
    /// The record's bytes as in the file, without its line end (for ids derived from the line).
    pub raw: Vec<u8>,
    /// Its fields as UTF-8 text, or why the record cannot be read as text.
    pub cells: Result<Vec<String>, Problem>,
}

/// Remembers the bytes the CSV parser pulls, so that each record's own bytes can be handed out
/// (the parser only reports offsets). Holds at most one record plus one read-ahead buffer.
#[derive(Debug)]
struct Tee<R> {
    inner: R,
    seen: Vec<u8>,
    /// The file offset (after a BOM) of `seen[0]`.
    base: u64,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen
            .extend_from_slice(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

impl<R> Tee<R> {
    /// Everything up to `end` (a file offset) not handed out before, split at `start` (where
    /// the parser says the record begins), forgetting it all.
    fn take(&mut self, start: u64, end: u64) -> (Vec<u8>, Vec<u8>) {
        let at = |offset: u64, len: usize| {
            usize::try_from(offset.saturating_sub(self.base)).map_or(len, |o| o.min(len))
        };
        let to = at(end, self.seen.len());
        let from = at(start, to);
        let before = self.seen.get(..from).unwrap_or_default().to_vec();
        let record = self.seen.get(from..to).unwrap_or_default().to_vec();
        self.seen.drain(..to);
        self.base += to as u64;
        (before, record)
    }
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|b| **b == b'\n').count() as u64
}

/// The records of a CSV input, header excluded, blank records skipped.
#[derive(Debug)]
struct Records<R> {
    csv: ::csv::Reader<Tee<R>>,
    record: ::csv::ByteRecord,
    decided: Decided,
    bom: u64,
    /// Line breaks before the next unread byte: our own count, because the parser's record
    /// position is one line short after a `\r\n` (it ends the record at the `\r`).
    newlines: u64,
}

impl<R: Read> Records<R> {
    fn next_row(&mut self) -> Result<Option<CsvRow>, CsvError> {
        loop {
            if !self.csv.read_byte_record(&mut self.record)? {
                return Ok(None);
            }
            let start = self.record.position().map_or(0, ::csv::Position::byte);
            let end = self.csv.position().byte();
            let (before, record) = self.csv.get_mut().take(start, end);
            // The record proper starts after any line ends left over from before it.
            let skip = record
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
            let (lead, raw) = record.split_at(skip);
            self.newlines += newlines(&before) + newlines(lead);
            let line = self.newlines + 1;
            self.newlines += newlines(raw);
            let raw = raw.trim_ascii_end().to_vec();
            self.decided.observe(&raw)?;
            // Blank lines, and Excel's rows of nothing but delimiters (`;;;;`, left behind by
            // cells that were once formatted), are skipped: neither accepted nor rejected.
            if self.record.iter().all(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            let decided = self.decided;
            let cells = self
                .record
                .iter()
                .map(|f| decided.field(f))
                .collect::<Result<Vec<String>, _>>()
                .map_err(|rule| Problem::new("", rule));
            return Ok(Some(CsvRow { line, raw, cells }));
        }
    }
}

/// An upload in CSV, read record by record (streaming: memory holds one record).
///
/// The first non-blank record is the header; it decides the delimiter (`,` or `;`) and which
/// contract field each column fills. A UTF-8 byte-order mark is skipped; Windows-1252 is
/// converted (see [`CsvReader::encoding`]); workbooks, UTF-16 and binary data are refused with
/// the fix ([`CsvError::NotText`]).
#[derive(Debug)]
pub struct CsvReader<R> {
    records: Records<R>,
    header: Header,
}

impl<R: BufRead> CsvReader<R> {
    /// Reads and checks the header of an upload of `kind`.
    pub fn new(mut input: R, kind: CsvKind) -> Result<Self, CsvError> {
        let head = input.fill_buf()?;
        refuse_by_signature(head)?;
        let bom = if head.starts_with(BOM) {
            input.consume(BOM.len());
            BOM.len() as u64
        } else {
            0
        };
        let delimiter = detect_delimiter(input.fill_buf()?);
        let csv = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(Tee {
                inner: input,
                seen: Vec::new(),
                base: 0,
            });
        let mut records = Records {
            csv,
            record: ::csv::ByteRecord::new(),
            decided: Decided::default(),
            bom,
            newlines: 0,
        };
        let Some(first) = records.next_row()? else {
            return Err(CsvError::Empty);
        };
        let names = first.cells.map_err(|p| CsvError::Header(p.rule))?;
        let header = Header::parse(&names, kind, delimiter)?;
        Ok(CsvReader { records, header })
    }
}

impl<R: Read> CsvReader<R> {
    /// The next data record, `None` at the end. An `Err` ends the file (the input failed or
    /// turned out not to be text); problems of one record are in its [`CsvRow::cells`] or come
    /// from [`CsvReader::check`].
    pub fn next_row(&mut self) -> Result<Option<CsvRow>, CsvError> {
        self.records.next_row()
    }

    /// Maps a record to its contract event, or every problem it has (see [`Header::check`]).
    pub fn check(&self, row: &CsvRow, fill: &Fill) -> Result<Accepted, Rejected> {
        self.header.check(row, fill)
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The file's encoding as far as read (UTF-8 until a record shows otherwise).
    pub fn encoding(&self) -> SourceEncoding {
        self.records.decided.encoding()
    }

    /// Bytes of the file consumed so far, BOM included (for a progress bar).
    pub fn bytes_read(&self) -> u64 {
        self.records.bom + self.records.csv.position().byte()
    }
}

impl<R: Read> Iterator for CsvReader<R> {
    type Item = Result<CsvRow, CsvError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().transpose()
    }
}
