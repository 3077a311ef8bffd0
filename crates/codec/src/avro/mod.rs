//! The Avro side of the codec: the [`Codec`] value that holds the parsed schemas, and the two
//! framings (single-object encoding, Confluent wire format).
//!
//! Fast path: when the writer schema is our current schema (same canonical form), the datum is
//! encoded and decoded directly with serde through a compiled `plan::Plan` — no
//! `apache_avro::types::Value` tree. Only data written with a *different* writer schema (an
//! older version, or one registered under a Confluent id) takes apache-avro's generic path:
//! decode to `Value`, resolve to the current reader schema, re-encode, then the fast path.

pub(crate) mod de;
pub(crate) mod plan;
pub(crate) mod ser;
pub mod wire;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use apache_avro::Schema;
use apache_avro::rabin::Rabin;
use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::schema_compatibility::SchemaCompatibility;
use apache_avro::types::Value;
use apache_avro::writer::datum::GenericDatumWriter;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::schemas::{HISTORY, Message, MessageKind};
use crate::{DecodeError, EncodeError, SchemaError};
use plan::Plan;
use wire::{CONFLUENT_MAGIC, DetectedFormat, Input, SINGLE_OBJECT_MARKER};

/// The most bytes apache-avro may allocate for one decoded value. Contract messages are a few
/// kilobytes and Kafka's default message limit is 1 MiB; the library default (512 MiB) would let
/// a bogus length prefix in hostile input reserve far too much.
pub const MAX_ALLOCATION_BYTES: usize = 16 * 1024 * 1024;

/// One of our current schemas, parsed and compiled.
#[derive(Debug)]
struct Current {
    schema: Schema,
    plan: Plan,
    fingerprint: u64,
}

/// A writer schema the codec can read data of.
#[derive(Debug)]
enum Writer {
    /// Our current schema for this kind: the fast path.
    Current(MessageKind),
    /// Another version: resolved through apache-avro.
    Other {
        kind: MessageKind,
        schema: Box<Schema>,
        /// Field paths the writer has and the contract does not (e.g. a `bsn`). Avro resolution
        /// would silently drop them; the contract says such input is rejected.
        unknown_fields: Vec<String>,
    },
}

impl Writer {
    fn kind(&self) -> MessageKind {
        match self {
            Writer::Current(k) | Writer::Other { kind: k, .. } => *k,
        }
    }
}

/// The parsed schemas of every contract message, their fingerprints, and the Confluent schema id
/// → writer schema map. Build once ([`Codec::new`]) and share; decoding never parses a schema.
#[derive(Debug)]
pub struct Codec {
    current: Vec<Current>,
    by_fingerprint: HashMap<u64, Arc<Writer>>,
    registry: RwLock<HashMap<u32, Arc<Writer>>>,
}

/// The CRC-64-AVRO (Rabin) fingerprint of a schema's parsing canonical form.
pub fn fingerprint(schema: &Schema) -> u64 {
    let bytes = schema.fingerprint::<Rabin>().bytes;
    let arr: [u8; 8] = bytes
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .unwrap_or([0; 8]);
    u64::from_le_bytes(arr)
}

fn parse(name: &str, text: &str) -> Result<Schema, SchemaError> {
    Schema::parse_str(text).map_err(|e| SchemaError::Parse {
        name: name.to_owned(),
        reason: e.to_string(),
    })
}

/// Record fields of `writer` that `reader` lacks, as dotted paths, recursing into nested records
/// (also inside optionals and arrays).
fn unknown_fields(writer: &Schema, reader: &Schema, path: &str, out: &mut Vec<String>) {
    fn strip(s: &Schema) -> &Schema {
        match s {
            Schema::Union(u) => u
                .variants()
                .iter()
                .find(|v| !matches!(v, Schema::Null))
                .unwrap_or(s),
            Schema::Array(a) => strip(&a.items),
            other => other,
        }
    }
    if let (Schema::Record(w), Schema::Record(r)) = (strip(writer), strip(reader)) {
        for wf in &w.fields {
            let p = if path.is_empty() {
                wf.name.clone()
            } else {
                format!("{path}.{}", wf.name)
            };
            match r.fields.iter().find(|rf| rf.name == wf.name) {
                None => out.push(p),
                Some(rf) => unknown_fields(&wf.schema, &rf.schema, &p, out),
            }
        }
    }
}

