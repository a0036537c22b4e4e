//! [`Sleep`], and the [`Timer`] state that `Sleep`, `Timeout` and
//! `Interval` share.

use crate::context;
use crate::driver::{Armed, Driver, Reset, SHUTDOWN_MESSAGE};
use crate::entry::{Entry, Fired};
use crate::Instant;
use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Waits until `duration` has elapsed.
///
/// The returned [`Sleep`] does nothing until polled. A `duration` too large
/// to add to now means "about 30 years". A sleep never completes early.
///
/// ```
/// use runtime::time::{sleep, Duration, Instant};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let start = Instant::now();
/// sleep(Duration::from_millis(5)).await;
/// assert!(start.elapsed() >= Duration::from_millis(5));
/// # });
/// ```
///
/// # Panics
///
/// Outside a runtime, or in a runtime built without time (checked here,
/// when the `Sleep` is created).
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(deadline_after(duration))
}

/// Waits until `deadline` is reached. A deadline in the past completes on
/// the first poll, without touching the timer wheel.
///
/// ```
/// use runtime::time::{sleep_until, Duration, Instant};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let deadline = Instant::now() + Duration::from_millis(3);
/// sleep_until(deadline).await;
/// assert!(Instant::now() >= deadline);
///
/// // A deadline in the past: done at once.
/// let past = sleep_until(deadline - Duration::from_secs(1));
/// assert_eq!(past.deadline(), deadline - Duration::from_secs(1));
/// past.await;
/// # });
/// ```
///
/// # Panics
///
/// As [`sleep`].
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        timer: Timer::new(deadline),
        _pinned: PhantomPinned,
    }
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// It is `!Unpin`: await it directly, or pin it (`std::pin::pin!`,
/// `Box::pin`) to poll it by reference or [`reset`](Sleep::reset) it.
/// Dropping it cancels the timer.
///
/// ```
/// use runtime::time::{self, Duration, Instant};
/// use std::pin::pin;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let mut sleep = pin!(time::sleep(Duration::from_secs(3600)));
/// assert!(!sleep.is_elapsed());
/// // An hour is too long: move the deadline closer.
/// let soon = Instant::now() + Duration::from_millis(2);
/// sleep.as_mut().reset(soon);
/// assert_eq!(sleep.deadline(), soon);
/// sleep.as_mut().await;
/// assert!(sleep.is_elapsed());
/// assert!(Instant::now() >= soon);
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    timer: Timer,
    /// Reserved: lets a later version keep its timer entry inline.
    _pinned: PhantomPinned,
}

impl Sleep {
    /// The instant at which this sleep completes.
    ///
    /// ```
    /// use runtime::time::{sleep_until, Duration, Instant};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # let _enter = rt.enter();
    /// let at = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(sleep_until(at).deadline(), at);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.timer.deadline()
    }

    /// Whether this sleep has completed: it returned `Ready`, or its timer
    /// fired and the next poll will.
    ///
    /// ```
    /// use runtime::time::{sleep, Duration};
    /// use std::pin::pin;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut nap = pin!(sleep(Duration::from_millis(1)));
    /// assert!(!nap.is_elapsed());
    /// nap.as_mut().await;
    /// assert!(nap.is_elapsed());
    /// # });
    /// ```
    pub fn is_elapsed(&self) -> bool {
        self.timer.is_elapsed()
    }

    /// Changes the deadline, whether or not the sleep has completed; it
    /// then completes at `deadline`, and a timer already waiting is moved
    /// in place (no new allocation). A deadline in the past makes the next
    /// poll complete.
    ///
    /// A common use: a deadline pushed back on each event (an idle
    /// timeout), without making a new timer each time.
    ///
    /// ```
    /// use runtime::sync::mpsc;
    /// use runtime::time::{self, Duration, Instant};
    /// use std::pin::pin;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (tx, mut rx) = mpsc::channel(8);
    /// for i in 0..3 {
    ///     tx.send(i).await.unwrap();
    /// }
    /// let idle = Duration::from_millis(5);
    /// let mut idle_timer = pin!(time::sleep(idle));
    /// let mut got = Vec::new();
    /// loop {
    ///     runtime::select! {
    ///         Some(v) = rx.recv() => {
    ///             got.push(v);
    ///             idle_timer.as_mut().reset(Instant::now() + idle);
    ///         }
    ///         _ = idle_timer.as_mut() => break, // nothing for 5 ms
    ///     }
    /// }
    /// assert_eq!(got, [0, 1, 2]);
    /// # drop(tx);
    /// # });
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        self.timer_mut().reset(deadline);
    }

    fn timer_mut(self: Pin<&mut Self>) -> &mut Timer {
        // SAFETY: `Sleep`'s pinning is not structural for `timer`: `Timer`
        // is `Unpin` and nothing relies on its address; we never move a
        // `Sleep` out of the pin either, we only hand out `&mut Timer`.
        unsafe { &mut self.get_unchecked_mut().timer }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.timer_mut().poll_elapsed(cx)
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.timer.deadline)
            .field("elapsed", &self.timer.is_elapsed())
            .finish()
    }
}

/// `now + duration`, or about 30 years from now if that overflows.
pub(crate) fn deadline_after(duration: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(duration).unwrap_or_else(|| far_future(now))
}

/// About 30 years after `from`: "never", for a timer.
pub(crate) fn far_future(from: Instant) -> Instant {
    from + Duration::from_secs(86_400 * 365 * 30)
}

