//! Schema evolution: ArrearsEvent data written with the first published schema (without
//! `min_payment_term_days`) is read by the current schema through Avro schema resolution.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use apache_avro::Schema;
use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::types::Value;
use apache_avro::writer::datum::GenericDatumWriter;
use proptest::prelude::*;
use vroeg_codec::schemas::HISTORY;
use vroeg_codec::{Codec, MessageKind, decode_arrears, decode_input, default_codec, fingerprint};
use vroeg_domain::contract::messages::{ArrearsEvent, InputEvent};

use common::*;

fn v0_schema() -> Schema {
    let (kind, text) = HISTORY[0];
    assert_eq!(kind, MessageKind::ArrearsEvent);
    Schema::parse_str(text).unwrap()
}

/// Writes an event with the v0 schema, as an old producer would: the datum only.
fn write_v0(e: &ArrearsEvent) -> Vec<u8> {
    let codec = default_codec().unwrap();
    let current = codec.schema(MessageKind::ArrearsEvent).unwrap();
    let mut datum = Vec::new();
    codec.encode_datum(e, &mut datum).unwrap();
    let value = GenericDatumReader::builder(current)
        .build()
        .unwrap()
        .read_value(&mut datum.as_slice())
        .unwrap();
    let Value::Record(mut fields) = value else {
        panic!()
    };
    fields.retain(|(n, _)| n != "min_payment_term_days");
    GenericDatumWriter::builder(&v0_schema())
        .build()
        .unwrap()
        .write_value_to_vec(Value::Record(fields))
        .unwrap()
}

fn single_object(fp: u64, datum: &[u8]) -> Vec<u8> {
    let mut out = vec![0xC3, 0x01];
    out.extend_from_slice(&fp.to_le_bytes());
    out.extend_from_slice(datum);
    out
}

#[test]
fn v0_differs_from_current_and_lacks_only_the_new_field() {
    let codec = default_codec().unwrap();
    let v0 = v0_schema();
    assert_ne!(
        fingerprint(&v0),
        codec.fingerprint(MessageKind::ArrearsEvent).unwrap()
    );
    let names = |s: &Schema| match s {
        Schema::Record(r) => r.fields.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
        _ => panic!(),
    };
    let mut current = names(codec.schema(MessageKind::ArrearsEvent).unwrap());
    current.retain(|n| n != "min_payment_term_days");
    assert_eq!(names(&v0), current);
}

#[test]
fn contract_example_written_with_v0_is_read_by_fingerprint_and_by_registry_id() {
    let mut e = sample_arrears();
    e.min_payment_term_days = None;
    let datum = write_v0(&e);
    let bytes = single_object(fingerprint(&v0_schema()), &datum);
    assert_eq!(decode_arrears(&bytes).unwrap(), e);
    assert_eq!(
        decode_input(&bytes).unwrap(),
        InputEvent::Arrears(e.clone())
    );

    let codec = Codec::new().unwrap();
    codec.register(11, HISTORY[0].1).unwrap();
    let mut conf = vec![0, 0, 0, 0, 11];
    conf.extend_from_slice(&datum);
    assert_eq!(codec.decode::<ArrearsEvent>(&conf).unwrap(), e);
}

#[test]
fn v0_data_errors_still_name_the_field() {
    let mut e = sample_arrears();
    e.min_payment_term_days = None;
    let codec = default_codec().unwrap();
    let current = codec.schema(MessageKind::ArrearsEvent).unwrap();
    let mut datum = Vec::new();
    codec.encode_datum(&e, &mut datum).unwrap();
    let Value::Record(mut fields) = GenericDatumReader::builder(current)
        .build()
        .unwrap()
        .read_value(&mut datum.as_slice())
        .unwrap()
    else {
        panic!()
    };
    fields.retain(|(n, _)| n != "min_payment_term_days");
    for (n, v) in &mut fields {
        if n == "address" {
            let Value::Record(a) = v else { panic!() };
            a[0].1 = Value::String("0000AA".into());
        }
    }
    let datum = GenericDatumWriter::builder(&v0_schema())
        .build()
        .unwrap()
        .write_value_to_vec(Value::Record(fields))
        .unwrap();
    let err = decode_arrears(&single_object(fingerprint(&v0_schema()), &datum)).unwrap_err();
    assert_eq!(err.errors[0].field, "address.postcode");
    assert_eq!(err.event_id.as_deref(), Some(e.event_id.as_str()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_event_written_with_v0_reads_back(mut e in arrears_event()) {
        e.min_payment_term_days = None;
        let bytes = single_object(fingerprint(&v0_schema()), &write_v0(&e));
        prop_assert_eq!(decode_arrears(&bytes).unwrap(), e);
    }
}
