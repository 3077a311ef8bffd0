//! A configuration built in code, equal to RULES.md's defaults, and a tiny driver, so the rule
//! engine can be tested without the shipped config files.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use vroeg_domain::config::routing::RoutingTable;
use vroeg_domain::config::{
    CreditorRegistry, Deadlines, Municipality, MunicipalityRegistry, RuleBook, RuleSet, SectorRule,
};
use vroeg_domain::contract::decision::Decision;
use vroeg_domain::contract::messages::InputEvent;
use vroeg_domain::contract::municipality::Gemeentecode;
use vroeg_domain::contract::pseudonym::{HouseholdId, PseudonymKey};
use vroeg_domain::contract::sector::Sector;
use vroeg_domain::household::{HouseholdPartition, PartitionOptions, StepOutcome};
use vroeg_domain::rules::{self, Admission, HouseholdState, RuleContext};

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn sector_rule(min_days: u32, max_days: Option<u32>, min_reminders: u32) -> SectorRule {
    SectorRule {
        min_days,
        max_days,
        updated_signal_after_days: None,
        min_reminders,
        min_payment_term_days: None,
        require_personal_contact: false,
        require_pointed_to_debt_help: false,
        require_data_sharing_offered: false,
        min_amount: None,
        effective_from: None,
    }
}

pub fn rule_book() -> RuleBook {
    let mut sectors = BTreeMap::new();
    let mut huur = sector_rule(30, Some(100), 1);
    huur.require_personal_contact = true;
    huur.require_pointed_to_debt_help = true;
    huur.require_data_sharing_offered = true;
    sectors.insert(Sector::Huur, huur);
    let mut water = sector_rule(30, Some(100), 1);
    water.require_pointed_to_debt_help = true;
    sectors.insert(Sector::Water, water);
    sectors.insert(Sector::Zorg, sector_rule(30, Some(100), 1));
    let mut energie = sector_rule(50, None, 1);
    energie.updated_signal_after_days = Some(100);
    sectors.insert(Sector::Energie, energie);
    sectors.insert(Sector::Cak, sector_rule(0, None, 0));
    let mut duo = sector_rule(0, None, 1);
    duo.min_amount = Some("270".parse().unwrap());
    duo.effective_from = Some(date("2023-05-01"));
    sectors.insert(Sector::Duo, duo);
    let mut bd = sector_rule(0, None, 1);
    bd.min_amount = Some("600".parse().unwrap());
    bd.effective_from = Some(date("2025-05-15"));
    sectors.insert(Sector::Belastingdienst, bd);
    let mut toeslagen = sector_rule(0, None, 1);
    toeslagen.effective_from = Some(date("2025-05-15"));
    sectors.insert(Sector::Toeslagen, toeslagen);
    for s in [
        Sector::Hypotheek,
        Sector::Bank,
        Sector::Telecom,
        Sector::Verzekering,
        Sector::Overig,
    ] {
        sectors.insert(s, sector_rule(30, None, 1));
    }
    let base = RuleSet {
        effective_from: date("2021-01-01"),
        name: "base".into(),
        lookback_months: 6,
        deadlines: Deadlines {
            crisis_days: 3,
            warm_handover_days: 14,
            default_days: 14,
            end_of_supply_margin_days: 1,
        },
        sectors,
    };
    let mut s2 = base.clone();
    s2.effective_from = date("2022-12-01");
    s2.sectors.get_mut(&Sector::Energie).unwrap().min_days = 30;
    let mut s3 = s2.clone();
    s3.effective_from = date("2023-04-01");
    {
        let e = s3.sectors.get_mut(&Sector::Energie).unwrap();
        e.min_reminders = 3;
        e.min_payment_term_days = Some(14);
    }
    let mut s4 = s3.clone();
    s4.effective_from = date("2026-01-01");
    s4.sectors
        .get_mut(&Sector::Energie)
        .unwrap()
        .require_personal_contact = true;
    RuleBook {
        sets: vec![base, s2, s3, s4],
    }
}

pub fn code(s: &str) -> Gemeentecode {
    s.parse().unwrap()
}

pub fn municipalities() -> MunicipalityRegistry {
    let mut by_code = BTreeMap::new();
    for (c, name, experiments) in [
        ("0599", "Rotterdam", vec![]),
        ("0518", "'s-Gravenhage", vec![]),
        ("0363", "Amsterdam", vec![Sector::Duo]),
        ("0344", "Utrecht", vec![]),
    ] {
        by_code.insert(
            code(c),
            Municipality {
                code: code(c),
                name: name.into(),
                connected: c != "0344",
                min_amount: None,
                experiments: experiments.into_iter().collect::<BTreeSet<_>>(),
                bundling_delay_hours: 24,
                retention_months: 6,
            },
        );
    }
    MunicipalityRegistry { by_code }
}

pub fn routing() -> RoutingTable {
    let mut pc4 = HashMap::new();
    pc4.insert(3011, vec![code("0599")]);
    pc4.insert(2511, vec![code("0518")]);
    pc4.insert(1012, vec![code("0363")]);
    pc4.insert(3511, vec![code("0344")]);
    RoutingTable {
        pc4,
        exact: HashMap::new(),
    }
}

