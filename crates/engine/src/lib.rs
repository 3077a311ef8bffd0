//! # vroeg-engine
//!
//! The streaming engine (design: `docs/ENGINE.md`): the ingest stage and the household stage of
//! the pure rule engine, run on Kafka with rdkafka and tokio. Shared pieces used by every command
//! that talks to a broker live here too: topic names ([`topics`]) and client settings
//! ([`kafka`]).

pub mod kafka;
pub mod topics;
