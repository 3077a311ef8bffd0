//! `vroegsignaal simulate`: the rule engine over a JSON-lines file, offline.
//!
//! Order of work, all deterministic:
//! 1. every non-blank line is decoded with [`vroeg_codec::decode_input`] and validated (in
//!    parallel, results kept in file order);
//! 2. a line that does not decode or validate becomes a `REJECTED` decision whose reason starts with
//!    `line N: ` and whose `at` is the simulated clock at that point of the file: the
//!    `occurred_at` of the previous valid line, or of the first valid line when none came before
//!    (the end time when the file has no valid line at all);
//! 3. everything is *stably* sorted by that time, so events with equal `occurred_at` keep their
//!    file order and a rejection stays right after the valid line before it;
//! 4. the [`Simulator`] processes them in that order, firing wakeups on the way, and finally
//!    advances the clock to `--now` (default: the last event's `occurred_at`).
//!
//! A file already in `occurred_at` order (checked on the raw text first) skips the sort: lines are
//! decoded chunk by chunk on a second thread while the rules run, with the same result byte for
//! byte and without holding the decoded file in memory.

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::{DateTime, NaiveDate, Utc};
use vroeg_domain::contract::decision::{Decision, DecisionKind};
use vroeg_domain::contract::messages::{FieldError, InputEvent};
use vroeg_domain::household::simulation::Simulator;
use vroeg_domain::rules::{self, RuleContext};

/// Parses `--now`: RFC 3339 (`2026-11-01T00:00:00Z`) or a date meaning midnight UTC.
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    let t = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc())
        .ok_or_else(|| format!("not an RFC 3339 time or a date (YYYY-MM-DD): {s:?}"))
}

/// One input line, decoded or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A contract message.
    Event(Box<InputEvent>),
    /// A line that breaks the contract.
    Invalid {
        /// 1-based line number.
        line_no: usize,
        /// The `event_id`, when it could be read.
        event_id: Option<String>,
        /// What is wrong.
        errors: Vec<FieldError>,
    },
}

/// A line with the simulated time it is handled at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `occurred_at` for events; the clock at that point of the file for invalid lines.
    pub at: DateTime<Utc>,
    /// The line.
    pub line: Line,
}

/// Decodes one line and checks it against the contract's cross-field rules, so that every line
/// the contract refuses is reported with its line number (the registry check, which depends on
/// configuration, stays with [`rules::admit`]).
pub fn decode_line(line_no: usize, bytes: &[u8]) -> Line {
    match vroeg_codec::decode_valid_input(bytes) {
        Ok(e) => Line::Event(Box::new(e)),
        Err(e) => Line::Invalid {
            line_no,
            event_id: e.event_id,
            errors: e.errors,
        },
    }
}

/// Splits `input` into non-blank lines (with 1-based numbers) and decodes them, using every core
/// but keeping file order.
pub fn decode_all(input: &[u8]) -> Vec<Line> {
    decode_lines(&split_lines(input))
}

/// Decodes numbered lines on every core, keeping their order.
fn decode_lines(lines: &[(usize, &[u8])]) -> Vec<Line> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if threads < 2 || lines.len() < 4096 {
        return lines.iter().map(|&(n, l)| decode_line(n, l)).collect();
    }
    let chunk = lines.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = lines
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(|&(n, l)| decode_line(n, l)).collect()))
            .collect();
        let mut out = Vec::with_capacity(lines.len());
        for (h, part) in handles.into_iter().zip(lines.chunks(chunk)) {
            // A decoder thread cannot panic on data (decode errors are values); should it die
            // anyway, its lines are decoded again here rather than lost.
            let decoded: Vec<Line> = h
                .join()
                .unwrap_or_else(|_| part.iter().map(|&(n, l)| decode_line(n, l)).collect());
            out.extend(decoded);
        }
        out
    })
}

