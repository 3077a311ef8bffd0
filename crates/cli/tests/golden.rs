//! Golden tests: every directory `tests/golden/<case>/` of the workspace holds `events.jsonl`,
//! `expected.jsonl` and optionally `case.toml` (`now` and configuration overrides, see
//! `support/golden.rs`). The case is simulated with the shipped `config/vroegsignaal.toml`
//! plus its overrides and the development key, and the output must equal `expected.jsonl` line
//! for line.
//!
//! `UPDATE_GOLDEN=1 cargo test --test golden` rewrites the expected files; review the diff.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};

use support::golden::CaseFile;
use vroeg_domain::household::simulation::Simulator;
use vroegsignaal::config::{AppConfig, Env, KeyPolicy};
use vroegsignaal::simulate::{self, Format};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs one case; `Ok(None)` when it matches (or was updated), `Ok(Some(diff))` otherwise.
fn run_case(dir: &Path, update: bool) -> Result<Option<String>, String> {
    let events =
        std::fs::read(dir.join("events.jsonl")).map_err(|e| format!("events.jsonl: {e}"))?;
    let case = match std::fs::read_to_string(dir.join("case.toml")) {
        Ok(text) => CaseFile::parse(&text).map_err(|e| e.to_string())?,
        Err(_) => CaseFile::default(),
    };
    // No environment overrides and the development key: a case means the same on every machine.
    let mut cfg = AppConfig::load(
        &workspace().join("config/vroegsignaal.toml"),
        &Env::default(),
        KeyPolicy::DevelopmentFallback,
    )
    .map_err(|e| e.to_string())?;
    case.apply(&mut cfg).map_err(|e| e.to_string())?;
    let now = case.now().map_err(|e| e.to_string())?;
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
    let root = workspace().join("tests/golden");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("events.jsonl").is_file())
        .collect();
    cases.sort();
    assert!(
        !cases.is_empty(),
        "no golden cases under {}",
        root.display()
    );
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
