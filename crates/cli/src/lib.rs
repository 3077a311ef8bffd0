//! # vroegsignaal (the command-line tool)
//!
//! The library behind the `vroegsignaal` binary, so integration tests and the later Kafka engine
//! can call the same code the commands run:
//! - [`config`]: `config/vroegsignaal.toml`, environment overrides, the pseudonymisation key, and
//!   the loaded rule book, registries and routing tables ([`config::AppConfig`]);
//! - [`simulate`]: the rule engine over a JSON-lines file with a simulated clock;
//! - [`generate`]: deterministic synthetic creditor traffic;
//! - [`demo`]: the whole pipeline on the embedded MockCluster and the demo summary;
//! - [`import`]: CBS's pc6hnr file to the exact-address routing table;
//! - [`ddas_report`]: the DDAS v1.2 report (CBS) from a municipality's reporting store, checked
//!   against the official schema;
//! - [`progress`]: the upload progress bar of `publish`;
//! - [`run`]: the service on a broker (`vroegsignaal run`);
//!
//! The creditor and municipality clients (`publish`, `feedback`, `tasks`, `status`, the reporting
//! store) are the `vroeg-client` library; topic names, keys and client settings `vroeg-kafka`.
//!
//! Errors here are typed (thiserror); only the binary turns them into one line on stderr.

pub mod config;
pub mod ddas_report;
pub mod demo;
pub mod generate;
pub mod import;
pub mod progress;
pub mod run;
pub mod simulate;
