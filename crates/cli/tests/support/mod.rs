//! Helpers for the tests that run the `vroegsignaal` binary as a service against a real Tansu
//! broker: a `run` process that is SIGKILLed on drop, `/metrics` scraping, producing input lines,
//! reading output topics raw, and the offline `simulate` / `generate` / `tasks` commands.
//! Everything waits by polling with a deadline.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

pub mod golden;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{BaseRecord, Producer};
use serde_json::Value;
use vroeg_testkit::test_producer;

/// The pseudonymisation key the tests give `run`, `simulate` and `tasks` (hex, 32 bytes).
pub const KEY: &str = "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed";

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn config_file() -> PathBuf {
    workspace().join("config/vroegsignaal.toml")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary with a clean `VROEGSIGNAAL*` environment, the workspace config, the test key and a
/// topic prefix.
pub fn command(prefix: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vroegsignaal"));
    for (k, _) in std::env::vars() {
        if k.starts_with("VROEGSIGNAAL") {
            cmd.env_remove(k);
        }
    }
    cmd.env("VROEGSIGNAAL__KAFKA__TOPIC_PREFIX", prefix)
        .env("VROEGSIGNAAL_PSEUDONYM_KEY", KEY)
        // Upload ledgers of test runs stay under target/, not in the user's home.
        .env(
            "VROEGSIGNAAL_LEDGER_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-ledgers"),
        )
        .arg("--config")
        .arg(config_file())
        .stdin(Stdio::null());
    cmd
}

/// Runs a command to completion; fails the test on a non-zero exit.
pub fn run_ok(mut cmd: Command) -> Output {
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{:?}: {}", cmd, text(&o.stderr));
    o
}

/// Settings of one `vroegsignaal run` process.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub prefix: String,
    pub bootstrap: String,
    pub instance: String,
    pub partitions: u32,
    pub tick_ms: u64,
    pub commit_ms: u64,
    pub commit_max: usize,
}

/// A `vroegsignaal run` process; SIGKILLed and reaped on drop, whatever happened.
pub struct RunProcess {
    child: Option<Child>,
    pub port: u16,
    pub log: PathBuf,
    pub instance: String,
}

