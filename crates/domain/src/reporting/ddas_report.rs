//! The DDAS Vroegsignalering v1.2 monthly report (`Uitwisselmodel`) built from the reporting store
//! ([`crate::reporting::report`]). Pure: the records, the period, the organisation data and the delivery
//! time go in, one or more documents come out. Validation against the official JSON schema is the
//! caller's (the CLI's) job, because the validator does I/O-capable work this crate must not carry.
//!
//! Choices (docs/REPORTING.md):
//! - **Period**: a signal belongs to the report when its `signaaldatum` (the day it became a
//!   signal) lies in `[from, to]`. A case belongs when at least one of its signals does; it lists
//!   those signals, so every `vroegsignaalzaak` refers only to signals in the same document.
//! - **Status and results as known at report time**: contact attempts, results and withdrawals are
//!   taken as the store holds them when the report runs (a rerun later may show progress).
//! - **Amounts** in whole euros, rounded half away from zero ([`Money::whole_euros`]): DDAS
//!   `bedrag` is an integer, and rounding (rather than truncating) keeps the total closest to the
//!   exact arrears; half away from zero is the rounding people expect from money ("€ 0,50 → 1").
//! - **Paging**: at most `page_size` signals per document (the standard's limit is 50,000). A case
//!   and its signals are never split; suppressed signals fill pages in between.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;

use crate::contract::money::Money;
use crate::contract::municipality::Gemeentecode;
use crate::reporting::ddas::{Contactsoort, Dagdeel, Eindresultaat, Signaalpartner, Signaalstatus};
use crate::reporting::report::{
    CaseFacts, CaseView, ClosedFacts, ContactFacts, ReportRecord, SignalFacts, signal_status,
};

/// The standard's maximum number of signals per message (DDAS non-functionals: 50,000).
pub const MAX_SIGNALS_PER_PAGE: usize = 50_000;

/// Why a report cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// `from` after `to`.
    #[error("the period is empty: {from} is after {to}")]
    EmptyPeriod {
        /// Start.
        from: NaiveDate,
        /// End.
        to: NaiveDate,
    },
    /// A page must hold at least one signal and at most the standard's maximum.
    #[error("page size must be 1..={MAX_SIGNALS_PER_PAGE}, got {0}")]
    PageSize(usize),
    /// One case has more signals than fit on a page.
    #[error("case {case_id} has {signals} signals, more than one page holds ({page_size})")]
    CaseTooLarge {
        /// The case.
        case_id: String,
        /// Its signals in the period.
        signals: usize,
        /// The page size.
        page_size: usize,
    },
}

/// One contact person of the delivering organisation (DDAS `contactpersonen`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contactpersoon {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub naam: Option<String>,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telefoonnummer: Option<String>,
    /// E-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Job title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub functietitel: Option<String>,
}

/// The organisation that delivers the data (DDAS `aanleverendeOrganisatie`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AanleverendeOrganisatie {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub naam: Option<String>,
    /// Chamber of Commerce number.
    #[serde(rename = "kvk-nummer", skip_serializing_if = "Option::is_none")]
    pub kvk_nummer: Option<String>,
    /// Contact persons; omitted when none are configured (the schema wants at least one if
    /// present).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contactpersonen: Vec<Contactpersoon>,
}

/// What the report is about and who delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportHeader {
    /// DDAS `codeGegevensleverancier`.
    pub supplier_code: String,
    /// DDAS `gemeentecode`.
    pub municipality: Gemeentecode,
    /// DDAS `aanleverendeOrganisatie`.
    pub organisation: AanleverendeOrganisatie,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period (inclusive).
    pub to: NaiveDate,
    /// DDAS `aanleverdatumEnTijd`.
    pub delivered_at: DateTime<Utc>,
}

/// DDAS `client`: address and birth date, never a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Client {
    /// Birth date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geboortedatum: Option<NaiveDate>,
    /// Postcode.
    pub postcode: String,
    /// House number (a string in the standard).
    pub huisnummer: String,
    /// Addition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub huisnummertoevoeging: Option<String>,
}

/// DDAS `signaalpartner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Partner {
    /// Kind of creditor.
    #[serde(rename = "type")]
    pub kind: Signaalpartner,
}

/// DDAS `vroegsignaal`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Vroegsignaal {
    /// Signal id.
    #[serde(rename = "ID")]
    pub id: String,
    /// Crisis.
    pub crisissignaal: bool,
    /// Warm handover.
    pub warme_overdracht: bool,
    /// Whole euros.
    pub bedrag: i64,
    /// Start of the arrears.
    pub ontstaansdatum: NaiveDate,
    /// When it became a signal.
    pub signaaldatum: NaiveDate,
    /// Status at report time.
    pub status: Signaalstatus,
    /// Creditor kind.
    pub signaalpartner: Partner,
    /// The client.
    pub client: Client,
}

