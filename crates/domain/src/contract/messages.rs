//! The contract's messages (`../shared/CONTRACT.md`) as Rust types.
//!
//! Their serde form *is* the contract's JSON form: field names are exactly the contract's, unknown
//! fields are refused (`deny_unknown_fields`: this is how a BSN sent by mistake is kept out), money
//! is a decimal string. Cross-field rules that serde cannot express live in `validate()` methods,
//! which report every problem with its field path.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::contract::address::{Address, HouseholdKey};
use crate::contract::money::Money;
use crate::contract::municipality::Gemeentecode;
use crate::contract::pseudonym::HouseholdId;
use crate::contract::sector::Sector;
use crate::reporting::ddas::{Contactsoort, Dagdeel, Eindresultaat};

/// A problem with one field of an input message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldError {
    /// Path of the field, e.g. `address.postcode`; empty for the message as a whole.
    pub field: String,
    /// What is wrong, in words a creditor's IT department can act on.
    pub problem: String,
}

impl FieldError {
    /// A new field error.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

impl FieldError {
    /// The same error with every input value taken out of `problem` (CONTRACT.md 1.1: a
    /// rejection names the field and the rule, never the value). Decoders (serde) quote the
    /// offending value in backticks or double quotes; those are dropped, except field names
    /// (`unknown field `bsn``) and the examples after "expected" / "e.g.".
    pub fn without_values(&self) -> FieldError {
        FieldError {
            field: self.field.clone(),
            problem: scrub_values(&self.problem),
        }
    }
}

/// Drops quoted values from a problem text (see [`FieldError::without_values`]).
pub fn scrub_values(problem: &str) -> String {
    let mut out = String::with_capacity(problem.len());
    let mut rest = problem;
    while let Some(i) = rest.find(['`', '"']) {
        let quote = rest[i..].chars().next().unwrap_or('"');
        let Some(len) = rest[i + 1..].find(quote) else {
            break;
        };
        let before = &rest[..i];
        let token_end = i + 1 + len + 1;
        let so_far = format!("{out}{before}");
        let keep =
            so_far.contains("expected") || so_far.contains("e.g.") || so_far.ends_with("field ");
        out.push_str(before);
        if keep {
            out.push_str(&rest[i..token_end]);
        } else {
            // `: "x" (` → ` (`; `variant `X`,` → `variant,`.
            while out.ends_with(' ') || out.ends_with(':') {
                out.pop();
            }
        }
        rest = &rest[token_end..];
    }
    out.push_str(rest);
    drop_trailing_value(out)
}

/// `"... decimals: 12.345"` (or `"...: 12.345 at line 1 column 9"`) → `"... decimals"`: a bare
/// one-word value after the last `": "` is a value too.
fn drop_trailing_value(text: String) -> String {
    let (body, tail) = match text.find(" at line ") {
        Some(i) => text.split_at(i),
        None => (text.as_str(), ""),
    };
    match body.rfind(": ") {
        Some(i) if !body[i + 2..].is_empty() && !body[i + 2..].contains(' ') => {
            format!("{}{tail}", &body[..i])
        }
        _ => text,
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.problem)
        } else {
            write!(f, "{}: {}", self.field, self.problem)
        }
    }
}

/// The rule an identifier breaks, without its value, or `None` when it is fine. Shared by
/// `check_id` and the CSV mapping (`vroeg_codec::csv`), which names rules without quoting
/// values, so both always apply the same limits.
pub fn id_rule(value: &str, max: usize, topic_safe: bool) -> Option<String> {
    let ok = !value.is_empty()
        && value.len() <= max
        && value.chars().all(|c| {
            if topic_safe {
                c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
            } else {
                !c.is_control() && c != '/'
            }
        });
    if ok {
        return None;
    }
    let rule = if topic_safe {
        "letters, digits, '-', '_' or '.'"
    } else {
        "printable characters without '/'"
    };
    Some(format!("must be 1 to {max} {rule}"))
}

/// Checks an identifier that becomes part of a Kafka key or topic name.
fn check_id(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize, topic_safe: bool) {
    if let Some(rule) = id_rule(value, max, topic_safe) {
        // Never the value itself (CONTRACT.md 1.1: rejections name the field and the rule).
        errors.push(FieldError::new(field, rule));
    }
}

