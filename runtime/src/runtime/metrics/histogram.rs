//! Log-scale histograms of durations: a per-worker recorder (plain
//! relaxed loads and stores, one writer) and the snapshot users read.
//!
//! # Buckets
//!
//! Bucket 0 holds everything under 1 µs. From 1 µs on, every power of two
//! is cut into four equal buckets: [1, 1.25) µs, [1.25, 1.5) µs, ... up to
//! 2^24 µs ≈ 16.8 s; one last bucket holds the rest. So a value is placed
//! within 25% of itself, from 1 µs to past 10 s, in [`NUM_BUCKETS`] = 98
//! buckets (784 bytes a recorder).

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The unit of the sub-buckets of the first octave: 250 ns.
const QUARTER_US: u64 = 250;
/// Octaves of microseconds, 1 µs to 2^24 µs.
const OCTAVES: usize = 24;
/// How many buckets a histogram has.
pub const NUM_BUCKETS: usize = 2 + OCTAVES * 4;

/// The bucket of a duration of `ns` nanoseconds.
#[inline]
fn bucket_of(ns: u64) -> usize {
    // In quarter microseconds: 4.. for 1 µs and up.
    let q = ns / QUARTER_US;
    if q < 4 {
        return 0;
    }
    let octave = (63 - q.leading_zeros()) as usize - 2;
    if octave >= OCTAVES {
        return NUM_BUCKETS - 1;
    }
    let sub = ((q >> octave) & 3) as usize;
    1 + octave * 4 + sub
}

/// The lower edge of bucket `i`, in nanoseconds.
fn lower_ns(i: usize) -> u64 {
    match i {
        0 => 0,
        i if i == NUM_BUCKETS - 1 => (4 * QUARTER_US) << OCTAVES,
        i => {
            let (octave, sub) = ((i - 1) / 4, (i - 1) % 4);
            ((4 + sub as u64) * QUARTER_US) << octave
        }
    }
}

/// The range of durations bucket `i` holds (the last one ends at
/// `Duration::MAX`).
///
/// # Panics
/// If `i` is not below [`NUM_BUCKETS`].
pub fn bucket_range(i: usize) -> Range<Duration> {
    assert!(
        i < NUM_BUCKETS,
        "bucket {i} of a histogram of {NUM_BUCKETS}"
    );
    let end = if i == NUM_BUCKETS - 1 {
        Duration::MAX
    } else {
        Duration::from_nanos(lower_ns(i + 1))
    };
    Duration::from_nanos(lower_ns(i))..end
}

/// What one worker records into; read from any thread.
pub(crate) struct Recorder {
    buckets: [AtomicU64; NUM_BUCKETS],
    /// The sum of the recorded values, for the mean.
    sum_ns: AtomicU64,
}

impl Recorder {
    pub(crate) fn new() -> Recorder {
        Recorder {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_ns: AtomicU64::new(0),
        }
    }

    /// Adds one value. Only the recorder's worker calls it, so a load and a
    /// store do (no read-modify-write).
    #[inline]
    pub(crate) fn record(&self, ns: u64) {
        bump(&self.buckets[bucket_of(ns)], 1);
        bump(&self.sum_ns, ns);
    }

    /// Adds this recorder's counts to `into`.
    pub(crate) fn add_to(&self, into: &mut Histogram) {
        for (count, bucket) in into.counts.iter_mut().zip(&self.buckets) {
            *count += bucket.load(Ordering::Relaxed);
        }
        into.sum_ns = into
            .sum_ns
            .saturating_add(self.sum_ns.load(Ordering::Relaxed));
    }
}

/// Adds `n` to a counter that only one thread writes: a relaxed load and
/// store, which cost what a plain add does (an RMW would lock the bus).
#[inline]
pub(crate) fn bump(counter: &AtomicU64, n: u64) {
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(n),
        Ordering::Relaxed,
    );
}

