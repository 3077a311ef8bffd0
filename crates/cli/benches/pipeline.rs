//! The core's throughput on one core, stage by stage: decode (JSON) → admit (validate, route,
//! pseudonymise) → household rules and timers → encode every decision (JSON); then the same
//! chain in one pass per event (`end to end`).
//!
//! `cargo bench -p vroegsignaal --bench pipeline [-- EVENTS]` (default 200,000 generated events).
//! Single-threaded on purpose: the figure is per core. Results go to `docs/BENCHMARKS.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use vroeg_domain::contract::messages::InputEvent;
use vroeg_domain::household::simulation::Simulator;
use vroegsignaal::config::{AppConfig, Env, KeyPolicy};
use vroegsignaal::generate::{self, CreditorPool, Geography};

fn main() {
    let events: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/vroegsignaal.toml");
    let cfg = AppConfig::load(&root, &Env::default(), KeyPolicy::DevelopmentFallback).unwrap();
    let f = &cfg.settings.file.data;
    let (pn, pt) = cfg.settings.read(&f.pc4_gemeente).unwrap();
    let (gn, gt) = cfg.settings.read(&f.gemeenten).unwrap();
    let geo = Geography::parse(&pn, &pt, &gn, &gt).unwrap();
    let opts = generate::Options {
        events,
        seed: 7,
        start: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
        days: 90,
    };
    let records = generate::generate(
        &opts,
        &geo,
        &CreditorPool::from_registry(&cfg.data.creditors),
    );
    let mut bytes = Vec::new();
    generate::write_jsonl(&records, &mut bytes).unwrap();
    let lines: Vec<&[u8]> = bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let ctx = cfg.context();

    // 1. Decode.
    let t = Instant::now();
    let decoded: Vec<InputEvent> = lines
        .iter()
        .filter_map(|l| vroeg_codec::decode_input(l).ok())
        .collect();
    let decode = t.elapsed();
    let decoded_count = decoded.len();
    // Fresh copies for the later stages, decoded again outside the timing, so no stage pays for
    // cloning its input.
    let copy = || -> Vec<InputEvent> {
        lines
            .iter()
            .filter_map(|l| vroeg_codec::decode_input(l).ok())
            .collect()
    };
    let (for_admit, for_rules, for_encode) = (copy(), copy(), copy());
    drop(decoded);

    // 2. Admit (ingest stage) alone, on clones so stage 3 can run the real thing.
    let t = Instant::now();
    let mut accepted = 0usize;
    for e in for_admit {
        if let vroeg_domain::rules::Admission::Accepted(_) =
            vroeg_domain::rules::admit(e, chrono::DateTime::UNIX_EPOCH, &ctx)
        {
            accepted += 1;
        }
    }
    let admit = t.elapsed();

    if std::env::var_os("VROEG_BENCH_RULES_ONLY").is_some() {
        let mut sim = Simulator::new();
        let t = Instant::now();
        for e in for_rules {
            sim.process(e, &ctx, &mut drop);
        }
        println!("admit + rules only: {} ms", t.elapsed().as_millis());
        std::mem::forget(sim);
        return;
    }

    // 3. Admit + household rules + timers (the Simulator); decisions counted and dropped.
    let t = Instant::now();
    let mut sim = Simulator::new();
    let mut count = 0usize;
    for e in for_rules {
        sim.process(e, &ctx, &mut |_d| count += 1);
    }
    let rules = t.elapsed().saturating_sub(admit);
    let households = sim.household_count();
    // State size: the changelog form (JSON) per household, and the in-memory size estimated as
    // struct size plus heap bytes of its strings and vectors.
    // Also the whole changelog record (`applied` and envelope fields included) in the v0 JSON form
    // and in the compact v1 form the engine writes now, with v1's encode and decode time.
    let mut json_bytes = 0usize;
    let (mut v0_bytes, mut v1_bytes) = (0usize, 0usize);
    let mut v1_encode = std::time::Duration::ZERO;
    let mut v1_decode = std::time::Duration::ZERO;
    for s in sim.households() {
        json_bytes += serde_json::to_vec(s).map_or(0, |v| v.len());
        v0_bytes +=
            vroeg_engine::statecodec::encode_household_json(0, s, &[]).map_or(0, |v| v.len());
        let t = Instant::now();
        let v1 = vroeg_engine::statecodec::encode_household(0, s, &[]).unwrap();
        v1_encode += t.elapsed();
        v1_bytes += v1.len();
        let t = Instant::now();
        let back = vroeg_engine::statecodec::decode(&v1).unwrap();
        v1_decode += t.elapsed();
        assert!(
            matches!(back, vroeg_engine::records::StateRecord::Household { state, .. } if *state == *s)
        );
    }
    let state_json_avg = json_bytes / households.max(1);
    println!(
        "changelog record per household (average): v0 JSON {} bytes, v1 {} bytes; v1 encode {} us, decode {} us per household",
        v0_bytes / households.max(1),
        v1_bytes / households.max(1),
        v1_encode.as_micros() / households.max(1) as u128,
        v1_decode.as_micros() / households.max(1) as u128,
    );
    std::mem::forget(sim);

    // 4. The same again with every decision encoded as a JSON line into a reused buffer (as
    //    `simulate` writes them): the difference is the cost of encoding.
    let t = Instant::now();
    let mut sim = Simulator::new();
    let mut out = Vec::with_capacity(1 << 16);
    let mut bytes_out = 0usize;
    for e in for_encode {
        sim.process(e, &ctx, &mut |d| {
            out.clear();
            let _ = vroeg_codec::encode_json(&d, &mut out);
            out.push(b'\n');
            bytes_out += out.len();
        });
    }
    let encode = t.elapsed().saturating_sub(admit + rules);
    std::mem::forget(sim);

    // 5. End to end in one pass, as one core runs it: decode each line, admit, household rules
    //    and timers, encode every decision. Inputs that fail to decode are skipped (as above).
    let t = Instant::now();
    let mut sim = Simulator::new();
    let mut e2e_decisions = 0usize;
    for l in &lines {
        if let Ok(e) = vroeg_codec::decode_input(l) {
            sim.process(e, &ctx, &mut |d| {
                out.clear();
                let _ = vroeg_codec::encode_json(&d, &mut out);
                out.push(b'\n');
                e2e_decisions += 1;
            });
        }
    }
    let end_to_end = t.elapsed();
    std::mem::forget(sim);
    assert_eq!(e2e_decisions, count);

    let total = decode + admit + rules + encode;
    // Integer arithmetic only (the workspace forbids floats): events per second and milliseconds.
    let per_sec = |d: std::time::Duration| {
        u128::try_from(lines.len()).unwrap_or(0) * 1_000_000 / d.as_micros().max(1)
    };
    println!(
        "events {} (decoded {}, admitted {accepted}), decisions {}, output {} MB, households {}",
        lines.len(),
        decoded_count,
        count,
        bytes_out / 1_000_000,
        households
    );
    println!("state per household (changelog JSON, average): {state_json_avg} bytes");
    for (name, d) in [
        ("decode", decode),
        ("admit", admit),
        ("household rules", rules),
        ("encode decisions", encode),
        ("total", total),
        ("end to end", end_to_end),
    ] {
        println!(
            "{name:>18}: {:>8} ms  {:>10} events/s",
            d.as_millis(),
            per_sec(d)
        );
    }
}
