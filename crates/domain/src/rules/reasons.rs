//! Reasons in words a caseworker understands (Dutch, as the people reading them work in Dutch).

use crate::sector::Sector;

/// The person objected to signals from this creditor.
pub(crate) fn objection(sector: Sector) -> String {
    format!("{sector}: de inwoner heeft bezwaar gemaakt tegen het delen van gegevens")
}
