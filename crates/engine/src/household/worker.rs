//! The household stage's shell around the household algorithm: it decodes envelopes, hands them
//! and the clock's ticks to each partition's [`HouseholdPartition`], sends what the step decided,
//! and commits the outputs, the changed households and the positions in one transaction.

use std::collections::BTreeMap;
use std::time::Instant;

use rdkafka::Offset;
use rdkafka::TopicPartitionList;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::message::{BorrowedMessage, Message, OwnedHeaders};
use vroeg_domain::contract::decision::{Decision, DecisionKind};
use vroeg_domain::contract::messages::CreditorStatus;
use vroeg_domain::household::{Delivery, HouseholdPartition, RecordOrigin};
use vroeg_kafka::keys::{creditor_status_key, household_key};

use super::{HouseholdWorker, STAGE, restore};
use crate::error::{EngineError, Result};
use crate::metrics::{DecisionLabels, StageLabels, TaskLabels, TxnLabels};
use crate::records::{
    HEADER_TASK_ID, HEADER_VERSION, OFFSETS_KEY, Repartitioned, StateRecord, headers,
};
use crate::txn::Out;

impl HouseholdWorker {
    /// Restores the newly assigned partitions (keeping any still held) and returns where to
    /// resume each assigned partition.
    pub(crate) fn on_assign<C: ConsumerContext>(
        &mut self,
        consumer: &BaseConsumer<C>,
        wanted: &[i32],
    ) -> Result<Vec<(i32, i64)>> {
        // An eager rebalance revoked everything before; flush anything left regardless.
        self.flush(consumer)?;
        self.partitions.retain(|p, _| wanted.contains(p));
        let missing: Vec<i32> = wanted
            .iter()
            .copied()
            .filter(|p| !self.partitions.contains_key(p))
            .collect();
        let started = Instant::now();
        let rules = self.rules.clone();
        let (restored, markers) = restore::restore(
            &self.cfg,
            &mut self.producer,
            &missing,
            &rules.context(),
            &self.metrics,
        )?;
        if !missing.is_empty() {
            self.metrics
                .restore_seconds
                .observe(started.elapsed().as_secs_f64());
        }
        self.overdue.invalidate();
        let households: usize = restored.values().map(HouseholdPartition::len).sum();
        tracing::info!(
            stage = STAGE,
            partitions = ?missing,
            households,
            ms = started.elapsed().as_millis() as u64,
            "restored"
        );
        self.partitions.extend(restored);
        self.marker_tombstones.extend(markers);
        self.update_household_gauge();
        Ok(self
            .partitions
            .iter()
            .map(|(p, s)| (*p, s.position().next_offset))
            .collect())
    }

    /// Commits the open batch and drops every partition's state (eager protocol: all go).
    pub(crate) fn on_revoke<C: ConsumerContext>(&mut self, consumer: &BaseConsumer<C>) {
        if self.failed.is_none()
            && let Err(e) = self.flush(consumer)
        {
            tracing::error!(stage = STAGE, error = %e, "commit on revoke failed");
            self.producer.abort();
            self.failed = Some(e);
        }
        self.partitions.clear();
        self.marker_tombstones.clear();
        self.update_household_gauge();
        self.set_overdue(&BTreeMap::new());
        self.overdue.invalidate();
    }

    fn update_household_gauge(&self) {
        let n: usize = self.partitions.values().map(HouseholdPartition::len).sum();
        self.metrics
            .state_households
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// Whether anything waits to be committed without an input record (ticks, markers).
    pub(crate) fn has_pending_changes(&self) -> bool {
        self.producer.is_open()
            || !self.marker_tombstones.is_empty()
            || self.pending_ticked_until.is_some()
            || self
                .partitions
                .values()
                .any(HouseholdPartition::has_changes)
    }

    /// One envelope from the repartition topic.
    pub(crate) fn on_message(&mut self, m: &BorrowedMessage<'_>) -> Result<()> {
        let started = Instant::now();
        let (p, offset) = (m.partition(), m.offset());
        let topic = m.topic();
        self.metrics.count_in(STAGE, topic);
        let Some(part) = self.partitions.get_mut(&p) else {
            tracing::warn!(
                stage = STAGE,
                partition = p,
                offset,
                "record of an unassigned partition"
            );
            return Ok(());
        };
        let record = Repartitioned::decode(m.payload().unwrap_or_default());
        let source_key = record.as_ref().ok().map(|r| r.source().partition_key());
        let origin = RecordOrigin {
            offset,
            source: record
                .as_ref()
                .ok()
                .zip(source_key.as_deref())
                .map(|(r, key)| (key, r.source().offset)),
        };
        let delivery = part.receive(origin);
        if delivery == Delivery::Restored {
            return Ok(());
        }
        // Consumed in this batch either way: its offset commits with it.
        self.batch.add(1);
        self.batch_records += 1;
        if delivery == Delivery::Replay {
            self.metrics.replays_skipped.inc();
            return Ok(());
        }
        let envelope = match record {
            Ok(Repartitioned::Event(e)) => e,
            Ok(Repartitioned::Audit(a)) => {
                // An ingest decision: this stage only writes it out, in this batch's transaction.
                let audit = self.cfg.topics.audit();
                let key = a.household_id.as_ref().map(household_key);
                return self.send(&audit, key, a.audit.get().as_bytes(), None);
            }
            Err(e) => {
                // A record the ingest stage did not write; it cannot be applied, and must not
                // block the partition.
                tracing::error!(stage = STAGE, %topic, partition = p, offset, error = %e, "unreadable envelope skipped");
                self.metrics.count_undecodable(STAGE, "envelope");
                return Ok(());
            }
        };
        let admitted = match envelope.admitted() {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(stage = STAGE, %topic, partition = p, offset, error = %e, "undecodable envelope skipped");
                self.metrics.count_undecodable(STAGE, "event");
                return Ok(());
            }
        };
        let rules = self.rules.clone();
        let ctx = rules.context();
        let mut out = std::mem::take(&mut self.outcome);
        out.clear();
        part.apply_event(&admitted, Some(offset), &ctx, &mut out);
        let sent = self.send_outcome(&out);
        self.outcome = out;
        sent?;
        self.metrics
            .processing_seconds
            .get_or_create(&StageLabels {
                stage: STAGE.to_owned(),
            })
            .observe(started.elapsed().as_secs_f64());
        Ok(())
    }

