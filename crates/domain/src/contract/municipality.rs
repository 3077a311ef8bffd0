//! CBS municipality codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::contract::error::ValueError;

/// A CBS `gemeentecode`: four digits with leading zeros (`0518`). Accepts `GM0518` and `518`
/// on input; always prints four digits, which is also the suffix of the municipality's topic
/// `vroeg.outreach.0518`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gemeentecode(u16);

impl Gemeentecode {
    /// No municipality: the address of an objection or consent withdrawal that does not route.
    /// Such an event still reaches its household (RULES.md §1: recorded whatever the routing
    /// says); 9999 is no municipality's code, and it never names a task's destination.
    pub const UNROUTED: Gemeentecode = Gemeentecode(9999);

    /// From the numeric code, 1..=9999.
    pub fn new(code: u16) -> Result<Self, ValueError> {
        if (1..=9999).contains(&code) {
            Ok(Gemeentecode(code))
        } else {
            Err(ValueError::Gemeentecode(code.to_string()))
        }
    }

    /// The numeric code.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl FromStr for Gemeentecode {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let digits = t
            .strip_prefix("GM")
            .or_else(|| t.strip_prefix("gm"))
            .unwrap_or(t);
        if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValueError::Gemeentecode(s.to_owned()));
        }
        let n: u16 = digits
            .parse()
            .map_err(|_| ValueError::Gemeentecode(s.to_owned()))?;
        Gemeentecode::new(n).map_err(|_| ValueError::Gemeentecode(s.to_owned()))
    }
}

impl fmt::Display for Gemeentecode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

impl fmt::Debug for Gemeentecode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GM{:04}", self.0)
    }
}

impl Serialize for Gemeentecode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Gemeentecode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        for s in ["0518", "GM0518", "518", "gm0518", " 0518 "] {
            assert_eq!(
                s.parse::<Gemeentecode>().unwrap().to_string(),
                "0518",
                "{s}"
            );
        }
        for bad in ["", "GM", "05180", "0000", "GM05a8", "-518"] {
            assert!(bad.parse::<Gemeentecode>().is_err(), "{bad}");
        }
    }
}
