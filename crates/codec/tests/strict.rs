//! Strict decoding: every class of contract violation is an error that names the field path,
//! in JSON and in Avro.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::types::Value;
use apache_avro::writer::datum::GenericDatumWriter;
use serde_json::json;
use vroeg_codec::{
    Codec, DecodeError, Message, MessageKind, SchemaError, WireFormat, decode_arrears,
    decode_feedback, decode_input, decode_objection, default_codec,
};
use vroeg_domain::contract::messages::{ArrearsEvent, FeedbackEvent};

use common::*;

/// The single error's field and problem.
fn only(e: &DecodeError) -> (&str, &str) {
    assert_eq!(e.errors.len(), 1, "{e:?}");
    (e.errors[0].field.as_str(), e.errors[0].problem.as_str())
}

/// The contract example with one change applied to its JSON.
fn arrears_with(change: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_str(ARREARS_JSON).unwrap();
    change(&mut v);
    serde_json::to_vec(&v).unwrap()
}

fn assert_json_error(bytes: &[u8], field: &str, problem_contains: &str) {
    let e = decode_arrears(bytes).unwrap_err();
    let (f, p) = only(&e);
    assert_eq!(f, field, "{p}");
    assert!(
        p.contains(problem_contains),
        "{field}: {p:?} lacks {problem_contains:?}"
    );
    // Any-input decoding reports the same, with the event_id for the REJECTED decision.
    let e2 = decode_input(bytes).unwrap_err();
    assert_eq!(only(&e2).0, field);
    if field != "event_id" {
        assert_eq!(
            e2.event_id.as_deref(),
            Some("5f0c6a2e-1d7b-4c8e-9a51-0b7d2c1e9f00")
        );
    }
}

#[test]
fn json_unknown_field_such_as_a_bsn() {
    assert_json_error(
        &arrears_with(|v| v["bsn"] = json!("123456782")),
        "bsn",
        "unknown field",
    );
    assert_json_error(
        &arrears_with(|v| v["address"]["bsn"] = json!("123456782")),
        "address.bsn",
        "unknown field",
    );
    assert_json_error(
        &arrears_with(|v| v["person"]["bsn"] = json!("123456782")),
        "person.bsn",
        "unknown field",
    );
}

#[test]
fn json_money_must_be_a_decimal_string() {
    assert_json_error(
        &arrears_with(|v| v["arrears_amount"] = json!(512.4)),
        "arrears_amount",
        "floating point",
    );
    assert_json_error(
        &arrears_with(|v| v["arrears_amount"] = json!(512)),
        "arrears_amount",
        "integer",
    );
    assert_json_error(
        &arrears_with(|v| v["arrears_amount"] = json!("512.401")),
        "arrears_amount",
        "more than 2 decimals",
    );
    assert_json_error(
        &arrears_with(|v| v["arrears_amount"] = json!("-5.00")),
        "arrears_amount",
        "not an amount",
    );
    assert_json_error(
        &arrears_with(|v| v["arrears_amount"] = json!("1e3")),
        "arrears_amount",
        "not an amount",
    );
}

#[test]
fn json_missing_required_fields() {
    for field in [
        "event_id",
        "creditor_id",
        "sector",
        "event_type",
        "customer_ref",
        "occurred_at",
        "address",
    ] {
        assert_json_error(
            &arrears_with(|v| {
                v.as_object_mut().unwrap().remove(field);
            }),
            field,
            "missing field",
        );
    }
    for field in ["postcode", "house_number"] {
        assert_json_error(
            &arrears_with(|v| {
                v["address"].as_object_mut().unwrap().remove(field);
            }),
            &format!("address.{field}"),
            "missing field",
        );
    }
    // Required only for ARREARS: serde accepts, validate() names the field.
    let e = decode_arrears(&arrears_with(|v| {
        v.as_object_mut().unwrap().remove("arrears_amount");
    }))
    .unwrap();
    let errs = e.validate().unwrap_err();
    assert_eq!(errs[0].field, "arrears_amount");
}

