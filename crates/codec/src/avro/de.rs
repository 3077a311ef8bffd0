//! Direct Avro binary → serde, driven by a [`Plan`]: the mirror image of [`super::ser`].
//!
//! The datum is presented to the domain types' `Deserialize` in the JSON contract form — records
//! as maps whose `null` optionals are simply absent, decimals, dates and timestamps as strings,
//! enums as their symbols — so the domain's own validation (`deny_unknown_fields`, postcodes,
//! money, DDAS strings) applies unchanged and `serde_path_to_error` names the field of any
//! problem. Strings are borrowed from the input; nothing is allocated from a length prefix.

use std::fmt::{self, Write as _};

use chrono::{DateTime, NaiveDate, SecondsFormat};
use serde::de::value::{BorrowedStrDeserializer, StrDeserializer};
use serde::de::{self, DeserializeSeed, Visitor};

use super::plan::{Field, Node, NodeId, Plan};
use super::ser::UNIX_EPOCH_CE_DAYS;
use super::wire::{Input, WireError};

/// A decoding failure; `serde_path_to_error` adds the field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeError(pub(crate) String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}

impl From<WireError> for DeError {
    fn from(e: WireError) -> Self {
        DeError(e.to_string())
    }
}

/// A small stack buffer for formatting decimals and dates without allocating.
struct StackStr {
    buf: [u8; 48],
    len: usize,
}

impl StackStr {
    fn new() -> Self {
        StackStr {
            buf: [0; 48],
            len: 0,
        }
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(self.buf.get(..self.len).unwrap_or(&[])).unwrap_or("")
    }
}

impl fmt::Write for StackStr {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Formats an unscaled decimal: `51240` at scale 2 is `512.40`.
fn format_decimal(out: &mut StackStr, unscaled: i128, scale: u32) -> fmt::Result {
    let p = 10u128.pow(scale.min(38));
    let abs = unscaled.unsigned_abs();
    if unscaled < 0 {
        out.write_char('-')?;
    }
    write!(out, "{}", abs / p)?;
    if scale > 0 {
        write!(out, ".{:0width$}", abs % p, width = scale as usize)?;
    }
    Ok(())
}

/// Formats a UTC timestamp as RFC 3339 (`2026-10-15T09:00:00Z`, fractions only when present)
/// without allocating; years outside 0..=9999 fail and take chrono's general formatter.
fn format_timestamp(out: &mut StackStr, t: &DateTime<chrono::Utc>) -> fmt::Result {
    use chrono::{Datelike, Timelike};
    if !(0..=9999).contains(&t.year()) {
        return Err(fmt::Error);
    }
    write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )?;
    let nanos = t.nanosecond();
    if nanos >= 1_000_000_000 {
        // A leap second: rare enough for the general formatter.
        return Err(fmt::Error);
    }
    if nanos.is_multiple_of(1_000_000) {
        if nanos > 0 {
            write!(out, ".{:03}", nanos / 1_000_000)?;
        }
    } else if nanos.is_multiple_of(1_000) {
        write!(out, ".{:06}", nanos / 1_000)?;
    } else {
        write!(out, ".{nanos:09}")?;
    }
    out.write_char('Z')
}

/// Reads Avro decimal bytes (big-endian two's complement) as an unscaled i128.
fn read_decimal(input: &mut Input<'_>, precision: u32) -> Result<i128, DeError> {
    let b = input.bytes()?;
    if b.is_empty() || b.len() > 16 {
        return Err(DeError(format!("decimal of {} bytes", b.len())));
    }
    let fill = if b.first().is_some_and(|x| x & 0x80 != 0) {
        0xFF
    } else {
        0
    };
    let mut be = [fill; 16];
    be.get_mut(16 - b.len()..)
        .ok_or_else(|| DeError("decimal too long".to_owned()))?
        .copy_from_slice(b);
    let v = i128::from_be_bytes(be);
    if v.unsigned_abs() >= 10u128.pow(precision.min(38)) {
        return Err(DeError(format!("decimal exceeds {precision} digits")));
    }
    Ok(v)
}

