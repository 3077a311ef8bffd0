//! # vroeg-codec
//!
//! JSON and Avro encodings of the contract's messages (`CONTRACT.md`), and CSV for uploads
//! ([`csv`]). Pure: bytes in, values
//! out; no I/O, no clock.
//!
//! - Decoding detects the encoding by content ([`detect_format`]): `{` → JSON, `C3 01` → Avro
//!   single-object encoding, `00` + schema id → Confluent wire format.
//! - Decoding is strict: unknown fields, floats for money, missing required fields, bad postcodes
//!   and bad enum values are a [`DecodeError`] naming the field path and the problem. Hostile
//!   bytes never panic and never allocate beyond the input's size.
//! - The Avro schemas live in `schemas/` and are embedded; a [`Codec`] holds them parsed, built
//!   once. The free functions here use a process-wide codec without Confluent registrations.
//!
//! ```
//! use vroeg_codec::{WireFormat, decode_arrears, default_codec};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let json = br#"{"event_id":"e1","creditor_id":"c","sector":"HUUR","event_type":"RESOLVED",
//!   "customer_ref":"K1","occurred_at":"2026-10-15T09:00:00Z",
//!   "address":{"postcode":"3011 AB","house_number":10}}"#;
//! let event = decode_arrears(json)?;
//! let mut avro = Vec::new();
//! default_codec()?.encode(&event, WireFormat::AvroSingleObject, &mut avro)?;
//! assert_eq!(decode_arrears(&avro)?, event);
//! # Ok(()) }
//! ```

pub mod avro;
pub mod csv;
pub mod json;
pub mod schemas;

use std::sync::OnceLock;

use vroeg_domain::contract::decision::Decision;
use vroeg_domain::contract::messages::{
    ArrearsEvent, CreditorStatus, FeedbackEvent, FieldError, InputEvent, ObjectionEvent,
    OutreachTask,
};

pub use avro::wire::{DetectedFormat, detect_format};
pub use avro::{Codec, MAX_ALLOCATION_BYTES, fingerprint};
pub use json::encode_json;
pub use schemas::{Message, MessageKind};

/// Why input bytes are not a contract message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct DecodeError {
    /// The `event_id`, when it could be read despite the problem (for the REJECTED decision).
    pub event_id: Option<String>,
    /// Every problem found, with its field path.
    pub errors: Vec<FieldError>,
}

impl DecodeError {
    /// One problem with one field.
    pub fn single(field: impl Into<String>, problem: impl Into<String>) -> Self {
        DecodeError {
            event_id: None,
            errors: vec![FieldError::new(field, problem)],
        }
    }

    /// A problem reported by serde at `path` (`serde_path_to_error`'s form: `.` for the root).
    /// serde reports a missing field at its parent; the field itself is the useful path, so it
    /// is appended (`address` + missing `postcode` → `address.postcode`).
    pub(crate) fn at_path(path: &serde_path_to_error::Path, problem: String) -> Self {
        let mut field = path.to_string();
        if field == "." {
            field.clear();
        }
        let missing = problem
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        if let Some(name) = missing {
            if !field.is_empty() {
                field.push('.');
            }
            field.push_str(name);
        }
        DecodeError::single(field, problem)
    }

    /// Sets the `event_id` if none is set yet.
    pub fn with_event_id(mut self, event_id: Option<String>) -> Self {
        if self.event_id.is_none() {
            self.event_id = event_id;
        }
        self
    }
}

/// Why a message could not be encoded. Messages built by the pipeline always encode; this
/// reports values outside what the schema can carry (e.g. an amount beyond 12 digits).
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// JSON serialisation failed.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The value does not fit the Avro schema.
    #[error("Avro: {field}: {problem}")]
    Avro {
        /// Field path, e.g. `signals[0].amount`.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// The codec's schemas are unusable.
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

/// A schema the codec cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// Not a valid Avro schema.
    #[error("schema {name} does not parse: {reason}")]
    Parse {
        /// Which schema.
        name: String,
        /// The parser's complaint.
        reason: String,
    },
    /// A construct the direct encoder does not support.
    #[error("schema construct at {path} not supported: {what}")]
    Unsupported {
        /// Where in the schema.
        path: String,
        /// What.
        what: String,
    },
    /// A record that is not one of the contract's messages.
    #[error("not a contract message schema: {0}")]
    UnknownRecord(String),
    /// A writer schema our reader schema cannot resolve.
    #[error("writer schema for {kind} cannot be read with the current schema: {reason}")]
    Incompatible {
        /// Which message.
        kind: MessageKind,
        /// apache-avro's explanation.
        reason: String,
    },
    /// The registry map's lock was poisoned by a panic elsewhere.
    #[error("schema registry map poisoned")]
    Poisoned,
}

/// How to encode a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum WireFormat {
    /// The JSON contract form (UTF-8, one object, no trailing newline).
    #[default]
    Json,
    /// Avro single-object encoding: `C3 01`, the schema's 8-byte Rabin fingerprint, the datum.
    AvroSingleObject,
    /// Confluent wire format: `00`, the 4-byte big-endian registry id, the datum.
    Confluent {
        /// The id the schema registry gave the current schema of the message.
        schema_id: u32,
    },
}