#[test]
fn json_bad_values() {
    assert_json_error(
        &arrears_with(|v| v["address"]["postcode"] = json!("0123AB")),
        "address.postcode",
        "not a Dutch postcode",
    );
    assert_json_error(
        &arrears_with(|v| v["address"]["postcode"] = json!("3011SS")),
        "address.postcode",
        "not a Dutch postcode",
    );
    assert_json_error(
        &arrears_with(|v| v["address"]["house_number"] = json!(0)),
        "address.house_number",
        "out of range",
    );
    assert_json_error(
        &arrears_with(|v| v["address"]["house_number_addition"] = json!("a/b")),
        "address.house_number_addition",
        "addition",
    );
    assert_json_error(
        &arrears_with(|v| v["arrears_since"] = json!("2026-02-30")),
        "arrears_since",
        "",
    );
    assert_json_error(
        &arrears_with(|v| v["occurred_at"] = json!("yesterday")),
        "occurred_at",
        "",
    );
    assert_json_error(
        &arrears_with(|v| v["municipality_code"] = json!("GM05a8")),
        "municipality_code",
        "municipality code",
    );
    assert_json_error(
        &arrears_with(|v| v["reminders_sent"] = json!(-1)),
        "reminders_sent",
        "",
    );
    assert_json_error(
        &arrears_with(|v| v["crisis"] = json!("yes")),
        "crisis",
        "expected a boolean",
    );
}

#[test]
fn json_bad_enums() {
    assert_json_error(
        &arrears_with(|v| v["sector"] = json!("huur")),
        "sector",
        "unknown variant",
    );
    assert_json_error(
        &arrears_with(|v| v["sector"] = json!("BSN")),
        "sector",
        "unknown variant",
    );
    let feedback = |attempt: serde_json::Value, resultaat: serde_json::Value| {
        serde_json::to_vec(
            &json!({"event_id": "f1", "case_id": "c1", "municipality_code": "0599",
            "occurred_at": "2026-10-20T10:00:00Z", "event_type": "CONTACT_ATTEMPT",
            "contact_attempt": attempt, "resultaat": resultaat}),
        )
        .unwrap()
    };
    let ok =
        json!({"soort": "Telefoon", "bereikt": true, "datum": "2026-10-20", "dagdeel": "Ochtend"});
    assert!(
        decode_feedback(&feedback(
            ok.clone(),
            json!("Vervolghulp en/of verwijzing financieel")
        ))
        .is_ok()
    );
    let mut bad = ok.clone();
    bad["soort"] = json!("telefoon");
    let e = decode_feedback(&feedback(bad, json!(null))).unwrap_err();
    assert_eq!(only(&e).0, "contact_attempt.soort");
    let mut bad = ok.clone();
    bad["dagdeel"] = json!("Nacht");
    assert_eq!(
        only(&decode_feedback(&feedback(bad, json!(null))).unwrap_err()).0,
        "contact_attempt.dagdeel"
    );
    let e = decode_feedback(&feedback(ok, json!("Niet opgepakt: andere  reden"))).unwrap_err();
    assert_eq!(only(&e).0, "resultaat");
    let e = decode_input(br#"{"event_id":"x","event_type":"PAID"}"#).unwrap_err();
    assert_eq!(only(&e).0, "event_type");
}

#[test]
fn json_framing() {
    let e = decode_arrears(&[ARREARS_JSON.as_bytes(), b" {}"].concat()).unwrap_err();
    assert!(only(&e).1.contains("trailing"));
    let e = decode_arrears(b"{\"event_id\": ").unwrap_err();
    assert!(only(&e).1.contains("EOF"), "{e}");
    let e = decode_arrears(b"[1,2]").unwrap_err();
    assert!(only(&e).1.contains("not a JSON object"));
    let e = decode_arrears(b"").unwrap_err();
    assert!(only(&e).1.contains("not a JSON object"));
    // A message of another type is not silently accepted by a typed decoder.
    let objection =
        br#"{"event_id":"o1","creditor_id":"c","customer_ref":"K1","event_type":"OBJECTION",
        "occurred_at":"2026-10-15T09:00:00Z","address":{"postcode":"3011AB","house_number":10}}"#;
    assert!(decode_objection(objection).is_ok());
    assert!(decode_arrears(objection).is_err());
}

