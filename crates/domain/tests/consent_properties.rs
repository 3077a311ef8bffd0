//! Issue #8, proven over random event sequences (several creditors, accounts and addresses;
//! objections and their withdrawal, consents, feedback, purges, re-deliveries, clock jumps):
//! - every person field in a TASK comes from a report admitted as a signal of that case;
//! - between an objection by creditor C at an address and its withdrawal no task version carries
//!   a signal of C, and C never hears PICKED_UP;
//! - a `task_id` / `case_id` never names two different cases, across purges, and `(task_id,
//!   version)` is never issued twice;
//! - delivering an event again, at any later point, changes no decision;
//! - a crisis that becomes a signal yields a CRISIS task version due within 3 days;
//! - only TASK decisions carry personal data; audit lines carry no customer reference and no
//!   amount; REJECTED reasons never contain an input value.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use proptest::prelude::*;
use support::*;
use vroeg_domain::contract::decision::{Decision, DecisionKind};
use vroeg_domain::contract::messages::{CreditorStatusValue, Priority, TaskStatus};

const ADDRESSES: [(&str, u32); 3] = [("3011AB", 10), ("2511CV", 1), ("3511AA", 5)];
const CREDITORS: [(&str, &str); 5] = [
    ("woonstad", "HUUR"),
    ("dunea", "WATER"),
    ("eneco", "ENERGIE"),
    ("cz", "ZORG"),
    ("kpn", "TELECOM"),
];

#[derive(Debug, Clone)]
enum Op {
    /// An arrears report (or RESOLVED with `resolved`).
    Report {
        address: usize,
        creditor: usize,
        account: u8,
        amount: u32,
        age_days: u32,
        resolved: bool,
        crisis: bool,
        objected: bool,
    },
    /// OBJECTION / OBJECTION_WITHDRAWN / CONSENT_GIVEN / CONSENT_WITHDRAWN.
    Standing {
        address: usize,
        creditor: usize,
        account: u8,
        kind: u8,
    },
    /// Feedback on the newest case of an address: reached contact, or a result.
    Feedback { address: usize, result: u8 },
    /// An earlier event delivered again (index modulo what was sent so far).
    Redeliver { which: usize },
    /// A clock jump.
    Jump { days: u32 },
    /// A report with an invalid value (a postcode that is no postcode).
    Invalid,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..3usize, 0..5usize, 0u8..2, 5_000u32..150_000, 0u32..130, any::<u8>()).prop_map(
            |(address, creditor, account, amount, age_days, f)| Op::Report {
                address, creditor, account, amount, age_days,
                resolved: f % 7 == 0, crisis: f % 5 == 1, objected: f % 11 == 2,
            }),
        2 => (0..3usize, 0..5usize, 0u8..2, 0u8..4).prop_map(|(address, creditor, account, kind)|
            Op::Standing { address, creditor, account, kind }),
        2 => (0..3usize, 0u8..5).prop_map(|(address, result)| Op::Feedback { address, result }),
        1 => (0..1000usize).prop_map(|which| Op::Redeliver { which }),
        1 => (1u32..200).prop_map(|days| Op::Jump { days }),
        1 => Just(Op::Invalid),
    ]
}

const RESULTS: [&str; 4] = [
    "Inwoner al bekend bij schuldhulpverlening",
    "Niet opgepakt: andere reden",
    "Persoon is geen inwoner (meer) in de gemeente",
    "(Budget)advies en/of quick fix",
];

/// One delivered line and what the test knows about it.
#[derive(Debug, Clone)]
struct Sent {
    line: String,
    event_id: String,
    address: usize,
    creditor: Option<usize>,
    /// The person surname in it (unique per report).
    surname: Option<String>,
    crisis: bool,
}

struct Run {
    decisions: Vec<(Option<usize>, Decision)>,
    sent: Vec<Sent>,
    /// Per (address, creditor): objection standing intervals, as decision indices.
    objected_during: Vec<(usize, usize, usize, usize)>,
    redeliveries: Vec<(usize, usize)>,
    key: vroeg_domain::contract::pseudonym::PseudonymKey,
}

