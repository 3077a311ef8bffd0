//! The little CSV reading the reference tables need, written by hand so that the hot path (CBS's
//! 8-million-line `pc6hnr` file) allocates nothing per line: fields are borrowed slices.
//!
//! Supported: a UTF-8 byte-order mark, `\n` and `\r\n` line ends, `;` or `,` as delimiter, fields
//! in double quotes (a delimiter inside quotes is data, `""` is a quote). Not supported: a line
//! break inside a quoted field, which none of these tables has.

use std::borrow::Cow;

/// The text without a leading byte-order mark, split into `(line number, line)` pairs, numbered
/// from 1, line ends removed. Blank lines are kept so that numbers stay true; callers skip them.
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines().enumerate().map(|(i, l)| (i + 1, l))
}

/// Whether a line holds nothing but whitespace.
pub(crate) fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// The raw fields of one line, quote-aware, borrowed from the line.
pub(crate) fn fields(line: &str, delimiter: u8) -> Fields<'_> {
    Fields {
        line,
        pos: 0,
        done: false,
        delimiter,
    }
}

/// Iterator behind [`fields`].
#[derive(Debug)]
pub(crate) struct Fields<'a> {
    line: &'a str,
    pos: usize,
    done: bool,
    delimiter: u8,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.done {
            return None;
        }
        let bytes = self.line.as_bytes();
        let start = self.pos;
        let mut in_quotes = false;
        let mut i = start;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'"' {
                in_quotes = !in_quotes;
            } else if b == self.delimiter && !in_quotes {
                self.pos = i + 1;
                // The delimiter is ASCII, so slicing at it keeps UTF-8 boundaries.
                return self.line.get(start..i);
            }
            i += 1;
        }
        self.done = true;
        self.line.get(start..)
    }
}

/// A field's value without surrounding whitespace and quotes, borrowed. `""` inside stays doubled;
/// use [`text`] where a field may contain quotes.
pub(crate) fn value(raw: &str) -> &str {
    let t = raw.trim();
    t.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .map_or(t, str::trim)
}

/// A field's value with `""` turned into `"`; allocates only when it has to.
pub(crate) fn text(raw: &str) -> Cow<'_, str> {
    let v = value(raw);
    if v.contains("\"\"") {
        Cow::Owned(v.replace("\"\"", "\""))
    } else {
        Cow::Borrowed(v)
    }
}

/// Fills `out[k]` with field `columns[k]` of `line`, in one pass. `false` when the line has fewer
/// fields than the largest requested column.
pub(crate) fn pick<'a, const N: usize>(
    line: &'a str,
    delimiter: u8,
    columns: [usize; N],
    out: &mut [&'a str; N],
) -> bool {
    let last = columns.iter().copied().max().unwrap_or(0);
    let mut found = 0;
    for (i, raw) in fields(line, delimiter).enumerate() {
        for (k, &c) in columns.iter().enumerate() {
            if c == i {
                out[k] = value(raw);
                found += 1;
            }
        }
        if i == last {
            break;
        }
    }
    found == N
}

/// The header's column names, normalised for matching: quotes and spaces removed, lower case.
pub(crate) fn header_names(line: &str, delimiter: u8) -> Vec<String> {
    fields(line, delimiter)
        .map(|raw| value(raw).to_ascii_lowercase())
        .collect()
}

/// The number of fields on a line.
pub(crate) fn count_fields(line: &str, delimiter: u8) -> usize {
    fields(line, delimiter).count()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_fields() {
        let f: Vec<&str> = fields(
            r#"0820,"Nuenen, Gerwen en Nederwetten",Noord-Brabant,30"#,
            b',',
        )
        .collect();
        assert_eq!(f.len(), 4);
        assert_eq!(value(f[1]), "Nuenen, Gerwen en Nederwetten");
        assert_eq!(text(r#""a ""b"" c""#), r#"a "b" c"#);
        let f: Vec<&str> = fields("a;;c;", b';').collect();
        assert_eq!(f, vec!["a", "", "c", ""]);
    }

    #[test]
    fn picks_columns_in_any_order() {
        let mut out = [""; 2];
        assert!(pick(r#""5611AA";"1";x;"0772""#, b';', [3, 0], &mut out));
        assert_eq!(out, ["0772", "5611AA"]);
        assert!(!pick("a;b", b';', [0, 2], &mut out));
    }

    #[test]
    fn numbers_lines_and_drops_bom_and_cr() {
        let lines: Vec<(usize, &str)> = numbered_lines("\u{feff}h\r\na\r\n\r\nb").collect();
        assert_eq!(lines, vec![(1, "h"), (2, "a"), (3, ""), (4, "b")]);
    }
}