/// Re-encodes a valid message's datum after changing its generic Avro value, and frames it in
/// single-object encoding: Avro that is well-formed but breaks the contract.
fn avro_with<M: Message>(msg: &M, change: impl FnOnce(&mut Vec<(String, Value)>)) -> Vec<u8> {
    let codec = default_codec().unwrap();
    let schema = codec.schema(M::KIND).unwrap();
    let mut datum = Vec::new();
    codec.encode_datum(msg, &mut datum).unwrap();
    let mut value = GenericDatumReader::builder(schema)
        .build()
        .unwrap()
        .read_value(&mut datum.as_slice())
        .unwrap();
    let Value::Record(fields) = &mut value else {
        panic!()
    };
    change(fields);
    let datum = GenericDatumWriter::builder(schema)
        .build()
        .unwrap()
        .write_value_to_vec(value)
        .unwrap();
    let mut out = vec![0xC3, 0x01];
    out.extend_from_slice(&codec.fingerprint(M::KIND).unwrap().to_le_bytes());
    out.extend_from_slice(&datum);
    out
}

fn field<'a>(fields: &'a mut [(String, Value)], name: &str) -> &'a mut Value {
    &mut fields.iter_mut().find(|(n, _)| n == name).unwrap().1
}

#[test]
fn avro_bad_values_name_the_field() {
    let e = sample_arrears();
    let bad = avro_with(&e, |f| {
        let Value::Record(addr) = field(f, "address") else {
            panic!()
        };
        *field(addr, "postcode") = Value::String("0123AB".into());
    });
    let err = decode_arrears(&bad).unwrap_err();
    assert_eq!(only(&err).0, "address.postcode");
    assert!(only(&err).1.contains("not a Dutch postcode"));
    assert_eq!(err.event_id.as_deref(), Some(e.event_id.as_str()));

    let bad = avro_with(&e, |f| {
        let Value::Record(addr) = field(f, "address") else {
            panic!()
        };
        *field(addr, "house_number") = Value::Int(0);
    });
    assert_eq!(
        only(&decode_arrears(&bad).unwrap_err()).0,
        "address.house_number"
    );

    // A negative decimal is valid Avro but not money.
    let bad = avro_with(&e, |f| {
        *field(f, "arrears_amount") = Value::Union(
            1,
            Box::new(Value::Decimal(apache_avro::Decimal::from(vec![0xFFu8]))),
        );
    });
    let err = decode_arrears(&bad).unwrap_err();
    assert_eq!(only(&err).0, "arrears_amount");
    assert!(only(&err).1.contains("not an amount"), "{err}");

    let bad = avro_with(&e, |f| {
        *field(f, "municipality_code") = Value::Union(1, Box::new(Value::String("99999".into())));
    });
    assert_eq!(
        only(&decode_arrears(&bad).unwrap_err()).0,
        "municipality_code"
    );
}

#[test]
fn avro_ddas_strings_are_validated() {
    let fb: FeedbackEvent = serde_json::from_value(json!({"event_id": "f1", "case_id": "c1",
        "municipality_code": "0599", "occurred_at": "2026-10-20T10:00:00Z",
        "event_type": "CONTACT_ATTEMPT", "resultaat": "Inwoner is overleden",
        "contact_attempt": {"soort": "SMS/Whatsapp", "bereikt": false, "datum": "2026-10-20"}}))
    .unwrap();
    let bad = avro_with(&fb, |f| {
        let Value::Union(_, inner) = field(f, "contact_attempt") else {
            panic!()
        };
        let Value::Record(ca) = inner.as_mut() else {
            panic!()
        };
        *field(ca, "soort") = Value::String("SMS".into());
    });
    assert_eq!(
        only(&decode_feedback(&bad).unwrap_err()).0,
        "contact_attempt.soort"
    );
    let bad = avro_with(&fb, |f| {
        *field(f, "resultaat") = Value::Union(1, Box::new(Value::String("Opgepakt".into())));
    });
    assert_eq!(only(&decode_feedback(&bad).unwrap_err()).0, "resultaat");
}