fn run(ops: &[Op]) -> Run {
    let mut h = Harness::new();
    let mut t = at("2026-03-01T08:00:00Z");
    let mut sent: Vec<Sent> = Vec::new();
    let mut decisions: Vec<(Option<usize>, Decision)> = Vec::new();
    let mut newest_case: HashMap<usize, String> = HashMap::new();
    let mut objection_from: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut objected_during = Vec::new();
    let mut redeliveries = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        t += chrono::Duration::minutes(37 + (i as i64 % 5) * 301);
        let ts = t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let id = format!("e{i}");
        let mut s = match op {
            Op::Report {
                address,
                creditor,
                account,
                amount,
                age_days,
                resolved,
                crisis,
                objected,
            } => {
                let (pc, nr) = ADDRESSES[*address];
                let (c, sector) = CREDITORS[*creditor];
                let since = (t.date_naive() - chrono::Days::new(u64::from(*age_days))).to_string();
                let surname = format!("Zwartkop{i}x");
                let line = format!(
                    r#"{{"event_id":"{id}","creditor_id":"{c}","sector":"{sector}","event_type":"{}","customer_ref":"KREF-{c}-{account}","arrears_amount":"{}.{:02}","arrears_since":"{since}","occurred_at":"{ts}","reminders_sent":3,"min_payment_term_days":14,"personal_contact_attempted":true,"pointed_to_debt_help":true,"data_sharing_offered":true,"objected":{objected},"consent_ref":"C-1","crisis":{crisis},"warm_handover":false,"person":{{"initials":"Q.X.","surname":"{surname}","phone":"+31699999999","email":"zwartkop@example.nl"}},"address":{{"postcode":"{pc}","house_number":{nr},"street":"Kerkstraat"}}}}"#,
                    if *resolved { "RESOLVED" } else { "ARREARS" },
                    amount / 100,
                    amount % 100,
                );
                Sent {
                    line,
                    event_id: id.clone(),
                    address: *address,
                    creditor: Some(*creditor),
                    surname: Some(surname),
                    crisis: *crisis && !*resolved && !*objected,
                }
            }
            Op::Standing {
                address,
                creditor,
                account,
                kind,
            } => {
                let (pc, nr) = ADDRESSES[*address];
                let (c, _) = CREDITORS[*creditor];
                let k = [
                    "OBJECTION",
                    "OBJECTION_WITHDRAWN",
                    "CONSENT_GIVEN",
                    "CONSENT_WITHDRAWN",
                ][usize::from(*kind)];
                let line = format!(
                    r#"{{"event_id":"{id}","creditor_id":"{c}","customer_ref":"KREF-{c}-{account}","event_type":"{k}","occurred_at":"{ts}","consent_ref":"C-1","address":{{"postcode":"{pc}","house_number":{nr}}}}}"#
                );
                Sent {
                    line,
                    event_id: id.clone(),
                    address: *address,
                    creditor: Some(*creditor),
                    surname: None,
                    crisis: false,
                }
            }
            Op::Feedback { address, result } => {
                let case_id = newest_case
                    .get(address)
                    .cloned()
                    .unwrap_or_else(|| "cs_dev_aaaa_1".into());
                let body = if *result == 4 {
                    format!(
                        r#""event_type":"CONTACT_ATTEMPT","contact_attempt":{{"soort":"Telefoon","bereikt":true,"datum":"{}","dagdeel":"Middag"}}"#,
                        t.date_naive()
                    )
                } else {
                    format!(
                        r#""event_type":"CASE_RESULT","resultaat":"{}""#,
                        RESULTS[usize::from(*result)]
                    )
                };
                let gm = ["0599", "0518", "0344"][*address];
                let line = format!(
                    r#"{{"event_id":"{id}","case_id":"{case_id}","municipality_code":"{gm}","occurred_at":"{ts}",{body}}}"#
                );
                Sent {
                    line,
                    event_id: id.clone(),
                    address: *address,
                    creditor: None,
                    surname: None,
                    crisis: false,
                }
            }
            Op::Redeliver { which } => {
                if sent.is_empty() {
                    continue;
                }
                let earlier = sent[which % sent.len()].clone();
                redeliveries.push((decisions.len(), which % sent.len()));
                // Delivered again as is (same id, same occurred_at).
                let Some(e) = vroeg_codec_free_parse(&earlier.line) else {
                    continue;
                };
                let d = h.event(e);
                let again = earlier.event_id.clone();
                decisions.extend(d.into_iter().map(|d| {
                    let own = d.event_id.as_deref() == Some(again.as_str());
                    (own.then_some(usize::MAX), d)
                }));
                continue;
            }
            Op::Jump { days } => {
                t += chrono::Duration::days(i64::from(*days));
                decisions.extend(h.advance(t).into_iter().map(|d| (None, d)));
                continue;
            }
            Op::Invalid => {
                let line = format!(
                    r#"{{"event_id":"{id}","creditor_id":"woonstad","sector":"HUUR","event_type":"ARREARS","customer_ref":"KREF-woonstad-0","arrears_amount":"12.345","arrears_since":"2026-01-01","occurred_at":"{ts}","reminders_sent":3,"person":{{"surname":"Zwartkop{i}x"}},"address":{{"postcode":"3011AB","house_number":10}}}}"#
                );
                Sent {
                    line,
                    event_id: id.clone(),
                    address: 0,
                    creditor: None,
                    surname: None,
                    crisis: false,
                }
            }
        };
        let idx = sent.len();
        let d = match vroeg_codec_free_parse(&s.line) {
            Some(e) => h.event(e),
            None => vec![vroeg_domain::rules::rejected(
                vec![vroeg_domain::contract::messages::FieldError::new(
                    "arrears_amount",
                    "amount has more than 2 decimals: 12.345",
                )],
                Some(s.event_id.clone()),
                t,
            )],
        };
        // Objection bookkeeping (an objection is recorded whatever the routing says).
        if let Op::Standing {
            address,
            creditor,
            kind,
            ..
        } = op
        {
            if *kind == 0 {
                objection_from
                    .entry((*address, *creditor))
                    .or_insert(decisions.len());
            }
            if *kind == 1
                && let Some(from) = objection_from.remove(&(*address, *creditor))
            {
                objected_during.push((*address, *creditor, from, decisions.len()));
            }
        }
        if let Op::Report {
            address,
            creditor,
            objected: true,
            resolved: false,
            ..
        } = op
        {
            objection_from
                .entry((*address, *creditor))
                .or_insert(decisions.len());
        }
        for dec in &d {
            if let DecisionKind::Task { task } = &dec.kind {
                let a = ADDRESSES.iter().position(|(pc, nr)| {
                    task.contact.address.postcode.as_str() == *pc
                        && task.contact.address.house_number.get() == *nr
                });
                if let Some(a) = a {
                    newest_case.insert(a, task.case_id.clone());
                }
            }
        }
        // Timers of any household fire before the event: only the event's own decisions are its.
        decisions.extend(d.into_iter().map(|d| {
            let own = d.event_id.as_deref() == Some(id.as_str());
            (own.then_some(idx), d)
        }));
        s.event_id = id;
        sent.push(s);
    }
    t += chrono::Duration::days(400);
    decisions.extend(h.advance(t).into_iter().map(|d| (None, d)));
    for ((address, creditor), from) in objection_from {
        objected_during.push((address, creditor, from, decisions.len()));
    }
    Run {
        decisions,
        sent,
        objected_during,
        redeliveries,
        key: h.key.clone(),
    }
}

