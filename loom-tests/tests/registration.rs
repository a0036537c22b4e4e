//! Model 8: on a real registered socket, a task's readiness poll that replaces its waker, the clear after a `WouldBlock`, and the drop of the registration each race a reactor turn delivering an event, and no readiness is lost, each event wakes one waker once, no event reaches a registration after its drop returned, and every waker is freed. And rule 5: a closed state the owner learns from the OS (not the reactor) races a waiter it satisfies, and the waiter sees it or is woken once.
#![cfg(loom)]

use loom::sync::atomic::{AtomicBool, AtomicUsize};
use loom::thread;
use loom_tests::{model, Outcomes};
use runtime_io::__loom::turn;
use runtime_io::{context, AsyncFd, Handle, Interest, Reactor};
use std::future::Future;
use std::io::{Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts its wake-ups, and those that came after the model
/// marked the registration dropped. Holds a loom `Arc`, so a waker clone
/// left in a source that was never freed is reported by loom as a leak.
struct Counter {
    wakes: AtomicUsize,
    late_wakes: AtomicUsize,
    dropped: AtomicBool,
    _leak_check: loom::sync::Arc<()>,
}

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
        if self.dropped.load(SeqCst) {
            self.late_wakes.fetch_add(1, SeqCst);
        }
    }
}

impl Counter {
    fn new() -> (Arc<Counter>, Waker) {
        let counter = Arc::new(Counter {
            wakes: AtomicUsize::new(0),
            late_wakes: AtomicUsize::new(0),
            dropped: AtomicBool::new(false),
            _leak_check: loom::sync::Arc::new(()),
        });
        (counter.clone(), Waker::from(counter))
    }

    fn wakes(&self) -> usize {
        self.wakes.load(SeqCst)
    }

    /// Checks, once our own `Waker` is dropped, that nobody (a source, the
    /// reactor's turn) still holds a clone of it.
    #[track_caller]
    fn assert_released(self: &Arc<Self>) {
        assert_eq!(Arc::strong_count(self), 1, "a waker clone was kept");
    }
}

/// The key of the one source registered with a fresh reactor.
const KEY: usize = 0;

/// A fresh reactor, entered on the model's main thread, and one end of a
/// socket pair registered with it as an `AsyncFd`; the other end is the
/// peer, left unregistered, that writes to it.
///
/// Each race runs both sides on spawned threads, the main thread only
/// joining them: loom 0.7 does not explore running a spawned thread
/// before the main thread's next atomic access (tokio-rs/loom#392), so a
/// side left on the main thread would always start first.
struct Setup {
    reactor: Arc<Reactor>,
    fd: Arc<AsyncFd<UnixStream>>,
    peer: UnixStream,
    _enter: context::EnterGuard,
}

impl Setup {
    /// As it is registered: ready at tick 0 (rule 3), nothing to read.
    fn fresh() -> Setup {
        let reactor = Reactor::new().unwrap();
        let handle = Handle::new(reactor.clone(), Arc::new(|job| job()));
        let enter = context::enter(Some(handle));
        let (ours, peer) = UnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        let fd = Arc::new(AsyncFd::new(ours).unwrap());
        assert_eq!(reactor.sources_len(), 1);
        Setup {
            reactor,
            fd,
            peer,
            _enter: enter,
        }
    }

    /// As a task leaves it after a read found nothing: readiness cleared,
    /// the task's waker (returned) registered.
    fn waiting() -> (Setup, Arc<Counter>, Waker) {
        let s = Setup::fresh();
        let (counter, waker) = Counter::new();
        assert_eq!(read(&s.fd, &waker), Poll::Pending);
        assert_eq!(counter.wakes(), 0);
        (s, counter, waker)
    }

    /// The reactor's thread: the peer writes a byte, then a turn delivers
    /// the readable edge that write made (an event the poller's wait would
    /// have returned). Returns how many events reached a live source.
    fn spawn_write_and_turn(&mut self) -> thread::JoinHandle<usize> {
        let reactor = self.reactor.clone();
        let mut peer = self.peer.try_clone().unwrap();
        thread::spawn(move || {
            peer.write_all(b"x").unwrap();
            turn(&reactor, &[(KEY, true, false)])
        })
    }

