//! The engine's own records: the repartition topic's [`Envelope`] and the state changelog's
//! [`StateRecord`] (both JSON), and the header names of the output topics.

use serde::{Deserialize, Serialize};
use vroeg_domain::contract::messages::InputEvent;
use vroeg_domain::contract::municipality::Gemeentecode;
use vroeg_domain::contract::pseudonym::HouseholdId;
use vroeg_domain::household::PartitionPosition;
use vroeg_domain::rules::{Admitted, HouseholdState};

/// Header on outreach tasks: the task id.
pub const HEADER_TASK_ID: &str = "task_id";
/// Header on outreach tasks: the task version.
pub const HEADER_VERSION: &str = "version";
/// Header on rejected records: why.
pub const HEADER_REASON: &str = "reason";
/// Header on rejected records: where the input came from.
pub const HEADER_SOURCE_TOPIC: &str = "source_topic";
/// Header on rejected records: its partition.
pub const HEADER_SOURCE_PARTITION: &str = "source_partition";
/// Header on rejected records: its offset.
pub const HEADER_SOURCE_OFFSET: &str = "source_offset";

/// Record headers from `(name, value)` pairs, in order.
pub(crate) fn headers(pairs: &[(&str, &[u8])]) -> rdkafka::message::OwnedHeaders {
    pairs
        .iter()
        .fold(rdkafka::message::OwnedHeaders::new(), |h, (key, value)| {
            h.insert(rdkafka::message::Header {
                key,
                value: Some(*value),
            })
        })
}

/// Changelog key of a partition's position record.
pub const OFFSETS_KEY: &str = "__offsets__";
/// Changelog key prefix of restore markers.
pub const MARKER_PREFIX: &str = "__restore__/";

/// Where an input record was read: the ingest stage's source position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePos {
    /// Input topic.
    pub topic: String,
    /// Its partition.
    pub partition: i32,
    /// The record's offset.
    pub offset: i64,
}

impl SourcePos {
    /// `topic/partition`, the key of the per-source-partition high marks.
    pub fn partition_key(&self) -> String {
        format!("{}/{}", self.topic, self.partition)
    }
}

/// An admitted event on its way to its household (the repartition topic's value).
///
/// `event` is kept as raw JSON text: the household stage hands those bytes straight to the
/// contract codec. Until 2026-11-22 it was a `serde_json::Value`, which cost a tree of
/// allocations to read and a re-serialisation before the codec could decode it (D30).
/// The wire form is the same JSON object either way (only the key order inside `event` may
/// differ), so envelopes written by the older version decode unchanged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// The household (also the record key).
    pub household_id: HouseholdId,
    /// The municipality the ingest stage routed it to.
    pub municipality: Gemeentecode,
    /// The event in its normalised contract JSON form, as raw JSON text.
    pub event: Box<serde_json::value::RawValue>,
    /// Where the ingest stage read it.
    pub source: SourcePos,
}

/// A decision the ingest stage took (not routed, quarantined) on its way to the audit topic
/// through the household stage, which is the audit topic's only writer.
///
/// Why not write it to the audit topic directly from the ingest stage: two transactional producers
/// writing the same partitions is fine on Apache Kafka, but Tansu (the real broker the tests run
/// on) completes a transaction that overlaps another producer's open one only when a later
/// overlapping transaction ends — after a crash that can leave output partitions' last stable
/// offset stuck for good (docs/ENGINE.md, "One writer per partition"). One writer per output
/// partition avoids that, and it keeps a household's audit lines in one order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditEnvelope {
    /// The household the decision concerns (also the record key), if known.
    pub household_id: Option<HouseholdId>,
    /// The decision in its pseudonymous JSON form, byte for byte as the audit topic carries it.
    pub audit: Box<serde_json::value::RawValue>,
    /// Where the ingest stage read the input that caused it.
    pub source: SourcePos,
}

/// A record on the repartition topic.
#[derive(Debug, Clone)]
pub enum Repartitioned {
    /// An admitted event for its household.
    Event(Envelope),
    /// An ingest decision for the audit topic.
    Audit(AuditEnvelope),
}

impl Repartitioned {
    /// Decodes a repartition record: an [`Envelope`] or an [`AuditEnvelope`].
    pub fn decode(bytes: &[u8]) -> Result<Repartitioned, EnvelopeError> {
        match serde_json::from_slice::<Envelope>(bytes) {
            Ok(e) => Ok(Repartitioned::Event(e)),
            Err(event_err) => serde_json::from_slice::<AuditEnvelope>(bytes)
                .map(Repartitioned::Audit)
                .map_err(|audit_err| {
                    EnvelopeError(format!(
                        "neither an event envelope ({event_err}) nor an audit envelope ({audit_err})"
                    ))
                }),
        }
    }

    /// Where the ingest stage read the input.
    pub fn source(&self) -> &SourcePos {
        match self {
            Repartitioned::Event(e) => &e.source,
            Repartitioned::Audit(a) => &a.source,
        }
    }
}

/// Why an envelope could not be turned back into an admitted event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EnvelopeError(pub String);

