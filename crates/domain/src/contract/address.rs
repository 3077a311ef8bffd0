//! Dutch addresses and the household key derived from them.
//!
//! A household is an address (RULES.md §3): postcode + house number + addition, normalised so that
//! two creditors who type the same address differently still meet in one case.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::contract::error::ValueError;

/// A Dutch postcode, normalised: four digits (no leading zero) and two upper-case letters, no
/// space. `"3011 ab"` becomes `"3011AB"`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Postcode([u8; 6]);

impl Postcode {
    /// A fixed placeholder (`1000AA`) where an address must not be kept (audit, minimised state).
    pub const PLACEHOLDER: Postcode = Postcode(*b"1000AA");

    /// The normalised text, e.g. `3011AB`.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The four-digit area (PC4), used for routing.
    pub fn pc4(&self) -> u16 {
        self.0[..4]
            .iter()
            .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'))
    }
}

impl FromStr for Postcode {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 6];
        let mut n = 0;
        for b in s.bytes() {
            if b == b' ' {
                continue;
            }
            if n == 6 {
                return Err(ValueError::Postcode(s.to_owned()));
            }
            out[n] = b.to_ascii_uppercase();
            n += 1;
        }
        let ok = n == 6
            && out[0] != b'0'
            && out[..4].iter().all(u8::is_ascii_digit)
            && out[4..].iter().all(u8::is_ascii_uppercase)
            // PostNL never issues the letter pairs SA, SD and SS.
            && !matches!(&out[4..], b"SA" | b"SD" | b"SS");
        // Only one space is tolerated, and only between the digits and the letters.
        let spaces_ok = match s.trim().find(' ') {
            None => true,
            Some(i) => i == 4 && s.trim().len() == 7,
        };
        if ok && spaces_ok {
            Ok(Postcode(out))
        } else {
            Err(ValueError::Postcode(s.to_owned()))
        }
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Postcode({})", self.as_str())
    }
}

/// A house number: 1 to 99999 (BAG's range).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct HouseNumber(u32);

impl HouseNumber {
    /// The placeholder's house number, 1.
    pub const PLACEHOLDER: HouseNumber = HouseNumber(1);

    /// Validates a house number.
    pub fn new(n: u32) -> Result<Self, ValueError> {
        if (1..=99_999).contains(&n) {
            Ok(HouseNumber(n))
        } else {
            Err(ValueError::HouseNumber(n.to_string()))
        }
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl<'de> Deserialize<'de> for HouseNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u32::deserialize(d)?;
        HouseNumber::new(n).map_err(serde::de::Error::custom)
    }
}

/// A house-number addition (BAG huisletter + toevoeging), upper case, trimmed, inner spaces and
/// dashes removed: `" a "`, `"-A"` and `"a"` are all `A`. At most 6 characters (BAG: 1 + 4).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Addition(String);

impl Addition {
    /// Normalises an addition; empty input is no addition.
    pub fn parse(s: &str) -> Result<Option<Self>, ValueError> {
        let norm: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_uppercase)
            .collect();
        if norm.is_empty() {
            return Ok(None);
        }
        if norm.len() > 6 || !norm.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ValueError::Addition(s.to_owned()));
        }
        Ok(Some(Addition(norm)))
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for Addition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Deserialises an optional addition, turning `""` into `None`.
pub fn deserialize_addition<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Addition>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    match s {
        None => Ok(None),
        Some(s) => Addition::parse(&s).map_err(serde::de::Error::custom),
    }
}

impl Serialize for Postcode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Postcode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// An address as creditors send it. Only postcode, number and addition identify the household;
/// street and city are carried for the caseworker's convenience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Postcode, normalised.
    pub postcode: Postcode,
    /// House number.
    pub house_number: HouseNumber,
    /// Addition, normalised; absent when empty.
    #[serde(
        default,
        deserialize_with = "deserialize_addition",
        skip_serializing_if = "Option::is_none"
    )]
    pub house_number_addition: Option<Addition>,
    /// Street name as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// City as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
}

impl Address {
    /// The household key: the normalised identifying part of the address.
    pub fn household_key(&self) -> HouseholdKey {
        HouseholdKey {
            postcode: self.postcode,
            house_number: self.house_number,
            addition: self.house_number_addition.clone(),
        }
    }
}

/// The identifying part of an address, normalised. Two events with the same key belong to the
/// same household. Personal data: never logged, only ever pseudonymised.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdKey {
    /// Postcode.
    pub postcode: Postcode,
    /// House number.
    pub house_number: HouseNumber,
    /// Addition.
    #[serde(
        default,
        rename = "house_number_addition",
        deserialize_with = "deserialize_addition",
        skip_serializing_if = "Option::is_none"
    )]
    pub addition: Option<Addition>,
}

impl HouseholdKey {
    /// Canonical bytes fed to the pseudonym HMAC: `3011AB|10|A`.
    pub fn canonical(&self) -> String {
        format!(
            "{}|{}|{}",
            self.postcode,
            self.house_number.get(),
            self.addition.as_ref().map_or("", Addition::as_str)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcode_normalises() {
        for ok in ["3011 ab", "3011AB", "3011ab", " 3011 AB "] {
            assert_eq!(ok.parse::<Postcode>().unwrap().as_str(), "3011AB", "{ok}");
        }
        assert_eq!("3011AB".parse::<Postcode>().unwrap().pc4(), 3011);
    }

    #[test]
    fn postcode_refuses() {
        for bad in [
            "0123AB", "301AB", "3011A", "3011ABC", "3011SS", "30 11AB", "3011-AB", "AB3011",
            "3011  AB", "",
        ] {
            assert!(
                bad.parse::<Postcode>().is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn addition_normalises() {
        assert_eq!(Addition::parse(" a ").unwrap().unwrap().as_str(), "A");
        assert_eq!(Addition::parse("-bis").unwrap().unwrap().as_str(), "BIS");
        assert_eq!(Addition::parse("  ").unwrap(), None);
        assert!(Addition::parse("abcdefg").is_err());
        assert!(Addition::parse("a/b").is_err());
    }

    #[test]
    fn house_number_range() {
        assert!(HouseNumber::new(0).is_err());
        assert!(HouseNumber::new(100_000).is_err());
        assert_eq!(HouseNumber::new(10).unwrap().get(), 10);
    }
}