/// A reference to a signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignalRef {
    /// Signal id.
    #[serde(rename = "ID")]
    pub id: String,
}

/// DDAS `contactpoging`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contactpoging {
    /// How.
    pub soort: Contactsoort,
    /// Reached.
    pub bereikt: bool,
    /// On.
    pub datum: NaiveDate,
    /// Part of the day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dagdeel: Option<Dagdeel>,
}

/// DDAS `vroegsignaalzaak`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Vroegsignaalzaak {
    /// Result, once closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resultaat: Option<Eindresultaat>,
    /// First dispatch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matchingsdatum: Option<NaiveDate>,
    /// First signal joined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startdatum_matchingperiode: Option<NaiveDate>,
    /// First contact attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datum_opgepakt: Option<NaiveDate>,
    /// First dispatch (the bundling period ends when the task goes out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub einddatum_matchingperiode: Option<NaiveDate>,
    /// Its signals in this document.
    pub vroegsignalen: Vec<SignalRef>,
    /// Contact attempts, by date.
    pub contactpogingen: Vec<Contactpoging>,
}

/// DDAS `levering`: one municipality's signals and cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Levering {
    /// Counter within the document (always 1: one municipality per document).
    pub teller: u32,
    /// The municipality, four digits.
    pub gemeentecode: String,
    /// Who delivers.
    pub aanleverende_organisatie: AanleverendeOrganisatie,
    /// Signals.
    pub vroegsignalen: Vec<Vroegsignaal>,
    /// Cases.
    pub vroegsignaalzaken: Vec<Vroegsignaalzaak>,
}

/// DDAS `Uitwisselmodel`: one document (page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Uitwisselmodel {
    /// Start of the period.
    pub startdatum_levering: NaiveDate,
    /// End of the period.
    pub einddatum_levering: NaiveDate,
    /// Delivery time, `YYYY-MM-DDTHH:MM:SSZ`.
    pub aanleverdatum_en_tijd: String,
    /// Supplier code.
    pub code_gegevensleverancier: String,
    /// One delivery.
    pub leveringen: Vec<Levering>,
}

impl Uitwisselmodel {
    /// Number of signals in the document.
    pub fn signal_count(&self) -> usize {
        self.leveringen.iter().map(|l| l.vroegsignalen.len()).sum()
    }
}

/// A case or a lone (suppressed) signal: what is never split across pages.
struct Unit<'a> {
    signals: Vec<&'a SignalFacts>,
    case: Option<&'a str>,
}

fn client(s: &SignalFacts) -> Client {
    Client {
        geboortedatum: s.client.birth_date,
        postcode: s.client.postcode.clone(),
        huisnummer: s.client.house_number.to_string(),
        huisnummertoevoeging: s.client.house_number_addition.clone(),
    }
}

