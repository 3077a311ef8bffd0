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
