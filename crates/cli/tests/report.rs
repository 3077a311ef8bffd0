//! `report ddas`: the validator against the official examples, and a generated month through the
//! whole pipeline on librdkafka's MockCluster, with feedback, reported by the built binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use support::{command, config_file, input_record, text, workspace_dir};
use vroeg_domain::contract::decision::{DecisionKind, SuppressReason};
use vroeg_domain::contract::messages::{OutreachTask, TaskStatus};
use vroeg_domain::contract::municipality::Gemeentecode;
use vroeg_domain::reporting::ddas::{Eindresultaat, Signaalstatus};
use vroeg_domain::reporting::report::repeat_signal_id;
use vroeg_engine::embedded::EmbeddedPipeline;
use vroeg_kafka::read_to_end;
use vroeg_testkit::{Outgoing, produce_all};
use vroegsignaal::config::{AppConfig, Env, KeyPolicy};
use vroegsignaal::ddas_report::DdasValidator;
use vroegsignaal::generate::{self, CreditorPool, Geography};

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn official_examples_validate_and_broken_documents_do_not() {
    let v = DdasValidator::official().unwrap();
    let dir = workspace_dir().join("tests/data/ddas");
    for name in [
        "enkelvoudigVoorbeeld.json",
        "meervoudigVoorbeeld.json",
        "uitgebreidVoorbeeld.json",
    ] {
        let doc = json(&dir.join(name));
        assert_eq!(v.problems(&doc), Vec::<String>::new(), "{name}");
    }
    let good = json(&dir.join("enkelvoudigVoorbeeld.json"));
    // Format checking is on: a date that is not a date, a time that is not a time, an e-mail
    // address that is not one.
    let mut bad = good.clone();
    bad["leveringen"][0]["vroegsignaalzaken"][0]["contactpogingen"][0]["datum"] =
        "2026-13-45".into();
    assert!(!v.problems(&bad).is_empty());
    let mut bad = good.clone();
    bad["aanleverdatumEnTijd"] = "gisteren".into();
    assert!(!v.problems(&bad).is_empty());
    let mut bad = good.clone();
    bad["leveringen"][0]["aanleverendeOrganisatie"]["contactpersonen"][0]["email"] =
        "geen-adres".into();
    assert!(!v.problems(&bad).is_empty());
    // Structure: an amount in cents as a decimal, a name on the client, an unknown status.
    let mut bad = good.clone();
    bad["leveringen"][0]["vroegsignalen"][0]["bedrag"] = serde_json::json!(450.5);
    assert!(!v.problems(&bad).is_empty());
    let mut bad = good.clone();
    bad["leveringen"][0]["vroegsignalen"][0]["client"]["naam"] = "Jansen".into();
    assert!(!v.problems(&bad).is_empty());
    let mut bad = good;
    bad["leveringen"][0]["vroegsignalen"][0]["status"] = "Afgehandeld".into();
    assert!(v.check(&bad).is_err());
}

fn feedback_json(id: &str, case: &str, code: Gemeentecode, at: &str, body: &str) -> String {
    format!(
        r#"{{"event_id":"{id}","case_id":"{case}","municipality_code":"{code}","occurred_at":"{at}",{body}}}"#
    )
}