    /// The task's thread: reads from the socket once, with `waker`.
    fn spawn_read(&self, waker: &Waker) -> thread::JoinHandle<(Poll<usize>, usize)> {
        let fd = self.fd.clone();
        let waker = waker.clone();
        thread::spawn(move || read_counting(&fd, &waker))
    }
}

/// A task reading from `fd`, as `AsyncFd`'s doc says to: wait for
/// readiness, read, and on `WouldBlock` (which clears the readiness it
/// saw) wait again. Returns what the poll returned.
fn read(fd: &AsyncFd<UnixStream>, waker: &Waker) -> Poll<usize> {
    read_counting(fd, waker).0
}

/// As [`read`], and how many reads said `WouldBlock` on the way.
fn read_counting(fd: &AsyncFd<UnixStream>, waker: &Waker) -> (Poll<usize>, usize) {
    let mut cx = Context::from_waker(waker);
    let mut would_block = 0;
    loop {
        let mut guard = match fd.poll_read_ready(&mut cx) {
            Poll::Ready(guard) => guard.unwrap(),
            Poll::Pending => return (Poll::Pending, would_block),
        };
        let mut buf = [0; 8];
        match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
            Ok(n) => return (Poll::Ready(n.unwrap()), would_block),
            Err(_) => would_block += 1,
        }
    }
}

/// A task waiting with one waker polls again with a second while a turn
/// delivers an event: the poll returns `Ready`, or it returns `Pending`
/// and the second waker is woken; the event wakes exactly one waker, once,
/// and never the replaced one after the poll that replaced it returned
/// `Pending` (rule 4).
#[test]
fn replace_waker_races_event() {
    static SEEN: Outcomes<3> = Outcomes::new([
        "event first: ready, first waker woken",
        "event while registering: ready, second waker woken",
        "event after: pending, second waker woken",
    ]);
    model(|| {
        let (mut s, first, w1) = Setup::waiting();
        let (second, w2) = Counter::new();
        let reactor = s.spawn_write_and_turn();
        let task = s.spawn_read(&w2);
        let (polled, _) = task.join().unwrap();
        assert_eq!(reactor.join().unwrap(), 1);

        assert_eq!(first.wakes() + second.wakes(), 1, "one event, one wake");
        match polled {
            Poll::Ready(n) => {
                assert_eq!(n, 1);
                SEEN.record(if first.wakes() == 1 {
                    "event first: ready, first waker woken"
                } else {
                    "event while registering: ready, second waker woken"
                });
            }
            Poll::Pending => {
                SEEN.record("event after: pending, second waker woken");
                assert_eq!(first.wakes(), 0, "the replaced waker was woken");
                assert_eq!(second.wakes(), 1, "the readiness was lost");
                assert_eq!(read(&s.fd, &w2), Poll::Ready(1));
            }
        }
        drop(s);
        drop((w1, w2));
        first.assert_released();
        second.assert_released();
    });
    SEEN.assert_all_seen("replace_waker_races_event");
}

/// A task's read races a turn that delivers the first edge (tick 1): a
/// clear after a `WouldBlock` leaves the newer readiness set (rule 2), so
/// the task reads the byte or is woken to read it. (An `AsyncFd` now
/// starts with no readiness, rule 3, so its first read waits for the
/// reactor instead of failing on a guess: a `WouldBlock` before the edge
/// is no longer reachable here, and is not required.)
#[test]
fn clear_races_newer_event() {
    static SEEN: Outcomes<2> = Outcomes::new(["ready", "pending, woken"]);
    model(|| {
        let mut s = Setup::fresh();
        let (counter, waker) = Counter::new();
        let reactor = s.spawn_write_and_turn();
        let task = s.spawn_read(&waker);
        let (polled, would_block) = task.join().unwrap();
        assert_eq!(reactor.join().unwrap(), 1);

        match polled {
            Poll::Ready(n) => {
                assert_eq!(n, 1);
                // Woken once at most: the task registered its waker after
                // its clear, and read the new readiness under the lock
                // (rule 4) before the turn took the waker.
                assert!(counter.wakes() <= 1, "woken twice");
                let _ = would_block;
                SEEN.record("ready");
            }
            Poll::Pending => {
                SEEN.record("pending, woken");
                assert_eq!(counter.wakes(), 1, "the newer readiness was lost");
                assert_eq!(read(&s.fd, &waker), Poll::Ready(1));
            }
        }
        drop(s);
        drop(waker);
        counter.assert_released();
    });
    SEEN.assert_all_seen("clear_races_newer_event");
}

