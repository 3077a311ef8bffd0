//! The upload progress bar (indicatif) on stderr: bytes read of the file's size, with the
//! accepted/rejected counts. Drawn only when asked for or when stderr is a terminal, so piped
//! and CI output stays clean; `publish` moves it every
//! [`PROGRESS_EVERY`](vroeg_client::publish::PROGRESS_EVERY) lines, and indicatif
//! redraws at most 10 times a second, so it costs nothing per line that matters.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// When to draw the bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// When stderr is a terminal.
    Auto,
    /// Always, also into a pipe or file (ANSI escapes included).
    Always,
    /// Never.
    Never,
}

/// The progress bar as an upload's progress (`vroeg_client::publish::UploadProgress`).
#[derive(Debug)]
pub struct UploadBar(ProgressBar);

impl vroeg_client::publish::UploadProgress for UploadBar {
    fn set_position(&self, bytes: u64) {
        self.0.set_position(bytes);
    }
    fn set_message(&self, message: String) {
        self.0.set_message(message);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// A progress bar for an upload of `total` bytes (`None`: unknown, e.g. stdin).
pub fn upload_bar(mode: ProgressMode, total: Option<u64>) -> UploadBar {
    UploadBar(bar(mode, total))
}

fn bar(mode: ProgressMode, total: Option<u64>) -> ProgressBar {
    let target = match mode {
        ProgressMode::Never => return ProgressBar::hidden(),
        ProgressMode::Auto if !std::io::stderr().is_terminal() => return ProgressBar::hidden(),
        ProgressMode::Auto => ProgressDrawTarget::stderr_with_hz(10),
        // indicatif's own stderr target hides itself off a terminal; this one does not.
        ProgressMode::Always => ProgressDrawTarget::term_like_with_hz(Box::new(RawStderr), 10),
    };
    let (bar, template) = match total {
        Some(n) => (
            ProgressBar::with_draw_target(Some(n), target),
            "{spinner} [{elapsed_precise}] [{wide_bar}] {bytes}/{total_bytes} \
             ({bytes_per_sec}, eta {eta}) {msg}",
        ),
        None => (
            ProgressBar::with_draw_target(None, target),
            "{spinner} [{elapsed_precise}] {bytes} ({bytes_per_sec}) {msg}",
        ),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// stderr with plain ANSI cursor control, whatever it is connected to.
#[derive(Debug)]
struct RawStderr;

impl RawStderr {
    fn put(&self, s: &str) -> std::io::Result<()> {
        std::io::stderr().lock().write_all(s.as_bytes())
    }
}

impl TermLike for RawStderr {
    fn width(&self) -> u16 {
        100
    }

    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.put(&format!("\x1b[{n}A"))
    }

    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.put(&format!("\x1b[{n}B"))
    }

    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.put(&format!("\x1b[{n}C"))
    }

    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.put(&format!("\x1b[{n}D"))
    }

    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.put(&format!("{s}\n"))
    }

    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.put(s)
    }

    fn clear_line(&self) -> std::io::Result<()> {
        self.put("\r\x1b[2K")
    }

    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