impl Codec {
    /// Appends a message in the given format.
    pub fn encode<M: Message>(
        &self,
        msg: &M,
        format: WireFormat,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        match format {
            WireFormat::Json => Ok(encode_json(msg, out)?),
            WireFormat::AvroSingleObject => self.encode_single_object(msg, out),
            WireFormat::Confluent { schema_id } => self.encode_confluent(msg, schema_id, out),
        }
    }

    /// Decodes a message of a known type, detecting the encoding by content.
    pub fn decode<M: Message>(&self, bytes: &[u8]) -> Result<M, DecodeError> {
        match detect_format(bytes) {
            Some(DetectedFormat::Json) => json::decode(bytes),
            Some(f) => self.decode_avro(f, bytes),
            None => Err(not_recognised()),
        }
    }

    /// Decodes any input message (arrears, objection, feedback), detecting the encoding by
    /// content; JSON chooses the type by `event_type`, Avro by the writer schema.
    pub fn decode_input(&self, bytes: &[u8]) -> Result<InputEvent, DecodeError> {
        match detect_format(bytes) {
            Some(DetectedFormat::Json) => json::decode_input(bytes),
            Some(f) => match self.avro_kind(f, bytes)? {
                MessageKind::ArrearsEvent => self.decode_avro(f, bytes).map(InputEvent::Arrears),
                MessageKind::ObjectionEvent => {
                    self.decode_avro(f, bytes).map(InputEvent::Objection)
                }
                MessageKind::FeedbackEvent => self.decode_avro(f, bytes).map(InputEvent::Feedback),
                other => Err(DecodeError::single(
                    "",
                    format!("a {other} is not an input message"),
                )),
            },
            None => Err(not_recognised()),
        }
    }
}

fn not_recognised() -> DecodeError {
    DecodeError::single(
        "",
        "not a JSON object, Avro single-object encoding or Confluent wire format",
    )
}

/// The process-wide codec with the embedded schemas and no Confluent registrations.
pub fn default_codec() -> Result<&'static Codec, SchemaError> {
    static DEFAULT: OnceLock<Result<Codec, SchemaError>> = OnceLock::new();
    DEFAULT
        .get_or_init(Codec::new)
        .as_ref()
        .map_err(Clone::clone)
}

fn with_default<T>(f: impl FnOnce(&Codec) -> Result<T, DecodeError>) -> Result<T, DecodeError> {
    let codec = default_codec().map_err(|e| DecodeError::single("", e.to_string()))?;
    f(codec)
}

/// Decodes any input message (JSON, Avro single-object; Confluent only through a [`Codec`] with
/// registrations).
pub fn decode_input(bytes: &[u8]) -> Result<InputEvent, DecodeError> {
    with_default(|c| c.decode_input(bytes))
}

/// Decodes any input message and checks the contract's cross-field rules (`validate`): the
/// event, or every problem found (with the `event_id` when it could be read). The one "decode
/// then validate" step of the creditor upload and the demo; the registry check, which needs
/// configuration, stays with `rules::admit`.
pub fn decode_valid_input(bytes: &[u8]) -> Result<InputEvent, DecodeError> {
    let event = decode_input(bytes)?;
    match event.validate() {
        Ok(()) => Ok(event),
        Err(errors) => Err(DecodeError {
            event_id: Some(event.event_id().to_owned()),
            errors,
        }),
    }
}

/// Decodes a message of a known type with the default codec, detecting the encoding.
pub fn decode<M: Message>(bytes: &[u8]) -> Result<M, DecodeError> {
    with_default(|c| c.decode(bytes))
}

/// Appends a message in the given format with the default codec.
pub fn encode<M: Message>(
    msg: &M,
    format: WireFormat,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    default_codec()?.encode(msg, format, out)
}

/// Decodes an [`ArrearsEvent`] (JSON or Avro).
pub fn decode_arrears(bytes: &[u8]) -> Result<ArrearsEvent, DecodeError> {
    decode(bytes)
}

/// Decodes an [`ObjectionEvent`] (JSON or Avro).
pub fn decode_objection(bytes: &[u8]) -> Result<ObjectionEvent, DecodeError> {
    decode(bytes)
}

/// Decodes a [`FeedbackEvent`] (JSON or Avro).
pub fn decode_feedback(bytes: &[u8]) -> Result<FeedbackEvent, DecodeError> {
    decode(bytes)
}

/// Decodes an [`OutreachTask`] (JSON or Avro).
pub fn decode_outreach_task(bytes: &[u8]) -> Result<OutreachTask, DecodeError> {
    decode(bytes)
}

/// Decodes a [`CreditorStatus`] (JSON or Avro).
pub fn decode_creditor_status(bytes: &[u8]) -> Result<CreditorStatus, DecodeError> {
    decode(bytes)
}

/// Decodes a [`Decision`] (JSON or Avro).
pub fn decode_decision(bytes: &[u8]) -> Result<Decision, DecodeError> {
    decode(bytes)
}
