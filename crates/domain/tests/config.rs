//! The shipped configuration parses and means what RULES.md says; broken inputs give errors that
//! name the place.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::NaiveDate;
use vroeg_domain::config::config_load::{parse_creditors, parse_municipalities, parse_rule_book};
use vroeg_domain::config::{RuleBook, RuleSet};
use vroeg_domain::contract::money::Money;
use vroeg_domain::contract::municipality::Gemeentecode;
use vroeg_domain::contract::sector::Sector;

const RULES: &str = include_str!("../../../config/rules.toml");
const MUNICIPALITIES: &str = include_str!("../../../config/municipalities.toml");
const CREDITORS: &str = include_str!("../../../config/creditors.toml");
const GEMEENTEN: &str = include_str!("../../../config/data/gemeenten.csv");

fn book() -> RuleBook {
    parse_rule_book("config/rules.toml", RULES).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn set_on<'a>(b: &'a RuleBook, d: &str) -> &'a RuleSet {
    b.in_force(date(d)).unwrap()
}

fn money(s: &str) -> Money {
    s.parse().unwrap()
}

fn code(s: &str) -> Gemeentecode {
    s.parse().unwrap()
}

#[test]
fn shipped_rule_book_base_set() {
    let b = book();
    assert_eq!(b.sets.len(), 4);
    let base = &b.sets[0];
    assert_eq!(base.effective_from, date("2021-01-01"));
    assert_eq!(base.lookback_months, 6);
    assert_eq!(base.deadlines.crisis_days, 3);
    assert_eq!(base.deadlines.warm_handover_days, 14);
    assert_eq!(base.deadlines.default_days, 14);
    assert_eq!(base.deadlines.end_of_supply_margin_days, 1);
    assert_eq!(base.sectors.len(), Sector::ALL.len());

    let huur = &base.sectors[&Sector::Huur];
    assert_eq!(
        (huur.min_days, huur.max_days, huur.min_reminders),
        (30, Some(100), 1)
    );
    assert!(huur.require_personal_contact);
    assert!(huur.require_pointed_to_debt_help);
    assert!(huur.require_data_sharing_offered);

    let water = &base.sectors[&Sector::Water];
    assert_eq!(
        (water.min_days, water.max_days, water.min_reminders),
        (30, Some(100), 1)
    );
    assert!(water.require_pointed_to_debt_help && !water.require_personal_contact);

    let zorg = &base.sectors[&Sector::Zorg];
    assert_eq!(
        (zorg.min_days, zorg.max_days, zorg.min_reminders),
        (30, Some(100), 1)
    );

    let cak = &base.sectors[&Sector::Cak];
    assert_eq!(
        (cak.min_days, cak.max_days, cak.min_reminders),
        (0, None, 0)
    );

    assert_eq!(base.sectors[&Sector::Duo].min_amount, Some(money("270.00")));
    assert_eq!(
        base.sectors[&Sector::Belastingdienst].min_amount,
        Some(money("600"))
    );
    assert_eq!(base.sectors[&Sector::Toeslagen].min_amount, None);
    for s in [Sector::Duo, Sector::Belastingdienst, Sector::Toeslagen] {
        let r = &base.sectors[&s];
        assert_eq!(
            (r.min_days, r.max_days, r.min_reminders),
            (0, None, 1),
            "{s}"
        );
    }
    for s in [
        Sector::Hypotheek,
        Sector::Bank,
        Sector::Telecom,
        Sector::Verzekering,
        Sector::Overig,
    ] {
        let r = &base.sectors[&s];
        assert_eq!(
            (r.min_days, r.max_days, r.min_reminders),
            (30, None, 1),
            "{s}"
        );
    }
}

