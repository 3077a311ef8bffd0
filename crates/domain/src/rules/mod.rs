//! The signalling rule engine: pure functions from (state, input or clock tick, now, rule set,
//! registries) to decisions and new state. No I/O and no clock: `now` is always a parameter.
//!
//! Two stages, as in ARCHITECTURE.md:
//! - [`admit`] (stateless, the ingest stage): validation against registries, pseudonymisation,
//!   routing, and the legal-basis checks that need no history. It either hands the event on to a
//!   household ([`Admission::Accepted`]) or ends it with decisions.
//! - the household functions (stateful, the household stage): objections and consent, preconditions, the
//!   time window, thresholds, herhaalde melding, bundling, classification, priority and deadline,
//!   resolution, feedback, creditor status and retention. [`apply`] handles one
//!   admitted event, [`tick`] a clock tick, and [`next_wakeup`] says when
//!   the household next needs a tick (young arrears ageing, a bundle's delay, energy's 100-day
//!   update, retention).

pub mod ids;

mod admit;
mod arrears;
mod case;
mod feedback;
mod household;
mod reasons;
mod standing;
mod state;
mod step;

pub use admit::{Admission, Admitted, admit, case_household, rejected};
pub use feedback::creditor_status_for;
pub use household::{apply, next_wakeup, tick};
pub use state::{
    AccountClock, ArrearsRecord, ArrearsStage, CaseRecord, CaseSignal, ClosedCase, HouseholdState,
    PastSignal, Standing,
};
pub use step::{amsterdam_offset_hours, day_start, dutch_date};

use crate::config::routing::RoutingTable;
use crate::config::{CreditorRegistry, MunicipalityRegistry, RuleBook};
use crate::contract::pseudonym::PseudonymKey;

/// Everything the rules read besides state and input: configuration, routing data and the
/// pseudonymisation key. Borrowed, so one context serves every household.
#[derive(Debug, Clone, Copy)]
pub struct RuleContext<'a> {
    /// Rule sets by effective date.
    pub rules: &'a RuleBook,
    /// Municipalities.
    pub municipalities: &'a MunicipalityRegistry,
    /// Creditors.
    pub creditors: &'a CreditorRegistry,
    /// Routing tables.
    pub routing: &'a RoutingTable,
    /// Pseudonymisation key.
    pub key: &'a PseudonymKey,
}

/// What a [`RuleContext`] borrows, owned: rule book, registries, routing tables and key, loaded
/// once and shared (behind an `Arc`) by `simulate`, `run`'s stage threads and the tests.
#[derive(Clone)]
pub struct RuleData {
    /// Rule sets by effective date.
    pub rules: RuleBook,
    /// Municipalities.
    pub municipalities: MunicipalityRegistry,
    /// Creditors.
    pub creditors: CreditorRegistry,
    /// Routing tables.
    pub routing: RoutingTable,
    /// The pseudonymisation key.
    pub key: PseudonymKey,
}

impl std::fmt::Debug for RuleData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("RuleData")
            .field("municipalities", &self.municipalities.by_code.len())
            .field("creditors", &self.creditors.by_id.len())
            .field("key_id", &self.key.id())
            .finish_non_exhaustive()
    }
}

impl RuleData {
    /// The borrowed view the rules read.
    pub fn context(&self) -> RuleContext<'_> {
        RuleContext {
            rules: &self.rules,
            municipalities: &self.municipalities,
            creditors: &self.creditors,
            routing: &self.routing,
            key: &self.key,
        }
    }
}
