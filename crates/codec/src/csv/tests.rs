#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use vroeg_domain::contract::messages::InputEvent;

use super::*;

const EXCEL_NL: &[u8] = include_bytes!("../../../../tests/data/uploads/arrears-excel-nl.csv");

/// Every row of `input` checked: (line, result).
fn check_all(input: &[u8], kind: CsvKind, fill: &Fill) -> Vec<(u64, Result<Accepted, Rejected>)> {
    let mut r = CsvReader::new(input, kind).unwrap();
    let mut out = Vec::new();
    while let Some(row) = r.next_row().unwrap() {
        out.push((row.line, r.check(&row, fill)));
    }
    out
}

fn problems(input: &str, kind: CsvKind) -> Vec<Problem> {
    let rows = check_all(input.as_bytes(), kind, &Fill::default());
    assert_eq!(rows.len(), 1, "one data row expected");
    match rows.into_iter().next().unwrap().1 {
        Ok(a) => panic!("accepted: {:?}", a.event),
        Err(r) => r.problems,
    }
}

const ARREARS_HEADER: &str = "event_id,creditor_id,sector,event_type,customer_ref,arrears_amount,\
    arrears_since,occurred_at,address.postcode,address.house_number";

#[test]
fn dutch_excel_export_uploads_with_zero_rejects() {
    let mut r = CsvReader::new(EXCEL_NL, CsvKind::Arrears).unwrap();
    assert_eq!(r.header().delimiter(), b';');
    let mut seen = Vec::new();
    while let Some(row) = r.next_row().unwrap() {
        let a = r
            .check(&row, &Fill::default())
            .unwrap_or_else(|e| panic!("line {}: {:?}", row.line, e.problems));
        seen.push((row.line, a.event));
    }
    assert_eq!(r.encoding(), SourceEncoding::Utf8);
    // The quoted street spans lines 2 and 3, so the next record starts on line 4.
    let lines: Vec<u64> = seen.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![2, 4, 5]);
    let InputEvent::Arrears(first) = &seen[0].1 else {
        panic!("not arrears")
    };
    assert_eq!(
        first.address.street.as_deref(),
        Some("Hoogstraat\r\nachterhuis, 2e etage")
    );
    assert!(first.personal_contact_attempted);
    let InputEvent::Arrears(second) = &seen[1].1 else {
        panic!("not arrears")
    };
    let person = second.person.as_ref().unwrap();
    assert_eq!(person.surname.as_deref(), Some("Hélène \"Léna\" Çelik"));
    assert_eq!(second.address.street.as_deref(), Some("Spui; ingang \"B\""));
    assert_eq!(r.bytes_read(), EXCEL_NL.len() as u64);
}

#[test]
fn windows_1252_is_converted_and_said_so() {
    let mut bytes = format!("{ARREARS_HEADER},address.city\n").into_bytes();
    bytes.extend_from_slice(
        b"e1,c,HUUR,RESOLVED,K1,,,2026-10-15T09:00:00Z,3011AB,10,Caf\xe9 R\xe9sidence\n",
    );
    let mut r = CsvReader::new(&bytes[..], CsvKind::Arrears).unwrap();
    let row = r.next_row().unwrap().unwrap();
    let a = r.check(&row, &Fill::default()).unwrap();
    let InputEvent::Arrears(e) = a.event else {
        panic!()
    };
    assert_eq!(e.address.city.as_deref(), Some("Café Résidence"));
    assert_eq!(r.encoding(), SourceEncoding::Windows1252);
    let note = r.encoding().note().unwrap();
    assert!(note.contains("CSV UTF-8"), "{note}");
    // The raw bytes are the file's own (for ids derived from the line).
    assert!(row.raw.ends_with(b"Caf\xe9 R\xe9sidence"));
}

