//! The state changelog across the consent-and-privacy change (issue #8, 2026-11-29): a household
//! record as the previous version wrote it (no person per signal, no epoch, event ids hashed
//! without their creditor) still decodes, keeps its open case's ids, and still recognises its
//! remembered events; and a record as this version writes it (v1) round-trips.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use vroeg_engine::records::StateRecord;
use vroeg_engine::statecodec;

/// A v0 household record exactly as written before 2026-11-29: an open, sent case with one
/// signal, a standing objection of another creditor on one account, 1 remembered event id.
const OLD_RECORD: &str = r#"{"type":"household","applied":7,"state":{"household_id":"hh_dev_ba3psuoaa2zoit75fjjsyggpnskhjks6","municipality":"0599","address":{"postcode":"3011AB","house_number":10},"person":{"initials":"A.","surname":"Dijk"},"arrears":[{"creditor_id":"woonstad-rotterdam","customer_ref":"K-1","sector":"HUUR","amount":"600.00","since":"2026-09-01","event_id":"w1","reported_at":"2026-10-10T09:00:00Z","reminders_sent":3,"crisis":false,"warm_handover":false,"end_of_supply_date":null,"personal_contact_attempted":true,"pointed_to_debt_help":true,"data_sharing_offered":true,"min_payment_term_days":null,"stage":{"stage":"signalled","signal_id":"sig_aaaaaaaaaaaaaaaa","amount":"600.00","updated_signal_sent":false}}],"standings":[{"creditor_id":"dunea","customer_ref":"K-9","objection":true,"withdrawn_consents":[]}],"history":[{"on":"2026-10-10","creditor_id":"woonstad-rotterdam","case_id":"cs_dev_ba3psuoaa2zoit75fjjsyggpnskhjks6_1"}],"case":{"case_id":"cs_dev_ba3psuoaa2zoit75fjjsyggpnskhjks6_1","task_id":"tk_dev_ba3psuoaa2zoit75fjjsyggpnskhjks6_1","municipality":"0599","opened_at":"2026-10-10T09:00:00Z","dispatch_at":null,"version":1,"signals":[{"signal_id":"sig_aaaaaaaaaaaaaaaa","creditor_id":"woonstad-rotterdam","customer_ref":"K-1","sector":"HUUR","amount":"600.00","since":"2026-09-01","signalled_on":"2026-10-10","reminders_sent":3,"crisis":false,"warm_handover":false,"end_of_supply_date":null,"updated_signal":false,"resolved":false}],"classification":"ENKELVOUDIG","priority":"NORMAL","due_date":"2026-10-25","created_at":"2026-10-11T09:00:00Z","first_contact_on":null,"reached":false,"known_to_debt_help":false,"picked_up_told":[]},"last_closed":null,"case_seq":1,"recent_events":[12345],"last_activity":"2026-10-11T09:00:00Z","not_resident":false}}"#;

#[test]
fn a_household_record_of_the_previous_version_decodes() {
    let StateRecord::Household { applied, state, .. } =
        statecodec::decode(OLD_RECORD.as_bytes()).expect("old record decodes")
    else {
        panic!("not a household record");
    };
    assert_eq!(applied, 7);
    assert_eq!(state.epoch, None, "no epoch: ids keep their old form");
    assert!(state.seen_events.is_empty() && state.accounts.is_empty());
    assert!(!state.standings_only);
    assert_eq!(state.recent_events, vec![12345]);
    let case = state.case.as_ref().unwrap();
    assert_eq!(case.case_id, "cs_dev_ba3psuoaa2zoit75fjjsyggpnskhjks6_1");
    assert!(case.signals[0].person.is_none() && case.signals[0].reported_at.is_none());
    // An objection on one account of dunea now covers all of dunea's accounts.
    assert!(state.objected("dunea"));
    assert_eq!(state.standings[0].since, None);

    // Written again by this version (v1) and read back: the same state.
    let v1 = statecodec::encode_household(applied, &state, &[]).unwrap();
    assert_eq!(v1[..2], statecodec::V1_MAGIC);
    match statecodec::decode(&v1).unwrap() {
        StateRecord::Household { state: again, .. } => assert_eq!(again, state),
        other => panic!("not a household record: {other:?}"),
    }
}

#[test]
fn a_household_record_as_this_version_writes_it_round_trips() {
    let StateRecord::Household { state, .. } = statecodec::decode(OLD_RECORD.as_bytes()).unwrap()
    else {
        panic!("not a household record");
    };
    let mut state = *state;
    state.epoch = Some("2026-10-10".parse().unwrap());
    state.seen_events = vec![1, 2, 3];
    state.accounts.push(vroeg_domain::rules::AccountClock {
        creditor_id: "woonstad-rotterdam".into(),
        customer_ref: "K-1".into(),
        newest: "2026-10-10T09:00:00Z".parse().unwrap(),
    });
    state.standings[0].since = Some("2026-10-01T09:00:00Z".parse().unwrap());
    let signal = &mut state.case.as_mut().unwrap().signals[0];
    signal.person = state.person.clone();
    signal.reported_at = Some("2026-10-10T09:00:00Z".parse().unwrap());
    let v1 = statecodec::encode_household(9, &state, &["0599:k".to_owned()]).unwrap();
    match statecodec::decode(&v1).unwrap() {
        StateRecord::Household {
            applied,
            state: again,
            report_keys,
        } => {
            assert_eq!((applied, report_keys), (9, vec!["0599:k".to_owned()]));
            assert_eq!(*again, state);
        }
        other => panic!("not a household record: {other:?}"),
    }
    // The minimal record kept for a standing objection after retention.
    state.standings_only = true;
    let v1 = statecodec::encode_household(9, &state, &[]).unwrap();
    assert!(matches!(statecodec::decode(&v1).unwrap(),
        StateRecord::Household { state: again, .. } if again.standings_only));
}