/// `ARREARS` or `RESOLVED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ArrearsEventType {
    /// New or changed arrears; the latest amount is the current amount.
    Arrears,
    /// Paid, or a payment plan agreed.
    Resolved,
}

/// Personal data of the debtor, as far as the creditor has it. Only ever leaves the pipeline in
/// a task's `contact`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Initials, e.g. `A.`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initials: Option<String>,
    /// Surname prefix, e.g. `van`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Surname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    /// Date of birth.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::contract::serde_time::opt_date"
    )]
    pub birth_date: Option<NaiveDate>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A creditor's arrears event (`vroeg.arrears.v1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrearsEvent {
    /// Idempotency key: the same event twice has the effect of once.
    pub event_id: String,
    /// The creditor, as registered (also the suffix of its status topic).
    pub creditor_id: String,
    /// The creditor's sector.
    pub sector: Sector,
    /// New/changed arrears or resolution.
    pub event_type: ArrearsEventType,
    /// The creditor's customer reference (contract, account).
    pub customer_ref: String,
    /// Current arrears in euros; required for `ARREARS`.
    #[serde(default)]
    pub arrears_amount: Option<Money>,
    /// First day of the arrears; required for `ARREARS`.
    #[serde(default, deserialize_with = "crate::contract::serde_time::opt_date")]
    pub arrears_since: Option<NaiveDate>,
    /// When the creditor recorded the event (event time).
    #[serde(deserialize_with = "crate::contract::serde_time::utc")]
    pub occurred_at: DateTime<Utc>,
    /// Written reminders sent.
    #[serde(default)]
    pub reminders_sent: u32,
    /// A personal contact was attempted.
    #[serde(default)]
    pub personal_contact_attempted: bool,
    /// The debtor was pointed to debt help.
    #[serde(default)]
    pub pointed_to_debt_help: bool,
    /// Sharing data with the municipality was offered.
    #[serde(default)]
    pub data_sharing_offered: bool,
    /// The debtor objected to sharing.
    #[serde(default)]
    pub objected: bool,
    /// Reference of the person's consent (required for consent-based sectors).
    #[serde(default)]
    pub consent_ref: Option<String>,
    /// Imminent eviction or disconnection.
    #[serde(default)]
    pub crisis: bool,
    /// The creditor has contact and asks the municipality to take over.
    #[serde(default)]
    pub warm_handover: bool,
    /// Energy/water: the announced end of supply.
    #[serde(default, deserialize_with = "crate::contract::serde_time::opt_date")]
    pub end_of_supply_date: Option<NaiveDate>,
    /// Added to the contract: the shortest payment term (days) any reminder gave. Energy rules
    /// since 2023-04-01 ask for >= 14; when absent the creditor's statement is not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_payment_term_days: Option<u32>,
    /// The debtor, as far as known.
    #[serde(default)]
    pub person: Option<Person>,
    /// The address (the household).
    pub address: Address,
    /// A municipality hint; used only when it agrees with the postcode table or the table has no
    /// answer.
    #[serde(default)]
    pub municipality_code: Option<Gemeentecode>,
}

impl ArrearsEvent {
    /// Cross-field checks serde cannot express.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_id(&mut errors, "event_id", &self.event_id, 128, false);
        check_id(&mut errors, "creditor_id", &self.creditor_id, 64, true);
        check_id(&mut errors, "customer_ref", &self.customer_ref, 64, false);
        if let Some(c) = &self.consent_ref {
            check_id(&mut errors, "consent_ref", c, 128, false);
        }
        if self.event_type == ArrearsEventType::Arrears {
            if self.arrears_amount.is_none() {
                errors.push(FieldError::new("arrears_amount", "required for ARREARS"));
            }
            match self.arrears_since {
                None => errors.push(FieldError::new("arrears_since", "required for ARREARS")),
                Some(since) if since > self.occurred_at.date_naive() => {
                    errors.push(FieldError::new("arrears_since", "lies after occurred_at"))
                }
                Some(_) => {}
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The household this event is about.
    pub fn household_key(&self) -> HouseholdKey {
        self.address.household_key()
    }
}

/// What an [`ObjectionEvent`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ObjectionEventType {
    /// The person objects to signals from this creditor.
    Objection,
    /// The objection is withdrawn.
    ObjectionWithdrawn,
    /// The person consents (consent-based sectors).
    ConsentGiven,
    /// The consent is withdrawn.
    ConsentWithdrawn,
}

/// An objection or consent, given or withdrawn (`vroeg.objections.v1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionEvent {
    /// Idempotency key.
    pub event_id: String,
    /// The creditor.
    pub creditor_id: String,
    /// The creditor's customer reference.
    pub customer_ref: String,
    /// What happened.
    pub event_type: ObjectionEventType,
    /// The consent reference (for consent events).
    #[serde(default)]
    pub consent_ref: Option<String>,
    /// Event time.
    #[serde(deserialize_with = "crate::contract::serde_time::utc")]
    pub occurred_at: DateTime<Utc>,
    /// The household.
    pub address: Address,
}

