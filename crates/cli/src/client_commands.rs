//! The binary's side of the creditor and municipality commands (`publish`, `tasks`, `feedback`,
//! `status`, `report ddas`): arguments, broker and topic resolution, signal handling, output and
//! one-line errors. The work itself is in `vroeg_client` (and [`vroegsignaal::ddas_report`]).

use std::fs::File;
use std::io::{self, BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use vroeg_client::publish::{self, Ledger, PublishOptions, RejectsFile, SummaryContext, Target};
use vroeg_client::tasks::{self, TaskFormat, TasksOptions};
use vroeg_client::upload_format::{TopicKind, UploadFormat};
use vroeg_domain::contract::municipality::Gemeentecode;
use vroeg_kafka::{ClientSettings, GroupReadOptions, Topics};
use vroegsignaal::config::{Env, Settings};
use vroegsignaal::progress::{ProgressMode, upload_bar};

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
    /// Validate only; no broker needed (the rejection report is still written).
    #[arg(long)]
    dry_run: bool,
    /// Also write every rejected line to this file, machine-readable: JSON lines
    /// (`{"line","event_id","errors":[{"field","problem"}]}`), or CSV
    /// (`line,event_id,field,problem`) when the name ends in `.csv`. Never the line's data.
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Progress bar on stderr: `auto` draws it only when stderr is a terminal.
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
    progress: ProgressArg,
    /// Directory of the upload ledgers (one per topic and broker list) that make a re-upload
    /// produce only what was not yet delivered. Default: VROEGSIGNAAL_LEDGER_DIR, else
    /// $XDG_STATE_HOME/vroegsignaal/ledger, else ~/.local/state/vroegsignaal/ledger.
    #[arg(long, value_name = "DIR", env = "VROEGSIGNAAL_LEDGER_DIR")]
    ledger_dir: Option<PathBuf>,
    /// Produce every valid line, whatever earlier uploads delivered (the pipeline still applies
    /// each event_id once).
    #[arg(long, conflicts_with = "ledger_dir")]
    no_ledger: bool,
    /// How long a record may wait for its delivery report before the run fails.
    #[arg(long, value_name = "MS", default_value_t = 60_000)]
    delivery_timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ProgressArg {
    /// When stderr is a terminal.
    Auto,
    /// Always (ANSI escapes also into a pipe or file).
    Always,
    /// Never.
    Never,
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

/// How `tasks` and `status` read their topic as a consumer group.
#[derive(Debug, Args)]
pub(crate) struct GroupReadArgs {
    /// Keep reading until SIGINT/SIGTERM instead of stopping when caught up.
    #[arg(long)]
    follow: bool,
    /// Consumer group; default `vroegsignaal-tasks-<code>` / `vroegsignaal-status-<creditor>`.
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

impl GroupReadArgs {
    /// The read options for `topic(topics)`, with `default_group` unless `--group` was given.
    fn options(
        self,
        config: &Path,
        topic: impl FnOnce(&Topics) -> String,
        default_group: String,
    ) -> Result<GroupReadOptions> {
        let (settings, topics) = kafka(config, self.brokers)?;
        Ok(GroupReadOptions {
            settings,
            topic: topic(&topics),
            group: self.group.unwrap_or(default_group),
            follow: self.follow,
            idle: Duration::from_millis(self.idle_ms),
            join_timeout: Duration::from_millis(self.join_timeout_ms),
        })
    }
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
    #[command(flatten)]
    read: GroupReadArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TaskFormatArg {
    /// The contract's OutreachTask JSON, one per line.
    Json,
    /// One readable line per task.
    Text,
}

/// Client settings and topic names: `--brokers`, else the config (with `VROEGSIGNAAL_BROKERS`
/// applied), and the config's `[kafka.client]` properties.
fn kafka(config: &Path, brokers: Option<String>) -> Result<(ClientSettings, Topics)> {
    let settings = Settings::load(config, &Env::from_process())?;
    let mut k = settings.file.kafka;
    if let Some(b) = brokers {
        k.brokers = b;
    }
    if k.brokers.trim().is_empty() {
        bail!("no brokers: pass --brokers or set VROEGSIGNAAL_BROKERS");
    }
    Ok((k.client_settings(), k.topics()))
}

pub(crate) fn cmd_publish(config: &Path, args: PublishArgs) -> Result<()> {
    let started = Instant::now();
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
    let ledger = match &target {
        Some(t) if !args.no_ledger => match args.ledger_dir.clone().or_else(default_ledger_dir) {
            Some(dir) => {
                let brokers = t.settings.brokers.as_str();
                let path = publish::ledger_path(&dir, &t.topic, brokers);
                Some(Ledger::open(&path, &t.topic, brokers)?)
            }
            None => {
                eprintln!(
                    "warning: no upload ledger (no HOME, XDG_STATE_HOME or --ledger-dir): every \
                     valid line is produced, also if an earlier upload delivered it"
                );
                None
            }
        },
        _ => None,
    };
    let ledger_file = ledger.as_ref().map(|l| l.path().to_owned());
    let rejects = args
        .rejects
        .as_deref()
        .map(|p| RejectsFile::create(p).with_context(|| format!("--rejects {}", p.display())))
        .transpose()?;
    let mode = match args.progress {
        ProgressArg::Auto => ProgressMode::Auto,
        ProgressArg::Always => ProgressMode::Always,
        ProgressArg::Never => ProgressMode::Never,
    };
    let mut report = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let stats = if args.file == Path::new("-") {
        let opts = PublishOptions {
            format,
            kind,
            target: target.as_ref(),
            ledger,
            rejects,
            progress: &upload_bar(mode, None),
        };
        publish::publish(io::stdin().lock(), opts, &mut report)
    } else {
        let f = File::open(&args.file).with_context(|| format!("{}", args.file.display()))?;
        let size = f.metadata().ok().map(|m| m.len()).filter(|n| *n > 0);
        let opts = PublishOptions {
            format,
            kind,
            target: target.as_ref(),
            ledger,
            rejects,
            progress: &upload_bar(mode, size),
        };
        publish::publish(BufReader::with_capacity(1 << 16, f), opts, &mut report)
    }
    .with_context(|| format!("{}", args.file.display()))?;
    let topic = target.as_ref().map(|t| t.topic.as_str());
    if let Some(note) = &stats.encoding_note {
        eprintln!("publish: note: {note}");
    }
    eprint!(
        "{}",
        publish::render_summary(
            &stats,
            &SummaryContext {
                file: &args.file.display().to_string(),
                topic,
                rejects: args.rejects.as_deref(),
                ledger: ledger_file.as_deref(),
                elapsed: started.elapsed(),
            }
        )
    );
    eprintln!("{}", stats.summary(topic));
    Ok(())
}

/// `$XDG_STATE_HOME/vroegsignaal/ledger`, else `~/.local/state/vroegsignaal/ledger`.
fn default_ledger_dir() -> Option<PathBuf> {
    let nonempty = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    nonempty("XDG_STATE_HOME")
        .or_else(|| nonempty("HOME").map(|h| h.join(".local/state")))
        .map(|d| d.join("vroegsignaal/ledger"))
}

pub(crate) fn cmd_tasks(config: &Path, args: TasksArgs) -> Result<()> {
    let code: Gemeentecode = args
        .municipality
        .parse()
        .map_err(|e| anyhow::anyhow!("--municipality: {e}"))?;
    let opts = TasksOptions {
        read: args.read.options(
            config,
            |t| t.outreach(code),
            format!("vroegsignaal-tasks-{code}"),
        )?,
        format: match args.format {
            TaskFormatArg::Json => TaskFormat::Json,
            TaskFormatArg::Text => TaskFormat::Text,
        },
    };
    let stop = stop_flag(opts.read.follow)?;
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let stats = tasks::read_tasks(&opts, &stop, &mut out, &mut io::stderr().lock())?;
    eprintln!("{}", stats.summary(&opts.read.topic));
    Ok(())
}

/// The flag that ends a `--follow` read: set on SIGINT/SIGTERM when following, never otherwise.
fn stop_flag(follow: bool) -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    if follow {
        stop_on_signal(Arc::clone(&stop))?;
    }
    Ok(stop)
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

/// `vroegsignaal feedback`.
#[derive(Debug, Args)]
pub(crate) struct FeedbackArgs {
    /// The municipality giving the feedback (CBS code, `0518` or `GM0518`); with contact/result.
    #[arg(long, value_name = "CODE", conflicts_with = "file")]
    municipality: Option<String>,
    /// The case id from the task (`cs_...`); with contact/result.
    #[arg(long, value_name = "CASE", conflicts_with = "file")]
    case_id: Option<String>,
    /// When it happened (RFC 3339); default: now.
    #[arg(long, value_name = "TIME", conflicts_with = "file")]
    occurred_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Many events from a file: CSV (header in docs/UPLOADS.md) or JSON lines (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// File format; default: from the extension (`.csv` → csv, otherwise jsonl).
    #[arg(long, value_enum, requires = "file")]
    format: Option<FormatArg>,
    /// Also write the rejected lines, machine-readable, to this file: JSON lines
    /// (`{"line","event_id","errors":[{"field","problem"}]}`), or CSV when it ends in `.csv`.
    #[arg(long, value_name = "F", requires = "file")]
    rejects: Option<PathBuf>,
    /// Brokers `HOST:PORT[,..]`; default: VROEGSIGNAAL_BROKERS, else the config's kafka.brokers.
    #[arg(long, value_name = "HOST:PORT[,..]")]
    brokers: Option<String>,
    /// Validate only; no broker needed.
    #[arg(long)]
    dry_run: bool,
    /// How long a record may wait for its delivery report before the run fails.
    #[arg(long, value_name = "MS", default_value_t = 60_000)]
    delivery_timeout_ms: u64,
    #[command(subcommand)]
    what: Option<FeedbackWhat>,
}

#[derive(Debug, clap::Subcommand)]
enum FeedbackWhat {
    /// A contact attempt (CONTACT_ATTEMPT).
    Contact {
        /// How (DDAS EnumContactsoort).
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(
            vroeg_domain::reporting::ddas::Contactsoort::ALL.map(vroeg_domain::reporting::ddas::Contactsoort::as_str)))]
        soort: String,
        /// Whether the person was reached.
        #[arg(long, action = clap::ArgAction::Set, value_name = "true|false")]
        bereikt: bool,
        /// The date of the attempt.
        #[arg(long, value_name = "YYYY-MM-DD")]
        datum: chrono::NaiveDate,
        /// Part of the day (DDAS EnumDagdeel).
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(
            vroeg_domain::reporting::ddas::Dagdeel::ALL.map(vroeg_domain::reporting::ddas::Dagdeel::as_str)))]
        dagdeel: Option<String>,
    },
    /// The case result (CASE_RESULT).
    Result {
        /// The result (DDAS EnumEindresultaat).
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(
            vroeg_domain::reporting::ddas::Eindresultaat::ALL.map(vroeg_domain::reporting::ddas::Eindresultaat::as_str)))]
        resultaat: String,
    },
}

