//! Every shipped template and sample upload through `vroeg_codec::csv`: the templates and the
//! Dutch Excel export map with zero problems; the sample with errors reports its bad lines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use vroeg_codec::csv::{CsvKind, CsvReader, Fill, Rejected};

fn read(path: &Path, kind: CsvKind) -> (usize, Vec<(u64, Rejected)>) {
    let bytes = std::fs::read(path).unwrap();
    let mut r = CsvReader::new(&bytes[..], kind).unwrap();
    let (mut accepted, mut rejected) = (0, Vec::new());
    while let Some(row) = r.next_row().unwrap() {
        match r.check(&row, &Fill::default()) {
            Ok(_) => accepted += 1,
            Err(e) => rejected.push((row.line, e)),
        }
    }
    (accepted, rejected)
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn templates_map_with_zero_problems() {
    let dir = root().join("config/templates");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let kind = if name.starts_with("arrears-") {
            CsvKind::Arrears
        } else {
            CsvKind::Objections
        };
        let (accepted, rejected) = read(&path, kind);
        assert!(rejected.is_empty(), "{name}: {rejected:?}");
        assert!(accepted >= 2, "{name}");
        files += 1;
    }
    assert_eq!(files, 15);
}

#[test]
fn dutch_excel_sample_has_zero_rejects() {
    let (accepted, rejected) = read(
        &root().join("tests/data/uploads/arrears-excel-nl.csv"),
        CsvKind::Arrears,
    );
    assert!(rejected.is_empty(), "{rejected:?}");
    assert_eq!(accepted, 3);
}

#[test]
fn sample_with_errors_reports_every_problem_without_values() {
    let bytes = std::fs::read(root().join("tests/data/uploads/arrears-with-errors.csv")).unwrap();
    let mut r = CsvReader::new(&bytes[..], CsvKind::Arrears).unwrap();
    let names = r.header().column_names();
    let (mut accepted, mut rejected) = (0, 0);
    while let Some(row) = r.next_row().unwrap() {
        let Err(e) = r.check(&row, &Fill::default()) else {
            accepted += 1;
            continue;
        };
        rejected += 1;
        assert!(!e.problems.is_empty());
        let Ok(cells) = &row.cells else { continue };
        for p in &e.problems {
            let Some(i) = names.iter().position(|n| *n == p.field) else {
                continue;
            };
            let value = cells.get(i).map(|c| c.trim()).unwrap_or_default();
            if value.len() > 2 {
                assert!(
                    !p.rule.contains(value),
                    "line {}: {p} quotes {value:?}",
                    row.line
                );
            }
        }
    }
    assert!(accepted > 0 && rejected > 0);
}
