//! The packed value form inside a v1 household record: a JSON value tree written without the
//! text overhead of JSON. Object keys the household state uses become one byte (an index into
//! [`KEYS`]); dates and UTC timestamps in the contract's exact text form become numbers; every
//! other value keeps its JSON meaning. Decoding gives back the identical JSON value, so the
//! record is read with the same serde derives as the v0 JSON (and unknown or new fields simply
//! travel as inline keys: the form never needs to follow `vroeg-domain`'s structs).
//!
//! Layout: one tag byte per value, lengths and integers as LEB128 varints.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Number, Value};

/// Keys of the household record, index + 1 on the wire (0: an inline key follows). Append only:
/// a key's position is part of the v1 format.
const KEYS: &[&str] = &[
    "type",
    "applied",
    "state",
    "report_keys",
    "household_id",
    "municipality",
    "address",
    "person",
    "arrears",
    "standings",
    "history",
    "case",
    "last_closed",
    "case_seq",
    "recent_events",
    "last_activity",
    "not_resident",
    "postcode",
    "house_number",
    "house_number_addition",
    "street",
    "city",
    "initials",
    "prefix",
    "surname",
    "birth_date",
    "phone",
    "email",
    "creditor_id",
    "customer_ref",
    "sector",
    "amount",
    "since",
    "event_id",
    "reported_at",
    "reminders_sent",
    "crisis",
    "warm_handover",
    "end_of_supply_date",
    "personal_contact_attempted",
    "pointed_to_debt_help",
    "data_sharing_offered",
    "min_payment_term_days",
    "stage",
    "due",
    "signal_id",
    "updated_signal_sent",
    "objection",
    "withdrawn_consents",
    "on",
    "case_id",
    "task_id",
    "opened_at",
    "dispatch_at",
    "version",
    "signals",
    "classification",
    "priority",
    "due_date",
    "created_at",
    "first_contact_on",
    "reached",
    "known_to_debt_help",
    "picked_up_told",
    "signalled_on",
    "updated_signal",
    "resolved",
    "result",
    "closed_on",
    "next_offset",
    "sources",
    "instance",
    // 2026-11-29 (issue #8): idempotency keys, account clocks, id epoch, minimal records.
    "seen_events",
    "accounts",
    "epoch",
    "standings_only",
    "newest",
];

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const INT: u8 = 3;
const UINT: u8 = 4;
const FLOAT: u8 = 5;
const STRING: u8 = 6;
const ARRAY: u8 = 7;
const OBJECT: u8 = 8;
/// `YYYY-MM-DD`, as days since 1970-01-01 (zigzag).
const DATE: u8 = 9;
/// `YYYY-MM-DDTHH:MM:SSZ`, as seconds since the epoch (zigzag).
const DATETIME: u8 = 10;

const DATE_FMT: &str = "%Y-%m-%d";
const DATETIME_FMT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// Appends the packed form of `v` to `out`.
pub(super) fn pack(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(NULL),
        Value::Bool(false) => out.push(FALSE),
        Value::Bool(true) => out.push(TRUE),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push(INT);
                varint(zigzag(i), out);
            } else if let Some(u) = n.as_u64() {
                out.push(UINT);
                varint(u, out);
            } else {
                out.push(FLOAT);
                out.extend_from_slice(&n.as_f64().unwrap_or_default().to_le_bytes());
            }
        }
        Value::String(s) => string(s, out),
        Value::Array(items) => {
            out.push(ARRAY);
            varint(items.len() as u64, out);
            for item in items {
                pack(item, out);
            }
        }
        Value::Object(map) => {
            out.push(OBJECT);
            varint(map.len() as u64, out);
            for (k, item) in map {
                match KEYS.iter().position(|known| known == k) {
                    Some(i) => varint(i as u64 + 1, out),
                    None => {
                        varint(0, out);
                        bytes(k.as_bytes(), out);
                    }
                }
                pack(item, out);
            }
        }
    }
}

/// A string, as a date or timestamp number when it is one in exactly the form chrono writes
/// (checked by formatting it back, so decoding reproduces the same text).
fn string(s: &str, out: &mut Vec<u8>) {
    if s.len() == 10
        && let Ok(d) = NaiveDate::parse_from_str(s, DATE_FMT)
        && d.format(DATE_FMT).to_string() == s
    {
        out.push(DATE);
        let days = (d - NaiveDate::default()).num_days();
        varint(zigzag(days), out);
        return;
    }
    if s.len() == 20
        && let Ok(t) = DateTime::parse_from_rfc3339(s)
        && t.format(DATETIME_FMT).to_string() == s
    {
        out.push(DATETIME);
        varint(zigzag(t.timestamp()), out);
        return;
    }
    out.push(STRING);
    bytes(s.as_bytes(), out);
}

fn bytes(b: &[u8], out: &mut Vec<u8>) {
    varint(b.len() as u64, out);
    out.extend_from_slice(b);
}

