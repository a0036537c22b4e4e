//! Model 10: the batch semaphore (`sync/batch_semaphore.rs`) and the types on it: a permit hands over exclusive access and the writes made under it, a cancelled acquire passes on whatever it was given (all of it, or the part a writer had collected), `close` fails every waiter without losing a permit, and a once-cell's value is initialized once and seen by every waiter.
#![cfg(loom)]

use loom::cell::UnsafeCell;
use loom::future::block_on;
use loom::sync::atomic::AtomicUsize;
use loom::sync::Arc;
use loom::thread;
use loom_tests::{model, Outcomes};
use runtime::__loom::{BatchSemaphore, TryAcquireError};
use runtime::sync::{Mutex, OnceCell, RwLock, SetOnce};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Context, Poll, Waker};

/// Polls `future` once with a waker that does nothing: the future is
/// queued (if it must wait) but nobody will wake this thread.
fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// Adds one to `cell`: loom checks that no other access to it is
/// concurrent, i.e. that the permit ordered them.
fn bump(cell: &UnsafeCell<usize>) {
    // SAFETY: called only while holding the semaphore's only permit (or
    // the mutex), which is what the model checks.
    cell.with_mut(|p| unsafe { *p += 1 });
}

/// Acquire racing release: one permit, two threads waiting for it in
/// `acquire`, the main thread taking it with `try_acquire` or, if that
/// fails, `acquire`. Each bumps a loom cell under the permit, so a missing
/// happens-before edge between holders, a lost wake-up (a deadlock), or a
/// lost or doubled permit fails the model.
#[test]
fn acquire_release_hands_over_exclusive_access() {
    static SEEN: Outcomes<2> = Outcomes::new(["try_acquire won", "try_acquire lost"]);
    model(|| {
        let sem = Arc::new(BatchSemaphore::new(1));
        let cell = Arc::new(UnsafeCell::new(0usize));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (sem, cell) = (sem.clone(), cell.clone());
                thread::spawn(move || {
                    block_on(sem.acquire(1)).unwrap();
                    bump(&cell);
                    sem.release(1);
                })
            })
            .collect();
        match sem.try_acquire(1) {
            Ok(()) => SEEN.record("try_acquire won"),
            Err(TryAcquireError::NoPermits) => {
                SEEN.record("try_acquire lost");
                block_on(sem.acquire(1)).unwrap();
            }
            Err(TryAcquireError::Closed) => unreachable!("never closed"),
        }
        bump(&cell);
        sem.release(1);
        for t in threads {
            t.join().unwrap();
        }
        // SAFETY: every thread is done with the cell.
        assert_eq!(cell.with(|p| unsafe { *p }), 3);
        assert_eq!(sem.available_permits(), 1, "no permit lost or made");
    });
    SEEN.assert_all_seen("acquire_release_hands_over_exclusive_access");
}

/// Cancel racing a release: the main thread holds the only permit, queues
/// a second acquire and drops it while another thread gives the permit
/// back, and a third thread waits for it. If the release granted the
/// permit to the dropped acquire, its drop must pass it on, or the third
/// thread never wakes (a loom deadlock).
#[test]
fn cancelled_acquire_passes_a_granted_permit_on() {
    static SEEN: Outcomes<2> = Outcomes::new(["queued first", "queued second"]);
    model(|| {
        let sem = Arc::new(BatchSemaphore::new(1));
        sem.try_acquire(1).unwrap(); // given back by `releaser`
        let waiter = {
            let sem = sem.clone();
            thread::spawn(move || {
                block_on(sem.acquire(1)).unwrap();
                sem.release(1);
            })
        };
        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || sem.release(1))
        };
        {
            let mut acquire = pin!(sem.acquire(1));
            match poll_once(acquire.as_mut()) {
                // The permit was free (released, and nobody queued ahead).
                Poll::Ready(r) => {
                    r.unwrap();
                    sem.release(1);
                    SEEN.record("queued first");
                }
                Poll::Pending => SEEN.record("queued second"),
            }
            // Dropped here, racing the release.
        }
        releaser.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(sem.available_permits(), 1, "no permit lost or made");
    });
    SEEN.assert_all_seen("cancelled_acquire_passes_a_granted_permit_on");
}

/// Cancel racing a partial release: a writer queues for 2 permits of an
/// empty semaphore; one permit is released while the writer is dropped,
/// and a reader queued behind it wants 1. Whether the writer had collected
/// that permit or not, the reader gets it.
#[test]
fn cancelled_writer_passes_its_partial_permits_on() {
    model(|| {
        let sem = Arc::new(BatchSemaphore::new(0));
        let mut writer = Box::pin(sem.acquire(2));
        assert!(poll_once(writer.as_mut()).is_pending());
        let reader = {
            let sem = sem.clone();
            thread::spawn(move || {
                block_on(sem.acquire(1)).unwrap();
                sem.release(1);
            })
        };
        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || sem.release(1))
        };
        drop(writer);
        releaser.join().unwrap();
        reader.join().unwrap();
        assert_eq!(sem.available_permits(), 1, "no permit lost or made");
    });
}