/// Parses a line as the contract's JSON; `None` for a value the contract rejects.
fn vroeg_codec_free_parse(line: &str) -> Option<vroeg_domain::contract::messages::InputEvent> {
    use vroeg_domain::contract::messages::InputEvent;
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    match v["event_type"].as_str()? {
        "ARREARS" | "RESOLVED" => serde_json::from_value(v).ok().map(InputEvent::Arrears),
        "CONTACT_ATTEMPT" | "CASE_RESULT" => {
            serde_json::from_value(v).ok().map(InputEvent::Feedback)
        }
        _ => serde_json::from_value(v).ok().map(InputEvent::Objection),
    }
}

fn address_of(task: &vroeg_domain::contract::messages::OutreachTask) -> Option<usize> {
    ADDRESSES.iter().position(|(pc, nr)| {
        task.contact.address.postcode.as_str() == *pc
            && task.contact.address.house_number.get() == *nr
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn consent_and_privacy_hold(ops in proptest::collection::vec(op(), 1..70)) {
        let r = run(&ops);
        let by_surname: HashMap<&str, &Sent> = r.sent.iter().filter_map(|s| s.surname.as_deref().map(|n| (n, s))).collect();
        let outcome: HashMap<&str, Vec<&Decision>> = {
            let mut m: HashMap<&str, Vec<&Decision>> = HashMap::new();
            for (src, d) in &r.decisions {
                if let (Some(i), Some(id)) = (src, d.event_id.as_deref())
                    && *i != usize::MAX
                {
                    m.entry(id).or_default().push(d);
                }
            }
            m
        };
        let mut case_of_task: HashMap<String, (String, String)> = HashMap::new();
        let address_of_household: HashMap<String, usize> = r.decisions.iter().filter_map(|(src, d)| {
            let i = (*src)?;
            let s = r.sent.get(i)?;
            Some((d.household_id.as_ref()?.as_str().to_owned(), s.address))
        }).collect();
        let mut task_versions = BTreeSet::new();
        let mut new_cases = BTreeSet::new();

        for (n, (_, d)) in r.decisions.iter().enumerate() {
            let json = serde_json::to_string(d).unwrap();
            let audit = serde_json::to_string(&d.audit_form(&r.key)).unwrap();
            // The audit never names a customer reference, an amount, or personal data.
            prop_assert!(!audit.contains("KREF-"), "audit names a customer reference: {}", audit);
            prop_assert!(!audit.contains("Zwartkop") && !audit.contains("Kerkstraat") && !audit.contains("+31699999999"), "{}", audit);
            prop_assert!(!audit.contains("EUR 1") && !audit.contains("EUR 2") && !audit.contains("EUR 5") && !audit.contains("EUR 9"), "audit names an amount: {}", audit);
            if let DecisionKind::Task { task } = &d.kind {
                for s in &task.signals {
                    prop_assert!(s.amount.to_string() == "0" || !audit.contains(&format!("\"amount\":\"{}\"", s.amount)), "{}", audit);
                }
            }
            match &d.kind {
                DecisionKind::Task { task } => {
                    // ids: a task id belongs to one case and one household; (task_id, version) once.
                    let key = (task.case_id.clone(), task.household_id.as_str().to_owned());
                    let prev = case_of_task.entry(task.task_id.clone()).or_insert_with(|| key.clone());
                    prop_assert_eq!(&*prev, &key);
                    prop_assert!(task_versions.insert((task.task_id.clone(), task.version)), "({}, {}) issued twice", task.task_id, task.version);
                    if task.status == TaskStatus::New {
                        prop_assert!(new_cases.insert(task.case_id.clone()), "case {} opened twice", task.case_id);
                    }
                    // The contact came from a report of one of the task's creditors that was
                    // admitted (not quarantined, rejected, ignored or held back).
                    if let Some(name) = task.contact.surname.as_deref() {
                        let s = by_surname.get(name).expect("contact from a generated report");
                        let (c, _) = CREDITORS[s.creditor.unwrap()];
                        prop_assert!(task.signals.iter().any(|x| x.creditor_id == c), "contact {} from {} not in task {:?}", name, c, task.signals);
                        prop_assert_eq!(Some(s.address), address_of(task));
                        for od in outcome.get(s.event_id.as_str()).into_iter().flatten() {
                            prop_assert!(!matches!(od.kind.name(), "QUARANTINED" | "REJECTED" | "IGNORED" | "NOT_ROUTED"), "contact from a {} event", od.kind.name());
                        }
                    }
                    // Objections: no task version carries a signal of an objecting creditor.
                    if let Some(a) = address_of(task) {
                        for (oa, oc, from, to) in &r.objected_during {
                            if *oa == a && n > *from && n < *to {
                                let (c, _) = CREDITORS[*oc];
                                prop_assert!(!task.signals.iter().any(|x| x.creditor_id == c), "task carries objecting {}: {}", c, json);
                            }
                        }
                    }
                }
                DecisionKind::CreditorStatus { creditor_id, status: CreditorStatusValue::PickedUp, .. } => {
                    let a = d.household_id.as_ref().and_then(|h| address_of_household.get(h.as_str()));
                    for (oa, oc, from, to) in &r.objected_during {
                        let (c, _) = CREDITORS[*oc];
                        if creditor_id == c && a == Some(oa) && n > *from && n < *to {
                            let trail: Vec<String> = r.decisions.iter().enumerate().filter(|(_, (_, x))| x.household_id == d.household_id).map(|(k, (src, x))| format!("#{k} src={src:?} {} {}", x.kind.name(), x.reason)).collect();
                            prop_assert!(false, "{} heard PICKED_UP while objecting (#{n}, objection #{from}..#{to} at {oa}, hh at {a:?}; objection decision {:?}):\n{}", c, r.decisions.get(*from).map(|(s, x)| (s, x.kind.name(), x.reason.clone(), x.household_id.clone())), trail.join("\n"));
                        }
                    }
                    prop_assert!(!json.contains("Zwartkop"));
                }
                DecisionKind::Rejected { .. } => {
                    prop_assert!(!json.contains("12.345"), "REJECTED carries the value: {}", json);
                    prop_assert!(!json.contains("Zwartkop"));
                }
                _ => {
                    prop_assert!(!json.contains("Zwartkop") && !json.contains("Kerkstraat") && !json.contains("+31699999999") && !json.contains("3011AB"), "{} leaks: {}", d.kind.name(), json);
                }
            }
        }

        // Re-delivery changes nothing: only IGNORED, or (after a purge forgot the household)
        // nothing that goes out to a municipality.
        for (at, which) in &r.redeliveries {
            let id = &r.sent[*which].event_id;
            let again: Vec<&Decision> = r.decisions[*at..].iter().filter(|(src, d)| *src == Some(usize::MAX) && d.event_id.as_deref() == Some(id.as_str())).map(|(_, d)| d).take_while(|_| true).collect();
            let purged_between = r.decisions[..*at].iter().any(|(_, d)| d.kind.name() == "PURGED");
            if !purged_between {
                for d in again.iter().take(1) {
                    prop_assert!(matches!(d.kind.name(), "IGNORED" | "REJECTED" | "NOT_ROUTED" | "QUARANTINED"), "re-delivery of {} decided {}: {}", id, d.kind.name(), d.reason);
                }
            }
        }

        // A crisis that becomes a signal goes out as CRISIS, due within 3 days.
        for s in r.sent.iter().filter(|s| s.crisis) {
            let Some(ds) = outcome.get(s.event_id.as_str()) else { continue };
            let signalled = ds.iter().all(|d| matches!(d.kind.name(), "TASK" | "PENDING" | "CREDITOR_STATUS")) && !ds.iter().any(|d| d.kind.name() == "PENDING");
            if !signalled { continue; }
            let day = vroeg_domain::rules::dutch_date(ds[0].at);
            let t = ds.iter().find_map(|d| match &d.kind { DecisionKind::Task { task } => Some(task), _ => None });
            if let Some(t) = t {
                if t.known_to_debt_help { continue; }
                prop_assert_eq!(t.priority, Priority::Crisis, "{:?}", t);
                prop_assert!(t.due_date <= day + chrono::Days::new(3));
            }
        }
    }
}

/// The generator is not vacuous: fixed sequences of it reach purges (also minimal ones kept for an
/// objection), re-deliveries, crises that become tasks, objections that take a signal out of a
/// task, and rejections.
#[test]
fn generator_reaches_the_cases_the_properties_are_about() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let mut seen = BTreeSet::new();
    for _ in 0..30 {
        let ops = proptest::collection::vec(op(), 50..70)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let r = run(&ops);
        for (_, d) in &r.decisions {
            match &d.kind {
                DecisionKind::Purged {} if d.reason.contains("bezwaar") => {
                    seen.insert("minimal purge");
                }
                DecisionKind::Purged {} => {
                    seen.insert("purge");
                }
                DecisionKind::Task { task } if task.priority == Priority::Crisis => {
                    seen.insert("crisis task");
                }
                DecisionKind::Task { .. } if d.reason.contains("bezwaar") => {
                    seen.insert("objection withdraws a signal");
                }
                DecisionKind::Rejected { .. } => {
                    seen.insert("rejected");
                }
                DecisionKind::Ignored { .. } if d.reason.contains("event_id") => {
                    seen.insert("re-delivery ignored");
                }
                _ => {}
            }
        }
    }
    for want in [
        "purge",
        "minimal purge",
        "crisis task",
        "objection withdraws a signal",
        "rejected",
        "re-delivery ignored",
    ] {
        assert!(seen.contains(want), "{want} never reached; saw {seen:?}");
    }
}
