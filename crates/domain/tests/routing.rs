//! Routing tables: the shipped PC4 table, the exact table and CBS's pc6hnr format.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::LazyLock;

use proptest::prelude::*;
use vroeg_domain::config::MunicipalityRegistry;
use vroeg_domain::config::config_load::parse_municipalities;
use vroeg_domain::config::routing::{RouteSource, RoutingTable};
use vroeg_domain::config::routing_load::{
    Pc6hnrParser, Pc6hnrRow, check_pc4_table, parse_exact_table, parse_pc4_table,
};
use vroeg_domain::contract::address::{HouseNumber, HouseholdKey, Postcode};
use vroeg_domain::contract::municipality::Gemeentecode;

const PC4: &str = include_str!("../../../config/data/pc4_gemeente.csv");
const GEMEENTEN: &str = include_str!("../../../config/data/gemeenten.csv");
const MUNICIPALITIES: &str = include_str!("../../../config/municipalities.toml");

fn code(s: &str) -> Gemeentecode {
    s.parse().unwrap()
}

fn registry() -> MunicipalityRegistry {
    parse_municipalities(
        "gemeenten.csv",
        GEMEENTEN,
        "municipalities.toml",
        MUNICIPALITIES,
    )
    .unwrap()
}

fn table() -> RoutingTable {
    RoutingTable {
        pc4: parse_pc4_table("pc4_gemeente.csv", PC4).unwrap(),
        exact: HashMap::new(),
    }
}

fn key(pc: &str, nr: u32) -> HouseholdKey {
    HouseholdKey {
        postcode: pc.parse().unwrap(),
        house_number: HouseNumber::new(nr).unwrap(),
        addition: None,
    }
}

/// The shipped CSV's rows as (pc4, code, main), read independently of the parser under test.
fn csv_rows() -> Vec<Row> {
    PC4.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].parse().unwrap(), f[1].to_owned(), f[4] == "1")
        })
        .collect()
}

#[test]
fn shipped_pc4_table_routes_known_postcodes() {
    let t = table();
    assert_eq!(t.pc4.len(), 4072);
    assert_eq!(t.pc4.values().map(Vec::len).sum::<usize>(), 4092);
    for (pc, want) in [
        ("2511AA", "0518"),
        ("1012AB", "0363"),
        ("3011AB", "0599"),
        ("3511AA", "0344"),
    ] {
        let r = t.route(&key(pc, 1), None).unwrap();
        assert_eq!(r.municipality, code(want), "{pc}");
        assert_eq!(r.source, RouteSource::Pc4);
        assert!(!r.ambiguous, "{pc}");
    }
    // Unknown PC4 without a hint: no route; with a hint: the hint.
    assert!(t.route(&key("1000AA", 1), None).is_none());
    let r = t.route(&key("1000AA", 1), Some(code("0363"))).unwrap();
    assert_eq!(
        (r.municipality, r.source),
        (code("0363"), RouteSource::Hint)
    );
}

#[test]
fn every_straddling_pc4_has_its_main_first() {
    let t = table();
    let mut per_pc4: HashMap<u16, Vec<(String, bool)>> = HashMap::new();
    for (pc4, c, main) in csv_rows() {
        per_pc4.entry(pc4).or_default().push((c, main));
    }
    let straddling: Vec<u16> = per_pc4
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(&p, _)| p)
        .collect();
    assert_eq!(straddling.len(), 20);
    for pc4 in straddling {
        let rows = &per_pc4[&pc4];
        let main = &rows.iter().find(|(_, m)| *m).unwrap().0;
        let got = &t.pc4[&pc4];
        assert_eq!(got.len(), rows.len(), "{pc4}");
        assert_eq!(got[0], code(main), "{pc4}");
        // Routed without a hint: main, flagged ambiguous; with the other municipality as a hint:
        // that one.
        let pc = format!("{pc4}AB");
        let r = t.route(&key(&pc, 1), None).unwrap();
        assert_eq!(r.municipality, code(main));
        assert!(r.ambiguous);
        let r = t.route(&key(&pc, 1), Some(got[1])).unwrap();
        assert_eq!(r.municipality, got[1]);
        assert!(!r.ambiguous);
    }
}

