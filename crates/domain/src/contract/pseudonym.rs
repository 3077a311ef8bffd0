//! Keyed pseudonyms for households (RULES.md §6).
//!
//! A household id is `hh_<key id>_<HMAC-SHA256(key, canonical address), 160 bits, base32>`.
//! The key never leaves the pipeline, so a creditor who knows an address cannot compute the id,
//! and logs, metrics and audit records that carry only the id reveal nothing. The key id is part
//! of the pseudonym so that a key rotation is visible in the data: ids made under the old key are
//! recognisably different, and state can be re-keyed deliberately rather than by accident.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;

use crate::contract::address::HouseholdKey;
use crate::contract::error::ValueError;

/// The development key `demo` and `simulate` use when no key is configured. Public by design:
/// pseudonyms made with it protect nothing, and those commands say so on stderr.
pub const DEVELOPMENT_KEY_HEX: &str =
    "766f65677369676e61616c2d646576656c6f706d656e742d6b65792d6e6f742d736563726574";

/// A pseudonymisation key with its id. At least 32 bytes.
#[derive(Clone)]
pub struct PseudonymKey {
    id: String,
    mac: Hmac<Sha256>,
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        write!(f, "PseudonymKey({})", self.id)
    }
}

impl PseudonymKey {
    /// Builds a key from hex text (`VROEGSIGNAAL_PSEUDONYM_KEY`) and an id of 1–8 lower-case
    /// letters or digits.
    pub fn from_hex(id: &str, hex_text: &str) -> Result<Self, ValueError> {
        let bytes = hex::decode(hex_text.trim())
            .map_err(|e| ValueError::PseudonymKey(format!("not hex: {e}")))?;
        Self::from_bytes(id, &bytes)
    }

    /// Builds a key from raw bytes.
    pub fn from_bytes(id: &str, bytes: &[u8]) -> Result<Self, ValueError> {
        if bytes.len() < 32 {
            return Err(ValueError::PseudonymKey(format!(
                "must be at least 32 bytes, got {}",
                bytes.len()
            )));
        }
        if id.is_empty()
            || id.len() > 8
            || !id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err(ValueError::PseudonymKey(format!(
                "key id must be 1-8 lower-case letters or digits, got {id:?}"
            )));
        }
        let mac = Hmac::<Sha256>::new_from_slice(bytes)
            .map_err(|e| ValueError::PseudonymKey(e.to_string()))?;
        Ok(PseudonymKey {
            id: id.to_owned(),
            mac,
        })
    }

    /// The public development key (see [`DEVELOPMENT_KEY_HEX`]).
    pub fn development() -> Self {
        // The constant is valid hex of 38 bytes; a failure here is a programming error caught by
        // the unit test below, so fall back to an all-zero key rather than panic.
        Self::from_hex("dev", DEVELOPMENT_KEY_HEX)
            .or_else(|_| Self::from_bytes("dev", &[0u8; 32]))
            .unwrap_or_else(|_| unreachable_key())
    }

    /// The key id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The household pseudonym of an address.
    pub fn household_id(&self, key: &HouseholdKey) -> HouseholdId {
        let mut mac = self.mac.clone();
        mac.update(key.canonical().as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut s = String::with_capacity(4 + self.id.len() + 32);
        s.push_str("hh_");
        s.push_str(&self.id);
        s.push('_');
        base32_lower(&digest[..20], &mut s);
        HouseholdId(s.into())
    }

    /// A keyed pseudonym of any text (e.g. a customer reference in a log line).
    pub fn pseudonym(&self, text: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(text.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut s = String::with_capacity(16);
        base32_lower(&digest[..10], &mut s);
        s
    }
}

fn unreachable_key() -> PseudonymKey {
    // Hmac accepts keys of any length, so `from_bytes` with 32 zero bytes and id "dev" cannot
    // fail; this exists only to avoid an `expect` in library code.
    PseudonymKey {
        id: "dev".to_owned(),
        mac: <Hmac<Sha256> as hmac::digest::KeyInit>::new(&Default::default()),
    }
}

fn base32_lower(bytes: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
}

/// A household's pseudonym, e.g. `hh_dev_3q9…`. The only way households appear outside a task.
///
/// Shared text (`Arc<str>`): the id is copied into every decision, task, timer and map key of
/// its household, and a clone is a reference count, not an allocation. Equality, order, hash,
/// `Debug` and the serde form are those of the text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HouseholdId(Arc<str>);

impl HouseholdId {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Wraps an id read back from a topic or state store.
    pub fn from_stored(s: String) -> Self {
        HouseholdId(s.into())
    }
}

impl Serialize for HouseholdId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for HouseholdId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(HouseholdId::from_stored)
    }
}

impl fmt::Display for HouseholdId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> HouseholdKey {
        HouseholdKey {
            postcode: "3011AB".parse().unwrap(),
            house_number: crate::contract::address::HouseNumber::new(10).unwrap(),
            addition: crate::contract::address::Addition::parse("a").unwrap(),
        }
    }

    #[test]
    fn development_key_is_valid() {
        assert!(PseudonymKey::from_hex("dev", DEVELOPMENT_KEY_HEX).is_ok());
        assert_eq!(PseudonymKey::development().id(), "dev");
    }

    #[test]
    fn pseudonym_is_stable_and_keyed() {
        let k1 = PseudonymKey::from_bytes("k1", &[1u8; 32]).unwrap();
        let k2 = PseudonymKey::from_bytes("k2", &[2u8; 32]).unwrap();
        let a = k1.household_id(&key());
        assert_eq!(a, k1.household_id(&key()));
        assert!(a.as_str().starts_with("hh_k1_"));
        assert_eq!(a.as_str().len(), "hh_k1_".len() + 32);
        assert_ne!(a.as_str()[6..], k2.household_id(&key()).as_str()[6..]);
        assert!(!a.as_str().contains("3011"));
    }

    #[test]
    fn refuses_short_keys_and_bad_ids() {
        assert!(PseudonymKey::from_bytes("k1", &[1u8; 31]).is_err());
        assert!(PseudonymKey::from_bytes("K1", &[1u8; 32]).is_err());
        assert!(PseudonymKey::from_hex("k1", "zz").is_err());
    }
}
