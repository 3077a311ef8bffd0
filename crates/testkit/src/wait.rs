//! Waiting by polling with a deadline: tests never sleep for a fixed time to "let things happen".

use std::time::{Duration, Instant};

use crate::TestkitError;

/// How often [`wait_for`] looks again.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Calls `check` until it returns `Some` or `within` has passed; `step` runs between tries
/// (e.g. a producer's `poll`), so nothing sleeps blindly.
pub fn wait_until<T>(
    within: Duration,
    what: &str,
    mut check: impl FnMut() -> Option<T>,
    mut step: impl FnMut(Duration),
) -> Result<T, TestkitError> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = check() {
            return Ok(v);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(TestkitError::Timeout {
                what: what.to_owned(),
                waited: within,
            });
        }
        step((deadline - now).min(Duration::from_millis(100)));
    }
}

/// Polls `condition` (every 20 ms) until it holds, or [`TestkitError::Timeout`] naming `what`
/// once `within` has passed.
pub fn wait_for(
    within: Duration,
    what: &str,
    mut condition: impl FnMut() -> bool,
) -> Result<(), TestkitError> {
    wait_until(
        within,
        what,
        || condition().then_some(()),
        |left| std::thread::sleep(left.min(POLL_INTERVAL)),
    )
}
