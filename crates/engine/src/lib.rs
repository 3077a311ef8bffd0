//! # vroeg-engine
//!
//! The streaming engine (design: `docs/ENGINE.md`): the ingest stage ([`ingest`]) and the
//! household stage ([`household`]) of the pure rule engine, run on Kafka with rdkafka, each on its
//! own thread (every transactional call blocks), with tokio for the HTTP endpoints ([`http`]) and
//! signals. Shared pieces used by every command that talks to a broker live here too: topic names
//! ([`topics`]) and client settings ([`kafka`]).

mod cadence;
pub mod clock;
pub mod error;
pub mod household;
pub mod http;
pub mod ingest;
pub mod kafka;
pub mod metrics;
pub mod records;
pub mod rules;
pub mod shutdown;
pub mod stage;
pub mod statecodec;
pub mod topics;
mod txn;

pub use clock::{AcceleratedClock, Clock, ManualClock, SystemClock};
pub use error::EngineError;
pub use household::spawn_households;
pub use ingest::spawn_ingest;
pub use metrics::Metrics;
pub use rules::RuleData;
pub use shutdown::Shutdown;
pub use stage::{AdminCreator, AutoCreate, StageConfig, StageHandle, TopicCreator, TopicSpec};

/// The contract's spelling of a serialisable enum value (`NEW`, `MEERVOUDIG`, ...).
pub(crate) fn label<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::from("?"),
    }
}