#[test]
fn every_pc4_municipality_is_registered_and_connected() {
    let reg = registry();
    let t = table();
    check_pc4_table("pc4_gemeente.csv", &t.pc4, &reg).unwrap();
    for codes in t.pc4.values() {
        for c in codes {
            assert!(reg.get(*c).unwrap().connected);
        }
    }
    // And the reverse: every municipality has at least one PC4.
    let routed: std::collections::BTreeSet<Gemeentecode> =
        t.pc4.values().flatten().copied().collect();
    assert_eq!(routed.len(), reg.by_code.len());

    // A registry missing one municipality makes the check fail, naming a PC4.
    let mut small = reg.clone();
    small.by_code.remove(&code("0518"));
    let e = check_pc4_table("pc4_gemeente.csv", &t.pc4, &small)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("municipality 0518 is not in the municipality registry"),
        "{e}"
    );
}

/// A shipped PC4 row: (pc4, gemeentecode, main).
type Row = (u16, String, bool);

/// Parsed once for the property test's many cases.
static SHIPPED: LazyLock<(MunicipalityRegistry, Vec<Row>, RoutingTable)> =
    LazyLock::new(|| (registry(), csv_rows(), table()));

proptest! {
    /// Any row of the shipped PC4 table names a municipality in the registry, and routing its
    /// PC4 lands in a registered municipality.
    #[test]
    fn pc4_rows_point_into_the_registry(i in 0usize..4092, nr in 1u32..=99_999) {
        let (reg, rows, t) = &*SHIPPED;
        let (pc4, c, _) = &rows[i];
        prop_assert!(reg.get(code(c)).is_some());
        let r = t.route(&key(&format!("{pc4}AA"), nr), None).unwrap();
        prop_assert!(reg.get(r.municipality).is_some());
    }
}

fn pc4_err(csv: &str) -> String {
    parse_pc4_table("pc4.csv", csv).unwrap_err().to_string()
}

#[test]
fn pc4_table_errors_name_the_line() {
    let h = "pc4,gemeentecode,addresses,share,main\n";
    let e = pc4_err(&format!("{h}1011,0363,1,1.0,1\n1012,0363,1,1.0,2\n"));
    assert_eq!(e, "pc4.csv: line 3: main must be 0 or 1, got \"2\"");
    let e = pc4_err(&format!("{h}1011,0363,1,1.0,1\n1011,0344,1,1.0,1\n"));
    assert!(
        e.starts_with("pc4.csv: line 3: pc4 1011 has main=1 on line 2 already"),
        "{e}"
    );
    let e = pc4_err(&format!(
        "{h}1011,0363,1,1.0,1\n1012,0363,1,0.5,0\n1012,0344,1,0.5,0\n"
    ));
    assert!(
        e.starts_with("pc4.csv: line 3: pc4 1012 has no row with main=1"),
        "{e}"
    );
    let e = pc4_err(&format!("{h}1011,0363,1,1.0,1\n1011,GM0363,1,1.0,0\n"));
    assert!(
        e.contains("line 3: pc4 1011 lists municipality 0363 twice"),
        "{e}"
    );
    let e = pc4_err(&format!("{h}0999,0363,1,1.0,1\n"));
    assert!(e.contains("line 2: pc4 \"0999\" is not four digits"), "{e}");
    let e = pc4_err(&format!("{h}1011,363x,1,1.0,1\n"));
    assert!(
        e.contains("line 2: gemeentecode: not a municipality code"),
        "{e}"
    );
    let e = pc4_err(&format!("{h}1011,0363\n"));
    assert!(
        e.contains("line 2: expected 5 fields as in the header, found 2"),
        "{e}"
    );
    let e = pc4_err("pc4,gemeente,main\n1011,0363,1\n");
    assert!(
        e.contains("line 1: header has no column \"gemeentecode\""),
        "{e}"
    );
    assert!(pc4_err("").contains("empty"));
}

