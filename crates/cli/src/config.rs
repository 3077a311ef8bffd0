//! Loading `config/vroegsignaal.toml` and everything it names.
//!
//! The file is small: where the rule book, registries and routing data live, the pseudonymisation
//! key id (and optionally a key file), and the Kafka settings the engine will read. Paths are
//! relative to the config file's own directory, so `--config /etc/vroeg/vroegsignaal.toml` works
//! from any working directory.
//!
//! Every setting can be overridden from the environment as `VROEGSIGNAAL__<SECTION>__<KEY>`
//! (double underscores; section and key case-insensitive), e.g.
//! `VROEGSIGNAAL__KAFKA__PARTITIONS=24`; a librdkafka property of `[kafka.client]` as
//! `VROEGSIGNAAL__KAFKA__CLIENT__<PROPERTY>` with `_` for `.` (`..._SASL_PASSWORD` sets
//! `sasl.password`). `VROEGSIGNAAL_BROKERS` overrides `kafka.brokers` and the
//! key itself only ever comes from `VROEGSIGNAAL_PSEUDONYM_KEY` or the key file, never from the
//! config file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use thiserror::Error;
use vroeg_domain::config::config_load::{self, ConfigError};
use vroeg_domain::config::routing::RoutingTable;
use vroeg_domain::config::routing_load;
use vroeg_domain::contract::pseudonym::PseudonymKey;
use vroeg_domain::rules::{RuleContext, RuleData};
use vroeg_engine::EngineSettings;
use vroeg_kafka::{ClientSettings, Topics};

/// The config file used when `--config` is not given.
pub const DEFAULT_CONFIG_PATH: &str = "config/vroegsignaal.toml";
/// Prefix of the per-setting environment overrides.
pub const ENV_OVERRIDE_PREFIX: &str = "VROEGSIGNAAL__";
/// Environment variable with the broker list.
pub const ENV_BROKERS: &str = "VROEGSIGNAAL_BROKERS";
/// Environment variable with the pseudonymisation key (hex, at least 32 bytes).
pub const ENV_PSEUDONYM_KEY: &str = "VROEGSIGNAAL_PSEUDONYM_KEY";

/// A configuration problem, naming the file (or environment variable) it is in.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{source_name}: {problem}")]
pub struct ConfigFileError {
    /// The file or variable.
    pub source_name: String,
    /// What is wrong.
    pub problem: String,
}

impl ConfigFileError {
    fn new(source_name: impl Into<String>, problem: impl Into<String>) -> Self {
        ConfigFileError {
            source_name: source_name.into(),
            problem: problem.into(),
        }
    }
}

impl From<ConfigError> for ConfigFileError {
    fn from(e: ConfigError) -> Self {
        ConfigFileError::new(e.source_name, format!("{}{}", e.location, e.problem))
    }
}

/// `[rules]`: the rule book and registries.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesSection {
    /// Rule sets with effective dates.
    pub rules: PathBuf,
    /// Municipality registry: connected, thresholds, experiments, bundling, retention.
    pub municipalities: PathBuf,
    /// Creditor registry.
    pub creditors: PathBuf,
}

/// `[data]`: reference data.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSection {
    /// CBS municipality list.
    pub gemeenten: PathBuf,
    /// CBS PC4 -> municipality table.
    pub pc4_gemeente: PathBuf,
    /// Optional exact address table written by `vroegsignaal import-pc6hnr`.
    #[serde(default)]
    pub exact_addresses: Option<PathBuf>,
}

/// `[pseudonym]`: which key names the households.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PseudonymSection {
    /// Key id, part of every household id (1–8 lower-case letters or digits).
    pub key_id: String,
    /// A file holding the key as hex; `VROEGSIGNAAL_PSEUDONYM_KEY` wins over it.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
}