#[test]
fn energy_rules_change_on_their_dates() {
    let b = book();
    let e = |d: &str| set_on(&b, d).sectors[&Sector::Energie].clone();

    // Before the first set: the oldest rules.
    assert_eq!(e("2019-06-01").min_days, 50);

    let before = e("2022-11-30");
    assert_eq!((before.min_days, before.max_days), (50, None));
    assert_eq!(before.updated_signal_after_days, Some(100));
    assert_eq!(e("2022-12-01").min_days, 30);

    let old = e("2023-03-31");
    assert_eq!((old.min_reminders, old.min_payment_term_days), (1, None));
    let new = e("2023-04-01");
    assert_eq!(
        (new.min_reminders, new.min_payment_term_days),
        (3, Some(14))
    );
    assert_eq!(new.min_days, 30, "inherited from 2022-12-01");
    assert_eq!(
        new.updated_signal_after_days,
        Some(100),
        "inherited from the base"
    );

    assert!(!e("2025-12-31").require_personal_contact);
    let y2026 = e("2026-01-01");
    assert!(y2026.require_personal_contact);
    assert_eq!((y2026.min_days, y2026.min_reminders), (30, 3));
    assert_eq!(
        set_on(&b, "2026-01-01").name,
        "energie-2026-persoonlijk-contact"
    );

    // Other sectors are untouched by the energy sets.
    assert_eq!(
        set_on(&b, "2026-06-01").sectors[&Sector::Huur],
        b.sets[0].sectors[&Sector::Huur]
    );
}

/// The rule engine's tests run on a rule book built in code "equal to RULES.md's defaults"; the
/// shipped file must say the same, or the engine is tested against rules nobody runs.
#[test]
fn shipped_rule_book_equals_the_engine_fixture() {
    let shipped = book();
    let fixture = support::rule_book();
    assert_eq!(shipped.sets.len(), fixture.sets.len());
    for (a, b) in shipped.sets.iter().zip(&fixture.sets) {
        assert_eq!(a.effective_from, b.effective_from);
        assert_eq!(a.lookback_months, b.lookback_months, "{}", a.name);
        assert_eq!(a.deadlines, b.deadlines, "{}", a.name);
        for s in Sector::ALL {
            assert_eq!(a.sectors[&s], b.sectors[&s], "{} {s}", a.name);
        }
    }
}

#[test]
fn shipped_municipalities() {
    let r = parse_municipalities(
        "config/data/gemeenten.csv",
        GEMEENTEN,
        "config/municipalities.toml",
        MUNICIPALITIES,
    )
    .unwrap();
    assert_eq!(r.by_code.len(), 342);
    assert!(r.by_code.values().all(|m| m.connected));
    assert!(
        r.by_code
            .values()
            .all(|m| m.bundling_delay_hours == 24 && m.retention_months == 6)
    );
    assert!(r.by_code.values().all(|m| m.min_amount.is_none()));
    let ams = r.get(code("0363")).unwrap();
    assert_eq!(ams.name, "Amsterdam");
    assert_eq!(
        ams.experiments.iter().copied().collect::<Vec<_>>(),
        vec![Sector::Duo]
    );
    assert!(r.get(code("0518")).unwrap().experiments.is_empty());
    assert_eq!(r.get(code("GM0518")).unwrap().name, "'s-Gravenhage");
    assert_eq!(
        r.get(code("0820")).unwrap().name,
        "Nuenen, Gerwen en Nederwetten"
    );
}

#[test]
fn shipped_creditors() {
    let c = parse_creditors("config/creditors.toml", CREDITORS).unwrap();
    assert!(c.allow_unregistered);
    assert_eq!(c.by_id.len(), 13);
    let sectors: std::collections::BTreeSet<Sector> = c.by_id.values().map(|c| c.sector).collect();
    assert_eq!(sectors.len(), Sector::ALL.len(), "one example per sector");
    assert!(c.check("woonstad-rotterdam", Sector::Huur).is_ok());
    assert!(c.check("woonstad-rotterdam", Sector::Bank).is_err());
    assert_eq!(c.by_id["vattenfall"].sector, Sector::Energie);
}

// ------------------------------------------------------------------------------------------------
// Broken inputs.

