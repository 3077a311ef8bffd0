//! The upload ledger: which events `publish` has already delivered to a topic, so a re-upload
//! (after a crash, a timeout, or by mistake) produces only what was not yet delivered.
//!
//! - One file per (topic, broker list): uploading to a test cluster never hides an event from
//!   production. Name `<topic>-<8 hex of the normalised broker list>.ledger`.
//! - One line per delivered event, appended only after the broker acknowledged it:
//!   `<32 hex: SHA-256 of creditor_id NUL event_id> <16 hex: SHA-256 of the event's canonical
//!   JSON>`. Hashes only: the ledger holds no personal data, and the event's own content is not
//!   recoverable from it.
//! - A record acknowledged but not yet written when the process dies is simply sent again on the
//!   next upload; the pipeline's `event_id` idempotency (DECISIONS D13) absorbs that. The ledger
//!   never claims an event that was not acknowledged, so it can cause a duplicate, never a loss.
//! - A torn last line (crash mid-write) or a line that does not parse is ignored, for the same
//!   reason.
//! - The file is locked exclusively while an upload uses it (two concurrent uploads to the same
//!   topic and cluster would otherwise both send the same events).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The identity of an event in the ledger: SHA-256 of `creditor_id NUL event_id`, 16 bytes.
pub(crate) type EventKey = [u8; 16];
/// The content of an event: SHA-256 of its canonical JSON, 8 bytes.
pub(crate) type ContentHash = [u8; 8];

/// One ledger line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Which event.
    pub key: EventKey,
    /// What it said.
    pub content: ContentHash,
}

impl LedgerEntry {
    /// The entry for an event.
    pub fn new(creditor_id: &str, event_id: &str, canonical_json: &[u8]) -> LedgerEntry {
        let mut h = Sha256::new();
        h.update(creditor_id.as_bytes());
        h.update([0]);
        h.update(event_id.as_bytes());
        let k = h.finalize();
        let c = Sha256::digest(canonical_json);
        let mut key = [0u8; 16];
        key.copy_from_slice(&k[..16]);
        let mut content = [0u8; 8];
        content.copy_from_slice(&c[..8]);
        LedgerEntry { key, content }
    }

    fn parse(line: &str) -> Option<LedgerEntry> {
        let (k, c) = line.trim_end().split_once(' ')?;
        let mut key = [0u8; 16];
        let mut content = [0u8; 8];
        hex::decode_to_slice(k, &mut key).ok()?;
        hex::decode_to_slice(c, &mut content).ok()?;
        Some(LedgerEntry { key, content })
    }
}

/// What the ledger says about an event about to be produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Not delivered before (nor earlier in this upload): produce it.
    New,
    /// Delivered before with the same content (or earlier in this upload): skip it.
    AlreadyDelivered,
    /// This `event_id` was delivered before with different content.
    Conflict,
}

/// Why the ledger cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Reading, creating or writing the file.
    #[error("upload ledger {}: {source}", path.display())]
    Io {
        /// The ledger file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// Another upload holds the lock.
    #[error(
        "upload ledger {} is in use by another publish to the same topic and brokers; wait for \
         it to finish",
        path.display()
    )]
    Locked {
        /// The ledger file.
        path: PathBuf,
    },
}

/// An open, locked ledger.
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    out: BufWriter<File>,
    seen: HashMap<EventKey, ContentHash>,
    loaded: usize,
    written: usize,
}

/// The ledger file for a topic on a cluster, inside `dir`.
pub fn ledger_path(dir: &Path, topic: &str, brokers: &str) -> PathBuf {
    let mut list: Vec<String> = brokers
        .split(',')
        .map(|b| b.trim().to_ascii_lowercase())
        .filter(|b| !b.is_empty())
        .collect();
    list.sort();
    list.dedup();
    let digest = Sha256::digest(list.join(",").as_bytes());
    dir.join(format!("{topic}-{}.ledger", hex::encode(&digest[..4])))
}