/// `vroegsignaal status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The creditor id (the topic is `<prefix>creditor-status.<creditor>`).
    #[arg(long, value_name = "CREDITOR")]
    creditor: String,
    /// Output: the contract's CreditorStatus JSON per line, or CSV
    /// (`customer_ref,signal_id,status,at`).
    #[arg(long, value_enum, default_value_t = StatusFormatArg::Json)]
    format: StatusFormatArg,
    #[command(flatten)]
    read: GroupReadArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StatusFormatArg {
    /// The contract's CreditorStatus JSON, one per line.
    Json,
    /// CSV with the header `customer_ref,signal_id,status,at`.
    Csv,
}

pub(crate) fn cmd_feedback(config: &Path, args: FeedbackArgs) -> Result<()> {
    use vroeg_client::feedback;
    use vroeg_domain::contract::messages::{ContactAttempt, FeedbackEvent, FeedbackEventType};
    use vroeg_domain::reporting::ddas::{Contactsoort, Dagdeel, Eindresultaat};

    let target_for = |brokers: Option<String>| -> Result<Option<Target>> {
        if args.dry_run {
            return Ok(None);
        }
        let (settings, topics) = kafka(config, brokers)?;
        Ok(Some(Target {
            settings,
            topic: topics.feedback(),
            delivery_timeout: Duration::from_millis(args.delivery_timeout_ms.max(1)),
        }))
    };
    let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    if let Some(file) = &args.file {
        if args.what.is_some() {
            bail!("--file and contact/result exclude each other");
        }
        let format = match args.format {
            Some(FormatArg::Csv) => UploadFormat::Csv,
            Some(FormatArg::Jsonl) => UploadFormat::Jsonl,
            None if file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv")) =>
            {
                UploadFormat::Csv
            }
            None => UploadFormat::Jsonl,
        };
        let target = target_for(args.brokers.clone())?;
        let mut report = BufWriter::with_capacity(1 << 16, io::stdout().lock());
        let mut rejects = match &args.rejects {
            Some(p) => Some(RejectsFile::create(p).with_context(|| format!("{}", p.display()))?),
            None => None,
        };
        let stats = if file == Path::new("-") {
            feedback::upload(
                io::stdin().lock(),
                format,
                target.as_ref(),
                now,
                &mut report,
                rejects.as_mut(),
            )
        } else {
            match File::open(file) {
                Ok(f) => feedback::upload(
                    BufReader::with_capacity(1 << 16, f),
                    format,
                    target.as_ref(),
                    now,
                    &mut report,
                    rejects.as_mut(),
                ),
                Err(e) => Err(e.into()),
            }
        };
        let stats = match stats {
            Ok(s) => s,
            Err(e) => {
                if let Some(r) = rejects {
                    r.discard();
                }
                return Err(anyhow::Error::new(e).context(format!("{}", file.display())));
            }
        };
        if let Some(r) = rejects {
            let path = r.finish().context("writing the rejection report")?;
            eprintln!("rejected lines listed in {}", path.display());
        }
        eprintln!(
            "{}",
            stats.summary(target.as_ref().map(|t| t.topic.as_str()))
        );
        return Ok(());
    }
    let Some(what) = &args.what else {
        bail!("give --file F, or --municipality, --case-id and `contact` or `result`");
    };
    let (Some(municipality), Some(case_id)) = (&args.municipality, &args.case_id) else {
        bail!("contact/result need --municipality and --case-id");
    };
    let municipality_code: Gemeentecode = municipality
        .parse()
        .map_err(|e| anyhow::anyhow!("--municipality: {e}"))?;
    let (event_type, contact_attempt, resultaat) = match what {
        FeedbackWhat::Contact {
            soort,
            bereikt,
            datum,
            dagdeel,
        } => (
            FeedbackEventType::ContactAttempt,
            Some(ContactAttempt {
                soort: Contactsoort::parse(soort)
                    .ok_or_else(|| anyhow::anyhow!("--soort: unknown {soort:?}"))?,
                bereikt: *bereikt,
                datum: *datum,
                dagdeel: dagdeel
                    .as_deref()
                    .map(|d| Dagdeel::parse(d).ok_or_else(|| anyhow::anyhow!("--dagdeel: {d:?}")))
                    .transpose()?,
            }),
            None,
        ),
        FeedbackWhat::Result { resultaat } => (
            FeedbackEventType::CaseResult,
            None,
            Some(
                Eindresultaat::parse(resultaat)
                    .ok_or_else(|| anyhow::anyhow!("--resultaat: unknown {resultaat:?}"))?,
            ),
        ),
    };
    let event = FeedbackEvent {
        event_id: feedback::fresh_event_id(case_id),
        case_id: case_id.clone(),
        municipality_code,
        occurred_at: args.occurred_at.unwrap_or(now),
        event_type,
        contact_attempt,
        resultaat,
    };
    let target = target_for(args.brokers.clone())?;
    let delivered = feedback::record(&event, target.as_ref())?;
    match &target {
        Some(t) => eprintln!(
            "feedback: event {} for {} delivered to {} ({delivered})",
            event.event_id, event.case_id, t.topic
        ),
        None => eprintln!(
            "feedback: event {} for {} valid; dry run, nothing produced",
            event.event_id, event.case_id
        ),
    }
    Ok(())
}

