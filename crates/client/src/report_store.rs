//! A municipality's reporting store `vroeg.report.<code>` (docs/REPORTING.md): the records the
//! DDAS v1.2 report is made from, read from the beginning to the end of the topic every time
//! (no consumer group memory). Building and validating the DDAS document itself is the pure
//! `vroeg_domain::reporting::ddas_report::build_ddas` plus the `vroegsignaal report ddas` command.

use std::time::Duration;

use vroeg_domain::reporting::report::ReportRecord;
use vroeg_kafka::{ClientSettings, ReadToEndError, Record, read_to_end};

/// Decodes the store's records; tombstones and records this version cannot read are skipped
/// (the second value counts the unreadable ones), the last record per key wins (the topic is
/// read in order).
pub fn decode_records(raw: &[Record]) -> (Vec<ReportRecord>, usize) {
    let mut skipped = 0;
    let mut out = Vec::with_capacity(raw.len());
    for (_, value) in raw {
        match value.as_deref().map(serde_json::from_slice::<ReportRecord>) {
            Some(Ok(r)) => out.push(r),
            Some(Err(_)) => skipped += 1,
            None => {}
        }
    }
    (out, skipped)
}

/// Reads the reporting store `topic` to its end (every partition at its end and nothing new for
/// `idle`; the whole read within `timeout`): its records and the number of unreadable ones.
///
/// ```no_run
/// use std::time::Duration;
/// use vroeg_client::{ClientSettings, Topics};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let settings = ClientSettings::new("kafka.example.nl:9092");
/// let topic = Topics::default().report("0518".parse()?);
/// let (records, unreadable) = vroeg_client::report_store::read_report_store(
///     &settings,
///     &topic,
///     Duration::from_secs(1),
///     Duration::from_secs(120),
/// )?;
/// eprintln!("{} record(s), {unreadable} unreadable", records.len());
/// # Ok(())
/// # }
/// ```
pub fn read_report_store(
    settings: &ClientSettings,
    topic: &str,
    idle: Duration,
    timeout: Duration,
) -> Result<(Vec<ReportRecord>, usize), ReadToEndError> {
    let raw = read_to_end(settings, topic, idle, timeout)?;
    Ok(decode_records(&raw))
}
