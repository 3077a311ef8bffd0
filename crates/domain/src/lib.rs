//! # vroeg-domain
//!
//! The pure heart of vroegsignaal: the contract's messages, the value types they are built from,
//! the configuration the rules read, and the signalling rule engine itself.
//!
//! Nothing here performs I/O or reads a clock. Time is a parameter, configuration arrives as
//! text, and every decision is data ([`contract::decision::Decision`]) that names its rule and its reason.
//! CI proves the purity from `cargo tree` (no tokio, rdkafka, clap or HTTP crates), and chrono is
//! built without its `clock` feature so `Utc::now()` does not even exist here.
//!
//! The folders show the design:
//! - [`contract`]: the public contract's messages ([`contract::messages`]: ArrearsEvent,
//!   ObjectionEvent, FeedbackEvent, OutreachTask, CreditorStatus), the decisions the rules take
//!   ([`contract::decision`]) and the value types (money, addresses, municipality codes, sectors,
//!   household pseudonyms).
//! - [`config`]: rule sets with effective dates, municipality and creditor registries, routing
//!   tables, and their parsing from text.
//! - [`rules`]: [`rules::admit`] (ingest) and [`rules::apply`] / [`rules::tick`] (household).
//! - [`household`]: the household algorithm ([`household::HouseholdPartition`]: a partition's
//!   households, timers and replays), driven by `simulate` ([`household::Simulator`]) and `run`.
//! - [`reporting`]: the reporting store's records and the DDAS v1.2 report.

pub mod config;
pub mod contract;
pub mod household;
pub mod reporting;
pub mod rules;

pub use contract::error::ValueError;