#[test]
fn what_is_not_text_is_refused_with_the_fix() {
    for (bytes, what) in [
        (&b"PK\x03\x04rest of a zip"[..], "xlsx"),
        (&b"\xff\xfee\x00v\x00"[..], "UTF-16"),
        (&b"\n\x81\x8d\n"[..], "neither"),
        (&b"\na\x00b\n"[..], "NUL"),
    ] {
        let bytes = if bytes.starts_with(b"\n") {
            [ARREARS_HEADER.as_bytes(), bytes].concat()
        } else {
            bytes.to_vec()
        };
        let bytes = &bytes[..];
        let err = CsvReader::new(bytes, CsvKind::Arrears)
            .and_then(|mut r| r.next_row().map(|_| ()))
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains(what), "{text}");
        assert!(text.contains("CSV UTF-8"), "{text}");
    }
}

#[test]
fn a_line_with_three_faults_lists_all_three_without_values() {
    let header = ARREARS_HEADER.replace(',', ";");
    let p = problems(
        &format!(
            "{header}\ne1;c;HUUR;ARREARS;K1;12,50;2026-13-01;2026-10-15T09:00:00Z;30XX AB;10\n"
        ),
        CsvKind::Arrears,
    );
    let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        vec!["arrears_amount", "arrears_since", "address.postcode"]
    );
    for (p, value) in p.iter().zip(["12,50", "2026-13-01", "30XX"]) {
        assert!(!p.rule.contains(value), "{p}");
        assert!(!p.rule.is_empty());
    }
    assert_eq!(p[1].rule, DATE_RULE);
}

#[test]
fn dates_and_times_say_the_expected_form() {
    let p = problems(
        &format!(
            "{ARREARS_HEADER}\ne1,c,HUUR,ARREARS,K1,12.50,01-09-2026,2026-10-15 09:00,3011AB,10\n"
        ),
        CsvKind::Arrears,
    );
    let text: Vec<String> = p.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        vec![
            "arrears_since: expected a date like 2026-09-01",
            "occurred_at: expected a time like 2026-10-15T09:00:00Z",
        ]
    );
}

#[test]
fn cross_field_problems_come_with_cell_problems() {
    // A bad postcode does not hide the missing amount an ARREARS line needs.
    let p = problems(
        &format!("{ARREARS_HEADER}\ne1,c,HUUR,ARREARS,K1,,2026-09-01,2026-10-15T09:00:00Z,3011,\n"),
        CsvKind::Arrears,
    );
    let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        vec!["address.postcode", "address.house_number", "arrears_amount"]
    );
    assert_eq!(p[1].rule, "required");
    assert_eq!(p[2].rule, "required for ARREARS");
}

#[test]
fn kinds_share_one_mapping() {
    let consent = "event_id;creditor_id;customer_ref;event_type;consent_ref;occurred_at;\
                   address.postcode;address.house_number\n\
                   c1;ing-bank;NL-1;CONSENT_GIVEN;;2026-09-30T11:00:00Z;3011 AB;10\n\
                   c2;ing-bank;NL-1;ARREARS;;2026-09-30T11:00:00Z;3011 AB;10\n";
    let rows = check_all(consent.as_bytes(), CsvKind::Objections, &Fill::default());
    let r0 = rows[0].1.as_ref().unwrap_err();
    assert_eq!(
        r0.problems,
        vec![Problem::new("consent_ref", "required for CONSENT_GIVEN")]
    );
    assert_eq!(r0.event_id.as_deref(), Some("c1"));
    let r1 = rows[1].1.as_ref().unwrap_err();
    assert!(r1.problems[0].rule.contains("--topic-kind arrears"));
    assert_eq!(CsvKind::detect(&["event_id", "case_id"]), CsvKind::Feedback);
    assert_eq!(CsvKind::detect(&["event_id", "sector"]), CsvKind::Arrears);
    assert_eq!(
        CsvKind::detect(&["event_id", "consent_ref"]),
        CsvKind::Objections
    );
}