    /// Fires timers due by the clock's time, in `(due, household)` order per partition, at most
    /// `limit` in all. Returns whether more are due (the caller ticks again after a commit).
    pub(crate) fn tick(&mut self, limit: usize) -> Result<bool> {
        let now = self.clock.now();
        let rules = self.rules.clone();
        let ctx = rules.context();
        let mut out = std::mem::take(&mut self.outcome);
        out.clear();
        let mut left = limit;
        for part in self.partitions.values_mut() {
            left -= part.advance_to(now, left, &ctx, &mut out);
            if left == 0 {
                break;
            }
        }
        let fired = limit - left;
        self.batch.add(fired);
        let sent = self.send_outcome(&out);
        self.outcome = out;
        sent?;
        let more_due = left == 0
            && self
                .partitions
                .values()
                .any(|p| p.next_wakeup().is_some_and(|at| at <= now));
        if !more_due {
            self.pending_ticked_until = Some(now.timestamp_millis());
        }
        self.observe(now);
        Ok(more_due)
    }

    /// Sends a step's decisions and reporting-store records.
    fn send_outcome(&mut self, out: &vroeg_domain::household::StepOutcome) -> Result<()> {
        self.emit(&out.decisions)?;
        self.emit_report(&out.report_records, &out.report_tombstones)
    }

    fn emit(&mut self, decisions: &[Decision]) -> Result<()> {
        let t = self.cfg.topics.clone();
        let audit = t.audit();
        for d in decisions {
            self.metrics
                .decisions
                .get_or_create(&DecisionLabels {
                    kind: d.kind.name().to_owned(),
                    rule: d.rule.clone(),
                })
                .inc();
            let key = d.household_id.as_ref().map(household_key);
            match &d.kind {
                DecisionKind::Task { task } => {
                    let topic = t.outreach(task.municipality_code);
                    self.ensured.ensure(&topic)?;
                    let value = encode(task.as_ref(), &topic)?;
                    let version = task.version.to_string();
                    let headers = headers(&[
                        (HEADER_TASK_ID, task.task_id.as_bytes()),
                        (HEADER_VERSION, version.as_bytes()),
                    ]);
                    self.send(&topic, key, &value, Some(headers))?;
                    self.metrics
                        .tasks
                        .get_or_create(&TaskLabels {
                            municipality: task.municipality_code.to_string(),
                            status: crate::label(&task.status),
                        })
                        .inc();
                }
                DecisionKind::CreditorStatus {
                    creditor_id,
                    customer_ref,
                    signal_id,
                    status,
                } => {
                    let topic = t.creditor_status(creditor_id);
                    self.ensured.ensure(&topic)?;
                    let msg = CreditorStatus {
                        creditor_id: creditor_id.clone(),
                        customer_ref: customer_ref.clone(),
                        signal_id: signal_id.clone(),
                        status: *status,
                        at: d.at,
                    };
                    let value = encode(&msg, &topic)?;
                    self.send(
                        &topic,
                        Some(creditor_status_key(customer_ref)),
                        &value,
                        None,
                    )?;
                }
                _ => {}
            }
            let value = encode(&d.audit_form(&self.rules.key), &audit)?;
            self.send(&audit, key, &value, None)?;
        }
        Ok(())
    }