impl ObjectionEvent {
    /// Cross-field checks.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_id(&mut errors, "event_id", &self.event_id, 128, false);
        check_id(&mut errors, "creditor_id", &self.creditor_id, 64, true);
        check_id(&mut errors, "customer_ref", &self.customer_ref, 64, false);
        match (&self.event_type, &self.consent_ref) {
            (ObjectionEventType::ConsentGiven, None) => {
                errors.push(FieldError::new("consent_ref", "required for CONSENT_GIVEN"));
            }
            (_, Some(c)) => check_id(&mut errors, "consent_ref", c, 128, false),
            _ => {}
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// `CONTACT_ATTEMPT` or `CASE_RESULT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FeedbackEventType {
    /// A contact attempt was made.
    ContactAttempt,
    /// The case has a result and is closed.
    CaseResult,
}

/// A contact attempt, in DDAS terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactAttempt {
    /// How.
    pub soort: Contactsoort,
    /// Whether the person was reached.
    pub bereikt: bool,
    /// When.
    pub datum: NaiveDate,
    /// Part of the day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dagdeel: Option<Dagdeel>,
}

/// A municipality's feedback on a case (`vroeg.feedback.v1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackEvent {
    /// Idempotency key.
    pub event_id: String,
    /// The case.
    pub case_id: String,
    /// The municipality that gives the feedback.
    pub municipality_code: Gemeentecode,
    /// Event time.
    #[serde(deserialize_with = "crate::contract::serde_time::utc")]
    pub occurred_at: DateTime<Utc>,
    /// What happened.
    pub event_type: FeedbackEventType,
    /// For `CONTACT_ATTEMPT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_attempt: Option<ContactAttempt>,
    /// For `CASE_RESULT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resultaat: Option<Eindresultaat>,
}

impl FeedbackEvent {
    /// Cross-field checks.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_id(&mut errors, "event_id", &self.event_id, 128, false);
        check_id(&mut errors, "case_id", &self.case_id, 128, false);
        match self.event_type {
            FeedbackEventType::ContactAttempt if self.contact_attempt.is_none() => {
                errors.push(FieldError::new(
                    "contact_attempt",
                    "required for CONTACT_ATTEMPT",
                ));
            }
            FeedbackEventType::CaseResult if self.resultaat.is_none() => {
                errors.push(FieldError::new("resultaat", "required for CASE_RESULT"));
            }
            _ => {}
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Any input the household stage consumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputEvent {
    /// From `vroeg.arrears.v1`.
    Arrears(ArrearsEvent),
    /// From `vroeg.objections.v1`.
    Objection(ObjectionEvent),
    /// From `vroeg.feedback.v1`.
    Feedback(FeedbackEvent),
}

impl InputEvent {
    /// The idempotency key.
    pub fn event_id(&self) -> &str {
        match self {
            InputEvent::Arrears(e) => &e.event_id,
            InputEvent::Objection(e) => &e.event_id,
            InputEvent::Feedback(e) => &e.event_id,
        }
    }

    /// Event time.
    pub fn occurred_at(&self) -> DateTime<Utc> {
        match self {
            InputEvent::Arrears(e) => e.occurred_at,
            InputEvent::Objection(e) => e.occurred_at,
            InputEvent::Feedback(e) => e.occurred_at,
        }
    }

    /// Cross-field validation of whichever message this is.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        match self {
            InputEvent::Arrears(e) => e.validate(),
            InputEvent::Objection(e) => e.validate(),
            InputEvent::Feedback(e) => e.validate(),
        }
    }
}