/// Close racing acquires: a thread waits for 2 permits of a semaphore that
/// has 1 (it can only fail, and may hold the 1 when it does), another
/// waits for 1, and the main thread closes. Every acquire returns (none is
/// left queued), the first fails, and the permit is back in the count.
#[test]
fn close_fails_every_waiter_and_loses_no_permit() {
    static SEEN: Outcomes<2> = Outcomes::new(["small acquire won", "small acquire closed"]);
    model(|| {
        let sem = Arc::new(BatchSemaphore::new(1));
        let big = {
            let sem = sem.clone();
            thread::spawn(move || assert!(block_on(sem.acquire(2)).is_err()))
        };
        let small = {
            let sem = sem.clone();
            thread::spawn(move || match block_on(sem.acquire(1)) {
                Ok(()) => {
                    sem.release(1);
                    true
                }
                Err(_) => false,
            })
        };
        sem.close();
        big.join().unwrap();
        let won = small.join().unwrap();
        SEEN.record(if won {
            "small acquire won"
        } else {
            "small acquire closed"
        });
        assert!(sem.is_closed());
        assert_eq!(sem.try_acquire(1), Err(TryAcquireError::Closed));
        assert_eq!(sem.available_permits(), 1, "no permit lost or made");
    });
    SEEN.assert_all_seen("close_fails_every_waiter_and_loses_no_permit");
}

/// The public `Mutex` over the semaphore: two threads, one of them trying
/// `try_lock` first; the loom cell inside checks exclusion and ordering.
#[test]
fn mutex_orders_its_holders() {
    model(|| {
        let mutex = Arc::new(Mutex::new(UnsafeCell::new(0usize)));
        let t = {
            let mutex = mutex.clone();
            thread::spawn(move || bump(&block_on(mutex.lock())))
        };
        match mutex.try_lock() {
            Ok(guard) => bump(&guard),
            Err(_) => bump(&block_on(mutex.lock())),
        }
        t.join().unwrap();
        let guard = mutex.try_lock().expect("both guards are gone");
        // SAFETY: the guard is held.
        assert_eq!(guard.with(|p| unsafe { *p }), 2);
    });
}

/// The public `RwLock` (2 readers at most) over the semaphore: a writer
/// that downgrades, racing two readers. The loom cell inside checks that
/// the write excludes the reads (which may overlap each other) and is
/// ordered before them; the downgrade keeps the value locked throughout,
/// so the writer reads back its own write.
#[test]
fn rwlock_writer_excludes_readers_and_downgrades() {
    model(|| {
        let lock = Arc::new(RwLock::with_max_readers(UnsafeCell::new(0usize), 2));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let lock = lock.clone();
                thread::spawn(move || {
                    let guard = block_on(lock.read());
                    // SAFETY: a read guard is held: only shared access.
                    let seen = guard.with(|p| unsafe { *p });
                    assert!(seen <= 1);
                })
            })
            .collect();
        let guard = block_on(lock.write());
        bump(&guard);
        let guard = guard.downgrade();
        // SAFETY: a read guard is held.
        assert_eq!(guard.with(|p| unsafe { *p }), 1);
        drop(guard);
        for r in readers {
            r.join().unwrap();
        }
    });
}

/// `OnceCell::get_or_init` from two threads: one initializer runs, both
/// see its value (the value cell is a loom cell: loom checks the read is
/// ordered after the write).
#[test]
fn once_cell_initializes_once() {
    model(|| {
        let cell = Arc::new(OnceCell::new());
        let inits = Arc::new(AtomicUsize::new(0));
        let init = |cell: &OnceCell<usize>, inits: &AtomicUsize| {
            *block_on(cell.get_or_init(|| async {
                inits.fetch_add(1, SeqCst);
                7
            }))
        };
        let t = {
            let (cell, inits) = (cell.clone(), inits.clone());
            thread::spawn(move || init(&cell, &inits))
        };
        assert_eq!(init(&cell, &inits), 7);
        assert_eq!(t.join().unwrap(), 7);
        assert_eq!(inits.load(SeqCst), 1);
    });
}

/// `SetOnce::set` racing `wait`: the waiter returns the value whether it
/// came before or after the set (close publishes the value).
#[test]
fn set_once_wait_sees_the_value() {
    model(|| {
        let once = Arc::new(SetOnce::new());
        let t = {
            let once = once.clone();
            thread::spawn(move || once.set(7).unwrap())
        };
        assert_eq!(*block_on(once.wait()), 7);
        t.join().unwrap();
        assert!(once.set(8).is_err());
    });
}
