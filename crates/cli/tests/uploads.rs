//! Creditor uploads as a creditor's IT department runs them: the built binary's `publish` with
//! `--rejects`, `--dry-run`, the upload ledger and the progress bar; the CSV templates under
//! `config/templates/`; objection and consent uploads. Brokers: librdkafka's MockCluster.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use rdkafka::consumer::Consumer;
use serde_json::Value;
use std::time::Instant;
use support::{command, text, workspace_dir};
use vroeg_testkit::{consume_all_until, mock_cluster, test_consumer};

const WITHIN: Duration = Duration::from_secs(60);

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("uploads-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `vroegsignaal publish ARGS` with the given topic prefix; fails the test on a non-zero exit.
fn publish(prefix: &str, args: &[&str]) -> Output {
    let mut cmd = command(prefix);
    cmd.arg("publish").args(args);
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "publish {args:?}: {}", text(&o.stderr));
    o
}

/// The rejection report (JSON lines) as `line -> (event_id, first error field)`.
fn read_rejects(path: &Path) -> BTreeMap<usize, (Option<String>, String, usize)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let errors = v["errors"].as_array().unwrap();
            assert!(!errors.is_empty(), "a reason for every line: {l}");
            for e in errors {
                assert!(!e["problem"].as_str().unwrap().is_empty(), "{l}");
            }
            (
                usize::try_from(v["line"].as_u64().unwrap()).unwrap(),
                (
                    v["event_id"].as_str().map(str::to_owned),
                    errors[0]["field"].as_str().unwrap().to_owned(),
                    errors.len(),
                ),
            )
        })
        .collect()
}

