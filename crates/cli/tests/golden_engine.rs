//! Every golden case through the streaming engine on librdkafka's MockCluster, once straight and
//! once with the household stage stopped half-way and a new one restoring its state from the
//! changelog: both must decide exactly what `simulate` decides (the golden files).
//!
//! What is compared: every decision except REJECTED (those go to the rejected topic, and are
//! counted instead), in its pseudonymous audit form, per household in order. Households are
//! independent, so the interleaving of different households on the audit topic may differ.
//!
//! Inputs go to one partition of one input topic in `simulate`'s order (the ingest stage accepts
//! every kind on every input topic), so the engine sees the same order per household; the
//! engine's clock stays before the first event until the input is processed, then moves to the
//! case's end time, as `simulate --now` does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, Producer};
use vroeg_domain::decision::{Decision, DecisionKind};
use vroeg_domain::simulation::Simulator;
use vroeg_engine::kafka::ClientSettings;
use vroeg_engine::topics::Topics;
use vroeg_engine::{
    AutoCreate, ManualClock, Metrics, StageConfig, StageHandle, spawn_households, spawn_ingest,
};
use vroeg_testkit::test_producer;
use vroegsignaal::config::{AppConfig, Env, KeyPolicy};
use vroegsignaal::readback::read_to_end;
use vroegsignaal::simulate::{self, Format};

use support::golden::CaseFile;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What a case decides, comparable across `simulate` and the engine.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    /// Pseudonymous decisions (JSON) per household (`-` for none), in order.
    per_household: BTreeMap<String, Vec<String>>,
    rejected: usize,
}

fn outcome(decisions: impl IntoIterator<Item = Decision>) -> Outcome {
    let mut per_household: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut rejected = 0;
    for d in decisions {
        if matches!(d.kind, DecisionKind::Rejected { .. }) {
            rejected += 1;
            continue;
        }
        let key = d
            .household_id
            .as_ref()
            .map_or_else(|| "-".to_owned(), |h| h.as_str().to_owned());
        let mut json = Vec::new();
        vroeg_codec::encode_json(&d.pseudonymous(), &mut json).unwrap();
        per_household
            .entry(key)
            .or_default()
            .push(String::from_utf8(json).unwrap());
    }
    Outcome {
        per_household,
        rejected,
    }
}

struct Case {
    name: String,
    cfg: AppConfig,
    now: Option<DateTime<Utc>>,
    events: Vec<u8>,
}

fn load(dir: &Path) -> Case {
    let case = match std::fs::read_to_string(dir.join("case.toml")) {
        Ok(text) => CaseFile::parse(&text).unwrap(),
        Err(_) => CaseFile::default(),
    };
    let mut cfg = AppConfig::load(
        &workspace().join("config/vroegsignaal.toml"),
        &Env::default(),
        KeyPolicy::DevelopmentFallback,
    )
    .unwrap();
    case.apply(&mut cfg).unwrap();
    Case {
        name: dir.file_name().unwrap().to_string_lossy().into_owned(),
        now: case.now().unwrap(),
        events: std::fs::read(dir.join("events.jsonl")).unwrap(),
        cfg,
    }
}

/// `simulate`'s decisions, and its input lines in the order it processed them.
fn simulated(case: &Case) -> (Outcome, Vec<String>, DateTime<Utc>) {
    let mut out = Vec::new();
    let (stats, _) = simulate::simulate(
        &mut Simulator::new(),
        &case.events,
        case.now,
        &case.cfg.context(),
        &mut out,
        Format::Json,
    )
    .unwrap();
    let decisions: Vec<Decision> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| vroeg_codec::decode_decision(l.as_bytes()).unwrap())
        .collect();
    // The same stable order by `occurred_at` as simulate (lines that do not parse keep their
    // place after the line before them; they are rejected either way).
    let mut lines: Vec<(Option<DateTime<Utc>>, String)> = Vec::new();
    let mut last = None;
    for l in String::from_utf8(case.events.clone()).unwrap().lines() {
        if l.trim().is_empty() {
            continue;
        }
        let t = vroeg_codec::decode_input(l.as_bytes())
            .ok()
            .map(|e| e.occurred_at());
        last = t.or(last);
        lines.push((last, l.to_owned()));
    }
    lines.sort_by_key(|(t, _)| *t);
    let end = stats.clock.unwrap();
    (
        outcome(decisions),
        lines.into_iter().map(|(_, l)| l).collect(),
        end,
    )
}

