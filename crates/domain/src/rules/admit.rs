//! The ingest stage's decisions: stateless, one event at a time.

use chrono::{DateTime, Utc};

use super::{RuleContext, ids};
use crate::contract::decision::{Decision, DecisionKind, NotRoutedReason, QuarantineReason};
use crate::contract::messages::{ArrearsEventType, FieldError, InputEvent};
use crate::contract::municipality::Gemeentecode;
use crate::contract::pseudonym::HouseholdId;
use crate::contract::sector::LegalBasis;

/// An event that may go on to its household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    /// The household (the partition key of the internal topic).
    pub household_id: HouseholdId,
    /// The municipality it routes to.
    pub municipality: Gemeentecode,
    /// The event, validated and normalised.
    pub event: InputEvent,
}

/// What the ingest stage makes of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// On to the household stage.
    Accepted(Box<Admitted>),
    /// Ends here, with these decisions (rejected, not routed, quarantined).
    Decided(Vec<Decision>),
}

/// The REJECTED decision for input that breaks the contract.
pub fn rejected(errors: Vec<FieldError>, event_id: Option<String>, now: DateTime<Utc>) -> Decision {
    // Never an input value in a rejection: not in the reason, not in the errors.
    let errors: Vec<FieldError> = errors.iter().map(FieldError::without_values).collect();
    let reason = format!(
        "ongeldig bericht: {}",
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    );
    Decision {
        at: now,
        rule: ids::CONTRACT_INVALID.to_owned(),
        reason,
        event_id,
        household_id: None,
        kind: DecisionKind::Rejected {
            reason_code: "invalid".to_owned(),
            errors,
        },
    }
}

/// The household a case id belongs to. Case ids embed the household pseudonym
/// (`cs_<key id>_<hash>_<n>` for household `hh_<key id>_<hash>`), so feedback, which names only a
/// case, can be routed to its household without a lookup table.
pub fn case_household(case_id: &str) -> Option<HouseholdId> {
    let rest = case_id.strip_prefix("cs_")?;
    let (hh, seq) = rest.rsplit_once('_')?;
    if seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) || !hh.contains('_') {
        return None;
    }
    Some(HouseholdId::from_stored(format!("hh_{hh}")))
}