/// Gives every line its time (see the module doc) and sorts stably by it. `fallback` is the time
/// of invalid lines in a file without any valid one.
pub fn order(lines: Vec<Line>, fallback: DateTime<Utc>) -> Vec<Entry> {
    let first_valid = lines.iter().find_map(|l| match l {
        Line::Event(e) => Some(e.occurred_at()),
        Line::Invalid { .. } => None,
    });
    let mut clock = first_valid.unwrap_or(fallback);
    let mut entries: Vec<Entry> = lines
        .into_iter()
        .map(|line| {
            if let Line::Event(e) = &line {
                clock = e.occurred_at();
            }
            Entry { at: clock, line }
        })
        .collect();
    // `sort_by_key` is stable; a file that is already in order (as `generate` writes them) costs
    // one pass.
    if !entries.is_sorted_by_key(|e| e.at) {
        entries.sort_by_key(|e| e.at);
    }
    entries
}

/// What a run processed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Valid lines.
    pub events: usize,
    /// Lines rejected by the decoder.
    pub invalid_lines: usize,
    /// Households with state at the end.
    pub households: usize,
    /// The simulated clock at the end.
    pub clock: Option<DateTime<Utc>>,
    /// Wakeups dropped by the simulator (a rule bug if not 0).
    pub dropped_wakeups: u64,
}

/// Runs ordered entries through a [`Simulator`] and advances to `now` (default: the last event's
/// time). Decisions go to `sink` in order.
pub fn run(
    entries: Vec<Entry>,
    now: Option<DateTime<Utc>>,
    ctx: &RuleContext<'_>,
    sink: &mut impl FnMut(Decision),
) -> RunStats {
    let mut sim = Simulator::new();
    let stats = run_with(&mut sim, entries, now, ctx, sink);
    // Freeing every household one by one is a tenth of a large run; the caller that is about to
    // exit may skip it by using `run_with` and forgetting the simulator.
    drop(sim);
    stats
}

/// [`run`] on a caller-owned simulator.
pub fn run_with(
    sim: &mut Simulator,
    entries: impl IntoIterator<Item = Entry>,
    now: Option<DateTime<Utc>>,
    ctx: &RuleContext<'_>,
    sink: &mut impl FnMut(Decision),
) -> RunStats {
    let mut stats = RunStats::default();
    let mut last_event = None;
    for entry in entries {
        match entry.line {
            Line::Event(e) => {
                stats.events += 1;
                last_event = Some(entry.at);
                sim.process(*e, ctx, sink);
            }
            Line::Invalid {
                line_no,
                event_id,
                errors,
            } => {
                stats.invalid_lines += 1;
                sim.advance_to(entry.at, ctx, sink);
                let mut d = rules::rejected(errors, event_id, entry.at);
                d.reason = format!("line {line_no}: {}", d.reason);
                sink(d);
            }
        }
    }
    if let Some(end) = now.or(last_event) {
        sim.advance_to(end, ctx, sink);
    }
    stats.households = sim.household_count();
    stats.clock = sim.now();
    stats.dropped_wakeups = sim.dropped_wakeups();
    stats
}

/// The whole of `simulate` on bytes: decode, order, run on `sim` (normally a new one), write. Returns the run's figures and the
/// decisions written per kind.
pub fn simulate(
    sim: &mut Simulator,
    input: &[u8],
    now: Option<DateTime<Utc>>,
    ctx: &RuleContext<'_>,
    out: impl Write,
    format: Format,
) -> io::Result<(RunStats, BTreeMap<&'static str, u64>)> {
    let lines = split_lines(input);
    let mut writer = DecisionWriter::new(out, format);
    let stats = if in_time_order(&lines) {
        // The common case (`generate` writes sorted files, and creditor exports are sorted):
        // decode on a second thread, chunk by chunk, while this one runs the rules, so the
        // decoded file never sits in memory whole.
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Line>>(4);
            let lines = &lines;
            s.spawn(move || {
                for chunk in lines.chunks(STREAM_CHUNK) {
                    let decoded = chunk.iter().map(|&(n, l)| decode_line(n, l)).collect();
                    if tx.send(decoded).is_err() {
                        break;
                    }
                }
            });
            let entries = InOrder::new(rx.into_iter().flatten(), now);
            run_with(sim, entries, now, ctx, &mut |d| writer.write(&d))
        })
    } else {
        let entries = order(decode_lines(&lines), now.unwrap_or(DateTime::UNIX_EPOCH));
        run_with(sim, entries, now, ctx, &mut |d| writer.write(&d))
    };
    let counts = writer.finish()?;
    Ok((stats, counts))
}

/// Lines per chunk handed from the decoding thread to the rules.
const STREAM_CHUNK: usize = 8192;

