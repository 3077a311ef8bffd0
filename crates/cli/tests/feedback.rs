//! `feedback` and `status` as an operator runs them: the built binary, librdkafka's MockCluster.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use rdkafka::consumer::Consumer;
use support::{rejected_lines, run, text, upload_file};
use vroeg_testkit::{
    Outgoing, Record, consume_all_until, mock_cluster, produce_all, test_consumer,
};

const WITHIN: Duration = Duration::from_secs(60);
const CASE: &str = "cs_dev_ezdaj6n4zokhdiljjedwq4jidcmjzbtb_1";

#[test]
fn dry_run_reports_exactly_the_bad_lines() {
    let o = run(
        "x.",
        &[
            "feedback",
            "--dry-run",
            "--file",
            &upload_file("feedback-with-errors.csv"),
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(rejected_lines(&o), vec![3, 4, 6], "{}", text(&o.stdout));
    let out = text(&o.stdout);
    assert!(
        out.contains("line 3: rejected: contact_attempt.soort"),
        "{out}"
    );
    assert!(out.contains("line 4: rejected: case_id"), "{out}");
    assert!(out.contains("line 6: rejected: resultaat"), "{out}");
    assert!(text(&o.stderr).contains("6 event(s): 3 accepted, 3 rejected"));

    // The same, machine-readable: one JSON object per rejected line, field paths and problems.
    let rejects = std::env::temp_dir().join(format!("fb-rejects-{}.jsonl", std::process::id()));
    let o = run(
        "x.",
        &[
            "feedback",
            "--dry-run",
            "--file",
            &upload_file("feedback-with-errors.csv"),
            "--rejects",
            rejects.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    std::fs::remove_file(&rejects).unwrap();
    let lines: Vec<u64> = rows.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [3, 4, 6]);
    let fields: Vec<&str> = rows
        .iter()
        .map(|r| r["errors"][0]["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["contact_attempt.soort", "case_id", "resultaat"],
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .all(|r| !r["errors"][0]["problem"].as_str().unwrap().is_empty())
    );

    let o = run(
        "x.",
        &[
            "feedback",
            "--dry-run",
            "--file",
            &upload_file("feedback-with-errors.jsonl"),
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(rejected_lines(&o), vec![2, 5], "{}", text(&o.stdout));
    let out = text(&o.stdout);
    assert!(
        out.contains("line 2: rejected: contact_attempt: required"),
        "{out}"
    );
    assert!(!out.contains("column"), "{out}");

    // From flags.
    let dry_run_for_0518 = |flags: &[&str]| {
        let mut args = vec!["feedback", "--dry-run", "--municipality", "0518"];
        args.extend_from_slice(flags);
        run("x.", &args)
    };
    let contact = [
        "contact",
        "--soort",
        "Telefoon",
        "--bereikt",
        "true",
        "--datum",
        "2026-10-20",
        "--dagdeel",
        "Ochtend",
    ];
    let result = [
        "result",
        "--resultaat",
        "Vervolghulp en/of verwijzing financieel",
    ];
    for ok in [&contact[..], &result[..]] {
        let o = dry_run_for_0518(&[&["--case-id", CASE][..], ok].concat());
        assert!(o.status.success(), "{ok:?}: {}", text(&o.stderr));
    }
    for bad in [
        vec!["--case-id", CASE, "result", "--resultaat", "Opgelost"],
        vec![
            "--case-id",
            "42",
            "result",
            "--resultaat",
            "Inwoner is overleden",
        ],
        vec![
            "--case-id",
            CASE,
            "contact",
            "--soort",
            "Fax",
            "--bereikt",
            "true",
            "--datum",
            "2026-10-20",
        ],
        vec![
            "--case-id",
            CASE,
            "contact",
            "--soort",
            "Brief",
            "--datum",
            "2026-10-20",
        ],
    ] {
        let o = dry_run_for_0518(&bad);
        assert!(!o.status.success(), "{bad:?}");
    }
}

#[test]
fn feedback_and_status_on_mock_cluster() {
    let prefix = "fbmock.";
    let feedback_topic = format!("{prefix}feedback.v1");
    let status_topic = format!("{prefix}creditor-status.woonstad-rotterdam");
    let cluster = mock_cluster(1, &[&feedback_topic, &status_topic]).unwrap();
    let bootstrap = cluster.bootstrap_servers();

    // feedback: flags and a file; every record decodes back equal, keyed by case id.
    let o = run(
        prefix,
        &[
            "feedback",
            "--brokers",
            &bootstrap,
            "--municipality",
            "0599",
            "--case-id",
            CASE,
            "result",
            "--resultaat",
            "Inwoner is overleden",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let upload = || {
        let file = upload_file("feedback-with-errors.csv");
        run(
            prefix,
            &["feedback", "--brokers", &bootstrap, "--file", &file],
        )
    };
    let o = upload();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains(&format!("3 delivered to {feedback_topic}")));
    let c = test_consumer(&bootstrap, "fb-check").unwrap();
    c.subscribe(&[&feedback_topic]).unwrap();
    let got = consume_all_until(&c, WITHIN, |r| r.len() >= 4).unwrap();
    assert_eq!(got.len(), 4);
    for r in &got {
        let value = r.payload.as_deref().unwrap();
        let event = vroeg_codec::decode_feedback(value).unwrap();
        assert_eq!(text(r.key.as_deref().unwrap()), event.case_id);
        let mut again = Vec::new();
        vroeg_codec::encode_json(&event, &mut again).unwrap();
        assert_eq!(vroeg_codec::decode_feedback(&again).unwrap(), event);
        event.validate().unwrap();
    }
    // Deterministic event ids from the file: a re-upload gives the same ids.
    let event_ids = |records: &[Record]| -> Vec<String> {
        records
            .iter()
            .map(|r| {
                vroeg_codec::decode_feedback(r.payload.as_deref().unwrap())
                    .unwrap()
                    .event_id
            })
            .collect()
    };
    let ids = event_ids(&got[1..]);
    let o = upload();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let again = consume_all_until(&c, WITHIN, |r| r.len() >= 3).unwrap();
    let ids_again = event_ids(&again);
    assert_eq!(ids, ids_again);

    // status: hand-made records, one redelivered; each shown once.
    let s1 = r#"{"creditor_id":"woonstad-rotterdam","customer_ref":"K-1","signal_id":"sig_1","status":"PICKED_UP","at":"2026-10-20T10:00:00Z"}"#;
    let s2 = r#"{"creditor_id":"woonstad-rotterdam","customer_ref":"K-2","signal_id":"sig_2","status":"REPEAT","at":"2026-10-21T10:00:00Z"}"#;
    let statuses = [("K-1", s1), ("K-2", s2), ("K-1", s1)];
    produce_all(
        &bootstrap,
        statuses.map(|(k, v)| Outgoing::new(&status_topic, v).key(k)),
    )
    .unwrap();
    let base = [
        "status",
        "--creditor",
        "woonstad-rotterdam",
        "--brokers",
        &bootstrap,
        "--idle-ms",
        "1500",
    ];
    let mut args = base.to_vec();
    args.extend(["--group", "st-json", "--format", "json"]);
    let o = run(prefix, &args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let lines: Vec<String> = text(&o.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines, [s1, s2]);
    let mut args = base.to_vec();
    args.extend(["--group", "st-csv", "--format", "csv"]);
    let o = run(prefix, &args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "customer_ref,signal_id,status,at\nK-1,sig_1,PICKED_UP,2026-10-20T10:00:00Z\n\
         K-2,sig_2,REPEAT,2026-10-21T10:00:00Z\n"
    );
}
