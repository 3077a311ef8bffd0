//! # vroeg-client
//!
//! The library a creditor's or a municipality's own Rust service links to talk to vroegsignaal
//! over Kafka, the same code the `vroegsignaal` commands run (`publish`, `feedback`, `tasks`,
//! `status`, `report ddas`):
//!
//! - creditors: [`publish`] an upload of arrears or objection events (CSV or JSON lines),
//!   validated line by line exactly as the pipeline validates a record, with an upload ledger so
//!   a re-upload sends only what was not delivered, and a machine-readable rejection list;
//!   [`status`] reads the creditor's status topic;
//! - municipalities: [`tasks`] reads the outreach queue (each task version once), [`feedback`]
//!   records contact attempts and case results, [`report_store`] reads the reporting store the
//!   DDAS report is made from.
//!
//! Broker and topic names come from [`vroeg_kafka`] (re-exported as [`ClientSettings`] and
//! [`Topics`]); extra librdkafka properties (TLS, SASL) go in [`ClientSettings::extra`].
//!
//! ```no_run
//! use std::sync::atomic::AtomicBool;
//! use std::time::Duration;
//! use vroeg_client::tasks::{TaskFormat, TasksOptions, read_tasks};
//! use vroeg_client::{ClientSettings, GroupReadOptions, Topics};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let code = "0518".parse()?;
//! let opts = TasksOptions {
//!     read: GroupReadOptions {
//!         settings: ClientSettings::new("kafka.example.nl:9092"),
//!         topic: Topics::default().outreach(code),
//!         group: "my-case-system".to_owned(),
//!         follow: false,
//!         idle: Duration::from_secs(2),
//!         join_timeout: Duration::from_secs(60),
//!     },
//!     format: TaskFormat::Json,
//! };
//! let stats = read_tasks(&opts, &AtomicBool::new(false), &mut std::io::stdout(), &mut std::io::stderr())?;
//! eprintln!("{}", stats.summary(&opts.read.topic));
//! # Ok(())
//! # }
//! ```
//!
//! Errors are typed (thiserror) and say what they were doing; nothing here prints except to the
//! writers a caller passes in.

#![warn(missing_docs)]

pub mod feedback;
pub mod publish;
pub mod report_store;
pub mod status;
pub mod tasks;
pub mod upload_format;

pub use vroeg_kafka::{ClientSettings, GroupReadOptions, Topics};
