//! Per-household state: what the rules remember between events.
//!
//! Kept compact (a few hundred bytes for a typical household): only open arrears, the signals of
//! the look-back period, the open case and the last closed one. Serialisable, because the engine
//! persists it to a compacted changelog topic.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::contract::address::Address;
use crate::contract::messages::{Classification, Person, Priority};
use crate::contract::money::Money;
use crate::contract::municipality::Gemeentecode;
use crate::contract::pseudonym::HouseholdId;
use crate::contract::sector::Sector;
use crate::reporting::ddas::Eindresultaat;

/// Where one creditor's arrears stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum ArrearsStage {
    /// Younger than the sector's minimum: becomes a signal at `due` without a new event.
    Waiting {
        /// When the arrears reach the minimum age (midnight UTC of that day).
        due: DateTime<Utc>,
    },
    /// A signal: part of the open case (or of a case that has been closed since).
    Signalled {
        /// The signal.
        signal_id: String,
        /// The amount when it was signalled; a later report of the same arrears at this amount or
        /// less is a herhaalde melding.
        amount: Money,
        /// Energy's updated signal after 100 days has been made.
        updated_signal_sent: bool,
    },
    /// Judged not to lead to a task (outside window, below threshold, preconditions): kept so a
    /// repeat of the same report is recognised.
    Suppressed {
        /// The signal id the suppression was recorded under.
        signal_id: String,
        /// The amount when suppressed.
        amount: Money,
    },
}

/// One creditor's open arrears for this household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArrearsRecord {
    /// Creditor.
    pub creditor_id: String,
    /// Customer reference.
    pub customer_ref: String,
    /// Sector.
    pub sector: Sector,
    /// Current amount.
    pub amount: Money,
    /// Start of the arrears.
    pub since: NaiveDate,
    /// The event that last changed it.
    pub event_id: String,
    /// When it was last reported.
    pub reported_at: DateTime<Utc>,
    /// Reminders sent, as last reported.
    pub reminders_sent: u32,
    /// Crisis flag.
    pub crisis: bool,
    /// Warm handover flag.
    pub warm_handover: bool,
    /// End of supply.
    pub end_of_supply_date: Option<NaiveDate>,
    /// A personal contact was attempted (as last reported).
    pub personal_contact_attempted: bool,
    /// Pointed to debt help (as last reported).
    pub pointed_to_debt_help: bool,
    /// Data sharing offered (as last reported).
    pub data_sharing_offered: bool,
    /// Shortest payment term in reminders, if reported.
    pub min_payment_term_days: Option<u32>,
    /// Where it stands.
    pub stage: ArrearsStage,
    /// The person of the report (personal data: only for the task of the signal it makes).
    /// Absent in records written before 2026-11-29.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Person>,
}

/// One signal in a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSignal {
    /// Signal id.
    pub signal_id: String,
    /// Creditor.
    pub creditor_id: String,
    /// Customer reference (to address the creditor's status).
    pub customer_ref: String,
    /// Sector.
    pub sector: Sector,
    /// Current amount.
    pub amount: Money,
    /// Start of the arrears.
    pub since: NaiveDate,
    /// When it became a signal.
    pub signalled_on: NaiveDate,
    /// Reminders sent.
    pub reminders_sent: u32,
    /// Crisis.
    pub crisis: bool,
    /// Warm handover.
    pub warm_handover: bool,
    /// End of supply.
    pub end_of_supply_date: Option<NaiveDate>,
    /// Energy's updated signal.
    pub updated_signal: bool,
    /// Resolved by the creditor after the task went out.
    pub resolved: bool,
    /// The person of the report that made the signal: the task's contact comes only from these
    /// (RULES.md §1). Absent in records written before 2026-11-29.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Person>,
    /// When the report that made the signal occurred (newest contact first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_at: Option<DateTime<Utc>>,
}

/// The household's open case (`vroegsignaalzaak`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    /// Case id (embeds the household pseudonym).
    pub case_id: String,
    /// Task id.
    pub task_id: String,
    /// The municipality.
    pub municipality: Gemeentecode,
    /// When the first signal joined.
    pub opened_at: DateTime<Utc>,
    /// While bundling: when the task goes out. `None` once sent.
    pub dispatch_at: Option<DateTime<Utc>>,
    /// Versions sent so far (0 while bundling).
    pub version: u32,
    /// Signals.
    pub signals: Vec<CaseSignal>,
    /// Classification at first dispatch.
    pub classification: Option<Classification>,
    /// Priority of the last version.
    pub priority: Option<Priority>,
    /// First-contact deadline of the last version.
    pub due_date: Option<NaiveDate>,
    /// When the task first went out.
    pub created_at: Option<DateTime<Utc>>,
    /// First contact attempt (stops the deadline clock).
    pub first_contact_on: Option<NaiveDate>,
    /// A contact attempt reached the person.
    pub reached: bool,
    /// Case of a household known to debt help (§4b).
    pub known_to_debt_help: bool,
    /// Signal ids whose creditor has been told PICKED_UP.
    pub picked_up_told: Vec<String>,
}

