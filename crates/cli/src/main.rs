//! The `vroegsignaal` binary: parses the command line, calls the library, and turns any error
//! into one line on stderr and a non-zero exit code.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use vroeg_domain::config::config_load;
use vroeg_domain::household::simulation::Simulator;
use vroegsignaal::config::{AppConfig, DEFAULT_CONFIG_PATH, Env, KeyPolicy, KeySource, Settings};
use vroegsignaal::generate::{self, CreditorPool, Geography};
use vroegsignaal::{demo, import, run, simulate};

mod client_commands;
use client_commands::{FeedbackArgs, PublishArgs, ReportArgs, StatusArgs, TasksArgs};

/// Early signalling of payment arrears: creditor events in, outreach tasks per municipality out.
#[derive(Debug, Parser)]
#[command(name = "vroegsignaal", version, about, long_about = None)]
struct Cli {
    /// The config file; paths in it are relative to its directory.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Replay a JSON-lines file of input events through the rule engine, offline, and print every
    /// decision (one JSON object per line). Same input and config, same output, byte for byte.
    Simulate {
        /// JSON lines of arrears, objection and feedback events (any order: they are replayed
        /// sorted by occurred_at, ties in file order).
        #[arg(long, value_name = "FILE")]
        events: PathBuf,
        /// Advance the simulated clock to this time at the end (RFC 3339, or a date meaning
        /// midnight UTC). Default: the last event's occurred_at.
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
        format: OutputFormat,
    },
    /// Write deterministic synthetic creditor traffic (JSON lines, sorted by occurred_at).
    Generate {
        /// Number of records.
        #[arg(long, value_name = "N")]
        events: usize,
        /// Seed: the same seed, options and reference data give the same bytes.
        #[arg(long, value_name = "S")]
        seed: u64,
        /// Output file (`-` for stdout).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// First day of first reports.
        #[arg(long, value_name = "DATE", default_value = "2026-09-01")]
        start: NaiveDate,
        /// Days over which reports spread.
        #[arg(long, value_name = "D", default_value_t = 90)]
        days: u32,
    },
    /// The whole pipeline on an embedded Kafka-protocol broker (librdkafka's MockCluster), fed by
    /// generated creditor data, and a report of what it decided.
    Demo {
        /// Number of generated records.
        #[arg(long, value_name = "N", default_value_t = 25_000)]
        events: usize,
        /// Seed of the generated traffic.
        #[arg(long, value_name = "S", default_value_t = 2026)]
        seed: u64,
    },
    /// A creditor's upload: CSV or JSON lines of arrears (or objection) events, validated line by
    /// line as the pipeline does, the accepted ones produced to the arrears (objections) topic.
    /// Rejected lines on stdout as `line N: rejected: reason`, a summary on stderr. Exit code 0
    /// when the file was processed, whatever it contained. CSV columns: docs/UPLOADS.md.
    Publish(PublishArgs),
    /// A municipality reads its outreach queue (`vroeg.outreach.<code>`) as a consumer group and
    /// prints each (task_id, version) once; stops when caught up (idle), or runs with --follow.
    Tasks(TasksArgs),
    /// A municipality records a contact attempt or a case result (`vroeg.feedback.v1`, key
    /// case_id), from flags or in bulk from a CSV/JSON-lines file (columns: docs/UPLOADS.md).
    Feedback(FeedbackArgs),
    /// A creditor reads its status topic (`vroeg.creditor-status.<creditor>`) as a consumer
    /// group; stops when caught up (idle), or runs with --follow.
    Status(StatusArgs),
    /// Reports for CBS: `report ddas --municipality CODE --from D --to D [--out FILE]`, the DDAS
    /// Vroegsignalering v1.2 report from the municipality's reporting store, validated against
    /// the official schema.
    Report(ReportArgs),
    /// The service: consumes the creditor, objection and feedback topics, produces tasks,
    /// creditor status and audit; /metrics, /healthz, /readyz over HTTP. Stops on SIGTERM/SIGINT.
    Run {
        /// Brokers, HOST:PORT[,..] (default: VROEGSIGNAAL_BROKERS, then kafka.brokers).
        #[arg(long, value_name = "HOST:PORT[,..]")]
        brokers: Option<String>,
        /// Log format.
        #[arg(long, value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
    /// Convert CBS's pc6hnr file (postcode + house number -> buurt, wijk, gemeente) into the
    /// exact-address routing table `postcode,house_number,gemeentecode`.
    #[command(name = "import-pc6hnr")]
    ImportPc6hnr {
        /// CBS's `pc6hnr<YYYY>0801_gwb.csv`.
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// Where to write the table (written whole or not at all).
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutputFormat {
    /// One contract JSON object per line.
    Json,
    /// One human-readable line per decision.
    Text,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("vroegsignaal: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    let config = config_path(cli.config.as_deref());
    match cli.command {
        Command::Simulate {
            events,
            now,
            format,
        } => cmd_simulate(&config, &events, now.as_deref(), format),
        Command::Generate {
            events,
            seed,
            out,
            start,
            days,
        } => cmd_generate(
            &config,
            &generate::Options {
                events,
                seed,
                start,
                days,
            },
            &out,
        ),
        Command::Demo { events, seed } => cmd_demo(
            &config,
            &generate::Options {
                events,
                seed,
                ..demo::default_options()
            },
        ),
        Command::Run {
            brokers,
            log_format,
        } => cmd_run(&config, brokers, log_format),
        Command::ImportPc6hnr { input, output } => cmd_import(&input, &output),
        Command::Publish(args) => client_commands::cmd_publish(&config, args),
        Command::Tasks(args) => client_commands::cmd_tasks(&config, args),
        Command::Feedback(args) => client_commands::cmd_feedback(&config, args),
        Command::Status(args) => client_commands::cmd_status(&config, args),
        Command::Report(args) => client_commands::cmd_report(&config, args),
    }
}

/// `--config`, or the default; when the default is missing from the working directory (the
/// binary run from elsewhere), the workspace's own `config/` so `demo` needs no setup.
fn config_path(given: Option<&Path>) -> PathBuf {
    if let Some(p) = given {
        return p.to_owned();
    }
    let default = PathBuf::from(DEFAULT_CONFIG_PATH);
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/vroegsignaal.toml");
    if !default.exists() && built_in.exists() {
        eprintln!(
            "note: {DEFAULT_CONFIG_PATH} not found here; using {}",
            built_in.display()
        );
        return built_in;
    }
    default
}

fn load_config(path: &Path, policy: KeyPolicy) -> Result<AppConfig> {
    let cfg = AppConfig::load(path, &Env::from_process(), policy)?;
    if cfg.key_source == KeySource::Development {
        eprintln!(
            "warning: no pseudonymisation key configured (VROEGSIGNAAL_PSEUDONYM_KEY or \
             pseudonym.key_file): using the public development key; household ids protect nothing"
        );
    }
    Ok(cfg)
}

fn cmd_simulate(
    config: &Path,
    events: &Path,
    now: Option<&str>,
    format: OutputFormat,
) -> Result<()> {
    let now: Option<DateTime<Utc>> = now
        .map(simulate::parse_time)
        .transpose()
        .map_err(anyhow::Error::msg)
        .context("--now")?;
    let cfg = load_config(config, KeyPolicy::DevelopmentFallback)?;
    let input = std::fs::read(events).with_context(|| format!("{}", events.display()))?;
    let stdout = io::stdout().lock();
    let out = BufWriter::with_capacity(1 << 16, stdout);
    let format = match format {
        OutputFormat::Json => simulate::Format::Json,
        OutputFormat::Text => simulate::Format::Text,
    };
    let mut sim = Simulator::new();
    let (stats, counts) = simulate::simulate(&mut sim, &input, now, &cfg.context(), out, format)
        .context("writing decisions")?;
    eprintln!("{}", simulate::summary(&stats, &counts));
    // The process exits now: freeing half a million households one by one would only cost time.
    std::mem::forget(sim);
    std::mem::forget(input);
    Ok(())
}

fn load_geography(settings: &Settings) -> Result<Geography> {
    let f = &settings.file.data;
    let (pname, ptext) = settings.read(&f.pc4_gemeente)?;
    let (gname, gtext) = settings.read(&f.gemeenten)?;
    Ok(Geography::parse(&pname, &ptext, &gname, &gtext)?)
}

fn cmd_generate(config: &Path, opts: &generate::Options, out: &Path) -> Result<()> {
    if opts.days == 0 {
        bail!("--days must be at least 1");
    }
    // Only the reference data and the creditor registry are needed, not the rule book.
    let settings = Settings::load(config, &Env::from_process())?;
    let geo = load_geography(&settings)?;
    let (name, text) = settings.read(&settings.file.rules.creditors)?;
    let creditors = config_load::parse_creditors(&name, &text)?;
    let records = generate::generate(opts, &geo, &CreditorPool::from_registry(&creditors));
    if out == Path::new("-") {
        let mut w = BufWriter::with_capacity(1 << 16, io::stdout().lock());
        generate::write_jsonl(&records, &mut w)?;
        w.flush()?;
    } else {
        let file = File::create(out).with_context(|| format!("{}", out.display()))?;
        let mut w = BufWriter::with_capacity(1 << 16, file);
        generate::write_jsonl(&records, &mut w)
            .and_then(|()| w.flush())
            .with_context(|| format!("{}", out.display()))?;
    }
    eprintln!(
        "generate: {} record(s) from seed {}, first reports {} + {} day(s)",
        records.len(),
        opts.seed,
        opts.start,
        opts.days
    );
    Ok(())
}

fn cmd_demo(config: &Path, opts: &generate::Options) -> Result<()> {
    let started = Instant::now();
    let cfg = load_config(config, KeyPolicy::DevelopmentFallback)?;
    let geo = load_geography(&cfg.settings)?;
    let run = demo::run(&cfg, &geo, opts)?;
    let elapsed = started.elapsed();
    println!(
        "vroegsignaal demo: the whole pipeline on an embedded Kafka broker (librdkafka MockCluster):\n\
         {} generated creditor records (seed {}, {} + {} days) produced to the input topics;\n\
         ingest stage -> {} envelopes to the household stage, {} records to the rejected topic;\n\
         household stage, clock advanced a week at a time to {}: {} task message(s) on {} \
         municipal topic(s) ({} distinct task versions), {} creditor-status record(s);\n\
         {} transaction(s) committed; {} household(s) in state at the end.\n",
        run.records,
        opts.seed,
        opts.start,
        opts.days,
        run.envelopes,
        run.rejected,
        run.until.format("%Y-%m-%d"),
        run.outreach_records,
        run.outreach_topics,
        run.outreach_distinct,
        run.creditor_status_records,
        run.transactions,
        run.households,
    );
    print!("{}", run.tally.render(&cfg.data.municipalities));
    println!("\nFinished in {:.1} s.", elapsed.as_secs_f64());
    Ok(())
}

fn cmd_run(config: &Path, brokers: Option<String>, format: LogFormat) -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rdkafka=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
    let mut cfg = AppConfig::load(config, &Env::from_process(), KeyPolicy::Required)?;
    if let Some(b) = brokers {
        cfg.settings.file.kafka.brokers = b;
    }
    run::run(&cfg)
}

fn cmd_import(input: &Path, output: &Path) -> Result<()> {
    let file = File::open(input).with_context(|| format!("{}", input.display()))?;
    let tmp = output.with_extension("partial");
    let mut w = BufWriter::new(File::create(&tmp).with_context(|| format!("{}", tmp.display()))?);
    let result = import::import_pc6hnr(BufReader::with_capacity(1 << 16, file), &mut w);
    drop(w);
    let stats = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e).with_context(|| format!("{}", input.display()));
        }
    };
    std::fs::rename(&tmp, output).with_context(|| format!("{}", output.display()))?;
    eprintln!(
        "import-pc6hnr: {} row(s) read, {} address(es) written to {} ({} identical duplicate(s) \
         dropped, {} municipalities)",
        stats.rows,
        stats.addresses,
        output.display(),
        stats.duplicates,
        stats.municipalities
    );
    Ok(())
}