/// A synthetic pc6hnr file (invented rows, CBS's column layout).
fn pc6hnr_sample(delim: char, header: &str, quoted: bool, crlf: bool) -> String {
    let rows = [
        ("5611AA", "1", "07721110", "077211", "0772"),
        ("1012AB", "10", "0363AF01", "0363AF", "0363"),
        ("3011AB", "99999", "05990101", "059901", "0599"),
    ];
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut s = format!("\u{feff}{header}{eol}");
    for (a, b, c, d, e) in rows {
        let f: Vec<String> = [a, b, c, d, e]
            .iter()
            .map(|v| {
                if quoted {
                    format!("\"{v}\"")
                } else {
                    (*v).to_owned()
                }
            })
            .collect();
        s.push_str(&f.join(&delim.to_string()));
        s.push_str(eol);
    }
    s
}

/// Reads a whole `pc6hnr` text as `import-pc6hnr` does: the first non-blank line is the header,
/// blank lines are skipped (their numbers still count). Returns the rows.
fn parse_pc6hnr(
    source: &str,
    text: &str,
) -> Result<Vec<Pc6hnrRow>, vroeg_domain::config::config_load::ConfigError> {
    let mut lines = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().expect("a header");
    let parser = Pc6hnrParser::from_header_named(source, header)?;
    lines.map(|(n, l)| parser.parse_line(n, l)).collect()
}

#[test]
fn pc6hnr_parses_in_every_known_style() {
    let headers = [
        "PC6;Huisnummer;Buurt2025;Wijk2025;Gemeente2025",
        "PC6,Huisnummer,Buurt2024,Wijk2024,Gemeente2024",
        "PC6,Huisnummer,Buurt2017,Wijk2017,Gem2017",
        "pc6;huisnummer;gwb2016_code;wijkcode;gemeentecode",
        "\"PC6\",\"Huisnummer\",\"Buurt2024\",\"Wijk2024\",\"Gemeente2024\"",
    ];
    for h in headers {
        let delim = if h.contains(';') { ';' } else { ',' };
        for quoted in [false, true] {
            for crlf in [false, true] {
                let text = pc6hnr_sample(delim, h, quoted, crlf);
                let rows = parse_pc6hnr("pc6hnr.csv", &text).unwrap();
                assert_eq!(rows.len(), 3, "{h}");
                assert_eq!(
                    rows[0],
                    Pc6hnrRow {
                        postcode: "5611AA".parse().unwrap(),
                        house_number: 1,
                        municipality: code("0772"),
                    },
                    "{h}"
                );
                assert_eq!(
                    rows[1].municipality.to_string(),
                    "0363",
                    "leading zero kept"
                );
                assert_eq!(rows[2].house_number, 99_999);
            }
        }
    }
}