impl Codec {
    /// Parses and compiles the embedded schemas. Fails only if an embedded schema is broken,
    /// which the crate's tests rule out.
    pub fn new() -> Result<Codec, SchemaError> {
        // Process-wide and first-call-wins in apache-avro; set it before any decode can happen.
        apache_avro::util::max_allocation_bytes(MAX_ALLOCATION_BYTES);
        let mut current = Vec::with_capacity(MessageKind::ALL.len());
        let mut by_fingerprint = HashMap::new();
        for kind in MessageKind::ALL {
            let schema = parse(kind.name(), kind.schema_json())?;
            let plan = Plan::compile(&schema)?;
            let fp = fingerprint(&schema);
            by_fingerprint.insert(fp, Arc::new(Writer::Current(kind)));
            current.push(Current {
                schema,
                plan,
                fingerprint: fp,
            });
        }
        let mut codec = Codec {
            current,
            by_fingerprint,
            registry: RwLock::new(HashMap::new()),
        };
        for (kind, text) in HISTORY {
            let w = codec.writer(text, Some(*kind))?;
            if let Writer::Other { schema, .. } = &w {
                let fp = fingerprint(schema);
                codec.by_fingerprint.insert(fp, Arc::new(w));
            }
        }
        Ok(codec)
    }

    fn current(&self, kind: MessageKind) -> Result<&Current, SchemaError> {
        self.current
            .get(kind.index())
            .ok_or(SchemaError::UnknownRecord(kind.full_name()))
    }

    /// The current schema of a message.
    pub fn schema(&self, kind: MessageKind) -> Option<&Schema> {
        self.current.get(kind.index()).map(|c| &c.schema)
    }

    /// The Rabin fingerprint single-object encoding puts in its header for a message.
    pub fn fingerprint(&self, kind: MessageKind) -> Option<u64> {
        self.current.get(kind.index()).map(|c| c.fingerprint)
    }

    /// Parses a writer schema and works out how to read its data.
    fn writer(&self, text: &str, expect: Option<MessageKind>) -> Result<Writer, SchemaError> {
        let schema = parse("writer schema", text)?;
        let Schema::Record(r) = &schema else {
            return Err(SchemaError::UnknownRecord("a non-record schema".to_owned()));
        };
        let full = r.name.fullname(None);
        let kind = MessageKind::ALL
            .into_iter()
            .find(|k| k.full_name() == full)
            .ok_or_else(|| SchemaError::UnknownRecord(full.clone()))?;
        if expect.is_some_and(|e| e != kind) {
            return Err(SchemaError::UnknownRecord(full));
        }
        let cur = self.current(kind)?;
        if schema.canonical_form() == cur.schema.canonical_form() {
            return Ok(Writer::Current(kind));
        }
        SchemaCompatibility::can_read(&schema, &cur.schema).map_err(|e| {
            SchemaError::Incompatible {
                kind,
                reason: e.to_string(),
            }
        })?;
        let mut unknown = Vec::new();
        unknown_fields(&schema, &cur.schema, "", &mut unknown);
        Ok(Writer::Other {
            kind,
            schema: Box::new(schema),
            unknown_fields: unknown,
        })
    }

    /// Makes a Confluent schema id known, with the writer schema (JSON text) the registry holds
    /// for it. Pure: fetching it from the registry is the caller's business. Returns which message
    /// the schema is. Schemas that cannot be resolved to our current schema are refused.
    pub fn register(
        &self,
        schema_id: u32,
        writer_schema_json: &str,
    ) -> Result<MessageKind, SchemaError> {
        let w = self.writer(writer_schema_json, None)?;
        let kind = w.kind();
        let mut map = self.registry.write().map_err(|_| SchemaError::Poisoned)?;
        map.insert(schema_id, Arc::new(w));
        Ok(kind)
    }

    /// Whether a Confluent schema id is known.
    pub fn is_registered(&self, schema_id: u32) -> bool {
        self.registry
            .read()
            .map(|m| m.contains_key(&schema_id))
            .unwrap_or(false)
    }

    /// Appends the Avro datum of a message in its current schema (no framing).
    pub fn encode_datum<M: Message>(&self, msg: &M, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let cur = self.current(M::KIND)?;
        encode_with(&cur.plan, msg, out)
    }