/// A snapshot of a histogram of durations
/// ([`RuntimeMetrics::poll_time_histogram`](super::RuntimeMetrics::poll_time_histogram),
/// [`schedule_latency_histogram`](super::RuntimeMetrics::schedule_latency_histogram)).
/// See [`bucket_range`](Self::bucket_range) for the buckets.
#[derive(Clone, PartialEq, Eq)]
pub struct Histogram {
    counts: Box<[u64; NUM_BUCKETS]>,
    sum_ns: u64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram::new()
    }
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Histogram {
        Histogram {
            counts: Box::new([0; NUM_BUCKETS]),
            sum_ns: 0,
        }
    }

    /// How many buckets there are (98).
    pub fn num_buckets(&self) -> usize {
        NUM_BUCKETS
    }

    /// The range of durations bucket `i` holds: bucket 0 is under 1 µs;
    /// from 1 µs each power of two is cut into four; the last bucket holds
    /// everything from 2^24 µs (16.8 s) on.
    ///
    /// # Panics
    /// If `i` is not below [`num_buckets`](Self::num_buckets).
    pub fn bucket_range(&self, i: usize) -> Range<Duration> {
        bucket_range(i)
    }

    /// How many values bucket `i` holds.
    ///
    /// # Panics
    /// If `i` is not below [`num_buckets`](Self::num_buckets).
    pub fn bucket_count(&self, i: usize) -> u64 {
        self.counts[i]
    }

    /// The non-empty buckets, in order: each range and its count.
    pub fn buckets(&self) -> impl Iterator<Item = (Range<Duration>, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(i, &n)| (bucket_range(i), n))
    }

    /// How many values were recorded.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The mean of the recorded values (exact, not bucketed); zero if
    /// none were.
    pub fn mean(&self) -> Duration {
        match self.count() {
            0 => Duration::ZERO,
            n => Duration::from_nanos(self.sum_ns / n),
        }
    }

    /// The value below which `p` percent of the recorded values lie
    /// (`p` from 0 to 100), interpolated linearly within its bucket, so
    /// within 25% of the true value from 1 µs on; `None` if nothing was
    /// recorded.
    ///
    /// # Panics
    /// If `p` is not within 0 to 100.
    pub fn percentile(&self, p: f64) -> Option<Duration> {
        assert!(
            (0.0..=100.0).contains(&p),
            "a percentile is within 0 to 100, not {p}"
        );
        let total = self.count();
        if total == 0 {
            return None;
        }
        // The rank of the value, 1-based: at least the first one.
        let rank = ((p / 100.0 * total as f64).ceil() as u64).clamp(1, total);
        let mut below = 0;
        for (i, &n) in self.counts.iter().enumerate() {
            if below + n >= rank {
                let lower = lower_ns(i);
                if i == NUM_BUCKETS - 1 {
                    return Some(Duration::from_nanos(lower));
                }
                let width = lower_ns(i + 1) - lower;
                let within = (rank - below) as f64 / n as f64;
                return Some(Duration::from_nanos(lower + (width as f64 * within) as u64));
            }
            below += n;
        }
        unreachable!("the ranks add up to the count")
    }

    /// Adds `other`'s values to this one.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += b;
        }
        self.sum_ns = self.sum_ns.saturating_add(other.sum_ns);
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Histogram");
        d.field("count", &self.count());
        if self.count() > 0 {
            d.field("mean", &self.mean())
                .field("p50", &self.percentile(50.0).unwrap_or_default())
                .field("p99", &self.percentile(99.0).unwrap_or_default())
                .field("max_bucket", &self.buckets().last().map(|(r, _)| r));
        }
        d.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_hold_their_values() {
        for i in 0..NUM_BUCKETS - 1 {
            assert_eq!(bucket_range(i).end, bucket_range(i + 1).start, "bucket {i}");
        }
        assert_eq!(bucket_range(1).start, Duration::from_micros(1));
        assert!(bucket_range(NUM_BUCKETS - 2).end > Duration::from_secs(10));
        for ns in [
            0,
            999,
            1000,
            1249,
            1250,
            1999,
            2000,
            123_456,
            9_999_999_999,
            u64::MAX,
        ] {
            let range = bucket_range(bucket_of(ns));
            let d = Duration::from_nanos(ns);
            assert!(range.start <= d && d < range.end, "{ns} ns in {range:?}");
        }
    }

    #[test]
    fn percentiles_of_a_known_mix() {
        let r = Recorder::new();
        for _ in 0..90 {
            r.record(10_000); // 10 µs
        }
        for _ in 0..10 {
            r.record(5_000_000); // 5 ms
        }
        let mut h = Histogram::new();
        r.add_to(&mut h);
        assert_eq!(h.count(), 100);
        let p50 = h.percentile(50.0).unwrap();
        assert!(
            p50 >= Duration::from_micros(8) && p50 <= Duration::from_micros(12),
            "{p50:?}"
        );
        let p99 = h.percentile(99.0).unwrap();
        assert!(
            p99 >= Duration::from_millis(4) && p99 <= Duration::from_millis(6),
            "{p99:?}"
        );
        assert_eq!(
            h.mean(),
            Duration::from_nanos((90 * 10_000 + 10 * 5_000_000) / 100)
        );
        assert_eq!(Histogram::new().percentile(50.0), None);
    }
}
