//! `vroegsignaal demo`, offline edition: generated creditor traffic through the rule engine in
//! memory, and a report of what it decided. The Kafka edition (embedded broker, the two stages,
//! municipal topics) replaces the engine part in a later issue; the report stays.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Days, NaiveDate, Utc};
use vroeg_domain::config::MunicipalityRegistry;
use vroeg_domain::decision::{Decision, DecisionKind};
use vroeg_domain::messages::TaskStatus;
use vroeg_domain::municipality::Gemeentecode;

use crate::config::AppConfig;
use crate::generate::{self, CreditorPool, Geography};
use crate::simulate::{self, RunStats, label};

/// The demo's fixed traffic: 50,000 records from seed 2026 over the autumn of 2026.
pub fn default_options() -> generate::Options {
    generate::Options {
        events: 50_000,
        seed: 2026,
        start: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap_or_default(),
        days: 90,
    }
}

/// Counts of everything the demo report shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Decisions per kind.
    pub kinds: BTreeMap<&'static str, u64>,
    /// New tasks per municipality.
    pub new_tasks: BTreeMap<Gemeentecode, u64>,
    /// Task messages per status (NEW, UPDATED, WITHDRAWN).
    pub task_status: BTreeMap<String, u64>,
    /// New tasks per classification.
    pub classifications: BTreeMap<String, u64>,
    /// New tasks per priority.
    pub priorities: BTreeMap<String, u64>,
    /// Suppressions per reason code.
    pub suppressed: BTreeMap<String, u64>,
    /// Quarantines per reason code.
    pub quarantined: BTreeMap<String, u64>,
    /// Not routed per reason code.
    pub not_routed: BTreeMap<String, u64>,
    /// Rejection errors per field path.
    pub rejected_fields: BTreeMap<String, u64>,
    /// Creditor statuses per status.
    pub creditor_status: BTreeMap<String, u64>,
}

fn bump(map: &mut BTreeMap<String, u64>, key: String) {
    *map.entry(key).or_default() += 1;
}

impl Tally {
    /// Counts one decision.
    pub fn add(&mut self, d: &Decision) {
        *self.kinds.entry(d.kind.name()).or_default() += 1;
        match &d.kind {
            DecisionKind::Task { task } => {
                bump(&mut self.task_status, label(&task.status));
                if task.status == TaskStatus::New {
                    *self.new_tasks.entry(task.municipality_code).or_default() += 1;
                    bump(&mut self.classifications, label(&task.classification));
                    bump(&mut self.priorities, label(&task.priority));
                }
            }
            DecisionKind::Suppressed { reason_code, .. } => {
                bump(&mut self.suppressed, label(reason_code));
            }
            DecisionKind::Quarantined { reason_code, .. } => {
                bump(&mut self.quarantined, label(reason_code));
            }
            DecisionKind::NotRouted { reason_code, .. } => {
                bump(&mut self.not_routed, label(reason_code));
            }
            DecisionKind::Rejected { errors, .. } => {
                for e in errors {
                    let field = if e.field.is_empty() {
                        "(message)"
                    } else {
                        &e.field
                    };
                    bump(&mut self.rejected_fields, field.to_owned());
                }
            }
            DecisionKind::CreditorStatus { status, .. } => {
                bump(&mut self.creditor_status, label(status));
            }
            _ => {}
        }
    }

    /// The report, with municipality names from the registry.
    pub fn render(&self, municipalities: &MunicipalityRegistry) -> String {
        let mut s = String::new();
        let total: u64 = self.new_tasks.values().sum();
        let _ = writeln!(
            s,
            "New outreach tasks per municipality ({total} in {} municipalities):",
            self.new_tasks.len()
        );
        let mut ranked: Vec<(&Gemeentecode, &u64)> = self.new_tasks.iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (code, n) in ranked.iter().take(15) {
            let name = municipalities.get(**code).map_or("?", |m| m.name.as_str());
            let _ = writeln!(s, "  {code} {name:<32} {n:>7}");
        }
        if ranked.len() > 15 {
            let rest: u64 = ranked.iter().skip(15).map(|(_, n)| **n).sum();
            let _ = writeln!(
                s,
                "  ({} more municipalities){:>28}",
                ranked.len() - 15,
                rest
            );
        }
        let _ = writeln!(s, "  {:<37} {total:>7}", "total");
        section(&mut s, "Task messages by status", &self.task_status);
        section(&mut s, "Classifications (new tasks)", &self.classifications);
        section(&mut s, "Priorities (new tasks)", &self.priorities);
        section(&mut s, "Suppressed, by reason_code", &self.suppressed);
        section(&mut s, "Quarantined, by reason_code", &self.quarantined);
        section(&mut s, "Not routed, by reason_code", &self.not_routed);
        section(&mut s, "Rejected, by field", &self.rejected_fields);
        section(&mut s, "Creditor statuses", &self.creditor_status);
        let kinds: BTreeMap<String, u64> = self
            .kinds
            .iter()
            .map(|(k, v)| ((*k).to_owned(), *v))
            .collect();
        section(&mut s, "All decisions, by kind", &kinds);
        s
    }
}

fn section(s: &mut String, title: &str, counts: &BTreeMap<String, u64>) {
    let _ = writeln!(s, "{title}:");
    if counts.is_empty() {
        let _ = writeln!(s, "  (none)");
    }
    for (k, n) in counts {
        let _ = writeln!(s, "  {k:<37} {n:>7}");
    }
}

/// What the demo did.
#[derive(Debug, Clone)]
pub struct DemoRun {
    /// Records generated.
    pub records: usize,
    /// The simulated end time.
    pub until: DateTime<Utc>,
    /// The run's figures.
    pub stats: RunStats,
    /// The counts.
    pub tally: Tally,
}

/// Generates the traffic, runs it through the rule engine up to the end of the period, and counts
/// every decision. The generated lines go through the same decoder as `simulate`'s input, so
/// broken records are rejected by the codec exactly as they would be on the topic.
pub fn run(cfg: &AppConfig, geo: &Geography, opts: &generate::Options) -> DemoRun {
    let pool = CreditorPool::from_registry(&cfg.creditors);
    let records = generate::generate(opts, geo, &pool);
    let mut bytes = Vec::with_capacity(records.len() * 700);
    // Writing into a Vec cannot fail.
    let _ = generate::write_jsonl(&records, &mut bytes);
    let until = opts
        .start
        .checked_add_days(Days::new(u64::from(opts.days)))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(DateTime::UNIX_EPOCH, |d| d.and_utc());
    let entries = simulate::order(simulate::decode_all(&bytes), until);
    let mut tally = Tally::default();
    let ctx = cfg.context();
    let stats = simulate::run(entries, Some(until), &ctx, &mut |d| tally.add(&d));
    DemoRun {
        records: records.len(),
        until,
        stats,
        tally,
    }
}