impl RunProcess {
    pub fn start(s: &RunSettings) -> RunProcess {
        let port = free_port();
        let log = std::env::temp_dir().join(format!(
            "vroeg-run-{}-{}-{port}.log",
            s.prefix.trim_end_matches('.'),
            s.instance
        ));
        let out = std::fs::File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let mut cmd = command(&s.prefix);
        cmd.env("VROEGSIGNAAL__KAFKA__PARTITIONS", s.partitions.to_string())
            .env("VROEGSIGNAAL__ENGINE__INSTANCE_ID", &s.instance)
            .env(
                "VROEGSIGNAAL__ENGINE__TICK_INTERVAL_MS",
                s.tick_ms.to_string(),
            )
            .env(
                "VROEGSIGNAAL__ENGINE__COMMIT_INTERVAL_MS",
                s.commit_ms.to_string(),
            )
            .env(
                "VROEGSIGNAAL__ENGINE__COMMIT_MAX_RECORDS",
                s.commit_max.to_string(),
            )
            // Tansu: group joins and rebalances wait about session.timeout / 2.
            .env("VROEGSIGNAAL__ENGINE__SESSION_TIMEOUT_MS", "6000")
            .env(
                "VROEGSIGNAAL__ENGINE__HTTP_BIND",
                format!("127.0.0.1:{port}"),
            )
            .env("RUST_LOG", "info,rdkafka=warn")
            .args(["run", "--brokers", &s.bootstrap])
            .stdout(out)
            .stderr(err);
        let child = cmd.spawn().unwrap();
        RunProcess {
            child: Some(child),
            port,
            log,
            instance: s.instance.clone(),
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Metrics and log, for a failure message.
    pub fn diagnostics(&self) -> String {
        format!(
            "run[{}] metrics:\n{}\nrun[{}] log:\n{}",
            self.instance,
            self.metrics().text,
            self.instance,
            self.log_text()
        )
    }

    /// Fails the test (with the log) if the process has exited.
    pub fn assert_alive(&mut self) {
        if let Some(c) = self.child.as_mut()
            && let Some(status) = c.try_wait().unwrap()
        {
            panic!(
                "run[{}] exited with {status}:\n{}",
                self.instance,
                self.log_text()
            );
        }
    }

    /// `GET path` on the process's HTTP endpoint: (status code, body), `None` while it does not
    /// answer.
    pub fn get(&self, path: &str) -> Option<(u16, String)> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut buf = String::new();
        s.read_to_string(&mut buf).ok()?;
        let status = buf.split_whitespace().nth(1)?.parse().ok()?;
        let body = buf.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
        Some((status, body))
    }

    /// The parsed `/metrics` (empty while the endpoint is not up).
    pub fn metrics(&self) -> Metrics {
        Metrics::parse(&self.get("/metrics").map(|(_, b)| b).unwrap_or_default())
    }

    /// Polls `/metrics` until `check` holds; fails the test with the log after `secs`.
    pub fn wait_metrics(&mut self, secs: u64, what: &str, check: impl Fn(&Metrics) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            self.assert_alive();
            let m = self.metrics();
            if check(&m) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "run[{}]: timed out after {secs} s waiting for {what}\nmetrics:\n{}\nlog:\n{}",
                self.instance,
                m.text,
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(100)); // poll interval, bounded by the deadline
        }
    }

    /// SIGKILL: no shutdown hook, no final commit.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait (bounded) for a clean exit; returns whether it exited 0.
    pub fn terminate(&mut self, secs: u64) -> bool {
        let Some(mut c) = self.child.take() else {
            return false;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(status) = c.try_wait().unwrap() {
                return status.success();
            }
            if Instant::now() >= deadline {
                let _ = c.kill();
                let _ = c.wait();
                return false;
            }
            std::thread::sleep(Duration::from_millis(50)); // poll interval
        }
    }
}

impl Drop for RunProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A `/metrics` scrape: `name{labels}` → value.
#[derive(Debug, Default, Clone)]
pub struct Metrics {
    pub text: String,
    pub samples: BTreeMap<String, f64>,
}

impl Metrics {
    pub fn parse(text: &str) -> Metrics {
        let samples = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let (k, v) = l.rsplit_once(' ')?;
                Some((k.to_owned(), v.parse().ok()?))
            })
            .collect();
        Metrics {
            text: text.to_owned(),
            samples,
        }
    }

    pub fn is_up(&self) -> bool {
        !self.samples.is_empty()
    }

    /// Sum over every sample of `name` whose labels contain all of `labels` (`k="v"` pieces).
    pub fn sum(&self, name: &str, labels: &[&str]) -> f64 {
        self.samples
            .iter()
            .filter(|(k, _)| {
                let (n, l) = k.split_once('{').unwrap_or((k.as_str(), ""));
                n == name && labels.iter().all(|want| l.contains(want))
            })
            .map(|(_, v)| v)
            .sum()
    }

    /// Every sample of `name` as (labels, value).
    pub fn family(&self, name: &str) -> Vec<(String, f64)> {
        self.samples
            .iter()
            .filter_map(|(k, v)| {
                let (n, l) = k.split_once('{')?;
                (n == name).then(|| (l.trim_end_matches('}').to_owned(), *v))
            })
            .collect()
    }

    pub fn committed(&self, stage: &str) -> f64 {
        self.sum(
            "vroegsignaal_committed_records_total",
            &[&format!("stage=\"{stage}\"")],
        )
    }

    pub fn households_assigned(&self) -> f64 {
        self.sum(
            "vroegsignaal_partitions_assigned",
            &["stage=\"households\""],
        )
    }

    pub fn tasks(&self) -> f64 {
        self.sum("vroegsignaal_tasks_total", &[])
    }
}

