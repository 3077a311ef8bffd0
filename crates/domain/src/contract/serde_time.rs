//! Faster decoding of the two time forms every input carries, with chrono's exact behaviour.
//!
//! `occurred_at` (`2026-10-15T09:00:00Z`) and dates (`2026-09-01`) in exactly that shape are read
//! directly; anything else — fractions, offsets, other separators, out-of-range values — goes to
//! chrono's own parser, so accepted values and error messages are chrono's. The visitors'
//! `expecting` texts are chrono's too, so type errors read the same.

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike, Utc};
use serde::Serialize;
use serde::Serializer;
use serde::de::{self, Deserializer, Visitor};

/// Writes `n` (below 10^width) as `width` zero-padded digits.
fn put(out: &mut [u8], n: u32) {
    let mut v = n;
    for b in out.iter_mut().rev() {
        // `v % 10` is below 10.
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// `YYYY-MM-DD` for years 0–9999 (what chrono writes for them); `None` otherwise.
fn date_text(d: NaiveDate) -> Option<[u8; 10]> {
    let year = u32::try_from(d.year()).ok().filter(|y| *y <= 9999)?;
    let mut b = *b"0000-00-00";
    put(&mut b[0..4], year);
    put(&mut b[5..7], d.month());
    put(&mut b[8..10], d.day());
    Some(b)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for whole seconds in years 0–9999 (what chrono writes for them);
/// `None` otherwise (fractions, leap seconds, other years), which chrono then writes.
fn utc_text(t: &DateTime<Utc>) -> Option<[u8; 20]> {
    if t.nanosecond() != 0 {
        return None;
    }
    let mut b = *b"0000-00-00T00:00:00Z";
    b[0..10].copy_from_slice(&date_text(t.date_naive())?);
    put(&mut b[11..13], t.hour());
    put(&mut b[14..16], t.minute());
    put(&mut b[17..19], t.second());
    Some(b)
}

/// Serialises a `DateTime<Utc>` exactly as chrono does, without `core::fmt` for whole seconds.
pub(crate) fn ser_utc<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    match utc_text(t) {
        Some(b) => s.serialize_str(std::str::from_utf8(&b).unwrap_or_default()),
        None => t.serialize(s),
    }
}

/// Serialises a `NaiveDate` exactly as chrono does.
pub(crate) fn ser_date<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    match date_text(*d) {
        Some(b) => s.serialize_str(std::str::from_utf8(&b).unwrap_or_default()),
        None => d.serialize(s),
    }
}

/// Two or four ASCII digits as a number.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// `YYYY-MM-DD` exactly, as a valid date; `None` for anything else.
fn exact_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(&b[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(&b[5..7])?, digits(&b[8..10])?)
}

/// `YYYY-MM-DDTHH:MM:SSZ` exactly, as a valid instant; `None` for anything else.
fn exact_utc(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() != 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
        return None;
    }
    let date = exact_date(&b[0..10])?;
    let time = date.and_hms_opt(
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    )?;
    Some(time.and_utc())
}

struct UtcVisitor;

impl Visitor<'_> for UtcVisitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 formatted date and time string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match exact_utc(v.as_bytes()) {
            Some(t) => Ok(t),
            None => v
                .parse::<DateTime<FixedOffset>>()
                .map(|t| t.with_timezone(&Utc))
                .map_err(E::custom),
        }
    }
}

struct DateVisitor;

impl Visitor<'_> for DateVisitor {
    type Value = NaiveDate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a formatted date string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match exact_date(v.as_bytes()) {
            Some(d) => Ok(d),
            None => v.parse::<NaiveDate>().map_err(E::custom),
        }
    }
}

/// `#[serde(deserialize_with)]` for a `DateTime<Utc>`.
pub(crate) fn utc<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    d.deserialize_str(UtcVisitor)
}

