//! The monitoring files in `deploy/monitoring/` and a real Prometheus scraping `run`:
//! - `prometheusrule.yaml` is `alerts.yml` wrapped in a PrometheusRule (regenerate with
//!   `VROEGSIGNAAL_BLESS=1 cargo test -p vroegsignaal --test monitoring`);
//! - `promtool check rules` and `promtool test rules alerts_test.yml` pass;
//! - a Prometheus (Debian's `prometheus` package) scrapes `vroegsignaal run` on Tansu every
//!   second, loads the alert rules, and its PromQL answers agree with what was produced; every
//!   dashboard query is valid PromQL.
//!
//! Prometheus/promtool missing fails these tests (`.ci/run` installs them), unless
//! `VROEGSIGNAAL_SKIP_PROMETHEUS=1` outside CI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::Days;
use serde_json::Value;
use support::*;
use vroeg_testkit::{Tansu, free_port, http_get, unique_prefix, wait_until};

const RULE_HEADER: &str = "\
# GENERATED from alerts.yml by crates/cli/tests/monitoring.rs: do not edit; edit alerts.yml and
# run `VROEGSIGNAAL_BLESS=1 cargo test -p vroegsignaal --test monitoring`.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: vroegsignaal
  labels:
    app.kubernetes.io/name: vroegsignaal
    app.kubernetes.io/component: monitoring
spec:
";

fn monitoring_dir() -> PathBuf {
    workspace_dir().join("deploy/monitoring")
}

