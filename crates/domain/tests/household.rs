//! The household algorithm ([`HouseholdPartition`]) on its own: catch-up, replay skipping,
//! restores, bounded ticks and the reporting store's keys, without Kafka.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;

use proptest::prelude::*;
use support::{Harness, arrears, at, parse_input};
use vroeg_domain::contract::decision::Decision;
use vroeg_domain::contract::pseudonym::HouseholdId;
use vroeg_domain::household::{
    Delivery, Household, HouseholdPartition, PartitionOptions, RecordOrigin, StepOutcome,
};
use vroeg_domain::rules::{self, Admission, Admitted, RuleContext};

const TRACKED: PartitionOptions = PartitionOptions {
    track_changes: true,
    reporting: true,
};

fn admitted(line: &str, ctx: &RuleContext<'_>) -> Admitted {
    let e = parse_input(line);
    let t = e.occurred_at();
    match rules::admit(e, t, ctx) {
        Admission::Accepted(a) => *a,
        Admission::Decided(d) => panic!("not admitted: {d:?}"),
    }
}

fn json(ds: &[Decision]) -> Vec<String> {
    ds.iter()
        .map(|d| serde_json::to_string(d).unwrap())
        .collect()
}

/// A young rent arrears (day 12 on 2026-10-01) that becomes due on day 30 by timer.
fn young_rent(id: &str, at_time: &str) -> String {
    arrears(id, "woonstad", "HUUR", "600.00", "2026-09-19", at_time, "")
}

#[test]
fn an_event_first_catches_up_on_its_households_own_timers() {
    let h = Harness::new();
    let ctx = h.ctx();
    let mut p = HouseholdPartition::new(TRACKED);
    let mut out = StepOutcome::default();
    assert!(p.apply_event(
        &admitted(&young_rent("e1", "2026-10-01T09:00:00Z"), &ctx),
        Some(0),
        &ctx,
        &mut out
    ));
    let wake = p.next_wakeup().expect("a young arrears waits for a timer");
    assert!(wake > at("2026-10-01T09:00:00Z"));
    out.clear();
    // An event long after the wakeup, with no tick in between: the due timer fires first, at its
    // own time, then the event applies at its own.
    let later = arrears(
        "e2",
        "woonstad",
        "HUUR",
        "700.00",
        "2026-09-19",
        "2026-11-10T09:00:00Z",
        "",
    );
    assert!(p.apply_event(&admitted(&later, &ctx), Some(1), &ctx, &mut out));
    let firsts: Vec<_> = out.decisions.iter().map(|d| d.at).collect();
    assert!(
        firsts
            .first()
            .is_some_and(|t| *t < at("2026-11-10T09:00:00Z")),
        "{firsts:?}"
    );
    assert_eq!(*firsts.last().unwrap(), at("2026-11-10T09:00:00Z"));
    assert!(firsts.windows(2).all(|w| w[0] <= w[1]), "{firsts:?}");
    assert!(out.decisions.iter().any(|d| d.kind.name() == "TASK"));
}

#[test]
fn records_below_the_position_or_from_an_applied_source_are_not_processed_again() {
    let mut p = HouseholdPartition::new(TRACKED);
    let origin = |offset, source_offset| RecordOrigin {
        offset,
        source: Some(("vroeg.arrears.v1/0", source_offset)),
    };
    assert_eq!(p.receive(origin(0, 10)), Delivery::New);
    assert_eq!(p.receive(origin(1, 11)), Delivery::New);
    // The ingest stage wrote source record 10 again (a crash between its produce and commit).
    assert_eq!(p.receive(origin(2, 10)), Delivery::Replay);
    // A re-read of offsets already in the (restored) state.
    assert_eq!(p.receive(origin(1, 11)), Delivery::Restored);
    // Another source partition has its own high mark.
    assert_eq!(
        p.receive(RecordOrigin {
            offset: 3,
            source: Some(("vroeg.arrears.v1/1", 0)),
        }),
        Delivery::New
    );
    // An unreadable record still moves the position.
    assert_eq!(
        p.receive(RecordOrigin {
            offset: 4,
            source: None
        }),
        Delivery::New
    );
    assert_eq!(p.position().next_offset, 5);
    assert_eq!(p.position().sources["vroeg.arrears.v1/0"], 11);
    assert!(p.take_position_change().is_some());
    assert!(p.take_position_change().is_none());
}

