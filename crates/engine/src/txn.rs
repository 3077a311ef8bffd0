//! A transactional producer used one batch at a time: `send` opens the transaction on first use,
//! `commit` ties the consumed offsets to it and commits. Every call here blocks; the stages run on
//! their own threads, never on the async runtime.

use std::time::Duration;

use rdkafka::consumer::ConsumerGroupMetadata;
use rdkafka::message::OwnedHeaders;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientConfig, TopicPartitionList};
use vroeg_kafka::send_with_retry;

use crate::error::{EngineError, Result};

/// A record to send.
#[derive(Debug)]
pub(crate) struct Out<'a> {
    pub(crate) topic: &'a str,
    pub(crate) partition: Option<i32>,
    pub(crate) key: Option<&'a [u8]>,
    /// `None`: a tombstone.
    pub(crate) payload: Option<&'a [u8]>,
    pub(crate) headers: Option<OwnedHeaders>,
}

/// See the module doc.
pub(crate) struct TxnProducer {
    producer: ThreadedProducer<DefaultProducerContext>,
    stage: &'static str,
    open: bool,
    timeout: Duration,
}

impl std::fmt::Debug for TxnProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TxnProducer")
            .field("stage", &self.stage)
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

impl TxnProducer {
    /// Creates the producer and initialises transactions (fencing older instances with the
    /// same `transactional.id` on brokers that implement fencing).
    pub(crate) fn new(
        config: &ClientConfig,
        stage: &'static str,
        timeout: Duration,
    ) -> Result<Self> {
        let producer: ThreadedProducer<DefaultProducerContext> = config
            .create()
            .map_err(|e| EngineError::kafka(stage, "creating the transactional producer", e))?;
        producer
            .init_transactions(timeout)
            .map_err(|e| EngineError::kafka(stage, "init_transactions", e))?;
        Ok(TxnProducer {
            producer,
            stage,
            open: false,
            timeout,
        })
    }

    /// Whether a transaction is open.
    pub(crate) fn is_open(&self) -> bool {
        self.open
    }

    fn begin(&mut self) -> Result<()> {
        if !self.open {
            self.producer
                .begin_transaction()
                .map_err(|e| EngineError::kafka(self.stage, "begin_transaction", e))?;
            self.open = true;
        }
        Ok(())
    }

    /// Enqueues one record in the open transaction (opening one if needed), waiting while the
    /// local queue is full.
    // rdkafka's `send` hands the record back with its error: a large `Err`, not ours to box.
    #[allow(clippy::result_large_err)]
    pub(crate) fn send(&mut self, out: Out<'_>) -> Result<()> {
        self.begin()?;
        let mut record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(out.topic);
        if let Some(p) = out.partition {
            record = record.partition(p);
        }
        if let Some(k) = out.key {
            record = record.key(k);
        }
        if let Some(v) = out.payload {
            record = record.payload(v);
        }
        if let Some(h) = out.headers {
            record = record.headers(h);
        }
        let deadline = std::time::Instant::now() + self.timeout;
        let producer = &self.producer;
        send_with_retry(
            record,
            |r| producer.send(r),
            // The producer's own thread drains the queue; give it a moment.
            || std::thread::sleep(Duration::from_millis(5)),
            Some(deadline),
        )
        .map_err(|e| EngineError::kafka(self.stage, format!("producing to {}", out.topic), e))
    }

    /// Waits until every enqueued record is delivered (or failed).
    pub(crate) fn flush(&self) -> Result<()> {
        self.producer
            .flush(self.timeout)
            .map_err(|e| EngineError::kafka(self.stage, "flush", e))
    }

    /// Ties `offsets` (if any) to the transaction and commits it. A no-op without an open
    /// transaction and without offsets.
    pub(crate) fn commit(
        &mut self,
        offsets: &TopicPartitionList,
        group: Option<&ConsumerGroupMetadata>,
    ) -> Result<()> {
        if !self.open && offsets.count() == 0 {
            return Ok(());
        }
        self.begin()?;
        if let Some(group) = group
            && offsets.count() > 0
        {
            self.producer
                .send_offsets_to_transaction(offsets, group, self.timeout)
                .map_err(|e| EngineError::kafka(self.stage, "send_offsets_to_transaction", e))?;
        }
        let res = self
            .producer
            .commit_transaction(self.timeout)
            .map_err(|e| EngineError::kafka(self.stage, "commit_transaction", e));
        self.open = false;
        res
    }

    /// Aborts the open transaction, if any (best effort: the stage stops after this).
    pub(crate) fn abort(&mut self) {
        if self.open {
            if let Err(e) = self.producer.abort_transaction(self.timeout) {
                tracing::warn!(stage = self.stage, error = %e, "abort_transaction failed");
            }
            self.open = false;
        }
    }
}
