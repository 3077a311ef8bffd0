//! Golden tests: every directory `tests/golden/<case>/` of the workspace holds `events.jsonl`,
//! `expected.jsonl` and optionally `case.toml` (`now` and configuration overrides, see
//! `support/golden.rs`). The case is simulated with the shipped `config/vroegsignaal.toml`
//! plus its overrides and the development key, and the output must equal `expected.jsonl` line
//! for line.
//!
//! `UPDATE_GOLDEN=1 cargo test --test golden` rewrites the expected files; review the diff.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use support::golden::{GoldenCase, case_dirs};
use vroeg_domain::household::simulation::Simulator;
use vroegsignaal::simulate::{self, Format};

/// Runs one case; `Ok(None)` when it matches (or was updated), `Ok(Some(diff))` otherwise.
fn run_case(dir: &Path, update: bool) -> Result<Option<String>, String> {
    let GoldenCase {
        events, now, cfg, ..
    } = GoldenCase::load(dir)?;
    let mut actual = Vec::new();
    simulate::simulate(
        &mut Simulator::new(),
        &events,
        now,
        &cfg.context(),
        &mut actual,
        Format::Json,
    )
    .map_err(|e| e.to_string())?;
    let actual = String::from_utf8(actual).map_err(|e| e.to_string())?;

    let expected_path = dir.join("expected.jsonl");
    if update {
        std::fs::write(&expected_path, &actual).map_err(|e| e.to_string())?;
        return Ok(None);
    }
    let expected = std::fs::read_to_string(&expected_path)
        .map_err(|e| format!("expected.jsonl: {e} (run with UPDATE_GOLDEN=1 to create it)"))?;
    Ok(diff(&expected, &actual))
}

/// A readable line diff: the first differing lines, each with its line number.
fn diff(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let mut out = format!("{} line(s) expected, {} produced\n", e.len(), a.len());
    let mut shown = 0;
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i), a.get(i));
        if x == y {
            continue;
        }
        out.push_str(&format!(
            "  line {}:\n    - {}\n    + {}\n",
            i + 1,
            x.unwrap_or(&"(none)"),
            y.unwrap_or(&"(none)")
        ));
        shown += 1;
        if shown == 8 {
            out.push_str("  ...\n");
            break;
        }
    }
    Some(out)
}

#[test]
fn golden_cases() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let cases = case_dirs();
    assert!(!cases.is_empty(), "no golden cases under tests/golden");
    let mut failures = Vec::new();
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        match run_case(dir, update) {
            Ok(None) => {}
            Ok(Some(d)) => failures.push(format!("case {name}: output differs\n{d}")),
            Err(e) => failures.push(format!("case {name}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden case(s) failed (UPDATE_GOLDEN=1 cargo test --test golden rewrites \
         expected.jsonl):\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn diff_names_lines() {
    assert_eq!(diff("a\nb\n", "a\nb\n"), None);
    let d = diff("a\nb\n", "a\nc\nd\n").unwrap();
    assert!(d.contains("line 2:\n    - b\n    + c"), "{d}");
    assert!(d.contains("line 3:\n    - (none)\n    + d"), "{d}");
}
