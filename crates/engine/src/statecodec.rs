//! The state changelog's value encoding.
//!
//! Two forms are read, one is written:
//! - **v0** (written until 2026-11-22): the [`StateRecord`] as JSON, first byte `{`.
//! - **v1** (written now, household records only): the bytes [`V1_MAGIC`] (`0x00 0x01`) followed
//!   by the raw-deflate compression of exactly the v0 JSON of the same record.
//!
//! Why compressed JSON and not a schema'd binary form: the household state is a deep serde
//! structure owned by `vroeg-domain` that keeps growing fields with `#[serde(default)]`; JSON keeps
//! that evolution story (old records stay readable by name), and deflate removes what makes the
//! JSON big — repeated field names, the household pseudonym repeated in case and task ids, dates
//! as text. Measured on generated traffic (docs/BENCHMARKS.md): ~1.7 kB → a few hundred bytes.
//! A leading `0x00` can never start a JSON document, so the two forms cannot be confused, and the
//! second byte leaves room for later versions. Offsets and marker records stay JSON: they are
//! one per partition and tiny.

use serde::Serialize;
use vroeg_domain::rules::HouseholdState;

use crate::records::StateRecord;

/// First bytes of a v1 (compressed) household record.
pub const V1_MAGIC: [u8; 2] = [0x00, 0x01];

/// Largest inflated record accepted: far above any real household, it only stops a corrupt or
/// hostile record from exhausting memory during restore.
const MAX_INFLATED: usize = 16 * 1024 * 1024;

/// Deflate level: 6 (miniz's default) measured only a few percent smaller than 1 at several times
/// the cost; the state is encoded once per dirty household per batch on the stage thread.
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
    let json = encode_household_json(applied, state, report_keys)?;
    let packed = miniz_oxide::deflate::compress_to_vec(&json, LEVEL);
    let mut out = Vec::with_capacity(V1_MAGIC.len() + packed.len());
    out.extend_from_slice(&V1_MAGIC);
    out.extend_from_slice(&packed);
    Ok(out)
}

/// Any changelog value (v0 JSON of every record type, or a v1 household record).
pub fn decode(bytes: &[u8]) -> Result<StateRecord, StateCodecError> {
    match bytes {
        [] => Err(StateCodecError::Empty),
        [0x00, 0x01, packed @ ..] => {
            let json = miniz_oxide::inflate::decompress_to_vec_with_limit(packed, MAX_INFLATED)
                .map_err(|e| StateCodecError::Inflate(format!("{:?}", e.status)))?;
            Ok(serde_json::from_slice(&json)?)
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