#[test]
fn a_generated_month_reported_for_one_municipality() {
    let cfg = AppConfig::load(
        &config_file(),
        &Env::default(),
        KeyPolicy::DevelopmentFallback,
    )
    .unwrap();
    let s = &cfg.settings;
    let (pn, pt) = s.read(&s.file.data.pc4_gemeente).unwrap();
    let (gn, gt) = s.read(&s.file.data.gemeenten).unwrap();
    let geo = Geography::parse(&pn, &pt, &gn, &gt).unwrap();
    let start = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    let records = generate::generate(
        &generate::Options {
            events: 4_000,
            seed: 11,
            start,
            days: 31,
        },
        &geo,
        &CreditorPool::from_registry(&cfg.data.creditors),
    );
    let mut lines = Vec::new();
    generate::write_jsonl(&records, &mut lines).unwrap();

    let mut pipeline = EmbeddedPipeline::new(2, 4).unwrap();
    let topics = pipeline.topics().clone();
    let prefix = topics.prefix().to_owned();
    let lines: Vec<Outgoing> = String::from_utf8(lines)
        .unwrap()
        .lines()
        .map(|l| input_record(&prefix, l))
        .collect();
    let produced = lines.len() as u64;
    produce_all(&pipeline.client_settings().brokers, lines).unwrap();
    let rules = vroegsignaal::run::rule_data(&cfg);
    let t0: DateTime<Utc> = "2026-10-01T00:00:00Z".parse().unwrap();
    pipeline.start_stages(rules, t0).unwrap();
    pipeline.wait_until_processed(produced).unwrap();
    // Every bundle goes out and young arrears age (a week at a time, as the demo does).
    let mut now = t0;
    let end: DateTime<Utc> = "2026-11-03T00:00:00Z".parse().unwrap();
    while now < end {
        now = (now + chrono::TimeDelta::days(7)).min(end);
        pipeline.advance_to(now).unwrap();
    }

    // The municipality with the most tasks.
    let idle = Duration::from_millis(500);
    let within = Duration::from_secs(60);
    let settings = pipeline.client_settings();
    let audit: Vec<vroeg_domain::contract::decision::Decision> =
        read_to_end(&settings, &topics.audit(), idle, within)
            .unwrap()
            .iter()
            .filter_map(|(_, v)| vroeg_codec::decode_decision(v.as_deref()?).ok())
            .collect();
    let mut per_code: BTreeMap<Gemeentecode, usize> = BTreeMap::new();
    for d in &audit {
        if let DecisionKind::Task { task } = &d.kind {
            *per_code.entry(task.municipality_code).or_default() += 1;
        }
    }
    let (&code, _) = per_code.iter().max_by_key(|(_, n)| **n).unwrap();
    let tasks: Vec<OutreachTask> = read_to_end(&settings, &topics.outreach(code), idle, within)
        .unwrap()
        .iter()
        .filter_map(|(_, v)| vroeg_codec::decode_outreach_task(v.as_deref()?).ok())
        .collect();
    assert!(tasks.len() >= 8, "{} tasks for {code}", tasks.len());

    // Feedback for cases still open: attempts for six, a second one for three, results for two.
    let mut last: BTreeMap<&str, &OutreachTask> = BTreeMap::new();
    for t in &tasks {
        let e = last.entry(t.case_id.as_str()).or_insert(t);
        if t.version > e.version {
            *e = t;
        }
    }
    let open: Vec<&str> = last
        .values()
        .filter(|t| t.status != TaskStatus::Withdrawn && !t.known_to_debt_help)
        .map(|t| t.case_id.as_str())
        .take(6)
        .collect();
    assert_eq!(open.len(), 6);
    let mut fb = Vec::new();
    for (i, case) in open.iter().enumerate() {
        fb.push((case, feedback_json(&format!("fa{i}"), case, code, "2026-11-03T09:00:00Z",
            r#""event_type":"CONTACT_ATTEMPT","contact_attempt":{"soort":"Telefoon","bereikt":false,"datum":"2026-11-03","dagdeel":"Ochtend"}"#)));
    }
    for (i, case) in open.iter().take(3).enumerate() {
        fb.push((case, feedback_json(&format!("fb{i}"), case, code, "2026-11-04T19:00:00Z",
            r#""event_type":"CONTACT_ATTEMPT","contact_attempt":{"soort":"Huisbezoek","bereikt":true,"datum":"2026-11-04","dagdeel":"Avond"}"#)));
    }
    let results = [
        Eindresultaat::VervolghulpEnOfVerwijzingFinancieel,
        Eindresultaat::InwonerIsOverleden,
    ];
    for (i, (case, r)) in open.iter().zip(results).enumerate() {
        let body = format!(r#""event_type":"CASE_RESULT","resultaat":"{}""#, r.as_str());
        fb.push((
            case,
            feedback_json(&format!("fr{i}"), case, code, "2026-11-05T10:00:00Z", &body),
        ));
    }
    let feedback: Vec<Outgoing> = fb
        .iter()
        .map(|(case, value)| Outgoing::new(topics.feedback(), value.as_bytes()).key(**case))
        .collect();
    let total = produced + feedback.len() as u64;
    produce_all(&pipeline.client_settings().brokers, feedback).unwrap();
    pipeline.wait_until_processed(total).unwrap();
    pipeline.stop_stages().unwrap();

    // Expected from the pipeline's own outputs.
    let task_signals: BTreeSet<&str> = tasks
        .iter()
        .flat_map(|t| t.signals.iter().map(|s| s.signal_id.as_str()))
        .collect();
    let case_ids: BTreeSet<&str> = tasks.iter().map(|t| t.case_id.as_str()).collect();
    let mut suppressed: BTreeSet<String> = BTreeSet::new();
    for d in read_to_end(&settings, &topics.audit(), idle, within)
        .unwrap()
        .iter()
        .filter_map(|(_, v)| vroeg_codec::decode_decision(v.as_deref()?).ok())
    {
        if let DecisionKind::Suppressed {
            reason_code,
            signal_id,
            municipality_code,
            ..
        } = &d.kind
            && *municipality_code == Some(code)
        {
            suppressed.insert(match reason_code {
                SuppressReason::Repeat => {
                    repeat_signal_id(signal_id, d.event_id.as_deref().unwrap())
                }
                _ => signal_id.clone(),
            });
        }
    }

    // The command, as an operator runs it.
    let dir = std::env::temp_dir().join(format!("vroeg-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("report.json");
    let bootstrap = settings.brokers.clone();
    let report = |supplier: Option<&str>| {
        let mut cmd = command(&prefix);
        if let Some(s) = supplier {
            cmd.env("VROEGSIGNAAL__REPORT__SUPPLIER_CODE", s);
        }
        cmd.args(["report", "ddas", "--municipality", &code.to_string()])
            .args([
                "--from",
                "2026-09-01",
                "--to",
                "2026-12-31",
                "--idle-ms",
                "500",
            ])
            .args(["--brokers", &bootstrap])
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap()
    };
    let o = report(None);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("report.supplier_code"));
    assert!(!out.exists(), "nothing written without a supplier code");
    let o = report(Some("VROEG-TEST"));
    assert!(o.status.success(), "{}", text(&o.stderr));

    let doc = json(&out);
    assert_eq!(
        DdasValidator::official().unwrap().problems(&doc),
        Vec::<String>::new()
    );
    let report: serde_json::Value = doc;
    assert_eq!(report["codeGegevensleverancier"], "VROEG-TEST");
    let l = &report["leveringen"][0];
    assert_eq!(l["gemeentecode"], code.to_string());
    let signals = l["vroegsignalen"].as_array().unwrap();
    let zaken = l["vroegsignaalzaken"].as_array().unwrap();
    let ids: BTreeSet<&str> = signals.iter().map(|s| s["ID"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), signals.len(), "signal ids are unique");
    assert!(
        !suppressed.is_empty(),
        "the month has suppressed signals for {code}"
    );
    eprintln!(
        "{code}: {} task signal(s), {} suppressed, {} case(s)",
        task_signals.len(),
        suppressed.len(),
        case_ids.len()
    );
    assert_eq!(signals.len(), task_signals.len() + suppressed.len());
    assert!(task_signals.iter().all(|id| ids.contains(id)));
    assert!(suppressed.iter().all(|id| ids.contains(id.as_str())));
    assert_eq!(zaken.len(), case_ids.len());

    // Contact attempts and results: exactly the feedback produced.
    let by_case: BTreeMap<String, &serde_json::Value> = zaken
        .iter()
        .map(|z| {
            let first = z["vroegsignalen"][0]["ID"].as_str().unwrap();
            let case = tasks
                .iter()
                .find(|t| t.signals.iter().any(|s| s.signal_id == first))
                .unwrap()
                .case_id
                .clone();
            (case, z)
        })
        .collect();
    let attempts: usize = zaken
        .iter()
        .map(|z| z["contactpogingen"].as_array().unwrap().len())
        .sum();
    assert_eq!(attempts, 9);
    let with_result: Vec<&str> = zaken
        .iter()
        .filter_map(|z| z["resultaat"].as_str())
        .collect();
    let withdrawn_results = last
        .values()
        .filter(|t| t.status == TaskStatus::Withdrawn)
        .count();
    assert_eq!(with_result.len(), 2 + withdrawn_results);
    for (i, case) in open.iter().enumerate() {
        let z = by_case[*case];
        let n = z["contactpogingen"].as_array().unwrap().len();
        assert_eq!(n, if i < 3 { 2 } else { 1 }, "{case}");
        assert_eq!(z["datumOpgepakt"], "2026-11-03");
        let want = results.get(i).map(|r| r.as_str());
        assert_eq!(z["resultaat"].as_str(), want, "{case}");
        let status = match i {
            1 => Signaalstatus::InwonerIsOverleden,
            _ => Signaalstatus::Opgepakt,
        };
        for r in z["vroegsignalen"].as_array().unwrap() {
            let s = signals.iter().find(|s| s["ID"] == r["ID"]).unwrap();
            assert_eq!(s["status"], status.as_str());
        }
    }
    // No names, phones or e-mails of clients.
    for s in signals {
        let client = s["client"].as_object().unwrap();
        assert!(client.keys().all(|k| {
            [
                "postcode",
                "huisnummer",
                "huisnummertoevoeging",
                "geboortedatum",
            ]
            .contains(&k.as_str())
        }));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
