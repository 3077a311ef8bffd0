//! Avro's binary primitives (zig-zag varints, length-prefixed bytes) and the two framings:
//! single-object encoding and the Confluent wire format.
//!
//! Reading is bounds-checked against the input slice: a length prefix can never make us allocate
//! or read more than the bytes actually there.

/// Marker of Avro single-object encoding.
pub const SINGLE_OBJECT_MARKER: [u8; 2] = [0xC3, 0x01];
/// Magic byte of the Confluent wire format.
pub const CONFLUENT_MAGIC: u8 = 0x00;
/// Length of the single-object header: marker + 8-byte fingerprint.
pub const SINGLE_OBJECT_HEADER_LEN: usize = 10;
/// Length of the Confluent header: magic + 4-byte schema id.
pub const CONFLUENT_HEADER_LEN: usize = 5;

/// Writes a long as a zig-zag varint.
pub(crate) fn write_long(out: &mut Vec<u8>, n: i64) {
    // Zig-zag: small magnitudes, positive or negative, become small unsigned numbers.
    let mut z = ((n << 1) ^ (n >> 63)).cast_unsigned();
    while z > 0x7F {
        out.push(u8::try_from(z & 0x7F).unwrap_or(0) | 0x80);
        z >>= 7;
    }
    out.push(u8::try_from(z).unwrap_or(0));
}

/// Writes length-prefixed bytes (Avro `bytes` and `string`).
pub(crate) fn write_bytes(out: &mut Vec<u8>, b: &[u8]) {
    write_long(out, i64::try_from(b.len()).unwrap_or(i64::MAX));
    out.extend_from_slice(b);
}

/// Why the binary input is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum WireError {
    /// The input ended inside a value.
    #[error("input ends inside a value")]
    Eof,
    /// A varint longer than 10 bytes.
    #[error("malformed variable-length integer")]
    Varint,
    /// A negative or too large length.
    #[error("length {0} is negative or exceeds the remaining input")]
    Length(i64),
    /// An `int` outside 32 bits.
    #[error("int out of range: {0}")]
    IntRange(i64),
}

/// A cursor over the input.
#[derive(Debug)]
pub(crate) struct Input<'de> {
    buf: &'de [u8],
    pos: usize,
}

impl<'de> Input<'de> {
    /// Starts at the beginning of `buf`.
    pub(crate) fn new(buf: &'de [u8]) -> Self {
        Input { buf, pos: 0 }
    }

    /// Bytes not yet read.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// One byte.
    pub(crate) fn byte(&mut self) -> Result<u8, WireError> {
        let b = *self.buf.get(self.pos).ok_or(WireError::Eof)?;
        self.pos += 1;
        Ok(b)
    }

    /// A zig-zag varint long.
    pub(crate) fn long(&mut self) -> Result<i64, WireError> {
        let mut z: u64 = 0;
        for i in 0..10 {
            let b = self.byte()?;
            z |= u64::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                return Ok((z >> 1).cast_signed() ^ -((z & 1).cast_signed()));
            }
        }
        Err(WireError::Varint)
    }

    /// A zig-zag varint int.
    pub(crate) fn int(&mut self) -> Result<i32, WireError> {
        let v = self.long()?;
        i32::try_from(v).map_err(|_| WireError::IntRange(v))
    }

    /// A length that must fit in the remaining input.
    pub(crate) fn len(&mut self) -> Result<usize, WireError> {
        let n = self.long()?;
        match usize::try_from(n) {
            Ok(len) if len <= self.remaining() => Ok(len),
            _ => Err(WireError::Length(n)),
        }
    }

    /// Length-prefixed bytes, borrowed from the input.
    pub(crate) fn bytes(&mut self) -> Result<&'de [u8], WireError> {
        let len = self.len()?;
        let end = self.pos + len;
        let s = self.buf.get(self.pos..end).ok_or(WireError::Eof)?;
        self.pos = end;
        Ok(s)
    }
}

/// The encoding of a message, as found by looking at its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DetectedFormat {
    /// A JSON object (`{` after optional whitespace).
    Json,
    /// Avro single-object encoding, with the writer schema's CRC-64-AVRO fingerprint.
    AvroSingleObject {
        /// The writer schema's Rabin fingerprint.
        fingerprint: u64,
    },
    /// The Confluent wire format, with the registry's schema id.
    Confluent {
        /// The schema registry id of the writer schema.
        schema_id: u32,
    },
}

/// Looks at the first bytes of a message and says how it is encoded, or `None` when it is none
/// of the accepted encodings.
pub fn detect_format(bytes: &[u8]) -> Option<DetectedFormat> {
    if let [0xC3, 0x01, f @ ..] = bytes {
        let fp: [u8; 8] = f.get(..8)?.try_into().ok()?;
        return Some(DetectedFormat::AvroSingleObject {
            fingerprint: u64::from_le_bytes(fp),
        });
    }
    if let [CONFLUENT_MAGIC, id @ ..] = bytes {
        let id: [u8; 4] = id.get(..4)?.try_into().ok()?;
        return Some(DetectedFormat::Confluent {
            schema_id: u32::from_be_bytes(id),
        });
    }
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Some(DetectedFormat::Json),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn varints_round_trip() {
        for n in [
            0i64,
            1,
            -1,
            63,
            -64,
            64,
            300,
            i64::from(i32::MAX),
            i64::MIN,
            i64::MAX,
        ] {
            let mut out = Vec::new();
            write_long(&mut out, n);
            let mut input = Input::new(&out);
            assert_eq!(input.long().unwrap(), n);
            assert_eq!(input.remaining(), 0);
        }
        let mut out = Vec::new();
        write_long(&mut out, 1);
        assert_eq!(out, [2]);
        out.clear();
        write_long(&mut out, -1);
        assert_eq!(out, [1]);
    }

    #[test]
    fn lengths_are_bounded_by_input() {
        let mut out = Vec::new();
        write_long(&mut out, 1 << 40);
        assert!(Input::new(&out).bytes().is_err());
        assert_eq!(Input::new(&[0xFF; 11]).long(), Err(WireError::Varint));
    }

    #[test]
    fn detects() {
        assert_eq!(detect_format(b"  {\"a\":1}"), Some(DetectedFormat::Json));
        assert_eq!(
            detect_format(&[0, 0, 0, 0, 7, 1]),
            Some(DetectedFormat::Confluent { schema_id: 7 })
        );
        assert_eq!(
            detect_format(&[0xC3, 1, 1, 0, 0, 0, 0, 0, 0, 0]),
            Some(DetectedFormat::AvroSingleObject { fingerprint: 1 })
        );
        assert_eq!(detect_format(&[0xC3, 1, 1]), None);
        assert_eq!(detect_format(b"[1]"), None);
        assert_eq!(detect_format(&[]), None);
    }
}
