//! The CSV columns of every upload kind and the rule each cell must follow.
//!
//! One table drives the mapping for arrears, objections, consents and feedback: a column's
//! name is its contract field path (`address.postcode`), its type says how a cell becomes a JSON
//! value and which rule a bad cell breaks. Rules name what is expected, never the cell's value:
//! an upload carries personal data and a rejection report gets mailed around.

use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::Value;
use vroeg_domain::contract::address::{Addition, HouseNumber, Postcode};
use vroeg_domain::contract::messages::id_rule;
use vroeg_domain::contract::money::Money;
use vroeg_domain::contract::municipality::Gemeentecode;
use vroeg_domain::contract::sector::Sector;
use vroeg_domain::reporting::ddas::{Contactsoort, Dagdeel, Eindresultaat};

use super::CsvKind;

/// How a cell is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    /// Free text, kept exactly.
    Text,
    /// An identifier (`check_id` in the domain): at most `max` characters.
    Id {
        max: usize,
        topic_safe: bool,
    },
    /// A feedback case id: an identifier of the form vroegsignaal issues.
    CaseId,
    /// `true` / `false`, any case.
    Bool,
    /// A whole number (`u32`).
    Count,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339.
    Time,
    /// Euros as a decimal string.
    Amount,
    Sector,
    ArrearsType,
    ObjectionType,
    FeedbackType,
    Postcode,
    HouseNumber,
    Addition,
    Gemeente,
    Soort,
    Dagdeel,
    Resultaat,
}

/// Whether a kind of upload has a column, and whether it is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    No,
    Optional,
    Required,
}

/// One column: its contract path, type, and use per kind (arrears, objections, feedback).
#[derive(Debug)]
pub(crate) struct Column {
    pub(crate) name: &'static str,
    pub(crate) ty: Ty,
    uses: [Use; 3],
}

impl Column {
    pub(crate) fn usage(&self, kind: CsvKind) -> Use {
        self.uses[kind as usize]
    }
}

const fn col(name: &'static str, ty: Ty, uses: [Use; 3]) -> Column {
    Column { name, ty, uses }
}

use Use::{No, Optional as Opt, Required as Req};

const ID128: Ty = Ty::Id {
    max: 128,
    topic_safe: false,
};
const ID64: Ty = Ty::Id {
    max: 64,
    topic_safe: false,
};

/// Every column, in the documented order of the arrears template, then objections-only and
/// feedback columns. `[arrears, objections, feedback]`. A feedback `event_id` and `occurred_at`
/// are optional columns because the caller fills them in when empty (docs/UPLOADS.md).
pub(crate) const COLUMNS: &[Column] = &[
    col("event_id", ID128, [Req, Req, Opt]),
    col(
        "creditor_id",
        Ty::Id {
            max: 64,
            topic_safe: true,
        },
        [Req, Req, No],
    ),
    col("sector", Ty::Sector, [Req, No, No]),
    col("event_type", Ty::ArrearsType, [Req, No, No]),
    col("customer_ref", ID64, [Req, Req, No]),
    col("arrears_amount", Ty::Amount, [Opt, No, No]),
    col("arrears_since", Ty::Date, [Opt, No, No]),
    col("occurred_at", Ty::Time, [Req, Req, Opt]),
    col("reminders_sent", Ty::Count, [Opt, No, No]),
    col("personal_contact_attempted", Ty::Bool, [Opt, No, No]),
    col("pointed_to_debt_help", Ty::Bool, [Opt, No, No]),
    col("data_sharing_offered", Ty::Bool, [Opt, No, No]),
    col("objected", Ty::Bool, [Opt, No, No]),
    col("consent_ref", ID128, [Opt, Opt, No]),
    col("crisis", Ty::Bool, [Opt, No, No]),
    col("warm_handover", Ty::Bool, [Opt, No, No]),
    col("end_of_supply_date", Ty::Date, [Opt, No, No]),
    col("min_payment_term_days", Ty::Count, [Opt, No, No]),
    col("person.initials", Ty::Text, [Opt, No, No]),
    col("person.prefix", Ty::Text, [Opt, No, No]),
    col("person.surname", Ty::Text, [Opt, No, No]),
    col("person.birth_date", Ty::Date, [Opt, No, No]),
    col("person.phone", Ty::Text, [Opt, No, No]),
    col("person.email", Ty::Text, [Opt, No, No]),
    col("address.postcode", Ty::Postcode, [Req, Req, No]),
    col("address.house_number", Ty::HouseNumber, [Req, Req, No]),
    col(
        "address.house_number_addition",
        Ty::Addition,
        [Opt, Opt, No],
    ),
    col("address.street", Ty::Text, [Opt, Opt, No]),
    col("address.city", Ty::Text, [Opt, Opt, No]),
    col("municipality_code", Ty::Gemeente, [Opt, No, Req]),
    // The same names with another type for the other kinds: looked up by (name, kind).
    col("event_type", Ty::ObjectionType, [No, Req, No]),
    col("event_type", Ty::FeedbackType, [No, No, Req]),
    col("case_id", Ty::CaseId, [No, No, Req]),
    col("contact_attempt.soort", Ty::Soort, [No, No, Opt]),
    col("contact_attempt.bereikt", Ty::Bool, [No, No, Opt]),
    col("contact_attempt.datum", Ty::Date, [No, No, Opt]),
    col("contact_attempt.dagdeel", Ty::Dagdeel, [No, No, Opt]),
    col("resultaat", Ty::Resultaat, [No, No, Opt]),
];

