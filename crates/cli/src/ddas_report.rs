//! `vroegsignaal report ddas`: a municipality's DDAS Vroegsignalering v1.2 report over a period,
//! from its reporting store (`report.<gemeentecode>`), validated against the official schema
//! (`schemas/ddas/v1.2/json_schema_Uitwisselmodel.json`, unchanged) before anything is written.
//!
//! The document itself is built by the pure [`vroeg_domain::reporting::ddas_report::build_ddas`]; the store
//! is read by `vroeg_client::report_store`; this module fills the header from the configuration, validates and writes. See
//! docs/REPORTING.md for the data source, the rounding and the paging.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use vroeg_domain::config::MunicipalityRegistry;
use vroeg_domain::contract::municipality::Gemeentecode;
use vroeg_domain::reporting::ddas_report::{
    AanleverendeOrganisatie, Contactpersoon, ReportError, ReportHeader, Uitwisselmodel, build_ddas,
};
use vroeg_domain::reporting::report::ReportRecord;

use crate::config::ReportSection;
use vroeg_kafka::ReadToEndError;

/// The official DDAS v1.2 JSON schema, embedded unchanged.
pub const DDAS_SCHEMA: &str =
    include_str!("../../../schemas/ddas/v1.2/json_schema_Uitwisselmodel.json");

/// Why the report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DdasReportError {
    /// A required setting is missing.
    #[error("{0}")]
    Config(String),
    /// Reading the store.
    #[error(transparent)]
    Read(#[from] ReadToEndError),
    /// Building the document.
    #[error(transparent)]
    Build(#[from] ReportError),
    /// The schema itself did not compile (a broken copy).
    #[error("the DDAS schema does not compile: {0}")]
    Schema(String),
    /// The document breaks the official schema: nothing is written.
    #[error("the report is not valid against the DDAS v1.2 schema (nothing written): {0}")]
    Invalid(String),
    /// Serialising.
    #[error("encoding the report: {0}")]
    Encode(String),
    /// Writing.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The problem.
        source: std::io::Error,
    },
    /// Several pages and no file to write them to.
    #[error("the report has {0} pages (more than 50,000 signals): give --out FILE")]
    PagesNeedFile(usize),
}

/// The official schema, compiled with format checking on (`date`, `date-time`, `email`): draft
/// 2020-12 treats `format` as an annotation only unless told otherwise.
#[derive(Debug)]
pub struct DdasValidator(jsonschema::Validator);

impl DdasValidator {
    /// Compiles the embedded official schema.
    pub fn official() -> Result<Self, DdasReportError> {
        let schema: serde_json::Value = serde_json::from_str(DDAS_SCHEMA)
            .map_err(|e| DdasReportError::Schema(e.to_string()))?;
        let v = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|e| DdasReportError::Schema(e.to_string()))?;
        Ok(DdasValidator(v))
    }

    /// Every problem (up to 20), each as `path: message`; empty when valid.
    pub fn problems(&self, doc: &serde_json::Value) -> Vec<String> {
        self.0
            .iter_errors(doc)
            .take(20)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    }

    /// Fails with the problems when `doc` is not valid.
    pub fn check(&self, doc: &serde_json::Value) -> Result<(), DdasReportError> {
        let p = self.problems(doc);
        if p.is_empty() {
            Ok(())
        } else {
            Err(DdasReportError::Invalid(p.join("; ")))
        }
    }
}

