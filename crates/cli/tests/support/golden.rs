//! Golden cases: `tests/golden/<case>/{events.jsonl, expected.jsonl, case.toml}`.
//!
//! `case.toml` is optional. It sets the simulated end time and adjusts the shipped configuration
//! for this case only, so a case can say "Rotterdam is not connected" or "Den Haag's threshold is
//! EUR 100" without a config file of its own:
//!
//! ```toml
//! now = "2026-11-01"            # --now (RFC 3339 or a date); default: the last event's time
//! allow_unregistered_creditors = true
//!
//! [municipalities."0599"]       # any field may be left out
//! connected = false
//! min_amount = "100.00"
//! experiments = ["DUO", "BELASTINGDIENST"]
//! bundling_delay_hours = 0
//! retention_months = 6
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use thiserror::Error;
use vroeg_domain::contract::money::Money;
use vroeg_domain::contract::municipality::Gemeentecode;
use vroeg_domain::contract::sector::Sector;

use vroegsignaal::config::AppConfig;
use vroegsignaal::simulate::parse_time;

/// A `case.toml` that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("case.toml: {0}")]
pub struct CaseError(pub String);

/// Overrides of one municipality's registry entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityOverride {
    /// Has asked for signals.
    pub connected: Option<bool>,
    /// `drempelbedrag`.
    pub min_amount: Option<Money>,
    /// Experiment sectors.
    pub experiments: Option<BTreeSet<Sector>>,
    /// Bundling delay.
    pub bundling_delay_hours: Option<u32>,
    /// Retention.
    pub retention_months: Option<u32>,
}

/// The contents of `case.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// The simulated end time.
    pub now: Option<String>,
    /// Whether creditors missing from the registry may signal.
    pub allow_unregistered_creditors: Option<bool>,
    /// Per municipality code (`"0599"` or `"GM0599"`).
    #[serde(default)]
    pub municipalities: BTreeMap<String, MunicipalityOverride>,
}

impl CaseFile {
    /// Parses `case.toml`.
    pub fn parse(text: &str) -> Result<CaseFile, CaseError> {
        toml::from_str(text).map_err(|e| {
            CaseError(
                e.to_string()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
    }

    /// The `now` it sets, if any.
    pub fn now(&self) -> Result<Option<DateTime<Utc>>, CaseError> {
        self.now
            .as_deref()
            .map(parse_time)
            .transpose()
            .map_err(CaseError)
    }

    /// Applies the overrides to a loaded configuration.
    pub fn apply(&self, cfg: &mut AppConfig) -> Result<(), CaseError> {
        if let Some(allow) = self.allow_unregistered_creditors {
            Arc::make_mut(&mut cfg.data).creditors.allow_unregistered = allow;
        }
        for (code, o) in &self.municipalities {
            let parsed: Gemeentecode = code
                .parse()
                .map_err(|e| CaseError(format!("municipalities.{code}: {e}")))?;
            let m = Arc::make_mut(&mut cfg.data)
                .municipalities
                .by_code
                .get_mut(&parsed)
                .ok_or_else(|| {
                    CaseError(format!(
                        "municipalities.{code}: not in the municipality list"
                    ))
                })?;
            if let Some(c) = o.connected {
                m.connected = c;
            }
            if let Some(a) = o.min_amount {
                m.min_amount = Some(a);
            }
            if let Some(e) = &o.experiments {
                m.experiments = e.clone();
            }
            if let Some(h) = o.bundling_delay_hours {
                m.bundling_delay_hours = h;
            }
            if let Some(r) = o.retention_months {
                m.retention_months = r;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_case() {
        let c = CaseFile::parse(
            r#"
            now = "2026-11-01"
            [municipalities."GM0599"]
            connected = false
            min_amount = "100.00"
            experiments = ["DUO"]
            bundling_delay_hours = 0
            "#,
        )
        .unwrap();
        assert_eq!(
            c.now().unwrap().unwrap().to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        let o = &c.municipalities["GM0599"];
        assert_eq!(o.connected, Some(false));
        assert_eq!(o.min_amount.map(|m| m.cents()), Some(10_000));
        assert_eq!(o.experiments.as_ref().map(BTreeSet::len), Some(1));
        assert!(CaseFile::parse("nu = 1").is_err());
        assert!(CaseFile::parse("[municipalities.\"0599\"]\nmin_amount = 5.5").is_err());
    }
}

/// The case directories under the workspace's `tests/golden/` (those with an `events.jsonl`),
/// sorted.
pub fn case_dirs() -> Vec<std::path::PathBuf> {
    let root = vroeg_testkit::workspace_dir().join("tests/golden");
    let mut dirs: Vec<std::path::PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("events.jsonl").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// One golden case, ready to simulate: its events, its `now`, and the shipped configuration with
/// the case's overrides, no environment overrides and the development key (a case means the
/// same on every machine).
#[derive(Debug)]
pub struct GoldenCase {
    /// The directory's name.
    pub name: String,
    /// `events.jsonl`.
    pub events: Vec<u8>,
    /// `now` of `case.toml`.
    pub now: Option<DateTime<Utc>>,
    /// The configuration.
    pub cfg: AppConfig,
}

impl GoldenCase {
    /// Loads the case in `dir`; what is wrong with it, as text.
    pub fn load(dir: &std::path::Path) -> Result<GoldenCase, String> {
        let events =
            std::fs::read(dir.join("events.jsonl")).map_err(|e| format!("events.jsonl: {e}"))?;
        let case = match std::fs::read_to_string(dir.join("case.toml")) {
            Ok(text) => CaseFile::parse(&text).map_err(|e| e.to_string())?,
            Err(_) => CaseFile::default(),
        };
        let mut cfg = AppConfig::load(
            &super::config_file(),
            &vroegsignaal::config::Env::default(),
            vroegsignaal::config::KeyPolicy::DevelopmentFallback,
        )
        .map_err(|e| e.to_string())?;
        case.apply(&mut cfg).map_err(|e| e.to_string())?;
        Ok(GoldenCase {
            name: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            events,
            now: case.now().map_err(|e| e.to_string())?,
            cfg,
        })
    }
}
