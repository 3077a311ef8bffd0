//! Message keys: one rule per topic kind, used wherever a key is computed (the creditor upload,
//! municipal feedback, the demo's traffic, the engine's outputs). The key decides the partition,
//! so these rules are part of the contract (CONTRACT.md, docs/ENGINE.md "Topics"):
//!
//! | topic | key |
//! |---|---|
//! | `arrears.v1`, `objections.v1` | `creditor_id/customer_ref` |
//! | `feedback.v1` | `case_id` |
//! | `internal.households.v1`, `outreach.<code>`, `audit.v1` | `household_id` |
//! | `creditor-status.<creditor>` | `customer_ref` |

use vroeg_domain::contract::messages::InputEvent;
use vroeg_domain::contract::pseudonym::HouseholdId;

/// The key of a creditor's event (arrears, objection, consent): `creditor_id/customer_ref`, so
/// every event about one customer of one creditor stays in order on one partition.
pub fn creditor_event_key(creditor_id: &str, customer_ref: &str) -> String {
    format!("{creditor_id}/{customer_ref}")
}

/// The key of a municipality's feedback event: its `case_id`.
pub fn feedback_key(case_id: &str) -> &str {
    case_id
}

/// The key of any input event, by its kind ([`creditor_event_key`] or [`feedback_key`]).
pub fn input_event_key(event: &InputEvent) -> String {
    match event {
        InputEvent::Arrears(a) => creditor_event_key(&a.creditor_id, &a.customer_ref),
        InputEvent::Objection(o) => creditor_event_key(&o.creditor_id, &o.customer_ref),
        InputEvent::Feedback(f) => feedback_key(&f.case_id).to_owned(),
    }
}

/// The key of everything keyed by household (repartition, outreach, audit): the pseudonymous
/// household id.
pub fn household_key(household: &HouseholdId) -> &[u8] {
    household.as_str().as_bytes()
}

/// The key of a creditor status: the creditor's own `customer_ref`.
pub fn creditor_status_key(customer_ref: &str) -> &[u8] {
    customer_ref.as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creditor_events_are_keyed_by_creditor_and_customer() {
        assert_eq!(creditor_event_key("c", "K1"), "c/K1");
        assert_eq!(feedback_key("cs_1"), "cs_1");
        assert_eq!(creditor_status_key("K1"), b"K1");
    }
}