#[test]
fn pc6hnr_errors_name_the_line() {
    let p = Pc6hnrParser::from_header_named(
        "pc6hnr2025.csv",
        "PC6;Huisnummer;Buurt2025;Wijk2025;Gemeente2025",
    )
    .unwrap();
    let e = |n: usize, l: &str| p.parse_line(n, l).unwrap_err().to_string();
    assert_eq!(
        e(7, "5611A;1;x;y;0772"),
        "pc6hnr2025.csv: line 7: postcode: not a Dutch postcode (expected 4 digits and 2 letters, e.g. \"3011AB\")"
    );
    assert!(e(8, "5611AA;1a;x;y;0772").starts_with("pc6hnr2025.csv: line 8: house number must be"));
    assert!(e(9, "5611AA;0;x;y;0772").contains("line 9: house number"));
    assert!(e(10, "5611AA;1;x;y;77x").contains("line 10: gemeentecode"));
    assert!(e(11, "5611AA,1,x,y,0772").contains("line 11: too few fields (1)"));
    assert!(e(12, "").contains("line 12: empty line"));
    let err = Pc6hnrParser::from_header("PC6").unwrap_err().to_string();
    assert!(err.contains("line 1: cannot find the delimiter"), "{err}");
    let err = Pc6hnrParser::from_header("PC6;Huisnummer;Gemeente2024;gemeentecode")
        .unwrap_err()
        .to_string();
    assert!(err.contains("more than one municipality"), "{err}");
    // Blank lines are skipped and do not shift the numbers.
    let err = parse_pc6hnr(
        "f.csv",
        "PC6;Huisnummer;Gem2017\n\n5611AA;1;0772\nbad;1;0772\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("f.csv: line 4: postcode"), "{err}");
}

#[test]
fn exact_table_round_trip_and_routing() {
    let text = pc6hnr_sample(
        ';',
        "PC6;Huisnummer;Buurt2025;Wijk2025;Gemeente2025",
        false,
        false,
    );
    let exact: HashMap<_, _> = parse_pc6hnr("pc6hnr.csv", &text)
        .unwrap()
        .into_iter()
        .map(|r| ((r.postcode, r.house_number), r.municipality))
        .collect();
    // As `import-pc6hnr` writes it: sorted by postcode and number.
    let mut rows: Vec<_> = exact.iter().collect();
    rows.sort_unstable();
    let mut csv = String::from("postcode,house_number,gemeentecode\n");
    for ((pc, nr), gem) in rows {
        csv.push_str(&format!("{pc},{nr},{gem}\n"));
    }
    assert!(
        csv.starts_with("postcode,house_number,gemeentecode\n1012AB,10,0363\n"),
        "{csv}"
    );
    let parsed = parse_exact_table("exact.csv", &csv).unwrap();
    assert_eq!(parsed, exact);

    // The exact table wins over the PC4 table, even where the hint disagrees.
    let mut t = table();
    t.exact = parsed;
    let r = t.route(&key("3011AB", 99_999), Some(code("0518"))).unwrap();
    assert_eq!(
        (r.municipality, r.source),
        (code("0599"), RouteSource::Exact)
    );
    // Another number on the same postcode falls back to PC4.
    assert_eq!(
        t.route(&key("3011AB", 1), None).unwrap().source,
        RouteSource::Pc4
    );
}

#[test]
fn exact_table_errors() {
    let h = "postcode,house_number,gemeentecode\n";
    let ok = parse_exact_table(
        "x.csv",
        &format!("{h}3011AB,1,0599\r\n3011AB,1,0599\n\n3011 ab,2,GM0599\n"),
    )
    .unwrap();
    assert_eq!(ok.len(), 2);
    let pc: Postcode = "3011AB".parse().unwrap();
    assert_eq!(ok[&(pc, 2)], code("0599"));
    let e = parse_exact_table("x.csv", &format!("{h}3011AB,1,0599\n3011AB,1,0518\n"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "x.csv: line 3: 3011AB 1 is mapped to 0599 earlier and to 0518 here"
    );
    let e = parse_exact_table("x.csv", "postcode,huisnummer,gemeentecode\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 1: header has no column \"house_number\""),
        "{e}"
    );
}

proptest! {
    /// Any valid row, written in either delimiter, quoted or not, with either line end, parses
    /// back to itself.
    #[test]
    fn pc6hnr_rows_round_trip(
        pc4 in 1000u16..=9999,
        letters in "[A-RT-Z][A-Z]",
        nr in 1u32..=99_999,
        gem in 1u16..=9999,
        semicolon in any::<bool>(),
        quoted in any::<bool>(),
        crlf in any::<bool>(),
    ) {
        let d = if semicolon { ';' } else { ',' };
        let q = if quoted { "\"" } else { "" };
        let header = format!("PC6{d}Huisnummer{d}Buurt2024{d}Wijk2024{d}Gemeente2024");
        let line = format!(
            "{q}{pc4}{letters}{q}{d}{q}{nr}{q}{d}{q}BU{q}{d}{q}WK{q}{d}{q}{gem:04}{q}{}",
            if crlf { "\r" } else { "" }
        );
        let p = Pc6hnrParser::from_header(&header).unwrap();
        let row = p.parse_line(2, &line).unwrap();
        prop_assert_eq!(row.postcode.to_string(), format!("{pc4}{letters}"));
        prop_assert_eq!(row.house_number, nr);
        prop_assert_eq!(row.municipality.get(), gem);
    }
}
