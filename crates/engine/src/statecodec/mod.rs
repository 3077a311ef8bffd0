//! The state changelog's value encoding.
//!
//! Two forms are read, one is written:
//! - **v0** (written until 2026-11-22): the [`StateRecord`] as JSON, first byte `{`.
//! - **v1** (written now, household records only): the bytes [`V1_MAGIC`] (`0x00 0x01`) followed
//!   by the raw-deflate compression of the record's JSON value in the `packed` form (keys as
//!   one-byte indices, dates and timestamps as numbers, varints).
//!
//! Why not a schema'd binary form (Avro, postcard over the serde derives): the household state is
//! a deep serde structure owned by `vroeg-domain` that keeps growing fields with
//! `#[serde(default)]`, and uses internally tagged enums that non-self-describing formats cannot
//! read. The packed form is the JSON value tree itself, so the same derives read v0 and v1 and
//! new fields need no format change; deflate then removes what repeats (the household pseudonym
//! inside case, task and signal ids, creditor ids, amounts). Measured on generated traffic
//! (docs/BENCHMARKS.md): ~1.7 kB of JSON per household → a few hundred bytes. A leading `0x00`
//! can never start a JSON document, so the forms cannot be confused; the second byte is the
//! version. Offsets and marker records stay JSON: one per partition, and tiny.

mod packed;

use serde::Serialize;
use vroeg_domain::rules::HouseholdState;

use crate::records::StateRecord;

/// First bytes of a v1 (compressed) household record.
pub const V1_MAGIC: [u8; 2] = [0x00, 0x01];

/// Largest inflated record accepted: far above any real household, it only stops a corrupt or
/// hostile record from exhausting memory during restore.
const MAX_INFLATED: usize = 16 * 1024 * 1024;

/// Deflate level: the fastest. The state is encoded once per dirty household per batch on the
/// stage thread; after packing, higher levels have little redundancy left to find.
const LEVEL: u8 = 1;

/// Why a changelog value could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum StateCodecError {
    /// JSON (inside v0 or v1) did not (de)serialise.
    #[error("state record JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A v1 record whose deflate stream is broken or too large.
    #[error("state record v1: cannot inflate: {0}")]
    Inflate(String),
    /// A v1 record whose packed value is malformed.
    #[error("state record v1: {0}")]
    Packed(String),
    /// A binary record of a version this build does not know.
    #[error("state record: unknown encoding version {0}")]
    UnknownVersion(u8),
    /// An empty value that is not a tombstone.
    #[error("state record: empty value")]
    Empty,
}

/// The household record's shape, borrowing the state (the owned [`StateRecord::Household`] holds
/// a `Box`): the JSON is exactly that of `StateRecord::Household`.
#[derive(Serialize)]
struct Borrowed<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    applied: i64,
    state: &'a HouseholdState,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    report_keys: &'a [String],
}

/// A household record in the v0 form (JSON), as written before v1; kept for the compatibility
/// tests and for tools that want the readable form.
pub fn encode_household_json(
    applied: i64,
    state: &HouseholdState,
    report_keys: &[String],
) -> Result<Vec<u8>, StateCodecError> {
    let mut json = Vec::with_capacity(2048);
    serde_json::to_writer(
        &mut json,
        &Borrowed {
            kind: "household",
            applied,
            state,
            report_keys,
        },
    )?;
    Ok(json)
}

/// A household record in the form written now (v1).
pub fn encode_household(
    applied: i64,
    state: &HouseholdState,
    report_keys: &[String],
) -> Result<Vec<u8>, StateCodecError> {
    let value = serde_json::to_value(Borrowed {
        kind: "household",
        applied,
        state,
        report_keys,
    })?;
    let mut raw = Vec::with_capacity(1024);
    packed::pack(&value, &mut raw);
    let deflated = miniz_oxide::deflate::compress_to_vec(&raw, LEVEL);
    let mut out = Vec::with_capacity(V1_MAGIC.len() + deflated.len());
    out.extend_from_slice(&V1_MAGIC);
    out.extend_from_slice(&deflated);
    Ok(out)
}

/// Any changelog value (v0 JSON of every record type, or a v1 household record).
pub fn decode(bytes: &[u8]) -> Result<StateRecord, StateCodecError> {
    match bytes {
        [] => Err(StateCodecError::Empty),
        [0x00, 0x01, deflated @ ..] => {
            let raw = miniz_oxide::inflate::decompress_to_vec_with_limit(deflated, MAX_INFLATED)
                .map_err(|e| StateCodecError::Inflate(format!("{:?}", e.status)))?;
            let value = packed::Reader::new(&raw)
                .value_to_end()
                .map_err(StateCodecError::Packed)?;
            Ok(serde_json::from_value(value)?)
        }
        [0x00, v, ..] => Err(StateCodecError::UnknownVersion(*v)),
        json => Ok(serde_json::from_slice(json)?),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn unknown_versions_and_garbage_are_errors_not_panics() {
        assert!(matches!(decode(&[]), Err(StateCodecError::Empty)));
        assert!(matches!(
            decode(&[0x00, 0x07, 1, 2]),
            Err(StateCodecError::UnknownVersion(7))
        ));
        assert!(matches!(
            decode(&[0x00, 0x01, 0xff, 0xff, 0xff]),
            Err(StateCodecError::Inflate(_))
        ));
        assert!(matches!(decode(b"{nope"), Err(StateCodecError::Json(_))));
    }

    #[test]
    fn offsets_and_markers_stay_json() {
        let m = StateRecord::Marker {
            instance: "i-1".into(),
        };
        let json = serde_json::to_vec(&m).unwrap();
        assert_eq!(decode(&json).unwrap(), m);
    }
}
