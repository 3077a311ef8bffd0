//! Parsing and validating configuration from text (TOML/CSV). Pure: the caller reads the files.
//!
//! Every error names the file, the place in it and what is wrong, so an operator can fix a
//! config without reading code.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::marker::PhantomData;

use chrono::NaiveDate;
use serde::Deserialize;
use serde::de::{self, IntoDeserializer, Visitor};
use thiserror::Error;
use toml::Spanned;

pub use crate::config::checks::check_retention_covers_lookback;
use crate::config::csv_text;
use crate::config::{
    Creditor, CreditorRegistry, Deadlines, Municipality, MunicipalityRegistry, RuleBook, RuleSet,
    SectorRule,
};
use crate::contract::money::Money;
use crate::contract::municipality::Gemeentecode;
use crate::contract::sector::{LegalBasis, Sector};

/// A configuration problem.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{source_name}: {location}{problem}")]
pub struct ConfigError {
    /// Which input (file name as the caller knows it, e.g. `config/rules.toml`).
    pub source_name: String,
    /// Where in it (`line 12: `, `rule_set[2].sectors.ENERGIE: `), may be empty.
    pub location: String,
    /// What is wrong.
    pub problem: String,
}

impl ConfigError {
    /// A new error.
    pub fn new(source_name: &str, location: impl Into<String>, problem: impl Into<String>) -> Self {
        ConfigError {
            source_name: source_name.to_owned(),
            location: location.into(),
            problem: problem.into(),
        }
    }

    /// A TOML syntax or type error, placed at the line and column toml reports.
    fn from_toml(source_name: &str, text: &str, e: &toml::de::Error) -> Self {
        let location = e.span().map_or_else(String::new, |span| {
            let (line, col) = line_col(text, span.start);
            format!("line {line}, column {col}: ")
        });
        ConfigError::new(source_name, location, e.message().trim().to_owned())
    }
}

/// 1-based line and column of a byte offset, for messages.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// `line N, <path>: ` for a spanned TOML item.
fn at<T>(text: &str, item: &Spanned<T>, path: &str) -> String {
    format!("line {}, {path}: ", line_col(text, item.span().start).0)
}

// ------------------------------------------------------------------------------------------------
// A value that a later layer may set or clear.

/// An optional setting as written in TOML: a value, or the string `"none"` which clears it (TOML
/// has no null, and an omitted key means "unchanged" in a later rule set or override).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setting<T> {
    /// `"none"`.
    Cleared,
    /// A value.
    Value(T),
}

impl<T> Setting<T> {
    fn into_option(self) -> Option<T> {
        match self {
            Setting::Cleared => None,
            Setting::Value(v) => Some(v),
        }
    }
}

