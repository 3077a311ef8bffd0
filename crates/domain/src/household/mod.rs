//! The household algorithm, once: [`HouseholdPartition`] owns a partition's households, their
//! timers ([`TimerIndex`]) and the partition's position, and turns an input (an admitted event,
//! or the clock moving on) into a [`StepOutcome`]. `vroegsignaal simulate` ([`simulation`])
//! and the engine's household stage both drive it; the engine only decodes, sends and commits.

mod partition;
pub mod simulation;
mod timers;

pub use partition::{
    Delivery, Household, HouseholdPartition, PartitionOptions, PartitionPosition, RecordOrigin,
    StepOutcome, parse_store_key, store_key,
};
pub use simulation::Simulator;
pub use timers::TimerIndex;
