//! How long this process has waited on providers: from sending a request until its whole body
//! has arrived, summed over every request. Benchmarks subtract it from a run's wall time to get
//! the client's own share (the migration budget: at most 10% of the run).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

static WAITED_NANOS: AtomicU64 = AtomicU64::new(0);
static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// One request being waited on.
pub(crate) struct Waiting(Instant);

impl Waiting {
    pub(crate) fn start() -> Self {
        Waiting(Instant::now())
    }

    /// Adds the time since `start` to the totals.
    pub(crate) fn stop(self) {
        let nanos = u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX);
        WAITED_NANOS.fetch_add(nanos, Ordering::Relaxed);
        REQUESTS.fetch_add(1, Ordering::Relaxed);
    }
}

/// Total time spent waiting on providers, and the number of requests answered, since start.
pub fn waited() -> (Duration, u64) {
    (
        Duration::from_nanos(WAITED_NANOS.load(Ordering::Relaxed)),
        REQUESTS.load(Ordering::Relaxed),
    )
}