/// Input lines by topic: objection/consent events to `objections.v1`, everything else (arrears,
/// and lines that are not even JSON) to `arrears.v1`.
pub fn topic_for(prefix: &str, line: &str) -> String {
    let kind = serde_json::from_str::<Value>(line)
        .ok()
        .and_then(|v| v.get("event_type")?.as_str().map(str::to_owned))
        .unwrap_or_default();
    if kind.starts_with("OBJECTION") || kind.starts_with("CONSENT") {
        format!("{prefix}objections.v1")
    } else {
        format!("{prefix}arrears.v1")
    }
}

/// Produces input lines as a creditor would (key `creditor_id/customer_ref` where there is one),
/// waiting until every one is acknowledged.
pub fn produce_lines(bootstrap: &str, prefix: &str, lines: &[String]) {
    let p = test_producer(bootstrap, true).unwrap();
    for l in lines {
        let topic = topic_for(prefix, l);
        let key = serde_json::from_str::<Value>(l).ok().and_then(|v| {
            Some(format!(
                "{}/{}",
                v.get("creditor_id")?.as_str()?,
                v.get("customer_ref")?.as_str()?
            ))
        });
        let mut rec = BaseRecord::to(&topic).payload(l.as_bytes());
        if let Some(k) = key.as_deref() {
            rec = rec.key(k.as_bytes());
        }
        let mut rec = rec;
        loop {
            match p.send(rec) {
                Ok(()) => break,
                Err((_, r)) => {
                    rec = r;
                    p.poll(Duration::from_millis(10));
                }
            }
        }
    }
    p.flush(Duration::from_secs(60)).unwrap();
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
/// `done(&records)` holds and then nothing new arrives for `quiet`; fails after `secs`.
pub fn read_outreach(
    bootstrap: &str,
    topics: &[String],
    secs: u64,
    quiet: Duration,
    done: impl Fn(&[TaskRecord]) -> bool,
    diagnostics: impl Fn() -> String,
) -> Vec<TaskRecord> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "unused-assign-only")
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .set("topic.metadata.refresh.interval.ms", "1000")
        .create()
        .unwrap();
    let mut tpl = rdkafka::TopicPartitionList::new();
    for t in topics {
        tpl.add_partition_offset(t, 0, rdkafka::Offset::Beginning)
            .unwrap();
    }
    c.assign(&tpl).unwrap();
    drop(tpl);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut got: Vec<TaskRecord> = Vec::new();
    let mut last_new = Instant::now();
    loop {
        if let Some(Ok(m)) = c.poll(Duration::from_millis(100)) {
            let header = |name: &str| {
                m.headers()
                    .and_then(|h| h.iter().find(|x| x.key == name))
                    .and_then(|x| x.value)
                    .map(text)
            };
            let payload = m.payload().unwrap_or_default().to_vec();
            let task = vroeg_codec::decode_outreach_task(&payload).unwrap();
            // The headers say what the payload says.
            assert_eq!(header("task_id").as_deref(), Some(task.task_id.as_str()));
            assert_eq!(header("version"), Some(task.version.to_string()));
            got.push(TaskRecord {
                topic: m.topic().to_owned(),
                task_id: task.task_id,
                version: task.version,
                payload,
            });
            last_new = Instant::now();
            continue;
        }
        if done(&got) && last_new.elapsed() >= quiet {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {secs} s reading {topics:?}: {} record(s), condition not met\n{}",
            got.len(),
            diagnostics()
        );
    }
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

/// `vroegsignaal tasks --format json` for one municipality with a fresh group: the tasks it
/// prints, as `(task_id, version)` in print order.
pub fn tasks_cli(bootstrap: &str, prefix: &str, code: &str) -> Vec<(String, u32)> {
    let mut cmd = command(prefix);
    cmd.args([
        "tasks",
        "--municipality",
        code,
        "--format",
        "json",
        "--brokers",
        bootstrap,
        "--group",
        &format!("{prefix}check-{code}"),
        "--idle-ms",
        "2000",
    ]);
    let o = run_ok(cmd);
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
