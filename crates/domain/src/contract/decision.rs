//! Decisions: what the rules say should happen, and why. The engine carries them out.
//!
//! Every decision names the rule that produced it (`rule`, an id from [`crate::rules::ids`]) and a
//! reason a caseworker can read. Only [`DecisionKind::Task`] carries personal data (in
//! `task.contact`); [`Decision::pseudonymous`] is the form the audit topic carries.

use chrono::DateTime;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::contract::messages::{CreditorStatusValue, FieldError, OutreachTask};
use crate::contract::municipality::Gemeentecode;
use crate::contract::pseudonym::HouseholdId;
use crate::reporting::ddas::Signaalstatus;

/// Why a signal leads to no task (contract `SUPPRESSED.reason_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressReason {
    /// Herhaalde melding.
    Repeat,
    /// Outside the 30–100 day window.
    OutsideWindow,
    /// Below the municipality's (or experiment's) minimum amount.
    BelowThreshold,
    /// The sector's preconditions were not met.
    PreconditionsNotMet,
}

/// Why data may not be processed further (contract `QUARANTINED.reason_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuarantineReason {
    /// No statutory basis and no (valid) consent.
    NoLegalBasis,
    /// The person objected.
    Objection,
    /// An experiment sector for a municipality not taking part.
    ExperimentNotActive,
}

/// Why there is no municipality to send to (contract `NOT_ROUTED.reason_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotRoutedReason {
    /// The postcode is in no table and no usable hint was given.
    Unroutable,
    /// The municipality has not asked for signals.
    NotConnected,
    /// Added: the municipality reported the person no longer lives there; signals for the
    /// address are held back until a different person or address shows up (RULES.md §4b).
    NotResident,
}

/// Why an input is waiting (added to the contract: the documented pending state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingReason {
    /// The arrears are younger than the sector's minimum; a timer fires when they age.
    TooYoung,
    /// The signal waits in the household's bundle until the bundling delay passes.
    Bundling,
}

/// What an input changed without any outward effect (added to the contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordedReason {
    /// An objection is now in force.
    Objection,
    /// An objection was withdrawn.
    ObjectionWithdrawn,
    /// Consent registered.
    ConsentGiven,
    /// Consent withdrawn.
    ConsentWithdrawn,
    /// Arrears resolved before they became a signal, or before the task went out.
    Resolved,
    /// A contact attempt was recorded on the case.
    ContactAttempt,
    /// A result closed the case.
    CaseResult,
    /// Arrears changed but stay a signal already part of a case that has had contact.
    ArrearsUpdated,
}

/// Why an input had no effect at all (added to the contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IgnoredReason {
    /// The `event_id` was seen before: the same event twice has the effect of once.
    DuplicateEvent,
    /// `RESOLVED` for arrears this household has no record of.
    UnknownArrears,
    /// Feedback for a case this household has no record of, or from another municipality.
    UnknownCase,
    /// Older (`occurred_at`) than the newest event applied for the same account (RULES.md §3).
    StaleEvent,
}

/// The kind of a decision and its own fields.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "decision", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DecisionKind {
    /// A task is sent, updated or withdrawn.
    Task {
        /// The task.
        task: Box<OutreachTask>,
    },
    /// A signal that by the rules leads to no task.
    Suppressed {
        /// The DDAS status recorded for the signal.
        ddas_status: Signaalstatus,
        /// Why.
        reason_code: SuppressReason,
        /// The creditor.
        creditor_id: String,
        /// The signal.
        signal_id: String,
        /// The municipality it was recorded for.
        #[serde(default)]
        municipality_code: Option<Gemeentecode>,
    },
    /// Data that may not be processed further.
    Quarantined {
        /// Why.
        reason_code: QuarantineReason,
        /// The creditor.
        creditor_id: String,
    },
    /// No municipality to send to.
    NotRouted {
        /// Why.
        reason_code: NotRoutedReason,
        /// The municipality found, if any (`not_connected`).
        #[serde(default)]
        municipality_code: Option<Gemeentecode>,
    },
    /// Input that breaks the contract.
    Rejected {
        /// Always `invalid`.
        reason_code: String,
        /// Every problem found, with its field path.
        errors: Vec<FieldError>,
    },
    /// What a creditor is told.
    CreditorStatus {
        /// The creditor.
        creditor_id: String,
        /// Its customer reference.
        customer_ref: String,
        /// The signal.
        signal_id: String,
        /// The status.
        status: CreditorStatusValue,
    },
    /// A household's data was removed by retention.
    Purged {},
    /// Waiting for time to pass.
    Pending {
        /// Why.
        reason_code: PendingReason,
        /// When the household will be looked at again.
        until: DateTime<chrono::Utc>,
    },
    /// State changed, nothing went out.
    Recorded {
        /// What was recorded.
        reason_code: RecordedReason,
    },
    /// No effect.
    Ignored {
        /// Why.
        reason_code: IgnoredReason,
    },
}