#[test]
fn avro_malformed_binary_is_an_error() {
    let codec = default_codec().unwrap();
    let mut good = Vec::new();
    codec
        .encode(&sample_arrears(), WireFormat::AvroSingleObject, &mut good)
        .unwrap();
    // Every truncation fails cleanly.
    for n in 0..good.len() {
        assert!(decode_arrears(&good[..n]).is_err(), "prefix of {n} bytes");
    }
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(
        only(&decode_arrears(&trailing).unwrap_err())
            .1
            .contains("trailing")
    );
    // The sector enum index (after three length-prefixed strings) out of range.
    let mut bad_enum = good.clone();
    let sector_pos = 10 + 1 + 36 + 1 + 18;
    assert_eq!(bad_enum[sector_pos], 0, "HUUR is symbol 0");
    bad_enum[sector_pos] = 2 * 40;
    let e = decode_arrears(&bad_enum).unwrap_err();
    assert_eq!(only(&e).0, "sector");
    // A string length far beyond the input.
    let mut bad_len = good.clone();
    bad_len.splice(10..11, [0xFE, 0xFF, 0xFF, 0xFF, 0x0F]);
    let e = decode_arrears(&bad_len).unwrap_err();
    assert!(only(&e).1.contains("exceeds the remaining input"), "{e}");
    // Unknown fingerprint and unknown Confluent id.
    let mut unknown = good.clone();
    unknown[2] ^= 0xFF;
    assert!(
        only(&decode_arrears(&unknown).unwrap_err())
            .1
            .contains("fingerprint")
    );
    let mut conf = vec![0, 0, 0, 0, 9];
    conf.extend_from_slice(&good[10..]);
    assert!(
        only(&decode_arrears(&conf).unwrap_err())
            .1
            .contains("schema id 9")
    );
    // A payload of another message type.
    let mut status = Vec::new();
    let s: vroeg_domain::contract::messages::CreditorStatus = serde_json::from_value(json!({
        "creditor_id": "c", "customer_ref": "K1", "signal_id": "s", "status": "REPEAT",
        "at": "2026-10-15T09:00:00Z"}))
    .unwrap();
    codec
        .encode(&s, WireFormat::AvroSingleObject, &mut status)
        .unwrap();
    assert!(
        only(&decode_arrears(&status).unwrap_err())
            .1
            .contains("payload is CreditorStatus, expected ArrearsEvent")
    );
    assert!(
        only(&decode_input(&status).unwrap_err())
            .1
            .contains("not an input message")
    );
}

/// The current arrears schema with an extra field (as a creditor's own registry entry might
/// have), nested at `path` (empty: top level).
fn schema_with_extra_field(nested_in_address: bool) -> String {
    let mut s: serde_json::Value =
        serde_json::from_str(MessageKind::ArrearsEvent.schema_json()).unwrap();
    let extra = json!({"name": "bsn", "type": ["null", "string"], "default": null});
    let fields = if nested_in_address {
        let addr = s["fields"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|f| f["name"] == "address")
            .unwrap();
        addr["type"]["fields"].as_array_mut().unwrap()
    } else {
        s["fields"].as_array_mut().unwrap()
    };
    fields.push(extra);
    s.to_string()
}