/// Deserializes one value at one schema node.
#[derive(Debug)]
pub(crate) struct AvroDeserializer<'a, 'de> {
    pub(crate) plan: &'a Plan,
    pub(crate) node: NodeId,
    pub(crate) input: &'a mut Input<'de>,
}

impl<'a, 'de> AvroDeserializer<'a, 'de> {
    /// Reads a union branch index: `Some(inner)` for a value, `None` for null.
    fn branch(
        input: &mut Input<'de>,
        inner: NodeId,
        null_index: u8,
        value_index: u8,
    ) -> Result<Option<NodeId>, DeError> {
        let i = input.long()?;
        if i == i64::from(null_index) {
            Ok(None)
        } else if i == i64::from(value_index) {
            Ok(Some(inner))
        } else {
            Err(DeError(format!("union branch {i} does not exist")))
        }
    }

    fn at(self, node: NodeId) -> Self {
        AvroDeserializer { node, ..self }
    }
}

impl<'de> de::Deserializer<'de> for AvroDeserializer<'_, 'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let plan = self.plan;
        match plan.node(self.node) {
            Node::Null => visitor.visit_unit(),
            Node::Boolean => match self.input.byte()? {
                0 => visitor.visit_bool(false),
                1 => visitor.visit_bool(true),
                b => Err(DeError(format!("boolean byte {b}"))),
            },
            Node::Int => visitor.visit_i32(self.input.int()?),
            Node::Long => visitor.visit_i64(self.input.long()?),
            Node::String => {
                let b = self.input.bytes()?;
                let s = std::str::from_utf8(b).map_err(|_| DeError("invalid UTF-8".to_owned()))?;
                visitor.visit_borrowed_str(s)
            }
            Node::Decimal { precision, scale } => {
                let v = read_decimal(self.input, *precision)?;
                let mut s = StackStr::new();
                format_decimal(&mut s, v, *scale)
                    .map_err(|_| DeError("decimal too long".to_owned()))?;
                visitor.visit_str(s.as_str())
            }
            Node::Date => {
                let days = self.input.int()?;
                let d = days
                    .checked_add(UNIX_EPOCH_CE_DAYS)
                    .and_then(NaiveDate::from_num_days_from_ce_opt)
                    .ok_or_else(|| DeError(format!("date out of range: {days} days")))?;
                let mut s = StackStr::new();
                write!(s, "{d}").map_err(|_| DeError("date out of range".to_owned()))?;
                visitor.visit_str(s.as_str())
            }
            node @ (Node::TimestampMicros | Node::TimestampMillis) => {
                let n = self.input.long()?;
                let t = if matches!(node, Node::TimestampMicros) {
                    DateTime::from_timestamp_micros(n)
                } else {
                    DateTime::from_timestamp_millis(n)
                }
                .ok_or_else(|| DeError(format!("timestamp out of range: {n}")))?;
                let mut s = StackStr::new();
                if format_timestamp(&mut s, &t).is_ok() {
                    visitor.visit_str(s.as_str())
                } else {
                    visitor.visit_string(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
                }
            }
            Node::Enum { symbols } => {
                let i = self.input.long()?;
                let sym = usize::try_from(i)
                    .ok()
                    .and_then(|i| symbols.get(i))
                    .ok_or_else(|| DeError(format!("enum symbol {i} does not exist")))?;
                visitor.visit_str(sym)
            }
            Node::Array { items } => visitor.visit_seq(SeqAccess {
                plan,
                items: *items,
                input: self.input,
                left: 0,
                done: false,
            }),
            Node::Record { fields, .. } => visitor.visit_map(RecordAccess {
                plan,
                fields,
                next: 0,
                pending: None,
                input: self.input,
            }),
            Node::Optional {
                inner,
                null_index,
                value_index,
            } => match Self::branch(self.input, *inner, *null_index, *value_index)? {
                None => visitor.visit_none(),
                // The bare value, not `visit_some`: buffered content (`#[serde(flatten)]`) then
                // holds a plain string, which a non-`Option` field can also read.
                Some(inner) => self.at(inner).deserialize_any(visitor),
            },
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.plan.node(self.node) {
            Node::Optional {
                inner,
                null_index,
                value_index,
            } => match Self::branch(self.input, *inner, *null_index, *value_index)? {
                None => visitor.visit_none(),
                Some(inner) => visitor.visit_some(self.at(inner)),
            },
            Node::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.plan.node(self.node) {
            Node::Enum { symbols } => {
                let i = self.input.long()?;
                let sym = usize::try_from(i)
                    .ok()
                    .and_then(|i| symbols.get(i))
                    .ok_or_else(|| DeError(format!("enum symbol {i} does not exist")))?;
                visitor.visit_enum(StrDeserializer::<DeError>::new(sym))
            }
            Node::String => {
                let b = self.input.bytes()?;
                let s = std::str::from_utf8(b).map_err(|_| DeError("invalid UTF-8".to_owned()))?;
                visitor.visit_enum(BorrowedStrDeserializer::<DeError>::new(s))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn is_human_readable(&self) -> bool {
        true
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// A record's fields as map entries, in schema order; `null` optionals are left out, as in JSON.
struct RecordAccess<'a, 'de> {
    plan: &'a Plan,
    fields: &'a [Field],
    next: usize,
    pending: Option<NodeId>,
    input: &'a mut Input<'de>,
}

impl<'de> de::MapAccess<'de> for RecordAccess<'_, 'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        while let Some(f) = self.fields.get(self.next) {
            self.next += 1;
            let node = match self.plan.node(f.node) {
                Node::Optional {
                    inner,
                    null_index,
                    value_index,
                } => {
                    match AvroDeserializer::branch(self.input, *inner, *null_index, *value_index)
                        .map_err(|e| DeError(format!("{}: {e}", f.name)))?
                    {
                        None => continue,
                        Some(inner) => inner,
                    }
                }
                _ => f.node,
            };
            self.pending = Some(node);
            return seed
                .deserialize(StrDeserializer::<DeError>::new(&f.name))
                .map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let node = self
            .pending
            .take()
            .ok_or_else(|| DeError("value without key".to_owned()))?;
        seed.deserialize(AvroDeserializer {
            plan: self.plan,
            node,
            input: self.input,
        })
    }
}

/// Array items, block by block.
struct SeqAccess<'a, 'de> {
    plan: &'a Plan,
    items: NodeId,
    input: &'a mut Input<'de>,
    left: usize,
    done: bool,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, 'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        if self.left == 0 {
            if self.done {
                return Ok(None);
            }
            let mut n = self.input.long()?;
            if n == 0 {
                self.done = true;
                return Ok(None);
            }
            if n < 0 {
                // A negative count is followed by the block's size in bytes, which we don't need.
                n = n
                    .checked_neg()
                    .ok_or_else(|| DeError("bad block count".to_owned()))?;
                self.input.long()?;
            }
            // Every item takes at least one byte (the plan refuses arrays where it wouldn't), so
            // a count beyond the remaining input is a lie, caught before any work is done.
            self.left = usize::try_from(n)
                .ok()
                .filter(|&n| n <= self.input.remaining())
                .ok_or_else(|| DeError(format!("array block of {n} items exceeds the input")))?;
        }
        self.left -= 1;
        seed.deserialize(AvroDeserializer {
            plan: self.plan,
            node: self.items,
            input: self.input,
        })
        .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn formats_decimals() {
        let f = |v, s| {
            let mut out = StackStr::new();
            format_decimal(&mut out, v, s).unwrap();
            out.as_str().to_owned()
        };
        assert_eq!(f(51240, 2), "512.40");
        assert_eq!(f(5, 2), "0.05");
        assert_eq!(f(-5, 2), "-0.05");
        assert_eq!(f(7, 0), "7");
    }

    #[test]
    fn formats_timestamps_like_chrono() {
        for us in [
            0i64,
            1,
            1_000,
            1_500_000,
            1_760_518_800_000_000,
            4_102_444_799_999_999,
        ] {
            let t = DateTime::from_timestamp_micros(us).unwrap();
            let mut out = StackStr::new();
            format_timestamp(&mut out, &t).unwrap();
            assert_eq!(out.as_str(), t.to_rfc3339_opts(SecondsFormat::AutoSi, true));
        }
    }
}