fn wait(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The case through ingest and household stages; with `restore_after`, the household stage is
/// replaced by a new one (restoring from the changelog) after that many input lines.
fn engine(
    case: &Case,
    lines: &[String],
    end: DateTime<Utc>,
    restore_after: Option<usize>,
) -> Outcome {
    let prefix = format!("g{}.", case.name);
    let topics = Topics::new(&prefix);
    let mock = MockCluster::new(1).unwrap();
    for t in [
        topics.arrears(),
        topics.objections(),
        topics.feedback(),
        topics.rejected(),
    ] {
        mock.create_topic(&t, 1, 1).unwrap();
    }
    for t in [topics.households(), topics.state()] {
        mock.create_topic(&t, 2, 1).unwrap();
    }
    mock.create_topic(&topics.audit(), 1, 1).unwrap();
    let bootstrap = mock.bootstrap_servers();
    let mut stage = StageConfig::new(ClientSettings::new(&bootstrap), topics.clone(), "golden");
    stage.session_timeout_ms = 6_000;
    stage.tick_interval = Duration::from_millis(5);
    stage.commit_interval = Duration::from_millis(20);
    let rules = Arc::new(vroegsignaal::run::rule_data(&case.cfg));
    let clock = ManualClock::new(DateTime::UNIX_EPOCH);
    let metrics = Arc::new(Metrics::new());
    let ingest = spawn_ingest(
        stage.clone(),
        rules.clone(),
        Arc::new(clock.clone()),
        metrics.clone(),
    )
    .unwrap();
    let start_households = |metrics: &Arc<Metrics>| -> StageHandle {
        spawn_households(
            stage.clone(),
            rules.clone(),
            Arc::new(clock.clone()),
            metrics.clone(),
            Arc::new(AutoCreate),
        )
        .unwrap()
    };
    let mut households = start_households(&metrics);
    let producer = test_producer(&bootstrap, true).unwrap();
    let produce = |batch: &[String]| {
        for l in batch {
            producer
                .send(BaseRecord::<str, str>::to(&topics.arrears()).payload(l))
                .map_err(|(e, _)| e)
                .unwrap();
        }
        producer.flush(Duration::from_secs(30)).unwrap();
    };
    let cut = restore_after.unwrap_or(lines.len()).min(lines.len());
    produce(&lines[..cut]);
    let through_ingest = |n: usize| {
        wait("ingest", 60, || metrics.ingest_committed() >= n as u64);
        metrics.out_count("ingest", &topics.households())
    };
    let envelopes = through_ingest(cut);
    wait("households", 60, || {
        metrics.households_committed() >= envelopes
    });
    // After a restore the new stage counts only what it processes itself.
    let mut stage_metrics = metrics.clone();
    let mut before = 0;
    if restore_after.is_some() {
        households.stop().unwrap();
        before = metrics.households_committed();
        stage_metrics = Arc::new(Metrics::new());
        households = start_households(&stage_metrics);
        produce(&lines[cut..]);
        let envelopes = through_ingest(lines.len());
        wait("households after the restore", 60, || {
            before + stage_metrics.households_committed() >= envelopes
        });
    }
    clock.set(end);
    wait("ticks", 60, || {
        stage_metrics.ticked_until_ms() >= end.timestamp_millis()
    });
    let _ = before;
    households.stop().unwrap();
    ingest.stop().unwrap();
    let settings = ClientSettings::new(&bootstrap);
    let idle = Duration::from_millis(300);
    let within = Duration::from_secs(30);
    let audit = read_to_end(&settings, &topics.audit(), idle, within).unwrap();
    let rejected = read_to_end(&settings, &topics.rejected(), idle, within).unwrap();
    let mut got = outcome(
        audit
            .iter()
            .map(|(_, v)| vroeg_codec::decode_decision(v.as_deref().unwrap()).unwrap()),
    );
    got.rejected = rejected.len();
    got
}

fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(workspace().join("tests/golden"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("events.jsonl").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 18, "golden cases missing: {dirs:?}");
    dirs
}

#[test]
fn every_golden_case_decides_the_same_in_the_engine_with_and_without_a_restore() {
    let dirs = cases();
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = dirs
            .chunks(dirs.len().div_ceil(4))
            .map(|chunk| {
                s.spawn(move || {
                    let mut failures = Vec::new();
                    for dir in chunk {
                        let case = load(dir);
                        let (expected, lines, end) = simulated(&case);
                        assert!(
                            !expected.per_household.is_empty(),
                            "{}: simulate decided nothing",
                            case.name
                        );
                        for restore in [None, Some(lines.len() / 2)] {
                            let got = engine(&case, &lines, end, restore);
                            if got != expected {
                                failures.push(format!(
                                    "{} (restore after {restore:?}):\nexpected {expected:#?}\ngot {got:#?}",
                                    case.name
                                ));
                            }
                        }
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