const MINI_BASE: &str = r#"
[[rule_set]]
effective_from = 2021-01-01
name = "base"
lookback_months = 6
[rule_set.deadlines]
crisis_days = 3
warm_handover_days = 14
default_days = 14
end_of_supply_margin_days = 1
"#;

/// A base set with every sector given the same simple rule.
fn mini_book(extra: &str) -> String {
    let mut s = MINI_BASE.to_owned();
    for sector in Sector::ALL {
        s.push_str(&format!(
            "[rule_set.sectors.{sector}]\nmin_days = 30\nmax_days = 100\nmin_reminders = 1\n\
             require_personal_contact = false\nrequire_pointed_to_debt_help = false\n\
             require_data_sharing_offered = false\n"
        ));
        if sector.legal_basis() == vroeg_domain::contract::sector::LegalBasis::Experiment {
            s.push_str("effective_from = 2023-05-01\n");
        }
    }
    s.push_str(extra);
    s
}

fn rule_err(text: &str) -> String {
    parse_rule_book("rules.toml", text).unwrap_err().to_string()
}

#[test]
fn mini_book_parses_and_none_clears() {
    let b = parse_rule_book(
        "rules.toml",
        &mini_book(
            "[[rule_set]]\neffective_from = 2024-01-01\nname = \"later\"\nlookback_months = 12\n\
             [rule_set.sectors.HUUR]\nmax_days = \"none\"\nmin_amount = \"10.5\"\n",
        ),
    )
    .unwrap();
    let later = &b.sets[1];
    assert_eq!(later.lookback_months, 12);
    assert_eq!(later.sectors[&Sector::Huur].max_days, None);
    assert_eq!(
        later.sectors[&Sector::Huur].min_amount,
        Some(money("10.50"))
    );
    assert_eq!(later.sectors[&Sector::Water].max_days, Some(100));
}

#[test]
fn rule_book_errors_name_the_place() {
    // Unknown key, with its line.
    let e =
        rule_err(&mini_book("").replacen("min_days = 30\nmax_days", "min_dayz = 30\nmax_days", 1));
    assert!(e.starts_with("rules.toml: line 12"), "{e}");
    assert!(e.contains("unknown field `min_dayz`"), "{e}");

    // Unknown sector.
    let e = rule_err(&mini_book("").replacen("sectors.HUUR]", "sectors.HUURR]", 1));
    assert!(e.contains("HUURR"), "{e}");

    // Missing sector in the base.
    let text = mini_book("");
    let cut = text.find("[rule_set.sectors.OVERIG]").unwrap();
    let e = rule_err(&text[..cut]);
    assert!(
        e.contains("rule_set[0]") && e.contains("missing: OVERIG"),
        "{e}"
    );

    // Missing required key in the base.
    let e = rule_err(&mini_book("").replacen("min_reminders = 1\n", "", 1));
    assert!(e.contains("sectors.HUUR: min_reminders is required"), "{e}");

    // max_days < min_days, in a later set, pointed at that set's sector table.
    let e = rule_err(&mini_book(
        "\n[[rule_set]]\neffective_from = 2022-01-01\nname = \"x\"\n[rule_set.sectors.ZORG]\nmin_days = 120\n",
    ));
    assert!(
        e.contains("rule_set[1].sectors.ZORG: max_days (100) must be >= min_days (120)"),
        "{e}"
    );
    assert!(e.contains("line "), "{e}");

    // Dates not ascending, and a date given twice.
    for d in ["2020-01-01", "2021-01-01"] {
        let e = rule_err(&mini_book(&format!(
            "[[rule_set]]\neffective_from = {d}\nname = \"x\"\n"
        )));
        assert!(
            e.contains("rule_set[1]: effective_from") && e.contains("ascending"),
            "{e}"
        );
    }

    // Lookback out of range.
    let e = rule_err(&mini_book("").replace("lookback_months = 6", "lookback_months = 0"));
    assert!(
        e.contains("rule_set[0]: lookback_months must be 1..=24"),
        "{e}"
    );
    let e = rule_err(&mini_book("").replace("lookback_months = 6", "lookback_months = 25"));
    assert!(e.contains("lookback_months must be 1..=24, got 25"), "{e}");

    // A time where a date belongs, a float amount, a float day count, no sets at all.
    let e = rule_err(&mini_book("").replace("2021-01-01", "2021-01-01T10:00:00"));
    assert!(
        e.contains("effective_from") && e.contains("without a time"),
        "{e}"
    );
    let e = rule_err(&mini_book(
        "[[rule_set]]\neffective_from = 2024-01-01\nname = \"y\"\n[rule_set.sectors.DUO]\nmin_amount = 270.5\n",
    ));
    assert!(e.contains("line "), "{e}");
    let e = rule_err(&mini_book("").replacen("min_days = 30", "min_days = -1", 1));
    assert!(e.contains("line 12"), "{e}");
    assert!(rule_err("").contains("no [[rule_set]]"));

    // Duplicate names, crisis later than default.
    let e = rule_err(&mini_book(
        "[[rule_set]]\neffective_from = 2024-01-01\nname = \"base\"\n",
    ));
    assert!(e.contains("used twice"), "{e}");
    let e = rule_err(&mini_book("").replace("crisis_days = 3", "crisis_days = 30"));
    assert!(
        e.contains("deadlines: crisis_days (30) may not exceed default_days"),
        "{e}"
    );
}

