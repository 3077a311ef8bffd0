//! The reporting store and the DDAS report builder: records from real rule decisions, the status
//! mapping, whole euros, the period and paging.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;

use support::*;
use vroeg_domain::contract::decision::{Decision, DecisionKind};
use vroeg_domain::contract::money::Money;
use vroeg_domain::contract::pseudonym::HouseholdId;
use vroeg_domain::contract::sector::Sector;
use vroeg_domain::reporting::ddas::{Eindresultaat, Signaalstatus};
use vroeg_domain::reporting::ddas_report::{
    AanleverendeOrganisatie, MAX_SIGNALS_PER_PAGE, ReportError, ReportHeader, Uitwisselmodel,
    build_ddas, whole_euros,
};
use vroeg_domain::reporting::report::{
    CaseView, ReportClient, ReportRecord, SignalFacts, report_records, signal_status,
};

/// Runs one input line (or only the clock) and collects the report records per household, as
/// the engine does after each step.
fn step(h: &mut Harness, store: &mut Vec<ReportRecord>, line: Option<&str>, until: &str) {
    let (event, decisions) = match line {
        Some(l) => {
            let e = parse_input(l);
            (Some(e.clone()), h.event(e))
        }
        None => (None, h.advance(at(until))),
    };
    let ids: BTreeSet<HouseholdId> = decisions
        .iter()
        .filter_map(|d| d.household_id.clone())
        .collect();
    for id in ids {
        let mine: Vec<Decision> = decisions
            .iter()
            .filter(|d| d.household_id.as_ref() == Some(&id))
            .cloned()
            .collect();
        store.extend(report_records(event.as_ref(), &mine, h.state(&id)));
    }
}

fn feedback(id: &str, case_id: &str, at: &str, body: &str) -> String {
    format!(
        r#"{{"event_id":"{id}","case_id":"{case_id}","municipality_code":"0599","occurred_at":"{at}",{body}}}"#
    )
}

fn header(from: &str, to: &str) -> ReportHeader {
    ReportHeader {
        supplier_code: "VROEG-TEST".to_owned(),
        municipality: code("0599"),
        organisation: AanleverendeOrganisatie {
            naam: Some("Gemeente Rotterdam".to_owned()),
            kvk_nummer: None,
            contactpersonen: Vec::new(),
        },
        from: date(from),
        to: date(to),
        delivered_at: at("2026-11-05T10:15:30Z"),
    }
}

fn one(docs: &[Uitwisselmodel]) -> &Uitwisselmodel {
    assert_eq!(docs.len(), 1);
    &docs[0]
}

#[test]
fn status_mapping_table() {
    use Eindresultaat as E;
    use Signaalstatus as S;
    let open = CaseView::default();
    let contacted = CaseView {
        contacted: true,
        ..CaseView::default()
    };
    let closed = |r: E| CaseView {
        result: Some(r),
        withdrawn: false,
        contacted: true,
    };
    let withdrawn = CaseView {
        result: Some(E::InwonerHeeftZelfAlBetaaldBetalingsregelingGetroffen),
        withdrawn: true,
        contacted: false,
    };
    let table: Vec<(Option<S>, bool, CaseView, S)> = vec![
        (
            Some(S::NietOpgepaktHerhaaldeMelding),
            false,
            open,
            S::NietOpgepaktHerhaaldeMelding,
        ),
        (
            Some(S::NietOpgepaktOnterechtSignaal),
            false,
            open,
            S::NietOpgepaktOnterechtSignaal,
        ),
        (None, false, open, S::NogNietOpgepakt),
        (None, false, contacted, S::Opgepakt),
        (None, false, withdrawn, S::NietOpgepaktAndereReden),
        (None, true, open, S::InwonerAlBekendBijSchuldhulpverlening),
        (
            None,
            true,
            closed(E::InwonerHeeftAlEenAnderLopendTraject),
            S::InwonerAlBekendBijSchuldhulpverlening,
        ),
        (
            None,
            false,
            closed(E::InwonerAlBekendBijSchuldhulpverlening),
            S::InwonerAlBekendBijSchuldhulpverlening,
        ),
        (
            None,
            false,
            closed(E::InwonerIsOverleden),
            S::InwonerIsOverleden,
        ),
        (
            None,
            false,
            closed(E::NietOpgepaktAndereReden),
            S::NietOpgepaktAndereReden,
        ),
        (
            None,
            false,
            closed(E::NietOpgepaktHerhaaldeMelding),
            S::NietOpgepaktHerhaaldeMelding,
        ),
        (
            None,
            false,
            closed(E::NietOpgepaktOnterechtSignaal),
            S::NietOpgepaktOnterechtSignaal,
        ),
        (
            None,
            false,
            closed(E::PersoonIsGeenInwonerMeerInDeGemeente),
            S::PersoonIsGeenInwonerMeerInDeGemeente,
        ),
        (
            None,
            false,
            closed(E::VervolghulpEnOfVerwijzingFinancieel),
            S::Opgepakt,
        ),
        (None, false, closed(E::BudgetadviesOfQuickFix), S::Opgepakt),
        (
            None,
            false,
            closed(E::DefinitiefGeenContactKunnenKrijgen),
            S::Opgepakt,
        ),
    ];
    for (suppressed, known, view, want) in table {
        assert_eq!(
            signal_status(suppressed, known, view),
            want,
            "{suppressed:?} {known} {view:?}"
        );
    }
    // Every result maps to some status (no panic, no gap).
    for r in E::ALL {
        let _ = signal_status(None, false, closed(r));
    }
}