/// Builds the report for `header.municipality` over `[header.from, header.to]` from the store's
/// current records (the last one per key), at most `page_size` signals per document. Always at
/// least one document (an empty period gives one with no signals).
pub fn build_ddas(
    records: &[ReportRecord],
    header: &ReportHeader,
    page_size: usize,
) -> Result<Vec<Uitwisselmodel>, ReportError> {
    if header.from > header.to {
        return Err(ReportError::EmptyPeriod {
            from: header.from,
            to: header.to,
        });
    }
    if page_size == 0 || page_size > MAX_SIGNALS_PER_PAGE {
        return Err(ReportError::PageSize(page_size));
    }
    let mut signals: BTreeMap<&str, &SignalFacts> = BTreeMap::new();
    let mut cases: BTreeMap<&str, &CaseFacts> = BTreeMap::new();
    let mut closed: BTreeMap<&str, &ClosedFacts> = BTreeMap::new();
    let mut contacts: BTreeMap<&str, Vec<&ContactFacts>> = BTreeMap::new();
    let mine = |m: Gemeentecode| m == header.municipality;
    for r in records.iter().filter(|r| mine(r.municipality())) {
        // Later records of the same key replace earlier ones, as compaction would.
        match r {
            ReportRecord::Signal(s) => {
                signals.insert(&s.signal_id, s);
            }
            ReportRecord::Case(c) => {
                cases.insert(&c.case_id, c);
            }
            ReportRecord::Closed(c) => {
                closed.insert(&c.case_id, c);
            }
            ReportRecord::Contact(c) => {
                let list = contacts.entry(&c.case_id).or_default();
                list.retain(|x| x.event_id != c.event_id);
                list.push(c);
            }
        }
    }

    // Signals of the period, grouped into units in a stable order (signal date, then id).
    let mut in_period: Vec<&SignalFacts> = signals
        .values()
        .copied()
        .filter(|s| s.signalled_on >= header.from && s.signalled_on <= header.to)
        .collect();
    in_period.sort_by(|a, b| (a.signalled_on, &a.signal_id).cmp(&(b.signalled_on, &b.signal_id)));
    let mut units: Vec<Unit<'_>> = Vec::new();
    let mut unit_of_case: BTreeMap<&str, usize> = BTreeMap::new();
    for s in in_period {
        match s.case_id.as_deref() {
            Some(case_id) => {
                if let Some(&i) = unit_of_case.get(case_id) {
                    units[i].signals.push(s);
                } else {
                    unit_of_case.insert(case_id, units.len());
                    units.push(Unit {
                        signals: vec![s],
                        case: Some(case_id),
                    });
                }
            }
            None => units.push(Unit {
                signals: vec![s],
                case: None,
            }),
        }
    }

    // Pack units into pages in order; a case never straddles two pages.
    let mut pages: Vec<Vec<&Unit<'_>>> = vec![Vec::new()];
    let mut filled = 0usize;
    for u in &units {
        let n = u.signals.len();
        if n > page_size {
            return Err(ReportError::CaseTooLarge {
                case_id: u.case.unwrap_or_default().to_owned(),
                signals: n,
                page_size,
            });
        }
        if filled + n > page_size {
            pages.push(Vec::new());
            filled = 0;
        }
        filled += n;
        if let Some(page) = pages.last_mut() {
            page.push(u);
        }
    }

    let no_contacts: Vec<&ContactFacts> = Vec::new();
    let view_of = |case_id: &str| {
        let list = contacts.get(case_id).unwrap_or(&no_contacts);
        let closing = closed.get(case_id);
        CaseView {
            result: closing.map(|c| c.result),
            withdrawn: closing.is_some_and(|c| c.withdrawn),
            contacted: !list.is_empty(),
        }
    };
    let delivered_at = header
        .delivered_at
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut out = Vec::with_capacity(pages.len());
    for page in pages {
        let mut vroegsignalen = Vec::new();
        let mut zaken = Vec::new();
        for u in page {
            for s in &u.signals {
                let view = s.case_id.as_deref().map(view_of).unwrap_or_default();
                vroegsignalen.push(Vroegsignaal {
                    id: s.signal_id.clone(),
                    crisissignaal: s.crisis,
                    warme_overdracht: s.warm_handover,
                    bedrag: whole_euros(s.amount),
                    ontstaansdatum: s.since,
                    signaaldatum: s.signalled_on,
                    status: signal_status(s.suppressed, s.known_to_debt_help, view),
                    signaalpartner: Partner {
                        kind: s.sector.ddas_partner(),
                    },
                    client: client(s),
                });
            }
            if let Some(case_id) = u.case {
                zaken.push(zaak(case_id, &u.signals, &cases, &closed, &contacts));
            }
        }
        out.push(Uitwisselmodel {
            startdatum_levering: header.from,
            einddatum_levering: header.to,
            aanleverdatum_en_tijd: delivered_at.clone(),
            code_gegevensleverancier: header.supplier_code.clone(),
            leveringen: vec![Levering {
                teller: 1,
                gemeentecode: header.municipality.to_string(),
                aanleverende_organisatie: header.organisation.clone(),
                vroegsignalen,
                vroegsignaalzaken: zaken,
            }],
        });
    }
    Ok(out)
}

fn zaak(
    case_id: &str,
    signals: &[&SignalFacts],
    cases: &BTreeMap<&str, &CaseFacts>,
    closed: &BTreeMap<&str, &ClosedFacts>,
    contacts: &BTreeMap<&str, Vec<&ContactFacts>>,
) -> Vroegsignaalzaak {
    let case = cases.get(case_id);
    let mut pogingen: Vec<&ContactFacts> = contacts.get(case_id).cloned().unwrap_or_default();
    pogingen
        .sort_by(|a, b| (a.datum, a.dagdeel, &a.event_id).cmp(&(b.datum, b.dagdeel, &b.event_id)));
    let ids: BTreeSet<&str> = signals.iter().map(|s| s.signal_id.as_str()).collect();
    Vroegsignaalzaak {
        resultaat: closed.get(case_id).map(|c| c.result),
        matchingsdatum: case.map(|c| c.matched_on),
        startdatum_matchingperiode: case.map(|c| c.opened_on),
        datum_opgepakt: pogingen.iter().map(|p| p.datum).min(),
        einddatum_matchingperiode: case.map(|c| c.matched_on),
        vroegsignalen: ids
            .into_iter()
            .map(|id| SignalRef { id: id.to_owned() })
            .collect(),
        contactpogingen: pogingen
            .into_iter()
            .map(|p| Contactpoging {
                soort: p.soort,
                bereikt: p.bereikt,
                datum: p.datum,
                dagdeel: p.dagdeel,
            })
            .collect(),
    }
}

/// DDAS `bedrag`: whole euros, rounded half away from zero (amounts are never negative).
pub fn whole_euros(amount: Money) -> i64 {
    amount.whole_euros()
}