/// `[kafka]`: brokers, topic prefix and client properties of every client the binary makes.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaSection {
    /// `HOST:PORT[,..]`; `VROEGSIGNAAL_BROKERS` wins.
    #[serde(default = "default_brokers")]
    pub brokers: String,
    /// Prefix of every topic name.
    #[serde(default = "default_topic_prefix")]
    pub topic_prefix: String,
    /// Partitions of the topics the pipeline creates.
    #[serde(default = "default_partitions")]
    pub partitions: u32,
    /// `[kafka.client]`: extra librdkafka properties (TLS, SASL, timeouts), set on every client
    /// (`run`, `publish`, `tasks`, `feedback`, `status`, `report`, `demo`) after vroegsignaal's
    /// own. Values may be secrets: never logged, `Debug` shows the names only.
    #[serde(default)]
    pub client: BTreeMap<String, String>,
}

impl std::fmt::Debug for KafkaSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaSection")
            .field("brokers", &self.brokers)
            .field("topic_prefix", &self.topic_prefix)
            .field("partitions", &self.partitions)
            .field("client", &self.client.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl KafkaSection {
    /// The client settings of every client the binary makes: brokers and `[kafka.client]`.
    pub fn client_settings(&self) -> ClientSettings {
        ClientSettings::new(&self.brokers).with_extra(self.client.clone())
    }

    /// The topic names under `topic_prefix`.
    pub fn topics(&self) -> Topics {
        Topics::new(&self.topic_prefix)
    }
}

fn default_brokers() -> String {
    "127.0.0.1:9092".to_owned()
}
fn default_topic_prefix() -> String {
    "vroeg.".to_owned()
}
fn default_partitions() -> u32 {
    12
}

impl Default for KafkaSection {
    fn default() -> Self {
        KafkaSection {
            brokers: default_brokers(),
            topic_prefix: default_topic_prefix(),
            partitions: default_partitions(),
            client: BTreeMap::new(),
        }
    }
}

/// The contents of `vroegsignaal.toml` after environment overrides, paths not yet resolved.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Rule book and registries.
    pub rules: RulesSection,
    /// Reference data.
    pub data: DataSection,
    /// Pseudonymisation.
    pub pseudonym: PseudonymSection,
    /// Kafka.
    #[serde(default)]
    pub kafka: KafkaSection,
    /// The streaming engine (`run`); its defaults are [`EngineSettings::default`].
    #[serde(default)]
    pub engine: EngineSettings,
    /// The DDAS report (`report ddas`) and its store.
    #[serde(default)]
    pub report: ReportSection,
}

/// `[report]`: who delivers the DDAS report, and how long the reporting store keeps records.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportSection {
    /// DDAS `codeGegevensleverancier`: the code CBS knows the software supplier or host by.
    /// Required by `report ddas`; empty means not configured.
    pub supplier_code: String,
    /// `retention.ms` of the `report.<gemeentecode>` topics, in days (`compact,delete`).
    pub retention_days: u32,
    /// Per municipality (`"0518"` or `"GM0518"`): DDAS `aanleverendeOrganisatie`. Without an
    /// entry the organisation is named `Gemeente <name>` from the registry.
    pub organisations: BTreeMap<String, OrganisationConfig>,
}

impl Default for ReportSection {
    fn default() -> Self {
        ReportSection {
            supplier_code: String::new(),
            retention_days: 400,
            organisations: BTreeMap::new(),
        }
    }
}

/// `[report.organisations."<code>"]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OrganisationConfig {
    /// Name; default `Gemeente <name>`.
    pub naam: Option<String>,
    /// KvK number.
    pub kvk_nummer: Option<String>,
    /// Contact persons (at least one if any are given).
    pub contactpersonen: Vec<ContactpersoonConfig>,
}

/// One contact person of the delivering organisation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContactpersoonConfig {
    /// Name.
    pub naam: Option<String>,
    /// Phone.
    pub telefoonnummer: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Job title.
    pub functietitel: Option<String>,
}