/// `#[serde(deserialize_with)]` for an `Option<NaiveDate>` (`null` is `None`).
pub(crate) fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    struct OptVisitor;
    impl<'de> Visitor<'de> for OptVisitor {
        type Value = Option<NaiveDate>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("option")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(DateVisitor).map(Some)
        }
    }
    d.deserialize_option(OptVisitor)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct T {
        #[serde(deserialize_with = "utc")]
        at: DateTime<Utc>,
        #[serde(default, deserialize_with = "opt_date")]
        on: Option<NaiveDate>,
    }

    #[derive(serde::Deserialize, Debug)]
    struct C {
        at: DateTime<Utc>,
        #[serde(default)]
        on: Option<NaiveDate>,
    }

    /// The same text as chrono's own `Serialize`.
    #[test]
    fn writes_like_chrono() {
        use chrono::TimeZone;
        let mut times = vec![
            Utc.with_ymd_and_hms(2026, 10, 15, 9, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::milliseconds(7),
            Utc.with_ymd_and_hms(2026, 6, 30, 23, 59, 59).unwrap()
                + chrono::Duration::nanoseconds(1),
            DateTime::UNIX_EPOCH,
        ];
        let mut t = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        for _ in 0..2000 {
            t += chrono::Duration::seconds(86_400 + 3_671);
            times.push(t);
        }
        for t in times {
            let ours = serde_json::to_string(&SerUtc(t)).unwrap();
            assert_eq!(ours, serde_json::to_string(&t).unwrap());
            let d = t.date_naive();
            let ours = serde_json::to_string(&SerDate(d)).unwrap();
            assert_eq!(ours, serde_json::to_string(&d).unwrap());
        }
    }

    struct SerUtc(DateTime<Utc>);
    impl Serialize for SerUtc {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            ser_utc(&self.0, s)
        }
    }
    struct SerDate(NaiveDate);
    impl Serialize for SerDate {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            ser_date(&self.0, s)
        }
    }

    /// Same value, or the same error text, as chrono's own `Deserialize`.
    #[test]
    fn agrees_with_chrono() {
        let times = [
            "\"2026-10-15T09:00:00Z\"",
            "\"2026-10-15T09:00:00.5Z\"",
            "\"2026-10-15T09:00:00+02:00\"",
            "\"2026-10-15 09:00:00Z\"",
            "\"2026-10-15t09:00:00z\"",
            "\"2026-02-30T09:00:00Z\"",
            "\"2026-10-15T24:00:00Z\"",
            "\"2026-10-15T23:59:60Z\"",
            "\"0000-01-01T00:00:00Z\"",
            "\"2026-1-15T09:00:00Z\"",
            "\"+2026-10-15T09:00:00Z\"",
            "\"\"",
            "5",
            "null",
        ];
        let dates = [
            "\"2026-09-01\"",
            "\"2026-9-1\"",
            "\"2026-02-29\"",
            "\"2028-02-29\"",
            "\"0000-01-01\"",
            "\"+12026-01-01\"",
            "\" 2026-09-01\"",
            "\"2026-09-01 \"",
            "\"2026/09/01\"",
            "null",
            "7",
        ];
        for t in times {
            for d in dates {
                let json = format!("{{\"at\":{t},\"on\":{d}}}");
                let ours = serde_json::from_str::<T>(&json).map(|v| (v.at, v.on));
                let theirs = serde_json::from_str::<C>(&json).map(|v| (v.at, v.on));
                match (ours, theirs) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{json}"),
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{json}"),
                    (a, b) => panic!("{json}: {a:?} vs {b:?}"),
                }
            }
            let json = format!("{{\"at\":{t}}}");
            let ours = serde_json::from_str::<T>(&json).map(|v| (v.at, v.on));
            let theirs = serde_json::from_str::<C>(&json).map(|v| (v.at, v.on));
            assert_eq!(
                ours.map_err(|e| e.to_string()),
                theirs.map_err(|e| e.to_string()),
                "{json}"
            );
        }
    }
}
