//! Reporting: the facts the household stage keeps per municipality (the reporting store,
//! [`report`]) and the DDAS Vroegsignalering v1.2 delivery built from them ([`ddas`] for its
//! enumerations, [`ddas_report`] for the document).

pub mod ddas;
pub mod ddas_report;
pub mod report;
