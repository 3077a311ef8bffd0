//! The binary's side of `publish` and `tasks`: arguments, broker and topic resolution, signal
//! handling, one-line errors. The work itself is in the library ([`vroegsignaal::publish`],
//! [`vroegsignaal::tasks`]).

use std::fs::File;
use std::io::{self, BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use vroeg_domain::municipality::Gemeentecode;
use vroeg_engine::kafka::ClientSettings;
use vroeg_engine::topics::Topics;
use vroegsignaal::config::{Env, Settings};
use vroegsignaal::publish::{self, Target};
use vroegsignaal::tasks::{self, TaskFormat, TasksOptions};
use vroegsignaal::upload::{TopicKind, UploadFormat};

/// `vroegsignaal publish`.
#[derive(Debug, Args)]
pub(crate) struct PublishArgs {
    /// The upload file (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    file: PathBuf,
    /// File format; default: from the extension (`.csv` → csv, otherwise jsonl).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Which topic: arrears events or objection/consent events.
    #[arg(long, value_enum, default_value_t = KindArg::Arrears)]
    topic_kind: KindArg,
    /// Brokers `HOST:PORT[,..]`; default: VROEGSIGNAAL_BROKERS, else the config's kafka.brokers.
    #[arg(long, value_name = "HOST:PORT[,..]")]
    brokers: Option<String>,
    /// Validate only; no broker needed.
    #[arg(long)]
    dry_run: bool,
    /// How long a record may wait for its delivery report before the run fails.
    #[arg(long, value_name = "MS", default_value_t = 60_000)]
    delivery_timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    /// CSV with a header of contract field names (docs/UPLOADS.md).
    Csv,
    /// One contract JSON object per line.
    Jsonl,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    /// ArrearsEvent → `<prefix>arrears.v1`.
    Arrears,
    /// ObjectionEvent → `<prefix>objections.v1`.
    Objections,
}

/// `vroegsignaal tasks`.
#[derive(Debug, Args)]
pub(crate) struct TasksArgs {
    /// The municipality (CBS code, `0518` or `GM0518`).
    #[arg(long, value_name = "CODE")]
    municipality: String,
    /// Output: the contract's OutreachTask JSON per line, or a readable line per task.
    #[arg(long, value_enum, default_value_t = TaskFormatArg::Text)]
    format: TaskFormatArg,
    /// Keep reading until SIGINT/SIGTERM instead of stopping when caught up.
    #[arg(long)]
    follow: bool,
    /// Consumer group; default `vroegsignaal-tasks-<code>`.
    #[arg(long, value_name = "G")]
    group: Option<String>,
    /// Brokers `HOST:PORT[,..]`; default: VROEGSIGNAAL_BROKERS, else the config's kafka.brokers.
    #[arg(long, value_name = "HOST:PORT[,..]")]
    brokers: Option<String>,
    /// Without --follow: caught up after this long without a new record.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    idle_ms: u64,
    /// How long joining the consumer group may take.
    #[arg(long, value_name = "MS", default_value_t = 60_000)]
    join_timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TaskFormatArg {
    /// The contract's OutreachTask JSON, one per line.
    Json,
    /// One readable line per task.
    Text,
}

/// Brokers and topic names: `--brokers`, else the config (with `VROEGSIGNAAL_BROKERS` applied).
fn kafka(config: &Path, brokers: Option<String>) -> Result<(ClientSettings, Topics)> {
    let settings = Settings::load(config, &Env::from_process())?;
    let k = settings.file.kafka;
    let brokers = brokers.unwrap_or(k.brokers);
    if brokers.trim().is_empty() {
        bail!("no brokers: pass --brokers or set VROEGSIGNAAL_BROKERS");
    }
    Ok((ClientSettings::new(brokers), Topics::new(&k.topic_prefix)))
}

pub(crate) fn cmd_publish(config: &Path, args: PublishArgs) -> Result<()> {
    let format = match args.format {
        Some(FormatArg::Csv) => UploadFormat::Csv,
        Some(FormatArg::Jsonl) => UploadFormat::Jsonl,
        None if args
            .file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv")) =>
        {
            UploadFormat::Csv
        }
        None => UploadFormat::Jsonl,
    };
    let kind = match args.topic_kind {
        KindArg::Arrears => TopicKind::Arrears,
        KindArg::Objections => TopicKind::Objections,
    };
    let target = if args.dry_run {
        None
    } else {
        let (settings, topics) = kafka(config, args.brokers)?;
        let topic = match kind {
            TopicKind::Arrears => topics.arrears(),
            TopicKind::Objections => topics.objections(),
        };
        Some(Target {
            settings,
            topic,
            delivery_timeout: Duration::from_millis(args.delivery_timeout_ms.max(1)),
        })
    };
    let mut report = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let stats = if args.file == Path::new("-") {
        publish::publish(
            io::stdin().lock(),
            format,
            kind,
            target.as_ref(),
            &mut report,
        )
    } else {
        let f = File::open(&args.file).with_context(|| format!("{}", args.file.display()))?;
        publish::publish(
            BufReader::with_capacity(1 << 16, f),
            format,
            kind,
            target.as_ref(),
            &mut report,
        )
    }
    .with_context(|| format!("{}", args.file.display()))?;
    eprintln!(
        "{}",
        stats.summary(target.as_ref().map(|t| t.topic.as_str()))
    );
    Ok(())
}

pub(crate) fn cmd_tasks(config: &Path, args: TasksArgs) -> Result<()> {
    let code: Gemeentecode = args
        .municipality
        .parse()
        .map_err(|e| anyhow::anyhow!("--municipality: {e}"))?;
    let (settings, topics) = kafka(config, args.brokers)?;
    let opts = TasksOptions {
        settings,
        topic: topics.outreach(code),
        group: args
            .group
            .unwrap_or_else(|| format!("vroegsignaal-tasks-{code}")),
        format: match args.format {
            TaskFormatArg::Json => TaskFormat::Json,
            TaskFormatArg::Text => TaskFormat::Text,
        },
        follow: args.follow,
        idle: Duration::from_millis(args.idle_ms),
        join_timeout: Duration::from_millis(args.join_timeout_ms),
    };
    let stop = Arc::new(AtomicBool::new(false));
    if opts.follow {
        stop_on_signal(Arc::clone(&stop))?;
    }
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let stats = tasks::read_tasks(&opts, &stop, &mut out, &mut io::stderr().lock())?;
    eprintln!("{}", stats.summary(&opts.topic));
    Ok(())
}

/// Sets `stop` on SIGINT or SIGTERM (a small runtime on its own thread waits for them).
fn stop_on_signal(stop: Arc<AtomicBool>) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .context("signal handler runtime")?;
    // Register before returning, so a signal right after start is not missed.
    let mut term = {
        let _guard = rt.enter();
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("SIGTERM handler")?
    };
    let mut int = {
        let _guard = rt.enter();
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
            .context("SIGINT handler")?
    };
    std::thread::Builder::new()
        .name("signals".to_owned())
        .spawn(move || {
            rt.block_on(async {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            });
            stop.store(true, Ordering::Release);
        })
        .context("signal thread")?;
    Ok(())
}
