//! `vroegsignaal import-pc6hnr`: CBS's postcode + house-number file to the exact-address table.
//!
//! The input (`pc6hnr<YYYY>0801_gwb.csv`, ~8 million rows) is streamed line by line through
//! [`Pc6hnrParser`], which copes with each year's delimiter and column names. The output,
//! `postcode,house_number,gemeentecode`, is sorted and deduplicated so the same input always gives
//! the same file. The same address twice with the same municipality is a harmless duplicate;
//! with two different municipalities it is an error that names both lines, because routing would
//! otherwise depend on which line came last.

use std::io::{self, BufRead, Write};

use thiserror::Error;
use vroeg_domain::config::config_load::ConfigError;
use vroeg_domain::config::routing_load::Pc6hnrParser;
use vroeg_domain::contract::address::Postcode;
use vroeg_domain::contract::municipality::Gemeentecode;

/// Why an import failed.
#[derive(Debug, Error)]
pub enum ImportError {
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The input is empty.
    #[error("input is empty: expected a header line")]
    Empty,
    /// A line could not be parsed.
    #[error("{0}")]
    Parse(#[from] ConfigError),
    /// One address, two municipalities.
    #[error(
        "lines {first_line} and {second_line}: {postcode} {house_number} lies in {first} and in {second}"
    )]
    Conflict {
        /// The postcode.
        postcode: Postcode,
        /// The house number.
        house_number: u32,
        /// Where it was first seen.
        first_line: usize,
        /// Its municipality there.
        first: Gemeentecode,
        /// Where it was seen again.
        second_line: usize,
        /// Its municipality there.
        second: Gemeentecode,
    },
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportStats {
    /// Data lines read.
    pub rows: usize,
    /// Addresses written.
    pub addresses: usize,
    /// Identical duplicates dropped.
    pub duplicates: usize,
    /// Distinct municipalities.
    pub municipalities: usize,
}

/// Reads a pc6hnr file from `input` and writes the exact-address table to `output`.
pub fn import_pc6hnr(
    input: impl BufRead,
    output: &mut impl Write,
) -> Result<ImportStats, ImportError> {
    let mut lines = input.lines();
    let header = lines.next().ok_or(ImportError::Empty)??;
    // Excel-made CSVs start with a byte-order mark.
    let parser = Pc6hnrParser::from_header(header.trim_start_matches('\u{feff}'))?;
    // (postcode, number, municipality, line): compact enough for CBS's 8 million rows.
    let mut rows: Vec<(Postcode, u32, Gemeentecode, u32)> = Vec::new();
    for (i, line) in lines.enumerate() {
        let line_no = i + 2;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let row = parser.parse_line(line_no, &line)?;
        rows.push((
            row.postcode,
            row.house_number,
            row.municipality,
            u32::try_from(line_no).unwrap_or(u32::MAX),
        ));
    }
    let mut stats = ImportStats {
        rows: rows.len(),
        ..ImportStats::default()
    };
    // Stable: among duplicates the earliest line comes first, so errors name lines in order.
    rows.sort_by_key(|r| (r.0, r.1));
    let mut municipalities = std::collections::BTreeSet::new();
    let mut previous: Option<(Postcode, u32, Gemeentecode, u32)> = None;
    output.write_all(b"postcode,house_number,gemeentecode\n")?;
    for r in rows {
        if let Some(p) = previous.filter(|p| (p.0, p.1) == (r.0, r.1)) {
            if p.2 != r.2 {
                return Err(ImportError::Conflict {
                    postcode: r.0,
                    house_number: r.1,
                    first_line: p.3 as usize,
                    first: p.2,
                    second_line: r.3 as usize,
                    second: r.2,
                });
            }
            stats.duplicates += 1;
            continue;
        }
        writeln!(output, "{},{},{}", r.0, r.1, r.2)?;
        municipalities.insert(r.2);
        stats.addresses += 1;
        previous = Some(r);
    }
    output.flush()?;
    stats.municipalities = municipalities.len();
    Ok(stats)
}
