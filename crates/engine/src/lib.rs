//! # vroeg-engine
//!
//! The streaming engine (design: `docs/ENGINE.md`): the ingest stage ([`ingest`]) and the
//! household stage ([`household`]) of the pure rule engine, run on Kafka with rdkafka, each on its
//! own thread (every transactional call blocks), with tokio for the HTTP endpoints ([`http`]) and
//! signals. Topic names, message keys and client settings come from `vroeg-kafka`; the engine's
//! settings and their defaults, written once, are [`EngineSettings`]; [`embedded`] runs the whole
//! pipeline in-process on librdkafka's MockCluster (the demo, tests, a client's own tests).

mod cadence;
pub mod clock;
pub mod embedded;
pub mod error;
pub mod household;
pub mod http;
pub mod ingest;
pub mod metrics;
pub mod process_metrics;
pub mod records;

pub mod settings;
pub mod shutdown;
pub mod stage;
pub mod statecodec;
mod txn;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::EngineError;
pub use household::spawn_households;
pub use ingest::spawn_ingest;
pub use metrics::Metrics;
pub use settings::EngineSettings;
pub use shutdown::Shutdown;
pub use stage::{AdminCreator, AutoCreate, StageConfig, StageHandle, TopicCreator, TopicSpec};
pub use vroeg_domain::rules::RuleData;

/// The contract's spelling of a serialisable enum value (`NEW`, `MEERVOUDIG`, ...).
pub(crate) fn label<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::from("?"),
    }
}
