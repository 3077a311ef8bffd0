//! The CI check for every change to `schemas/`: each contract schema is BACKWARD compatible (the
//! Confluent Schema Registry's default level) with every earlier version kept in
//! `schemas/history/<name>.v<N>.avsc` — a reader with the current schema reads data written with
//! any of them — checked with apache-avro's schema compatibility checker. Changing a schema
//! therefore means: move the old text to `schemas/history/` under the next free `vN`, and this
//! test says whether the new one may replace it. The files are found by listing the directories,
//! so a new schema or history file is covered without editing this test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use apache_avro::Schema;
use apache_avro::schema_compatibility::SchemaCompatibility;

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

/// `*.avsc` files of a directory, by file name.
fn avsc_files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "avsc"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn parse(name: &str, text: &str) -> Schema {
    Schema::parse_str(text).unwrap_or_else(|e| panic!("{name} is not a valid Avro schema: {e}"))
}

#[test]
fn every_schema_is_backward_compatible_with_its_history() {
    let current = avsc_files(&schemas_dir());
    assert!(current.len() >= 6, "{:?}", current.keys());
    let parsed: BTreeMap<&str, Schema> = current
        .iter()
        .map(|(n, t)| (n.trim_end_matches(".avsc"), parse(n, t)))
        .collect();
    let history = avsc_files(&schemas_dir().join("history"));
    assert!(!history.is_empty());
    for (file, text) in &history {
        let Some((base, version)) = file.trim_end_matches(".avsc").rsplit_once(".v") else {
            panic!("schemas/history/{file}: name it <schema>.v<N>.avsc");
        };
        assert!(
            version.parse::<u32>().is_ok(),
            "schemas/history/{file}: the version must be a number"
        );
        let Some(reader) = parsed.get(base) else {
            panic!("schemas/history/{file}: no schemas/{base}.avsc it is a version of");
        };
        let writer = parse(file, text);
        if let Err(e) = SchemaCompatibility::can_read(&writer, reader) {
            panic!(
                "schemas/{base}.avsc is not BACKWARD compatible with schemas/history/{file}: data \
                 written with the old schema cannot be read with the new one: {e}"
            );
        }
    }
}

#[test]
fn the_checker_refuses_a_backward_incompatible_change() {
    // A new required field without a default: old data has no value for it.
    let old = parse(
        "old",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}"#,
    );
    let new = parse(
        "new",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"int"}]}"#,
    );
    assert!(SchemaCompatibility::can_read(&old, &new).is_err());
    // With a default it is fine.
    let with_default = parse(
        "with default",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"int","default":0}]}"#,
    );
    assert!(SchemaCompatibility::can_read(&old, &with_default).is_ok());
}
