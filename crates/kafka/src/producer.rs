//! Producing: the one send loop that waits while librdkafka's local queue is full
//! ([`send_with_retry`]), and an idempotent producer that counts delivery reports and waits for
//! all of them ([`DeliveryProducer`]), used by the creditor upload and municipal feedback.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::{ClientContext, Message};

use crate::settings::ClientSettings;

/// Hands `record` to a producer with `send`, and while the local queue is full (`QueueFull`)
/// calls `wait` (serve delivery reports, or give the producer's own thread a moment) and tries
/// again, until `deadline` if there is one. Every other error is returned at once.
///
/// `send` is the producer's own `send` (`BaseProducer::send`, `ThreadedProducer::send`), which
/// hands the record back on failure.
#[allow(clippy::result_large_err)] // the shape of rdkafka's own `send`
pub fn send_with_retry<R>(
    mut record: R,
    mut send: impl FnMut(R) -> Result<(), (KafkaError, R)>,
    mut wait: impl FnMut(),
    deadline: Option<Instant>,
) -> Result<(), KafkaError> {
    loop {
        match send(record) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r))
                if deadline.is_none_or(|d| Instant::now() < d) =>
            {
                record = r;
                wait();
            }
            Err((e, _)) => return Err(e),
        }
    }
}

/// Why records were not delivered.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The producer could not be created or refused a record.
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
    /// Deliveries failed or did not finish in time.
    #[error(
        "{failed} of {sent} record(s) not delivered to {topic}{}",
        first.as_deref().map(|f| format!(" (first: {f})")).unwrap_or_default()
    )]
    Undelivered {
        /// The topic.
        topic: String,
        /// Records handed to the producer.
        sent: u64,
        /// Records without a successful delivery report.
        failed: u64,
        /// The first failure: line number and error.
        first: Option<String>,
    },
}

/// What the producer is told about each record; handed back in its delivery report.
#[derive(Debug)]
struct Sent<T> {
    line: usize,
    tag: Option<T>,
}

/// Counts delivery reports; keeps the first failure (line number and error, never the data) and
/// the tags of acknowledged records.
#[derive(Debug)]
struct Deliveries<T> {
    ok: AtomicU64,
    first_failure: Mutex<Option<String>>,
    acked: Mutex<Vec<T>>,
}

impl<T> Default for Deliveries<T> {
    fn default() -> Self {
        Deliveries {
            ok: AtomicU64::new(0),
            first_failure: Mutex::new(None),
            acked: Mutex::new(Vec::new()),
        }
    }
}

impl<T: Send + Sync> ClientContext for Deliveries<T> {}

impl<T: Send + Sync + 'static> ProducerContext for Deliveries<T> {
    type DeliveryOpaque = Box<Sent<T>>;

    fn delivery(&self, result: &DeliveryResult<'_>, sent: Box<Sent<T>>) {
        match result {
            Ok(_) => {
                self.ok.fetch_add(1, Ordering::Relaxed);
                if let Some(tag) = sent.tag
                    && let Ok(mut acked) = self.acked.lock()
                {
                    acked.push(tag);
                }
            }
            Err((e, m)) => {
                if let Ok(mut first) = self.first_failure.lock()
                    && first.is_none()
                {
                    *first = Some(format!(
                        "line {}, partition {}: {e}",
                        sent.line,
                        m.partition()
                    ));
                }
            }
        }
    }
}

/// An idempotent producer (`enable.idempotence=true`, `acks=all`) to one topic that counts
/// delivery reports. Each record may carry a tag (`T`) that is handed back once the broker
/// acknowledged it ([`DeliveryProducer::take_acked`]), e.g. an upload ledger entry.
pub struct DeliveryProducer<T: Send + Sync + 'static = ()> {
    producer: BaseProducer<Deliveries<T>>,
    topic: String,
    sent: u64,
    delivery_timeout: Duration,
}

impl<T: Send + Sync + 'static> std::fmt::Debug for DeliveryProducer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryProducer")
            .field("topic", &self.topic)
            .field("sent", &self.sent)
            .finish_non_exhaustive()
    }
}