/// Owns a configuration and runs events through admit and the household algorithm
/// ([`HouseholdPartition`]) like `simulate` does.
pub struct Harness {
    pub rules: RuleBook,
    pub municipalities: MunicipalityRegistry,
    pub creditors: CreditorRegistry,
    pub routing: RoutingTable,
    pub key: PseudonymKey,
    pub partition: HouseholdPartition,
    pub clock: Option<DateTime<Utc>>,
}

impl Harness {
    pub fn new() -> Self {
        Harness {
            rules: rule_book(),
            municipalities: municipalities(),
            creditors: CreditorRegistry {
                by_id: BTreeMap::new(),
                allow_unregistered: true,
            },
            routing: routing(),
            key: PseudonymKey::development(),
            partition: HouseholdPartition::new(PartitionOptions::default()),
            clock: None,
        }
    }

    pub fn ctx(&self) -> RuleContext<'_> {
        RuleContext {
            rules: &self.rules,
            municipalities: &self.municipalities,
            creditors: &self.creditors,
            routing: &self.routing,
            key: &self.key,
        }
    }

    /// A household's state.
    pub fn state(&self, id: &HouseholdId) -> Option<&HouseholdState> {
        self.partition.state(id)
    }

    /// Fires every wakeup up to and including `until`.
    pub fn advance(&mut self, until: DateTime<Utc>) -> Vec<Decision> {
        let ctx = RuleContext {
            rules: &self.rules,
            municipalities: &self.municipalities,
            creditors: &self.creditors,
            routing: &self.routing,
            key: &self.key,
        };
        let mut out = StepOutcome::default();
        self.partition.advance_to(until, usize::MAX, &ctx, &mut out);
        assert_eq!(
            self.partition.dropped_wakeups(),
            0,
            "a tick must make progress"
        );
        self.clock = Some(until);
        out.decisions
    }

    pub fn event(&mut self, e: InputEvent) -> Vec<Decision> {
        let now = e.occurred_at();
        let mut out = self.advance(now);
        let ctx = RuleContext {
            rules: &self.rules,
            municipalities: &self.municipalities,
            creditors: &self.creditors,
            routing: &self.routing,
            key: &self.key,
        };
        match rules::admit(e, now, &ctx) {
            Admission::Decided(d) => out.extend(d),
            Admission::Accepted(a) => {
                let mut step = StepOutcome::default();
                self.partition.apply_event(&a, None, &ctx, &mut step);
                out.extend(step.decisions);
            }
        }
        out
    }

    pub fn json(&mut self, line: &str) -> Vec<Decision> {
        let e = parse_input(line);
        self.event(e)
    }
}

/// Parses an input event from its contract JSON (arrears, objection or feedback).
pub fn parse_input(line: &str) -> InputEvent {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    match v["event_type"].as_str().unwrap() {
        "ARREARS" | "RESOLVED" => InputEvent::Arrears(serde_json::from_value(v).unwrap()),
        "CONTACT_ATTEMPT" | "CASE_RESULT" => {
            InputEvent::Feedback(serde_json::from_value(v).unwrap())
        }
        _ => InputEvent::Objection(serde_json::from_value(v).unwrap()),
    }
}

/// An arrears event in contract JSON with sensible defaults; `extra` overrides fields.
pub fn arrears(
    id: &str,
    creditor: &str,
    sector: &str,
    amount: &str,
    since: &str,
    at: &str,
    extra: &str,
) -> String {
    let mut v: serde_json::Value = serde_json::json!({
        "event_id": id, "creditor_id": creditor, "sector": sector, "event_type": "ARREARS",
        "customer_ref": format!("K-{creditor}"), "arrears_amount": amount, "arrears_since": since,
        "occurred_at": at, "reminders_sent": 3, "personal_contact_attempted": true,
        "pointed_to_debt_help": true, "data_sharing_offered": true,
        "person": {"initials": "A.", "surname": "Dijk"},
        "address": {"postcode": "3011 AB", "house_number": 10}
    });
    if !extra.is_empty() {
        let patch: serde_json::Value = serde_json::from_str(extra).unwrap();
        for (k, val) in patch.as_object().unwrap() {
            v[k] = val.clone();
        }
    }
    v.to_string()
}

/// The kinds of a list of decisions, for compact assertions.
pub fn kinds(ds: &[Decision]) -> Vec<String> {
    ds.iter()
        .map(|d| {
            let v = serde_json::to_value(d).unwrap();
            let mut k = d.kind.name().to_owned();
            if let Some(c) = v.get("reason_code").and_then(|c| c.as_str()) {
                k.push(':');
                k.push_str(c);
            }
            if let Some(t) = v.get("task") {
                k.push(':');
                k.push_str(t["status"].as_str().unwrap());
            }
            if let Some(s) = v.get("status").and_then(|c| c.as_str()) {
                k.push(':');
                k.push_str(s);
            }
            k
        })
        .collect()
}

/// The outreach tasks among `ds`, in order.
pub fn tasks(ds: &[Decision]) -> Vec<vroeg_domain::contract::messages::OutreachTask> {
    ds.iter()
        .filter_map(|d| match &d.kind {
            vroeg_domain::contract::decision::DecisionKind::Task { task } => Some((**task).clone()),
            _ => None,
        })
        .collect()
}