/// `alerts.yml` as the PrometheusRule's `spec`: leading comments dropped, indented two spaces.
fn prometheus_rule(alerts: &str) -> String {
    let mut out = String::from(RULE_HEADER);
    for l in alerts.lines().skip_while(|l| l.starts_with('#')) {
        if l.is_empty() {
            out.push('\n');
        } else {
            out.push_str("  ");
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// A tool of the `prometheus` package: `None` (with a message) when missing and skipping is
/// allowed, a panic otherwise.
fn tool(name: &str) -> Option<PathBuf> {
    let dirs = std::env::var_os("PATH").unwrap_or_default();
    if let Some(p) = std::env::split_paths(&dirs)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
    {
        return Some(p);
    }
    let skip = std::env::var("VROEGSIGNAAL_SKIP_PROMETHEUS").as_deref() == Ok("1")
        && std::env::var_os("CI").is_none();
    assert!(
        skip,
        "{name} not found on PATH: install Debian's prometheus package (bash .ci/run does), \
         or set VROEGSIGNAAL_SKIP_PROMETHEUS=1 outside CI"
    );
    eprintln!("SKIPPED: {name} not installed (VROEGSIGNAAL_SKIP_PROMETHEUS=1)");
    None
}

#[test]
fn prometheusrule_is_alerts_yml_wrapped() {
    let dir = monitoring_dir();
    let alerts = std::fs::read_to_string(dir.join("alerts.yml")).unwrap();
    let want = prometheus_rule(&alerts);
    let path = dir.join("prometheusrule.yaml");
    if std::env::var("VROEGSIGNAAL_BLESS").as_deref() == Ok("1") {
        std::fs::write(&path, &want).unwrap();
    }
    let got = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        got == want,
        "{} differs from alerts.yml: run VROEGSIGNAAL_BLESS=1 cargo test -p vroegsignaal --test monitoring",
        path.display()
    );
}

#[test]
fn promtool_checks_and_unit_tests_the_alert_rules() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let dir = monitoring_dir();
    for args in [
        &["check", "rules", "alerts.yml"][..],
        &["test", "rules", "alerts_test.yml"][..],
    ] {
        let out = Command::new(&promtool)
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "promtool {args:?}:\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
}

#[test]
fn every_alert_has_a_runbook_and_a_test() {
    let dir = monitoring_dir();
    let alerts = std::fs::read_to_string(dir.join("alerts.yml")).unwrap();
    let tests = std::fs::read_to_string(dir.join("alerts_test.yml")).unwrap();
    let ops = std::fs::read_to_string(workspace_dir().join("docs/OPERATIONS.md")).unwrap();
    let names: Vec<&str> = alerts
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert: "))
        .collect();
    assert!(names.len() >= 10, "{names:?}");
    for n in names {
        assert!(
            ops.contains(&format!("### {n}\n")),
            "docs/OPERATIONS.md has no runbook section `### {n}`"
        );
        assert!(
            alerts.contains(&format!("docs/OPERATIONS.md#{}\"", n.to_lowercase())),
            "{n}: runbook_url should point to docs/OPERATIONS.md#{}",
            n.to_lowercase()
        );
        assert!(
            tests.contains(&format!("alertname: {n}\n")),
            "alerts_test.yml does not test {n}"
        );
    }
}

/// A Prometheus server scraping one target every second; killed on drop.
struct Prometheus {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    fn start(bin: &Path, dir: &Path, target_port: u16) -> Prometheus {
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 rule_files:\n  - {}\n\
                 scrape_configs:\n  - job_name: vroegsignaal\n    static_configs:\n\
                 \x20     - targets: ['127.0.0.1:{target_port}']\n",
                monitoring_dir().join("alerts.yml").display()
            ),
        )
        .unwrap();
        let port = free_port().unwrap();
        let log = dir.join("prometheus.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(bin)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("tsdb").display()
            ))
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        Prometheus { child, port, log }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `GET path`: the JSON body, `None` while not up.
    fn get_json(&self, path: &str) -> Option<Value> {
        let (_, body) = http_get(self.port, path)?;
        serde_json::from_str(&body).ok()
    }

    /// An instant query: the API's whole answer.
    fn query(&self, promql: &str) -> Option<Value> {
        self.get_json(&format!("/api/v1/query?query={}", url_encode(promql)))
    }

    /// An instant query's single value (`None`: not answered, or no sample).
    fn value(&self, promql: &str) -> Option<f64> {
        let v = self.query(promql)?;
        let result = v.pointer("/data/result")?.as_array()?;
        let [one] = result.as_slice() else {
            return None;
        };
        one.pointer("/value/1")?.as_str()?.parse().ok()
    }

    /// Polls until `promql` has the value `want`; fails the test after `secs`.
    fn wait_value(&self, secs: u64, promql: &str, want: f64, diagnostics: impl Fn() -> String) {
        let mut got = None;
        let answered = wait_until(
            Duration::from_secs(secs),
            promql,
            || {
                got = self.value(promql);
                (got == Some(want)).then_some(())
            },
            |left| std::thread::sleep(left.min(Duration::from_millis(200))),
        );
        if answered.is_err() {
            panic!(
                "prometheus: `{promql}` = {got:?}, want {want} after {secs} s\nprometheus log:\n{}\n{}",
                self.log_text(),
                diagnostics()
            );
        }
    }
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[test]
fn prometheus_scrapes_run_and_promql_agrees_with_what_was_produced() {
    let Some(prometheus_bin) = tool("prometheus") else {
        return;
    };
    let Some(tansu) = Tansu::for_test() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("vroeg-prometheus-{}", unique_prefix()));
    std::fs::create_dir_all(&dir).unwrap();
    let today = now().date_naive();
    let lines = generate(&dir.join("gen.jsonl"), 1_000, 5, today - Days::new(12), 3);
    let prefix = unique_prefix();

    let mut run = RunProcess::start(&RunSettings {
        prefix: prefix.clone(),
        bootstrap: tansu.bootstrap(),
        instance: "p1".to_owned(),
        partitions: 2,
        tick_ms: 200,
        commit_ms: 50,
        commit_max: 200,
    });
    let prom = Prometheus::start(&prometheus_bin, &dir, run.port);
    produce_lines(&tansu.bootstrap(), &prefix, &lines);
    run.wait_all_committed(120, lines.len());
    let m = run.metrics();
    let diagnostics = || run.diagnostics();
    let produced = lines.len() as f64;

    prom.wait_value(60, r#"up{job="vroegsignaal"}"#, 1.0, diagnostics);
    prom.wait_value(
        60,
        r#"sum(vroegsignaal_committed_records_total{job="vroegsignaal",stage="ingest"})"#,
        produced,
        diagnostics,
    );
    prom.wait_value(
        60,
        r#"sum(vroegsignaal_records_in_total{stage="ingest"})"#,
        produced,
        diagnostics,
    );
    let envelopes = m.sum(
        "vroegsignaal_records_out_total",
        &["stage=\"ingest\"", "households.v1"],
    );
    prom.wait_value(
        60,
        r#"sum(vroegsignaal_committed_records_total{stage="households"})"#,
        envelopes,
        diagnostics,
    );
    prom.wait_value(
        60,
        "sum(vroegsignaal_rejections_total)",
        m.sum("vroegsignaal_rejections_total", &[]),
        diagnostics,
    );
    prom.wait_value(60, "sum(vroegsignaal_build_info)", 1.0, diagnostics);
    prom.wait_value(60, "vroegsignaal_ready", 1.0, diagnostics);
    prom.wait_value(
        60,
        "sum(vroegsignaal_restore_seconds_count) > 0",
        1.0,
        diagnostics,
    );
    // The process collector's figures reach Prometheus.
    for q in [
        "vroegsignaal_process_resident_memory_bytes > 0",
        "vroegsignaal_process_open_fds > 0",
        "vroegsignaal_process_cpu_seconds_total > 0",
    ] {
        let v = prom
            .query(q)
            .and_then(|v| v.pointer("/data/result/0/value/1").cloned());
        assert!(v.is_some(), "`{q}` has no sample\n{}", prom.log_text());
    }

    // The alert rules loaded (the same file), and nothing critical fires on a healthy run.
    let rules = prom.get_json("/api/v1/rules").unwrap();
    let loaded = rules
        .pointer("/data/groups/0/rules")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let in_file = std::fs::read_to_string(monitoring_dir().join("alerts.yml"))
        .unwrap()
        .matches("- alert: ")
        .count();
    assert_eq!(loaded, in_file, "{rules}");
    let firing = prom
        .query(r#"ALERTS{alertstate="firing",severity="critical"}"#)
        .unwrap();
    assert_eq!(
        firing
            .pointer("/data/result")
            .and_then(Value::as_array)
            .map(Vec::len),
        Some(0),
        "{firing}"
    );

    // Every dashboard query is valid PromQL for this Prometheus.
    let dashboard: Value = serde_json::from_str(
        &std::fs::read_to_string(monitoring_dir().join("grafana-dashboard.json")).unwrap(),
    )
    .unwrap();
    let mut exprs = Vec::new();
    for p in dashboard["panels"].as_array().unwrap() {
        for t in p["targets"].as_array().into_iter().flatten() {
            exprs.push(t["expr"].as_str().unwrap().replace("$instance", ".*"));
        }
    }
    assert!(exprs.len() >= 20, "{exprs:?}");
    for e in &exprs {
        let answer = prom.query(e).unwrap();
        assert_eq!(answer["status"], "success", "`{e}`: {answer}");
    }
    assert!(run.terminate(60), "{}", run.log_text());
    let _ = std::fs::remove_dir_all(&dir);
}