/// The number in `N <label>` of the last stderr line (`publish: N line(s): ...`).
fn count_in_summary(o: &Output, label: &str) -> u64 {
    let err = text(&o.stderr);
    let last = err.lines().last().unwrap_or_default().to_owned();
    let before = last
        .split(label)
        .next()
        .unwrap_or_else(|| panic!("no {label:?} in {last:?}"));
    assert_ne!(before, last, "no {label:?} in {last:?}");
    before
        .rsplit(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .unwrap()
        .parse()
        .unwrap()
}

const SECTORS: [(&str, &str); 13] = [
    ("HUUR", "woonstad-rotterdam"),
    ("ENERGIE", "vattenfall"),
    ("WATER", "dunea"),
    ("ZORG", "cz-zorg"),
    ("CAK", "cak"),
    ("DUO", "duo"),
    ("BELASTINGDIENST", "belastingdienst"),
    ("TOESLAGEN", "toeslagen"),
    ("HYPOTHEEK", "rabobank-hypotheek"),
    ("BANK", "ing-bank"),
    ("TELECOM", "kpn"),
    ("VERZEKERING", "centraal-beheer"),
    ("OVERIG", "incasso-overig"),
];

const BIG_HEADER: &str = "event_id,creditor_id,sector,event_type,customer_ref,arrears_amount,\
arrears_since,occurred_at,reminders_sent,personal_contact_attempted,pointed_to_debt_help,\
data_sharing_offered,consent_ref,address.postcode,address.house_number,address.city";

/// The kinds of bad line in the big upload, and the field the report must name first.
const BAD_KINDS: [(&str, &str); 8] = [
    ("bad postcode", "address.postcode"),
    ("negative amount", "arrears_amount"),
    ("unknown sector", "sector"),
    ("missing customer_ref", "customer_ref"),
    ("impossible date", "arrears_since"),
    ("three decimals", "arrears_amount"),
    ("boolean in words", "personal_contact_attempted"),
    ("an extra field", ""),
];

/// 100,000 data lines, exactly 1,000 of them bad (every 100 lines one, at a varying offset,
/// cycling through [`BAD_KINDS`]). Returns the file, the bad lines' physical line numbers with
/// the expected field, and the event_ids of the good lines.
fn big_upload(dir: &Path) -> (PathBuf, BTreeMap<usize, &'static str>, BTreeSet<String>) {
    const N: usize = 100_000;
    let mut bad_at: BTreeMap<usize, usize> = BTreeMap::new(); // data index -> kind
    for k in 0..1000 {
        bad_at.insert(k * 100 + (k * 37) % 100, k % BAD_KINDS.len());
    }
    let mut csv = String::with_capacity(N * 160);
    csv.push_str(BIG_HEADER);
    csv.push('\n');
    let mut expected_bad = BTreeMap::new();
    let mut good = BTreeSet::new();
    for i in 0..N {
        let (sector, creditor) = SECTORS[i % SECTORS.len()];
        let event_id = format!("big-{i:06}");
        let consent = if matches!(
            sector,
            "HYPOTHEEK" | "BANK" | "TELECOM" | "VERZEKERING" | "OVERIG"
        ) {
            format!("TOESTEMMING-{i}")
        } else {
            String::new()
        };
        let mut f = [
            event_id.clone(),
            creditor.to_owned(),
            sector.to_owned(),
            "ARREARS".to_owned(),
            format!("K-{i}"),
            format!("{}.{:02}", 30 + i % 900, i % 100),
            "2026-08-01".to_owned(),
            "2026-10-15T09:00:00Z".to_owned(),
            "1".to_owned(),
            "true".to_owned(),
            "true".to_owned(),
            "true".to_owned(),
            consent,
            ["3011 AB", "2511CK", "1012AB", "5611 AZ"][i % 4].to_owned(),
            (1 + i % 400).to_string(),
            "Rotterdam".to_owned(),
        ];
        let mut extra = "";
        match bad_at.get(&i) {
            None => {
                good.insert(event_id);
            }
            Some(&kind) => {
                match kind {
                    0 => f[13] = "30XX AB".to_owned(),
                    1 => f[5] = "-12.50".to_owned(),
                    2 => f[2] = "GAS".to_owned(),
                    3 => f[4] = String::new(),
                    4 => f[6] = "2026-13-01".to_owned(),
                    5 => f[5] = "12.345".to_owned(),
                    6 => f[9] = "ja".to_owned(),
                    _ => extra = ",123456782",
                }
                // Line 1 is the header.
                expected_bad.insert(i + 2, BAD_KINDS[kind].1);
            }
        }
        csv.push_str(&f.join(","));
        csv.push_str(extra);
        csv.push('\n');
    }
    assert_eq!((expected_bad.len(), good.len()), (1000, 99_000));
    let path = dir.join("big.csv");
    std::fs::write(&path, csv).unwrap();
    (path, expected_bad, good)
}

/// Sum of the high watermarks of every partition: how many records were ever produced to the
/// topic (exact on MockCluster; Tansu under-reports, so this is a MockCluster-only check).
fn records_on_topic(bootstrap: &str, topic: &str, partitions: i32) -> i64 {
    let c = test_consumer(bootstrap, "watermarks").unwrap();
    (0..partitions)
        .map(|p| {
            c.fetch_watermarks(topic, p, Duration::from_secs(10))
                .unwrap()
                .1
        })
        .sum()
}

/// The issue's acceptance test: a 100,000-line CSV with 1% bad lines reports exactly those lines
/// and produces the rest once, also when uploaded again — including after an upload that
/// "crashed" halfway (simulated by uploading the first half of the file first).
#[test]
fn hundred_thousand_lines_one_percent_bad_produced_once_also_when_uploaded_twice() {
    let dir = scratch("big");
    let (file, expected_bad, good) = big_upload(&dir);
    let prefix = "big.";
    let topic = "big.arrears.v1";
    // MockCluster keeps only ~5 MiB per partition: 32 partitions hold 99,000 records easily.
    let partitions = 32;
    let cluster = mock_cluster(partitions, &[topic]).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    let ledger_dir = dir.join("ledger");
    let run = |file: &Path, rejects: &Path| {
        let t = Instant::now();
        let o = publish(
            prefix,
            &[
                "--brokers",
                &bootstrap,
                "--ledger-dir",
                ledger_dir.to_str().unwrap(),
                "--rejects",
                rejects.to_str().unwrap(),
                "--file",
                file.to_str().unwrap(),
            ],
        );
        eprintln!("publish {}: {:?}", file.display(), t.elapsed());
        o
    };

    // 1. An upload that got through the first 20,000 lines of the file and then died.
    let all = std::fs::read_to_string(&file).unwrap();
    let half: Vec<&str> = all.lines().take(20_001).collect();
    let half_file = dir.join("big-first-part.csv");
    std::fs::write(&half_file, half.join("\n") + "\n").unwrap();
    let o = run(&half_file, &dir.join("rejects-part.jsonl"));
    let half_bad = expected_bad.keys().filter(|l| **l <= 20_001).count() as u64;
    let half_good = 20_000 - half_bad;
    assert_eq!(count_in_summary(&o, "delivered to"), half_good);

    // 2. The whole file: only what the first upload did not deliver is produced.
    let rejects_1 = dir.join("rejects-1.jsonl");
    let o = run(&file, &rejects_1);
    let err = text(&o.stderr);
    assert!(
        err.contains("100000 line(s): 99000 accepted, 1000 rejected"),
        "{err}"
    );
    assert_eq!(count_in_summary(&o, "delivered to"), 99_000 - half_good);
    assert_eq!(
        count_in_summary(&o, "already delivered earlier"),
        half_good,
        "{err}"
    );
    let report = read_rejects(&rejects_1);
    assert_eq!(
        report.keys().copied().collect::<BTreeSet<_>>(),
        expected_bad.keys().copied().collect::<BTreeSet<_>>(),
        "exactly the bad lines"
    );
    for (line, field) in &expected_bad {
        let (event_id, first_field, _) = &report[line];
        assert_eq!(first_field, field, "line {line}: {:?}", report[line]);
        if !field.is_empty() {
            // Every field-level rejection names its event.
            assert_eq!(
                event_id.as_deref(),
                Some(format!("big-{:06}", line - 2).as_str())
            );
        }
    }
    // stdout says the same, one line per rejected line.
    let stdout_lines: BTreeSet<usize> = text(&o.stdout)
        .lines()
        .map(|l| {
            l.strip_prefix("line ")
                .and_then(|r| r.split(':').next())
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(stdout_lines, report.keys().copied().collect());

    // 3. The whole file again: the same report, nothing produced.
    let rejects_2 = dir.join("rejects-2.jsonl");
    let o = run(&file, &rejects_2);
    assert_eq!(
        std::fs::read(&rejects_1).unwrap(),
        std::fs::read(&rejects_2).unwrap(),
        "the same rejection report"
    );
    assert_eq!(count_in_summary(&o, "delivered to"), 0);
    assert_eq!(count_in_summary(&o, "already delivered earlier"), 99_000);

    // On the topic: exactly the 99,000 good events, each once.
    assert_eq!(records_on_topic(&bootstrap, topic, partitions), 99_000);
    let t = Instant::now();
    let c = test_consumer(&bootstrap, "big-check").unwrap();
    c.subscribe(&[topic]).unwrap();
    let records = consume_all_until(&c, WITHIN, |r| r.len() >= 99_000).unwrap();
    let mut seen = BTreeSet::new();
    for r in &records {
        let e = vroeg_codec::decode_arrears(r.payload.as_deref().unwrap()).unwrap();
        assert_eq!(
            r.key.as_deref(),
            Some(format!("{}/{}", e.creditor_id, e.customer_ref).as_bytes())
        );
        assert!(seen.insert(e.event_id.clone()), "{} twice", e.event_id);
    }
    assert_eq!(seen, good);
    eprintln!("consume and check: {:?}", t.elapsed());
    std::fs::remove_dir_all(dir).ok();
}

/// `--topic-kind` for a template: objection and consent templates go to the objections topic.
fn template_kind(name: &str) -> &'static str {
    if name.starts_with("objections") || name.starts_with("consents") {
        "objections"
    } else {
        "arrears"
    }
}

/// Every CSV template in `config/templates/` validates with zero rejects, and an arrears
/// template's rows are of the sector in its name.
#[test]
fn every_template_validates_with_zero_rejects() {
    let dir = scratch("templates");
    let templates = workspace_dir().join("config/templates");
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir(&templates).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let rejects = dir.join(format!("{name}.rejects.jsonl"));
        let o = publish(
            "x.",
            &[
                "--dry-run",
                "--topic-kind",
                template_kind(&name),
                "--rejects",
                rejects.to_str().unwrap(),
                "--file",
                path.to_str().unwrap(),
            ],
        );
        assert_eq!(text(&o.stdout), "", "{name}: rejected lines");
        assert_eq!(std::fs::read_to_string(&rejects).unwrap(), "", "{name}");
        assert_eq!(count_in_summary(&o, "rejected"), 0, "{name}");
        assert!(count_in_summary(&o, "accepted") >= 2, "{name}: examples");
        if let Some(sector) = name
            .strip_prefix("arrears-")
            .and_then(|n| n.strip_suffix(".csv"))
        {
            let sector = sector.to_ascii_uppercase();
            let csv = std::fs::read_to_string(&path).unwrap();
            for row in csv.lines().skip(1) {
                assert_eq!(
                    row.split(',').nth(2),
                    Some(sector.as_str()),
                    "{name}: {row}"
                );
            }
            seen.insert(sector);
        } else {
            seen.insert(name);
        }
    }
    let want: BTreeSet<String> = SECTORS
        .iter()
        .map(|(s, _)| (*s).to_owned())
        .chain(["objections.csv".to_owned(), "consents.csv".to_owned()])
        .collect();
    assert_eq!(
        seen, want,
        "a template per sector, and for objections and consents"
    );
    assert!(templates.join("README.md").exists());
    std::fs::remove_dir_all(dir).ok();
}

/// Objections and consents upload the same way as arrears: CSV and JSON lines, the rejection
/// report, produced to the objections topic, and a re-upload skipped by the ledger.
#[test]
fn objections_and_consents_upload_like_arrears() {
    let dir = scratch("objections");
    let templates = workspace_dir().join("config/templates");
    let jsonl = dir.join("objections.jsonl");
    std::fs::write(
        &jsonl,
        [
            r#"{"event_id":"ob-1","creditor_id":"kpn","customer_ref":"KPN-1","event_type":"CONSENT_GIVEN","consent_ref":"T-1","occurred_at":"2026-10-01T09:00:00Z","address":{"postcode":"3011AB","house_number":10}}"#,
            r#"{"event_id":"ob-2","creditor_id":"kpn","customer_ref":"KPN-1","event_type":"CONSENT_GIVEN","occurred_at":"2026-10-01T09:00:00Z","address":{"postcode":"3011AB","house_number":10}}"#,
            r#"{"event_id":"ob-3","creditor_id":"kpn","customer_ref":"KPN-1","event_type":"CONSENT_WITHDRAWN","consent_ref":"T-1","occurred_at":"2026-10-09T09:00:00Z","address":{"postcode":"3011AB","house_number":10}}"#,
            r#"{"event_id":"ob-4","creditor_id":"kpn","customer_ref":"KPN-2","event_type":"OBJECTION","occurred_at":"2026-10-09T09:00:00Z","address":{"postcode":"3011AB","house_number":12}}"#,
            r#"{"event_id":"ar-1","creditor_id":"kpn","sector":"TELECOM","event_type":"RESOLVED","customer_ref":"KPN-2","occurred_at":"2026-10-09T09:00:00Z","address":{"postcode":"3011AB","house_number":12}}"#,
        ]
        .join("\n")
            + "\n",
    )
    .unwrap();
    let topic = "obj.objections.v1";
    let cluster = mock_cluster(2, &[topic]).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    let ledger = dir.join("ledger");
    let upload = |file: &Path, rejects: &Path| {
        publish(
            "obj.",
            &[
                "--topic-kind",
                "objections",
                "--brokers",
                &bootstrap,
                "--ledger-dir",
                ledger.to_str().unwrap(),
                "--rejects",
                rejects.to_str().unwrap(),
                "--file",
                file.to_str().unwrap(),
            ],
        )
    };

    // JSON lines: a consent without its reference and an arrears event are rejected (CSV report).
    let rejects = dir.join("rejects.csv");
    let o = upload(&jsonl, &rejects);
    assert_eq!(
        count_in_summary(&o, "delivered to"),
        3,
        "{}",
        text(&o.stderr)
    );
    let report = std::fs::read_to_string(&rejects).unwrap();
    assert_eq!(
        report.lines().collect::<Vec<_>>(),
        [
            "line,event_id,field,problem",
            "2,ob-2,consent_ref,required for CONSENT_GIVEN",
            "5,ar-1,event_type,an arrears event does not belong in an objections upload \
             (use --topic-kind arrears)",
        ]
    );
    // CSV: both templates, then the JSON lines again (all skipped: delivered before).
    for name in ["objections.csv", "consents.csv"] {
        let o = upload(
            &templates.join(name),
            &dir.join(format!("{name}.rejects.jsonl")),
        );
        assert_eq!(count_in_summary(&o, "delivered to"), 2, "{name}");
    }
    let o = upload(&jsonl, &dir.join("again.csv"));
    assert_eq!(count_in_summary(&o, "delivered to"), 0);
    assert_eq!(count_in_summary(&o, "already delivered earlier"), 3);
    assert_eq!(
        std::fs::read_to_string(dir.join("again.csv")).unwrap(),
        report,
        "the same rejections"
    );

    let c = test_consumer(&bootstrap, "obj-check").unwrap();
    c.subscribe(&[topic]).unwrap();
    let got = consume_all_until(&c, WITHIN, |r| r.len() >= 7).unwrap();
    let mut kinds: Vec<String> = got
        .iter()
        .map(|r| {
            let e = vroeg_codec::decode_input(r.payload.as_deref().unwrap()).unwrap();
            let vroeg_domain::contract::messages::InputEvent::Objection(o) = e else {
                panic!("not an objection: {e:?}");
            };
            format!("{}:{:?}", o.event_id, o.event_type)
        })
        .collect();
    kinds.sort();
    assert_eq!(kinds.len(), 7, "{kinds:?}");
    for want in [
        "ConsentGiven",
        "ConsentWithdrawn",
        "Objection",
        "ObjectionWithdrawn",
    ] {
        assert!(kinds.iter().any(|k| k.ends_with(want)), "{want}: {kinds:?}");
    }
    assert_eq!(records_on_topic(&bootstrap, topic, 2), 7);
    std::fs::remove_dir_all(dir).ok();
}

/// `--dry-run` writes the rejection report and touches no ledger; the progress bar stays off a
/// pipe unless asked for.
#[test]
fn dry_run_writes_the_rejection_report_and_progress_only_when_asked() {
    let dir = scratch("dry");
    let csv = workspace_dir().join("tests/data/uploads/arrears-with-errors.csv");
    let rejects = dir.join("r.jsonl");
    let ledger = dir.join("ledger");
    let o = publish(
        "x.",
        &[
            "--dry-run",
            "--ledger-dir",
            ledger.to_str().unwrap(),
            "--rejects",
            rejects.to_str().unwrap(),
            "--file",
            csv.to_str().unwrap(),
        ],
    );
    let report = read_rejects(&rejects);
    assert_eq!(report.keys().copied().collect::<Vec<_>>(), [3, 6, 7]);
    assert_eq!(report[&3].0.as_deref(), Some("csv-02"));
    assert_eq!(report[&3].1, "address.postcode");
    assert_eq!(report[&7].1, "", "a row with the wrong number of fields");
    assert!(!ledger.exists(), "a dry run uses no ledger");
    let err = text(&o.stderr);
    assert!(err.contains("dry run: validated only"), "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "no progress bar into a pipe: {err}"
    );
    assert!(!std::fs::read_to_string(&rejects).unwrap().contains("Dijk"));

    let o = publish(
        "x.",
        &[
            "--dry-run",
            "--progress",
            "always",
            "--file",
            csv.to_str().unwrap(),
        ],
    );
    // Six lines are below the update interval; the bar is still drawn at the end.
    assert!(text(&o.stderr).contains('\u{1b}'), "{}", text(&o.stderr));
    std::fs::remove_dir_all(dir).ok();
}
