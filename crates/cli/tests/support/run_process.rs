//! `vroegsignaal run` as a process: started with test settings, its `/metrics` scraped, waited on
//! with deadlines, SIGKILLed on drop.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;

use vroeg_testkit::{Scrape, free_port, http_get, wait_until};

use super::command;

/// How often the waits below look again.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

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
        let port = free_port().unwrap();
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
        http_get(self.port, path)
    }

    /// The parsed `/metrics` (empty while the endpoint is not up).
    pub fn metrics(&self) -> Scrape {
        Scrape::parse(&self.get("/metrics").map(|(_, b)| b).unwrap_or_default())
    }

    /// Calls `probe` until `done` holds on its result, failing the test at once if the process
    /// exits, and with the diagnostics after `secs`.
    pub fn poll<T>(
        &mut self,
        secs: u64,
        what: &str,
        mut probe: impl FnMut() -> T,
        done: impl Fn(&T) -> bool,
    ) -> T {
        let found = wait_until(
            Duration::from_secs(secs),
            what,
            || {
                self.assert_alive();
                let got = probe();
                done(&got).then_some(got)
            },
            |left| std::thread::sleep(left.min(POLL_INTERVAL)),
        );
        found.unwrap_or_else(|e| panic!("run[{}]: {e}\n{}", self.instance, self.diagnostics()))
    }

    /// Polls `/metrics` until `check` holds; fails the test with the log after `secs`.
    pub fn wait_metrics(&mut self, secs: u64, what: &str, check: impl Fn(&Scrape) -> bool) {
        let port = self.port;
        let scrape = || Scrape::parse(&http_get(port, "/metrics").unwrap_or_default().1);
        self.poll(secs, what, scrape, check);
    }

    /// Polls `/metrics` until the ingest stage committed exactly `inputs` records and the
    /// household stage exactly the envelopes ingest wrote.
    pub fn wait_all_committed(&mut self, secs: u64, inputs: usize) {
        self.wait_metrics(secs, "every input record and envelope committed", |m| {
            let envelopes = m.sum(
                "vroegsignaal_records_out_total",
                &["stage=\"ingest\"", "households.v1"],
            );
            m.committed("ingest") == inputs as f64 && m.committed("households") == envelopes
        });
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
        let exited = wait_until(
            Duration::from_secs(secs),
            "the process to exit",
            || c.try_wait().unwrap(),
            |left| std::thread::sleep(left.min(POLL_INTERVAL)),
        );
        match exited {
            Ok(status) => status.success(),
            Err(_) => {
                let _ = c.kill();
                let _ = c.wait();
                false
            }
        }
    }
}

impl Drop for RunProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}
