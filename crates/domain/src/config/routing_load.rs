//! Parsing routing tables from text. Pure: the caller reads the files.
//!
//! Three inputs: the shipped PC4 table (`config/data/pc4_gemeente.csv`), the exact address table
//! a deployment may generate with `vroegsignaal import-pc6hnr`, and CBS's raw `pc6hnr` file that
//! the import reads line by line ([`Pc6hnrParser`]). The last two have about 8 million lines, so
//! they are read through one reused `csv` record buffer (`csv_text`) and allocate nothing per line
//! unless a line is wrong.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::config::MunicipalityRegistry;
use crate::config::config_load::ConfigError;
use crate::config::csv_text;
use crate::contract::address::{HouseNumber, Postcode};
use crate::contract::municipality::Gemeentecode;

/// Finds a column by its (lower-case) name in a normalised header.
fn column(
    source_name: &str,
    line_no: usize,
    names: &[String],
    wanted: &str,
    expected_header: &str,
) -> Result<usize, ConfigError> {
    names.iter().position(|n| n == wanted).ok_or_else(|| {
        ConfigError::new(
            source_name,
            format!("line {line_no}: "),
            format!("header has no column {wanted:?} (expected {expected_header})"),
        )
    })
}

/// A PC4 as written: exactly four digits, 1000..=9999 (Dutch postcodes never start with 0).
fn parse_pc4(s: &str) -> Option<u16> {
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| (1000..=9999).contains(n))
}

/// Parses `config/data/pc4_gemeente.csv` (`pc4,gemeentecode,addresses,share,main`) into PC4 ->
/// municipalities, the `main=1` one first.
///
/// Columns are found by name (`addresses` and `share` are informative and not read). Each PC4
/// must have exactly one `main=1` row; a (PC4, municipality) pair may appear only once. The other
/// municipalities of a straddling PC4 keep their file order (by descending address count).
pub fn parse_pc4_table(
    source_name: &str,
    csv: &str,
) -> Result<HashMap<u16, Vec<Gemeentecode>>, ConfigError> {
    const EXPECTED: &str = "pc4,gemeentecode,addresses,share,main";
    let mut rows = csv_text::rows(csv, b',');
    let unreadable = |p: String| ConfigError::new(source_name, "", p);
    let Some((hl, header)) = rows.next_row().map_err(unreadable)? else {
        return Err(ConfigError::new(source_name, "", "the file is empty"));
    };
    let names = csv_text::header_names(header);
    let cols = [
        column(source_name, hl, &names, "pc4", EXPECTED)?,
        column(source_name, hl, &names, "gemeentecode", EXPECTED)?,
        column(source_name, hl, &names, "main", EXPECTED)?,
    ];
    // Per PC4: the line of its first row and of its main row, to report problems by line.
    struct Seen {
        first_line: usize,
        main_line: Option<usize>,
    }
    let mut table: HashMap<u16, Vec<Gemeentecode>> = HashMap::new();
    let mut seen: HashMap<u16, Seen> = HashMap::new();
    while let Some((n, record)) = rows.next_row().map_err(unreadable)? {
        let e = |p: String| ConfigError::new(source_name, format!("line {n}: "), p);
        let mut f = [""; 3];
        if !csv_text::pick(record, cols, &mut f) {
            return Err(e(format!(
                "expected {} fields as in the header, found {}",
                names.len(),
                record.len()
            )));
        }
        let [pc4_s, gem_s, main_s] = f;
        let pc4 = parse_pc4(pc4_s)
            .ok_or_else(|| e(format!("pc4 {pc4_s:?} is not four digits 1000..=9999")))?;
        let gem: Gemeentecode = gem_s
            .parse()
            .map_err(|err: crate::ValueError| e(format!("gemeentecode: {err}")))?;
        let is_main = match main_s {
            "1" => true,
            "0" => false,
            other => return Err(e(format!("main must be 0 or 1, got {other:?}"))),
        };
        let s = seen.entry(pc4).or_insert(Seen {
            first_line: n,
            main_line: None,
        });
        let list = table.entry(pc4).or_default();
        if list.contains(&gem) {
            return Err(e(format!("pc4 {pc4} lists municipality {gem} twice")));
        }
        if is_main {
            if let Some(prev) = s.main_line {
                return Err(e(format!(
                    "pc4 {pc4} has main=1 on line {prev} already; exactly one row per pc4 is main"
                )));
            }
            s.main_line = Some(n);
            list.insert(0, gem);
        } else {
            list.push(gem);
        }
    }
    // Report the earliest PC4 without a main row, so the message does not depend on hash order.
    if let Some((pc4, s)) = seen
        .iter()
        .filter(|(_, s)| s.main_line.is_none())
        .min_by_key(|(_, s)| s.first_line)
    {
        return Err(ConfigError::new(
            source_name,
            format!("line {}: ", s.first_line),
            format!("pc4 {pc4} has no row with main=1; exactly one row per pc4 is main"),
        ));
    }
    if table.is_empty() {
        return Err(ConfigError::new(
            source_name,
            "",
            "no rows after the header",
        ));
    }
    Ok(table)
}