    /// Appends a message in Avro single-object encoding.
    pub fn encode_single_object<M: Message>(
        &self,
        msg: &M,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        let cur = self.current(M::KIND)?;
        let start = out.len();
        out.extend_from_slice(&SINGLE_OBJECT_MARKER);
        out.extend_from_slice(&cur.fingerprint.to_le_bytes());
        encode_with(&cur.plan, msg, out).inspect_err(|_| out.truncate(start))
    }

    /// Appends a message in the Confluent wire format under `schema_id` (the id the registry gave
    /// our current schema).
    pub fn encode_confluent<M: Message>(
        &self,
        msg: &M,
        schema_id: u32,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        let cur = self.current(M::KIND)?;
        let start = out.len();
        out.push(CONFLUENT_MAGIC);
        out.extend_from_slice(&schema_id.to_be_bytes());
        encode_with(&cur.plan, msg, out).inspect_err(|_| out.truncate(start))
    }

    /// Finds the writer schema and the datum of an Avro-framed payload.
    fn locate<'b>(
        &self,
        format: DetectedFormat,
        bytes: &'b [u8],
    ) -> Result<(Arc<Writer>, &'b [u8]), DecodeError> {
        match format {
            DetectedFormat::AvroSingleObject { fingerprint } => {
                let w = self.by_fingerprint.get(&fingerprint).ok_or_else(|| {
                    DecodeError::single(
                        "",
                        format!("unknown Avro writer schema fingerprint {fingerprint:016x}"),
                    )
                })?;
                Ok((
                    Arc::clone(w),
                    bytes.get(wire::SINGLE_OBJECT_HEADER_LEN..).unwrap_or(&[]),
                ))
            }
            DetectedFormat::Confluent { schema_id } => {
                let map = self
                    .registry
                    .read()
                    .map_err(|_| DecodeError::single("", "schema registry map poisoned"))?;
                let w = map.get(&schema_id).ok_or_else(|| {
                    DecodeError::single("", format!("unknown Confluent schema id {schema_id}"))
                })?;
                Ok((
                    Arc::clone(w),
                    bytes.get(wire::CONFLUENT_HEADER_LEN..).unwrap_or(&[]),
                ))
            }
            DetectedFormat::Json => Err(DecodeError::single("", "not Avro")),
        }
    }

    /// Decodes an Avro-framed payload (single-object or Confluent) of a known kind.
    pub(crate) fn decode_avro<M: Message>(
        &self,
        format: DetectedFormat,
        bytes: &[u8],
    ) -> Result<M, DecodeError> {
        let (writer, datum) = self.locate(format, bytes)?;
        if writer.kind() != M::KIND {
            return Err(DecodeError::single(
                "",
                format!("payload is {}, expected {}", writer.kind(), M::KIND),
            ));
        }
        self.decode_datum_from(&writer, datum)
    }

    /// Which message an Avro-framed payload is, by its writer schema.
    pub(crate) fn avro_kind(
        &self,
        format: DetectedFormat,
        bytes: &[u8],
    ) -> Result<MessageKind, DecodeError> {
        self.locate(format, bytes).map(|(w, _)| w.kind())
    }

    /// Decodes a bare datum written with our current schema.
    pub fn decode_datum<M: Message>(&self, datum: &[u8]) -> Result<M, DecodeError> {
        self.decode_datum_from(&Writer::Current(M::KIND), datum)
    }

    fn decode_datum_from<M: Message>(
        &self,
        writer: &Writer,
        datum: &[u8],
    ) -> Result<M, DecodeError> {
        let cur = self
            .current(M::KIND)
            .map_err(|e| DecodeError::single("", e.to_string()))?;
        let result = match writer {
            Writer::Current(_) => decode_with(&cur.plan, datum),
            Writer::Other {
                schema,
                unknown_fields,
                ..
            } => {
                if let Some(f) = unknown_fields.first() {
                    return Err(DecodeError::single(
                        f.clone(),
                        "unknown field: not in the contract (writer schema has it)",
                    )
                    .with_event_id(peek_event_id(datum)));
                }
                resolve(schema, &cur.schema, datum).and_then(|d| decode_with(&cur.plan, &d))
            }
        };
        result.map_err(|e| e.with_event_id(peek_event_id(datum)))
    }
}