/// Non-blank lines with their 1-based numbers.
fn split_lines(input: &[u8]) -> Vec<(usize, &[u8])> {
    input
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix(b"\r").unwrap_or(l)))
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
        .collect()
}

/// Whether the lines' `occurred_at` values, read from the raw text without decoding, never go
/// back. Conservative: a line whose key appears more than once makes the answer "no" (the
/// sorting path then runs), and lines without a readable time are skipped — they are invalid or
/// take the clock of the line before them anyway. Reading more times than the decoder will can
/// only turn a "yes" into a "no", never the other way round.
fn in_time_order(lines: &[(usize, &[u8])]) -> bool {
    const KEY: &[u8] = b"\"occurred_at\"";
    let mut last: Option<DateTime<Utc>> = None;
    for (_, line) in lines {
        let mut hits = line
            .windows(KEY.len())
            .enumerate()
            .filter(|(_, w)| *w == KEY);
        let Some((at, _)) = hits.next() else { continue };
        if hits.next().is_some() {
            return false;
        }
        let rest = line[at + KEY.len()..].trim_ascii_start();
        let Some(rest) = rest.strip_prefix(b":").map(<[u8]>::trim_ascii_start) else {
            continue;
        };
        let Some(rest) = rest.strip_prefix(b"\"") else {
            continue;
        };
        let Some(end) = rest.iter().position(|b| *b == b'"') else {
            continue;
        };
        let Some(t) = std::str::from_utf8(&rest[..end])
            .ok()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
        else {
            continue;
        };
        if last.is_some_and(|l| t < l) {
            return false;
        }
        last = Some(t);
    }
    true
}

/// Gives lines that are already in time order their [`Entry`] times as [`order`] would, without
/// collecting them: invalid lines before the first valid one wait for its time (or `--now`).
struct InOrder<I: Iterator<Item = Line>> {
    lines: I,
    clock: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    pending: std::collections::VecDeque<Entry>,
}

impl<I: Iterator<Item = Line>> InOrder<I> {
    fn new(lines: I, end: Option<DateTime<Utc>>) -> Self {
        InOrder {
            lines,
            clock: None,
            end,
            pending: std::collections::VecDeque::new(),
        }
    }
}

impl<I: Iterator<Item = Line>> Iterator for InOrder<I> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        if let Some(e) = self.pending.pop_front() {
            return Some(e);
        }
        match self.clock {
            Some(clock) => self.lines.next().map(|line| {
                if let Line::Event(e) = &line {
                    self.clock = Some(e.occurred_at());
                }
                Entry {
                    at: self.clock.unwrap_or(clock),
                    line,
                }
            }),
            None => {
                // Before the first valid line: hold invalid lines until a time is known.
                let mut held = Vec::new();
                for line in self.lines.by_ref() {
                    match line {
                        Line::Event(e) => {
                            let t = e.occurred_at();
                            self.clock = Some(t);
                            self.pending
                                .extend(held.into_iter().map(|line| Entry { at: t, line }));
                            self.pending.push_back(Entry {
                                at: t,
                                line: Line::Event(e),
                            });
                            return self.pending.pop_front();
                        }
                        invalid => held.push(invalid),
                    }
                }
                let at = self.end.unwrap_or(DateTime::UNIX_EPOCH);
                self.pending
                    .extend(held.into_iter().map(|line| Entry { at, line }));
                self.pending.pop_front()
            }
        }
    }
}

/// How decisions are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// One contract JSON object per line.
    #[default]
    Json,
    /// One human-readable line per decision.
    Text,
}

/// Writes decisions and counts them per kind. The sink cannot return an error, so the first I/O
/// error is kept (and writing stops) until [`DecisionWriter::finish`] reports it.
#[derive(Debug)]
pub struct DecisionWriter<W: Write> {
    out: W,
    format: Format,
    buf: Vec<u8>,
    counts: BTreeMap<&'static str, u64>,
    error: Option<io::Error>,
}

impl<W: Write> DecisionWriter<W> {
    /// Writes to `out`, which should be buffered: nothing here flushes per decision.
    pub fn new(out: W, format: Format) -> Self {
        DecisionWriter {
            out,
            format,
            buf: Vec::with_capacity(4096),
            counts: BTreeMap::new(),
            error: None,
        }
    }