#[test]
fn an_event_the_households_state_already_contains_is_skipped() {
    let h = Harness::new();
    let ctx = h.ctx();
    let mut p = HouseholdPartition::new(TRACKED);
    let mut out = StepOutcome::default();
    let e = admitted(&young_rent("e1", "2026-10-01T09:00:00Z"), &ctx);
    assert!(p.apply_event(&e, Some(7), &ctx, &mut out));
    assert_eq!(p.take_changed().len(), 1);
    out.clear();
    assert!(!p.apply_event(&e, Some(7), &ctx, &mut out));
    assert!(!p.apply_event(&e, Some(3), &ctx, &mut out));
    assert!(out.decisions.is_empty());
    assert!(p.take_changed().is_empty());
}

#[test]
fn ticks_are_bounded_and_resume_in_order() {
    let h = Harness::new();
    let ctx = h.ctx();
    let mut all = HouseholdPartition::new(TRACKED);
    let mut bounded = HouseholdPartition::new(TRACKED);
    let mut out = StepOutcome::default();
    for n in 0..10u32 {
        let mut line = young_rent(&format!("e{n}"), "2026-10-01T09:00:00Z");
        line = line.replace(
            "\"house_number\":10",
            &format!("\"house_number\":{}", n + 1),
        );
        let a = admitted(&line, &ctx);
        all.apply_event(&a, Some(i64::from(n)), &ctx, &mut out);
        bounded.apply_event(&a, Some(i64::from(n)), &ctx, &mut out);
    }
    let now = at("2026-12-01T00:00:00Z");
    let mut whole = StepOutcome::default();
    let fired = all.advance_to(now, usize::MAX, &ctx, &mut whole);
    assert!(fired >= 10, "{fired}");
    let mut pieces = StepOutcome::default();
    let mut rounds = 0;
    while bounded.advance_to(now, 3, &ctx, &mut pieces) == 3 {
        rounds += 1;
        assert!(rounds < 100);
    }
    assert!(rounds >= 3);
    assert_eq!(json(&whole.decisions), json(&pieces.decisions));
}

/// Households of a partition written out as the engine writes its changelog.
fn snapshot(p: &HouseholdPartition, ids: &[HouseholdId]) -> Vec<(HouseholdId, Household)> {
    ids.iter()
        .filter_map(|id| {
            p.household(id).map(|(state, applied, keys)| {
                (
                    id.clone(),
                    Household {
                        state: state.clone(),
                        applied,
                        report_keys: keys.to_vec(),
                    },
                )
            })
        })
        .collect()
}

/// Runs `lines` (event JSON) as input offsets 0.., with a tick to each event's time before it
/// (the engine's clock) and, after `restore_at` events, a restore from the persisted households.
fn run(lines: &[String], restore_at: Option<usize>, end: &str) -> (Vec<String>, Vec<String>) {
    run_sourced(lines, restore_at, end, &|i| i)
}

/// [`run`] where input `i` was read by the ingest stage from source offset `source_of(i)` (a
/// repeated source offset is a replay).
fn run_sourced(
    lines: &[String],
    restore_at: Option<usize>,
    end: &str,
    source_of: &dyn Fn(usize) -> usize,
) -> (Vec<String>, Vec<String>) {
    let h = Harness::new();
    let ctx = h.ctx();
    let mut p = HouseholdPartition::new(TRACKED);
    let mut stored: BTreeMap<HouseholdId, Option<Household>> = BTreeMap::new();
    let mut out = StepOutcome::default();
    let mut persist = |p: &mut HouseholdPartition| {
        for id in p.take_changed() {
            let h = snapshot(p, std::slice::from_ref(&id)).pop().map(|(_, h)| h);
            stored.insert(id, h);
        }
        let position = p.take_position_change().cloned();
        (stored.clone(), position)
    };
    let mut position = None;
    for (i, line) in lines.iter().enumerate() {
        if Some(i) == restore_at {
            let (households, pos) = persist(&mut p);
            position = pos.or(position);
            p = HouseholdPartition::restored(
                TRACKED,
                households.into_iter().filter_map(|(id, h)| Some((id, h?))),
                position.clone().unwrap_or_default(),
                &ctx,
            );
        }
        let offset = i64::try_from(i).unwrap();
        let origin = RecordOrigin {
            offset,
            source: Some(("src/0", i64::try_from(source_of(i)).unwrap())),
        };
        if p.receive(origin) != Delivery::New {
            continue;
        }
        let e = parse_input(line);
        let t = e.occurred_at();
        p.advance_to(t, usize::MAX, &ctx, &mut out);
        match rules::admit(e, t, &ctx) {
            Admission::Decided(d) => out.decisions.extend(d),
            Admission::Accepted(a) => {
                p.apply_event(&a, Some(offset), &ctx, &mut out);
            }
        }
        position = p.take_position_change().cloned().or(position);
    }
    p.advance_to(at(end), usize::MAX, &ctx, &mut out);
    let mut tombstones = out.report_tombstones.clone();
    tombstones.sort();
    (json(&out.decisions), tombstones)
}