#[test]
fn whole_euros_round_half_away_from_zero() {
    for (amount, want) in [
        ("0.00", 0),
        ("0.49", 0),
        ("0.50", 1),
        ("512.49", 512),
        ("512.50", 513),
        ("512.51", 513),
        ("1999.99", 2000),
    ] {
        let m: Money = amount.parse().unwrap();
        assert_eq!(whole_euros(m), want, "{amount}");
    }
}

#[test]
fn a_month_of_one_household_end_to_end() {
    let mut h = Harness::new();
    let mut store = Vec::new();
    let rent = arrears(
        "e1",
        "woonstad",
        "HUUR",
        "512.50",
        "2026-09-01",
        "2026-10-15T09:00:00Z",
        r#"{"person": {"initials": "A.", "surname": "Dijk", "birth_date": "1985-06-15", "phone": "+31612345678"},
            "address": {"postcode": "3011 AB", "house_number": 10, "house_number_addition": "A"}}"#,
    );
    step(&mut h, &mut store, Some(&rent), "");
    step(&mut h, &mut store, None, "2026-10-16T09:00:00Z");
    let case_id = store
        .iter()
        .find_map(|r| match r {
            ReportRecord::Case(c) => Some(c.case_id.clone()),
            _ => None,
        })
        .expect("a case record once the task went out");
    // A herhaalde melding and a signal without the sector's preconditions (both suppressed).
    let repeat = rent
        .replace("\"e1\"", "\"e2\"")
        .replace("09:00:00Z", "12:00:00Z");
    step(&mut h, &mut store, Some(&repeat), "");
    let water = arrears(
        "e3",
        "evides",
        "WATER",
        "80.49",
        "2026-09-01",
        "2026-10-17T09:00:00Z",
        r#"{"pointed_to_debt_help": false, "address": {"postcode": "3011 AB", "house_number": 10, "house_number_addition": "A"}}"#,
    );
    step(&mut h, &mut store, Some(&water), "");
    // Feedback: two attempts, a result; and one for an unknown case (no record).
    for (id, when, body) in [
        (
            "f1",
            "2026-10-18T10:00:00Z",
            r#""event_type":"CONTACT_ATTEMPT","contact_attempt":{"soort":"Telefoon","bereikt":false,"datum":"2026-10-18","dagdeel":"Middag"}"#,
        ),
        (
            "f2",
            "2026-10-20T10:00:00Z",
            r#""event_type":"CONTACT_ATTEMPT","contact_attempt":{"soort":"Huisbezoek","bereikt":true,"datum":"2026-10-20","dagdeel":"Avond"}"#,
        ),
        (
            "f3",
            "2026-10-22T10:00:00Z",
            r#""event_type":"CASE_RESULT","resultaat":"Vervolghulp en/of verwijzing financieel""#,
        ),
    ] {
        step(
            &mut h,
            &mut store,
            Some(&feedback(id, &case_id, when, body)),
            "",
        );
    }
    let before = store.len();
    step(
        &mut h,
        &mut store,
        Some(&feedback(
            "f4",
            "cs_dev_unknown_1",
            "2026-10-23T10:00:00Z",
            r#""event_type":"CASE_RESULT","resultaat":"Inwoner is overleden""#,
        )),
        "",
    );
    assert_eq!(store.len(), before, "ignored feedback writes nothing");

    // No name, phone or e-mail anywhere in the store.
    let json = serde_json::to_string(&store).unwrap();
    for pii in ["Dijk", "+31612345678", "initials", "surname", "phone"] {
        assert!(!json.contains(pii), "{pii} in {json}");
    }
    // Every record survives its JSON form (the topic's value).
    for r in &store {
        let back: ReportRecord = serde_json::from_str(&serde_json::to_string(r).unwrap()).unwrap();
        assert_eq!(&back, r);
    }

    let docs = build_ddas(
        &store,
        &header("2026-10-01", "2026-10-31"),
        MAX_SIGNALS_PER_PAGE,
    )
    .unwrap();
    let l = &one(&docs).leveringen[0];
    assert_eq!(l.gemeentecode, "0599");
    assert_eq!(l.vroegsignalen.len(), 3, "{:#?}", l.vroegsignalen);
    let by_status = |s: Signaalstatus| l.vroegsignalen.iter().filter(|v| v.status == s).count();
    assert_eq!(by_status(Signaalstatus::Opgepakt), 1);
    assert_eq!(by_status(Signaalstatus::NietOpgepaktHerhaaldeMelding), 1);
    assert_eq!(by_status(Signaalstatus::NietOpgepaktOnterechtSignaal), 1);
    let ids: BTreeSet<&str> = l.vroegsignalen.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids.len(), 3, "the repeat has an id of its own");
    let picked = l
        .vroegsignalen
        .iter()
        .find(|v| v.status == Signaalstatus::Opgepakt)
        .unwrap();
    assert_eq!(picked.bedrag, 513);
    assert_eq!(picked.client.postcode, "3011AB");
    assert_eq!(picked.client.huisnummer, "10");
    assert_eq!(picked.client.huisnummertoevoeging.as_deref(), Some("A"));
    assert_eq!(picked.client.geboortedatum, Some(date("1985-06-15")));
    assert_eq!(picked.signaaldatum, date("2026-10-15"));
    let water = l
        .vroegsignalen
        .iter()
        .find(|v| v.status == Signaalstatus::NietOpgepaktOnterechtSignaal)
        .unwrap();
    assert_eq!(water.bedrag, 80);

    assert_eq!(l.vroegsignaalzaken.len(), 1);
    let z = &l.vroegsignaalzaken[0];
    assert_eq!(z.vroegsignalen.len(), 1);
    assert_eq!(z.vroegsignalen[0].id, picked.id);
    assert_eq!(
        z.resultaat,
        Some(Eindresultaat::VervolghulpEnOfVerwijzingFinancieel)
    );
    assert_eq!(z.matchingsdatum, Some(date("2026-10-16")));
    assert_eq!(z.startdatum_matchingperiode, Some(date("2026-10-15")));
    assert_eq!(z.datum_opgepakt, Some(date("2026-10-18")));
    assert_eq!(z.contactpogingen.len(), 2);
    assert!(z.contactpogingen[1].bereikt);

    // Another municipality's report has none of it; a period before has none of it either.
    let mut other = header("2026-10-01", "2026-10-31");
    other.municipality = code("0518");
    assert!(
        one(&build_ddas(&store, &other, 10).unwrap()).leveringen[0]
            .vroegsignalen
            .is_empty()
    );
    let sept = build_ddas(&store, &header("2026-09-01", "2026-09-30"), 10).unwrap();
    assert_eq!(one(&sept).signal_count(), 0);
    assert!(one(&sept).leveringen[0].vroegsignaalzaken.is_empty());
}

