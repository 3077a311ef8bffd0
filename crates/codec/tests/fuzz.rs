//! Hostile bytes: no decoder panics, whatever the input — random bytes, random bytes behind
//! every known header, and valid messages with bytes flipped, cut or inserted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::OnceLock;

use proptest::collection::vec;
use proptest::prelude::*;
use vroeg_codec::schemas::HISTORY;
use vroeg_codec::{Codec, MessageKind, WireFormat, fingerprint};
use vroeg_domain::contract::decision::Decision;
use vroeg_domain::contract::messages::*;

use common::*;

/// A codec with Confluent ids 1..=6 for the current schemas and 100 for ArrearsEvent v0.
fn codec() -> &'static Codec {
    static CODEC: OnceLock<Codec> = OnceLock::new();
    CODEC.get_or_init(|| {
        let c = Codec::new().unwrap();
        for (i, kind) in MessageKind::ALL.into_iter().enumerate() {
            c.register(u32::try_from(i).unwrap() + 1, kind.schema_json())
                .unwrap();
        }
        c.register(100, HISTORY[0].1).unwrap();
        c
    })
}

/// Every decoder on the same bytes; results are ignored, only panics matter.
fn decode_all(bytes: &[u8]) {
    let c = codec();
    let _ = c.decode_input(bytes);
    let _ = c.decode::<ArrearsEvent>(bytes);
    let _ = c.decode::<ObjectionEvent>(bytes);
    let _ = c.decode::<FeedbackEvent>(bytes);
    let _ = c.decode::<OutreachTask>(bytes);
    let _ = c.decode::<CreditorStatus>(bytes);
    let _ = c.decode::<Decision>(bytes);
    let _ = vroeg_codec::decode_input(bytes);
    if bytes.len() > 10 {
        let _ = c.decode_datum::<ArrearsEvent>(&bytes[10..]);
        let _ = c.decode_datum::<Decision>(&bytes[10..]);
    }
}

/// Every header the codec knows.
fn headers() -> Vec<Vec<u8>> {
    let c = codec();
    let mut out = Vec::new();
    for kind in MessageKind::ALL {
        let mut h = vec![0xC3, 0x01];
        h.extend_from_slice(&c.fingerprint(kind).unwrap().to_le_bytes());
        out.push(h);
    }
    let v0 = apache_avro::Schema::parse_str(HISTORY[0].1).unwrap();
    let mut h = vec![0xC3, 0x01];
    h.extend_from_slice(&fingerprint(&v0).to_le_bytes());
    out.push(h);
    for id in [1u32, 2, 3, 4, 5, 6, 100] {
        let mut h = vec![0];
        h.extend_from_slice(&id.to_be_bytes());
        out.push(h);
    }
    out.push(b"{".to_vec());
    out
}

fn valid_messages() -> impl Strategy<Value = Vec<u8>> {
    let fmt = prop_oneof![
        Just(WireFormat::Json),
        Just(WireFormat::AvroSingleObject),
        (1u32..=6).prop_map(|schema_id| WireFormat::Confluent { schema_id }),
    ];
    (
        prop_oneof![
            arrears_event()
                .prop_map(|m| (MessageKind::ArrearsEvent, serde_json::to_value(m).unwrap())),
            outreach_task()
                .prop_map(|m| (MessageKind::OutreachTask, serde_json::to_value(m).unwrap())),
            decision().prop_map(|m| (MessageKind::Decision, serde_json::to_value(m).unwrap())),
            feedback_event()
                .prop_map(|m| (MessageKind::FeedbackEvent, serde_json::to_value(m).unwrap())),
        ],
        fmt,
    )
        .prop_map(|((kind, json), format)| {
            let c = codec();
            let mut out = Vec::new();
            // Re-typed from JSON so one strategy can cover several messages.
            match kind {
                MessageKind::ArrearsEvent => c.encode(
                    &serde_json::from_value::<ArrearsEvent>(json).unwrap(),
                    format,
                    &mut out,
                ),
                MessageKind::OutreachTask => c.encode(
                    &serde_json::from_value::<OutreachTask>(json).unwrap(),
                    format,
                    &mut out,
                ),
                MessageKind::FeedbackEvent => c.encode(
                    &serde_json::from_value::<FeedbackEvent>(json).unwrap(),
                    format,
                    &mut out,
                ),
                _ => c.encode(
                    &serde_json::from_value::<Decision>(json).unwrap(),
                    format,
                    &mut out,
                ),
            }
            .unwrap();
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes(bytes in vec(any::<u8>(), 0..300)) {
        decode_all(&bytes);
    }

    #[test]
    fn arbitrary_datum_behind_every_header(h in 0usize..15, tail in vec(any::<u8>(), 0..300)) {
        let headers = headers();
        let mut bytes = headers[h % headers.len()].clone();
        bytes.extend_from_slice(&tail);
        decode_all(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn mutated_valid_messages(
        msg in valid_messages(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4),
    ) {
        let mut bytes = msg;
        for (at, byte, op) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = byte,
                1 => bytes.truncate(i),
                _ => bytes.insert(i, byte),
            }
        }
        decode_all(&bytes);
    }
}
