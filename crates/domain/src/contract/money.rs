//! Money in euros: exact decimals, never floating point.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::contract::error::ValueError;

/// An amount in euros: `>= 0`, at most two decimals, stored exactly.
///
/// Its JSON form is a decimal string (`"512.40"`); a JSON number is refused on decode, because a
/// float cannot carry cents exactly and a creditor who sends one has a bug we want to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

impl Money {
    /// Zero euros.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Validates a decimal as an amount in euros.
    pub fn new(value: Decimal) -> Result<Self, ValueError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(ValueError::NegativeAmount(value.to_string()));
        }
        if value.normalize().scale() > 2 {
            return Err(ValueError::TooManyDecimals(value.to_string()));
        }
        // Always carry exactly two decimals so that "512.4" and "512.40" print alike.
        let mut v = value.normalize();
        v.rescale(2);
        Ok(Money(v))
    }

    /// Whole cents, for compact state and Avro's `decimal(…, 2)`.
    pub fn from_cents(cents: i64) -> Result<Self, ValueError> {
        Money::new(Decimal::new(cents, 2))
    }

    /// The amount in whole cents.
    pub fn cents(self) -> i64 {
        let mut v = self.0;
        v.rescale(2);
        // Two decimals and at most 28 digits of mantissa; amounts beyond i64 cents (9e16 euro)
        // are refused on parse, so the conversion is lossless.
        i64::try_from(v.mantissa()).unwrap_or(i64::MAX)
    }

    /// The exact decimal value.
    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    /// Whole euros as DDAS reports them (`bedrag` is an integer): rounded half away from zero.
    pub fn whole_euros(self) -> i64 {
        let r = self
            .0
            .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        i64::try_from(r.mantissa() / 10i128.pow(r.scale())).unwrap_or(i64::MAX)
    }

    /// Sum of two amounts; saturates far beyond any real arrears.
    pub fn saturating_add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }

    /// Dutch notation for reasons a caseworker reads: `EUR 1.512,40`.
    pub fn dutch(self) -> String {
        let mut s = String::with_capacity(16);
        self.write_dutch(&mut s);
        s
    }

    /// Appends [`Money::dutch`] to `out` without allocating on its own.
    pub fn write_dutch(self, out: &mut String) {
        let cents = self.cents();
        let euros = cents / 100;
        let rest = cents % 100;
        let mut buf = [0u8; 24];
        let digits = crate::contract::text::i64_digits(euros, &mut buf);
        out.push_str("EUR ");
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(ch);
        }
        out.push(',');
        if (0..10).contains(&rest) {
            out.push('0');
        }
        if rest >= 0 {
            out.push_str(crate::contract::text::i64_digits(rest, &mut buf));
        } else {
            // Negative amounts do not occur (refused on parse); kept exact anyway.
            let _ = std::fmt::Write::write_fmt(out, format_args!("{rest:02}"));
        }
    }
}

/// The largest amount accepted: one billion euros. Anything larger is a data error, and the bound
/// keeps cents inside `i64`.
const MAX_EUROS: i64 = 1_000_000_000;

impl FromStr for Money {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(ValueError::NotAnAmount(s.to_owned()));
        }
        let d = Decimal::from_str(t).map_err(|_| ValueError::NotAnAmount(s.to_owned()))?;
        if d > Decimal::from(MAX_EUROS) {
            return Err(ValueError::AmountTooLarge(s.to_owned()));
        }
        Money::new(d)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount in euros as a decimal string, e.g. \"512.40\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Money, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let m: Money = "512.4".parse().unwrap();
        assert_eq!(m.to_string(), "512.40");
        assert_eq!(m.cents(), 51240);
        assert_eq!(m.dutch(), "EUR 512,40");
        let big: Money = "1234567.05".parse().unwrap();
        assert_eq!(big.dutch(), "EUR 1.234.567,05");
        assert_eq!("0".parse::<Money>().unwrap().to_string(), "0.00");
    }

    #[test]
    fn refuses_bad_amounts() {
        for bad in ["-1", "1.234", "", "abc", "1e3", "12,50", "2000000000"] {
            assert!(bad.parse::<Money>().is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn whole_euros_round_half_up() {
        assert_eq!("512.49".parse::<Money>().unwrap().whole_euros(), 512);
        assert_eq!("512.50".parse::<Money>().unwrap().whole_euros(), 513);
    }

    #[test]
    fn json_refuses_numbers() {
        assert!(serde_json::from_str::<Money>("512.4").is_err());
        assert_eq!(
            serde_json::from_str::<Money>("\"512.4\"").unwrap().cents(),
            51240
        );
    }
}