/// Checks that every municipality a PC4 routes to is in the registry, so that no signal is routed
/// to a code nobody knows (which would be silently "not connected").
pub fn check_pc4_table(
    source_name: &str,
    pc4: &HashMap<u16, Vec<Gemeentecode>>,
    registry: &MunicipalityRegistry,
) -> Result<(), ConfigError> {
    let mut unknown: Vec<(u16, Gemeentecode)> = pc4
        .iter()
        .flat_map(|(&p, codes)| codes.iter().map(move |&c| (p, c)))
        .filter(|(_, c)| registry.get(*c).is_none())
        .collect();
    unknown.sort_unstable();
    match unknown.first() {
        None => Ok(()),
        Some((p, c)) => Err(ConfigError::new(
            source_name,
            format!("pc4 {p}: "),
            format!(
                "municipality {c} is not in the municipality registry ({} such rows)",
                unknown.len()
            ),
        )),
    }
}

/// Parses the exact address table written by `vroegsignaal import-pc6hnr`
/// (`postcode,house_number,gemeentecode`).
///
/// Columns are found by name. A (postcode, house number) given twice with the same municipality
/// is accepted; with different municipalities it is an error (the importer,
/// `vroegsignaal import-pc6hnr`, refuses such an input in the first place).
pub fn parse_exact_table(
    source_name: &str,
    csv: &str,
) -> Result<HashMap<(Postcode, u32), Gemeentecode>, ConfigError> {
    const EXPECTED: &str = "postcode,house_number,gemeentecode";
    let mut rows = csv_text::rows(csv, b',');
    let unreadable = |p: String| ConfigError::new(source_name, "", p);
    let Some((hl, header)) = rows.next_row().map_err(unreadable)? else {
        return Err(ConfigError::new(source_name, "", "the file is empty"));
    };
    let names = csv_text::header_names(header);
    let cols = [
        column(source_name, hl, &names, "postcode", EXPECTED)?,
        column(source_name, hl, &names, "house_number", EXPECTED)?,
        column(source_name, hl, &names, "gemeentecode", EXPECTED)?,
    ];
    // Reserve once for every line instead of rehashing some 20 times on 8 million rows; counting
    // newlines is a fast byte scan.
    let mut table = HashMap::with_capacity(csv.bytes().filter(|&b| b == b'\n').count() + 1);
    while let Some((n, record)) = rows.next_row().map_err(unreadable)? {
        let e = |p: String| ConfigError::new(source_name, format!("line {n}: "), p);
        let mut f = [""; 3];
        if !csv_text::pick(record, cols, &mut f) {
            return Err(e(format!(
                "expected {} fields as in the header, found {}",
                names.len(),
                record.len()
            )));
        }
        let (postcode, number, gem) = parse_address_fields(f).map_err(e)?;
        match table.entry((postcode, number)) {
            Entry::Vacant(v) => {
                v.insert(gem);
            }
            Entry::Occupied(o) if *o.get() == gem => {}
            Entry::Occupied(o) => {
                return Err(e(format!(
                    "{postcode} {number} is mapped to {} earlier and to {gem} here",
                    o.get()
                )));
            }
        }
    }
    Ok(table)
}