    fn send(
        &mut self,
        topic: &str,
        key: Option<&[u8]>,
        value: &[u8],
        headers: Option<OwnedHeaders>,
    ) -> Result<()> {
        self.producer.send(Out {
            topic,
            partition: None,
            key,
            payload: Some(value),
            headers,
        })?;
        self.metrics.count_out(STAGE, topic);
        Ok(())
    }

    /// Commits the batch: outputs are delivered first, then every dirty household's state, the
    /// partitions' positions and the consumed offsets go in, and the transaction commits.
    pub(crate) fn flush<C: ConsumerContext>(&mut self, consumer: &BaseConsumer<C>) -> Result<()> {
        if !self.has_pending_changes() {
            return Ok(());
        }
        let started = Instant::now();
        let result = self.write_state_and_commit(consumer);
        let outcome = if result.is_ok() { "commit" } else { "abort" };
        self.metrics
            .transactions
            .get_or_create(&TxnLabels {
                stage: STAGE.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
        if let Err(e) = result {
            self.producer.abort();
            return Err(e);
        }
        self.metrics.observe_commit(STAGE, started.elapsed());
        self.metrics.add_households_committed(self.batch_records);
        if let Some(ms) = self.pending_ticked_until.take() {
            self.metrics.set_ticked_until_ms(ms);
        }
        tracing::debug!(
            stage = STAGE,
            records = self.batch_records,
            ms = started.elapsed().as_millis() as u64,
            "batch committed"
        );
        self.batch_records = 0;
        self.batch.reset();
        self.update_household_gauge();
        Ok(())
    }

    fn write_state_and_commit<C: ConsumerContext>(
        &mut self,
        consumer: &BaseConsumer<C>,
    ) -> Result<()> {
        // Outputs reach the broker before the state that acknowledges them (this matters on
        // brokers without atomic transactions: a crash then repeats outputs, never loses them).
        let t0 = Instant::now();
        if self.producer.is_open() {
            self.producer.flush()?;
        }
        let flushed = t0.elapsed();
        let state_topic = self.cfg.topics.state();
        let households_topic = self.cfg.topics.households();
        let mut writes: Vec<(i32, String, Option<Vec<u8>>)> = Vec::new();
        let mut positions: BTreeMap<i32, i64> = BTreeMap::new();
        for (&p, part) in &mut self.partitions {
            for id in part.take_changed() {
                let value = match part.household(&id) {
                    Some((state, applied, report_keys)) => Some(
                        crate::statecodec::encode_household(applied, state, report_keys)
                            .map_err(|e| encode_error(&state_topic, &e))?,
                    ),
                    None => None,
                };
                writes.push((p, id.as_str().to_owned(), value));
            }
            if let Some(position) = part.take_position_change() {
                let value = serde_json::to_vec(&StateRecord::Offsets(position.clone()))
                    .map_err(|e| encode_error(&state_topic, &e))?;
                writes.push((p, OFFSETS_KEY.to_owned(), Some(value)));
                positions.insert(p, position.next_offset);
            }
        }
        for (p, key) in std::mem::take(&mut self.marker_tombstones) {
            writes.push((p, key, None));
        }
        for (p, key, value) in &writes {
            self.producer.send(Out {
                topic: &state_topic,
                partition: Some(*p),
                key: Some(key.as_bytes()),
                payload: value.as_deref(),
                headers: None,
            })?;
            self.metrics.count_out(STAGE, &state_topic);
        }
        let mut tpl = TopicPartitionList::new();
        for (p, next) in &positions {
            tpl.add_partition_offset(&households_topic, *p, Offset::Offset(*next))
                .map_err(|e| EngineError::kafka(STAGE, format!("{households_topic}[{p}]"), e))?;
        }
        let group = consumer.group_metadata();
        let t1 = Instant::now();
        let res = self.producer.commit(&tpl, group.as_ref());
        drop(tpl);
        // Where a batch's wall time goes on a slow broker (each Tansu commit ~100 ms): the
        // benchmark in docs/BENCHMARKS.md reads these lines.
        tracing::debug!(
            stage = STAGE,
            records = self.batch_records,
            state_records = writes.len(),
            flush_ms = flushed.as_millis() as u64,
            state_ms = (t1 - t0 - flushed).as_millis() as u64,
            commit_ms = t1.elapsed().as_millis() as u64,
            "batch timings"
        );
        res
    }
}

fn encode_error(topic: &str, e: &dyn std::fmt::Display) -> EngineError {
    EngineError::Encode {
        stage: STAGE,
        topic: topic.to_owned(),
        problem: e.to_string(),
    }
}

fn encode<M: vroeg_codec::Message>(msg: &M, topic: &str) -> Result<Vec<u8>> {
    let mut v = Vec::with_capacity(1024);
    vroeg_codec::encode_json(msg, &mut v).map_err(|e| encode_error(topic, &e))?;
    Ok(v)
}
