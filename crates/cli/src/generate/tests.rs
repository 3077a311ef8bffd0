use std::collections::{BTreeMap, BTreeSet};

use super::*;

fn geo() -> Geography {
    Geography::parse(
        "pc4",
        "pc4,gemeentecode,addresses,share,main\n3011,0599,5000,1.0,1\n2511,0518,3000,1.0,1\n1012,0363,4000,1.0,1\n",
        "g",
        "code,name,province,province_code\n0599,Rotterdam,Zuid-Holland,28\n0518,'s-Gravenhage,Zuid-Holland,28\n0363,Amsterdam,Noord-Holland,27\n",
    )
    .unwrap()
}

fn opts(events: usize, seed: u64) -> Options {
    Options {
        events,
        seed,
        start: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
        days: 60,
    }
}

fn bytes(records: &[Record]) -> Vec<u8> {
    let mut out = Vec::new();
    write_jsonl(records, &mut out).unwrap();
    out
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let pool = CreditorPool::builtin();
    let a = bytes(&generate(&opts(3000, 42), &geo(), &pool));
    let b = bytes(&generate(&opts(3000, 42), &geo(), &pool));
    let c = bytes(&generate(&opts(3000, 43), &geo(), &pool));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn output_is_sorted_and_has_the_mix() {
    let records = generate(&opts(20_000, 7), &geo(), &CreditorPool::builtin());
    assert_eq!(records.len(), 20_000);
    let out = bytes(&records);
    let mut last = None;
    let mut sectors: BTreeMap<String, usize> = BTreeMap::new();
    let mut types: BTreeMap<String, usize> = BTreeMap::new();
    let mut invalid = 0;
    let mut flags = BTreeSet::new();
    let mut ids = BTreeMap::<String, usize>::new();
    let mut households: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        match vroeg_codec::decode_input(line) {
            Ok(e) => {
                assert!(last <= Some(e.occurred_at()), "sorted by occurred_at");
                last = Some(e.occurred_at());
                *ids.entry(e.event_id().to_owned()).or_default() += 1;
                if let vroeg_domain::contract::messages::InputEvent::Arrears(a) = &e {
                    *sectors.entry(a.sector.to_string()).or_default() += 1;
                    *types.entry(format!("{:?}", a.event_type)).or_default() += 1;
                    if a.crisis {
                        flags.insert("crisis");
                    }
                    if a.warm_handover {
                        flags.insert("warm_handover");
                    }
                    if a.end_of_supply_date.is_some() {
                        flags.insert("end_of_supply");
                    }
                    if a.objected {
                        flags.insert("objected");
                    }
                    if a.consent_ref.is_some() {
                        flags.insert("consent_ref");
                    }
                    let pc = a.address.postcode.as_str();
                    assert!(!matches!(&pc[4..], "SA" | "SD" | "SS"));
                    households
                        .entry(a.address.household_key().canonical())
                        .or_default()
                        .insert(a.creditor_id.clone());
                } else {
                    *types.entry("objection".to_owned()).or_default() += 1;
                }
            }
            Err(_) => invalid += 1,
        }
    }
    // Every sector occurs, rent/health/energy/water most.
    assert_eq!(sectors.len(), 13, "{sectors:?}");
    let top: u64 = ["HUUR", "ZORG", "ENERGIE", "WATER"]
        .iter()
        .map(|s| sectors[*s] as u64)
        .sum();
    assert!(top * 100 / sectors.values().map(|&n| n as u64).sum::<u64>() > 65);
    assert!(types["Resolved"] > 500, "{types:?}");
    assert!(types["objection"] > 100, "{types:?}");
    assert_eq!(flags.len(), 5, "{flags:?}");
    // About 1% broken records.
    assert!((60..=400).contains(&invalid), "{invalid}");
    // Redeliveries (the same event_id twice) and meervoudig households exist.
    assert!(ids.values().any(|&n| n == 2));
    assert!(households.values().filter(|c| c.len() >= 2).count() > 100);
}

#[test]
fn every_kind_of_broken_record_occurs() {
    let records = generate(&opts(60_000, 11), &geo(), &CreditorPool::builtin());
    let mut problems = BTreeSet::new();
    for r in &records {
        let line = match r {
            Record::Bad(v) => serde_json::to_vec(v).unwrap(),
            Record::Garbage(s) => s.clone().into_bytes(),
            _ => continue,
        };
        // A missing `arrears_since` decodes and is refused by validation instead.
        let errors = match vroeg_codec::decode_input(&line) {
            Ok(e) => e.validate().unwrap_err(),
            Err(e) => e.errors,
        };
        let f = &errors[0];
        let kind = if f.problem.contains("not a JSON object") {
            "not_json"
        } else if f.field.contains("postcode") {
            "postcode"
        } else if f.problem.contains("bsn") {
            "bsn"
        } else if f.problem.contains("missing field") || f.problem.contains("required") {
            "missing"
        } else if f.field == "sector" || f.field == "event_type" {
            "enum"
        } else if f.field == "arrears_amount" {
            "amount"
        } else if f.field == "arrears_since" {
            "date"
        } else {
            panic!("unexpected problem {f}")
        };
        problems.insert(kind);
    }
    for k in [
        "postcode", "bsn", "missing", "enum", "amount", "date", "not_json",
    ] {
        assert!(problems.contains(k), "no {k} in {problems:?}");
    }
}