const TWO_GEMEENTEN: &str = "code,name,province,province_code\n0363,Amsterdam,Noord-Holland,27\n0518,'s-Gravenhage,Zuid-Holland,28\n";
const MIN_DEFAULTS: &str = "[defaults]\nconnected = false\nbundling_delay_hours = 0\nretention_months = 6\nexperiments = []\n";

fn muni_err(csv: &str, toml: &str) -> String {
    parse_municipalities("g.csv", csv, "m.toml", toml)
        .unwrap_err()
        .to_string()
}

#[test]
fn municipality_overrides_and_errors() {
    let r = parse_municipalities(
        "g.csv",
        TWO_GEMEENTEN,
        "m.toml",
        &format!("{MIN_DEFAULTS}min_amount = \"25\"\n[overrides.GM0518]\nconnected = true\nmin_amount = \"none\"\nexperiments = [\"BELASTINGDIENST\", \"TOESLAGEN\"]\n"),
    )
    .unwrap();
    let hague = r.get(code("0518")).unwrap();
    assert!(hague.connected && hague.min_amount.is_none());
    assert_eq!(hague.experiments.len(), 2);
    let ams = r.get(code("0363")).unwrap();
    assert!(!ams.connected);
    assert_eq!(ams.min_amount, Some(money("25.00")));

    let e = muni_err(
        TWO_GEMEENTEN,
        &format!("{MIN_DEFAULTS}[overrides.\"0599\"]\nconnected = true\n"),
    );
    assert!(
        e.starts_with("m.toml: line 6, overrides.\"0599\": municipality 0599 is not in g.csv"),
        "{e}"
    );
    let e = muni_err(
        TWO_GEMEENTEN,
        &format!("{MIN_DEFAULTS}[overrides.\"0363\"]\nconected = true\n"),
    );
    assert!(e.contains("unknown field `conected`"), "{e}");
    let e = muni_err(
        TWO_GEMEENTEN,
        &format!("{MIN_DEFAULTS}[overrides.\"0363\"]\nexperiments = [\"HUUR\"]\n"),
    );
    assert!(e.contains("HUUR is not a Wgs art. 10 experiment"), "{e}");
    let e = muni_err(
        TWO_GEMEENTEN,
        &format!("{MIN_DEFAULTS}[overrides.\"0363\"]\nname = \"Rotterdam\"\n"),
    );
    assert!(e.contains("does not match g.csv"), "{e}");
    let e = muni_err(
        TWO_GEMEENTEN,
        &format!("{MIN_DEFAULTS}[overrides.\"0363\"]\n[overrides.GM0363]\n"),
    );
    assert!(e.contains("overridden twice"), "{e}");
    let e = muni_err(
        TWO_GEMEENTEN,
        &format!("{MIN_DEFAULTS}[overrides.\"abc\"]\n"),
    );
    assert!(e.contains("not a municipality code"), "{e}");
    let e = muni_err(TWO_GEMEENTEN, "[defaults]\nconnected = true\n");
    assert!(e.contains("missing field"), "{e}");
    let e = muni_err(
        TWO_GEMEENTEN,
        &MIN_DEFAULTS.replace("retention_months = 6", "retention_months = 99"),
    );
    assert!(
        e.contains("line 1, defaults: retention_months must be 6..=24"),
        "{e}"
    );
    // Issue #8: a retention shorter than the 6-month look-back is a configuration error.
    let e = muni_err(
        TWO_GEMEENTEN,
        &MIN_DEFAULTS.replace("retention_months = 6", "retention_months = 3"),
    );
    assert!(
        e.contains("retention_months = 3 is shorter than the 6-month look-back"),
        "{e}"
    );

    let e = muni_err(
        &format!("{TWO_GEMEENTEN}0363,Amsterdam,Noord-Holland,27\n"),
        MIN_DEFAULTS,
    );
    assert!(
        e.starts_with("g.csv: line 4: municipality 0363 is listed twice"),
        "{e}"
    );
    let e = muni_err("code,naam\n0363,Amsterdam\n", MIN_DEFAULTS);
    assert!(e.contains("line 1: header has no column \"name\""), "{e}");
    let e = muni_err("code,name\n363x,Amsterdam\n", MIN_DEFAULTS);
    assert!(
        e.starts_with("g.csv: line 2: not a municipality code"),
        "{e}"
    );
}

