//! Routing an address to its municipality (RULES.md §5).
//!
//! The municipality is where the address is. An exact postcode + house-number table (from CBS's
//! `pc6hnr` file) answers first where a deployment has one; otherwise the PC4 table's `main`
//! municipality. A municipality hint in the event is used only when it agrees with the table or
//! the table has no answer. Parsing the tables from text lives in [`crate::config::routing_load`].

use std::collections::HashMap;

use crate::contract::address::{HouseholdKey, Postcode};
use crate::contract::municipality::Gemeentecode;

/// How a municipality was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteSource {
    /// Exact postcode + house number.
    Exact,
    /// The PC4 table (for the 20 PC4s that straddle two municipalities: the main one).
    Pc4,
    /// The event's hint; the tables had no answer.
    Hint,
}

/// A routing answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The municipality.
    pub municipality: Gemeentecode,
    /// How it was found.
    pub source: RouteSource,
    /// The PC4 straddles municipalities and no exact table answered: the route may be wrong for
    /// this address, and the hint (if any) disagreed or was absent.
    pub ambiguous: bool,
}

/// PC4 and (optionally) exact address tables.
#[derive(Debug, Clone, Default)]
pub struct RoutingTable {
    /// PC4 -> all municipalities with addresses there, main first.
    pub pc4: HashMap<u16, Vec<Gemeentecode>>,
    /// (postcode, house number) -> municipality, from `pc6hnr`.
    pub exact: HashMap<(Postcode, u32), Gemeentecode>,
}

impl RoutingTable {
    /// Routes a household; `None` when neither the tables nor the hint give an answer.
    pub fn route(&self, key: &HouseholdKey, hint: Option<Gemeentecode>) -> Option<Route> {
        if let Some(&m) = self.exact.get(&(key.postcode, key.house_number.get())) {
            return Some(Route {
                municipality: m,
                source: RouteSource::Exact,
                ambiguous: false,
            });
        }
        match self.pc4.get(&key.postcode.pc4()) {
            Some(candidates) if !candidates.is_empty() => {
                // A hint that names one of the PC4's municipalities settles a straddling PC4.
                if let Some(h) = hint.filter(|h| candidates.contains(h)) {
                    return Some(Route {
                        municipality: h,
                        source: RouteSource::Pc4,
                        ambiguous: false,
                    });
                }
                Some(Route {
                    municipality: candidates[0],
                    source: RouteSource::Pc4,
                    ambiguous: candidates.len() > 1,
                })
            }
            _ => hint.map(|h| Route {
                municipality: h,
                source: RouteSource::Hint,
                ambiguous: false,
            }),
        }
    }
}
