//! The feedback loop end to end on a real broker process (Tansu), every step through the binary
//! as its users run it: a creditor's events → `run` → the municipality's `tasks` → `feedback` →
//! `run` → the creditor's `status`, and a later signal handled per the recorded result.
//! Tansu missing fails this test (CI installs it), unless `VROEGSIGNAAL_SKIP_TANSU=1` outside CI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use chrono::{DateTime, Days, SecondsFormat, Utc};
use serde_json::{Value, json};
use support::*;
use vroeg_domain::contract::messages::OutreachTask;
use vroeg_testkit::{Tansu, unique_prefix};

/// A creditor event for household `house` (house number at 3011AB, Rotterdam 0599).
fn arrears(
    id: &str,
    creditor: &str,
    sector: &str,
    house: u32,
    at: DateTime<Utc>,
    crisis: bool,
) -> String {
    let since = at.date_naive() - Days::new(45);
    json!({
        "event_id": id, "creditor_id": creditor, "sector": sector, "event_type": "ARREARS",
        "customer_ref": format!("K-{house}"), "arrears_amount": "512.40",
        "arrears_since": since.to_string(),
        "occurred_at": at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "reminders_sent": 1, "personal_contact_attempted": true, "pointed_to_debt_help": true,
        "data_sharing_offered": true, "objected": false, "consent_ref": null, "crisis": crisis,
        "warm_handover": false, "end_of_supply_date": null,
        "person": {"initials": "A.", "surname": "Dijk", "birth_date": "1985-06-15"},
        "address": {"postcode": "3011AB", "house_number": house}, "municipality_code": null
    })
    .to_string()
}

/// The municipality's `tasks --format json` (fresh group each call): every task message.
fn tasks(bootstrap: &str, prefix: &str, n: &mut u32) -> Vec<OutreachTask> {
    *n += 1;
    let cmd = tasks_json(
        prefix,
        bootstrap,
        "0599",
        &format!("{prefix}fb-tasks-{n}"),
        1500,
    );
    text(&run_ok(cmd).stdout)
        .lines()
        .map(|l| vroeg_codec::decode_outreach_task(l.as_bytes()).unwrap())
        .collect()
}