#[test]
fn feedback_fills_in_event_id_and_time() {
    let case = "cs_dev_ezdaj6n4zokhdiljjedwq4jidcmjzbtb_1";
    let input = format!(
        "event_type,case_id,municipality_code,contact_attempt.soort,contact_attempt.bereikt,\
         contact_attempt.datum,resultaat\n\
         CONTACT_ATTEMPT,{case},0518,Telefoon,true,2026-10-20,\n\
         CONTACT_ATTEMPT,{case},0518,,true,,\n\
         CASE_RESULT,nope,0518,,,,Inwoner is overleden\n"
    );
    let fill = Fill {
        event_id: Some("fb-1".to_owned()),
        occurred_at: Some("2026-10-20T12:00:00Z".to_owned()),
    };
    let rows = check_all(input.as_bytes(), CsvKind::Feedback, &fill);
    let a = rows[0].1.as_ref().unwrap();
    assert_eq!(a.event.event_id(), "fb-1");
    let p: Vec<String> = rows[1]
        .1
        .as_ref()
        .unwrap_err()
        .problems
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        p,
        vec![
            "contact_attempt.soort: required when any contact_attempt column is filled in",
            "contact_attempt.datum: required when any contact_attempt column is filled in",
        ]
    );
    let p = &rows[2].1.as_ref().unwrap_err().problems;
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].field, "case_id");
    assert!(!p[0].rule.contains("nope"));
}

#[test]
fn a_value_containing_semicolon_space_stays_one_problem() {
    // The old feedback path joined problems with "; " and split them again.
    let input = "event_id,creditor_id,sector,event_type,customer_ref,occurred_at,\
                 address.postcode,address.house_number\n\
                 \"a; b: c\",c,HUUR,RESOLVED,\"K/1; x: y\",2026-10-15T09:00:00Z,3011AB,10\n";
    let p = problems(input, CsvKind::Arrears);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].field, "customer_ref");
}

#[test]
fn header_problems_stop_the_file() {
    let e = CsvReader::new(&b"event_id,bsn\n"[..], CsvKind::Arrears).unwrap_err();
    assert!(e.to_string().contains("\"bsn\""), "{e}");
    let e = CsvReader::new(&b"event_id;EVENT_ID\n"[..], CsvKind::Arrears).unwrap_err();
    assert!(e.to_string().contains("twice"), "{e}");
    let e = CsvReader::new(&b"event_id,creditor_id\n"[..], CsvKind::Arrears).unwrap_err();
    assert!(e.to_string().contains("address.postcode"), "{e}");
    let e = CsvReader::new(&b"\n\n"[..], CsvKind::Arrears).unwrap_err();
    assert!(matches!(e, CsvError::Empty), "{e}");
}

#[test]
fn wrong_field_counts_and_unnamed_columns() {
    let input = format!(
        "{ARREARS_HEADER},\ne1,c\ne2,c,HUUR,RESOLVED,K1,,,2026-10-15T09:00:00Z,3011AB,10,x\n"
    );
    let rows = check_all(input.as_bytes(), CsvKind::Arrears, &Fill::default());
    let p = &rows[0].1.as_ref().unwrap_err().problems;
    assert_eq!(
        p[0].to_string(),
        "expected 11 fields as in the header, got 2"
    );
    let p = &rows[1].1.as_ref().unwrap_err().problems;
    assert_eq!(
        p[0].to_string(),
        "field 11 has a value but its column has no name"
    );
}