fn zigzag(i: i64) -> u64 {
    ((i << 1) ^ (i >> 63)) as u64
}

fn unzigzag(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

fn varint(mut u: u64, out: &mut Vec<u8>) {
    while u >= 0x80 {
        out.push((u as u8) | 0x80);
        u >>= 7;
    }
    out.push(u as u8);
}

/// Reads packed values; every failure is a message for `BadStateRecord`, never a panic.
pub(super) struct Reader<'a> {
    rest: &'a [u8],
    depth: usize,
}

/// Deeper than any household record; stops a corrupt record from recursing without bound.
const MAX_DEPTH: usize = 64;

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Reader {
            rest: bytes,
            depth: 0,
        }
    }

    /// The one value the bytes hold (trailing bytes are an error).
    pub(super) fn value_to_end(mut self) -> Result<Value, String> {
        let v = self.value()?;
        if self.rest.is_empty() {
            Ok(v)
        } else {
            Err(format!("{} trailing bytes", self.rest.len()))
        }
    }

    fn byte(&mut self) -> Result<u8, String> {
        let (&b, rest) = self.rest.split_first().ok_or("truncated")?;
        self.rest = rest;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut u = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            u |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(u);
            }
        }
        Err("varint too long".into())
    }

    fn len(&mut self) -> Result<usize, String> {
        let n = usize::try_from(self.varint()?).map_err(|e| e.to_string())?;
        // Every element takes at least one byte: a length beyond the rest is corrupt, and
        // checking it here keeps a bad length from reserving huge vectors.
        if n > self.rest.len() {
            return Err(format!("length {n} beyond the record"));
        }
        Ok(n)
    }

    fn text(&mut self) -> Result<String, String> {
        let n = self.len()?;
        let (b, rest) = self.rest.split_at(n);
        self.rest = rest;
        String::from_utf8(b.to_vec()).map_err(|e| e.to_string())
    }

    fn value(&mut self) -> Result<Value, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("nested too deep".into());
        }
        let v = match self.byte()? {
            NULL => Value::Null,
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            INT => Value::from(unzigzag(self.varint()?)),
            UINT => Value::from(self.varint()?),
            FLOAT => {
                let (b, rest) = self.rest.split_first_chunk::<8>().ok_or("truncated")?;
                self.rest = rest;
                Number::from_f64(f64::from_le_bytes(*b))
                    .map(Value::Number)
                    .ok_or("not a finite number")?
            }
            STRING => Value::String(self.text()?),
            DATE => {
                let days = unzigzag(self.varint()?);
                let d = chrono::TimeDelta::try_days(days)
                    .and_then(|delta| NaiveDate::default().checked_add_signed(delta))
                    .ok_or("date out of range")?;
                Value::String(d.format(DATE_FMT).to_string())
            }
            DATETIME => {
                let secs = unzigzag(self.varint()?);
                let t = DateTime::<Utc>::from_timestamp(secs, 0).ok_or("time out of range")?;
                Value::String(t.format(DATETIME_FMT).to_string())
            }
            ARRAY => {
                let n = self.len()?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value()?);
                }
                Value::Array(items)
            }
            OBJECT => {
                let n = self.len()?;
                let mut map = Map::new();
                for _ in 0..n {
                    let k = match self.varint()? {
                        0 => self.text()?,
                        i => (*usize::try_from(i - 1)
                            .ok()
                            .and_then(|i| KEYS.get(i))
                            .ok_or_else(|| format!("unknown key index {i}"))?)
                        .to_owned(),
                    };
                    let item = self.value()?;
                    map.insert(k, item);
                }
                Value::Object(map)
            }
            tag => return Err(format!("unknown tag {tag}")),
        };
        self.depth -= 1;
        Ok(v)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_exactly() {
        let v = serde_json::json!({
            "type": "household", "applied": -1, "big": u64::MAX, "f": 1.5, "n": null,
            "b": [true, false], "unknown key": "2026-9-1", "since": "2026-09-01",
            "at": "2026-09-15T09:00:00Z", "frac": "2026-09-15T09:00:00.5Z",
            "offset": "2026-09-15T09:00:00+02:00", "old": "1969-12-31", "s": "€ x",
            "nested": {"case": {"signals": [{"amount": "512.40"}]}}
        });
        let mut out = Vec::new();
        pack(&v, &mut out);
        assert_eq!(Reader::new(&out).value_to_end().unwrap(), v);
        assert!(Reader::new(&out[..out.len() - 1]).value_to_end().is_err());
        let mut trailing = out.clone();
        trailing.push(0);
        assert!(Reader::new(&trailing).value_to_end().is_err());
        assert!(Reader::new(&[OBJECT, 1, 200, NULL]).value_to_end().is_err());
        assert!(
            Reader::new(&[ARRAY, 0xff, 0xff, 0xff, 0x0f])
                .value_to_end()
                .is_err()
        );
        assert!(Reader::new(&[99]).value_to_end().is_err());
    }
}