/// Reads data of another writer schema into our current schema's binary form.
fn resolve(writer: &Schema, reader: &Schema, datum: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let avro = |e: apache_avro::Error| DecodeError::single("", format!("Avro: {e}"));
    let mut cursor = datum;
    let mut value = GenericDatumReader::builder(writer)
        .build()
        .map_err(avro)?
        .read_value(&mut cursor)
        .map_err(avro)?;
    if !cursor.is_empty() {
        return Err(DecodeError::single(
            "",
            "trailing bytes after the Avro datum",
        ));
    }
    widen_decimals(&mut value);
    let value = value.resolve(reader).map_err(avro)?;
    GenericDatumWriter::builder(reader)
        .build()
        .map_err(avro)?
        .write_value_to_vec(value)
        .map_err(avro)
}

/// Sign-extends every decimal to 16 bytes.
///
/// apache-avro 0.22's resolution refuses a `bytes` decimal whose byte length could not hold the
/// schema's full precision (`decimal(12, 2)` needs 6 bytes), although the specification and
/// every Java producer write the minimal two's complement (`512.40` is 3 bytes). Widening keeps
/// the value and satisfies the check; our decoder accepts up to 16 bytes.
fn widen_decimals(value: &mut Value) {
    match value {
        Value::Decimal(d) => {
            if let Ok(bytes) = Vec::<u8>::try_from(&*d)
                && bytes.len() < 16
            {
                let fill = if bytes.first().is_some_and(|b| b & 0x80 != 0) {
                    0xFF
                } else {
                    0
                };
                let mut wide = vec![fill; 16 - bytes.len()];
                wide.extend_from_slice(&bytes);
                *d = apache_avro::Decimal::from(wide);
            }
        }
        Value::Union(_, inner) => widen_decimals(inner),
        Value::Array(items) => items.iter_mut().for_each(widen_decimals),
        Value::Map(m) => m.values_mut().for_each(widen_decimals),
        Value::Record(fields) => fields.iter_mut().for_each(|(_, v)| widen_decimals(v)),
        _ => {}
    }
}

/// The `event_id` at the start of a datum, if it starts with one (all input messages do), for
/// the REJECTED decision. Best effort.
fn peek_event_id(datum: &[u8]) -> Option<String> {
    let b = Input::new(datum).bytes().ok()?;
    let s = std::str::from_utf8(b).ok()?;
    (!s.is_empty() && s.len() <= 128).then(|| s.to_owned())
}

fn path_string(path: &serde_path_to_error::Path) -> String {
    let p = path.to_string();
    if p == "." { String::new() } else { p }
}

fn encode_with<T: Serialize>(plan: &Plan, value: &T, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    let ser = ser::AvroSerializer {
        plan,
        node: plan.root,
        out: &mut *out,
    };
    if value.serialize(ser).is_ok() {
        return Ok(());
    }
    // As in decoding: the path is only tracked once we know there is an error to name.
    out.truncate(start);
    let ser = ser::AvroSerializer {
        plan,
        node: plan.root,
        out: &mut *out,
    };
    let result = match serde_path_to_error::serialize(value, ser) {
        Err(e) => Err(EncodeError::Avro {
            field: path_string(e.path()),
            problem: e.into_inner().0,
        }),
        Ok(()) => Err(EncodeError::Avro {
            field: String::new(),
            problem: "encoding is not deterministic".to_owned(),
        }),
    };
    out.truncate(start);
    result
}

fn decode_with<T: DeserializeOwned>(plan: &Plan, datum: &[u8]) -> Result<T, DecodeError> {
    let mut input = Input::new(datum);
    let de = de::AvroDeserializer {
        plan,
        node: plan.root,
        input: &mut input,
    };
    // Path tracking costs on every field; errors are rare, so decode untracked first and only
    // decode again, tracked, to name the field once we know something is wrong.
    let value = match T::deserialize(de) {
        Ok(v) => v,
        Err(_) => {
            let mut input = Input::new(datum);
            let de = de::AvroDeserializer {
                plan,
                node: plan.root,
                input: &mut input,
            };
            return Err(match serde_path_to_error::deserialize::<_, T>(de) {
                Err(e) => DecodeError::at_path(e.path(), e.inner().0.clone()),
                Ok(_) => DecodeError::single("", "decoding is not deterministic"),
            });
        }
    };
    if input.remaining() != 0 {
        return Err(DecodeError::single(
            "",
            format!("{} trailing bytes after the Avro datum", input.remaining()),
        ));
    }
    Ok(value)
}