/// Postcode, house number and municipality code from three field values.
fn parse_address_fields([pc, nr, gem]: [&str; 3]) -> Result<(Postcode, u32, Gemeentecode), String> {
    let postcode: Postcode = pc.parse().map_err(|e| format!("postcode: {e}"))?;
    // Digits only: a house letter or suffix in this column means the file is not what we think.
    let number = if !nr.is_empty() && nr.len() <= 5 && nr.bytes().all(|b| b.is_ascii_digit()) {
        nr.parse::<u32>().ok()
    } else {
        None
    };
    let number = number
        .and_then(|n| HouseNumber::new(n).ok())
        .ok_or_else(|| format!("house number must be a whole number 1..=99999, got {nr:?}"))?
        .get();
    let gem: Gemeentecode = gem.parse().map_err(|e| format!("gemeentecode: {e}"))?;
    Ok((postcode, number, gem))
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

/// Header names (lower case, digits removed, so `Gemeente2024` is `gemeente` and `PC6` is `pc`)
/// that mean the postcode, house number and municipality columns, across the years' namings.
const PC6_NAMES: &[&str] = &["pc", "postcode"];
const NUMBER_NAMES: &[&str] = &["huisnummer", "huisnr", "house_number"];
const GEMEENTE_NAMES: &[&str] = &["gemeente", "gem", "gemeentecode", "gemcode", "gm_code"];

/// A streaming reader of CBS's `pc6hnr` file (format: `../shared/data/nl/pc6hnr_format.md`):
/// built from the header line (detects the delimiter and the columns whatever the year's
/// naming), then fed one line at a time.
#[derive(Debug, Clone)]
pub struct Pc6hnrParser {
    delimiter: u8,
    pc6: usize,
    number: usize,
    gemeente: usize,
    source_name: String,
}

impl Pc6hnrParser {
    /// Reads the header line.
    pub fn from_header(header: &str) -> Result<Self, ConfigError> {
        Self::from_header_named("pc6hnr", header)
    }

    /// Reads the header line; errors will name `source_name`.
    ///
    /// The delimiter is whichever of `;`, `,` and tab occurs most in the header (CBS has used
    /// both `;` and `,`). Columns are matched by name with digits removed: `PC6`/`postcode`,
    /// `Huisnummer`/`house_number`, `Gemeente<YYYY>`/`Gem<YYYY>`/`gemeentecode`. A BOM, quotes
    /// and a trailing `\r` are tolerated.
    pub fn from_header_named(source_name: &str, header: &str) -> Result<Self, ConfigError> {
        let e = |p: String| ConfigError::new(source_name, "line 1: ", p);
        let header = header.strip_prefix('\u{feff}').unwrap_or(header);
        let header = header.trim_end_matches(['\r', '\n']);
        let delimiter = [b';', b',', b'\t']
            .into_iter()
            .map(|d| (csv_text::split_line(header, d).len(), d))
            .filter(|(n, _)| *n > 1)
            .max_by_key(|(n, _)| *n)
            .map(|(_, d)| d)
            .ok_or_else(|| {
                e(format!(
                    "cannot find the delimiter (';' or ',') in the header {header:?}"
                ))
            })?;
        let names: Vec<String> = csv_text::header_names(&csv_text::split_line(header, delimiter))
            .into_iter()
            .map(|n| n.chars().filter(|c| !c.is_ascii_digit()).collect())
            .collect();
        let find = |accepted: &[&str], what: &str| -> Result<usize, ConfigError> {
            let mut hits = names
                .iter()
                .enumerate()
                .filter(|(_, n)| accepted.contains(&n.as_str()))
                .map(|(i, _)| i);
            match (hits.next(), hits.next()) {
                (Some(i), None) => Ok(i),
                (None, _) => Err(e(format!(
                    "no {what} column in the header {header:?} (expected one of {accepted:?}, \
                     digits ignored)"
                ))),
                (Some(_), Some(_)) => Err(e(format!(
                    "more than one {what} column in the header {header:?}"
                ))),
            }
        };
        Ok(Pc6hnrParser {
            delimiter,
            pc6: find(PC6_NAMES, "postcode (PC6)")?,
            number: find(NUMBER_NAMES, "house number (Huisnummer)")?,
            gemeente: find(GEMEENTE_NAMES, "municipality (Gemeente<YYYY>)")?,
            source_name: source_name.to_owned(),
        })
    }

    /// The detected delimiter.
    pub fn delimiter(&self) -> char {
        char::from(self.delimiter)
    }

    /// Parses one data line (`line_no` for error messages).
    pub fn parse_line(&self, line_no: usize, line: &str) -> Result<Pc6hnrRow, ConfigError> {
        let e = |p: String| ConfigError::new(&self.source_name, format!("line {line_no}: "), p);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() {
            return Err(e("empty line".into()));
        }
        let cols = [self.pc6, self.number, self.gemeente];
        let [pc, nr, gem] = csv_text::pick_line(line, self.delimiter, cols)
            .map_err(|count| e(self.too_few(count)))?;
        let (postcode, house_number, municipality) =
            parse_address_fields([&pc, &nr, &gem]).map_err(e)?;
        Ok(Pc6hnrRow {
            postcode,
            house_number,
            municipality,
        })
    }

    fn too_few(&self, count: usize) -> String {
        format!(
            "too few fields ({count}) for the header's columns (delimiter {:?})",
            self.delimiter()
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn pc4_main_first_even_when_listed_second() {
        let t = parse_pc4_table(
            "t",
            "pc4,gemeentecode,addresses,share,main\n4062,1960,6,0.1,0\n4062,0281,52,0.9,1\n",
        )
        .unwrap();
        assert_eq!(
            t[&4062],
            vec!["0281".parse().unwrap(), "1960".parse().unwrap()]
        );
    }

    #[test]
    fn pc6hnr_header_variants() {
        for (h, d) in [
            ("PC6;Huisnummer;Buurt2025;Wijk2025;Gemeente2025", ';'),
            ("PC6,Huisnummer,Buurt2017,Wijk2017,Gem2017", ','),
            (
                "\u{feff}\"pc6\";\"huisnummer\";\"gwb2016_code\";\"wijkcode\";\"gemeentecode\"\r",
                ';',
            ),
        ] {
            let p = Pc6hnrParser::from_header(h).unwrap();
            assert_eq!(p.delimiter(), d, "{h}");
            assert_eq!((p.pc6, p.number), (0, 1), "{h}");
            assert_eq!(p.gemeente, 4, "{h}");
        }
        let err = Pc6hnrParser::from_header("PC6;Huisnummer;Buurt2025").unwrap_err();
        assert!(err.to_string().contains("line 1: no municipality"), "{err}");
    }
}
