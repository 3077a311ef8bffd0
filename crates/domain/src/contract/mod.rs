//! The public contract (`../shared/CONTRACT.md`): the messages creditors and municipalities send
//! and receive, the decisions the rules take, and the value types they are built from (money,
//! postcodes and addresses, municipality codes, sectors, household pseudonyms).

pub mod address;
pub mod decision;
pub mod error;
pub mod messages;
pub mod money;
pub mod municipality;
pub mod pseudonym;
pub mod sector;
pub(crate) mod serde_time;
pub(crate) mod text;
