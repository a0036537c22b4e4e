//! What the current task waits on, for task dumps.
//!
//! Each task cell owns a [`WaitSlot`]. The scheduler resets it to
//! [`WaitsOn::Unknown`] at the start of each poll ([`poll`]); a runtime
//! resource that is about to return `Pending` calls [`record`] with what
//! it is, which finds the slot of the task being polled on this thread
//! through the function the runtime registered ([`set_current_slot`]: it
//! reads the runtime's own current-task thread-local, so a poll sets no
//! second one) and does one relaxed store. The last record of a poll wins,
//! so a task whose poll returned `Pending` shows the resource that made it
//! wait, and one whose future waits on something of another crate shows
//! `Unknown` ("something outside the runtime").
//!
//! It lives here, beside the budget, because the resources are in three
//! crates that do not depend on each other (`runtime`, `runtime-io`,
//! `runtime-timer`).
//!
//! # The slot word
//!
//! One `AtomicU64`: the kind in the top 8 bits, a payload in the low 56
//! (a deadline in nanoseconds since [`epoch`], an fd, a task id, or a
//! resource's address, which tells two waits on one resource apart).
//! Readers (a dump, on any thread) load it with `Relaxed`: it is a
//! diagnostic, ordered with nothing.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const KIND_SHIFT: u32 = 56;
const PAYLOAD: u64 = (1 << KIND_SHIFT) - 1;

/// A runtime resource a task can wait on, as [`record`]ed by it.
///
/// `#[non_exhaustive]`: new resources add variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitsOn {
    /// No runtime resource recorded a wait in the last poll: the future
    /// waits on something outside the runtime (or has not been polled).
    Unknown,
    /// A timer (`sleep`, `sleep_until`, `timeout`, `interval`) due at
    /// `deadline`.
    Sleep {
        /// When it is due.
        deadline: Instant,
    },
    /// An IO operation (or readiness wait) on the registered fd `fd`:
    /// reading (or accepting, receiving) if `read`, else writing.
    Io {
        /// The file descriptor.
        fd: i32,
        /// Read direction (`read`, `accept`, `recv`, `readable`), else
        /// write.
        read: bool,
    },
    /// The `JoinHandle` of the task (async or blocking) with this id.
    Join {
        /// The awaited task's id (`task::Id`'s value).
        task: u64,
    },
    /// A sync primitive, at `addr` (to tell instances apart).
    Sync {
        /// Which primitive.
        kind: SyncKind,
        /// Its address.
        addr: usize,
    },
}

/// The sync primitives of [`WaitsOn::Sync`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[repr(u8)]
pub enum SyncKind {
    /// `sync::Mutex::lock`.
    Mutex = 1,
    /// `sync::RwLock` read or write lock.
    RwLock,
    /// `sync::Semaphore::acquire`.
    Semaphore,
    /// `sync::Notify::notified`.
    Notify,
    /// An `mpsc` receiver's `recv`.
    MpscRecv,
    /// An `mpsc` sender waiting for capacity.
    MpscSend,
    /// A `oneshot` receiver.
    Oneshot,
    /// A `watch` receiver's `changed`.
    Watch,
    /// A `broadcast` receiver's `recv`.
    Broadcast,
    /// `sync::Barrier::wait`.
    Barrier,
    /// A `OnceCell` or `SetOnce` being initialized by another task.
    OnceCell,
}

impl SyncKind {
    const ALL: [SyncKind; 11] = [
        SyncKind::Mutex,
        SyncKind::RwLock,
        SyncKind::Semaphore,
        SyncKind::Notify,
        SyncKind::MpscRecv,
        SyncKind::MpscSend,
        SyncKind::Oneshot,
        SyncKind::Watch,
        SyncKind::Broadcast,
        SyncKind::Barrier,
        SyncKind::OnceCell,
    ];

    /// The primitive's name, as a user writes it (`"Mutex"`, `"mpsc recv"`).
    pub fn name(self) -> &'static str {
        match self {
            SyncKind::Mutex => "Mutex",
            SyncKind::RwLock => "RwLock",
            SyncKind::Semaphore => "Semaphore",
            SyncKind::Notify => "Notify",
            SyncKind::MpscRecv => "mpsc recv",
            SyncKind::MpscSend => "mpsc send",
            SyncKind::Oneshot => "oneshot",
            SyncKind::Watch => "watch",
            SyncKind::Broadcast => "broadcast",
            SyncKind::Barrier => "Barrier",
            SyncKind::OnceCell => "OnceCell",
        }
    }
}