    /// Writes one decision.
    pub fn write(&mut self, d: &Decision) {
        *self.counts.entry(d.kind.name()).or_default() += 1;
        if self.error.is_some() {
            return;
        }
        self.buf.clear();
        let encoded = match self.format {
            Format::Json => vroeg_codec::encode_json(d, &mut self.buf).map_err(io::Error::other),
            Format::Text => {
                self.buf.extend_from_slice(text_line(d).as_bytes());
                Ok(())
            }
        };
        self.buf.push(b'\n');
        if let Err(e) = encoded.and_then(|()| self.out.write_all(&self.buf)) {
            self.error = Some(e);
        }
    }

    /// Decisions written per kind.
    pub fn counts(&self) -> &BTreeMap<&'static str, u64> {
        &self.counts
    }

    /// Flushes and returns the counts, or the first write error.
    pub fn finish(mut self) -> io::Result<BTreeMap<&'static str, u64>> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.counts)
    }
}

/// The contract name of an enum value (its serde form), e.g. `no_legal_basis` or `HIGH`.
pub fn label<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "?".to_owned(),
    }
}

/// One human-readable line for a decision. Carries no contact data, even for tasks.
pub fn text_line(d: &Decision) -> String {
    let hh = d.household_id.as_ref().map_or("-", |h| h.as_str());
    let detail = match &d.kind {
        DecisionKind::Task { task } => format!(
            "{} {} v{} gemeente {} {} {} {} signal(s) EUR {} due {}",
            label(&task.status),
            task.task_id,
            task.version,
            task.municipality_code,
            label(&task.priority),
            label(&task.classification),
            task.signals.len(),
            task.total_amount,
            task.due_date
        ),
        DecisionKind::Suppressed {
            reason_code,
            creditor_id,
            ddas_status,
            ..
        } => format!(
            "{} {creditor_id} ({})",
            label(reason_code),
            label(ddas_status)
        ),
        DecisionKind::Quarantined {
            reason_code,
            creditor_id,
        } => format!("{} {creditor_id}", label(reason_code)),
        DecisionKind::NotRouted {
            reason_code,
            municipality_code,
        } => match municipality_code {
            Some(m) => format!("{} gemeente {m}", label(reason_code)),
            None => label(reason_code),
        },
        DecisionKind::Rejected { errors, .. } => format!("{} error(s)", errors.len()),
        DecisionKind::CreditorStatus {
            creditor_id,
            status,
            ..
        } => format!("{} to {creditor_id}", label(status)),
        DecisionKind::Purged {} => String::new(),
        DecisionKind::Pending { reason_code, until } => format!(
            "{} until {}",
            label(reason_code),
            until.format("%Y-%m-%dT%H:%M:%SZ")
        ),
        DecisionKind::Recorded { reason_code } => label(reason_code),
        DecisionKind::Ignored { reason_code } => label(reason_code),
    };
    format!(
        "{} {:<15} {:<24} {} {} | {}",
        d.at.format("%Y-%m-%dT%H:%M:%SZ"),
        d.kind.name(),
        d.rule,
        hh,
        detail,
        d.reason
    )
}

