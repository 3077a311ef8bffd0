//! Checks across configuration files and of settings that would make the rules impossible to
//! keep (issue #8): a retention shorter than the look-back, an experiment without a date.

use chrono::NaiveDate;

use super::config_load::ConfigError;
use super::{MunicipalityRegistry, RuleBook};
use crate::contract::sector::{LegalBasis, Sector};

/// Checks the registry against the rule book: no municipality may keep data for less than the
/// longest look-back of any rule set (RULES.md §6: a shorter setting is a configuration error).
pub fn check_retention_covers_lookback(
    source_name: &str,
    rules: &RuleBook,
    municipalities: &MunicipalityRegistry,
) -> Result<(), ConfigError> {
    let Some(lookback) = rules.sets.iter().map(|s| s.lookback_months).max() else {
        return Ok(());
    };
    match municipalities
        .by_code
        .values()
        .find(|m| m.retention_months < lookback)
    {
        Some(m) => Err(ConfigError::new(
            source_name,
            format!("overrides.\"{}\"", m.code),
            format!(
                "retention_months = {} is shorter than the rule book's look-back of {lookback} \
                 months (RULES.md §6); set it to at least {lookback}",
                m.retention_months
            ),
        )),
        None => Ok(()),
    }
}

/// The `effective_from` of an experiment sector in the base set: required for experiments,
/// refused for every other sector (RULES.md §1: experiments have dates).
pub(super) fn experiment_from(
    sector: Sector,
    effective_from: Option<&toml::value::Datetime>,
) -> Result<Option<NaiveDate>, String> {
    match (
        sector.legal_basis() == LegalBasis::Experiment,
        effective_from,
    ) {
        (true, None) => Err(format!(
            "{sector} is a Wgs art. 10 experiment and needs `effective_from` (the day its \
             regulation took effect): without it, events from before the experiment existed \
             would become signals"
        )),
        (true, Some(d)) => super::config_load::toml_date(d)
            .map(Some)
            .map_err(|p| format!("effective_from: {p}")),
        (false, Some(_)) => Err(format!(
            "effective_from is only for experiment sectors (DUO, BELASTINGDIENST, TOESLAGEN), \
             not {sector}; a statutory rule changes with a new [[rule_set]]"
        )),
        (false, None) => Ok(None),
    }
}