#[test]
fn neutralises_formula_cells_but_not_numbers() {
    assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
    assert_eq!(neutralise("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
    assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(neutralise("-1+2"), "'-1+2");
    assert_eq!(neutralise("\tx"), "'\tx");
    assert_eq!(neutralise("-"), "'-");
    assert_eq!(neutralise("-12.50"), "-12.50");
    assert_eq!(neutralise("+3"), "+3");
    assert_eq!(neutralise("K-1"), "K-1");
    assert_eq!(neutralise(""), "");
}

#[test]
fn header_is_written_once_per_file() {
    let mut w = CsvWriter::new(Vec::new(), &["a", "b"], false).unwrap();
    w.write_row(["=1", "x, y"]).unwrap();
    let first = w.into_inner().unwrap();
    let mut w = CsvWriter::new(first, &["a", "b"], true).unwrap();
    w.write_row(["2", "line\nbreak"]).unwrap();
    let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
    assert_eq!(out, "a,b\n'=1,\"x, y\"\n2,\"line\nbreak\"\n");
}

#[test]
fn single_records_for_borrowed_writers() {
    let mut out = Vec::new();
    write_header(&mut out, &["customer_ref", "signal_id"], false).unwrap();
    write_record(&mut out, ["@x", "a\"b"]).unwrap();
    write_header(&mut out, &["customer_ref", "signal_id"], true).unwrap();
    write_record(&mut out, ["K1", "-5"]).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "customer_ref,signal_id\n'@x,\"a\"\"b\"\nK1,-5\n"
    );
}

/// Reads back what [`CsvWriter`] wrote, through the upload reader's record layer.
fn read_back(bytes: &[u8]) -> Vec<(u64, Vec<String>)> {
    let mut r = CsvReader::new(bytes, CsvKind::Objections).unwrap();
    let mut out = Vec::new();
    while let Some(row) = r.next_row().unwrap() {
        out.push((row.line, row.cells.unwrap()));
    }
    out
}

const OBJ_HEADER: [&str; 8] = [
    "event_id",
    "creditor_id",
    "customer_ref",
    "event_type",
    "occurred_at",
    "address.postcode",
    "address.house_number",
    "address.street",
];

fn cell() -> impl Strategy<Value = String> {
    // Quotes, both delimiters, line breaks, accents; never starting with a formula character
    // (those are neutralised, tested above) and never blank-only rows (skipped by design).
    "[a-zA-Zé0-9\";, \r\n]{0,12}"
}

proptest! {
    #[test]
    fn written_rows_read_back(rows in proptest::collection::vec(
        proptest::collection::vec(cell(), 8), 1..8), semicolon in any::<bool>(), bom in any::<bool>()
    ) {
        let mut buf = Vec::new();
        if bom {
            buf.extend_from_slice(b"\xef\xbb\xbf");
        }
        let mut w = ::csv::WriterBuilder::new()
            .delimiter(if semicolon { b';' } else { b',' })
            .from_writer(buf);
        w.write_record(OBJ_HEADER).unwrap();
        // A first cell that marks the row as not blank.
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|mut r| { r[0] = format!("x{}", r[0]); r })
            .collect();
        for r in &rows {
            w.write_record(r).unwrap();
        }
        let bytes = w.into_inner().unwrap();
        let back = read_back(&bytes);
        let cells: Vec<Vec<String>> = back.iter().map(|(_, c)| c.clone()).collect();
        prop_assert_eq!(&cells, &rows);
        // Each record starts one line after the previous record's line breaks.
        let mut line = 2u64;
        for (l, r) in &back {
            prop_assert_eq!(*l, line);
            let breaks: usize = r.iter().map(|c| c.matches('\n').count()).sum();
            line += 1 + breaks as u64;
        }
    }

    #[test]
    fn csv_writer_output_reads_back(rows in proptest::collection::vec(
        proptest::collection::vec(cell(), 8), 1..8)
    ) {
        let mut w = CsvWriter::new(Vec::new(), &OBJ_HEADER, false).unwrap();
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|mut r| { r[0] = format!("x{}", r[0]); r })
            .collect();
        for r in &rows {
            w.write_row(r).unwrap();
        }
        let bytes = w.into_inner().unwrap();
        let cells: Vec<Vec<String>> = read_back(&bytes).into_iter().map(|(_, c)| c).collect();
        let expected: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| neutralise(c).into_owned()).collect())
            .collect();
        prop_assert_eq!(cells, expected);
    }

    #[test]
    fn problems_never_quote_the_value(garbage in "[A-Za-z0-9@#%&*]{6,12}") {
        let header = "event_id,creditor_id,sector,event_type,customer_ref,arrears_amount,\
            arrears_since,occurred_at,reminders_sent,crisis,end_of_supply_date,\
            person.birth_date,address.postcode,address.house_number,\
            address.house_number_addition,municipality_code";
        let g = &garbage;
        let line = format!("{g}/,{g}/,{g},ARREARS,{g}/,{g},{g},{g},{g},{g},{g},{g},{g},{g},\
            {g}{g},{g}");
        let rows = check_all(format!("{header}\n{line}\n").as_bytes(), CsvKind::Arrears,
            &Fill::default());
        let r = rows[0].1.as_ref().unwrap_err();
        prop_assert!(r.problems.len() >= 10, "{:?}", r.problems);
        for p in &r.problems {
            prop_assert!(!p.rule.contains(g.as_str()), "{}", p);
            prop_assert!(p.rule != "not a valid value here", "{}", p);
        }
    }
}
