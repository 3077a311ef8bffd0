//! Creditor sectors and what the law says about each (RULES.md §1).

use serde::{Deserialize, Serialize};

use crate::reporting::ddas::Signaalpartner;

/// The sector of a creditor, as the contract names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Sector {
    /// Residential landlords.
    Huur,
    /// Electricity, gas, heat.
    Energie,
    /// Drinking water.
    Water,
    /// Health insurers, basic policy.
    Zorg,
    /// CAK, health-insurance defaulters.
    Cak,
    /// DUO (experiment).
    Duo,
    /// Belastingdienst (experiment).
    Belastingdienst,
    /// Dienst Toeslagen (experiment).
    Toeslagen,
    /// Mortgage lenders (covenant, consent).
    Hypotheek,
    /// Banks (consent).
    Bank,
    /// Telecom (consent).
    Telecom,
    /// Other insurers (consent).
    Verzekering,
    /// Anything else (consent).
    Overig,
}

/// How a sector may signal at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    /// A statutory basis (Wgs/Bgs or sector regulation): no consent needed.
    Statutory,
    /// A Wgs art. 10 experiment: only for municipalities taking part.
    Experiment,
    /// No statutory basis: only with the person's consent.
    Consent,
}

impl Sector {
    /// Every sector, in contract order.
    pub const ALL: [Sector; 13] = [
        Sector::Huur,
        Sector::Energie,
        Sector::Water,
        Sector::Zorg,
        Sector::Cak,
        Sector::Duo,
        Sector::Belastingdienst,
        Sector::Toeslagen,
        Sector::Hypotheek,
        Sector::Bank,
        Sector::Telecom,
        Sector::Verzekering,
        Sector::Overig,
    ];

    /// The contract's name, e.g. `HUUR`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Huur => "HUUR",
            Sector::Energie => "ENERGIE",
            Sector::Water => "WATER",
            Sector::Zorg => "ZORG",
            Sector::Cak => "CAK",
            Sector::Duo => "DUO",
            Sector::Belastingdienst => "BELASTINGDIENST",
            Sector::Toeslagen => "TOESLAGEN",
            Sector::Hypotheek => "HYPOTHEEK",
            Sector::Bank => "BANK",
            Sector::Telecom => "TELECOM",
            Sector::Verzekering => "VERZEKERING",
            Sector::Overig => "OVERIG",
        }
    }

    /// Parses the contract's name.
    pub fn parse(s: &str) -> Option<Sector> {
        Sector::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The DDAS v1.2 `signaalpartner.type` this sector reports as.
    pub fn ddas_partner(self) -> Signaalpartner {
        match self {
            Sector::Huur => Signaalpartner::Huur,
            Sector::Energie => Signaalpartner::Energie,
            Sector::Water => Signaalpartner::Water,
            Sector::Zorg => Signaalpartner::Zorg,
            Sector::Cak => Signaalpartner::CakZorgverzekeringen,
            Sector::Duo => Signaalpartner::Duo,
            Sector::Belastingdienst => Signaalpartner::Belastingdienst,
            Sector::Toeslagen => Signaalpartner::DienstToeslagen,
            Sector::Hypotheek => Signaalpartner::Hypotheek,
            Sector::Bank | Sector::Telecom | Sector::Verzekering | Sector::Overig => {
                Signaalpartner::Overige
            }
        }
    }

    /// The legal basis a signal from this sector rests on.
    pub fn legal_basis(self) -> LegalBasis {
        match self {
            Sector::Huur | Sector::Energie | Sector::Water | Sector::Zorg | Sector::Cak => {
                LegalBasis::Statutory
            }
            Sector::Duo | Sector::Belastingdienst | Sector::Toeslagen => LegalBasis::Experiment,
            Sector::Hypotheek
            | Sector::Bank
            | Sector::Telecom
            | Sector::Verzekering
            | Sector::Overig => LegalBasis::Consent,
        }
    }
}

impl std::fmt::Display for Sector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