/// Columns required inside an object once any of its columns is filled in (serde requires them
/// when the object is present).
pub(crate) const REQUIRED_IN_OBJECT: &[&str] = &[
    "contact_attempt.soort",
    "contact_attempt.bereikt",
    "contact_attempt.datum",
];

/// The column `name` of `kind`, if that kind has it.
pub(crate) fn find(name: &str, kind: CsvKind) -> Option<&'static Column> {
    COLUMNS
        .iter()
        .find(|c| c.name == name && c.usage(kind) != Use::No)
}

/// The column names of `kind`, in documented order.
pub fn column_names(kind: CsvKind) -> Vec<&'static str> {
    COLUMNS
        .iter()
        .filter(|c| c.usage(kind) != Use::No)
        .map(|c| c.name)
        .collect()
}

fn one_of(values: impl IntoIterator<Item = &'static str>) -> String {
    let mut s = String::from("expected one of ");
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(v);
    }
    s
}

/// The example forms the date and time rules promise (docs/UPLOADS.md).
pub const DATE_RULE: &str = "expected a date like 2026-09-01";
/// See [`DATE_RULE`].
pub const TIME_RULE: &str = "expected a time like 2026-10-15T09:00:00Z";

/// A non-empty cell as the JSON value the contract decoder reads, or the rule it breaks.
pub(crate) fn typed(ty: Ty, cell: &str) -> Result<Value, String> {
    let t = cell.trim();
    let text = || Ok(Value::String(t.to_owned()));
    match ty {
        // Text keeps its spaces: it is the creditor's data, not ours to change.
        Ty::Text => Ok(Value::String(cell.to_owned())),
        Ty::Id { max, topic_safe } => match id_rule(cell, max, topic_safe) {
            None => Ok(Value::String(cell.to_owned())),
            Some(rule) => Err(rule),
        },
        Ty::CaseId => {
            if let Some(rule) = id_rule(cell, 128, false) {
                Err(rule)
            } else if vroeg_domain::rules::case_household(cell).is_none() {
                Err("not a case id vroegsignaal issued (cs_<key id>_<hash>_<n>)".to_owned())
            } else {
                Ok(Value::String(cell.to_owned()))
            }
        }
        Ty::Bool => match t.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("expected true or false".to_owned()),
        },
        Ty::Count => match t.parse::<u32>() {
            Ok(n) if t.bytes().all(|b| b.is_ascii_digit()) => Ok(Value::from(n)),
            _ => Err("expected a whole number (digits only), e.g. 2".to_owned()),
        },
        Ty::Date => match t.parse::<NaiveDate>() {
            Ok(_) => text(),
            Err(_) => Err(DATE_RULE.to_owned()),
        },
        Ty::Time => match t.parse::<DateTime<FixedOffset>>() {
            Ok(_) => text(),
            Err(_) => Err(TIME_RULE.to_owned()),
        },
        Ty::Amount => match t.parse::<Money>() {
            Ok(_) => text(),
            Err(_) => Err(
                "expected an amount in euros with a '.' and at most 2 decimals, \
                           e.g. 512.40 (not 512,40), at most 1000000000"
                    .to_owned(),
            ),
        },
        Ty::Sector => match Sector::parse(t) {
            Some(_) => text(),
            None => Err(one_of(Sector::ALL.iter().map(|s| s.as_str()))),
        },
        Ty::ArrearsType => match t {
            "ARREARS" | "RESOLVED" => text(),
            "OBJECTION" | "OBJECTION_WITHDRAWN" | "CONSENT_GIVEN" | "CONSENT_WITHDRAWN" => Err(
                "an objection/consent event does not belong in an arrears upload \
                 (use --topic-kind objections)"
                    .to_owned(),
            ),
            _ => Err(one_of(["ARREARS", "RESOLVED"])),
        },
        Ty::ObjectionType => match t {
            "OBJECTION" | "OBJECTION_WITHDRAWN" | "CONSENT_GIVEN" | "CONSENT_WITHDRAWN" => text(),
            "ARREARS" | "RESOLVED" => Err("an arrears event does not belong in an objections \
                                           upload (use --topic-kind arrears)"
                .to_owned()),
            _ => Err(one_of([
                "OBJECTION",
                "OBJECTION_WITHDRAWN",
                "CONSENT_GIVEN",
                "CONSENT_WITHDRAWN",
            ])),
        },
        Ty::FeedbackType => match t {
            "CONTACT_ATTEMPT" | "CASE_RESULT" => text(),
            _ => Err(one_of(["CONTACT_ATTEMPT", "CASE_RESULT"])),
        },
        Ty::Postcode => match t.parse::<Postcode>() {
            Ok(_) => text(),
            Err(_) => Err(
                "expected a Dutch postcode: 4 digits and 2 letters, e.g. 3011AB or 3011 AB"
                    .to_owned(),
            ),
        },
        Ty::HouseNumber => match t.parse::<u32>().ok().map(HouseNumber::new) {
            Some(Ok(_)) if t.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Value::from(t.parse::<u32>().unwrap_or_default()))
            }
            _ => Err(
                "expected a whole number from 1 to 99999 (an addition such as A goes in \
                      address.house_number_addition)"
                    .to_owned(),
            ),
        },
        Ty::Addition => match Addition::parse(t) {
            Ok(_) => text(),
            Err(_) => Err("expected at most 6 letters or digits, e.g. A or 2HG".to_owned()),
        },
        Ty::Gemeente => match t.parse::<Gemeentecode>() {
            Ok(_) => text(),
            Err(_) => Err("expected a CBS municipality code: 4 digits, e.g. 0518".to_owned()),
        },
        Ty::Soort => match Contactsoort::parse(t) {
            Some(_) => text(),
            None => Err(one_of(Contactsoort::ALL.iter().map(|v| v.as_str()))),
        },
        Ty::Dagdeel => match Dagdeel::parse(t) {
            Some(_) => text(),
            None => Err(one_of(Dagdeel::ALL.iter().map(|v| v.as_str()))),
        },
        Ty::Resultaat => match Eindresultaat::parse(t) {
            Some(_) => text(),
            None => {
                let mut s = String::from("expected a DDAS v1.2 eindresultaat, one of: ");
                for (i, v) in Eindresultaat::ALL.iter().enumerate() {
                    let _ = write!(s, "{}{}", if i > 0 { " | " } else { "" }, v.as_str());
                }
                Err(s)
            }
        },
    }
}