/// The one-paragraph summary `simulate` prints on stderr: counts only, no personal data.
pub fn summary(stats: &RunStats, counts: &BTreeMap<&'static str, u64>) -> String {
    let total: u64 = counts.values().sum();
    let kinds = counts
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let clock = stats
        .clock
        .map_or_else(|| "-".to_owned(), |c| c.to_rfc3339());
    let mut s = format!(
        "simulate: {} event(s), {} invalid line(s), {} household(s) with state, clock at {clock}\n\
         decisions: {total} ({})",
        stats.events,
        stats.invalid_lines,
        stats.households,
        if kinds.is_empty() { "none" } else { &kinds },
    );
    if stats.dropped_wakeups > 0 {
        s.push_str(&format!(
            "\nwarning: {} wakeup(s) dropped because a tick asked to fire again at its own time",
            stats.dropped_wakeups
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"event_id":"e1","creditor_id":"c","sector":"HUUR","event_type":"RESOLVED","customer_ref":"k","occurred_at":"2026-10-02T09:00:00Z","address":{"postcode":"3011AB","house_number":1}}"#;

    fn good(id: &str, at: &str) -> String {
        GOOD.replace("\"e1\"", &format!("{id:?}"))
            .replace("2026-10-02T09:00:00Z", at)
    }

    #[test]
    fn parses_times_and_dates() {
        assert_eq!(
            parse_time("2026-11-01").unwrap().to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        assert_eq!(
            parse_time("2026-11-01T10:00:00+01:00")
                .unwrap()
                .to_rfc3339(),
            "2026-11-01T09:00:00+00:00"
        );
        assert!(parse_time("1 nov").is_err());
    }

    #[test]
    fn invalid_lines_take_the_clock_of_the_file_position() {
        let input = format!(
            "not json\n\n{}\n{{\"event_type\":\"ARREARS\"}}\n{}\n",
            good("a", "2026-10-05T00:00:00Z"),
            good("b", "2026-10-03T00:00:00Z"),
        );
        let lines = decode_all(input.as_bytes());
        assert_eq!(lines.len(), 4, "the blank line is skipped");
        let entries = order(lines, DateTime::UNIX_EPOCH);
        let summary: Vec<(String, String)> = entries
            .iter()
            .map(|e| {
                let what = match &e.line {
                    Line::Event(ev) => ev.event_id().to_owned(),
                    Line::Invalid { line_no, .. } => format!("line {line_no}"),
                };
                (e.at.format("%d").to_string(), what)
            })
            .collect();
        // Line 1 takes the first valid event's time; line 4 the previous valid line's; then a
        // stable sort puts "b" (day 3) first.
        assert_eq!(
            summary,
            [("03", "b"), ("05", "line 1"), ("05", "a"), ("05", "line 4")]
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
    }

    #[test]
    fn parallel_decode_keeps_file_order() {
        let mut input = String::new();
        for i in 0..10_000 {
            if i % 997 == 0 {
                input.push_str("{\"bsn\":1}\n");
            } else {
                input.push_str(&good(&format!("e{i}"), "2026-10-02T09:00:00Z"));
                input.push('\n');
            }
        }
        let lines = decode_all(input.as_bytes());
        assert_eq!(lines.len(), 10_000);
        for (i, l) in lines.iter().enumerate() {
            match l {
                Line::Event(e) => assert_eq!(e.event_id(), format!("e{i}")),
                Line::Invalid { line_no, .. } => assert_eq!(*line_no, i + 1),
            }
        }
    }

    /// The streaming path (sorted files) and the sorting path give the same entries, including
    /// invalid lines before the first valid one and a file with no valid line at all.
    #[test]
    fn streaming_order_equals_sorting_order() {
        let cases = [
            format!(
                "not json\n{}\n{{\"event_type\":\"ARREARS\"}}\n{}\n",
                good("a", "2026-10-03T00:00:00Z"),
                good("b", "2026-10-05T00:00:00Z"),
            ),
            "x\ny\n".to_owned(),
            format!("{}\nz\n", good("a", "2026-10-03T00:00:00Z")),
        ];
        let end = parse_time("2026-12-01").ok();
        for input in cases {
            let lines = split_lines(input.as_bytes());
            assert!(in_time_order(&lines), "{input}");
            let show = |e: &Entry| match &e.line {
                Line::Event(ev) => (e.at, ev.event_id().to_owned()),
                Line::Invalid { line_no, .. } => (e.at, format!("line {line_no}")),
            };
            let sorted: Vec<_> = order(decode_all(input.as_bytes()), end.unwrap_or_default())
                .iter()
                .map(show)
                .collect();
            let streamed: Vec<_> = InOrder::new(decode_all(input.as_bytes()).into_iter(), end)
                .map(|e| show(&e))
                .collect();
            assert_eq!(streamed, sorted, "{input}");
        }
        let unsorted = format!(
            "{}\n{}\n",
            good("a", "2026-10-05T00:00:00Z"),
            good("b", "2026-10-03T00:00:00Z")
        );
        assert!(!in_time_order(&split_lines(unsorted.as_bytes())));
        let twice =
            r#"{"occurred_at":"2026-10-05T00:00:00Z","x":{"occurred_at":"2026-10-01T00:00:00Z"}}"#;
        assert!(
            !in_time_order(&split_lines(twice.as_bytes())),
            "a repeated key is not trusted"
        );
    }
}