/// Whether stdout is a regular file that already has content (`status --format csv >> f.csv`):
/// then the CSV header is not written again.
fn stdout_has_content() -> bool {
    use std::os::fd::AsFd;
    io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .ok()
        .map(std::fs::File::from)
        .and_then(|f| f.metadata().ok())
        .is_some_and(|m| m.is_file() && m.len() > 0)
}

pub(crate) fn cmd_status(config: &Path, args: StatusArgs) -> Result<()> {
    use vroeg_client::status::{self, StatusFormat, StatusOptions};
    let creditor = args.creditor.trim();
    if creditor.is_empty()
        || !creditor
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        bail!("--creditor: letters, digits, '-', '_' or '.' only, got {creditor:?}");
    }
    let opts = StatusOptions {
        read: args.read.options(
            config,
            |t| t.creditor_status(creditor),
            format!("vroegsignaal-status-{creditor}"),
        )?,
        format: match args.format {
            StatusFormatArg::Json => StatusFormat::Json,
            StatusFormatArg::Csv => StatusFormat::Csv,
        },
        output_has_content: stdout_has_content(),
    };
    let stop = stop_flag(opts.read.follow)?;
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let stats = status::read_status(&opts, &stop, &mut out, &mut io::stderr().lock())?;
    eprintln!("{}", stats.summary(&opts.read.topic));
    Ok(())
}

