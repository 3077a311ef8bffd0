//! `vroegsignaal generate`: deterministic synthetic creditor traffic, for benchmarks and the demo.
//!
//! The generator invents households and lets their creditors tell a story about each: a first
//! report (young arrears that will age, arrears in the signalling window, arrears already outside
//! it), then perhaps a repeat of the same report, an increased amount, a resolution, an objection,
//! consent given or withdrawn, a redelivered event. Households sit at real PC4s in proportion to
//! CBS's address counts; some have two or three creditors in the same month (meervoudig). About
//! 1% of the records break the contract in every way a creditor's export can. Output is sorted by
//! `occurred_at`; the same seed, options and reference data give the same bytes.

mod bad;
pub mod data;

use std::io::{self, Write};

use chrono::{DateTime, Days, NaiveDate, Utc};
use vroeg_domain::contract::address::{Addition, Address, HouseNumber, Postcode};
use vroeg_domain::contract::messages::{
    ArrearsEvent, ArrearsEventType, ObjectionEvent, ObjectionEventType, Person,
};
use vroeg_domain::contract::money::Money;
use vroeg_domain::contract::sector::{LegalBasis, Sector};

pub use data::{CreditorPool, Geography, Rng};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Number of records.
    pub events: usize,
    /// RNG seed.
    pub seed: u64,
    /// First day of first reports.
    pub start: NaiveDate,
    /// Days over which first reports spread; follow-ups stay before `start + days`.
    pub days: u32,
}

/// One generated record.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A valid arrears event (it may still be refused by the rules, as real ones are).
    Arrears(Box<ArrearsEvent>),
    /// A valid objection or consent event.
    Objection(Box<ObjectionEvent>),
    /// A record that breaks the contract, as JSON.
    Bad(serde_json::Value),
    /// A record that is not even JSON.
    Garbage(String),
}

/// A record with its place in the output.
#[derive(Debug, Clone, PartialEq)]
struct Timed {
    at: DateTime<Utc>,
    seq: u64,
    record: Record,
}

/// A household and its people, shared by all its creditors.
struct Household {
    address: Address,
    person: Person,
}

/// Generates `opts.events` records, sorted by `occurred_at` (ties in generation order).
pub fn generate(opts: &Options, geo: &Geography, pool: &CreditorPool) -> Vec<Record> {
    let mut g = Generator {
        rng: Rng::new(opts.seed),
        out: Vec::with_capacity(opts.events + opts.events / 8),
        seq: 0,
        end: day(opts.start, i64::from(opts.days.max(1))),
        customer_seq: 0,
    };
    let mut guard = 0usize;
    while g.out.len() < opts.events && guard < opts.events.saturating_mul(4) + 100 {
        guard += 1;
        let Some(hh) = g.household(geo) else { continue };
        let first = day(opts.start, g.rng.range(0, i64::from(opts.days.max(1)) - 1));
        // One creditor mostly; two or three in the same month for the meervoudig households.
        let creditors = match g.rng.below(100) {
            0..=77 => 1,
            78..=94 => 2,
            _ => 3,
        };
        for i in 0..creditors {
            let report = if i == 0 {
                first
            } else {
                day(first, g.rng.range(-8, 8))
            };
            if let Some((sector, creditor)) = pool.draw(&mut g.rng) {
                g.story(&hh, sector, creditor, report.max(opts.start));
            }
        }
    }
    // A stable sort keeps a household's same-instant records in story order.
    g.out.sort_by_key(|t| (t.at, t.seq));
    g.out.truncate(opts.events);
    g.out.into_iter().map(|t| t.record).collect()
}

/// Writes records as JSON lines.
pub fn write_jsonl(records: &[Record], out: &mut impl Write) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1024);
    for r in records {
        buf.clear();
        let res = match r {
            Record::Arrears(e) => vroeg_codec::encode_json(e, &mut buf),
            Record::Objection(e) => vroeg_codec::encode_json(e, &mut buf),
            Record::Bad(v) => vroeg_codec::encode_json(v, &mut buf),
            Record::Garbage(s) => {
                buf.extend_from_slice(s.as_bytes());
                Ok(())
            }
        };
        res.map_err(io::Error::other)?;
        buf.push(b'\n');
        out.write_all(&buf)?;
    }
    Ok(())
}

fn day(d: NaiveDate, offset: i64) -> NaiveDate {
    let n = Days::new(offset.unsigned_abs());
    let moved = if offset >= 0 {
        d.checked_add_days(n)
    } else {
        d.checked_sub_days(n)
    };
    moved.unwrap_or(d)
}

struct Generator {
    rng: Rng,
    out: Vec<Timed>,
    seq: u64,
    /// Nothing happens on or after this day.
    end: NaiveDate,
    customer_seq: u64,
}

impl Generator {
    fn push(&mut self, at: DateTime<Utc>, record: Record) {
        self.seq += 1;
        self.out.push(Timed {
            at,
            seq: self.seq,
            record,
        });
    }

