//! How many writes a provider is answering at once, as the quirk proxy sees them: a client
//! sending changes side by side shows more than one, a paced or one-at-a-time client one.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Writes (any method but GET) in flight now, and the most seen at once.
#[derive(Debug, Default)]
pub struct WriteGauge {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl WriteGauge {
    /// The most writes that were in flight at once.
    pub fn most(&self) -> usize {
        self.most.load(Ordering::SeqCst)
    }

    /// Starts forgetting what was seen (a new phase of a test).
    pub fn reset(&self) {
        self.most
            .store(self.now.load(Ordering::SeqCst), Ordering::SeqCst);
    }

    /// Counts one write until the returned guard is dropped (its answer sent, or the
    /// connection gone).
    pub fn enter(&self) -> InFlight<'_> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        InFlight(self)
    }
}

/// One write in flight.
pub struct InFlight<'a>(&'a WriteGauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}
