//! Parsing and validating configuration from text (TOML/CSV). Pure: the caller reads the files.
//!
//! Every error names the file, the place in it and what is wrong, so an operator can fix a
//! config without reading code.

use thiserror::Error;

use crate::config::{CreditorRegistry, MunicipalityRegistry, RuleBook};

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
}

/// Parses `config/rules.toml`: rule sets with `effective_from`, each later set overriding the one
/// before it. Returns complete, validated rule sets in date order.
pub fn parse_rule_book(source_name: &str, toml_text: &str) -> Result<RuleBook, ConfigError> {
    let _ = toml_text;
    Err(ConfigError::new(source_name, "", "not yet implemented"))
}

/// Parses the municipality list (`config/data/gemeenten.csv`, CBS) and the registry choices
/// (`config/municipalities.toml`: defaults and per-municipality overrides).
pub fn parse_municipalities(
    gemeenten_csv_name: &str,
    gemeenten_csv: &str,
    registry_name: &str,
    registry_toml: &str,
) -> Result<MunicipalityRegistry, ConfigError> {
    let _ = (gemeenten_csv, registry_toml, registry_name);
    Err(ConfigError::new(
        gemeenten_csv_name,
        "",
        "not yet implemented",
    ))
}

/// Parses `config/creditors.toml`.
pub fn parse_creditors(
    source_name: &str,
    toml_text: &str,
) -> Result<CreditorRegistry, ConfigError> {
    let _ = toml_text;
    Err(ConfigError::new(source_name, "", "not yet implemented"))
}