/// Admits one decoded event: contract cross-checks, creditor registry, routing, connection, and
/// the legal-basis checks that need no history (consent reference present, experiment active).
pub fn admit(event: InputEvent, now: DateTime<Utc>, ctx: &RuleContext<'_>) -> Admission {
    // The event id is copied only into decisions; an accepted event keeps its own.
    let event_id = || Some(event.event_id().to_owned());
    if let Err(errors) = event.validate() {
        return Admission::Decided(vec![rejected(errors, event_id(), now)]);
    }
    let decided = |hh: Option<HouseholdId>, rule: &str, reason: String, kind: DecisionKind| {
        Admission::Decided(vec![Decision {
            at: now,
            rule: rule.to_owned(),
            reason,
            event_id: event_id(),
            household_id: hh,
            kind,
        }])
    };

    let (address, hint, creditor) = match &event {
        InputEvent::Arrears(e) => {
            if let Err(problem) = ctx.creditors.check(&e.creditor_id, e.sector) {
                return Admission::Decided(vec![Decision {
                    rule: ids::CONTRACT_CREDITOR.to_owned(),
                    ..rejected(
                        vec![FieldError::new("creditor_id", problem)],
                        event_id(),
                        now,
                    )
                }]);
            }
            (&e.address, e.municipality_code, Some(e))
        }
        InputEvent::Objection(e) => (&e.address, None, None),
        InputEvent::Feedback(e) => {
            return match case_household(&e.case_id) {
                Some(household_id) => Admission::Accepted(Box::new(Admitted {
                    household_id,
                    municipality: e.municipality_code,
                    event,
                })),
                None => Admission::Decided(vec![rejected(
                    vec![FieldError::new(
                        "case_id",
                        "not a case id issued by vroegsignaal",
                    )],
                    Some(e.event_id.clone()),
                    now,
                )]),
            };
        }
    };

    let key = address.household_key();
    let household_id = ctx.key.household_id(&key);
    let hh = Some(household_id.clone());

    // RULES.md §1: an objection (event or flag) or a consent event is recorded whatever the
    // routing says, and the household stage quarantines an objected report itself (so the
    // objection also covers the creditor's other accounts). Nothing else of it is kept.
    let standing_event = match &event {
        InputEvent::Objection(_) => true,
        InputEvent::Arrears(e) => e.objected && e.event_type == ArrearsEventType::Arrears,
        InputEvent::Feedback(_) => false,
    };
    if standing_event {
        let municipality = ctx
            .routing
            .route(&key, hint)
            .map_or(Gemeentecode::UNROUTED, |r| r.municipality);
        return Admission::Accepted(Box::new(Admitted {
            household_id,
            municipality,
            event,
        }));
    }

    let Some(route) = ctx.routing.route(&key, hint) else {
        return decided(
            hh,
            ids::ROUTING_UNROUTABLE,
            "het adres valt in geen routeringstabel en het bericht noemt geen gemeente".to_owned(),
            DecisionKind::NotRouted {
                reason_code: NotRoutedReason::Unroutable,
                municipality_code: None,
            },
        );
    };
    let municipality = route.municipality;
    let connected = ctx.municipalities.get(municipality);
    let Some(gemeente) = connected.filter(|m| m.connected) else {
        let name = connected.map_or("onbekende gemeente", |m| m.name.as_str());
        return decided(
            hh,
            ids::ROUTING_NOT_CONNECTED,
            format!("gemeente {municipality} ({name}) is niet aangesloten"),
            DecisionKind::NotRouted {
                reason_code: NotRoutedReason::NotConnected,
                municipality_code: Some(municipality),
            },
        );
    };

    if let Some(e) = creditor {
        match e.sector.legal_basis() {
            LegalBasis::Consent if e.consent_ref.is_none() => {
                return decided(
                    hh,
                    ids::BASIS_CONSENT,
                    format!(
                        "{}: geen wettelijke grondslag en geen toestemming (consent_ref ontbreekt)",
                        e.sector
                    ),
                    DecisionKind::Quarantined {
                        reason_code: QuarantineReason::NoLegalBasis,
                        creditor_id: e.creditor_id.clone(),
                    },
                );
            }
            LegalBasis::Experiment if !gemeente.experiments.contains(&e.sector) => {
                return decided(
                    hh,
                    ids::BASIS_EXPERIMENT,
                    format!(
                        "{}: gemeente {} ({}) neemt niet deel aan dit experiment (Wgs art. 10)",
                        e.sector, municipality, gemeente.name
                    ),
                    DecisionKind::Quarantined {
                        reason_code: QuarantineReason::ExperimentNotActive,
                        creditor_id: e.creditor_id.clone(),
                    },
                );
            }
            LegalBasis::Experiment => {
                // RULES.md §1: an event dated before its experiment took effect never becomes a
                // signal.
                let day = super::step::dutch_date(e.occurred_at);
                let from = ctx
                    .rules
                    .in_force(day)
                    .and_then(|r| r.sectors.get(&e.sector))
                    .and_then(|r| r.effective_from);
                if let Some(from) = from.filter(|from| day < *from) {
                    return decided(
                        hh,
                        ids::BASIS_EXPERIMENT,
                        format!(
                            "{}: het experiment gold op {day} nog niet (van kracht vanaf {from}); geen signaal",
                            e.sector
                        ),
                        DecisionKind::Quarantined {
                            reason_code: QuarantineReason::ExperimentNotActive,
                            creditor_id: e.creditor_id.clone(),
                        },
                    );
                }
            }
            _ => {}
        }
    }

    Admission::Accepted(Box::new(Admitted {
        household_id,
        municipality,
        event,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_ids_lead_back_to_households() {
        assert_eq!(
            case_household("cs_dev_abc234_7").map(|h| h.as_str().to_owned()),
            Some("hh_dev_abc234".to_owned())
        );
        for bad in ["cs_dev_abc_", "hh_dev_abc_1", "cs_abc_x", "cs__1"] {
            assert!(case_household(bad).is_none(), "{bad}");
        }
    }
}
