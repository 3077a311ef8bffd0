//! Direct serde → Avro binary, driven by a [`Plan`].
//!
//! The domain types' `Serialize` produces the JSON contract form: money, dates and timestamps as
//! strings, enums as their contract names, absent optionals and `false` flags skipped. This
//! serializer writes that straight into an Avro datum without building a `Value` tree: where the
//! schema has a logical type it parses the string (`"512.40"` → decimal bytes, `"2026-09-01"` →
//! days, RFC 3339 → microseconds), enum names become symbol indices, and a skipped field gets the
//! schema default. One generic module serves every message, so adding a field to a message and its
//! `.avsc` needs no code here.

use std::fmt;

use chrono::{DateTime, NaiveDate};
use rust_decimal::Decimal;
use serde::ser::{self, Serialize};

use super::plan::{Field, Node, NodeId, Plan};
use super::wire::{write_bytes, write_long};

/// An encoding failure; `serde_path_to_error` adds the field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SerError(pub(crate) String);

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerError(msg.to_string())
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, SerError> {
    Err(SerError(msg.into()))
}

/// Days from 0001-01-01 (CE day 1) to 1970-01-01.
pub(crate) const UNIX_EPOCH_CE_DAYS: i32 = 719_163;

/// Serializes one value at one schema node into `out`.
#[derive(Debug)]
pub(crate) struct AvroSerializer<'a> {
    pub(crate) plan: &'a Plan,
    pub(crate) node: NodeId,
    pub(crate) out: &'a mut Vec<u8>,
}

impl<'a> AvroSerializer<'a> {
    /// The node a present value is written at: for an optional field, writes the union branch
    /// of the non-null type first.
    fn value_node(&mut self) -> &'a Node {
        let plan = self.plan;
        match plan.node(self.node) {
            Node::Optional {
                inner, value_index, ..
            } => {
                write_long(self.out, i64::from(*value_index));
                plan.node(*inner)
            }
            other => other,
        }
    }

    fn value_node_id(&mut self) -> NodeId {
        match self.plan.node(self.node) {
            Node::Optional {
                inner, value_index, ..
            } => {
                write_long(self.out, i64::from(*value_index));
                *inner
            }
            _ => self.node,
        }
    }

    fn integer(mut self, v: i64) -> Result<(), SerError> {
        match self.value_node() {
            Node::Int => {
                if i32::try_from(v).is_err() {
                    return err(format!("{v} does not fit an Avro int"));
                }
                write_long(self.out, v);
                Ok(())
            }
            Node::Long => {
                write_long(self.out, v);
                Ok(())
            }
            other => err(format!("integer where the schema has {}", describe(other))),
        }
    }
}

/// A short description of a node for error messages.
fn describe(node: &Node) -> &'static str {
    match node {
        Node::Null => "null",
        Node::Boolean => "boolean",
        Node::Int => "int",
        Node::Long => "long",
        Node::String => "string",
        Node::Decimal { .. } => "decimal",
        Node::Date => "date",
        Node::TimestampMillis | Node::TimestampMicros => "timestamp",
        Node::Enum { .. } => "enum",
        Node::Array { .. } => "array",
        Node::Record { .. } => "record",
        Node::Optional { .. } => "optional value",
    }
}

/// The unscaled value of a decimal string at the schema's scale, checked against its precision.
pub(crate) fn decimal_unscaled(text: &str, precision: u32, scale: u32) -> Result<i128, SerError> {
    let mut d: Decimal = text
        .parse()
        .map_err(|_| SerError(format!("not a decimal: {text:?}")))?;
    if d.scale() > scale {
        let n = d.normalize();
        if n.scale() > scale {
            return err(format!("{text} has more than {scale} decimals"));
        }
        d = n;
    }
    d.rescale(scale);
    let m = d.mantissa();
    if m.unsigned_abs() >= 10u128.pow(precision.min(38)) {
        return err(format!("{text} exceeds the schema's {precision} digits"));
    }
    Ok(m)
}