/// One timer: a deadline, and an entry in the driver once it had to wait.
///
/// The entry is allocated the first time the timer waits (a timer that
/// completes at once costs no allocation and no lock) and reused for every
/// later deadline. `Timer` is `Unpin`.
pub(crate) struct Timer {
    deadline: Instant,
    /// From the first time the timer had to wait; kept for reuse.
    /// `ManuallyDrop`, so `Timer` has no drop glue but its own `drop`,
    /// whose common case (never armed) inlines to one check.
    registration: Option<ManuallyDrop<Registration>>,
    /// The entry was armed for the current deadline: it is in the wheel,
    /// or has fired and we have not seen it yet.
    armed: bool,
    /// We returned `Ready` for the current deadline.
    elapsed: bool,
}

struct Registration {
    driver: Arc<Driver>,
    entry: Arc<Entry>,
}

impl Timer {
    /// A timer for `deadline`, not yet armed.
    ///
    /// # Panics
    ///
    /// If this thread has no timer driver.
    #[track_caller]
    pub(crate) fn new(deadline: Instant) -> Timer {
        context::assert_entered();
        Timer {
            deadline,
            registration: None,
            armed: false,
            elapsed: false,
        }
    }

    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    pub(crate) fn is_elapsed(&self) -> bool {
        match &self.registration {
            Some(registration) if self.armed => registration.entry.is_fired(),
            _ => self.elapsed,
        }
    }

    /// `Ready` once the deadline is reached. The first poll that must wait
    /// arms the timer; later ones only refresh the waker (no lock).
    ///
    /// # Panics
    ///
    /// If the driver has shut down, or (first wait only) this thread has no
    /// timer driver.
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        // An elapsed timer costs one unit of the task's cooperative budget.
        let mut coop = std::task::ready!(runtime_coop::poll_proceed(cx));
        let elapsed = self.poll_elapsed_unbudgeted(cx);
        if elapsed.is_ready() {
            coop.made_progress();
        }
        elapsed
    }

    fn poll_elapsed_unbudgeted(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.armed {
            let entry = &self.registration.as_ref().expect("armed").entry;
            return match entry.poll_fired(cx.waker()) {
                Poll::Pending => {
                    // For task dumps: what this task waits on (one store).
                    runtime_coop::wait::record(runtime_coop::wait::WaitsOn::Sleep {
                        deadline: self.deadline().into_std(),
                    });
                    Poll::Pending
                }
                Poll::Ready(Fired::Deadline) => {
                    // The entry is out of the wheel (entry.rs rule 4).
                    self.armed = false;
                    self.elapsed = true;
                    Poll::Ready(())
                }
                Poll::Ready(Fired::Shutdown) => {
                    self.armed = false;
                    panic!("{SHUTDOWN_MESSAGE}");
                }
            };
        }
        if self.elapsed {
            return Poll::Ready(());
        }
        let now = self.now();
        if self.deadline <= now {
            self.elapsed = true;
            return Poll::Ready(());
        }
        let registration = self.registration.get_or_insert_with(|| {
            ManuallyDrop::new(Registration {
                driver: context::driver(),
                entry: Arc::new(Entry::new()),
            })
        });
        match registration.driver.arm(
            &registration.entry,
            self.deadline.into_std(),
            now.into_std(),
        ) {
            Armed::Due => {
                self.elapsed = true;
                Poll::Ready(())
            }
            Armed::Pending => {
                self.armed = true;
                // Registers the waker (or finds that it fired already).
                self.poll_elapsed(cx)
            }
        }
    }

    /// The time on the clock of the timer's driver (the thread's, before
    /// the timer first waited).
    fn now(&self) -> Instant {
        match &self.registration {
            Some(registration) => Instant::from_std(registration.driver.now()),
            None => Instant::now(),
        }
    }

    /// Moves the deadline. A timer waiting in the wheel is re-filed at
    /// once (or fires at once, waking its waker, if the deadline has
    /// passed); otherwise the timer is armed on its next poll.
    pub(crate) fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        self.elapsed = false;
        if !self.armed {
            return;
        }
        let registration = self.registration.as_ref().expect("armed");
        let now = registration.driver.now();
        match registration
            .driver
            .reset(&registration.entry, deadline.into_std(), now)
        {
            // Still armed for the new deadline: in the wheel, or fired.
            Reset::Moved | Reset::Fired => {}
            // It fired for the old deadline: arm again on the next poll.
            Reset::NotArmed => self.armed = false,
        }
    }
}

impl Drop for Timer {
    #[inline]
    fn drop(&mut self) {
        if self.registration.is_some() {
            self.release();
        }
    }
}

impl Timer {
    /// Takes the entry out of the wheel if it is still there, and drops
    /// the registration. Out of line: `drop` of a timer that never waited
    /// (a `timeout` whose future was ready) stays one inlined check.
    #[cold]
    #[inline(never)]
    fn release(&mut self) {
        let Some(registration) = self.registration.take() else {
            return;
        };
        let registration = ManuallyDrop::into_inner(registration);
        // A fired entry is out of the wheel (entry.rs rule 4): no lock.
        if self.armed && !registration.entry.is_fired() {
            registration.driver.cancel(&registration.entry);
        }
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("deadline", &self.deadline)
            .field("armed", &self.armed)
            .field("elapsed", &self.is_elapsed())
            .finish()
    }
}