fn signal(id: &str, case: Option<&str>, on: &str) -> ReportRecord {
    ReportRecord::Signal(SignalFacts {
        signal_id: id.to_owned(),
        household_id: HouseholdId::from_stored(format!("hh_dev_{}", case.unwrap_or(id))),
        municipality: code("0599"),
        at: at(&format!("{on}T12:00:00Z")),
        signalled_on: date(on),
        sector: Sector::Energie,
        amount: "99.50".parse().unwrap(),
        since: date("2026-08-01"),
        crisis: false,
        warm_handover: false,
        client: ReportClient {
            postcode: "3011AB".to_owned(),
            house_number: 1,
            house_number_addition: None,
            birth_date: None,
        },
        case_id: case.map(str::to_owned),
        known_to_debt_help: false,
        suppressed: case
            .is_none()
            .then_some(Signaalstatus::NietOpgepaktOnterechtSignaal),
    })
}

#[test]
fn period_is_inclusive_and_selects_on_the_signal_date() {
    let store = vec![
        signal("s0", None, "2026-09-30"),
        signal("s1", None, "2026-10-01"),
        signal("s2", Some("c1"), "2026-10-31"),
        signal("s3", Some("c1"), "2026-11-01"),
    ];
    let docs = build_ddas(&store, &header("2026-10-01", "2026-10-31"), 10).unwrap();
    let l = &one(&docs).leveringen[0];
    let ids: Vec<&str> = l.vroegsignalen.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, ["s1", "s2"]);
    // The case lists only its signals in this document.
    assert_eq!(l.vroegsignaalzaken.len(), 1);
    assert_eq!(l.vroegsignaalzaken[0].vroegsignalen.len(), 1);
    assert_eq!(l.vroegsignaalzaken[0].vroegsignalen[0].id, "s2");
    assert!(matches!(
        build_ddas(&store, &header("2026-10-02", "2026-10-01"), 10),
        Err(ReportError::EmptyPeriod { .. })
    ));
    assert!(matches!(
        build_ddas(
            &store,
            &header("2026-10-01", "2026-10-31"),
            MAX_SIGNALS_PER_PAGE + 1
        ),
        Err(ReportError::PageSize(_))
    ));
}

