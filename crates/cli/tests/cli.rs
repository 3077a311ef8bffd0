//! The built binary, as an operator runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::{binary, config_file, workspace_dir};

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Runs the binary with a clean `VROEGSIGNAAL*` environment and nothing else.
fn run(args: &[&str]) -> Output {
    binary().args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn simulate(events: &Path, extra: &[&str]) -> Output {
    let cfg = config_file();
    let mut args = vec![
        "simulate",
        "--config",
        cfg.to_str().unwrap(),
        "--events",
        events.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn every_command_has_help() {
    for cmd in [
        vec!["--help"],
        vec!["simulate", "--help"],
        vec!["generate", "--help"],
        vec!["demo", "--help"],
        vec!["import-pc6hnr", "--help"],
        vec!["publish", "--help"],
        vec!["tasks", "--help"],
        vec!["feedback", "--help"],
        vec!["feedback", "contact", "--help"],
        vec!["feedback", "result", "--help"],
        vec!["status", "--help"],
    ] {
        let o = run(&cmd);
        assert!(o.status.success(), "{cmd:?}: {}", stderr(&o));
        let out = String::from_utf8(o.stdout).unwrap();
        assert!(out.contains("Usage: vroegsignaal"), "{cmd:?}: {out}");
    }
}

#[test]
fn simulate_sample_is_deterministic_and_complete() {
    let sample = workspace_dir().join("tests/data/sample-events.jsonl");
    let a = simulate(&sample, &["--now", "2026-11-15"]);
    let b = simulate(&sample, &["--now", "2026-11-15T00:00:00Z"]);
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(a.stdout, b.stdout, "same input, same output, byte for byte");
    let err = stderr(&a);
    assert!(err.contains("development key"), "{err}");
    assert!(err.contains("REJECTED 2"), "{err}");

    let lines: Vec<serde_json::Value> = String::from_utf8(a.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = lines
        .iter()
        .map(|d| d["decision"].as_str().unwrap())
        .collect();
    for k in [
        "TASK",
        "QUARANTINED",
        "REJECTED",
        "SUPPRESSED",
        "CREDITOR_STATUS",
    ] {
        assert!(kinds.contains(&k), "no {k} in {kinds:?}");
    }
    // The young energy arrears age to day 30 under the simulated clock: a timer decision (no
    // event_id) at Dutch midnight of 2026-10-20 (22:00 UTC the day before, summer time) updates the
    // Rotterdam case to MEERVOUDIG.
    assert!(
        lines.iter().any(|d| d["at"] == "2026-10-19T22:00:00Z"
            && d.get("event_id").is_none()
            && d["task"]["classification"] == "MEERVOUDIG"),
        "no ageing update"
    );
    // Decisions come in time order.
    let times: Vec<&str> = lines.iter().map(|d| d["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    // Only tasks carry personal data.
    for d in &lines {
        if d["decision"] != "TASK" {
            let text = d.to_string();
            assert!(!text.contains("Dijk") && !text.contains("3011"), "{text}");
        }
    }
}

#[test]
fn a_bad_line_is_rejected_and_the_run_goes_on() {
    let sample =
        std::fs::read_to_string(workspace_dir().join("tests/data/sample-events.jsonl")).unwrap();
    let mut lines: Vec<&str> = sample.lines().collect();
    lines.insert(
        1,
        r#"{"event_id":"x-1","event_type":"ARREARS","bsn":"000000000"}"#,
    );
    let path = tmp("bad-line.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let o = simulate(&path, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let rejected: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|d| d["decision"] == "REJECTED")
        .collect();
    let ours = rejected.iter().find(|d| d["event_id"] == "x-1").unwrap();
    assert!(
        ours["reason"].as_str().unwrap().starts_with("line 2: "),
        "{ours}"
    );
    // Its time is the clock after line 1.
    assert_eq!(ours["at"], "2026-10-01T08:30:00Z");
    assert_eq!(ours["reason_code"], "invalid");
    // Everything after it was still processed.
    assert!(out.lines().count() > 15);
    assert!(out.contains("\"decision\":\"TASK\""));
}

#[test]
fn simulate_text_format_and_errors() {
    let sample = workspace_dir().join("tests/data/sample-events.jsonl");
    let o = simulate(&sample, &["--format", "text", "--now", "2026-11-15"]);
    assert!(o.status.success());
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.lines().all(|l| l.starts_with("2026-")), "{out}");
    assert!(out.contains(" TASK "));
    assert!(!out.contains("+316"), "text output carries no contact data");

    let o = simulate(&sample, &["--now", "next tuesday"]);
    assert!(!o.status.success());
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    let o = simulate(Path::new("/nonexistent/events.jsonl"), &[]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("/nonexistent/events.jsonl"), "{e}");
    let o = run(&[
        "simulate",
        "--config",
        "/nonexistent/c.toml",
        "--events",
        "x",
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("/nonexistent/c.toml"));
}

#[test]
fn generate_is_deterministic_for_a_seed() {
    let generate = |seed: &str, name: &str| {
        let out = tmp(name);
        let o = run(&[
            "generate",
            "--config",
            config_file().to_str().unwrap(),
            "--events",
            "2000",
            "--seed",
            seed,
            "--out",
            out.to_str().unwrap(),
            "--start",
            "2026-09-01",
            "--days",
            "30",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(out).unwrap()
    };
    let a = generate("5", "gen-a.jsonl");
    let b = generate("5", "gen-b.jsonl");
    let c = generate("6", "gen-c.jsonl");
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.iter().filter(|&&x| x == b'\n').count(), 2000);
    // And the generated file simulates.
    let o = simulate(&tmp("gen-a.jsonl"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .contains("\"decision\":\"TASK\"")
    );
}

#[test]
fn import_pc6hnr_sorts_dedups_and_refuses_conflicts() {
    let input = tmp("pc6hnr.csv");
    std::fs::write(
        &input,
        "PC6;Huisnummer;Buurt2024;Wijk2024;Gemeente2024\n\
         3011AB;10;05990101;059901;0599\n\
         2511CK;25;05180101;051801;0518\n\
         3011AB;2;05990101;059901;0599\n\
         2511CK;25;05180101;051801;0518\n",
    )
    .unwrap();
    let output = tmp("exact.csv");
    let o = run(&[
        "import-pc6hnr",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "postcode,house_number,gemeentecode\n2511CK,25,0518\n3011AB,2,0599\n3011AB,10,0599\n"
    );
    let e = stderr(&o);
    assert!(
        e.contains("4 row(s)") && e.contains("3 address(es)") && e.contains("1 identical"),
        "{e}"
    );

    std::fs::write(
        &input,
        "PC6,Huisnummer,Gemeente2024\n3011AB,10,0599\n2511CK,25,0518\n3011AB,10,0518\n",
    )
    .unwrap();
    let conflict_out = tmp("exact-conflict.csv");
    let o = run(&[
        "import-pc6hnr",
        "--input",
        input.to_str().unwrap(),
        "--output",
        conflict_out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("lines 2 and 4"), "{e}");
    assert!(!conflict_out.exists(), "nothing written on error");
}

#[test]
fn demo_runs_on_the_embedded_broker_and_reports() {
    let cfg = config_file();
    let o = run(&[
        "demo",
        "--config",
        cfg.to_str().unwrap(),
        "--events",
        "5000",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(out.contains("embedded Kafka broker"), "{out}");
    for section in [
        "New outreach tasks per municipality",
        "Classifications",
        "Priorities",
        "Suppressed, by reason_code",
        "Quarantined, by reason_code",
        "Not routed, by reason_code",
        "Rejected, by field",
        "Creditor statuses",
    ] {
        assert!(out.contains(section), "no {section}: {out}");
    }
    assert!(
        out.contains("Amsterdam") && out.contains("no_legal_basis"),
        "{out}"
    );
    assert!(stderr(&o).contains("development key"));
    assert!(!stderr(&o).contains("wakeup(s) dropped"));
}

#[test]
fn run_refuses_to_start_without_a_pseudonymisation_key() {
    let cfg = config_file();
    let o = run(&[
        "run",
        "--config",
        cfg.to_str().unwrap(),
        "--brokers",
        "127.0.0.1:1",
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("VROEGSIGNAAL_PSEUDONYM_KEY"), "{e}");
    assert_eq!(e.trim().lines().count(), 1, "{e}");
}

/// `publish --dry-run` of a CSV as Dutch Excel writes it (`;`, UTF-8 BOM, a quoted street over two
/// lines): zero rejects; the same file saved as Windows-1252: zero rejects and a note; a line with
/// three faults: all three, each as field + rule, without the values.
#[test]
fn an_excel_export_uploads_clean_and_a_bad_line_lists_every_fault() {
    let excel = workspace_dir().join("tests/data/uploads/arrears-excel-nl.csv");
    let rejects = tmp("excel-rejects.csv");
    let o = run(&[
        "publish",
        "--file",
        excel.to_str().unwrap(),
        "--dry-run",
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "", "no line rejected");
    assert!(stderr(&o).contains(" 0 rejected"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&rejects).unwrap(),
        "line,event_id,field,problem\n"
    );

    // The same text in Windows-1252, as Excel's plain "CSV" export writes it on Windows.
    let text = std::fs::read_to_string(&excel).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let (cp1252, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    assert!(cp1252.len() < text.len(), "the sample has accented letters");
    let legacy = tmp("excel-1252.csv");
    std::fs::write(&legacy, &cp1252).unwrap();
    let o = run(&["publish", "--file", legacy.to_str().unwrap(), "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "");
    assert!(stderr(&o).contains("Windows-1252"), "{}", stderr(&o));

    // Three faults on one line: sector, arrears_since and arrears_amount.
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let header: Vec<&str> = lines[0].split(';').collect();
    let row = header
        .iter()
        .map(|c| match *c {
            "event_id" => "bad-1",
            "creditor_id" => "woonstad-rotterdam",
            "sector" => "HUURX",
            "event_type" => "ARREARS",
            "customer_ref" => "K-77",
            "arrears_amount" => "twaalf",
            "arrears_since" => "31-08-2026",
            "occurred_at" => "2026-10-01T09:00:00Z",
            "reminders_sent" => "1",
            "address.postcode" => "3011 AB",
            "address.house_number" => "10",
            _ => "",
        })
        .collect::<Vec<_>>()
        .join(";");
    lines.truncate(1);
    lines.push(row);
    let bad = tmp("three-faults.csv");
    std::fs::write(&bad, lines.join("\r\n")).unwrap();
    let rejects = tmp("three-faults-rejects.csv");
    let o = run(&[
        "publish",
        "--file",
        bad.to_str().unwrap(),
        "--dry-run",
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.starts_with("line 2: rejected: "), "{out}");
    for field in ["sector", "arrears_amount", "arrears_since"] {
        assert!(
            out.contains(&format!("{field}: ")),
            "{field} missing: {out}"
        );
    }
    assert!(
        out.contains("2026-09-01"),
        "the date rule shows the expected form: {out}"
    );
    for value in ["HUURX", "twaalf", "31-08-2026"] {
        assert!(!out.contains(value), "a value is quoted: {out}");
    }
    let report = std::fs::read_to_string(&rejects).unwrap();
    assert_eq!(
        report.lines().filter(|l| l.starts_with("2,")).count(),
        3,
        "{report}"
    );
}
