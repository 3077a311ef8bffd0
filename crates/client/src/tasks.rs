//! The outreach queue (`vroegsignaal tasks`): a municipality reads `vroeg.outreach.<code>`.
//!
//! - A consumer group (default `vroegsignaal-tasks-<code>`), `auto.offset.reset=earliest`:
//!   a first run shows the whole queue, a later run what arrived since.
//! - Each record is decoded as an OutreachTask (JSON or Avro, by content) and printed, JSON (the
//!   contract form, one per line) or text.
//! - **Each `(task_id, version)` is shown once**: a version at or below the highest already shown
//!   for that task id is skipped (the pipeline may redeliver after a crash; versions only grow).
//!   That memory lasts one run; across runs, the group's committed offsets are what keeps a task
//!   from being shown again, so a record redelivered *after* the offsets passed it in an earlier
//!   run is shown by the next run.
//! - Offsets are stored only after a record was printed and stdout flushed, and committed
//!   (synchronously) every half second and at the end: nothing is committed that was not shown.
//! - Without `--follow` the run ends when the queue has been idle for `--idle-ms` after joining
//!   the group (Tansu under-reports the high watermark, so the watermark cannot say "caught
//!   up"); with `--follow` it runs until SIGINT/SIGTERM (the caller's stop flag).

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::AtomicBool;

use rdkafka::Message;
use vroeg_domain::contract::messages::OutreachTask;
use vroeg_kafka::{GroupReadError, GroupReadOptions, read_as_group, undecodable_note};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskFormat {
    /// The contract's OutreachTask JSON, one per line.
    Json,
    /// One readable line per task.
    Text,
}

/// What to read and how.
#[derive(Debug, Clone)]
pub struct TasksOptions {
    /// The topic, the group and when to stop.
    pub read: GroupReadOptions,
    /// Output format.
    pub format: TaskFormat,
}

/// Why the queue could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TasksError {
    /// Reading the topic as a group (client error, join timeout).
    #[error(transparent)]
    Read(#[from] GroupReadError),
    /// Writing the output.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Encoding a task for output.
    #[error("encoding a task: {0}")]
    Encode(String),
}

/// What the run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TasksStats {
    /// Records read.
    pub records: u64,
    /// Tasks printed.
    pub shown: u64,
    /// Redelivered versions skipped.
    pub duplicates: u64,
    /// Records that are not an OutreachTask (reported on stderr by position, never content).
    pub undecodable: u64,
}

impl TasksStats {
    /// The one-line summary for stderr.
    pub fn summary(&self, topic: &str) -> String {
        format!(
            "tasks: {topic}: {} record(s) read, {} task version(s) shown, {} duplicate(s) skipped, \
             {} undecodable",
            self.records, self.shown, self.duplicates, self.undecodable
        )
    }
}

/// Notes when the group has handed this member its partitions.
/// Highest version shown per task id; decides what is new.
#[derive(Debug, Default)]
pub(crate) struct Dedupe {
    shown: HashMap<String, u32>,
}

impl Dedupe {
    /// Whether this version is new (and remembers it if so).
    pub(crate) fn admit(&mut self, task_id: &str, version: u32) -> bool {
        match self.shown.get_mut(task_id) {
            Some(v) if *v >= version => false,
            Some(v) => {
                *v = version;
                true
            }
            None => {
                self.shown.insert(task_id.to_owned(), version);
                true
            }
        }
    }
}

/// One readable line: who to contact about what, by when.
pub fn text_line(t: &OutreachTask) -> String {
    let c = &t.contact;
    let name = [&c.initials, &c.prefix, &c.surname]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    let a = &c.address;
    let addition = a
        .house_number_addition
        .as_ref()
        .map(|x| format!(" {}", x.as_str()))
        .unwrap_or_default();
    let signals = t
        .signals
        .iter()
        .map(|s| format!("{} EUR {} ({} d)", s.sector, s.amount, s.days_in_arrears))
        .collect::<Vec<_>>()
        .join(", ");
    let reach = [&c.phone, &c.email]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "{} v{} {} {} {} due {} | {} | {} {}{} | {} | EUR {} | {} | {}",
        t.task_id,
        t.version,
        serde_plain(&t.status),
        serde_plain(&t.priority),
        serde_plain(&t.classification),
        t.due_date,
        if name.is_empty() { "(no name)" } else { &name },
        a.postcode,
        a.house_number.get(),
        addition,
        if reach.is_empty() {
            "(no phone/email)"
        } else {
            &reach
        },
        t.total_amount,
        signals,
        t.reasons.join("; ")
    )
}

fn serde_plain<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Reads the queue and prints each task version once. `stop` ends a `--follow` run (set by the
/// signal handler); `out` gets the tasks, `diag` the per-record warnings.
pub fn read_tasks(
    opts: &TasksOptions,
    stop: &AtomicBool,
    out: &mut impl Write,
    diag: &mut impl Write,
) -> Result<TasksStats, TasksError> {
    let mut stats = TasksStats::default();
    let mut dedupe = Dedupe::default();
    let mut buf = Vec::with_capacity(4096);
    read_as_group(&opts.read, stop, out, |m, out| -> Result<(), TasksError> {
        stats.records += 1;
        match m.payload().map(vroeg_codec::decode_outreach_task) {
            Some(Ok(task)) => {
                if dedupe.admit(&task.task_id, task.version) {
                    print_task(&task, opts.format, &mut buf, out)?;
                    stats.shown += 1;
                } else {
                    stats.duplicates += 1;
                }
            }
            Some(Err(e)) => {
                stats.undecodable += 1;
                writeln!(
                    diag,
                    "{}",
                    undecodable_note("tasks", "an OutreachTask", m, &e.errors)
                )?;
            }
            None => {} // a tombstone: nothing to show
        }
        Ok(())
    })?;
    Ok(stats)
}

fn print_task(
    task: &OutreachTask,
    format: TaskFormat,
    buf: &mut Vec<u8>,
    out: &mut impl Write,
) -> Result<(), TasksError> {
    match format {
        TaskFormat::Json => {
            buf.clear();
            vroeg_codec::encode_json(task, buf).map_err(|e| TasksError::Encode(e.to_string()))?;
            buf.push(b'\n');
            out.write_all(buf)?;
        }
        TaskFormat::Text => writeln!(out, "{}", text_line(task))?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedupe_shows_each_version_once_and_never_an_older_one() {
        let mut d = Dedupe::default();
        assert!(d.admit("t1", 1));
        assert!(!d.admit("t1", 1));
        assert!(d.admit("t1", 3));
        assert!(!d.admit("t1", 2));
        assert!(d.admit("t2", 1));
    }
}