#[test]
fn pages_never_split_a_case() {
    // 5 cases of 2 signals and 3 lone signals, pages of 3 signals.
    let mut store = Vec::new();
    for c in 0..5 {
        for s in 0..2 {
            store.push(signal(
                &format!("c{c}s{s}"),
                Some(&format!("c{c}")),
                "2026-10-10",
            ));
        }
    }
    for s in 0..3 {
        store.push(signal(&format!("lone{s}"), None, "2026-10-10"));
    }
    let docs = build_ddas(&store, &header("2026-10-01", "2026-10-31"), 3).unwrap();
    let mut seen = BTreeSet::new();
    for d in &docs {
        let l = &d.leveringen[0];
        assert!(l.vroegsignalen.len() <= 3 && !l.vroegsignalen.is_empty());
        let here: BTreeSet<&str> = l.vroegsignalen.iter().map(|v| v.id.as_str()).collect();
        for z in &l.vroegsignaalzaken {
            assert_eq!(z.vroegsignalen.len(), 2, "a case keeps both its signals");
            for r in &z.vroegsignalen {
                assert!(
                    here.contains(r.id.as_str()),
                    "case refers to a signal on its page"
                );
            }
        }
        for id in here {
            assert!(seen.insert(id.to_owned()), "{id} on two pages");
        }
    }
    assert_eq!(seen.len(), 13);
    let too_big = build_ddas(&store, &header("2026-10-01", "2026-10-31"), 1);
    assert!(matches!(too_big, Err(ReportError::CaseTooLarge { .. })));
}

#[test]
fn the_real_limit_is_fifty_thousand_signals_per_document() {
    let store: Vec<ReportRecord> = (0..MAX_SIGNALS_PER_PAGE + 1)
        .map(|i| signal(&format!("s{i:06}"), None, "2026-10-10"))
        .collect();
    let docs = build_ddas(
        &store,
        &header("2026-10-01", "2026-10-31"),
        MAX_SIGNALS_PER_PAGE,
    )
    .unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].signal_count(), MAX_SIGNALS_PER_PAGE);
    assert_eq!(docs[1].signal_count(), 1);
}

#[test]
fn suppressed_decisions_without_state_write_nothing() {
    let d = Decision {
        at: at("2026-10-15T09:00:00Z"),
        rule: "x".to_owned(),
        reason: "x".to_owned(),
        event_id: Some("e1".to_owned()),
        household_id: Some(HouseholdId::from_stored("hh_dev_x".to_owned())),
        kind: DecisionKind::Purged {},
    };
    assert!(report_records(None, &[d], None).is_empty());
}
