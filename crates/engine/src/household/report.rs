//! The reporting store: the records the household algorithm derives from each step's decisions
//! ([`vroeg_domain::reporting::report::report_records`], against the household's state after the step) go
//! to `report.<gemeentecode>`, in the same batch (and transaction) as the step's other outputs,
//! so they are flushed before the state that acknowledges them and a replay rewrites identical
//! records under the same keys.

use vroeg_domain::household::parse_store_key;
use vroeg_domain::reporting::report::ReportRecord;

use super::{HouseholdWorker, STAGE};
use crate::error::{EngineError, Result};
use crate::txn::Out;

impl HouseholdWorker {
    /// Produces one step's reporting-store records, then the tombstones of households purged in
    /// it (compaction then removes their data; RULES.md §6 "unreadable everywhere").
    pub(crate) fn emit_report(
        &mut self,
        records: &[ReportRecord],
        tombstones: &[String],
    ) -> Result<()> {
        let topics = self.cfg.topics.clone();
        for r in records {
            let topic = topics.report(r.municipality());
            let value = serde_json::to_vec(r).map_err(|e| EngineError::Encode {
                stage: STAGE,
                topic: topic.clone(),
                problem: e.to_string(),
            })?;
            self.send_report(&topic, &r.key(), Some(&value))?;
        }
        for k in tombstones {
            let Some((code, key)) = parse_store_key(k) else {
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