impl Envelope {
    /// The envelope of an admitted event read at `source`.
    pub fn new(admitted: &Admitted, source: SourcePos) -> Result<Envelope, EnvelopeError> {
        let mut buf = Vec::with_capacity(1024);
        let res = match &admitted.event {
            InputEvent::Arrears(e) => vroeg_codec::encode_json(e, &mut buf),
            InputEvent::Objection(e) => vroeg_codec::encode_json(e, &mut buf),
            InputEvent::Feedback(e) => vroeg_codec::encode_json(e, &mut buf),
        };
        res.map_err(|e| EnvelopeError(e.to_string()))?;
        let text = String::from_utf8(buf).map_err(|e| EnvelopeError(e.to_string()))?;
        let event = serde_json::value::RawValue::from_string(text)
            .map_err(|e| EnvelopeError(e.to_string()))?;
        Ok(Envelope {
            household_id: admitted.household_id.clone(),
            municipality: admitted.municipality,
            event,
            source,
        })
    }

    /// The admitted event again (decoded with the contract codec).
    pub fn admitted(&self) -> Result<Admitted, EnvelopeError> {
        let event = vroeg_codec::decode_input(self.event.get().as_bytes())
            .map_err(|e| EnvelopeError(e.to_string()))?;
        Ok(Admitted {
            household_id: self.household_id.clone(),
            municipality: self.municipality,
            event,
        })
    }
}

/// A partition's position record: the household algorithm's [`PartitionPosition`], stored as is.
pub type PartitionOffsets = PartitionPosition;

/// A value on the state changelog. A household's tombstone (purged) is a record without value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StateRecord {
    /// One household's state, with the repartition offset of the last envelope applied to it (so
    /// a replay after a partial write skips what this state already contains).
    Household {
        /// Repartition offset of the last envelope applied (-1: none, ticks only).
        applied: i64,
        /// The state.
        state: Box<HouseholdState>,
        /// The household's keys on the reporting store (`<gemeentecode>:<key>`), tombstoned there
        /// when it is purged. Absent in records written before the store existed.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        report_keys: Vec<String>,
    },
    /// The partition's position (key [`OFFSETS_KEY`]).
    Offsets(PartitionOffsets),
    /// A restore marker (key `__restore__/<uuid>`): the restoring instance reads up to it.
    Marker {
        /// The instance that wrote it.
        instance: String,
    },
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn offsets_dedupe_by_source_partition() {
        let mut o = PartitionOffsets::default();
        let at = |p, offset| SourcePos {
            topic: "vroeg.arrears.v1".into(),
            partition: p,
            offset,
        };
        let seen = |o: &PartitionOffsets, s: SourcePos| o.seen(&s.partition_key(), s.offset);
        let mark = |o: &mut PartitionOffsets, s: SourcePos| o.mark(&s.partition_key(), s.offset);
        assert!(!seen(&o, at(0, 0)));
        mark(&mut o, at(0, 5));
        assert!(seen(&o, at(0, 5)));
        assert!(seen(&o, at(0, 3)));
        assert!(!seen(&o, at(0, 6)));
        assert!(!seen(&o, at(1, 0)));
        mark(&mut o, at(0, 2));
        assert_eq!(o.sources["vroeg.arrears.v1/0"], 5);
        let json = serde_json::to_string(&StateRecord::Offsets(o.clone())).unwrap();
        assert!(json.starts_with(r#"{"type":"offsets""#), "{json}");
        assert_eq!(
            serde_json::from_str::<StateRecord>(&json).unwrap(),
            StateRecord::Offsets(o)
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod envelope_compat {
    use super::*;

    /// An envelope as the version before 2026-11-22 wrote it: `event` went through a
    /// `serde_json::Value`, so its keys came out sorted. It must still decode and re-admit.
    #[test]
    fn envelopes_of_the_previous_version_decode() {
        let event = serde_json::json!({
            "event_id": "e-1", "creditor_id": "woonstad-rotterdam", "sector": "HUUR",
            "event_type": "ARREARS", "customer_ref": "K-1", "arrears_amount": "512.40",
            "arrears_since": "2026-09-01", "occurred_at": "2026-09-15T09:00:00Z",
            "reminders_sent": 1, "personal_contact_attempted": true,
            "pointed_to_debt_help": true, "data_sharing_offered": true, "objected": false,
            "consent_ref": null, "crisis": false, "warm_handover": false,
            "end_of_supply_date": null, "person": {"initials": "A.", "surname": "Dijk"},
            "address": {"postcode": "3011AB", "house_number": 10}, "municipality_code": null
        });
        let old = serde_json::json!({
            "household_id": "hh_test", "municipality": "0599", "event": event,
            "source": {"topic": "vroeg.arrears.v1", "partition": 0, "offset": 7}
        });
        let bytes = serde_json::to_vec(&old).unwrap();
        let Repartitioned::Event(env) = Repartitioned::decode(&bytes).unwrap() else {
            panic!("not an event envelope");
        };
        assert_eq!(env.source.offset, 7);
        let admitted = env.admitted().unwrap();
        assert_eq!(admitted.household_id.as_str(), "hh_test");
        let expected = vroeg_codec::decode_input(&serde_json::to_vec(&event).unwrap()).unwrap();
        assert_eq!(admitted.event, expected);
        // And the new form round-trips through the same decoder, byte-identical event text.
        let again = Envelope::new(&admitted, env.source.clone()).unwrap();
        let wire = serde_json::to_vec(&again).unwrap();
        let Repartitioned::Event(back) = Repartitioned::decode(&wire).unwrap() else {
            panic!("not an event envelope");
        };
        assert_eq!(back.event.get(), again.event.get());
        assert_eq!(back.admitted().unwrap().event, expected);
    }
}
