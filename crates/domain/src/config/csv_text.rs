//! CSV reading for the reference tables, on the `csv` crate (RFC 4180: a delimiter inside quotes
//! is data, `""` is a quote, a quoted field may span lines), like every other CSV read.
//!
//! The hot path (CBS's 8-million-line `pc6hnr` file) reuses one record buffer, so it allocates
//! nothing per line. Line ends are `\n` with an optional `\r`, which is trimmed off with the other
//! surrounding whitespace of each value; a UTF-8 byte-order mark is skipped. Line numbers are
//! physical lines, the header being line 1 when it is the first line.

use std::borrow::Cow;

/// The text without a leading byte-order mark.
pub(crate) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The records of a text, read one at a time into one reused buffer.
#[derive(Debug)]
pub(crate) struct Rows<'a> {
    csv: csv::Reader<&'a [u8]>,
    record: csv::StringRecord,
}

/// A reader of `text` (BOM skipped) with `delimiter`; no header handling: the caller reads the
/// header as the first record.
pub(crate) fn rows(text: &str, delimiter: u8) -> Rows<'_> {
    let csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        // `\n` only: a `\r` before it stays in the last value and is trimmed with the rest, and
        // the parser's line numbers stay exact (with `\r\n` as terminator a record ends at the
        // `\r` and the next one is reported a line early).
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(strip_bom(text).as_bytes());
    Rows {
        csv,
        record: csv::StringRecord::new(),
    }
}

impl Rows<'_> {
    /// The next record that is not blank, with the line it starts on. `Err` when the text is
    /// not valid CSV in UTF-8 (it cannot be otherwise for `&str` input), with the line.
    pub(crate) fn next_row(&mut self) -> Result<Option<(usize, &csv::StringRecord)>, String> {
        loop {
            match self.csv.read_record(&mut self.record) {
                Ok(false) => return Ok(None),
                Ok(true) => {}
                Err(e) => return Err(e.to_string()),
            }
            if is_blank(&self.record) {
                continue;
            }
            let line = self.record.position().map_or(0, csv::Position::line);
            let line = usize::try_from(line).unwrap_or(usize::MAX);
            return Ok(Some((line, &self.record)));
        }
    }
}

/// A single line's fields (for line-at-a-time callers such as the `pc6hnr` importer).
pub(crate) fn split_line(line: &str, delimiter: u8) -> csv::StringRecord {
    let mut rows = rows(line, delimiter);
    match rows.csv.read_record(&mut rows.record) {
        Ok(true) => rows.record,
        _ => csv::StringRecord::new(),
    }
}

/// Fields `columns` of one line, trimmed; `Err(field count)` when the line has too few. A line
/// without quotes is split at the delimiter directly — exactly what RFC 4180 makes of it — so the
/// line-at-a-time `pc6hnr` import (8 million lines) allocates nothing per line; a line with quotes
/// goes through the `csv` crate.
pub(crate) fn pick_line<'a, const N: usize>(
    line: &'a str,
    delimiter: u8,
    columns: [usize; N],
) -> Result<[Cow<'a, str>; N], usize> {
    let mut out: [Cow<'a, str>; N] = std::array::from_fn(|_| Cow::Borrowed(""));
    if !line.contains('"') {
        let mut count = 0;
        for (i, field) in line.split(char::from(delimiter)).enumerate() {
            count = i + 1;
            for (o, c) in out.iter_mut().zip(columns) {
                if c == i {
                    *o = Cow::Borrowed(field.trim());
                }
            }
        }
        return if columns.iter().all(|c| *c < count) {
            Ok(out)
        } else {
            Err(count)
        };
    }
    let record = split_line(line, delimiter);
    if columns.iter().any(|c| *c >= record.len()) {
        return Err(record.len());
    }
    for (o, c) in out.iter_mut().zip(columns) {
        *o = Cow::Owned(value(&record, c).to_owned());
    }
    Ok(out)
}

/// Whether a record holds nothing but whitespace (a blank line).
pub(crate) fn is_blank(record: &csv::StringRecord) -> bool {
    record.len() <= 1 && record.get(0).is_none_or(|f| f.trim().is_empty())
}

/// Field `i` without surrounding whitespace; `""` when the record is shorter.
pub(crate) fn value(record: &csv::StringRecord, i: usize) -> &str {
    record.get(i).map_or("", str::trim)
}

/// Fills `out[k]` with field `columns[k]`. `false` when the record has fewer fields than the
/// largest requested column.
pub(crate) fn pick<'a, const N: usize>(
    record: &'a csv::StringRecord,
    columns: [usize; N],
    out: &mut [&'a str; N],
) -> bool {
    if columns.iter().any(|c| *c >= record.len()) {
        return false;
    }
    for (o, c) in out.iter_mut().zip(columns) {
        *o = value(record, c);
    }
    true
}

/// The header's column names, normalised for matching: spaces removed, lower case.
pub(crate) fn header_names(record: &csv::StringRecord) -> Vec<String> {
    record
        .iter()
        .map(|f| f.trim().to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn all(text: &str, d: u8) -> Vec<(usize, Vec<String>)> {
        let mut r = rows(text, d);
        let mut out = Vec::new();
        while let Some((n, rec)) = r.next_row().unwrap() {
            out.push((n, rec.iter().map(|f| f.trim().to_owned()).collect()));
        }
        out
    }

    #[test]
    fn splits_quoted_fields() {
        let f = split_line(
            r#"0820,"Nuenen, Gerwen en Nederwetten",Noord-Brabant,30"#,
            b',',
        );
        assert_eq!(f.len(), 4);
        assert_eq!(value(&f, 1), "Nuenen, Gerwen en Nederwetten");
        assert_eq!(value(&split_line(r#""a ""b"" c""#, b','), 0), r#"a "b" c"#);
        let f = split_line("a;;c;", b';');
        assert_eq!(f.iter().collect::<Vec<_>>(), vec!["a", "", "c", ""]);
    }

    #[test]
    fn picks_columns_in_any_order() {
        let mut out = [""; 2];
        let rec = split_line(r#""5611AA";"1";x;"0772""#, b';');
        assert!(pick(&rec, [3, 0], &mut out));
        assert_eq!(out, ["0772", "5611AA"]);
        assert!(!pick(&split_line("a;b", b';'), [0, 2], &mut out));
    }

    #[test]
    fn line_picks_agree_with_and_without_quotes() {
        let plain = pick_line("5611AA; 1 ;x;0772", b';', [3, 0]).unwrap();
        let quoted = pick_line(r#""5611AA";"1";x;"0772""#, b';', [3, 0]).unwrap();
        assert_eq!(plain, quoted);
        assert_eq!(plain, [Cow::Borrowed("0772"), Cow::Borrowed("5611AA")]);
        assert_eq!(pick_line("a;b", b';', [0, 2]), Err(2));
        assert_eq!(pick_line(r#""a;b""#, b';', [1]), Err(1));
    }

    #[test]
    fn numbers_lines_and_drops_bom_and_cr() {
        let rows = all("\u{feff}h\r\na\r\n\r\n  \r\n\"b\r\nc\"\r\nd", b',');
        let lines: Vec<usize> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![1, 2, 5, 7]);
        assert_eq!(rows[0].1, vec!["h"]);
        assert_eq!(rows[2].1, vec!["b\r\nc"]);
    }
}
