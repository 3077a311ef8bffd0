//! Every message round-trips through JSON, Avro single-object encoding and the Confluent wire
//! format; and our direct Avro encoder agrees byte for byte with apache-avro's generic one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fmt::Debug;

use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::writer::datum::GenericDatumWriter;
use proptest::prelude::*;
use vroeg_codec::{Codec, Message, WireFormat, decode_input, default_codec};
use vroeg_domain::contract::messages::InputEvent;

use common::*;

/// Round-trips `msg` through every format, and checks the Avro datum against apache-avro.
fn round_trip<M: Message + PartialEq + Debug>(codec: &Codec, msg: &M) {
    for format in [
        WireFormat::Json,
        WireFormat::AvroSingleObject,
        WireFormat::Confluent { schema_id: 42 },
    ] {
        let mut out = Vec::new();
        codec.encode(msg, format, &mut out).unwrap();
        let back: M = codec
            .decode(&out)
            .unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert_eq!(&back, msg, "{format:?}");
    }
    // apache-avro reads our datum, and writes exactly the same bytes back: the direct encoder
    // produces standard Avro, not a private dialect.
    let schema = codec.schema(M::KIND).unwrap();
    let mut datum = Vec::new();
    codec.encode_datum(msg, &mut datum).unwrap();
    let mut slice = datum.as_slice();
    let value = GenericDatumReader::builder(schema)
        .build()
        .unwrap()
        .read_value(&mut slice)
        .unwrap();
    assert!(slice.is_empty());
    let again = GenericDatumWriter::builder(schema)
        .build()
        .unwrap()
        .write_value_to_vec(value)
        .unwrap();
    assert_eq!(again, datum);
    assert_eq!(codec.decode_datum::<M>(&datum).unwrap(), *msg);
}

/// A codec where Confluent id 42 is the current schema of `M`.
fn codec_for<M: Message>() -> Codec {
    let c = Codec::new().unwrap();
    c.register(42, M::KIND.schema_json()).unwrap();
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn round_trips_arrears_event(m in arrears_event()) {
        round_trip(&codec_for::<vroeg_domain::contract::messages::ArrearsEvent>(), &m);
    }

    #[test]
    fn round_trips_objection_event(m in objection_event()) {
        round_trip(&codec_for::<vroeg_domain::contract::messages::ObjectionEvent>(), &m);
    }

    #[test]
    fn round_trips_feedback_event(m in feedback_event()) {
        round_trip(&codec_for::<vroeg_domain::contract::messages::FeedbackEvent>(), &m);
    }

    #[test]
    fn round_trips_outreach_task(m in outreach_task()) {
        round_trip(&codec_for::<vroeg_domain::contract::messages::OutreachTask>(), &m);
    }

    #[test]
    fn round_trips_creditor_status(m in creditor_status()) {
        round_trip(&codec_for::<vroeg_domain::contract::messages::CreditorStatus>(), &m);
    }

    #[test]
    fn round_trips_decision(m in decision()) {
        round_trip(&codec_for::<vroeg_domain::contract::decision::Decision>(), &m);
    }

    #[test]
    fn input_events_detect_their_type(a in arrears_event(), o in objection_event(), f in feedback_event()) {
        let codec = default_codec().unwrap();
        for format in [WireFormat::Json, WireFormat::AvroSingleObject] {
            let mut out = Vec::new();
            codec.encode(&a, format, &mut out).unwrap();
            prop_assert_eq!(decode_input(&out).unwrap(), InputEvent::Arrears(a.clone()));
            out.clear();
            codec.encode(&o, format, &mut out).unwrap();
            prop_assert_eq!(decode_input(&out).unwrap(), InputEvent::Objection(o.clone()));
            out.clear();
            codec.encode(&f, format, &mut out).unwrap();
            prop_assert_eq!(decode_input(&out).unwrap(), InputEvent::Feedback(f.clone()));
        }
    }
}

#[test]
fn contract_example_round_trips_and_is_compact() {
    let codec = codec_for::<vroeg_domain::contract::messages::ArrearsEvent>();
    let e = sample_arrears();
    assert_eq!(e.address.postcode.as_str(), "3011AB");
    round_trip(&codec, &e);
    let mut json = Vec::new();
    let mut avro = Vec::new();
    codec.encode(&e, WireFormat::Json, &mut json).unwrap();
    codec
        .encode(&e, WireFormat::AvroSingleObject, &mut avro)
        .unwrap();
    assert_eq!(&avro[..2], &[0xC3, 0x01]);
    assert_eq!(
        &avro[2..10],
        &codec
            .fingerprint(vroeg_codec::MessageKind::ArrearsEvent)
            .unwrap()
            .to_le_bytes()
    );
    assert!(
        avro.len() * 2 < json.len(),
        "{} vs {}",
        avro.len(),
        json.len()
    );
    let mut conf = Vec::new();
    codec
        .encode(
            &e,
            WireFormat::Confluent {
                schema_id: 0x0102_0304,
            },
            &mut conf,
        )
        .unwrap();
    assert_eq!(&conf[..5], &[0, 1, 2, 3, 4]);
    assert_eq!(&conf[5..], &avro[10..]);
}

#[test]
fn fingerprint_matches_the_specification_algorithm() {
    // CRC-64-AVRO of the canonical form, computed independently from the Avro specification.
    fn rabin(data: &[u8]) -> u64 {
        const EMPTY: u64 = 0xc15d_213a_a4d7_a795;
        let mut table = [0u64; 256];
        for (i, slot) in table.iter_mut().enumerate() {
            let mut fp = i as u64;
            for _ in 0..8 {
                fp = (fp >> 1) ^ (EMPTY & (0u64.wrapping_sub(fp & 1)));
            }
            *slot = fp;
        }
        let mut fp = EMPTY;
        for &b in data {
            fp = (fp >> 8) ^ table[((fp ^ u64::from(b)) & 0xff) as usize];
        }
        fp
    }
    let codec = default_codec().unwrap();
    for kind in vroeg_codec::MessageKind::ALL {
        let schema = codec.schema(kind).unwrap();
        assert_eq!(
            codec.fingerprint(kind).unwrap(),
            rabin(schema.canonical_form().as_bytes()),
            "{kind}"
        );
    }
}
