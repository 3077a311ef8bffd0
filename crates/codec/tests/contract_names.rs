//! The `.avsc` files carry exactly the contract's field names: for every message, the set of
//! field paths in the schema equals the set of keys its JSON form uses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use apache_avro::Schema;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde::Serialize;
use vroeg_codec::{MessageKind, default_codec};

use common::*;

/// Field paths of a schema: `address.postcode`, `signals[].amount`.
fn schema_paths(schema: &Schema, prefix: &str, out: &mut BTreeSet<String>) {
    match schema {
        Schema::Record(r) => {
            for f in &r.fields {
                let p = format!("{prefix}{}", f.name);
                out.insert(p.clone());
                schema_paths(&f.schema, &format!("{p}."), out);
            }
        }
        Schema::Union(u) => {
            for v in u.variants() {
                schema_paths(v, prefix, out);
            }
        }
        Schema::Array(a) => {
            let p = prefix.trim_end_matches('.');
            schema_paths(&a.items, &format!("{p}[]."), out);
        }
        _ => {}
    }
}

/// Key paths of a JSON value, in the same notation.
fn json_paths(v: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let p = format!("{prefix}{k}");
                out.insert(p.clone());
                json_paths(v, &format!("{p}."), out);
            }
        }
        serde_json::Value::Array(items) => {
            let p = prefix.trim_end_matches('.');
            for i in items {
                json_paths(i, &format!("{p}[]."), out);
            }
        }
        _ => {}
    }
}

/// The union of the JSON key paths of many random messages: with optionals present half of the
/// time, a few hundred samples show every key.
fn sampled_paths<T: Serialize>(strategy: impl Strategy<Value = T>) -> BTreeSet<String> {
    let mut runner = TestRunner::deterministic();
    let mut out = BTreeSet::new();
    for _ in 0..600 {
        let v = strategy.new_tree(&mut runner).unwrap().current();
        json_paths(&serde_json::to_value(&v).unwrap(), "", &mut out);
    }
    out
}

fn assert_same(kind: MessageKind, json: BTreeSet<String>) {
    let mut avsc = BTreeSet::new();
    schema_paths(
        default_codec().unwrap().schema(kind).unwrap(),
        "",
        &mut avsc,
    );
    assert_eq!(
        avsc.difference(&json).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "{kind}: in the .avsc but never in JSON"
    );
    assert_eq!(
        json.difference(&avsc).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "{kind}: in JSON but not in the .avsc"
    );
}

#[test]
fn arrears_event() {
    assert_same(
        MessageKind::ArrearsEvent,
        sampled_paths(common::arrears_event()),
    );
}

#[test]
fn objection_event() {
    assert_same(
        MessageKind::ObjectionEvent,
        sampled_paths(common::objection_event()),
    );
}

#[test]
fn feedback_event() {
    assert_same(
        MessageKind::FeedbackEvent,
        sampled_paths(common::feedback_event()),
    );
}

#[test]
fn outreach_task() {
    assert_same(
        MessageKind::OutreachTask,
        sampled_paths(common::outreach_task()),
    );
}

#[test]
fn creditor_status() {
    assert_same(
        MessageKind::CreditorStatus,
        sampled_paths(common::creditor_status()),
    );
}

#[test]
fn decision() {
    assert_same(MessageKind::Decision, sampled_paths(common::decision()));
}

#[test]
fn contract_example_keys_are_all_in_the_schema() {
    let mut json = BTreeSet::new();
    json_paths(&serde_json::from_str(ARREARS_JSON).unwrap(), "", &mut json);
    let mut avsc = BTreeSet::new();
    schema_paths(
        default_codec()
            .unwrap()
            .schema(MessageKind::ArrearsEvent)
            .unwrap(),
        "",
        &mut avsc,
    );
    assert!(
        json.is_subset(&avsc),
        "{:?}",
        json.difference(&avsc).collect::<Vec<_>>()
    );
}

#[test]
fn decision_embeds_exactly_the_outreach_task_schema() {
    let codec = default_codec().unwrap();
    let Schema::Record(d) = codec.schema(MessageKind::Decision).unwrap() else {
        panic!()
    };
    let task = d.fields.iter().find(|f| f.name == "task").unwrap();
    let Schema::Union(u) = &task.schema else {
        panic!()
    };
    let embedded = u
        .variants()
        .iter()
        .find(|v| matches!(v, Schema::Record(_)))
        .unwrap();
    assert_eq!(
        embedded.canonical_form(),
        codec
            .schema(MessageKind::OutreachTask)
            .unwrap()
            .canonical_form()
    );
}

#[test]
fn every_schema_is_in_the_contract_namespace() {
    let codec = default_codec().unwrap();
    for kind in MessageKind::ALL {
        let Schema::Record(r) = codec.schema(kind).unwrap() else {
            panic!()
        };
        assert_eq!(
            r.name.fullname(None),
            format!("nl.vroegsignaal.v1.{}", kind.name())
        );
    }
}
