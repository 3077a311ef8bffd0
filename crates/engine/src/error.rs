//! The engine's errors: every one names where it happened (stage, topic, partition, offset).

use rdkafka::error::KafkaError;
use thiserror::Error;

/// Something the engine could not do.
#[derive(Debug, Error)]
pub enum EngineError {
    /// A Kafka client call failed.
    #[error("{stage}: {what}: {source}")]
    Kafka {
        /// The stage (`ingest`, `households`, `admin`, ...).
        stage: &'static str,
        /// What was being done.
        what: String,
        /// The client error.
        #[source]
        source: KafkaError,
    },
    /// A state-changelog record could not be read.
    #[error("{topic}[{partition}]@{offset}: unreadable state record: {problem}")]
    BadStateRecord {
        /// The changelog topic.
        topic: String,
        /// Its partition.
        partition: i32,
        /// The record's offset.
        offset: i64,
        /// What is wrong.
        problem: String,
    },
    /// A partition's restore did not reach its marker in time.
    #[error("{topic}[{partition}]: restore did not reach its marker within {seconds} s")]
    RestoreTimeout {
        /// The changelog topic.
        topic: String,
        /// Its partition.
        partition: i32,
        /// The limit.
        seconds: u64,
    },
    /// A record could not be encoded.
    #[error("{stage}: encoding a record for {topic}: {problem}")]
    Encode {
        /// The stage.
        stage: &'static str,
        /// The destination topic.
        topic: String,
        /// What went wrong.
        problem: String,
    },
    /// The HTTP server could not start.
    #[error("http server on {bind}: {source}")]
    Http {
        /// The address.
        bind: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A stage thread ended abnormally.
    #[error("{stage}: {problem}")]
    Stage {
        /// The stage.
        stage: &'static str,
        /// What happened.
        problem: String,
    },
}

impl EngineError {
    /// A Kafka error with its context.
    pub fn kafka(stage: &'static str, what: impl Into<String>, source: KafkaError) -> Self {
        EngineError::Kafka {
            stage,
            what: what.into(),
            source,
        }
    }
}

/// Result with [`EngineError`].
pub type Result<T, E = EngineError> = std::result::Result<T, E>;