/// A value that decodes as `ty`, standing in for a required cell that is empty or broken, so
/// that the rest of the line can still be decoded and checked across fields. Its own field is
/// already reported, and everything said about that field afterwards is dropped.
pub(crate) fn placeholder(ty: Ty) -> Value {
    let s = |v: &str| Value::String(v.to_owned());
    match ty {
        Ty::Text | Ty::Id { .. } => s("x"),
        // A real-looking case id is not needed: cells are checked before this is used.
        Ty::CaseId => s("cs_x_x_1"),
        Ty::Bool => Value::Bool(false),
        Ty::Count => Value::from(0),
        Ty::Date => s("2000-01-01"),
        // Far in the future, so that no date is "after occurred_at" because of the stand-in.
        Ty::Time => s("9999-12-31T23:59:59Z"),
        Ty::Amount => s("0.00"),
        Ty::Sector => s(Sector::Overig.as_str()),
        // The types with the fewest cross-field requirements.
        Ty::ArrearsType => s("RESOLVED"),
        Ty::ObjectionType => s("OBJECTION"),
        Ty::FeedbackType => s("CASE_RESULT"),
        Ty::Postcode => s("1000AA"),
        Ty::HouseNumber => Value::from(1),
        Ty::Addition => s("A"),
        Ty::Gemeente => s("0518"),
        Ty::Soort => s(Contactsoort::ALL[0].as_str()),
        Ty::Dagdeel => s(Dagdeel::ALL[0].as_str()),
        Ty::Resultaat => s(Eindresultaat::ALL[0].as_str()),
    }
}