// Kinds in the top byte; 0 is `Unknown`, so a zeroed slot reads as it.
const K_UNKNOWN: u64 = 0;
const K_SLEEP: u64 = 1;
const K_IO_READ: u64 = 2;
const K_IO_WRITE: u64 = 3;
const K_JOIN: u64 = 4;
/// Not a wait: a scheduler's time stamp, between a wake and the poll it
/// leads to ([`WaitSlot::set_stamp`]); reads as `Unknown`.
const K_STAMP: u64 = 5;
/// `K_SYNC + SyncKind as u64`.
const K_SYNC: u64 = 16;

/// The instant deadlines are stored relative to: fixed at first use.
pub fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

impl WaitsOn {
    #[inline]
    fn encode(self) -> u64 {
        let (kind, payload) = match self {
            WaitsOn::Unknown => (K_UNKNOWN, 0),
            WaitsOn::Sleep { deadline } => {
                let nanos = deadline.saturating_duration_since(epoch()).as_nanos();
                (
                    K_SLEEP,
                    u64::try_from(nanos).unwrap_or(PAYLOAD).min(PAYLOAD),
                )
            }
            WaitsOn::Io { fd, read } => {
                (if read { K_IO_READ } else { K_IO_WRITE }, fd as u32 as u64)
            }
            WaitsOn::Join { task } => (K_JOIN, task & PAYLOAD),
            WaitsOn::Sync { kind, addr } => (K_SYNC + kind as u64, addr as u64 & PAYLOAD),
        };
        (kind << KIND_SHIFT) | payload
    }

    fn decode(word: u64) -> WaitsOn {
        let payload = word & PAYLOAD;
        match word >> KIND_SHIFT {
            K_SLEEP => WaitsOn::Sleep {
                deadline: epoch() + Duration::from_nanos(payload),
            },
            K_IO_READ => WaitsOn::Io {
                fd: payload as u32 as i32,
                read: true,
            },
            K_IO_WRITE => WaitsOn::Io {
                fd: payload as u32 as i32,
                read: false,
            },
            K_JOIN => WaitsOn::Join { task: payload },
            k if k > K_SYNC && k <= K_SYNC + SyncKind::ALL.len() as u64 => WaitsOn::Sync {
                kind: SyncKind::ALL[(k - K_SYNC - 1) as usize],
                addr: payload as usize,
            },
            _ => WaitsOn::Unknown,
        }
    }
}

impl fmt::Display for WaitsOn {
    /// One phrase, for a dump line: `sleep (due in 40 ms)`, `read on fd 7`,
    /// `JoinHandle of task 12`, `Mutex 0x55d0...`. A dump that knows more
    /// (a socket's peer address, the awaited task's name) says it itself.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            WaitsOn::Unknown => f.write_str("something outside the runtime"),
            WaitsOn::Sleep { deadline } => {
                let now = Instant::now();
                if deadline > now {
                    write!(f, "sleep (due in {:?})", deadline - now)
                } else {
                    write!(f, "sleep (due {:?} ago)", now - deadline)
                }
            }
            WaitsOn::Io { fd, read: true } => write!(f, "read on fd {fd}"),
            WaitsOn::Io { fd, read: false } => write!(f, "write on fd {fd}"),
            WaitsOn::Join { task } => write!(f, "JoinHandle of task {task}"),
            WaitsOn::Sync { kind, addr } => write!(f, "{} {addr:#x}", kind.name()),
        }
    }
}

/// A task's record of what it waits on; see the module doc.
#[derive(Default)]
pub struct WaitSlot(AtomicU64);

impl WaitSlot {
    /// An empty slot (`Unknown`).
    pub const fn new() -> WaitSlot {
        WaitSlot(AtomicU64::new(0))
    }

    /// What the last poll recorded.
    pub fn get(&self) -> WaitsOn {
        WaitsOn::decode(self.0.load(Ordering::Relaxed))
    }

    /// Sets the record (also for a waiter outside a poll, such as a
    /// blocking `JoinHandle`).
    pub fn set(&self, what: WaitsOn) {
        self.0.store(what.encode(), Ordering::Relaxed);
    }

    /// Stores a scheduler's time stamp in place of the record: a wake does
    /// it for the schedule-latency sample, when the task is queued and its
    /// record no longer says what it waits on. The next poll's reset
    /// clears it.
    pub fn set_stamp(&self, stamp: u32) {
        self.0.store(
            (K_STAMP << KIND_SHIFT) | u64::from(stamp),
            Ordering::Relaxed,
        );
    }

    /// The stamp, if the slot holds one (read before the poll's reset).
    #[inline]
    pub fn stamp(&self) -> Option<u32> {
        let word = self.0.load(Ordering::Relaxed);
        (word >> KIND_SHIFT == K_STAMP).then_some(word as u32)
    }
}