impl DecisionKind {
    /// The contract's name of the kind, e.g. `TASK`; also a metrics label.
    pub fn name(&self) -> &'static str {
        match self {
            DecisionKind::Task { .. } => "TASK",
            DecisionKind::Suppressed { .. } => "SUPPRESSED",
            DecisionKind::Quarantined { .. } => "QUARANTINED",
            DecisionKind::NotRouted { .. } => "NOT_ROUTED",
            DecisionKind::Rejected { .. } => "REJECTED",
            DecisionKind::CreditorStatus { .. } => "CREDITOR_STATUS",
            DecisionKind::Purged {} => "PURGED",
            DecisionKind::Pending { .. } => "PENDING",
            DecisionKind::Recorded { .. } => "RECORDED",
            DecisionKind::Ignored { .. } => "IGNORED",
        }
    }
}

/// One decision.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Decision {
    /// When it was taken (event time, or the tick's time).
    pub at: DateTime<chrono::Utc>,
    /// The rule that produced it.
    pub rule: String,
    /// Why, in words a caseworker understands.
    pub reason: String,
    /// The input that caused it; absent for timer decisions.
    #[serde(default)]
    pub event_id: Option<String>,
    /// The household, where known.
    #[serde(default)]
    pub household_id: Option<HouseholdId>,
    /// The kind and its fields.
    #[serde(flatten)]
    pub kind: DecisionKind,
}

impl Decision {
    /// The audit form: a `TASK` keeps only what identifies the task (ids, status, municipality,
    /// priority, classification, signal ids) and loses contact details and reasons.
    pub fn pseudonymous(&self) -> Decision {
        let mut d = self.clone();
        if let DecisionKind::Task { task } = &mut d.kind {
            let contact = &mut task.contact;
            contact.initials = None;
            contact.prefix = None;
            contact.surname = None;
            contact.birth_date = None;
            contact.phone = None;
            contact.email = None;
            contact.address.street = None;
            contact.address.city = None;
            // The address itself is the household: replace it by a fixed placeholder so the
            // audit record stays schema-valid and carries only the pseudonym.
            if let Ok(pc) = "1000AA".parse() {
                contact.address.postcode = pc;
            }
            if let Ok(n) = crate::contract::address::HouseNumber::new(1) {
                contact.address.house_number = n;
            }
            contact.address.house_number_addition = None;
            task.reasons.clear();
            // CONTRACT.md 1.1: the audit carries no amounts.
            for signal in &mut task.signals {
                signal.amount = crate::contract::money::Money::ZERO;
            }
            task.total_amount = crate::contract::money::Money::ZERO;
        }
        // No customer reference in clear ([`Decision::audit_form`] puts a keyed hash there).
        if let DecisionKind::CreditorStatus { customer_ref, .. } = &mut d.kind {
            customer_ref.clear();
        }
        d.reason = without_amounts(&d.reason);
        d
    }

    /// The form written to the audit topic: [`Decision::pseudonymous`], with a creditor status's
    /// customer reference replaced by a keyed hash (`cr_` + HMAC with the pseudonymisation key
    /// over creditor and reference), so audit lines of one account can still be related without
    /// the reference itself (CONTRACT.md 1.1).
    pub fn audit_form(&self, key: &crate::contract::pseudonym::PseudonymKey) -> Decision {
        let mut d = self.pseudonymous();
        if let (
            DecisionKind::CreditorStatus {
                creditor_id,
                customer_ref: clear,
                ..
            },
            DecisionKind::CreditorStatus { customer_ref, .. },
        ) = (&self.kind, &mut d.kind)
        {
            *customer_ref = format!(
                "cr_{}",
                key.pseudonym(&format!("customer_ref|{creditor_id}|{clear}"))
            );
        }
        d
    }

