//! # vroeg-kafka
//!
//! The Kafka plumbing every vroegsignaal client shares, the engine, the `vroegsignaal` binary and
//! the client library (`vroeg-client`) alike:
//! - [`topics`]: topic names under one prefix (CONTRACT.md);
//! - [`keys`]: the message key of every kind of record, one rule per topic kind;
//! - [`settings`]: broker list and extra librdkafka properties ([`ClientSettings`]), applied to
//!   every client;
//! - [`producer`]: the one producer send loop that waits while librdkafka's local queue is full,
//!   and an idempotent producer that counts delivery reports ([`DeliveryProducer`]);
//! - [`group_read`]: reading one topic as a consumer group, committing only what was handled;
//! - [`read_to_end`](mod@read_to_end): reading a whole topic from the beginning to its end, without a group.

pub mod group_read;
pub mod keys;
pub mod producer;
pub mod read_to_end;
pub mod settings;
pub mod topics;

pub use group_read::{GroupReadError, GroupReadOptions, read_as_group, undecodable_note};
pub use producer::{DeliveryError, DeliveryProducer, send_with_retry};
pub use read_to_end::{ReadToEndError, Record, read_to_end};
pub use settings::ClientSettings;
pub use topics::Topics;