impl<T: Send + Sync + 'static> DeliveryProducer<T> {
    /// A producer to `topic`; `delivery_timeout` is `message.timeout.ms`, how long a record may
    /// wait for its delivery report.
    pub fn new(
        settings: &ClientSettings,
        topic: &str,
        delivery_timeout: Duration,
    ) -> Result<Self, DeliveryError> {
        let mut config = settings.client_config();
        config
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "20")
            .set("batch.num.messages", "10000")
            .set(
                "message.timeout.ms",
                delivery_timeout.as_millis().to_string(),
            );
        settings.apply_extra(&mut config);
        let producer = config.create_with_context(Deliveries::default())?;
        Ok(DeliveryProducer {
            producer,
            topic: topic.to_owned(),
            sent: 0,
            delivery_timeout,
        })
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Sends a record (`line`: where it came from, for the error message), waiting while the
    /// local queue is full; `tag` comes back from [`DeliveryProducer::take_acked`] once the
    /// broker acknowledged the record.
    // rdkafka's `send` hands the record back with its error: a large `Err`, not ours to box.
    #[allow(clippy::result_large_err)]
    pub fn send(
        &mut self,
        line: usize,
        key: &str,
        value: &[u8],
        tag: Option<T>,
    ) -> Result<(), DeliveryError> {
        let record = BaseRecord::with_opaque_to(&self.topic, Box::new(Sent { line, tag }))
            .key(key)
            .payload(value);
        let producer = &self.producer;
        send_with_retry(
            record,
            |r| producer.send(r),
            // The local queue is full: serve delivery reports until there is room.
            || {
                producer.poll(Duration::from_millis(50));
            },
            None,
        )?;
        self.sent += 1;
        if self.sent.is_multiple_of(1024) {
            self.producer.poll(Duration::ZERO);
        }
        Ok(())
    }

    /// Tags of the records acknowledged since the last call.
    pub fn take_acked(&self) -> Vec<T> {
        self.producer
            .context()
            .acked
            .lock()
            .map(|mut a| std::mem::take(&mut *a))
            .unwrap_or_default()
    }

    /// Waits for every delivery report (bounded by the delivery timeout plus a margin): the
    /// number of records delivered, or which were not.
    pub fn finish(self) -> Result<u64, DeliveryError> {
        self.finish_tracked().0
    }

    /// [`DeliveryProducer::finish`], also handing back the tags acknowledged since the last
    /// [`DeliveryProducer::take_acked`], whether or not every record was delivered.
    pub fn finish_tracked(self) -> (Result<u64, DeliveryError>, Vec<T>) {
        let deadline = Instant::now() + self.delivery_timeout + Duration::from_secs(5);
        while self.producer.in_flight_count() > 0 && Instant::now() < deadline {
            // flush serves the delivery callbacks while it waits.
            let _ = self.producer.flush(Duration::from_millis(500));
        }
        self.producer.poll(Duration::ZERO);
        let acked = self.take_acked();
        let ctx = self.producer.context();
        let ok = ctx.ok.load(Ordering::Relaxed);
        if ok == self.sent {
            return (Ok(ok), acked);
        }
        let first = ctx.first_failure.lock().ok().and_then(|f| f.clone());
        let err = DeliveryError::Undelivered {
            topic: self.topic.clone(),
            sent: self.sent,
            failed: self.sent - ok,
            first: first.or_else(|| {
                Some(format!(
                    "{} delivery report(s) still outstanding",
                    self.producer.in_flight_count()
                ))
            }),
        };
        (Err(err), acked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_is_retried_until_there_is_room() {
        let mut attempts = 0;
        let mut waits = 0;
        let result = send_with_retry(
            7u8,
            |r| {
                attempts += 1;
                if attempts < 3 {
                    Err((
                        KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull),
                        r,
                    ))
                } else {
                    Ok(())
                }
            },
            || waits += 1,
            None,
        );
        assert!(result.is_ok());
        assert_eq!((attempts, waits), (3, 2));
    }

    #[test]
    fn other_errors_and_a_passed_deadline_end_the_loop() {
        let other = send_with_retry(
            (),
            |r| {
                Err((
                    KafkaError::MessageProduction(RDKafkaErrorCode::MessageSizeTooLarge),
                    r,
                ))
            },
            || {},
            None,
        );
        assert!(other.is_err());
        let past = Instant::now().checked_sub(Duration::from_secs(1));
        let full = send_with_retry(
            (),
            |r| {
                Err((
                    KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull),
                    r,
                ))
            },
            || {},
            past,
        );
        assert!(full.is_err());
    }
}