    /// Whether this decision carries personal data (only tasks do).
    pub fn carries_personal_data(&self) -> bool {
        matches!(self.kind, DecisionKind::Task { .. })
    }
}

/// A reason with every amount (`EUR 1.234,56`) replaced by `EUR [bedrag]`: the audit form.
pub fn without_amounts(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut rest = reason;
    while let Some(i) = rest.find("EUR ") {
        out.push_str(&rest[..i + 4]);
        let after = &rest[i + 4..];
        let n = after
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .unwrap_or(after.len());
        // A trailing `.`/`,` is punctuation, not part of the amount.
        let n = after[..n].trim_end_matches(['.', ',']).len();
        if n > 0 {
            out.push_str("[bedrag]");
        }
        rest = &after[n..];
    }
    out.push_str(rest);
    out
}

/// A time written the way chrono writes it, faster (`crate::contract::serde_time`).
struct Rfc3339<'a>(&'a DateTime<chrono::Utc>);

impl Serialize for Rfc3339<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::contract::serde_time::ser_utc(self.0, s)
    }
}

impl Serialize for Decision {
    /// Field order is fixed (`decision`, `at`, `rule`, `reason`, `event_id`, `household_id`, then
    /// the kind's fields) so that output is byte-for-byte reproducible and reads well.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("decision", self.kind.name())?;
        m.serialize_entry("at", &Rfc3339(&self.at))?;
        m.serialize_entry("rule", &self.rule)?;
        m.serialize_entry("reason", &self.reason)?;
        if let Some(e) = &self.event_id {
            m.serialize_entry("event_id", e)?;
        }
        if let Some(h) = &self.household_id {
            m.serialize_entry("household_id", h)?;
        }
        match &self.kind {
            DecisionKind::Task { task } => m.serialize_entry("task", task)?,
            DecisionKind::Suppressed {
                ddas_status,
                reason_code,
                creditor_id,
                signal_id,
                municipality_code,
            } => {
                m.serialize_entry("ddas_status", ddas_status)?;
                m.serialize_entry("reason_code", reason_code)?;
                m.serialize_entry("creditor_id", creditor_id)?;
                m.serialize_entry("signal_id", signal_id)?;
                if let Some(c) = municipality_code {
                    m.serialize_entry("municipality_code", c)?;
                }
            }
            DecisionKind::Quarantined {
                reason_code,
                creditor_id,
            } => {
                m.serialize_entry("reason_code", reason_code)?;
                m.serialize_entry("creditor_id", creditor_id)?;
            }
            DecisionKind::NotRouted {
                reason_code,
                municipality_code,
            } => {
                m.serialize_entry("reason_code", reason_code)?;
                if let Some(c) = municipality_code {
                    m.serialize_entry("municipality_code", c)?;
                }
            }
            DecisionKind::Rejected {
                reason_code,
                errors,
            } => {
                m.serialize_entry("reason_code", reason_code)?;
                m.serialize_entry("errors", errors)?;
            }
            DecisionKind::CreditorStatus {
                creditor_id,
                customer_ref,
                signal_id,
                status,
            } => {
                m.serialize_entry("creditor_id", creditor_id)?;
                m.serialize_entry("customer_ref", customer_ref)?;
                m.serialize_entry("signal_id", signal_id)?;
                m.serialize_entry("status", status)?;
            }
            DecisionKind::Purged {} => {}
            DecisionKind::Pending { reason_code, until } => {
                m.serialize_entry("reason_code", reason_code)?;
                m.serialize_entry("until", &Rfc3339(until))?;
            }
            DecisionKind::Recorded { reason_code } => {
                m.serialize_entry("reason_code", reason_code)?;
            }
            DecisionKind::Ignored { reason_code } => {
                m.serialize_entry("reason_code", reason_code)?;
            }
        }
        m.end()
    }
}
