//! The operator's metrics on a running engine (MockCluster): the overdue-task gauge equals what
//! the offline simulator's final states say, timers and build info are exported, an unreadable
//! envelope is counted, and every `vroegsignaal_*` metric the alert rules and the Grafana
//! dashboard (`deploy/monitoring/`) name is one `/metrics` exports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use common::*;
use vroeg_domain::household::simulation::Simulator;
use vroeg_engine::Shutdown;
use vroeg_engine::embedded::EmbeddedPipeline;
use vroeg_engine::household::overdue_by_municipality;
use vroeg_testkit::{Scrape, wait_for, workspace_dir};

fn monitoring_dir() -> PathBuf {
    workspace_dir().join("deploy/monitoring")
}

/// Every `vroegsignaal_<name>` token in `text`.
fn metric_tokens(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("vroegsignaal_") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        out.insert(tail[..end].to_owned());
        rest = &tail[end..];
    }
    out
}

/// The sample names each exported family allows (`# TYPE` lines of the exposition): a counter
/// `x` is sampled as `x_total`, a histogram `x` as `x_bucket`, `x_sum`, `x_count`.
fn exported_names(exposition: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for l in exposition.lines() {
        let Some(rest) = l.strip_prefix("# TYPE ") else {
            continue;
        };
        let mut f = rest.split_whitespace();
        let (Some(name), Some(kind)) = (f.next(), f.next()) else {
            continue;
        };
        let suffixes: &[&str] = match kind {
            "counter" => &["_total"],
            "histogram" => &["_bucket", "_sum", "_count"],
            _ => &[""],
        };
        for s in suffixes {
            names.insert(format!("{name}{s}"));
        }
    }
    names
}

#[test]
fn metric_tokens_are_found_in_promql_and_json() {
    let t = metric_tokens(
        r#"expr: sum by (stage) (rate(vroegsignaal_records_in_total{stage="x"}[5m])) / vroegsignaal_ready"#,
    );
    assert_eq!(
        t,
        BTreeSet::from([
            "vroegsignaal_records_in_total".to_owned(),
            "vroegsignaal_ready".to_owned()
        ])
    );
}

#[test]
fn engine_exports_the_operator_metrics_and_every_name_alerts_and_dashboard_use() {
    let rules = rule_data();
    let inputs = fixture(120, 11);
    let until = t(2027, 1, 15);

    // What the offline simulator's households say is overdue at `until`.
    let ctx = rules.context();
    let mut sim = Simulator::new();
    for i in inputs.iter().filter(|i| i.valid) {
        let e = vroeg_codec::decode_input(&i.value).unwrap();
        sim.process(e, &ctx, &mut |_| {});
    }
    sim.advance_to(until, &ctx, &mut |_| {});
    let expected = overdue_by_municipality(sim.households(), until.date_naive());
    assert!(
        expected.values().sum::<i64>() > 0,
        "fixture has no overdue task"
    );

    let mut pipeline = EmbeddedPipeline::new(1, 4).unwrap();
    let topics = pipeline.topics().clone();
    produce(&pipeline, &topics.arrears(), &inputs);
    pipeline.start_stages(rules, t(2026, 8, 1)).unwrap();
    let m = pipeline.metrics().clone();
    wait_processed(&mut pipeline, inputs.len());
    // A record on the repartition topic the ingest stage did not write.
    produce(
        &pipeline,
        &topics.households(),
        &[Input {
            key: "not-a-household".into(),
            value: b"{not json".to_vec(),
            at: until,
            valid: false,
            partition: Some(0),
        }],
    );
    wait_for(WITHIN, "the unreadable envelope to be counted", || {
        m.encode().contains(
            r#"vroegsignaal_undecodable_records_total{stage="households",reason="envelope"} 1"#,
        )
    })
    .unwrap();
    pipeline.advance_to(until).unwrap();
    let overdue = |text: &str| -> BTreeMap<String, i64> {
        Scrape::parse(text)
            .family("vroegsignaal_tasks_overdue")
            .into_iter()
            .filter_map(|(labels, v)| {
                let code = labels.strip_prefix("municipality=\"")?.strip_suffix('"')?;
                Some((code.to_owned(), v as i64))
            })
            .filter(|(_, v)| *v > 0)
            .collect()
    };
    wait_for(WITHIN, "the overdue-task gauge at the new day", || {
        overdue(&m.encode()) == expected
    })
    .unwrap();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let exposition = rt.block_on(async {
        let stop = Shutdown::new();
        let (addr, task) = vroeg_engine::http::serve("127.0.0.1:0", m.clone(), stop.clone())
            .await
            .unwrap();
        let body = http_get(addr, "/metrics").await;
        stop.trigger();
        task.await.unwrap();
        body
    });
    pipeline.stop_stages().unwrap();

    assert!(
        exposition.contains("vroegsignaal_timers_due 0"),
        "{exposition}"
    );
    assert!(exposition.contains("vroegsignaal_timer_lag_seconds 0"));
    assert!(exposition.contains(&format!(
        "vroegsignaal_ticked_until_timestamp_seconds {}",
        until.timestamp()
    )));
    assert!(exposition.contains(&format!(
        "vroegsignaal_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    )));
    assert!(exposition.contains("vroegsignaal_ready 1"));
    assert!(exposition.contains("vroegsignaal_restore_seconds_count 1"));
    assert!(exposition.contains("vroegsignaal_transaction_commit_seconds_count{stage=\"ingest\"}"));
    assert!(
        exposition.contains("vroegsignaal_transaction_commit_seconds_count{stage=\"households\"}")
    );
    assert!(exposition.contains("vroegsignaal_process_resident_memory_bytes "));
    assert!(exposition.contains("vroegsignaal_process_cpu_seconds_total "));
    assert!(exposition.contains("vroegsignaal_process_open_fds "));

    let exported = exported_names(&exposition);
    for file in [
        "alerts.yml",
        "grafana-dashboard.json",
        "prometheusrule.yaml",
    ] {
        let text = std::fs::read_to_string(monitoring_dir().join(file)).unwrap();
        let named = metric_tokens(&text);
        assert!(!named.is_empty(), "{file} names no metric");
        let missing: Vec<&String> = named.difference(&exported).collect();
        assert!(
            missing.is_empty(),
            "{file} names metrics /metrics does not export: {missing:?}\nexported: {exported:?}"
        );
    }
}