    /// A time during office hours on `d`.
    fn time_on(&mut self, d: NaiveDate) -> DateTime<Utc> {
        let secs = self.rng.range(6 * 3600, 20 * 3600);
        let t = d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        t + chrono::Duration::seconds(secs)
    }

    fn household(&mut self, geo: &Geography) -> Option<Household> {
        let (pc4, gemeente) = geo.draw(&mut self.rng)?;
        let letters = data::postcode_letters(&mut self.rng);
        let postcode: Postcode = format!("{pc4}{letters}").parse().ok()?;
        let number = if self.rng.chance(700) {
            self.rng.range(1, 80)
        } else {
            self.rng.range(1, 400)
        };
        let house_number = HouseNumber::new(u32::try_from(number).ok()?).ok()?;
        let addition = if self.rng.chance(120) {
            let a = *self
                .rng
                .pick(&["A", "B", "C", "1", "2", "3", "HS", "bis", "-a"])?;
            Addition::parse(a).ok()?
        } else {
            None
        };
        let street = self.rng.pick(&data::STREETS).map(|s| (*s).to_owned());
        let address = Address {
            postcode,
            house_number,
            house_number_addition: addition,
            street: street.filter(|_| self.rng.chance(800)),
            city: gemeente.and_then(|g| geo.name(g)).map(str::to_owned),
        };
        let (prefix, surname) = *self.rng.pick(&data::SURNAMES)?;
        let initial = char::from(b'A' + u8::try_from(self.rng.below(26)).unwrap_or(0));
        let birth =
            NaiveDate::from_ymd_opt(1940, 1, 1).map(|d| day(d, self.rng.range(0, 365 * 62)));
        let person = Person {
            initials: Some(format!("{initial}.")),
            prefix: (!prefix.is_empty()).then(|| prefix.to_owned()),
            surname: Some(surname.to_owned()),
            birth_date: birth.filter(|_| self.rng.chance(850)),
            phone: self
                .rng
                .chance(750)
                .then(|| format!("+316{:08}", self.rng.below(100_000_000))),
            email: self.rng.chance(600).then(|| {
                let local: String = format!("{prefix}{surname}")
                    .chars()
                    .filter(char::is_ascii_alphabetic)
                    .collect();
                format!(
                    "{}.{}@example.nl",
                    initial.to_ascii_lowercase(),
                    local.to_ascii_lowercase()
                )
            }),
        };
        Some(Household { address, person })
    }

    /// Amount range per sector, in cents.
    fn amount(&mut self, sector: Sector) -> Option<Money> {
        let (lo, hi) = match sector {
            Sector::Huur => (35_000, 250_000),
            Sector::Energie => (8_000, 90_000),
            Sector::Water => (3_500, 25_000),
            Sector::Zorg => (12_000, 70_000),
            Sector::Cak => (60_000, 250_000),
            Sector::Duo => (15_000, 300_000),
            Sector::Belastingdienst | Sector::Toeslagen => (30_000, 500_000),
            Sector::Hypotheek => (100_000, 600_000),
            Sector::Bank => (20_000, 400_000),
            Sector::Telecom => (4_000, 40_000),
            Sector::Verzekering | Sector::Overig => (5_000, 60_000),
        };
        Money::from_cents(self.rng.range(lo, hi)).ok()
    }