/// Applies an optional patch to an optional value.
fn patch<T>(current: Option<T>, change: Option<Setting<T>>) -> Option<T> {
    match change {
        None => current,
        Some(s) => s.into_option(),
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Setting<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Setting<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value, or \"none\" for no value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Setting<T>, E> {
                if v == "none" {
                    return Ok(Setting::Cleared);
                }
                T::deserialize(v.into_deserializer()).map(Setting::Value)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Setting<T>, E> {
                T::deserialize(v.into_deserializer()).map(Setting::Value)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Setting<T>, E> {
                T::deserialize(v.into_deserializer()).map(Setting::Value)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Setting<T>, E> {
                T::deserialize(v.into_deserializer()).map(Setting::Value)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

// ------------------------------------------------------------------------------------------------
// Rule book.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleBook {
    #[serde(default)]
    rule_set: Vec<Spanned<RawRuleSet>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleSet {
    effective_from: toml::value::Datetime,
    name: String,
    lookback_months: Option<u32>,
    deadlines: Option<Spanned<RawDeadlines>>,
    #[serde(default)]
    sectors: BTreeMap<Sector, Spanned<RawSectorRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadlines {
    crisis_days: Option<u32>,
    warm_handover_days: Option<u32>,
    default_days: Option<u32>,
    end_of_supply_margin_days: Option<u32>,
}

/// A sector's rule as written: in the first set every non-optional key is required, in later
/// sets every key is optional and means "change this".
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSectorRule {
    min_days: Option<u32>,
    max_days: Option<Setting<u32>>,
    updated_signal_after_days: Option<Setting<u32>>,
    min_reminders: Option<u32>,
    min_payment_term_days: Option<Setting<u32>>,
    require_personal_contact: Option<bool>,
    require_pointed_to_debt_help: Option<bool>,
    require_data_sharing_offered: Option<bool>,
    min_amount: Option<Setting<Money>>,
    /// Experiments only: the day the regulation took effect.
    effective_from: Option<toml::value::Datetime>,
}

/// The longest look-back we accept. The law's look-back is 6 months; two years is already far
/// beyond what data minimisation (AVG) can justify, so more is surely a typo.
const MAX_LOOKBACK_MONTHS: u32 = 24;
/// Upper bound for any day count in the rule book: ten years. Larger is a typo.
const MAX_DAYS: u32 = 3650;

/// Parses `config/rules.toml`: rule sets with `effective_from`, each later set overriding the one
/// before it. Returns complete, validated rule sets in date order.
///
/// The first `[[rule_set]]` is the complete base: it must give `lookback_months`, all four
/// deadlines and every sector with `min_days`, `min_reminders` and the three `require_*` flags
/// (optional values may be omitted, meaning none). Each later set names only what changes; an
/// optional value is removed with the string `"none"`. Sets must be in strictly ascending
/// `effective_from` order in the file, because each is merged over the one before it.
pub fn parse_rule_book(source_name: &str, toml_text: &str) -> Result<RuleBook, ConfigError> {
    let raw: RawRuleBook = toml::from_str(toml_text)
        .map_err(|e| ConfigError::from_toml(source_name, toml_text, &e))?;
    if raw.rule_set.is_empty() {
        return Err(ConfigError::new(
            source_name,
            "",
            "no [[rule_set]] found: at least the base rule set is required",
        ));
    }
    let err = |loc: String, problem: String| ConfigError::new(source_name, loc, problem);
    let mut sets: Vec<RuleSet> = Vec::with_capacity(raw.rule_set.len());
    let mut names = BTreeSet::new();
    for (i, spanned) in raw.rule_set.iter().enumerate() {
        let set_loc = at(toml_text, spanned, &format!("rule_set[{i}]"));
        let r = spanned.get_ref();
        let effective_from = toml_date(&r.effective_from)
            .map_err(|p| err(set_loc.clone(), format!("effective_from: {p}")))?;
        if r.name.trim().is_empty() {
            return Err(err(set_loc, "name may not be empty".into()));
        }
        if !names.insert(r.name.clone()) {
            return Err(err(set_loc, format!("name {:?} is used twice", r.name)));
        }
        let set = match sets.last() {
            None => base_set(toml_text, source_name, r, effective_from, &set_loc)?,
            Some(prev) => {
                if effective_from <= prev.effective_from {
                    return Err(err(
                        set_loc,
                        format!(
                            "effective_from {effective_from} must be after the previous set's {} \
                             (sets are listed in ascending date order, each date once)",
                            prev.effective_from
                        ),
                    ));
                }
                overlay_set(prev, r, effective_from)
            }
        };
        validate_rule_set(toml_text, source_name, spanned, &set, i)?;
        sets.push(set);
    }
    Ok(RuleBook { sets })
}

/// A TOML local date (`2022-12-01`, no time, no offset) as a `NaiveDate`.
pub(super) fn toml_date(d: &toml::value::Datetime) -> Result<NaiveDate, String> {
    match (d.date, d.time, d.offset) {
        (Some(date), None, None) => NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        )
        .ok_or_else(|| format!("{d} is not a calendar date")),
        _ => Err(format!(
            "{d} must be a plain date such as 2022-12-01, without a time"
        )),
    }
}

/// Builds the complete first set, requiring everything.
fn base_set(
    text: &str,
    source_name: &str,
    r: &RawRuleSet,
    effective_from: NaiveDate,
    set_loc: &str,
) -> Result<RuleSet, ConfigError> {
    let missing = |loc: &str, what: &str| {
        ConfigError::new(
            source_name,
            loc,
            format!("{what} is required in the first rule set (it is the complete base)"),
        )
    };
    let lookback_months = r
        .lookback_months
        .ok_or_else(|| missing(set_loc, "lookback_months"))?;
    let d = r
        .deadlines
        .as_ref()
        .ok_or_else(|| missing(set_loc, "[rule_set.deadlines]"))?;
    let dl = at(text, d, "deadlines");
    let dr = d.get_ref();
    let deadlines = Deadlines {
        crisis_days: dr.crisis_days.ok_or_else(|| missing(&dl, "crisis_days"))?,
        warm_handover_days: dr
            .warm_handover_days
            .ok_or_else(|| missing(&dl, "warm_handover_days"))?,
        default_days: dr
            .default_days
            .ok_or_else(|| missing(&dl, "default_days"))?,
        end_of_supply_margin_days: dr
            .end_of_supply_margin_days
            .ok_or_else(|| missing(&dl, "end_of_supply_margin_days"))?,
    };
    let absent: Vec<&str> = Sector::ALL
        .iter()
        .filter(|s| !r.sectors.contains_key(s))
        .map(|s| s.as_str())
        .collect();
    if !absent.is_empty() {
        return Err(ConfigError::new(
            source_name,
            set_loc,
            format!(
                "the first rule set must give every sector; missing: {}",
                absent.join(", ")
            ),
        ));
    }
    let mut sectors = BTreeMap::new();
    for (&sector, spanned) in &r.sectors {
        let loc = at(text, spanned, &format!("sectors.{sector}"));
        let s = spanned.get_ref();
        let rule = SectorRule {
            min_days: s.min_days.ok_or_else(|| missing(&loc, "min_days"))?,
            max_days: patch(None, s.max_days),
            updated_signal_after_days: patch(None, s.updated_signal_after_days),
            min_reminders: s
                .min_reminders
                .ok_or_else(|| missing(&loc, "min_reminders"))?,
            min_payment_term_days: patch(None, s.min_payment_term_days),
            require_personal_contact: s
                .require_personal_contact
                .ok_or_else(|| missing(&loc, "require_personal_contact"))?,
            require_pointed_to_debt_help: s
                .require_pointed_to_debt_help
                .ok_or_else(|| missing(&loc, "require_pointed_to_debt_help"))?,
            require_data_sharing_offered: s
                .require_data_sharing_offered
                .ok_or_else(|| missing(&loc, "require_data_sharing_offered"))?,
            min_amount: patch(None, s.min_amount),
            effective_from: super::checks::experiment_from(sector, s.effective_from.as_ref())
                .map_err(|p| ConfigError::new(source_name, loc.clone(), p))?,
        };
        sectors.insert(sector, rule);
    }
    Ok(RuleSet {
        effective_from,
        name: r.name.clone(),
        lookback_months,
        deadlines,
        sectors,
    })
}

/// Merges a later set's changes over the complete previous set.
fn overlay_set(prev: &RuleSet, r: &RawRuleSet, effective_from: NaiveDate) -> RuleSet {
    let mut set = prev.clone();
    set.effective_from = effective_from;
    set.name = r.name.clone();
    if let Some(l) = r.lookback_months {
        set.lookback_months = l;
    }
    if let Some(d) = &r.deadlines {
        let d = d.get_ref();
        let t = &mut set.deadlines;
        t.crisis_days = d.crisis_days.unwrap_or(t.crisis_days);
        t.warm_handover_days = d.warm_handover_days.unwrap_or(t.warm_handover_days);
        t.default_days = d.default_days.unwrap_or(t.default_days);
        t.end_of_supply_margin_days = d
            .end_of_supply_margin_days
            .unwrap_or(t.end_of_supply_margin_days);
    }
    for (sector, s) in &r.sectors {
        let s = s.get_ref();
        // The base set holds every sector, so the entry exists; `or_insert_with` only keeps the
        // code free of a panic path.
        let rule = set.sectors.entry(*sector).or_insert_with(|| SectorRule {
            min_days: 0,
            max_days: None,
            updated_signal_after_days: None,
            min_reminders: 0,
            min_payment_term_days: None,
            require_personal_contact: false,
            require_pointed_to_debt_help: false,
            require_data_sharing_offered: false,
            min_amount: None,
            effective_from: None,
        });
        rule.min_days = s.min_days.unwrap_or(rule.min_days);
        rule.max_days = patch(rule.max_days, s.max_days);
        rule.updated_signal_after_days =
            patch(rule.updated_signal_after_days, s.updated_signal_after_days);
        rule.min_reminders = s.min_reminders.unwrap_or(rule.min_reminders);
        rule.min_payment_term_days = patch(rule.min_payment_term_days, s.min_payment_term_days);
        rule.require_personal_contact = s
            .require_personal_contact
            .unwrap_or(rule.require_personal_contact);
        rule.require_pointed_to_debt_help = s
            .require_pointed_to_debt_help
            .unwrap_or(rule.require_pointed_to_debt_help);
        rule.require_data_sharing_offered = s
            .require_data_sharing_offered
            .unwrap_or(rule.require_data_sharing_offered);
        rule.min_amount = patch(rule.min_amount, s.min_amount);
        if let Some(d) = &s.effective_from
            && let Ok(d) = toml_date(d)
        {
            rule.effective_from = Some(d);
        }
    }
    set
}

/// Checks a complete (merged) set. Errors point at the set, or at the sector table in it when the
/// set itself wrote one, since a bad value may have been inherited from an earlier set.
fn validate_rule_set(
    text: &str,
    source_name: &str,
    spanned: &Spanned<RawRuleSet>,
    set: &RuleSet,
    i: usize,
) -> Result<(), ConfigError> {
    let set_loc = at(text, spanned, &format!("rule_set[{i}]"));
    let err = |loc: String, p: String| ConfigError::new(source_name, loc, p);
    if !(1..=MAX_LOOKBACK_MONTHS).contains(&set.lookback_months) {
        return Err(err(
            set_loc,
            format!(
                "lookback_months must be 1..={MAX_LOOKBACK_MONTHS}, got {}",
                set.lookback_months
            ),
        ));
    }
    let d = &set.deadlines;
    let dl = spanned.get_ref().deadlines.as_ref().map_or_else(
        || format!("{set_loc}deadlines: "),
        |s| at(text, s, &format!("rule_set[{i}].deadlines")),
    );
    for (key, v, min) in [
        ("crisis_days", d.crisis_days, 1),
        ("warm_handover_days", d.warm_handover_days, 1),
        ("default_days", d.default_days, 1),
        ("end_of_supply_margin_days", d.end_of_supply_margin_days, 0),
    ] {
        if !(min..=365).contains(&v) {
            return Err(err(dl, format!("{key} must be {min}..=365, got {v}")));
        }
    }
    // A crisis (imminent eviction or disconnection) may never wait longer than an ordinary case.
    if d.crisis_days > d.default_days {
        return Err(err(
            dl,
            format!(
                "crisis_days ({}) may not exceed default_days ({})",
                d.crisis_days, d.default_days
            ),
        ));
    }
    for (sector, rule) in &set.sectors {
        let loc = spanned.get_ref().sectors.get(sector).map_or_else(
            || format!("{set_loc}sectors.{sector} (inherited): "),
            |s| at(text, s, &format!("rule_set[{i}].sectors.{sector}")),
        );
        validate_sector_rule(rule).map_err(|p| err(loc, p))?;
    }
    Ok(())
}

/// One merged sector rule's consistency.
fn validate_sector_rule(r: &SectorRule) -> Result<(), String> {
    if r.min_days > MAX_DAYS {
        return Err(format!(
            "min_days must be at most {MAX_DAYS}, got {}",
            r.min_days
        ));
    }
    if let Some(max) = r.max_days
        && max < r.min_days
    {
        return Err(format!(
            "max_days ({max}) must be >= min_days ({}): the window would be empty",
            r.min_days
        ));
    }
    if let Some(u) = r.updated_signal_after_days
        && u <= r.min_days
    {
        return Err(format!(
            "updated_signal_after_days ({u}) must be > min_days ({}): an updated signal follows \
             the first one",
            r.min_days
        ));
    }
    if r.min_reminders > 20 {
        return Err(format!(
            "min_reminders must be at most 20, got {}",
            r.min_reminders
        ));
    }
    if let Some(t) = r.min_payment_term_days
        && !(1..=365).contains(&t)
    {
        return Err(format!("min_payment_term_days must be 1..=365, got {t}"));
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// Municipalities.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMunicipalities {
    defaults: Spanned<RawMunicipalityDefaults>,
    #[serde(default)]
    overrides: BTreeMap<String, Spanned<RawMunicipalityOverride>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMunicipalityDefaults {
    connected: bool,
    bundling_delay_hours: u32,
    retention_months: u32,
    min_amount: Option<Setting<Money>>,
    experiments: Vec<Sector>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMunicipalityOverride {
    /// Optional check that the code means the municipality the operator thinks it does.
    name: Option<String>,
    connected: Option<bool>,
    bundling_delay_hours: Option<u32>,
    retention_months: Option<u32>,
    min_amount: Option<Setting<Money>>,
    experiments: Option<Vec<Sector>>,
}

/// A week: longer bundling would hold statutory signals back for no good reason.
const MAX_BUNDLING_DELAY_HOURS: u32 = 168;
/// Retention beyond two years is not defensible under AVG data minimisation.
const MAX_RETENTION_MONTHS: u32 = 24;
/// The statutory look-back (RULES.md §3): retention is never shorter.
const LOOKBACK_MONTHS: u32 = 6;

/// Parses the municipality list (`config/data/gemeenten.csv`, CBS) and the registry choices
/// (`config/municipalities.toml`: defaults and per-municipality overrides).
///
/// Every municipality in the CSV gets the `[defaults]`; an `[overrides."0363"]` table (code
/// written `0363` or `GM0363`) changes the keys it names, and its `experiments` list replaces the
/// default list. An override for a code that is not in the CSV is an error, as is a code given
/// twice in two spellings.
pub fn parse_municipalities(
    gemeenten_csv_name: &str,
    gemeenten_csv: &str,
    registry_name: &str,
    registry_toml: &str,
) -> Result<MunicipalityRegistry, ConfigError> {
    let names = parse_gemeenten_csv(gemeenten_csv_name, gemeenten_csv)?;
    let raw: RawMunicipalities = toml::from_str(registry_toml)
        .map_err(|e| ConfigError::from_toml(registry_name, registry_toml, &e))?;
    let err = |loc: String, p: String| ConfigError::new(registry_name, loc, p);

    let dl = at(registry_toml, &raw.defaults, "defaults");
    let d = raw.defaults.get_ref();
    let default_experiments: BTreeSet<Sector> = d.experiments.iter().copied().collect();
    validate_choices(
        &default_experiments,
        d.bundling_delay_hours,
        d.retention_months,
    )
    .map_err(|p| err(dl, p))?;

    let mut by_code: BTreeMap<Gemeentecode, Municipality> = names
        .iter()
        .map(|(&code, name)| {
            let m = Municipality {
                code,
                name: name.clone(),
                connected: d.connected,
                min_amount: patch(None, d.min_amount),
                experiments: default_experiments.clone(),
                bundling_delay_hours: d.bundling_delay_hours,
                retention_months: d.retention_months,
            };
            (code, m)
        })
        .collect();

    let mut seen: HashMap<Gemeentecode, &str> = HashMap::new();
    for (key, spanned) in &raw.overrides {
        let loc = at(registry_toml, spanned, &format!("overrides.\"{key}\""));
        let code: Gemeentecode = key
            .parse()
            .map_err(|e: crate::ValueError| err(loc.clone(), e.to_string()))?;
        if let Some(other) = seen.insert(code, key) {
            return Err(err(
                loc,
                format!("municipality {code} is overridden twice (as {other:?} and {key:?})"),
            ));
        }
        let Some(m) = by_code.get_mut(&code) else {
            return Err(err(
                loc,
                format!("municipality {code} is not in {gemeenten_csv_name}"),
            ));
        };
        let o = spanned.get_ref();
        if let Some(n) = &o.name
            && n.trim() != m.name
        {
            return Err(err(
                loc,
                format!(
                    "name {n:?} does not match {gemeenten_csv_name}, which calls {code} {:?}",
                    m.name
                ),
            ));
        }
        m.connected = o.connected.unwrap_or(m.connected);
        m.bundling_delay_hours = o.bundling_delay_hours.unwrap_or(m.bundling_delay_hours);
        m.retention_months = o.retention_months.unwrap_or(m.retention_months);
        m.min_amount = patch(m.min_amount, o.min_amount);
        if let Some(e) = &o.experiments {
            m.experiments = e.iter().copied().collect();
        }
        validate_choices(&m.experiments, m.bundling_delay_hours, m.retention_months)
            .map_err(|p| err(loc, p))?;
    }
    Ok(MunicipalityRegistry { by_code })
}

/// One municipality's (or the defaults') choices.
fn validate_choices(
    experiments: &BTreeSet<Sector>,
    bundling_delay_hours: u32,
    retention_months: u32,
) -> Result<(), String> {
    if let Some(s) = experiments
        .iter()
        .find(|s| s.legal_basis() != LegalBasis::Experiment)
    {
        return Err(format!(
            "experiments: {s} is not a Wgs art. 10 experiment (only DUO, BELASTINGDIENST, \
             TOESLAGEN); statutory sectors need no opt-in"
        ));
    }
    if bundling_delay_hours > MAX_BUNDLING_DELAY_HOURS {
        return Err(format!(
            "bundling_delay_hours must be 0..={MAX_BUNDLING_DELAY_HOURS}, got {bundling_delay_hours}"
        ));
    }
    if retention_months < LOOKBACK_MONTHS {
        return Err(format!(
            "retention_months = {retention_months} is shorter than the {LOOKBACK_MONTHS}-month \
             look-back (RULES.md §3, §6): OPEENVOLGEND and \"al bekend\" would be lost; \
             set it to at least {LOOKBACK_MONTHS}"
        ));
    }
    if retention_months > MAX_RETENTION_MONTHS {
        return Err(format!(
            "retention_months must be {LOOKBACK_MONTHS}..={MAX_RETENTION_MONTHS}, got {retention_months}"
        ));
    }
    Ok(())
}

/// Reads `gemeenten.csv` (`code,name,...`, columns found by name) into code -> name.
pub fn parse_gemeenten_csv(
    source_name: &str,
    csv: &str,
) -> Result<BTreeMap<Gemeentecode, String>, ConfigError> {
    let mut rows = csv_text::rows(csv, b',');
    let unreadable = |p: String| ConfigError::new(source_name, "", p);
    let Some((hl, header)) = rows.next_row().map_err(unreadable)? else {
        return Err(ConfigError::new(source_name, "", "the file is empty"));
    };
    let cols = csv_text::header_names(header);
    let find = |name: &str| {
        cols.iter().position(|c| c == name).ok_or_else(|| {
            ConfigError::new(
                source_name,
                format!("line {hl}: "),
                format!("header has no column {name:?} (expected code,name,...)"),
            )
        })
    };
    let (code_col, name_col) = (find("code")?, find("name")?);
    let mut out = BTreeMap::new();
    while let Some((n, record)) = rows.next_row().map_err(unreadable)? {
        let e = |p: String| ConfigError::new(source_name, format!("line {n}: "), p);
        if record.len() != cols.len() {
            return Err(e(format!(
                "expected {} fields, found {}",
                cols.len(),
                record.len()
            )));
        }
        let code: Gemeentecode = csv_text::value(record, code_col)
            .parse()
            .map_err(|err: crate::ValueError| e(err.to_string()))?;
        let name = csv_text::value(record, name_col);
        if name.is_empty() {
            return Err(e(format!("municipality {code} has no name")));
        }
        if out.insert(code, name.to_owned()).is_some() {
            return Err(e(format!("municipality {code} is listed twice")));
        }
    }
    if out.is_empty() {
        return Err(ConfigError::new(
            source_name,
            "",
            "no municipalities listed",
        ));
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------------
// Creditors.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCreditors {
    allow_unregistered: bool,
    #[serde(default)]
    creditor: Vec<Spanned<RawCreditor>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCreditor {
    id: String,
    name: String,
    sector: Sector,
}

/// The longest creditor id: the contract's limit for `creditor_id`.
const MAX_CREDITOR_ID: usize = 64;

/// Parses `config/creditors.toml`: `allow_unregistered` and `[[creditor]]` tables with `id`,
/// `name` and `sector`. Ids must be safe as a Kafka topic suffix (letters, digits, `-_.`, at most
/// 64) and distinct, also after Kafka's own folding (see below).
pub fn parse_creditors(
    source_name: &str,
    toml_text: &str,
) -> Result<CreditorRegistry, ConfigError> {
    let raw: RawCreditors = toml::from_str(toml_text)
        .map_err(|e| ConfigError::from_toml(source_name, toml_text, &e))?;
    let mut by_id = BTreeMap::new();
    // Kafka warns that topic names differing only in '.' versus '_' collide in its metric names,
    // and case-only differences collide on case-insensitive file systems: such ids would give two
    // creditors one status topic in practice, so they count as duplicates.
    let mut folded: HashMap<String, String> = HashMap::new();
    for (i, spanned) in raw.creditor.iter().enumerate() {
        let c = spanned.get_ref();
        let loc = at(toml_text, spanned, &format!("creditor[{i}] ({:?})", c.id));
        let err = |p: String| ConfigError::new(source_name, loc.clone(), p);
        let id_ok = !c.id.is_empty()
            && c.id.len() <= MAX_CREDITOR_ID
            && c.id
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'));
        if !id_ok {
            return Err(err(format!(
                "id must be 1 to {MAX_CREDITOR_ID} letters, digits, '-', '_' or '.' (it becomes \
                 part of a Kafka topic name), got {:?}",
                c.id
            )));
        }
        if c.name.trim().is_empty() {
            return Err(err("name may not be empty".into()));
        }
        let key = c.id.to_ascii_lowercase().replace('.', "_");
        if let Some(other) = folded.insert(key, c.id.clone()) {
            return Err(err(if other == c.id {
                format!("creditor id {:?} is listed twice", c.id)
            } else {
                format!(
                    "creditor id {:?} collides with {other:?} (Kafka topic names may not differ \
                     only in case or in '.' versus '_')",
                    c.id
                )
            }));
        }
        by_id.insert(
            c.id.clone(),
            Creditor {
                creditor_id: c.id.clone(),
                name: c.name.trim().to_owned(),
                sector: c.sector,
            },
        );
    }
    Ok(CreditorRegistry {
        by_id,
        allow_unregistered: raw.allow_unregistered,
    })
}
