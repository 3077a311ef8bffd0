//! Records that break the contract, one kind at a time, as creditors' exports really do.

use serde_json::{Value, json};
use vroeg_domain::contract::messages::{ArrearsEvent, ArrearsEventType};

use super::Record;
use super::data::Rng;

/// The ways a record is broken.
const KINDS: u64 = 8;

/// A broken copy of `e` (a new `event_id`, so it is not mistaken for a redelivery).
pub(super) fn corrupt(e: &ArrearsEvent, rng: &mut Rng) -> Option<Record> {
    let mut v = serde_json::to_value(e).ok()?;
    let obj = v.as_object_mut()?;
    obj.insert("event_id".into(), Value::String(rng.uuid()));
    match rng.below(KINDS) {
        // A postcode that is no Dutch postcode (reserved letters, leading zero, too long).
        0 => {
            let pc = *rng.pick(&["3011 SS", "0123AB", "30111AB", "AB 3011"])?;
            obj.get_mut("address")?
                .as_object_mut()?
                .insert("postcode".into(), json!(pc));
        }
        // Money as a float.
        1 => {
            // Built from text: the number a faulty export writes, without float arithmetic here.
            let cents = rng.range(1_000, 100_000);
            let float: Value = format!("{}.{:02}", cents / 100, cents % 100).parse().ok()?;
            obj.insert("arrears_amount".into(), float);
        }
        // A BSN sent by mistake: an unknown field. The number is synthetic.
        2 => {
            obj.insert(
                "bsn".into(),
                json!(format!("{:09}", rng.below(1_000_000_000))),
            );
        }
        // A required field missing.
        3 => {
            // `arrears_since` is only required for ARREARS (and then refused by validation).
            let required: &[&str] = match e.event_type {
                ArrearsEventType::Arrears => &[
                    "customer_ref",
                    "occurred_at",
                    "arrears_since",
                    "creditor_id",
                ],
                ArrearsEventType::Resolved => &["customer_ref", "occurred_at", "creditor_id"],
            };
            let field = *rng.pick(required)?;
            obj.remove(field);
        }
        // A value outside an enumeration.
        4 => {
            if rng.chance(500) {
                obj.insert(
                    "sector".into(),
                    json!(*rng.pick(&["GAS", "huur", "ZORGVERZEKERAAR"])?),
                );
            } else {
                obj.insert("event_type".into(), json!("BETAALACHTERSTAND"));
            }
        }
        // Three decimals.
        5 => {
            obj.insert("arrears_amount".into(), json!("123.456"));
        }
        // A date in the wrong notation.
        6 => {
            obj.insert("arrears_since".into(), json!("15-09-2026"));
        }
        // Not JSON at all: a truncated line.
        _ => {
            let text = serde_json::to_string(&v).ok()?;
            let cut = text.len() / 2;
            let cut = (0..=cut)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            return Some(Record::Garbage(text[..cut].to_owned()));
        }
    }
    Some(Record::Bad(v))
}