#[test]
fn creditor_errors() {
    let one = |id: &str| {
        format!(
            "allow_unregistered = false\n[[creditor]]\nid = \"{id}\"\nname = \"N\"\nsector = \"HUUR\"\n"
        )
    };
    let e = parse_creditors("c.toml", &one("woon stad"))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("c.toml: line 2, creditor[0] (\"woon stad\"): id must be"),
        "{e}"
    );
    let e = parse_creditors("c.toml", &one(&"x".repeat(65)))
        .unwrap_err()
        .to_string();
    assert!(e.contains("id must be 1 to 64"), "{e}");
    let e = parse_creditors(
        "c.toml",
        &format!(
            "{}{}",
            one("a.b"),
            one("a_b").replace("allow_unregistered = false\n", "")
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("line 6, creditor[1]") && e.contains("collides with \"a.b\""),
        "{e}"
    );
    let e = parse_creditors(
        "c.toml",
        &format!(
            "{}{}",
            one("kpn"),
            one("kpn").replace("allow_unregistered = false\n", "")
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("listed twice"), "{e}");
    let e = parse_creditors("c.toml", &one("x").replace("HUUR", "HOUSING"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 5") && e.contains("HOUSING"), "{e}");
    let c = parse_creditors("c.toml", &one("x")).unwrap();
    assert!(!c.allow_unregistered);
    assert!(c.check("y", Sector::Huur).is_err());
}

/// Issue #8: an experiment without `effective_from` is a configuration error with a clear
/// message; a statutory sector with one is refused too.
#[test]
fn experiments_need_effective_from() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/rules.toml"
    ))
    .unwrap();
    assert!(parse_rule_book("rules.toml", &text).is_ok());
    let without = text.replacen("effective_from = 2023-05-01", "", 1);
    let e = parse_rule_book("rules.toml", &without)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("DUO is a Wgs art. 10 experiment and needs `effective_from`"),
        "{e}"
    );
    let on_huur = text.replacen(
        "[rule_set.sectors.HUUR]\n",
        "[rule_set.sectors.HUUR]\neffective_from = 2020-01-01\n",
        1,
    );
    let e = parse_rule_book("rules.toml", &on_huur)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("effective_from is only for experiment sectors"),
        "{e}"
    );
}