/// `vroegsignaal report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    #[command(subcommand)]
    what: ReportWhat,
}

#[derive(Debug, clap::Subcommand)]
enum ReportWhat {
    /// The DDAS Vroegsignalering v1.2 report (CBS) of one municipality over a period: every
    /// signal with its status, every case with matching dates, result and contact attempts;
    /// clients by postcode and house number (+ addition, birth date), never by name or BSN;
    /// amounts in whole euros (rounded half away from zero). Read from the reporting store
    /// `<prefix>report.<code>`, validated against the official JSON schema before anything is
    /// written. At most 50,000 signals per document: more go to FILE.part-2.json etc.
    /// Needs report.supplier_code in the config (docs/REPORTING.md).
    Ddas {
        /// The municipality (CBS code, `0518` or `GM0518`).
        #[arg(long, value_name = "CODE")]
        municipality: String,
        /// First day of the period (signals by the day they became a signal).
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: chrono::NaiveDate,
        /// Last day of the period (inclusive).
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: chrono::NaiveDate,
        /// Write to this file (further pages beside it); default: stdout (one page only).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Brokers `HOST:PORT[,..]`; default: VROEGSIGNAAL_BROKERS, else the config's kafka.brokers.
        #[arg(long, value_name = "HOST:PORT[,..]")]
        brokers: Option<String>,
        /// Signals per document (the standard's maximum is 50,000).
        #[arg(long, value_name = "N", default_value_t = vroeg_domain::reporting::ddas_report::MAX_SIGNALS_PER_PAGE)]
        page_size: usize,
        /// The store is read to its end: every partition at its end and nothing new for this long.
        #[arg(long, value_name = "MS", default_value_t = 1000)]
        idle_ms: u64,
        /// Give up reading the store after this long.
        #[arg(long, value_name = "MS", default_value_t = 120_000)]
        timeout_ms: u64,
        /// The delivery time written in the report (RFC 3339); default: now.
        #[arg(long, value_name = "TIME")]
        delivered_at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

pub(crate) fn cmd_report(config: &Path, args: ReportArgs) -> Result<()> {
    use std::io::Write;
    use vroegsignaal::config::{AppConfig, KeyPolicy};
    use vroegsignaal::ddas_report as report;

    let ReportWhat::Ddas {
        municipality,
        from,
        to,
        out,
        brokers,
        page_size,
        idle_ms,
        timeout_ms,
        delivered_at,
    } = args.what;
    let code: Gemeentecode = municipality
        .parse()
        .map_err(|e| anyhow::anyhow!("--municipality: {e}"))?;
    // The registry names the municipality; the key is not used (no pseudonyms are made here).
    let cfg = AppConfig::load(config, &Env::from_process(), KeyPolicy::DevelopmentFallback)?;
    let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    let header = report::header(
        &cfg.settings.file.report,
        &cfg.data.municipalities,
        code,
        from,
        to,
        delivered_at.unwrap_or(now),
    )?;
    let validator = report::DdasValidator::official()?;
    let (settings, topics) = kafka(config, brokers)?;
    let topic = topics.report(code);
    let (records, skipped) = vroeg_client::report_store::read_report_store(
        &settings,
        &topic,
        Duration::from_millis(idle_ms),
        Duration::from_millis(timeout_ms.max(1)),
    )?;
    let (docs, pages) = report::make_report(&records, &header, page_size, &validator)?;
    let signals: usize = docs.iter().map(|d| d.signal_count()).sum();
    let cases: usize = docs
        .iter()
        .flat_map(|d| &d.leveringen)
        .map(|l| l.vroegsignaalzaken.len())
        .sum();
    let summary = format!(
        "report ddas: {code} {from}..{to}: {} record(s) read from {topic} ({skipped} unreadable), \
         {signals} signal(s), {cases} case(s), {} page(s), valid against DDAS v1.2",
        records.len(),
        pages.len()
    );
    match out {
        Some(path) => {
            let written = report::write_pages(&path, &pages)?;
            let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
            eprintln!("{summary}; written to {}", names.join(", "));
        }
        None => {
            if pages.len() > 1 {
                bail!(report::DdasReportError::PagesNeedFile(pages.len()));
            }
            let mut w = io::stdout().lock();
            for p in &pages {
                w.write_all(p)?;
            }
            w.flush()?;
            eprintln!("{summary}");
        }
    }
    Ok(())
}
