//! Errors of value validation. Each names the rule that was broken, never the value itself
//! (CONTRACT.md 1.1: a rejection names the field and the rule; the value may be personal data).

use thiserror::Error;

/// A value that does not meet the contract.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValueError {
    /// Not a decimal amount.
    #[error("not an amount in euros (expected a decimal string such as \"512.40\")")]
    NotAnAmount(String),
    /// A negative amount.
    #[error("amount may not be negative")]
    NegativeAmount(String),
    /// More than two decimals.
    #[error("amount has more than 2 decimals")]
    TooManyDecimals(String),
    /// Beyond the sanity limit.
    #[error("amount exceeds EUR 1,000,000,000")]
    AmountTooLarge(String),
    /// Not a Dutch postcode.
    #[error("not a Dutch postcode (expected 4 digits and 2 letters, e.g. \"3011AB\")")]
    Postcode(String),
    /// House number out of range.
    #[error("house number out of range 1..=99999")]
    HouseNumber(String),
    /// A malformed addition.
    #[error("house number addition must be at most 6 letters or digits")]
    Addition(String),
    /// Not a CBS municipality code.
    #[error("not a municipality code (expected 4 digits, e.g. \"0518\" or \"GM0518\")")]
    Gemeentecode(String),
    /// A bad pseudonymisation key.
    #[error("pseudonymisation key: {0}")]
    PseudonymKey(String),
    /// An empty or too long identifier.
    #[error("identifier {field} must be 1 to {max} printable characters without '/'")]
    Identifier {
        /// Which identifier.
        field: &'static str,
        /// Its limit.
        max: usize,
        /// What was given.
        value: String,
    },
}