    /// One creditor's story for one household, first reported on `report`.
    fn story(&mut self, hh: &Household, sector: Sector, creditor_id: String, report: NaiveDate) {
        self.customer_seq += 1;
        let customer_ref = format!("K-{:07}", self.customer_seq);
        // Days in arrears at the first report: young (will age into the window), in the window,
        // or already past it.
        let age = match self.rng.below(100) {
            0..=27 => self.rng.range(5, 27),
            28..=89 => self.rng.range(30, 95),
            _ => self.rng.range(101, 240),
        };
        let Some(amount) = self.amount(sector) else {
            return;
        };
        let consent_based = sector.legal_basis() == LegalBasis::Consent;
        let with_consent = consent_based && self.rng.chance(500);
        let energy_like = matches!(sector, Sector::Energie | Sector::Water);
        // Most creditors follow the procedure; some send too few reminders (preconditions).
        let reminders = match (sector, self.rng.below(100)) {
            (_, 0..=5) => 0,
            (Sector::Energie, 6..=20) => self.rng.range(1, 2),
            (Sector::Energie, _) => self.rng.range(3, 4),
            _ => self.rng.range(1, 3),
        };
        let at = self.time_on(report);
        let event = ArrearsEvent {
            event_id: self.rng.uuid(),
            creditor_id,
            sector,
            event_type: ArrearsEventType::Arrears,
            customer_ref,
            arrears_amount: Some(amount),
            arrears_since: Some(day(report, -age)),
            occurred_at: at,
            reminders_sent: u32::try_from(reminders).unwrap_or(1),
            personal_contact_attempted: self.rng.chance(920),
            pointed_to_debt_help: self.rng.chance(960),
            data_sharing_offered: self.rng.chance(960),
            objected: self.rng.chance(15),
            consent_ref: with_consent
                .then(|| format!("TOESTEMMING-{:06}", self.rng.below(1_000_000))),
            crisis: self.rng.chance(30),
            warm_handover: self.rng.chance(40),
            end_of_supply_date: (energy_like && self.rng.chance(80))
                .then(|| day(report, self.rng.range(14, 45))),
            min_payment_term_days: None,
            person: Some(hh.person.clone()),
            address: hh.address.clone(),
            municipality_code: None,
        };
        self.emit_arrears(event.clone());

        let mut last = report;
        let mut current = event;
        // The same report again (herhaalde melding).
        if self.rng.chance(200) {
            last = day(last, self.rng.range(7, 21));
            current = self.follow_up(&current, last, None);
        }
        // The arrears grew.
        if self.rng.chance(180) {
            last = day(last, self.rng.range(10, 30));
            let more = Money::from_cents(
                current.arrears_amount.map_or(0, Money::cents) * self.rng.range(110, 160) / 100,
            )
            .ok();
            current = self.follow_up(&current, last, more);
        }
        // Consent arrives later for a consent-based sector, and the creditor reports again.
        if consent_based && !with_consent && self.rng.chance(300) {
            last = day(last, self.rng.range(1, 10));
            let consent_ref = format!("TOESTEMMING-{:06}", self.rng.below(1_000_000));
            self.objection(
                &current,
                ObjectionEventType::ConsentGiven,
                Some(consent_ref.clone()),
                last,
            );
            last = day(last, self.rng.range(1, 5));
            let mut again = current.clone();
            again.consent_ref = Some(consent_ref);
            current = self.follow_up(&again, last, None);
        }
        if consent_based && current.consent_ref.is_some() && self.rng.chance(40) {
            last = day(last, self.rng.range(3, 30));
            let c = current.consent_ref.clone();
            self.objection(&current, ObjectionEventType::ConsentWithdrawn, c, last);
        }
        // An objection, sometimes withdrawn again.
        if self.rng.chance(25) {
            last = day(last, self.rng.range(1, 14));
            self.objection(&current, ObjectionEventType::Objection, None, last);
            if self.rng.chance(300) {
                last = day(last, self.rng.range(5, 30));
                self.objection(&current, ObjectionEventType::ObjectionWithdrawn, None, last);
            }
        }
        // Paid or a payment plan.
        if self.rng.chance(230) {
            last = day(last, self.rng.range(5, 60));
            let mut resolved = current.clone();
            resolved.event_type = ArrearsEventType::Resolved;
            resolved.arrears_amount = None;
            resolved.arrears_since = None;
            resolved.crisis = false;
            resolved.end_of_supply_date = None;
            self.follow_up(&resolved, last, None);
        }
    }

    /// A later report of the same arrears on `on`, with a new amount if given.
    fn follow_up(
        &mut self,
        prev: &ArrearsEvent,
        on: NaiveDate,
        amount: Option<Money>,
    ) -> ArrearsEvent {
        let mut e = prev.clone();
        e.event_id = self.rng.uuid();
        e.occurred_at = self.time_on(on);
        if let Some(a) = amount {
            e.arrears_amount = Some(a);
            e.reminders_sent += 1;
        }
        if on < self.end {
            self.emit_arrears(e.clone());
        }
        e
    }

    fn objection(
        &mut self,
        about: &ArrearsEvent,
        kind: ObjectionEventType,
        consent_ref: Option<String>,
        on: NaiveDate,
    ) {
        if on >= self.end {
            return;
        }
        let e = ObjectionEvent {
            event_id: self.rng.uuid(),
            creditor_id: about.creditor_id.clone(),
            customer_ref: about.customer_ref.clone(),
            event_type: kind,
            consent_ref,
            occurred_at: self.time_on(on),
            address: about.address.clone(),
        };
        self.push(e.occurred_at, Record::Objection(Box::new(e)));
    }

    /// Emits an arrears event; now and then it is delivered twice, or a broken copy of it is
    /// produced by a creditor's faulty export.
    fn emit_arrears(&mut self, e: ArrearsEvent) {
        let at = e.occurred_at;
        if self.rng.chance(10) {
            if let Some(bad) = bad::corrupt(&e, &mut self.rng) {
                self.push(at, bad);
            }
            return;
        }
        // A redelivery carries the same occurred_at, so in a file sorted by it the copy sits
        // right next to the original.
        if self.rng.chance(10) {
            self.push(at, Record::Arrears(Box::new(e.clone())));
        }
        self.push(at, Record::Arrears(Box::new(e)));
    }
}

#[cfg(test)]
mod tests;