/// A snapshot of the environment variables that matter, so loading is testable without touching
/// the process environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env(BTreeMap<String, String>);

impl Env {
    /// The `VROEGSIGNAAL*` variables of this process.
    pub fn from_process() -> Self {
        Env(std::env::vars()
            .filter(|(k, _)| k.starts_with("VROEGSIGNAAL"))
            .collect())
    }

    /// From explicit pairs (tests).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Env(pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect())
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}

/// The config file read and overridden, with the directory its paths are relative to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The file that was read.
    pub path: PathBuf,
    /// Its contents.
    pub file: FileConfig,
}

impl Settings {
    /// Reads `path` and applies the environment overrides.
    pub fn load(path: &Path, env: &Env) -> Result<Settings, ConfigFileError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigFileError::new(&name, format!("cannot read: {e}")))?;
        let mut table: toml::Table = toml::from_str(&text)
            .map_err(|e| ConfigFileError::new(&name, one_line(&e.to_string())))?;
        apply_overrides(&mut table, env)?;
        let mut file: FileConfig = table
            .try_into()
            .map_err(|e: toml::de::Error| ConfigFileError::new(&name, one_line(&e.to_string())))?;
        if let Some(brokers) = env.get(ENV_BROKERS) {
            file.kafka.brokers = brokers.to_owned();
        }
        Ok(Settings {
            path: path.to_owned(),
            file,
        })
    }

    /// A path from the config file, made relative to the config file's directory.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        match self.path.parent() {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p.to_owned(),
        }
    }

    /// Reads a file the config names, with an error that names it.
    pub fn read(&self, p: &Path) -> Result<(String, String), ConfigFileError> {
        let full = self.resolve(p);
        let name = full.display().to_string();
        let text = std::fs::read_to_string(&full)
            .map_err(|e| ConfigFileError::new(&name, format!("cannot read: {e}")))?;
        Ok((name, text))
    }
}

/// TOML errors span several lines (a source excerpt); the CLI's contract is one line on stderr.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Applies `VROEGSIGNAAL__SECTION__KEY=value` overrides to the parsed file. The value keeps the
/// type of the setting it replaces (a number stays a number); a new setting is a number or
/// boolean when it reads as one, text otherwise.
pub fn apply_overrides(table: &mut toml::Table, env: &Env) -> Result<(), ConfigFileError> {
    for (var, value) in &env.0 {
        let Some(rest) = var.strip_prefix(ENV_OVERRIDE_PREFIX) else {
            continue;
        };
        let Some((section, key)) = rest.split_once("__") else {
            return Err(ConfigFileError::new(
                var,
                "expected VROEGSIGNAAL__<SECTION>__<KEY>",
            ));
        };
        let (section, key) = (section.to_ascii_lowercase(), key.to_ascii_lowercase());
        if section == "kafka"
            && let Some(property) = key.strip_prefix("client__")
        {
            set_client_property(table, var, property, value)?;
            continue;
        }
        let entry = table
            .entry(section.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let toml::Value::Table(sec) = entry else {
            return Err(ConfigFileError::new(
                var,
                format!("[{section}] is not a section"),
            ));
        };
        let typed = match sec.get(&key) {
            Some(toml::Value::String(_)) => toml::Value::String(value.clone()),
            Some(toml::Value::Integer(_)) => value
                .trim()
                .parse::<i64>()
                .map(toml::Value::Integer)
                .map_err(|_| {
                    ConfigFileError::new(var, format!("{section}.{key} must be a whole number"))
                })?,
            Some(toml::Value::Boolean(_)) => value
                .trim()
                .parse::<bool>()
                .map(toml::Value::Boolean)
                .map_err(|_| {
                    ConfigFileError::new(var, format!("{section}.{key} must be true or false"))
                })?,
            _ => guess_value(value),
        };
        sec.insert(key, typed);
    }
    Ok(())
}

/// `VROEGSIGNAAL__KAFKA__CLIENT__SASL_PASSWORD=...` → `[kafka.client] "sasl.password" = "..."`
/// (always text, as librdkafka takes every property).
fn set_client_property(
    table: &mut toml::Table,
    var: &str,
    property: &str,
    value: &str,
) -> Result<(), ConfigFileError> {
    let name = property.replace('_', ".");
    if name.is_empty() {
        return Err(ConfigFileError::new(
            var,
            "expected VROEGSIGNAAL__KAFKA__CLIENT__<PROPERTY>",
        ));
    }
    let kafka = table
        .entry("kafka")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let toml::Value::Table(kafka) = kafka else {
        return Err(ConfigFileError::new(var, "[kafka] is not a section"));
    };
    let client = kafka
        .entry("client")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let toml::Value::Table(client) = client else {
        return Err(ConfigFileError::new(var, "[kafka.client] is not a table"));
    };
    client.insert(name, toml::Value::String(value.to_owned()));
    Ok(())
}

fn guess_value(value: &str) -> toml::Value {
    let t = value.trim();
    if let Ok(i) = t.parse::<i64>() {
        toml::Value::Integer(i)
    } else if let Ok(b) = t.parse::<bool>() {
        toml::Value::Boolean(b)
    } else {
        toml::Value::String(value.to_owned())
    }
}

/// What to do when no pseudonymisation key is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPolicy {
    /// Refuse to start (`run`).
    Required,
    /// Use [`PseudonymKey::development`] (`simulate`, `demo`); the caller says so on stderr.
    DevelopmentFallback,
}