/// The report's header from the configuration: the supplier code is required; the organisation
/// comes from `[report.organisations."<code>"]`, else `Gemeente <name>` from the registry.
pub fn header(
    cfg: &ReportSection,
    municipalities: &MunicipalityRegistry,
    municipality: Gemeentecode,
    from: NaiveDate,
    to: NaiveDate,
    delivered_at: DateTime<Utc>,
) -> Result<ReportHeader, DdasReportError> {
    let supplier_code = cfg.supplier_code.trim();
    if supplier_code.is_empty() {
        return Err(DdasReportError::Config(
            "no DDAS supplier code: set report.supplier_code in the config file (or \
             VROEGSIGNAAL__REPORT__SUPPLIER_CODE) to the codeGegevensleverancier CBS gave you"
                .to_owned(),
        ));
    }
    let mut configured = None;
    for (k, v) in &cfg.organisations {
        let code: Gemeentecode = k
            .parse()
            .map_err(|e| DdasReportError::Config(format!("report.organisations.\"{k}\": {e}")))?;
        if code == municipality {
            configured = Some(v);
        }
    }
    let registry_name = municipalities
        .get(municipality)
        .map(|m| format!("Gemeente {}", m.name));
    let organisation = match configured {
        Some(o) => {
            let contactpersonen: Vec<Contactpersoon> = o
                .contactpersonen
                .iter()
                .map(|c| Contactpersoon {
                    naam: c.naam.clone(),
                    telefoonnummer: c.telefoonnummer.clone(),
                    email: c.email.clone(),
                    functietitel: c.functietitel.clone(),
                })
                .collect();
            AanleverendeOrganisatie {
                naam: o.naam.clone().or(registry_name),
                kvk_nummer: o.kvk_nummer.clone(),
                contactpersonen,
            }
        }
        None => AanleverendeOrganisatie {
            naam: registry_name,
            kvk_nummer: None,
            contactpersonen: Vec::new(),
        },
    };
    Ok(ReportHeader {
        supplier_code: supplier_code.to_owned(),
        municipality,
        organisation,
        from,
        to,
        delivered_at,
    })
}

/// Page `n` (1-based) of a report written to `out`: page 1 is `out` itself, page n ≥ 2 is
/// `out` with `.part-<n>` before its extension (`oct.json` → `oct.part-2.json`).
pub fn page_path(out: &Path, n: usize) -> PathBuf {
    if n <= 1 {
        return out.to_owned();
    }
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match out.extension() {
        Some(ext) => format!("{stem}.part-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}.part-{n}"),
    };
    out.with_file_name(name)
}

/// Serialises and validates every page; only when all are valid is anything returned for writing.
pub fn render(
    docs: &[Uitwisselmodel],
    validator: &DdasValidator,
) -> Result<Vec<Vec<u8>>, DdasReportError> {
    let mut out = Vec::with_capacity(docs.len());
    for (i, d) in docs.iter().enumerate() {
        let value = serde_json::to_value(d).map_err(|e| DdasReportError::Encode(e.to_string()))?;
        validator.check(&value).map_err(|e| match e {
            DdasReportError::Invalid(p) => DdasReportError::Invalid(format!("page {}: {p}", i + 1)),
            other => other,
        })?;
        let mut bytes = serde_json::to_vec_pretty(&value)
            .map_err(|e| DdasReportError::Encode(e.to_string()))?;
        bytes.push(b'\n');
        out.push(bytes);
    }
    Ok(out)
}

/// Builds, validates and renders the report pages from the store's records.
pub fn make_report(
    records: &[ReportRecord],
    header: &ReportHeader,
    page_size: usize,
    validator: &DdasValidator,
) -> Result<(Vec<Uitwisselmodel>, Vec<Vec<u8>>), DdasReportError> {
    let docs = build_ddas(records, header, page_size)?;
    let bytes = render(&docs, validator)?;
    Ok((docs, bytes))
}

/// Writes rendered pages to `out` (page files as [`page_path`]), each through a temporary file
/// renamed into place, so a failed run leaves no half-written report. Returns the paths.
pub fn write_pages(out: &Path, pages: &[Vec<u8>]) -> Result<Vec<PathBuf>, DdasReportError> {
    let mut written = Vec::with_capacity(pages.len());
    for (i, bytes) in pages.iter().enumerate() {
        let path = page_path(out, i + 1);
        let tmp = path.with_extension("partial");
        let io = |source| DdasReportError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::write(&tmp, bytes).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths() {
        assert_eq!(
            page_path(Path::new("/r/oct.json"), 1),
            Path::new("/r/oct.json")
        );
        assert_eq!(
            page_path(Path::new("/r/oct.json"), 2),
            Path::new("/r/oct.part-2.json")
        );
        assert_eq!(page_path(Path::new("oct"), 3), Path::new("oct.part-3"));
    }
}