/// Two creditors at one address, a case result closing the case, both arrears resolved: the
/// household is purged once the look-back has passed.
fn scenario() -> Vec<String> {
    let mut lines = vec![
        young_rent("e1", "2026-01-05T09:00:00Z").replace("2026-09-19", "2025-12-20"),
        arrears(
            "e2",
            "eneco",
            "ENERGIE",
            "310.00",
            "2025-11-01",
            "2026-01-06T10:00:00Z",
            "",
        ),
    ];
    let (decisions, _) = run(&lines, None, "2026-01-20T00:00:00Z");
    let case_id = decisions
        .iter()
        .find_map(|d| {
            let v: serde_json::Value = serde_json::from_str(d).unwrap();
            v["task"]["case_id"].as_str().map(str::to_owned)
        })
        .expect("the two arrears make a task");
    lines.push(format!(
        r#"{{"event_id":"f1","municipality_code":"0599","case_id":"{case_id}","event_type":"CASE_RESULT","occurred_at":"2026-02-01T09:00:00Z","resultaat":"Vervolghulp en/of verwijzing financieel"}}"#
    ));
    for (id, creditor, sector, since, at_time) in [
        (
            "e3",
            "woonstad",
            "HUUR",
            "2025-12-20",
            "2026-02-10T09:00:00Z",
        ),
        (
            "e4",
            "eneco",
            "ENERGIE",
            "2025-11-01",
            "2026-02-11T09:00:00Z",
        ),
    ] {
        lines.push(arrears(
            id,
            creditor,
            sector,
            "0.00",
            since,
            at_time,
            r#"{"event_type":"RESOLVED"}"#,
        ));
    }
    lines
}

#[test]
fn a_restore_in_the_middle_decides_the_same() {
    let lines = scenario();
    let straight = run(&lines, None, "2027-06-01T00:00:00Z");
    assert!(!straight.0.is_empty());
    for cut in 1..lines.len() {
        assert_eq!(
            run(&lines, Some(cut), "2027-06-01T00:00:00Z"),
            straight,
            "restore at {cut}"
        );
    }
}

#[test]
fn a_retention_purge_tombstones_the_households_reporting_keys() {
    let (decisions, tombstones) = run(&scenario()[..2], None, "2027-06-01T00:00:00Z");
    assert!(decisions.iter().any(|d| d.contains("\"TASK\"")));
    // Open arrears are never purged; these stay open, so nothing is tombstoned yet.
    assert!(tombstones.is_empty(), "{tombstones:?}");
    let (decisions, tombstones) = run(&scenario(), None, "2027-06-01T00:00:00Z");
    assert!(
        decisions.iter().any(|d| d.contains("\"PURGED\"")),
        "{decisions:#?}"
    );
    assert!(!tombstones.is_empty());
    assert!(
        tombstones.iter().all(|k| k.starts_with("0599:")),
        "{tombstones:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Delivering a record again, anywhere later in the stream, changes nothing; a restore at any
    /// point changes nothing.
    #[test]
    fn redelivery_and_restore_change_no_decision(
        dup in 0usize..5, at_pos in 0usize..5, cut in 0usize..6,
    ) {
        let lines = scenario();
        let straight = run(&lines, None, "2027-06-01T00:00:00Z");
        let mut with_dup = lines.clone();
        let pos = (dup + at_pos + 1).min(with_dup.len());
        with_dup.insert(pos, lines[dup].clone());
        // The repeated line is a new input offset of a source record applied before: it must be
        // recognised by its source, so give it the original's source offset.
        let source_of = |i: usize| match i.cmp(&pos) {
            std::cmp::Ordering::Equal => dup,
            std::cmp::Ordering::Greater => i - 1,
            std::cmp::Ordering::Less => i,
        };
        let replayed = run_sourced(&with_dup, None, "2027-06-01T00:00:00Z", &source_of);
        prop_assert_eq!(&replayed, &straight);
        prop_assert_eq!(run(&lines, Some(cut.min(lines.len())), "2027-06-01T00:00:00Z"), straight);
    }
}
