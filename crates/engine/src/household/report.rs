//! The reporting store: after each household step, the records
//! [`vroeg_domain::report::report_records`] derives from its decisions and the household's new
//! state go to `report.<gemeentecode>`, in the same batch (and transaction) as the step's other
//! outputs, so they are flushed before the state that acknowledges them and a replay rewrites
//! identical records under the same keys.
//!
//! Kept apart from `core.rs` on purpose: `core.rs` only calls [`Core::emit_report`] after
//! `emit`.

use std::collections::BTreeSet;

use vroeg_domain::decision::Decision;
use vroeg_domain::messages::InputEvent;
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
        if decisions.is_empty() {
            return Ok(());
        }
        let households: BTreeSet<&HouseholdId> = decisions
            .iter()
            .filter_map(|d| d.household_id.as_ref())
            .collect();
        let mut records = Vec::new();
        for id in households {
            let mine: Vec<Decision> = decisions
                .iter()
                .filter(|d| d.household_id.as_ref() == Some(id))
                .cloned()
                .collect();
            let state = self
                .partitions
                .values()
                .find_map(|p| p.households.get(id))
                .map(|h| &h.state);
            records.extend(report_records(event, &mine, state));
        }
        let topics = self.cfg.topics.clone();
        for r in records {
            let topic = topics.report(r.municipality());
            self.ensured.ensure(&topic)?;
            let value = serde_json::to_vec(&r).map_err(|e| EngineError::Encode {
                stage: STAGE,
                topic: topic.clone(),
                problem: e.to_string(),
            })?;
            let key = r.key();
            self.producer.send(Out {
                topic: &topic,
                partition: None,
                key: Some(key.as_bytes()),
                payload: Some(&value),
                headers: None,
            })?;
            self.metrics.count_out(STAGE, &topic);
        }
        Ok(())
    }
}
