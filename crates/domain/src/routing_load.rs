//! Parsing routing tables from text. Pure: the caller reads the files.

use std::collections::HashMap;

use crate::address::Postcode;
use crate::config_load::ConfigError;
use crate::municipality::Gemeentecode;

/// Parses `config/data/pc4_gemeente.csv` (`pc4,gemeentecode,addresses,share,main`) into PC4 ->
/// municipalities, the `main=1` one first.
pub fn parse_pc4_table(
    source_name: &str,
    csv: &str,
) -> Result<HashMap<u16, Vec<Gemeentecode>>, ConfigError> {
    let _ = csv;
    Err(ConfigError::new(source_name, "", "not yet implemented"))
}

/// Parses the exact address table written by `vroegsignaal import-pc6hnr`
/// (`postcode,house_number,gemeentecode`).
pub fn parse_exact_table(
    source_name: &str,
    csv: &str,
) -> Result<HashMap<(Postcode, u32), Gemeentecode>, ConfigError> {
    let _ = csv;
    Err(ConfigError::new(source_name, "", "not yet implemented"))
}

/// One row of CBS's `pc6hnr<YYYY>0801_gwb.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pc6hnrRow {
    /// Postcode.
    pub postcode: Postcode,
    /// House number.
    pub house_number: u32,
    /// Municipality.
    pub municipality: Gemeentecode,
}

/// A streaming reader of CBS's `pc6hnr` file (format: `../shared/data/nl/pc6hnr_format.md`):
/// built from the header line (detects the delimiter and the columns whatever the year's
/// naming), then fed one line at a time.
#[derive(Debug, Clone)]
pub struct Pc6hnrParser {
    delimiter: u8,
    pc6: usize,
    number: usize,
    gemeente: usize,
}

impl Pc6hnrParser {
    /// Reads the header line.
    pub fn from_header(header: &str) -> Result<Self, ConfigError> {
        let _ = header;
        Err(ConfigError::new(
            "pc6hnr",
            "line 1: ",
            "not yet implemented",
        ))
    }

    /// Parses one data line (`line_no` for error messages).
    pub fn parse_line(&self, line_no: usize, line: &str) -> Result<Pc6hnrRow, ConfigError> {
        let _ = (line, self.delimiter, self.pc6, self.number, self.gemeente);
        Err(ConfigError::new(
            "pc6hnr",
            format!("line {line_no}: "),
            "not yet implemented",
        ))
    }
}
