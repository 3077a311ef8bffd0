//! Process metrics read from `/proc/self` on every scrape (Linux only; elsewhere the collector
//! reports nothing): resident memory, CPU seconds, open and maximum file descriptors, start time.
//! Named `vroegsignaal_process_*` (the registry's prefix), the standard `process_*` meanings.

use std::fmt;
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

/// Linux's `USER_HZ`: the unit of the CPU times in `/proc/<pid>/stat`. It is part of the
/// userspace ABI and 100 on every mainstream architecture.
const USER_HZ: u64 = 100;

/// One reading of `/proc/self`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProcessSample {
    /// Resident set size, bytes.
    pub resident_bytes: Option<u64>,
    /// User + system CPU time, in `USER_HZ` ticks.
    pub cpu_ticks: Option<u64>,
    /// Open file descriptors.
    pub open_fds: Option<u64>,
    /// The soft limit on open file descriptors.
    pub max_fds: Option<u64>,
    /// Start time, seconds since the epoch.
    pub start_time_seconds: Option<u64>,
}

impl ProcessSample {
    /// Reads `/proc/self` (fields that cannot be read are `None`).
    pub fn read() -> Self {
        let stat = std::fs::read_to_string("/proc/self/stat").ok();
        let status = std::fs::read_to_string("/proc/self/status").ok();
        let limits = std::fs::read_to_string("/proc/self/limits").ok();
        let boot = std::fs::read_to_string("/proc/stat").ok();
        let fields = stat.as_deref().map(stat_fields).unwrap_or_default();
        let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
        let start_ticks = field(19);
        let btime = boot.as_deref().and_then(boot_time);
        ProcessSample {
            resident_bytes: status.as_deref().and_then(resident_bytes),
            cpu_ticks: field(11).zip(field(12)).map(|(u, s)| u + s),
            open_fds: std::fs::read_dir("/proc/self/fd")
                .ok()
                .map(|d| d.count() as u64),
            max_fds: limits.as_deref().and_then(max_open_files),
            start_time_seconds: btime.zip(start_ticks).map(|(b, t)| b + t / USER_HZ),
        }
    }

    /// CPU seconds.
    pub fn cpu_seconds(&self) -> Option<f64> {
        self.cpu_ticks
            .map(|t| Duration::from_millis(t * (1000 / USER_HZ)).as_secs_f64())
    }
}

/// The fields of `/proc/<pid>/stat` after the command name (which may contain spaces), so that
/// index 0 is the state (field 3 in `proc(5)`): utime is index 11, stime 12, starttime 19.
fn stat_fields(stat: &str) -> Vec<&str> {
    stat.rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default()
}

fn resident_bytes(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn max_open_files(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn boot_time(stat: &str) -> Option<u64> {
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()
}

/// The collector registered with the engine's registry.
#[derive(Debug, Default)]
pub struct ProcessCollector;

fn gauge(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    unit: Option<&prometheus_client::registry::Unit>,
    value: Option<u64>,
) -> fmt::Result {
    if let Some(v) = value {
        let g = ConstGauge::new(i64::try_from(v).unwrap_or(i64::MAX));
        let m = encoder.encode_descriptor(name, help, unit, g.metric_type())?;
        g.encode(m)?;
    }
    Ok(())
}

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> fmt::Result {
        let s = ProcessSample::read();
        if let Some(cpu) = s.cpu_seconds() {
            let c = ConstCounter::new(cpu);
            let m = encoder.encode_descriptor(
                "process_cpu_seconds",
                "User and system CPU time spent, seconds",
                None,
                c.metric_type(),
            )?;
            c.encode(m)?;
        }
        gauge(
            &mut encoder,
            "process_resident_memory_bytes",
            "Resident memory size, bytes",
            None,
            s.resident_bytes,
        )?;
        gauge(
            &mut encoder,
            "process_open_fds",
            "Open file descriptors",
            None,
            s.open_fds,
        )?;
        gauge(
            &mut encoder,
            "process_max_fds",
            "Maximum number of open file descriptors (soft limit)",
            None,
            s.max_fds,
        )?;
        gauge(
            &mut encoder,
            "process_start_time_seconds",
            "Start time of the process since the Unix epoch, seconds",
            None,
            s.start_time_seconds,
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_formats() {
        let stat = "1234 (vroeg signaal) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 9 0 4200 100 200";
        let f = stat_fields(stat);
        assert_eq!(f[0], "S");
        assert_eq!(f[11], "250");
        assert_eq!(f[12], "50");
        assert_eq!(f[19], "4200");
        assert_eq!(
            resident_bytes("Name:\tx\nVmRSS:\t  2048 kB\n"),
            Some(2048 * 1024)
        );
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max open files            1024                 1048576              files\n";
        assert_eq!(max_open_files(limits), Some(1024));
        assert_eq!(
            boot_time("cpu 1 2 3\nbtime 1700000000\n"),
            Some(1_700_000_000)
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_this_process() {
        let s = ProcessSample::read();
        assert!(s.resident_bytes.unwrap() > 0);
        assert!(s.open_fds.unwrap() >= 3);
        assert!(s.max_fds.unwrap() >= s.open_fds.unwrap());
        assert!(s.cpu_ticks.is_some());
        assert!(s.start_time_seconds.unwrap() > 1_600_000_000);
    }
}