impl fmt::Debug for WaitSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

/// How [`record`] finds the current task's slot ([`set_current_slot`]).
static CURRENT_SLOT: OnceLock<fn() -> *const WaitSlot> = OnceLock::new();

/// Registers how [`record`] finds the slot of the task being polled (or
/// dropped) on this thread: `current` returns it, or null outside a task.
/// Only the first registration in a process counts.
///
/// # Safety
/// A non-null pointer that `current` returns must point to a `WaitSlot`
/// that stays alive until the current task's poll (or drop) on this thread
/// ends, which is longer than any `record` call it serves.
pub unsafe fn set_current_slot(current: fn() -> *const WaitSlot) {
    let _ = CURRENT_SLOT.set(current);
}

/// One task poll: runs `f` with a fresh cooperative budget (as
/// [`budget`](crate::budget)) after resetting `slot` to `Unknown`,
/// restoring the budget afterwards, also if `f` unwinds.
#[inline]
pub fn poll<R>(slot: &WaitSlot, f: impl FnOnce() -> R) -> R {
    struct Restore(u8);
    impl Drop for Restore {
        #[inline]
        fn drop(&mut self) {
            crate::restore_budget(self.0);
        }
    }
    slot.0.store(0, Ordering::Relaxed);
    let _restore = Restore(crate::swap_budget(crate::INITIAL));
    f()
}

/// A resource about to return `Pending`: the current task now waits on
/// `what`. Outside a task poll it does nothing.
#[inline]
pub fn record(what: WaitsOn) {
    if let Some(current) = CURRENT_SLOT.get() {
        let slot = current();
        if !slot.is_null() {
            // SAFETY: `set_current_slot`'s contract: a non-null slot lives
            // until the current poll ends, and this call is inside it.
            unsafe { &*slot }.set(what);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        let deadline = epoch() + Duration::from_millis(1500);
        let cases = [
            WaitsOn::Unknown,
            WaitsOn::Sleep { deadline },
            WaitsOn::Io { fd: 7, read: true },
            WaitsOn::Io { fd: 0, read: false },
            WaitsOn::Join { task: 12 },
        ]
        .into_iter()
        .chain(SyncKind::ALL.iter().map(|&kind| WaitsOn::Sync {
            kind,
            addr: 0x55d0_1234_5678,
        }));
        for what in cases {
            assert_eq!(WaitsOn::decode(what.encode()), what);
        }
    }

    std::thread_local! {
        static TEST_CURRENT: std::cell::Cell<*const WaitSlot> =
            const { std::cell::Cell::new(std::ptr::null()) };
    }

    fn test_current() -> *const WaitSlot {
        TEST_CURRENT.with(|c| c.get())
    }

    /// `f` with `slot` as the current slot, as a runtime's poll would.
    fn polled(slot: &WaitSlot, f: impl FnOnce()) {
        // SAFETY: `test_current` returns a slot only while `polled` runs,
        // and the caller's `slot` outlives that.
        unsafe { set_current_slot(test_current) };
        let previous = TEST_CURRENT.with(|c| c.replace(slot));
        poll(slot, f);
        TEST_CURRENT.with(|c| c.set(previous));
    }

    #[test]
    fn a_stamp_is_no_wait_and_the_poll_clears_it() {
        let slot = WaitSlot::new();
        assert_eq!(slot.stamp(), None);
        slot.set_stamp(u32::MAX);
        assert_eq!(slot.stamp(), Some(u32::MAX));
        assert_eq!(slot.get(), WaitsOn::Unknown);
        polled(&slot, || {});
        assert_eq!(slot.stamp(), None);
        slot.set(WaitsOn::Join { task: 3 });
        assert_eq!(slot.stamp(), None);
    }

    #[test]
    fn record_writes_the_current_slot_only_inside_a_poll() {
        let slot = WaitSlot::new();
        record(WaitsOn::Join { task: 1 });
        assert_eq!(slot.get(), WaitsOn::Unknown);
        slot.set(WaitsOn::Join { task: 9 });
        polled(&slot, || {
            // Reset at the start of the poll.
            assert_eq!(slot.get(), WaitsOn::Unknown);
            let inner = WaitSlot::new();
            polled(&inner, || record(WaitsOn::Join { task: 2 }));
            assert_eq!(inner.get(), WaitsOn::Join { task: 2 });
            record(WaitsOn::Join { task: 3 });
        });
        assert_eq!(slot.get(), WaitsOn::Join { task: 3 });
        record(WaitsOn::Join { task: 4 });
        assert_eq!(slot.get(), WaitsOn::Join { task: 3 });
    }
}