/// Where the key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `VROEGSIGNAAL_PSEUDONYM_KEY`.
    Environment,
    /// The key file.
    File(PathBuf),
    /// The public development key: pseudonyms protect nothing.
    Development,
}

/// Everything the rules need, loaded and validated.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The config file's contents.
    pub settings: Settings,
    /// Rule book, registries, routing tables and key: loaded once, shared by every stage
    /// (`Arc::make_mut` for a test that adjusts them).
    pub data: Arc<RuleData>,
    /// Where the key came from.
    pub key_source: KeySource,
}

impl AppConfig {
    /// Loads the config file at `path` and every file it names.
    pub fn load(path: &Path, env: &Env, policy: KeyPolicy) -> Result<AppConfig, ConfigFileError> {
        let settings = Settings::load(path, env)?;
        let f = &settings.file;

        let (name, text) = settings.read(&f.rules.rules)?;
        let rules = config_load::parse_rule_book(&name, &text)?;

        let (gname, gtext) = settings.read(&f.data.gemeenten)?;
        let (mname, mtext) = settings.read(&f.rules.municipalities)?;
        let municipalities = config_load::parse_municipalities(&gname, &gtext, &mname, &mtext)?;
        config_load::check_retention_covers_lookback(&mname, &rules, &municipalities)?;

        let (name, text) = settings.read(&f.rules.creditors)?;
        let creditors = config_load::parse_creditors(&name, &text)?;

        let (name, text) = settings.read(&f.data.pc4_gemeente)?;
        let mut routing = RoutingTable {
            pc4: routing_load::parse_pc4_table(&name, &text)?,
            ..RoutingTable::default()
        };
        if let Some(p) = &f.data.exact_addresses {
            let (name, text) = settings.read(p)?;
            routing.exact = routing_load::parse_exact_table(&name, &text)?;
        }

        let (key, key_source) = load_key(&settings, env, policy)?;
        Ok(AppConfig {
            settings,
            data: Arc::new(RuleData {
                rules,
                municipalities,
                creditors,
                routing,
                key,
            }),
            key_source,
        })
    }

    /// The borrowed view the rules read.
    pub fn context(&self) -> RuleContext<'_> {
        self.data.context()
    }
}

