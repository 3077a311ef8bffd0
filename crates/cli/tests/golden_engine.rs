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
//! case's end time, as `simulate --now` does. The audit topic is read up to the count the
//! household stage committed, so a decision the engine took beyond `simulate`'s shows too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use vroeg_domain::contract::decision::{Decision, DecisionKind};
use vroeg_domain::household::Simulator;
use vroeg_engine::embedded::EmbeddedPipeline;
use vroegsignaal::simulate::{self, Format};

use support::golden::{GoldenCase, case_dirs};

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

/// `simulate`'s decisions, and its input lines in the order it processed them.
fn simulated(case: &GoldenCase) -> (Outcome, Vec<String>, DateTime<Utc>) {
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

/// The case through the embedded pipeline (ingest and household stages on MockCluster); with
/// `restore_after`, both stages are stopped after that many input lines and new ones started,
/// which restore the households from the changelog.
fn engine(
    case: &GoldenCase,
    lines: &[String],
    end: DateTime<Utc>,
    restore_after: Option<usize>,
) -> Outcome {
    let mut pipeline = EmbeddedPipeline::new(1, 2).unwrap();
    let topics = pipeline.topics().clone();
    let rules = vroegsignaal::run::rule_data(&case.cfg);
    let input = topics.arrears();
    let produce = |pipeline: &EmbeddedPipeline, batch: &[String]| {
        pipeline
            .produce(batch.iter().map(|l| (input.as_str(), None, l.as_bytes())))
            .unwrap();
    };
    let cut = restore_after.unwrap_or(lines.len()).min(lines.len());
    produce(&pipeline, &lines[..cut]);
    // The clock stands before every event until the input is processed.
    pipeline
        .start_stages(rules.clone(), DateTime::UNIX_EPOCH)
        .unwrap();
    pipeline.wait_until_processed(cut as u64).unwrap();
    if restore_after.is_some() {
        // New stages: nothing in memory, the households come back from the changelog.
        pipeline.stop_stages().unwrap();
        produce(&pipeline, &lines[cut..]);
        pipeline.start_stages(rules, DateTime::UNIX_EPOCH).unwrap();
        pipeline.wait_until_processed(lines.len() as u64).unwrap();
    }
    pipeline.advance_to(end).unwrap();
    pipeline.stop_stages().unwrap();
    let audited = pipeline.metrics().out_count("households", &topics.audit());
    let audit = pipeline
        .read_topics(std::slice::from_ref(&topics.audit()), audited)
        .unwrap();
    let mut got = outcome(
        audit
            .iter()
            .map(|(_, v)| vroeg_codec::decode_decision(v).unwrap()),
    );
    got.rejected =
        usize::try_from(pipeline.metrics().out_count("ingest", &topics.rejected())).unwrap();
    got
}

#[test]
fn every_golden_case_decides_the_same_in_the_engine_with_and_without_a_restore() {
    let dirs = case_dirs();
    assert!(dirs.len() >= 18, "golden cases missing: {dirs:?}");
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = dirs
            .chunks(dirs.len().div_ceil(4))
            .map(|chunk| {
                s.spawn(move || {
                    let mut failures = Vec::new();
                    for dir in chunk {
                        let case = GoldenCase::load(dir).unwrap();
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
