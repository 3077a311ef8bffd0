//! The reporting store: after each household step, the records
//! [`vroeg_domain::report::report_records`] derives from its decisions and the household's new
//! state go to `report.<gemeentecode>`, in the same batch (and transaction) as the step's other
//! outputs, so they are flushed before the state that acknowledges them and a replay rewrites
//! identical records under the same keys.
//!
//! Kept apart from `core.rs` on purpose: `core.rs` only calls [`Core::emit_report`] after
//! `emit`.

use std::collections::BTreeMap;

use vroeg_domain::decision::Decision;
use vroeg_domain::messages::InputEvent;
use vroeg_domain::municipality::Gemeentecode;
use vroeg_domain::pseudonym::HouseholdId;
use vroeg_domain::report::report_records;

use super::{Core, STAGE};
use crate::error::{EngineError, Result};
use crate::txn::Out;

impl Core {
    /// Produces the report records of one step's (or one tick's) decisions. `event` is the input
    /// applied, `None` for ticks. Each household's records are computed against its state as it
    /// is now, after the step: the store keeps the latest facts per key.
    pub(crate) fn emit_report(
        &mut self,
        event: Option<&InputEvent>,
        decisions: &[Decision],
    ) -> Result<()> {
        // One pass groups the decisions per household (order kept within each). A tick can fire
        // thousands of households at once; filtering the whole list per household was quadratic
        // and showed at the top of the household thread's profile (D30).
        let mut per_household: BTreeMap<&HouseholdId, Vec<Decision>> = BTreeMap::new();
        for d in decisions {
            if let Some(id) = d.household_id.as_ref() {
                per_household.entry(id).or_default().push(d.clone());
            }
        }
        let mut records = Vec::new();
        for (id, mine) in per_household {
            let held = self
                .partitions
                .values_mut()
                .find_map(|p| p.households.get_mut(id));
            let new = report_records(event, &mine, held.as_ref().map(|h| &h.state));
            let keys = new.iter().map(|r| store_key(r.municipality(), &r.key()));
            match held {
                // Remembered with the household, so a later purge can tombstone them.
                Some(h) => {
                    for k in keys {
                        if !h.report_keys.contains(&k) {
                            h.report_keys.push(k);
                        }
                    }
                }
                // Purged in this very step: written and tombstoned at once.
                None => {
                    let purged: Vec<String> = keys.collect();
                    if let Some(p) = self.partitions.values_mut().next() {
                        p.purged_report_keys.extend(purged);
                    }
                }
            }
            records.extend(new);
        }
        let topics = self.cfg.topics.clone();
        for r in records {
            let topic = topics.report(r.municipality());
            let value = serde_json::to_vec(&r).map_err(|e| EngineError::Encode {
                stage: STAGE,
                topic: topic.clone(),
                problem: e.to_string(),
            })?;
            self.send_report(&topic, &r.key(), Some(&value))?;
        }
        // Retention purges: every record the purged households had on the store is tombstoned
        // (compaction then removes the data; RULES.md §6 "unreadable everywhere").
        let purged: Vec<String> = self
            .partitions
            .values_mut()
            .flat_map(|p| std::mem::take(&mut p.purged_report_keys))
            .collect();
        for k in purged {
            let Some((code, key)) = parse_store_key(&k) else {
                tracing::error!(stage = STAGE, "malformed reporting-store key skipped");
                continue;
            };
            self.send_report(&topics.report(code), key, None)?;
        }
        Ok(())
    }

    fn send_report(&mut self, topic: &str, key: &str, value: Option<&[u8]>) -> Result<()> {
        self.ensured.ensure(topic)?;
        self.producer.send(Out {
            topic,
            partition: None,
            key: Some(key.as_bytes()),
            payload: value,
            headers: None,
        })?;
        self.metrics.count_out(STAGE, topic);
        Ok(())
    }
}

/// `<gemeentecode>:<key>`: a reporting-store key with the topic it lives on.
fn store_key(code: Gemeentecode, key: &str) -> String {
    format!("{code}:{key}")
}

fn parse_store_key(s: &str) -> Option<(Gemeentecode, &str)> {
    let (code, key) = s.split_once(':')?;
    Some((code.parse().ok()?, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_keys_round_trip() {
        let code: Gemeentecode = "0518".parse().unwrap();
        let k = store_key(code, "signal/sig_1:x");
        assert_eq!(parse_store_key(&k), Some((code, "signal/sig_1:x")));
        assert_eq!(parse_store_key("nonsense"), None);
    }
}