/// Finds the pseudonymisation key: environment first, then the key file, then the policy.
pub fn load_key(
    settings: &Settings,
    env: &Env,
    policy: KeyPolicy,
) -> Result<(PseudonymKey, KeySource), ConfigFileError> {
    let id = &settings.file.pseudonym.key_id;
    if let Some(hex) = env.get(ENV_PSEUDONYM_KEY) {
        // Never echo the value: it is the secret.
        let key = PseudonymKey::from_hex(id, hex)
            .map_err(|e| ConfigFileError::new(ENV_PSEUDONYM_KEY, e.to_string()))?;
        return Ok((key, KeySource::Environment));
    }
    if let Some(p) = &settings.file.pseudonym.key_file {
        let (name, text) = settings.read(p)?;
        let key = PseudonymKey::from_hex(id, &text)
            .map_err(|e| ConfigFileError::new(&name, e.to_string()))?;
        return Ok((key, KeySource::File(settings.resolve(p))));
    }
    match policy {
        KeyPolicy::DevelopmentFallback => Ok((PseudonymKey::development(), KeySource::Development)),
        KeyPolicy::Required => Err(ConfigFileError::new(
            settings.path.display().to_string(),
            format!("no pseudonymisation key: set {ENV_PSEUDONYM_KEY} or pseudonym.key_file"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        [rules]
        rules = "rules.toml"
        municipalities = "municipalities.toml"
        creditors = "creditors.toml"
        [data]
        gemeenten = "data/gemeenten.csv"
        pc4_gemeente = "data/pc4_gemeente.csv"
        [pseudonym]
        key_id = "k1"
        [kafka]
        partitions = 6
    "#;

    fn table() -> toml::Table {
        toml::from_str(MINIMAL).unwrap()
    }

    #[test]
    fn overrides_keep_types_and_add_settings() {
        let mut t = table();
        let env = Env::from_pairs([
            ("VROEGSIGNAAL__KAFKA__PARTITIONS", "24"),
            ("VROEGSIGNAAL__pseudonym__key_id", "12345"),
            ("VROEGSIGNAAL__DATA__EXACT_ADDRESSES", "data/exact.csv"),
            ("VROEGSIGNAAL_BROKERS", "ignored-here:9092"),
        ]);
        apply_overrides(&mut t, &env).unwrap();
        let f: FileConfig = t.try_into().unwrap();
        assert_eq!(f.kafka.partitions, 24);
        // A numeric-looking override of a text setting stays text.
        assert_eq!(f.pseudonym.key_id, "12345");
        assert_eq!(
            f.data.exact_addresses,
            Some(PathBuf::from("data/exact.csv"))
        );
        assert_eq!(f.kafka.topic_prefix, "vroeg.");
    }

    #[test]
    fn client_properties_come_from_the_file_and_the_environment() {
        let mut t: toml::Table = toml::from_str(&format!(
            "{MINIMAL}\n[kafka.client]\n\"security.protocol\" = \"SASL_SSL\"\n"
        ))
        .unwrap();
        let env = Env::from_pairs([
            ("VROEGSIGNAAL__KAFKA__CLIENT__SASL_PASSWORD", "s3cret"),
            ("VROEGSIGNAAL__kafka__client__linger_ms", "5"),
        ]);
        apply_overrides(&mut t, &env).unwrap();
        let f: FileConfig = t.try_into().unwrap();
        let c = f.kafka.client_settings();
        assert_eq!(c.extra.get("security.protocol").unwrap(), "SASL_SSL");
        assert_eq!(c.extra.get("sasl.password").unwrap(), "s3cret");
        assert_eq!(c.extra.get("linger.ms").unwrap(), "5");
        assert_eq!(f.kafka.partitions, 6);
        // Values are never shown.
        assert!(!format!("{:?} {c:?}", f.kafka).contains("s3cret"));
    }

    /// The defaults are written once ([`EngineSettings::default`]); the shipped config file and
    /// the docs state the same values.
    #[test]
    fn shipped_config_and_docs_state_the_engine_defaults() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let shipped = Settings::load(&root.join(DEFAULT_CONFIG_PATH), &Env::default()).unwrap();
        assert_eq!(shipped.file.engine, EngineSettings::default());
        assert!(
            shipped.file.kafka.client.is_empty(),
            "no client properties shipped"
        );
        let d = EngineSettings::default();
        let stated = format!(
            "{} ms or {} records",
            d.commit_interval_ms,
            thousands(d.commit_max_records)
        );
        for doc in ["docs/ENGINE.md", "docs/BENCHMARKS.md", DEFAULT_CONFIG_PATH] {
            let text = std::fs::read_to_string(root.join(doc)).unwrap();
            let line = format!("default commit cadence: {stated}");
            let found = text.to_lowercase().contains(&line);
            assert!(found, "{doc} should say {line:?}");
        }
    }

    fn thousands(n: usize) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    #[test]
    fn bad_overrides_name_the_variable() {
        let mut t = table();
        let env = Env::from_pairs([("VROEGSIGNAAL__KAFKA__PARTITIONS", "many")]);
        let e = apply_overrides(&mut t, &env).unwrap_err();
        assert_eq!(e.source_name, "VROEGSIGNAAL__KAFKA__PARTITIONS");
        let e = apply_overrides(
            &mut table(),
            &Env::from_pairs([("VROEGSIGNAAL__KAFKA", "x")]),
        )
        .unwrap_err();
        assert!(e.problem.contains("SECTION"));
    }

    #[test]
    fn settings_resolve_relative_to_the_file_and_take_brokers_from_env() {
        let dir = std::env::temp_dir().join(format!("vroeg-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("vroegsignaal.toml");
        std::fs::write(&path, MINIMAL).unwrap();
        let env = Env::from_pairs([("VROEGSIGNAAL_BROKERS", "b1:9092,b2:9092")]);
        let s = Settings::load(&path, &env).unwrap();
        assert_eq!(s.file.kafka.brokers, "b1:9092,b2:9092");
        assert_eq!(s.resolve(Path::new("rules.toml")), dir.join("rules.toml"));
        assert_eq!(s.resolve(Path::new("/abs/x")), PathBuf::from("/abs/x"));

        // Key: development fallback, or refused.
        let (k, src) = load_key(&s, &Env::default(), KeyPolicy::DevelopmentFallback).unwrap();
        assert_eq!((k.id(), src), ("dev", KeySource::Development));
        let e = load_key(&s, &Env::default(), KeyPolicy::Required).unwrap_err();
        assert!(e.problem.contains(ENV_PSEUDONYM_KEY));
        let hex = "ab".repeat(32);
        let env = Env::from_pairs([(ENV_PSEUDONYM_KEY, hex.as_str())]);
        let (k, src) = load_key(&s, &env, KeyPolicy::Required).unwrap();
        assert_eq!((k.id(), src), ("k1", KeySource::Environment));
        let short = Env::from_pairs([(ENV_PSEUDONYM_KEY, "abcd")]);
        let e = load_key(&s, &short, KeyPolicy::Required).unwrap_err();
        assert_eq!(e.source_name, ENV_PSEUDONYM_KEY);
        assert!(!e.to_string().contains("abcd"));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn unknown_settings_and_missing_files_are_named() {
        let dir = std::env::temp_dir().join(format!("vroeg-config-test2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.toml");
        std::fs::write(&path, format!("{MINIMAL}\n[extra]\nx = 1\n")).unwrap();
        let e = Settings::load(&path, &Env::default()).unwrap_err();
        assert!(e.to_string().contains("c.toml"), "{e}");
        assert!(e.problem.contains("extra"), "{e}");
        let e = Settings::load(&dir.join("missing.toml"), &Env::default()).unwrap_err();
        assert!(e.to_string().contains("missing.toml"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
