//! The cli tests' support: the built binary with a clean environment (commands, `run` as a
//! process in `run_process`), creditor input lines to their topics, outreach records read back,
//! and the offline `simulate` / `generate` / `tasks` commands. Brokers, producing, reading and
//! polling with deadlines come from `vroeg_testkit`; the golden case files are `golden`.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub,
    unused_imports
)]

pub mod golden;
mod run_process;

pub use run_process::{RunProcess, RunSettings};
pub use vroeg_testkit::workspace_dir;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use vroeg_testkit::{Outgoing, produce_all, read_from_start};

/// The pseudonymisation key the tests give `run`, `simulate` and `tasks` (hex, 32 bytes).
pub const KEY: &str = "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed";

pub fn config_file() -> PathBuf {
    workspace_dir().join("config/vroegsignaal.toml")
}

/// A file under the workspace's `tests/data/uploads/`, as a command-line argument.
pub fn upload_file(name: &str) -> String {
    let path = workspace_dir().join("tests/data/uploads").join(name);
    path.to_str().unwrap().to_owned()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The built binary with a clean `VROEGSIGNAAL*` environment and nothing else set.
pub fn binary() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vroegsignaal"));
    for (k, _) in std::env::vars() {
        if k.starts_with("VROEGSIGNAAL") {
            cmd.env_remove(k);
        }
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// The binary with the workspace config, the test key and a topic prefix; upload ledgers stay
/// under target/ (one directory per test binary), not in the user's home.
pub fn command(prefix: &str) -> Command {
    let ledgers = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("test-ledgers")
        .join(env!("CARGO_CRATE_NAME"));
    let mut cmd = binary();
    cmd.env("VROEGSIGNAAL__KAFKA__TOPIC_PREFIX", prefix)
        .env("VROEGSIGNAAL_PSEUDONYM_KEY", KEY)
        .env("VROEGSIGNAAL_LEDGER_DIR", ledgers)
        .arg("--config")
        .arg(config_file());
    cmd
}

/// `command(prefix)` with `args`, run to completion (whatever its exit status).
pub fn run(prefix: &str, args: &[&str]) -> Output {
    command(prefix).args(args).output().unwrap()
}

/// Runs a command to completion; fails the test on a non-zero exit.
pub fn run_ok(mut cmd: Command) -> Output {
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{:?}: {}", cmd, text(&o.stderr));
    o
}

/// The line numbers of a dry run's `line N: rejected: ...` report on stdout.
pub fn rejected_lines(o: &Output) -> Vec<usize> {
    text(&o.stdout)
        .lines()
        .map(|l| {
            let rest = l.strip_prefix("line ").unwrap();
            rest.split(':').next().unwrap().parse().unwrap()
        })
        .collect()
}

/// An input line as a creditor produces it: objection/consent events to `objections.v1`,
/// everything else (arrears, and lines that are not even JSON) to `arrears.v1`; keyed
/// `creditor_id/customer_ref` where there is one.
pub fn input_record(prefix: &str, line: &str) -> Outgoing {
    let v = serde_json::from_str::<Value>(line).ok();
    let kind = v
        .as_ref()
        .and_then(|v| v.get("event_type")?.as_str())
        .unwrap_or_default();
    let topic = if kind.starts_with("OBJECTION") || kind.starts_with("CONSENT") {
        format!("{prefix}objections.v1")
    } else {
        format!("{prefix}arrears.v1")
    };
    let key = v.as_ref().and_then(|v| {
        Some(format!(
            "{}/{}",
            v.get("creditor_id")?.as_str()?,
            v.get("customer_ref")?.as_str()?
        ))
    });
    let record = Outgoing::new(topic, line.as_bytes());
    match key {
        Some(k) => record.key(k),
        None => record,
    }
}

/// Produces input lines as a creditor would ([`input_record`]), waiting until every one is
/// acknowledged.
pub fn produce_lines(bootstrap: &str, prefix: &str, lines: &[String]) {
    produce_all(bootstrap, lines.iter().map(|l| input_record(prefix, l))).unwrap();
}

/// One outreach record as found on a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    pub topic: String,
    pub task_id: String,
    pub version: u32,
    pub payload: Vec<u8>,
}

/// Reads every record of `topics` from the beginning (read_committed, no group), until
/// `done(&records)` holds and then nothing new arrives for `quiet`; fails after `secs`. Every
/// record's headers say what its payload says.
pub fn read_outreach(
    bootstrap: &str,
    topics: &[String],
    secs: u64,
    quiet: Duration,
    done: impl Fn(&[TaskRecord]) -> bool,
    diagnostics: impl Fn() -> String,
) -> Vec<TaskRecord> {
    let to_task = |r: &vroeg_testkit::Record| {
        let payload = r.payload.clone().unwrap_or_default();
        let task = vroeg_codec::decode_outreach_task(&payload).unwrap();
        assert_eq!(r.header("task_id"), Some(task.task_id.as_str()));
        assert_eq!(r.header("version"), Some(task.version.to_string().as_str()));
        TaskRecord {
            topic: r.topic.clone(),
            task_id: task.task_id,
            version: task.version,
            payload,
        }
    };
    let records = read_from_start(bootstrap, topics, Duration::from_secs(secs), quiet, |r| {
        done(&r.iter().map(to_task).collect::<Vec<_>>())
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", diagnostics()));
    records.iter().map(to_task).collect()
}

/// `(task_id, version)` pairs.
pub type TaskSet = BTreeSet<(String, u32)>;

pub fn task_set(records: &[TaskRecord]) -> TaskSet {
    records
        .iter()
        .map(|r| (r.task_id.clone(), r.version))
        .collect()
}

/// What `vroegsignaal simulate` decides for `events` with the clock advanced to `now`.
pub struct Simulated {
    pub tasks: TaskSet,
    /// Tasks per municipality code.
    pub tasks_by_municipality: BTreeMap<String, TaskSet>,
    /// REJECTED decisions per rule.
    pub rejections: BTreeMap<String, u64>,
    /// Distinct event lines rejected.
    pub rejected_events: usize,
}

pub fn simulate(events: &Path, now: DateTime<Utc>) -> Simulated {
    let mut cmd = command("unused.");
    cmd.args(["simulate", "--events"])
        .arg(events)
        .args(["--now", &now.to_rfc3339()]);
    let o = run_ok(cmd);
    let mut s = Simulated {
        tasks: TaskSet::new(),
        tasks_by_municipality: BTreeMap::new(),
        rejections: BTreeMap::new(),
        rejected_events: 0,
    };
    for line in text(&o.stdout).lines() {
        let d: Value = serde_json::from_str(line).unwrap();
        match d["decision"].as_str() {
            Some("TASK") => {
                let t = &d["task"];
                let pair = (
                    t["task_id"].as_str().unwrap().to_owned(),
                    u32::try_from(t["version"].as_u64().unwrap()).unwrap(),
                );
                s.tasks_by_municipality
                    .entry(t["municipality_code"].as_str().unwrap().to_owned())
                    .or_default()
                    .insert(pair.clone());
                s.tasks.insert(pair);
            }
            Some("REJECTED") => {
                // One decision per rejected input record.
                *s.rejections
                    .entry(d["rule"].as_str().unwrap().to_owned())
                    .or_default() += 1;
                s.rejected_events += 1;
            }
            _ => {}
        }
    }
    s
}

/// `vroegsignaal generate` into `out`; returns its lines.
pub fn generate(
    out: &Path,
    events: usize,
    seed: u64,
    start: chrono::NaiveDate,
    days: u32,
) -> Vec<String> {
    let mut cmd = command("unused.");
    cmd.args([
        "generate",
        "--events",
        &events.to_string(),
        "--seed",
        &seed.to_string(),
        "--start",
        &start.to_string(),
        "--days",
        &days.to_string(),
        "--out",
    ])
    .arg(out);
    run_ok(cmd);
    std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `vroegsignaal tasks --format json` for one municipality as consumer group `group`, ending
/// after `idle_ms` without a new record.
pub fn tasks_json(prefix: &str, bootstrap: &str, code: &str, group: &str, idle_ms: u32) -> Command {
    let mut cmd = command(prefix);
    cmd.args(["tasks", "--municipality", code, "--format", "json"])
        .args(["--brokers", bootstrap, "--group", group])
        .args(["--idle-ms", &idle_ms.to_string()]);
    cmd
}

/// `vroegsignaal tasks --format json` for one municipality with a fresh group: the tasks it
/// prints, as `(task_id, version)` in print order.
pub fn tasks_cli(bootstrap: &str, prefix: &str, code: &str) -> Vec<(String, u32)> {
    let group = format!("{prefix}check-{code}");
    let o = run_ok(tasks_json(prefix, bootstrap, code, &group, 2000));
    text(&o.stdout)
        .lines()
        .map(|l| {
            let t = vroeg_codec::decode_outreach_task(l.as_bytes()).unwrap();
            (t.task_id, t.version)
        })
        .collect()
}

/// Unique `(task_id, version)` check: every pair at most once.
pub fn assert_each_once(shown: &[(String, u32)], what: &str) {
    let mut seen = BTreeSet::new();
    for p in shown {
        assert!(seen.insert(p.clone()), "{what}: {p:?} shown twice");
    }
}

/// The wall clock (the workspace builds chrono without its `clock` feature).
pub fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from(std::time::SystemTime::now())
}
