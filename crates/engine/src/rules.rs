//! The rules' inputs the engine owns and shares between its stage threads.

use vroeg_domain::config::{CreditorRegistry, MunicipalityRegistry, RuleBook};
use vroeg_domain::pseudonym::PseudonymKey;
use vroeg_domain::routing::RoutingTable;
use vroeg_domain::rules::RuleContext;

/// Rule book, registries, routing and key, owned (the stages borrow a [`RuleContext`] from it).
#[derive(Clone)]
pub struct RuleData {
    /// Rule sets.
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
