//! Restoring a partition's households from the state changelog, up to a marker this instance
//! wrote itself (robust on brokers whose high watermark lags, e.g. Tansu).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use vroeg_domain::contract::pseudonym::HouseholdId;
use vroeg_domain::household::{Household, HouseholdPartition, PartitionOptions, PartitionPosition};
use vroeg_domain::rules::RuleContext;

use super::STAGE;
use crate::error::{EngineError, Result};
use crate::metrics::Metrics;
use crate::records::{MARKER_PREFIX, OFFSETS_KEY, StateRecord};
use crate::stage::StageConfig;
use crate::statecodec;
use crate::txn::{Out, TxnProducer};

/// Restored partitions and the marker keys written (partition, key).
pub(super) type Restored = (BTreeMap<i32, HouseholdPartition>, Vec<(i32, String)>);

/// What the engine keeps per partition: changes tracked for the changelog, reporting on.
const ENGINE_PARTITION: PartitionOptions = PartitionOptions {
    track_changes: true,
    reporting: true,
};

/// A partition's records as read so far.
#[derive(Default)]
struct Read {
    households: HashMap<HouseholdId, Household>,
    position: PartitionPosition,
}

/// Writes a marker to every partition in `partitions`, then reads the changelog from the
/// beginning up to each marker and rebuilds the partitions' state. Returns the states and the
/// marker keys (to be tombstoned in the next batch).
pub(super) fn restore(
    cfg: &StageConfig,
    producer: &mut TxnProducer,
    partitions: &[i32],
    ctx: &RuleContext<'_>,
    metrics: &Metrics,
) -> Result<Restored> {
    let topic = cfg.topics.state();
    let instance = cfg.instance_id.clone();
    let mut markers: HashMap<i32, String> = HashMap::new();
    for &p in partitions {
        let key = format!("{MARKER_PREFIX}{}", uuid::Uuid::new_v4());
        let value = serde_json::to_vec(&StateRecord::Marker {
            instance: instance.clone(),
        })
        .map_err(|e| EngineError::Encode {
            stage: STAGE,
            topic: topic.clone(),
            problem: e.to_string(),
        })?;
        producer.send(Out {
            topic: &topic,
            partition: Some(p),
            key: Some(key.as_bytes()),
            payload: Some(&value),
            headers: None,
        })?;
        markers.insert(p, key);
    }
    producer.commit(&TopicPartitionList::new(), None)?;

    if partitions.is_empty() {
        return Ok((BTreeMap::new(), Vec::new()));
    }
    let mut states: BTreeMap<i32, Read> =
        partitions.iter().map(|&p| (p, Read::default())).collect();
    let mut c = cfg.consumer_config(&format!("{}restore", cfg.topics.prefix()));
    c.set("statistics.interval.ms", "0");
    let consumer: BaseConsumer = c
        .create()
        .map_err(|e| EngineError::kafka(STAGE, "creating the restore consumer", e))?;
    {
        let mut tpl = TopicPartitionList::new();
        for &p in partitions {
            tpl.add_partition_offset(&topic, p, Offset::Beginning)
                .map_err(|e| EngineError::kafka(STAGE, format!("{topic}[{p}]"), e))?;
        }
        consumer
            .assign(&tpl)
            .map_err(|e| EngineError::kafka(STAGE, format!("assigning {topic}"), e))?;
    }
    metrics
        .partitions_restoring
        .set(i64::try_from(partitions.len()).unwrap_or(i64::MAX));
    let deadline = Instant::now() + cfg.restore_timeout;
    let mut open: Vec<i32> = partitions.to_vec();
    while !open.is_empty() {
        if Instant::now() > deadline {
            metrics.partitions_restoring.set(0);
            return Err(EngineError::RestoreTimeout {
                topic,
                partition: open[0],
                seconds: cfg.restore_timeout.as_secs(),
            });
        }
        let Some(msg) = consumer.poll(Duration::from_millis(100)) else {
            continue;
        };
        let m = msg.map_err(|e| EngineError::kafka(STAGE, format!("restoring {topic}"), e))?;
        let p = m.partition();
        if !open.contains(&p) {
            continue; // Past our marker: not ours to read.
        }
        metrics.restore_records.inc();
        let Some(state) = states.get_mut(&p) else {
            continue;
        };
        let key = String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned();
        let bad = |problem: String| EngineError::BadStateRecord {
            topic: topic.clone(),
            partition: p,
            offset: m.offset(),
            problem,
        };
        if let Some(_uuid) = key.strip_prefix(MARKER_PREFIX) {
            if markers.get(&p) == Some(&key) {
                open.retain(|&q| q != p);
                metrics
                    .partitions_restoring
                    .set(i64::try_from(open.len()).unwrap_or(i64::MAX));
            }
            continue;
        }
        let Some(payload) = m.payload() else {
            if key != OFFSETS_KEY {
                state.households.remove(&HouseholdId::from_stored(key));
            }
            continue;
        };
        // v1 (compressed) or a v0 JSON record written by an older version: both are read.
        let record = statecodec::decode(payload).map_err(|e| bad(e.to_string()))?;
        match record {
            StateRecord::Offsets(o) if key == OFFSETS_KEY => state.position = o,
            StateRecord::Household {
                applied,
                state: hs,
                report_keys,
            } => {
                state.households.insert(
                    HouseholdId::from_stored(key),
                    Household {
                        state: *hs,
                        applied,
                        report_keys,
                    },
                );
            }
            StateRecord::Marker { .. } | StateRecord::Offsets(_) => {
                return Err(bad(format!("unexpected record under key {key:?}")));
            }
        }
    }
    drop(consumer);
    metrics.partitions_restoring.set(0);
    let restored = states
        .into_iter()
        .map(|(p, read)| {
            let partition =
                HouseholdPartition::restored(ENGINE_PARTITION, read.households, read.position, ctx);
            (p, partition)
        })
        .collect();
    let marker_keys = markers.into_iter().collect();
    Ok((restored, marker_keys))
}
