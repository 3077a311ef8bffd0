//! When a stage commits its open batch: the one commit-cadence rule of both stages.

use std::time::{Duration, Instant};

/// The open batch of a stage: how much work it holds and since when.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// Input records (and, in the household stage, timer firings) in the batch.
    pub(crate) items: usize,
    /// When the first item went in; `None` for an empty batch.
    pub(crate) started: Option<Instant>,
}

impl Batch {
    /// Counts `n` items into the batch, starting its clock at the first.
    pub(crate) fn add(&mut self, n: usize) {
        if n > 0 {
            self.items += n;
            self.started.get_or_insert_with(Instant::now);
        }
    }

    /// Empties the batch after a commit.
    pub(crate) fn reset(&mut self) {
        *self = Batch::default();
    }

    /// Whether to commit now: the batch is full (`max_items`), or its first item waited
    /// `interval`, or it is empty but something else waits to be committed (`other_changes`:
    /// a restore marker to tombstone, the tick position) and nothing would otherwise carry it.
    pub(crate) fn commit_due(
        &self,
        max_items: usize,
        interval: Duration,
        other_changes: bool,
    ) -> bool {
        self.items >= max_items
            || self.started.is_some_and(|t| t.elapsed() >= interval)
            || (self.started.is_none() && other_changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_old_or_idle_with_changes() {
        let long = Duration::from_secs(3600);
        let mut b = Batch::default();
        assert!(!b.commit_due(3, long, false));
        assert!(b.commit_due(3, long, true));
        b.add(0);
        assert!(b.started.is_none());
        b.add(2);
        assert!(!b.commit_due(3, long, true));
        assert!(b.commit_due(3, Duration::ZERO, false));
        b.add(1);
        assert!(b.commit_due(3, long, false));
        b.reset();
        assert_eq!(b.items, 0);
        assert!(b.started.is_none());
    }
}