/// The creditor's `status --format json` (fresh group each call): every status line.
fn statuses(bootstrap: &str, prefix: &str, creditor: &str, n: &mut u32) -> Vec<Value> {
    *n += 1;
    let mut cmd = command(prefix);
    cmd.args([
        "status",
        "--creditor",
        creditor,
        "--format",
        "json",
        "--brokers",
        bootstrap,
        "--group",
        &format!("{prefix}fb-status-{n}"),
        "--idle-ms",
        "1500",
    ]);
    text(&run_ok(cmd).stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn feedback(bootstrap: &str, prefix: &str, case_id: &str, what: &[&str]) {
    let mut cmd = command(prefix);
    cmd.args([
        "feedback",
        "--brokers",
        bootstrap,
        "--municipality",
        "0599",
        "--case-id",
        case_id,
    ])
    .args(what);
    let o = run_ok(cmd);
    assert!(
        text(&o.stderr).contains("1 delivered"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn feedback_closes_cases_informs_creditors_and_changes_later_signals_through_run() {
    let Some(tansu) = Tansu::for_test() else {
        return;
    };
    let bootstrap = tansu.bootstrap();
    let prefix = unique_prefix();
    let mut run = RunProcess::start(&RunSettings {
        prefix: prefix.clone(),
        bootstrap: bootstrap.clone(),
        instance: "fb".to_owned(),
        partitions: 2,
        tick_ms: 200,
        commit_ms: 50,
        commit_max: 200,
    });
    run.wait_metrics(90, "the household stage to own both partitions", |m| {
        m.households_assigned() == 2.0 && m.sum("vroegsignaal_partitions_restoring", &[]) == 0.0
    });
    let (mut nt, mut ns) = (0, 0);

    // Two crisis signals (sent without bundling delay) for households 1 and 2.
    let t0 = now();
    produce_lines(
        &bootstrap,
        &prefix,
        &[
            arrears("a1", "woonstad-rotterdam", "HUUR", 1, t0, true),
            arrears("b1", "woonstad-rotterdam", "HUUR", 2, t0, true),
        ],
    );
    let first = run.poll(
        90,
        "two tasks for 0599",
        || tasks(&bootstrap, &prefix, &mut nt),
        |t| t.len() >= 2,
    );
    assert_eq!(first.len(), 2, "{first:?}");
    let by_house = |ts: &[OutreachTask], house: u32| -> OutreachTask {
        ts.iter()
            .rfind(|t| t.contact.address.house_number.get() == house)
            .cloned()
            .unwrap_or_else(|| panic!("no task for house {house}: {ts:?}"))
    };
    let (a, b) = (by_house(&first, 1), by_house(&first, 2));
    assert_ne!(a.case_id, b.case_id);
    let signal = |t: &OutreachTask| t.signals[0].signal_id.clone();

    // The municipality reaches household 1, then closes its case without taking it up; it closes
    // household 2's case as already known to debt help.
    feedback(
        &bootstrap,
        &prefix,
        &a.case_id,
        &[
            "contact",
            "--soort",
            "Telefoon",
            "--bereikt",
            "true",
            "--datum",
            &t0.date_naive().to_string(),
            "--dagdeel",
            "Ochtend",
        ],
    );
    feedback(
        &bootstrap,
        &prefix,
        &a.case_id,
        &["result", "--resultaat", "Niet opgepakt: andere reden"],
    );
    feedback(
        &bootstrap,
        &prefix,
        &b.case_id,
        &[
            "result",
            "--resultaat",
            "Inwoner al bekend bij schuldhulpverlening",
        ],
    );

    // The creditor hears exactly: household 1 picked up, then not picked up; household 2 picked up.
    let want: BTreeSet<(String, String)> = [
        (signal(&a), "PICKED_UP".to_owned()),
        (signal(&a), "NOT_PICKED_UP".to_owned()),
        (signal(&b), "PICKED_UP".to_owned()),
    ]
    .into_iter()
    .collect();
    let pairs = |s: &[Value]| -> BTreeSet<(String, String)> {
        s.iter()
            .map(|v| {
                (
                    v["signal_id"].as_str().unwrap().to_owned(),
                    v["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let got = run.poll(
        90,
        "the creditor's statuses",
        || statuses(&bootstrap, &prefix, "woonstad-rotterdam", &mut ns),
        |s| pairs(s).is_superset(&want),
    );
    assert_eq!(pairs(&got), want, "{got:?}");
    assert_eq!(got.len(), 3, "each status once: {got:?}");
    for v in &got {
        let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["at", "creditor_id", "customer_ref", "signal_id", "status"]
                .into_iter()
                .collect(),
            "{v}"
        );
        assert!(!v.to_string().contains("reden"), "{v}");
    }

    // Later signals from another creditor: household 1 (case closed weeks ago, not known to debt
    // help) gets a new OPEENVOLGEND case; household 2's signal updates its closed case.
    let t1 = now();
    produce_lines(
        &bootstrap,
        &prefix,
        &[
            arrears("a2", "dunea", "WATER", 1, t1, true),
            arrears("b2", "dunea", "WATER", 2, t1, false),
        ],
    );
    let later = run.poll(
        90,
        "the tasks for the later signals",
        || tasks(&bootstrap, &prefix, &mut nt),
        |t| t.len() >= 4,
    );
    assert_eq!(later.len(), 4, "{later:?}");
    let (a2, b2) = (by_house(&later, 1), by_house(&later, 2));
    assert_ne!(a2.case_id, a.case_id, "household 1 gets a new case");
    assert_eq!(a2.version, 1);
    assert_eq!(
        serde_json::to_value(a2.classification).unwrap(),
        "OPEENVOLGEND"
    );
    assert_eq!(
        b2.case_id, b.case_id,
        "household 2's closed case is updated"
    );
    assert_eq!(b2.version, 2);
    assert!(b2.known_to_debt_help);

    // The month's DDAS report from the reporting store, read back from the broker.
    let out = std::env::temp_dir().join(format!("{}ddas.json", prefix.trim_end_matches('.')));
    let day = t0.date_naive().to_string();
    let report = || -> Value {
        let mut cmd = command(&prefix);
        cmd.env("VROEGSIGNAAL__REPORT__SUPPLIER_CODE", "TEST-LEVERANCIER")
            .args([
                "report",
                "ddas",
                "--municipality",
                "0599",
                "--from",
                &day,
                "--to",
                &t1.date_naive().to_string(),
                "--brokers",
                &bootstrap,
                "--idle-ms",
                "1500",
                "--out",
            ])
            .arg(&out);
        run_ok(cmd);
        serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap()
    };
    let doc = run.poll(60, "the report to hold 4 signals", report, |d| {
        d["leveringen"][0]["vroegsignalen"]
            .as_array()
            .is_some_and(|v| v.len() >= 4)
    });
    let levering = &doc["leveringen"][0];
    assert_eq!(levering["gemeentecode"], "0599");
    assert_eq!(
        levering["vroegsignalen"].as_array().unwrap().len(),
        4,
        "{doc}"
    );
    let cases = levering["vroegsignaalzaken"].as_array().unwrap();
    assert_eq!(cases.len(), 3, "{doc}");
    let results: BTreeSet<&str> = cases
        .iter()
        .filter_map(|c| c["resultaat"].as_str())
        .collect();
    assert_eq!(
        results,
        [
            "Inwoner al bekend bij schuldhulpverlening",
            "Niet opgepakt: andere reden"
        ]
        .into_iter()
        .collect(),
        "{doc}"
    );
    let attempts: usize = cases
        .iter()
        .map(|c| c["contactpogingen"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(attempts, 1, "{doc}");
    assert!(!doc.to_string().contains("Dijk"), "no names in the report");
    let _ = std::fs::remove_file(&out);
    assert!(run.terminate(60), "run did not stop cleanly");
}
