//! # vroegsignaal (the command-line tool)
//!
//! The library behind the `vroegsignaal` binary, so integration tests and the later Kafka engine
//! can call the same code the commands run:
//! - [`config`]: `config/vroegsignaal.toml`, environment overrides, the pseudonymisation key, and
//!   the loaded rule book, registries and routing tables ([`config::AppConfig`]);
//! - [`simulate`]: the rule engine over a JSON-lines file with a simulated clock;
//! - [`generate`]: deterministic synthetic creditor traffic;
//! - [`demo`]: the offline demo run and its report;
//! - [`import`]: CBS's pc6hnr file to the exact-address routing table;
//! - [`publish`] / [`upload`]: a creditor's upload (CSV or JSON lines), validated and produced;
//! - [`tasks`]: a municipality reads its outreach queue;
//! - [`feedback`]: a municipality records contact attempts and case results;
//! - [`status`]: a creditor reads its status topic;
//! - [`report`] / [`readback`]: the DDAS v1.2 report from a municipality's reporting store;
//! - [`run`]: the service on a broker (`vroegsignaal run`);
//!
//! Errors here are typed (thiserror); only the binary turns them into one line on stderr.

pub mod config;
pub mod demo;
pub mod feedback;
pub mod generate;
pub mod groupread;
pub mod import;
pub mod publish;
pub mod readback;
pub mod report;
pub mod run;
pub mod simulate;
pub mod status;
pub mod tasks;
pub mod upload;
