//! The working context of one rule evaluation: the time, the configuration, the causing event
//! and the decisions made so far.

use chrono::{DateTime, Days, Months, NaiveDate, Utc};

use super::RuleContext;
use crate::config::{Municipality, RuleSet};
use crate::contract::decision::{Decision, DecisionKind};
use crate::contract::messages::CreditorStatusValue;
use crate::contract::pseudonym::HouseholdId;
use crate::rules::ids;

/// One evaluation step (an event or a tick) of one household.
pub(super) struct Step<'a, 'c> {
    /// The time of the event or tick.
    pub(super) now: DateTime<Utc>,
    /// Its date (UTC).
    pub(super) today: NaiveDate,
    /// Configuration.
    pub(super) ctx: &'a RuleContext<'c>,
    /// The causing event; `None` for a tick.
    pub(super) event_id: Option<String>,
    /// The household.
    pub(super) household_id: HouseholdId,
    /// Decisions so far, in order.
    pub(super) out: Vec<Decision>,
    /// The signal being made is an escalation (RULES.md §3: crisis turning true, a new end of
    /// supply): it goes out at once, never waiting in a bundle.
    pub(super) escalation: bool,
}

impl<'a, 'c> Step<'a, 'c> {
    pub(super) fn new(
        now: DateTime<Utc>,
        ctx: &'a RuleContext<'c>,
        event_id: Option<String>,
        household_id: HouseholdId,
    ) -> Self {
        Step {
            now,
            today: dutch_date(now),
            ctx,
            event_id,
            household_id,
            out: Vec::new(),
            escalation: false,
        }
    }

    /// Records a decision.
    pub(super) fn emit(&mut self, rule: &str, reason: String, kind: DecisionKind) {
        self.out.push(Decision {
            at: self.now,
            rule: rule.to_owned(),
            reason,
            event_id: self.event_id.clone(),
            household_id: Some(self.household_id.clone()),
            kind,
        });
    }

    /// Tells a creditor the status of its signal.
    pub(super) fn creditor_status(
        &mut self,
        creditor_id: &str,
        customer_ref: &str,
        signal_id: &str,
        status: CreditorStatusValue,
    ) {
        let what = match status {
            CreditorStatusValue::PickedUp => "opgepakt",
            CreditorStatusValue::NotPickedUp => "niet opgepakt",
            CreditorStatusValue::Repeat => "herhaalde melding",
            CreditorStatusValue::Unjustified => "onterecht signaal",
        };
        let mut reason = String::with_capacity(20 + creditor_id.len() + what.len());
        reason.push_str("schuldeiser ");
        reason.push_str(creditor_id);
        reason.push_str(" hoort: ");
        reason.push_str(what);
        self.emit(
            ids::CREDITOR_STATUS,
            reason,
            DecisionKind::CreditorStatus {
                creditor_id: creditor_id.to_owned(),
                customer_ref: customer_ref.to_owned(),
                signal_id: signal_id.to_owned(),
                status,
            },
        );
    }

    /// The rule set in force on a date.
    pub(super) fn rules_on(&self, date: NaiveDate) -> Option<&'a RuleSet> {
        self.ctx.rules.in_force(date)
    }

    /// The rule set in force today.
    pub(super) fn rules(&self) -> Option<&'a RuleSet> {
        self.rules_on(self.today)
    }

    /// A municipality's configuration.
    pub(super) fn municipality(
        &self,
        code: crate::contract::municipality::Gemeentecode,
    ) -> Option<&'a Municipality> {
        self.ctx.municipalities.get(code)
    }
}

/// Midnight in the Netherlands (Europe/Amsterdam) at the start of a date, as a UTC instant: when
/// day-based rules change their verdict (RULES.md §1: days are Dutch calendar days).
pub fn day_start(date: NaiveDate) -> DateTime<Utc> {
    let local_midnight = date.and_time(chrono::NaiveTime::MIN).and_utc();
    // Midnight is never inside a DST transition (those are at 02:00/03:00 local time), so the
    // offset at the UTC instant one hour before local midnight's UTC guess is the right one.
    let guess = local_midnight - chrono::Duration::hours(1);
    local_midnight - chrono::Duration::hours(amsterdam_offset_hours(guess))
}

/// The Dutch calendar date (Europe/Amsterdam) of an instant.
pub fn dutch_date(t: DateTime<Utc>) -> NaiveDate {
    (t + chrono::Duration::hours(amsterdam_offset_hours(t))).date_naive()
}

/// Europe/Amsterdam's UTC offset at `t`: +2 (CEST) from the last Sunday of March 01:00 UTC to
/// the last Sunday of October 01:00 UTC, +1 (CET) otherwise — the EU rule in force since 1996.
/// Written out rather than taken from a time-zone database: this one zone, this one rule.
pub fn amsterdam_offset_hours(t: DateTime<Utc>) -> i64 {
    use chrono::Datelike;
    let year = t.year();
    let last_sunday = |month: u32| {
        let last = NaiveDate::from_ymd_opt(year, month, 31).unwrap_or(NaiveDate::MIN);
        let back = u64::from(last.weekday().num_days_from_sunday());
        last.checked_sub_days(Days::new(back))
            .unwrap_or(last)
            .and_hms_opt(1, 0, 0)
            .map_or(t, |d| d.and_utc())
    };
    if t >= last_sunday(3) && t < last_sunday(10) {
        2
    } else {
        1
    }
}

/// Whole days from `since` to `today` (0 when `since` is later).
pub(super) fn days_between(since: NaiveDate, today: NaiveDate) -> u32 {
    u32::try_from((today - since).num_days().max(0)).unwrap_or(u32::MAX)
}

/// `date + n days`, saturating at the end of the calendar.
pub(super) fn plus_days(date: NaiveDate, n: u32) -> NaiveDate {
    date.checked_add_days(Days::new(u64::from(n)))
        .unwrap_or(NaiveDate::MAX)
}

/// `date - n months` (calendar months; the 31st clamps to the month's end).
pub(super) fn minus_months(date: NaiveDate, n: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(n))
        .unwrap_or(NaiveDate::MIN)
}

/// `date + n months`.
pub(super) fn plus_months(date: NaiveDate, n: u32) -> NaiveDate {
    date.checked_add_months(Months::new(n))
        .unwrap_or(NaiveDate::MAX)
}

/// A stable 64-bit hash (FNV-1a) of an event id, for the idempotency ring. Stable across
/// processes and versions, unlike `std`'s hasher, because it is persisted in state.
pub(super) fn event_hash(event_id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in event_id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The idempotency key's hash: FNV-1a over `scope`, a separator and the event id.
pub(super) fn event_key_hash(scope: &str, event_id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in scope.bytes().chain([0x1f]).chain(event_id.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A deterministic short id: `prefix` + base32 of SHA-256 over the parts.
pub(super) fn derived_id(prefix: &str, parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for p in parts {
        hasher.update(p.as_bytes());
        hasher.update([0x1f]);
    }
    let digest = hasher.finalize();
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut s = String::with_capacity(prefix.len() + 16);
    s.push_str(prefix);
    // 80 bits: 16 base32 characters.
    let mut acc: u128 = 0;
    for b in &digest[..10] {
        acc = (acc << 8) | u128::from(*b);
    }
    for i in (0..16).rev() {
        s.push(char::from(ALPHABET[((acc >> (i * 5)) & 31) as usize]));
    }
    s
}
