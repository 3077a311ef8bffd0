//! # vroeg-codec
//!
//! JSON and Avro encodings of the contract's messages. Pure: bytes in, values out, no I/O.
//!
//! Decoding is strict: unknown fields, floats for money, missing required fields, bad postcodes
//! and bad enum values are errors that name the field path and the problem.

pub mod json;

use vroeg_domain::messages::FieldError;

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
}

pub use json::{decode_input, encode_json};