/// The last closed case: enough to apply §4b to later signals and to report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedCase {
    /// Case id.
    pub case_id: String,
    /// Task id.
    pub task_id: String,
    /// Last version sent.
    pub version: u32,
    /// Result.
    pub result: Eindresultaat,
    /// Closed on.
    pub closed_on: NaiveDate,
    /// The municipality.
    pub municipality: Gemeentecode,
}

/// A consent or objection in force for one creditor relationship.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// Creditor.
    pub creditor_id: String,
    /// Customer reference.
    pub customer_ref: String,
    /// An objection is in force.
    pub objection: bool,
    /// Consent references withdrawn.
    pub withdrawn_consents: Vec<String>,
    /// When the objection (or withdrawal of consent) was made (`occurred_at`); a withdrawal or
    /// consent older than this does not lift it (a re-sent old event). Absent before 2026-11-29.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
}

impl Standing {
    /// Whether it still stops anything (an objection, or a withdrawn consent).
    pub fn stands(&self) -> bool {
        self.objection || !self.withdrawn_consents.is_empty()
    }
}

/// The newest report applied for one account (RULES.md §3: an older one is stale).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountClock {
    /// Creditor.
    pub creditor_id: String,
    /// Customer reference.
    pub customer_ref: String,
    /// `occurred_at` of the newest event applied.
    pub newest: DateTime<Utc>,
}

/// A past signal, for OPEENVOLGEND (previous 6 months) and MEERVOUDIG (same month).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastSignal {
    /// When it became a signal.
    pub on: NaiveDate,
    /// The creditor.
    pub creditor_id: String,
    /// The case it joined.
    pub case_id: String,
}

/// Everything the rules remember about one household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdState {
    /// The pseudonym.
    pub household_id: HouseholdId,
    /// Where tasks go.
    pub municipality: Gemeentecode,
    /// The latest full address (personal data: only for tasks).
    pub address: Address,
    /// The latest person data (personal data: only for tasks).
    pub person: Option<Person>,
    /// Open arrears per creditor relationship.
    pub arrears: Vec<ArrearsRecord>,
    /// Objections and withdrawn consents.
    pub standings: Vec<Standing>,
    /// Signals of the look-back period.
    pub history: Vec<PastSignal>,
    /// The open case.
    pub case: Option<CaseRecord>,
    /// The last closed case.
    pub last_closed: Option<ClosedCase>,
    /// Cases opened so far (case ids count up).
    pub case_seq: u32,
    /// Hashes of the most recent event ids (event id only), as written before 2026-11-29: still
    /// consulted for households restored from older records, never added to.
    pub recent_events: Vec<u64>,
    /// Hashes of every `(creditor_id, event_id)` (feedback: `(gemeentecode, event_id)`) applied
    /// while the household's data is kept, sorted (RULES.md §3 idempotency).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seen_events: Vec<u64>,
    /// Per account whose arrears were resolved (and so have no arrears record, whose
    /// `reported_at` serves open accounts), the newest `occurred_at` applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<AccountClock>,
    /// The date the household was first seen (after any purge): case and task ids carry it, so a
    /// household returning after a purge never gets an id it had before. `None` in records
    /// written before 2026-11-29 (their ids keep the old form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<NaiveDate>,
    /// Purged by retention except for standing objections and withdrawn consents (household
    /// pseudonym, creditor id, date; no personal data).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub standings_only: bool,
    /// Last time anything happened (for retention).
    pub last_activity: DateTime<Utc>,
    /// The municipality reported the person no longer lives here: hold signals back.
    pub not_resident: bool,
}

impl HouseholdState {
    /// Forgets the look-back entries of signals that left a bundle before it went out (resolved,
    /// objected, consent withdrawn): a signal that never reached the municipality cannot make a
    /// later case OPEENVOLGEND.
    pub(crate) fn forget_unsent(&mut self, case_id: &str, creditor_ids: &[String]) {
        self.history
            .retain(|p| !(p.case_id == case_id && creditor_ids.contains(&p.creditor_id)));
    }

    /// Whether a standing objection of `creditor_id` is in force (any of its accounts: an
    /// objection covers every account of that creditor at the address, RULES.md §1).
    pub fn objected(&self, creditor_id: &str) -> bool {
        self.standings
            .iter()
            .any(|s| s.creditor_id == creditor_id && s.objection)
    }

    /// The number case and task ids end in: `<yyyymmdd of epoch><seq>` (or the bare sequence for
    /// a household restored from a record without an epoch).
    pub(crate) fn case_number(&self) -> String {
        match self.epoch {
            Some(d) => format!("{}{:02}", d.format("%Y%m%d"), self.case_seq),
            None => self.case_seq.to_string(),
        }
    }

    /// A fresh household.
    pub fn new(
        household_id: HouseholdId,
        municipality: Gemeentecode,
        address: Address,
        now: DateTime<Utc>,
    ) -> Self {
        HouseholdState {
            household_id,
            municipality,
            address,
            person: None,
            arrears: Vec::new(),
            standings: Vec::new(),
            history: Vec::new(),
            case: None,
            last_closed: None,
            case_seq: 0,
            recent_events: Vec::new(),
            seen_events: Vec::new(),
            accounts: Vec::new(),
            epoch: Some(super::step::dutch_date(now)),
            standings_only: false,
            last_activity: now,
            not_resident: false,
        }
    }
}