impl Ledger {
    /// Opens (creating it and its directory if needed), locks and loads the ledger at `path`.
    pub fn open(path: &Path, topic: &str, brokers: &str) -> Result<Ledger, LedgerError> {
        let io = |source| LedgerError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(LedgerError::Locked {
                    path: path.to_owned(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        let mut seen = HashMap::new();
        let mut len = 0u64;
        let mut reader = BufReader::with_capacity(1 << 16, &file);
        let mut line = String::new();
        let mut torn = false;
        loop {
            line.clear();
            let n = reader.read_line(&mut line).map_err(io)?;
            if n == 0 {
                break;
            }
            len += n as u64;
            torn = !line.ends_with('\n');
            if let Some(e) = LedgerEntry::parse(&line) {
                seen.insert(e.key, e.content);
            }
        }
        drop(reader);
        if len == 0 {
            // Readable for whoever finds the file; the brokers are addresses, not secrets.
            writeln!(
                file,
                "# vroegsignaal upload ledger v1: events delivered to {topic} on {brokers}"
            )
            .map_err(io)?;
        } else if torn {
            // A torn last line: start the next entry on a line of its own.
            writeln!(file).map_err(io)?;
        }
        let loaded = seen.len();
        Ok(Ledger {
            path: path.to_owned(),
            out: BufWriter::with_capacity(1 << 16, file),
            seen,
            loaded,
            written: 0,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Events known when the ledger was opened.
    pub fn loaded(&self) -> usize {
        self.loaded
    }

    /// Entries appended by this upload.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Looks an event up and, when new, remembers it as sent by this upload (so a second line
    /// with the same event is not sent twice); it reaches the file only via [`Ledger::record`].
    pub fn check_and_claim(&mut self, e: LedgerEntry) -> Seen {
        match self.seen.entry(e.key) {
            Entry::Vacant(v) => {
                v.insert(e.content);
                Seen::New
            }
            Entry::Occupied(o) if *o.get() == e.content => Seen::AlreadyDelivered,
            Entry::Occupied(_) => Seen::Conflict,
        }
    }

    /// Appends acknowledged events.
    pub fn record(&mut self, entries: &[LedgerEntry]) -> Result<(), LedgerError> {
        for e in entries {
            writeln!(
                self.out,
                "{} {}",
                hex::encode(e.key),
                hex::encode(e.content)
            )
            .map_err(|source| LedgerError::Io {
                path: self.path.clone(),
                source,
            })?;
        }
        self.written += entries.len();
        Ok(())
    }

    /// Flushes and syncs the file (the lock goes with the file when the ledger is dropped).
    pub fn close(mut self) -> Result<(), LedgerError> {
        let io = |source| LedgerError::Io {
            path: self.path.clone(),
            source,
        };
        self.out.flush().map_err(io)?;
        self.out.get_ref().sync_data().map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("vroeg-ledger-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn remembers_acknowledged_events_across_opens() {
        let d = dir("reopen");
        let path = ledger_path(&d, "vroeg.arrears.v1", "b:9092, A:9092");
        assert_eq!(path, ledger_path(&d, "vroeg.arrears.v1", "a:9092,b:9092,"));
        assert_ne!(path, ledger_path(&d, "vroeg.arrears.v1", "c:9092"));
        let a = LedgerEntry::new("c", "e1", b"{1}");
        let b = LedgerEntry::new("c", "e2", b"{2}");
        let mut l = Ledger::open(&path, "t", "b").unwrap();
        assert_eq!(l.check_and_claim(a), Seen::New);
        assert_eq!(l.check_and_claim(a), Seen::AlreadyDelivered);
        assert_eq!(l.check_and_claim(b), Seen::New);
        // Only `a` was acknowledged.
        l.record(&[a]).unwrap();
        // A second upload while the first runs is refused.
        assert!(matches!(
            Ledger::open(&path, "t", "b"),
            Err(LedgerError::Locked { .. })
        ));
        l.close().unwrap();

        let mut l = Ledger::open(&path, "t", "b").unwrap();
        assert_eq!(l.loaded(), 1);
        assert_eq!(l.check_and_claim(a), Seen::AlreadyDelivered);
        assert_eq!(l.check_and_claim(b), Seen::New);
        let changed = LedgerEntry::new("c", "e1", b"{changed}");
        assert_eq!(l.check_and_claim(changed), Seen::Conflict);
        l.close().unwrap();
        std::fs::remove_dir_all(d).ok();
    }

    #[test]
    fn a_torn_line_is_ignored() {
        let d = dir("torn");
        std::fs::create_dir_all(&d).unwrap();
        let path = d.join("x.ledger");
        let a = LedgerEntry::new("c", "e1", b"{1}");
        let line = format!("{} {}\n", hex::encode(a.key), hex::encode(a.content));
        std::fs::write(&path, format!("# header\n{line}{}", &line[..20])).unwrap();
        let mut l = Ledger::open(&path, "t", "b").unwrap();
        assert_eq!(l.loaded(), 1);
        let b = LedgerEntry::new("c", "e2", b"{2}");
        l.record(&[b]).unwrap();
        l.close().unwrap();
        let l = Ledger::open(&path, "t", "b").unwrap();
        assert_eq!(
            l.loaded(),
            2,
            "the entry after the torn line is on its own line"
        );
        std::fs::remove_dir_all(d).ok();
    }
}
