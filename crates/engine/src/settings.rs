//! The engine's settings as the operator writes them (`[engine]` in `config/vroegsignaal.toml`),
//! with their defaults written once, here: the config file, `StageConfig::new`, the docs and the
//! tests all state these values (the test `shipped_defaults` in `crates/engine/tests` checks the
//! shipped toml and the docs against [`EngineSettings::default`]).

use std::time::Duration;

use serde::Deserialize;

/// The default `commit_interval_ms`: a batch's transaction commits after this long (D31).
pub const DEFAULT_COMMIT_INTERVAL_MS: u64 = 1_000;
/// The default `commit_max_records`: or after this many input records (D31).
pub const DEFAULT_COMMIT_MAX_RECORDS: usize = 20_000;

/// `[engine]`: the streaming engine's own settings (`run`). Every key is optional.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineSettings {
    /// This instance's id (part of the transactional ids; unique per running instance). Empty:
    /// the host name, or `vroegsignaal-1`.
    pub instance_id: String,
    /// How often timers are checked, in milliseconds (wakeups fire at their exact due time).
    pub tick_interval_ms: u64,
    /// Longest a batch stays open before its transaction commits, in milliseconds.
    pub commit_interval_ms: u64,
    /// Most input records per transaction.
    pub commit_max_records: usize,
    /// Consumer group session timeout, in milliseconds.
    pub session_timeout_ms: u32,
    /// Partitions of each `outreach.<gemeentecode>` and `creditor-status.<id>` topic.
    pub outreach_partitions: u32,
    /// `/metrics`, `/healthz`, `/readyz`.
    pub http_bind: String,
    /// Longest a graceful shutdown may take, in seconds.
    pub shutdown_timeout_secs: u64,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            instance_id: String::new(),
            tick_interval_ms: 1_000,
            commit_interval_ms: DEFAULT_COMMIT_INTERVAL_MS,
            commit_max_records: DEFAULT_COMMIT_MAX_RECORDS,
            session_timeout_ms: 10_000,
            outreach_partitions: 1,
            http_bind: "127.0.0.1:9464".to_owned(),
            shutdown_timeout_secs: 30,
        }
    }
}

impl EngineSettings {
    /// `tick_interval_ms` as a duration (at least 1 ms).
    pub fn tick_interval(&self) -> Duration {
        Duration::from_millis(self.tick_interval_ms.max(1))
    }

    /// `commit_interval_ms` as a duration (at least 1 ms).
    pub fn commit_interval(&self) -> Duration {
        Duration::from_millis(self.commit_interval_ms.max(1))
    }

    /// `commit_max_records`, at least 1.
    pub fn commit_max_records(&self) -> usize {
        self.commit_max_records.max(1)
    }
}