/// A task waiting on a socket drops it (deregistering the fd and removing
/// its source from the reactor's table) while a turn delivers an event
/// for it: once the drop has returned, no event reaches the source; an
/// event delivered before wakes the waiter exactly once (that wake may
/// land after the drop returned: a waker may always be woken spuriously);
/// the source is freed with the waker in it.
#[test]
fn drop_races_event() {
    static SEEN: Outcomes<3> = Outcomes::new([
        "dropped first: event discarded",
        "delivered: woken before the drop returned",
        "delivered before the drop: woken after it returned",
    ]);
    model(|| {
        let (s, counter, waker) = Setup::waiting();
        let Setup {
            reactor,
            fd,
            peer,
            _enter,
        } = s;
        let turner = {
            let reactor = reactor.clone();
            let counter = counter.clone();
            thread::spawn(move || {
                let dropped_before = counter.dropped.load(SeqCst);
                let delivered = turn(&reactor, &[(KEY, true, false)]);
                if dropped_before {
                    assert_eq!(delivered, 0, "an event reached a dropped registration");
                }
                delivered
            })
        };
        let fd = Arc::into_inner(fd).expect("the model holds the only handle");
        let owner = {
            let counter = counter.clone();
            thread::spawn(move || {
                drop(fd);
                counter.dropped.store(true, SeqCst);
            })
        };
        owner.join().unwrap();
        let delivered = turner.join().unwrap();

        assert_eq!(counter.wakes(), delivered, "a delivered event wakes once");
        SEEN.record(match (delivered, counter.late_wakes.load(SeqCst)) {
            (0, _) => "dropped first: event discarded",
            (_, 0) => "delivered: woken before the drop returned",
            _ => "delivered before the drop: woken after it returned",
        });
        assert_eq!(reactor.sources_len(), 0, "the source outlived its drop");
        drop((peer, _enter, reactor, waker));
        counter.assert_released();
    });
    SEEN.assert_all_seen("drop_races_event");
}

/// Rule 5: the peer has shut its write side down and a turn said readable.
/// A guard's `ready()` asks the OS, learns `READ_CLOSED` and records it,
/// while another task waits for priority data, which `READ_CLOSED` also
/// satisfies: the waiter is ready on its poll, or woken exactly once, and
/// its waker is freed.
#[test]
fn closed_state_from_the_os_races_a_waiter() {
    static SEEN: Outcomes<2> = Outcomes::new(["closed first: waiter ready", "waiter first: woken"]);
    model(|| {
        let s = Setup::fresh();
        s.peer.shutdown(Shutdown::Write).unwrap();
        assert_eq!(turn(&s.reactor, &[(KEY, true, false)]), 1);
        let (counter, waker) = Counter::new();

        let owner = {
            let fd = s.fd.clone();
            thread::spawn(move || {
                let mut cx = Context::from_waker(Waker::noop());
                let mut guard = match fd.poll_read_ready(&mut cx) {
                    Poll::Ready(guard) => guard.unwrap(),
                    Poll::Pending => panic!("the turn said readable"),
                };
                assert!(
                    guard.ready().is_read_closed(),
                    "the OS knows the peer closed"
                );
                guard.retain_ready();
            })
        };
        // The waiter keeps its future (and so its registered waker) until
        // the owner is done: it joins the owner before dropping it.
        let waiter = {
            let fd = s.fd.clone();
            let waker = waker.clone();
            thread::spawn(move || {
                let mut cx = Context::from_waker(&waker);
                let mut ready = Box::pin(fd.ready(Interest::PRIORITY));
                let polled = match ready.as_mut().poll(&mut cx) {
                    Poll::Ready(guard) => Some(guard.unwrap().ready()),
                    Poll::Pending => None,
                };
                owner.join().unwrap();
                polled
            })
        };
        let polled = waiter.join().unwrap();
        match polled {
            Some(ready) => {
                assert!(ready.is_read_closed(), "{ready:?}");
                assert!(counter.wakes() <= 1, "woken twice");
                SEEN.record("closed first: waiter ready");
            }
            None => {
                assert_eq!(counter.wakes(), 1, "the closed state was lost");
                SEEN.record("waiter first: woken");
            }
        }
        drop(s);
        drop(waker);
        counter.assert_released();
    });
    SEEN.assert_all_seen("closed_state_from_the_os_races_a_waiter");
}
