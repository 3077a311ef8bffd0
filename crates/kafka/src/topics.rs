//! Topic names (CONTRACT.md), all under one configurable prefix (default `vroeg.`).

use vroeg_domain::contract::municipality::Gemeentecode;

/// The default prefix.
pub const DEFAULT_PREFIX: &str = "vroeg.";

/// Topic names under one prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    prefix: String,
}

impl Default for Topics {
    fn default() -> Self {
        Topics::new(DEFAULT_PREFIX)
    }
}

impl Topics {
    /// Topic names under `prefix` (e.g. `vroeg.`; a test may use a random prefix per run).
    pub fn new(prefix: &str) -> Self {
        Topics {
            prefix: prefix.to_owned(),
        }
    }

    /// The prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Creditors' arrears events.
    pub fn arrears(&self) -> String {
        format!("{}arrears.v1", self.prefix)
    }

    /// Objections and consent.
    pub fn objections(&self) -> String {
        format!("{}objections.v1", self.prefix)
    }

    /// Municipal feedback.
    pub fn feedback(&self) -> String {
        format!("{}feedback.v1", self.prefix)
    }

    /// One municipality's outreach queue, e.g. `vroeg.outreach.0518`.
    pub fn outreach(&self, municipality: Gemeentecode) -> String {
        format!("{}outreach.{municipality}", self.prefix)
    }

    /// One creditor's status topic, e.g. `vroeg.creditor-status.woonstad-rotterdam`. Creditor ids
    /// are validated topic-safe on input.
    pub fn creditor_status(&self, creditor_id: &str) -> String {
        format!("{}creditor-status.{creditor_id}", self.prefix)
    }

    /// One municipality's reporting store (DDAS report records), e.g. `vroeg.report.0518`:
    /// compacted by record key, holds personal data like the outreach topic.
    pub fn report(&self, municipality: Gemeentecode) -> String {
        format!("{}report.{municipality}", self.prefix)
    }

    /// Input that breaks the contract.
    pub fn rejected(&self) -> String {
        format!("{}rejected.v1", self.prefix)
    }

    /// Pseudonymous decisions.
    pub fn audit(&self) -> String {
        format!("{}audit.v1", self.prefix)
    }

    /// Internal: the repartition topic keyed by household.
    pub fn households(&self) -> String {
        format!("{}internal.households.v1", self.prefix)
    }

    /// Internal: the compacted state changelog.
    pub fn state(&self) -> String {
        format!("{}internal.state.v1", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_contract() {
        let t = Topics::default();
        assert_eq!(t.arrears(), "vroeg.arrears.v1");
        assert_eq!(t.outreach("GM0518".parse().unwrap()), "vroeg.outreach.0518");
        assert_eq!(
            t.creditor_status("woonstad-rotterdam"),
            "vroeg.creditor-status.woonstad-rotterdam"
        );
        assert_eq!(Topics::new("x.").audit(), "x.audit.v1");
        assert_eq!(t.report("0518".parse().unwrap()), "vroeg.report.0518");
    }
}
