//! Configuration the rules read: rule sets with effective dates, the municipality registry and the
//! creditor registry (RULES.md: "Everything here is configuration with these values as defaults").
//!
//! These are plain data. Parsing and validating them from TOML text lives in [`config_load`] (and of the
//! routing tables in [`routing_load`]; the tables themselves in [`routing`]);
//! reading files is the binary's job.

mod checks;
pub mod config_load;
pub(crate) mod csv_text;
pub mod routing;
pub mod routing_load;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::contract::money::Money;
use crate::contract::municipality::Gemeentecode;
use crate::contract::sector::Sector;

/// What a sector must have done before its signal is valid, and its time window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectorRule {
    /// Days in arrears from which a signal is due (30; energy before 2022-12-01: 50).
    pub min_days: u32,
    /// Days in arrears after which a first signal is no longer accepted (100 for rent, water,
    /// health insurance); `None`: no upper bound.
    pub max_days: Option<u32>,
    /// Energy: an *updated* signal is due once arrears pass this many days (100).
    pub updated_signal_after_days: Option<u32>,
    /// Written reminders required (energy since 2023-04-01: 3).
    pub min_reminders: u32,
    /// The shortest payment term a reminder may give, when the creditor reports it (energy: 14).
    pub min_payment_term_days: Option<u32>,
    /// A personal contact must have been attempted (rent; energy since 2026-01-01).
    pub require_personal_contact: bool,
    /// The debtor must have been pointed to debt help (rent).
    pub require_pointed_to_debt_help: bool,
    /// Data sharing must have been offered (rent).
    pub require_data_sharing_offered: bool,
    /// A statutory minimum amount (DUO EUR 270, Belastingdienst EUR 600).
    pub min_amount: Option<Money>,
    /// For a Wgs art. 10 experiment: the day its regulation took effect. An event dated before
    /// it never becomes a signal (RULES.md §1). Required for experiment sectors, absent for the
    /// others (the config loader says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_from: Option<chrono::NaiveDate>,
}

/// First-contact deadlines (RULES.md §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    /// Crisis: first contact within this many days (Wgs art. 4(2): 3).
    pub crisis_days: u32,
    /// Warm handover.
    pub warm_handover_days: u32,
    /// Everything else (14).
    pub default_days: u32,
    /// End of supply: the deadline lies this many days before the end-of-supply date.
    pub end_of_supply_margin_days: u32,
}

/// One complete rule set, in force from `effective_from` until the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// First day this set applies (to events whose date is on or after it).
    pub effective_from: NaiveDate,
    /// A name for people, e.g. `energie-2026-persoonlijk-contact`.
    pub name: String,
    /// The look-back for OPEENVOLGEND, in calendar months (6).
    pub lookback_months: u32,
    /// Deadlines.
    pub deadlines: Deadlines,
    /// Per sector.
    pub sectors: BTreeMap<Sector, SectorRule>,
}

/// All rule sets, ordered by `effective_from`. Never empty once validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleBook {
    /// Sets in ascending `effective_from` order.
    pub sets: Vec<RuleSet>,
}

impl RuleBook {
    /// The rule set in force on `date`: the last one whose `effective_from <= date`, or the first
    /// one for dates before every set (so old data is judged by the oldest rules we know).
    pub fn in_force(&self, date: NaiveDate) -> Option<&RuleSet> {
        self.sets
            .iter()
            .rev()
            .find(|s| s.effective_from <= date)
            .or_else(|| self.sets.first())
    }
}

/// One municipality and its choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Municipality {
    /// CBS code.
    pub code: Gemeentecode,
    /// Official name.
    pub name: String,
    /// Has asked for signals.
    pub connected: bool,
    /// Its own minimum amount (`drempelbedrag`); signals below it are *onterecht*.
    pub min_amount: Option<Money>,
    /// Experiment sectors it takes part in (`DUO`, `BELASTINGDIENST`, `TOESLAGEN`).
    pub experiments: BTreeSet<Sector>,
    /// How long signals of one household wait to be bundled into one task, in hours (24).
    pub bundling_delay_hours: u32,
    /// Retention after the look-back, in months (6): a household with nothing open is purged this
    /// long after its last signal.
    pub retention_months: u32,
}

/// The municipalities the pipeline knows, connected or not.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MunicipalityRegistry {
    /// By code.
    pub by_code: BTreeMap<Gemeentecode, Municipality>,
}

impl MunicipalityRegistry {
    /// Looks a municipality up.
    pub fn get(&self, code: Gemeentecode) -> Option<&Municipality> {
        self.by_code.get(&code)
    }
}

/// A registered creditor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Creditor {
    /// Its id (topic suffix of its status topic).
    pub creditor_id: String,
    /// Name for people.
    pub name: String,
    /// Its sector: events that claim another are rejected.
    pub sector: Sector,
}

/// Creditor id -> sector.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CreditorRegistry {
    /// By id.
    pub by_id: BTreeMap<String, Creditor>,
    /// Whether creditors missing from the registry may signal (their event's own sector is then
    /// trusted). `false` in production; the development default allows it so that `simulate` works
    /// on any file.
    pub allow_unregistered: bool,
}

impl CreditorRegistry {
    /// Checks a creditor and the sector its event claims. `Err` is a human-readable problem.
    pub fn check(&self, creditor_id: &str, sector: Sector) -> Result<(), String> {
        match self.by_id.get(creditor_id) {
            Some(c) if c.sector == sector => Ok(()),
            // The reason never repeats an input value (CONTRACT.md 1.1): not the creditor id.
            Some(c) => Err(format!(
                "the creditor is registered for sector {}, not the sector this event names",
                c.sector
            )),
            None if self.allow_unregistered => Ok(()),
            None => Err("the creditor is not registered".to_owned()),
        }
    }
}
