//! # vroeg-domain
//!
//! The pure heart of vroegsignaal: the contract's messages, the value types they are built from,
//! the configuration the rules read, and the signalling rule engine itself.
//!
//! Nothing here performs I/O or reads a clock. Time is a parameter, configuration arrives as
//! text, and every decision is data ([`decision::Decision`]) that names its rule and its reason.
//! CI proves the purity from `cargo tree` (no tokio, rdkafka, clap or HTTP crates), and chrono is
//! built without its `clock` feature so `Utc::now()` does not even exist here.
//!
//! Starting points:
//! - [`messages`]: ArrearsEvent, ObjectionEvent, FeedbackEvent, OutreachTask, CreditorStatus.
//! - [`decision`]: what the rules decide.
//! - [`rules`]: [`rules::admit`] (ingest) and [`rules::apply`] / [`rules::tick`] (household).
//! - [`config`]: rule sets with effective dates, municipality and creditor registries.
//! - [`routing`]: postcode to municipality.
//! - [`household`]: the household algorithm (one partition of households, timers, replays).
//! - [`simulation`]: the rule engine over an event stream and a simulated clock, no Kafka.
//! - [`report`] / [`ddas_report`]: the reporting store's records and the DDAS v1.2 report.

pub mod config;
pub mod contract;
pub mod household;
pub mod reporting;
pub mod rules;

// The modules under their names before the folders (2026-11-29), so code written against those
// paths keeps building while it moves to the folder paths.
pub use config::{config_load, routing, routing_load};
pub use contract::{address, decision, error, messages, money, municipality, pseudonym, sector};
pub use household::simulation;
pub use reporting::{ddas, ddas_report, report};

pub use contract::error::ValueError;
