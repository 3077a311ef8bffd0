//! Which character encoding an upload is in, decided as it streams (DECISIONS D34).
//!
//! UTF-8 (with or without a byte-order mark) is the form we ask for. Excel's plain "CSV" export
//! on a Dutch Windows is Windows-1252, and refusing it would send most spreadsheet users back
//! to redo their export, so it is converted. The decision is taken at the first record that has
//! a byte above ASCII: valid UTF-8 there means UTF-8, anything else Windows-1252. Up to that
//! record every byte was ASCII, which both encodings read alike, so records already handed out
//! never change meaning. What is neither (a workbook, UTF-16, bytes Windows-1252 does not
//! define) is refused with the fix.

use encoding_rs::WINDOWS_1252;

use super::CsvError;

/// The fix we tell people, word for word, whenever the bytes are not usable text.
pub const SAVE_AS_UTF8: &str =
    "open it in Excel and choose File > Save As > \"CSV UTF-8 (comma delimited) (*.csv)\"";

/// The encoding an upload turned out to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceEncoding {
    /// UTF-8 (pure ASCII counts as UTF-8).
    #[default]
    Utf8,
    /// Windows-1252, converted to UTF-8 record by record.
    Windows1252,
}

impl SourceEncoding {
    /// A note for the uploader when the file was converted; `None` for UTF-8.
    pub fn note(self) -> Option<String> {
        match self {
            SourceEncoding::Utf8 => None,
            SourceEncoding::Windows1252 => Some(format!(
                "the file is not UTF-8 but Windows-1252 (Excel's plain \"CSV\" export); it was \
                 converted. To be sure every accented letter arrives as meant, {SAVE_AS_UTF8}"
            )),
        }
    }
}

/// Bytes that Windows-1252 leaves undefined: their presence means the file is in some other
/// encoding, and guessing would garble names.
const UNDEFINED_1252: [u8; 5] = [0x81, 0x8d, 0x8f, 0x90, 0x9d];

/// What the first bytes of a file say about it, before any CSV parsing.
pub(crate) fn refuse_by_signature(head: &[u8]) -> Result<(), CsvError> {
    let what = if head.starts_with(b"PK\x03\x04") {
        "an Excel workbook (.xlsx)"
    } else if head.starts_with(&[0xd0, 0xcf, 0x11, 0xe0]) {
        "an Excel 97-2003 workbook (.xls)"
    } else if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        "UTF-16 text (Excel's \"Unicode text\")"
    } else {
        return Ok(());
    };
    Err(CsvError::NotText { what })
}

/// The encoding as decided so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Decided {
    /// Only ASCII seen.
    #[default]
    Open,
    Is(SourceEncoding),
}

impl Decided {
    pub(crate) fn encoding(self) -> SourceEncoding {
        match self {
            Decided::Open => SourceEncoding::Utf8,
            Decided::Is(e) => e,
        }
    }

    /// The text of one field of a record whose bytes are `record`. `Err` carries the rule the
    /// record breaks; it is a problem of that record, not of the file, once the file's
    /// encoding is known.
    pub(crate) fn field(self, bytes: &[u8]) -> Result<String, &'static str> {
        match self.encoding() {
            SourceEncoding::Utf8 => std::str::from_utf8(bytes)
                .map(str::to_owned)
                .map_err(|_| "not UTF-8 text although the rest of the file is"),
            SourceEncoding::Windows1252 => {
                if bytes.iter().any(|b| UNDEFINED_1252.contains(b)) {
                    return Err("holds bytes that are neither UTF-8 nor Windows-1252");
                }
                let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
                Ok(text.into_owned())
            }
        }
    }

    /// Looks at one whole record's bytes and decides the file's encoding if it is still open.
    /// Binary (NUL bytes) and bytes no supported encoding defines are refused while undecided,
    /// because then nothing of the file can be read right.
    pub(crate) fn observe(&mut self, record: &[u8]) -> Result<(), CsvError> {
        if *self != Decided::Open {
            return Ok(());
        }
        if record.contains(&0) {
            return Err(CsvError::NotText {
                what: "binary data (it has NUL bytes)",
            });
        }
        if record.is_ascii() {
            return Ok(());
        }
        if std::str::from_utf8(record).is_ok() {
            *self = Decided::Is(SourceEncoding::Utf8);
        } else if record.iter().any(|b| UNDEFINED_1252.contains(b)) {
            return Err(CsvError::NotText {
                what: "in a character encoding that is neither UTF-8 nor Windows-1252",
            });
        } else {
            *self = Decided::Is(SourceEncoding::Windows1252);
        }
        Ok(())
    }
}