/// `NEW`, `UPDATED` or `WITHDRAWN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    /// A new case.
    New,
    /// Signals added, amounts changed, signals resolved.
    Updated,
    /// All arrears resolved before contact.
    Withdrawn,
}

/// Task priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Priority {
    /// Imminent eviction or disconnection: first contact within 3 days.
    Crisis,
    /// End of supply, warm handover, multiple debts.
    High,
    /// Everything else.
    Normal,
}

/// How a case relates to the household's signals (Divosa definitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Classification {
    /// One creditor.
    Enkelvoudig,
    /// Two or more creditors in the same calendar month.
    Meervoudig,
    /// An earlier signal in the previous 6 months.
    Opeenvolgend,
}

/// One creditor signal inside a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSignal {
    /// Deterministic signal id (also in the creditor's status).
    pub signal_id: String,
    /// The creditor.
    pub creditor_id: String,
    /// Its sector.
    pub sector: Sector,
    /// Current amount.
    pub amount: Money,
    /// Start of the arrears.
    #[serde(serialize_with = "crate::contract::serde_time::ser_date")]
    pub arrears_since: NaiveDate,
    /// Days in arrears on the task's date.
    pub days_in_arrears: u32,
    /// Crisis flag.
    pub crisis: bool,
    /// Warm handover flag.
    pub warm_handover: bool,
    /// Added: announced end of supply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_of_supply_date: Option<NaiveDate>,
    /// Added: energy's updated signal after 100 days (`geactualiseerd signaal`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub updated_signal: bool,
    /// Added: the creditor reported the arrears resolved after the task was sent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resolved: bool,
}

/// The address part of a task's contact.
pub type ContactAddress = Address;

/// Contact details for outreach: the only personal data that leaves the pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Initials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initials: Option<String>,
    /// Prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Surname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The household's address.
    pub address: ContactAddress,
}

/// An outreach task for one municipality (`vroeg.outreach.<gemeentecode>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutreachTask {
    /// Deterministic task id (one per case).
    pub task_id: String,
    /// Added: version of this task, 1 for `NEW`, +1 per update. `(task_id, version)` is unique,
    /// which is what lets a reader drop a redelivered copy.
    pub version: u32,
    /// The case (`vroegsignaalzaak`).
    pub case_id: String,
    /// New, updated, withdrawn.
    pub status: TaskStatus,
    /// The municipality.
    pub municipality_code: Gemeentecode,
    /// The household's pseudonym.
    pub household_id: HouseholdId,
    /// When this version was made.
    #[serde(serialize_with = "crate::contract::serde_time::ser_utc")]
    pub created_at: DateTime<Utc>,
    /// First-contact deadline.
    #[serde(serialize_with = "crate::contract::serde_time::ser_date")]
    pub due_date: NaiveDate,
    /// Priority.
    pub priority: Priority,
    /// Classification.
    pub classification: Classification,
    /// The signals of the case.
    pub signals: Vec<TaskSignal>,
    /// Contact details.
    pub contact: Contact,
    /// Why, per signal, in words a caseworker understands.
    pub reasons: Vec<String>,
    /// Added: sum of the open signals' amounts.
    pub total_amount: Money,
    /// Added: the household is already known to debt help (RULES.md §4b); the case is an update
    /// to a closed case.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub known_to_debt_help: bool,
}

/// What a creditor hears about its signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CreditorStatusValue {
    /// The municipality picked it up.
    PickedUp,
    /// Not picked up (never why).
    NotPickedUp,
    /// Herhaalde melding.
    Repeat,
    /// Onterecht signaal.
    Unjustified,
}

/// A creditor status message (`vroeg.creditor-status.<creditor_id>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditorStatus {
    /// Added: the creditor (also the topic suffix).
    pub creditor_id: String,
    /// The creditor's customer reference.
    pub customer_ref: String,
    /// The signal.
    pub signal_id: String,
    /// The status. Nothing else, ever.
    pub status: CreditorStatusValue,
    /// When.
    pub at: DateTime<Utc>,
}