#[test]
fn avro_writer_schema_with_unknown_field_is_rejected_with_its_path() {
    for (nested, path) in [(false, "bsn"), (true, "address.bsn")] {
        let codec = Codec::new().unwrap();
        let text = schema_with_extra_field(nested);
        assert_eq!(codec.register(7, &text).unwrap(), MessageKind::ArrearsEvent);
        let writer = apache_avro::Schema::parse_str(&text).unwrap();
        // Write the contract example plus a BSN with the creditor's schema.
        let mut datum = Vec::new();
        codec.encode_datum(&sample_arrears(), &mut datum).unwrap();
        let mut value =
            GenericDatumReader::builder(codec.schema(MessageKind::ArrearsEvent).unwrap())
                .build()
                .unwrap()
                .read_value(&mut datum.as_slice())
                .unwrap();
        let Value::Record(fields) = &mut value else {
            panic!()
        };
        let bsn = (
            "bsn".to_owned(),
            Value::Union(1, Box::new(Value::String("123456782".into()))),
        );
        if nested {
            let Value::Record(addr) = field(fields, "address") else {
                panic!()
            };
            addr.push(bsn);
        } else {
            fields.push(bsn);
        }
        let mut bytes = vec![0, 0, 0, 0, 7];
        bytes.extend(
            GenericDatumWriter::builder(&writer)
                .build()
                .unwrap()
                .write_value_to_vec(value)
                .unwrap(),
        );
        let e = codec.decode::<ArrearsEvent>(&bytes).unwrap_err();
        assert_eq!(only(&e).0, path);
        assert!(only(&e).1.contains("unknown field"));
        assert_eq!(
            e.event_id.as_deref(),
            Some("5f0c6a2e-1d7b-4c8e-9a51-0b7d2c1e9f00")
        );
    }
}

#[test]
fn register_refuses_what_cannot_be_read() {
    let codec = Codec::new().unwrap();
    assert!(matches!(
        codec.register(1, "not json"),
        Err(SchemaError::Parse { .. })
    ));
    assert!(matches!(
        codec.register(1, r#"{"type":"record","name":"Other","fields":[]}"#),
        Err(SchemaError::UnknownRecord(_))
    ));
    // event_id as an int cannot be read as the contract's string.
    let mut s: serde_json::Value =
        serde_json::from_str(MessageKind::ArrearsEvent.schema_json()).unwrap();
    s["fields"][0]["type"] = json!("int");
    assert!(matches!(
        codec.register(1, &s.to_string()),
        Err(SchemaError::Incompatible { .. })
    ));
    assert!(!codec.is_registered(1));
    // The current schema is recognised as such (fast path), whatever its formatting.
    let compact = serde_json::from_str::<serde_json::Value>(MessageKind::Decision.schema_json())
        .unwrap()
        .to_string();
    assert_eq!(codec.register(3, &compact).unwrap(), MessageKind::Decision);
    assert!(codec.is_registered(3));
}

#[test]
fn encode_refuses_values_the_schema_cannot_carry() {
    let codec = default_codec().unwrap();
    let mut task: vroeg_domain::contract::messages::OutreachTask = serde_json::from_value(json!({
        "task_id": "t", "version": 1, "case_id": "c", "status": "NEW", "municipality_code": "0599",
        "household_id": "hh_dev_x", "created_at": "2026-10-15T09:00:03Z", "due_date": "2026-10-29",
        "priority": "HIGH", "classification": "MEERVOUDIG", "signals": [],
        "contact": {"address": {"postcode": "3011AB", "house_number": 10}},
        "reasons": [], "total_amount": "1000000000.00"}))
    .unwrap();
    // Sums beyond decimal(12, 2) cannot be written; the error names the field and `out` is
    // left as it was.
    task.total_amount = task
        .total_amount
        .saturating_add(task.total_amount)
        .saturating_add(task.total_amount);
    task.total_amount = (0..4).fold(task.total_amount, |a, _| a.saturating_add(a));
    let mut out = b"keep".to_vec();
    let e = codec
        .encode(&task, WireFormat::AvroSingleObject, &mut out)
        .unwrap_err();
    assert!(e.to_string().contains("total_amount"), "{e}");
    assert_eq!(out, b"keep");
}