/// Minimal big-endian two's complement, as Avro's decimal wants.
fn write_decimal(out: &mut Vec<u8>, unscaled: i128) {
    let be = unscaled.to_be_bytes();
    let mut start = 0;
    while start < be.len() - 1 {
        let (b, next) = (be[start], be[start + 1]);
        // A leading byte is redundant when it only repeats the sign of the next one.
        if (b == 0x00 && next & 0x80 == 0) || (b == 0xFF && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    write_bytes(out, be.get(start..).unwrap_or(&be));
}

impl<'a> ser::Serializer for AvroSerializer<'a> {
    type Ok = ();
    type Error = SerError;
    type SerializeSeq = SeqSer<'a>;
    type SerializeTuple = ser::Impossible<(), SerError>;
    type SerializeTupleStruct = ser::Impossible<(), SerError>;
    type SerializeTupleVariant = ser::Impossible<(), SerError>;
    type SerializeMap = RecordSer<'a>;
    type SerializeStruct = RecordSer<'a>;
    type SerializeStructVariant = ser::Impossible<(), SerError>;

    fn is_human_readable(&self) -> bool {
        // We accept and produce the human-readable (JSON contract) forms and convert them here.
        true
    }

    fn serialize_bool(mut self, v: bool) -> Result<(), SerError> {
        match self.value_node() {
            Node::Boolean => {
                self.out.push(u8::from(v));
                Ok(())
            }
            other => err(format!("boolean where the schema has {}", describe(other))),
        }
    }

    fn serialize_i8(self, v: i8) -> Result<(), SerError> {
        self.integer(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), SerError> {
        self.integer(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), SerError> {
        self.integer(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), SerError> {
        self.integer(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), SerError> {
        self.integer(i64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), SerError> {
        self.integer(i64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), SerError> {
        self.integer(i64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), SerError> {
        match i64::try_from(v) {
            Ok(v) => self.integer(v),
            Err(_) => err(format!("{v} does not fit an Avro long")),
        }
    }

    fn serialize_f32(self, _v: f32) -> Result<(), SerError> {
        err("floating point numbers are not part of the contract")
    }
    fn serialize_f64(self, _v: f64) -> Result<(), SerError> {
        err("floating point numbers are not part of the contract")
    }

    fn serialize_char(self, v: char) -> Result<(), SerError> {
        self.serialize_str(v.encode_utf8(&mut [0u8; 4]))
    }

    fn serialize_str(mut self, v: &str) -> Result<(), SerError> {
        match self.value_node() {
            Node::String => write_bytes(self.out, v.as_bytes()),
            Node::Enum { symbols } => {
                let Some(i) = symbols.iter().position(|s| s == v) else {
                    return err(format!("{v:?} is not one of the schema's symbols"));
                };
                write_long(self.out, i64::try_from(i).unwrap_or(0));
            }
            Node::Decimal { precision, scale } => {
                let unscaled = decimal_unscaled(v, *precision, *scale)?;
                write_decimal(self.out, unscaled);
            }
            Node::Date => {
                let d: NaiveDate = v
                    .parse()
                    .map_err(|e| SerError(format!("not a date {v:?}: {e}")))?;
                let days = chrono::Datelike::num_days_from_ce(&d) - UNIX_EPOCH_CE_DAYS;
                write_long(self.out, i64::from(days));
            }
            node @ (Node::TimestampMicros | Node::TimestampMillis) => {
                let t = DateTime::parse_from_rfc3339(v)
                    .map_err(|e| SerError(format!("not an RFC 3339 timestamp {v:?}: {e}")))?;
                // Sub-microsecond digits are dropped: no creditor system produces them, and
                // Avro has no finer standard timestamp.
                let n = if matches!(node, Node::TimestampMicros) {
                    t.timestamp_micros()
                } else {
                    t.timestamp_millis()
                };
                write_long(self.out, n);
            }
            other => return err(format!("string where the schema has {}", describe(other))),
        }
        Ok(())
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<(), SerError> {
        err("raw bytes are not part of the contract")
    }

    fn serialize_none(self) -> Result<(), SerError> {
        match self.plan.node(self.node) {
            Node::Optional { null_index, .. } => {
                write_long(self.out, i64::from(*null_index));
                Ok(())
            }
            Node::Null => Ok(()),
            other => err(format!(
                "null where the schema requires {}",
                describe(other)
            )),
        }
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), SerError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), SerError> {
        self.serialize_none()
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), SerError> {
        self.serialize_none()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), SerError> {
        // Symbols are matched by name, never by the Rust declaration order.
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _value: &T,
    ) -> Result<(), SerError> {
        err(format!(
            "{name}::{variant}: data-carrying enums have no Avro form"
        ))
    }

    fn serialize_seq(mut self, len: Option<usize>) -> Result<SeqSer<'a>, SerError> {
        let id = self.value_node_id();
        let Node::Array { items } = self.plan.node(id) else {
            return err(format!(
                "a list where the schema has {}",
                describe(self.plan.node(id))
            ));
        };
        let Some(len) = len else {
            return err("a list of unknown length");
        };
        // One block with the whole count, then the end-of-array marker.
        if len > 0 {
            write_long(self.out, i64::try_from(len).unwrap_or(i64::MAX));
        }
        Ok(SeqSer {
            plan: self.plan,
            items: *items,
            out: self.out,
            expected: len,
            written: 0,
        })
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, SerError> {
        err("tuples have no Avro form")
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, SerError> {
        err("tuples have no Avro form")
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, SerError> {
        err("tuples have no Avro form")
    }

    fn serialize_map(mut self, _len: Option<usize>) -> Result<RecordSer<'a>, SerError> {
        let id = self.value_node_id();
        RecordSer::new(self.plan, id, self.out)
    }

    fn serialize_struct(
        mut self,
        _name: &'static str,
        _len: usize,
    ) -> Result<RecordSer<'a>, SerError> {
        let id = self.value_node_id();
        RecordSer::new(self.plan, id, self.out)
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, SerError> {
        err(format!(
            "{name}::{variant}: data-carrying enums have no Avro form"
        ))
    }
}

/// Writes array items.
#[derive(Debug)]
pub(crate) struct SeqSer<'a> {
    plan: &'a Plan,
    items: NodeId,
    out: &'a mut Vec<u8>,
    expected: usize,
    written: usize,
}

impl ser::SerializeSeq for SeqSer<'_> {
    type Ok = ();
    type Error = SerError;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), SerError> {
        self.written += 1;
        if self.written > self.expected {
            return err("list longer than announced");
        }
        value.serialize(AvroSerializer {
            plan: self.plan,
            node: self.items,
            out: self.out,
        })
    }

    fn end(self) -> Result<(), SerError> {
        if self.written != self.expected {
            return err("list shorter than announced");
        }
        self.out.push(0);
        Ok(())
    }
}

/// Writes a record's fields in schema order, filling skipped fields with their defaults.
///
/// Fields must arrive in schema order (the `.avsc` files list them in the structs' order, which a
/// test checks); streaming them avoids buffering each field separately.
#[derive(Debug)]
pub(crate) struct RecordSer<'a> {
    plan: &'a Plan,
    name: &'a str,
    fields: &'a [Field],
    next: usize,
    out: &'a mut Vec<u8>,
    key: Option<String>,
}

impl<'a> RecordSer<'a> {
    fn new(plan: &'a Plan, id: NodeId, out: &'a mut Vec<u8>) -> Result<Self, SerError> {
        match plan.node(id) {
            Node::Record { name, fields } => Ok(RecordSer {
                plan,
                name,
                fields,
                next: 0,
                out,
                key: None,
            }),
            other => err(format!(
                "an object where the schema has {}",
                describe(other)
            )),
        }
    }

    /// Writes defaults for the fields before `upto`.
    fn fill_defaults(&mut self, upto: usize) -> Result<(), SerError> {
        for f in self.fields.get(self.next..upto).unwrap_or(&[]) {
            match &f.default {
                Some(d) => self.out.extend_from_slice(d),
                None => return err(format!("missing required field {}", f.name)),
            }
        }
        self.next = upto.max(self.next);
        Ok(())
    }

    fn field<T: ?Sized + Serialize>(&mut self, key: &str, value: &T) -> Result<(), SerError> {
        let Some(idx) = self.fields.iter().position(|f| f.name == key) else {
            return err(format!("field {key} is not in the {} schema", self.name));
        };
        if idx < self.next {
            return err(format!("field {key} repeated or out of schema order"));
        }
        self.fill_defaults(idx)?;
        let node = self.fields.get(idx).map_or(0, |f| f.node);
        self.next = idx + 1;
        value.serialize(AvroSerializer {
            plan: self.plan,
            node,
            out: self.out,
        })
    }

    fn finish(mut self) -> Result<(), SerError> {
        self.fill_defaults(self.fields.len())
    }
}

impl ser::SerializeStruct for RecordSer<'_> {
    type Ok = ();
    type Error = SerError;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), SerError> {
        self.finish()
    }
}

impl ser::SerializeMap for RecordSer<'_> {
    type Ok = ();
    type Error = SerError;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), SerError> {
        match key.serialize(serde_json::value::Serializer) {
            Ok(serde_json::Value::String(k)) => {
                self.key = Some(k);
                Ok(())
            }
            _ => err("map keys must be strings"),
        }
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), SerError> {
        let Some(key) = self.key.take() else {
            return err("map value without key");
        };
        self.field(&key, value)
    }

    fn end(self) -> Result<(), SerError> {
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn decimals_are_minimal_twos_complement() {
        let enc = |v: i128| {
            let mut out = Vec::new();
            write_decimal(&mut out, v);
            out
        };
        assert_eq!(enc(0), [2, 0]);
        assert_eq!(enc(127), [2, 0x7F]);
        assert_eq!(enc(128), [4, 0x00, 0x80]);
        assert_eq!(enc(-1), [2, 0xFF]);
        assert_eq!(enc(-129), [4, 0xFF, 0x7F]);
        assert_eq!(enc(51240), [6, 0x00, 0xC8, 0x28]);
        assert_eq!(decimal_unscaled("512.4", 12, 2).unwrap(), 51240);
        assert_eq!(decimal_unscaled("512.400", 12, 2).unwrap(), 51240);
        assert!(decimal_unscaled("512.401", 12, 2).is_err());
        assert!(decimal_unscaled("10000000000.00", 12, 2).is_err());
    }
}
