//! The core that the bounded and the unbounded channel share: the queue,
//! the receiver's waker, the close flags and the sender counts.
//!
//! # Design
//!
//! The values wait in a `VecDeque` under one lock, beside the receiver's
//! waker and the flags; a send and a receive each take the lock once.
//! The capacity of a bounded channel is not in this lock: it is the batch
//! semaphore's (`bounded.rs`), whose FIFO of waiting senders gives the
//! backpressure its order. A sender first holds a *permit* (a slot),
//! then queues its value; the receiver gives the slot back after taking
//! the value out. The unbounded channel has no permits ([`Unbounded`]).
//!
//! # Rules
//!
//! 1. **Nothing foreign runs under the lock.** Values and wakers are
//!    taken out of the state and dropped or woken once it is released,
//!    so a value's or a waker's `drop` may use the channel again (even
//!    send on it) without deadlocking. (A waker's `clone` runs under it.)
//! 2. **A value for a dropped receiver is never queued**: once `rx_dropped`
//!    is set (under the lock, when the queue is emptied), a send hands its
//!    value back to be dropped by the sender. So dropping the receiver
//!    drops every value at once, even while senders live.
//! 3. **The receiver is finished** (`recv` returns `None`) once the queue
//!    is empty and either every sender is gone, or the receiver closed
//!    the channel and no permit is out ([`Capacity::is_idle`]: a permit
//!    taken before the close may still send).
//! 4. **Whatever can finish the receiver wakes it**: the last sender's
//!    drop, and a permit given back unused after the close
//!    ([`Chan::permits_returned`], which checks rule 3 under the lock).
//!
//! # Memory ordering
//!
//! The values and flags are published by the lock. The sender count is
//! an atomic: a clone is `Relaxed` (the cloner holds a sender, so the
//! count cannot reach zero meanwhile), a drop `AcqRel`, and the last drop
//! then sets `tx_closed` under the lock, which is what the receiver reads.

use super::super::wake_list::wake_all;
use super::error::TryRecvError;
use crate::loom::{Arc, AtomicBool, AtomicUsize, Mutex, Ordering};
use crate::sync::Notify;
use runtime_coop::wait::SyncKind;
use std::collections::VecDeque;
use std::fmt;
use std::task::{ready, Context, Poll, Waker};

/// How a channel bounds its queue.
pub(super) trait Capacity {
    /// Fails every waiting and later reservation (the receiver closed).
    fn close(&self);
    /// Whether [`close`](Capacity::close) was called.
    fn is_closed(&self) -> bool;
    /// Whether no permit is held outside the queue. Meaningful once the
    /// queue is empty (queued values hold their permits).
    fn is_idle(&self) -> bool;
    /// Gives back the permits of `n` values taken out of the queue.
    fn release(&self, n: usize);
}

/// The capacity of an unbounded channel: only the closed flag.
#[derive(Debug)]
pub(super) struct Unbounded {
    closed: AtomicBool,
}

impl Unbounded {
    pub(super) fn new() -> Unbounded {
        Unbounded {
            closed: AtomicBool::new(false),
        }
    }
}

impl Capacity for Unbounded {
    fn close(&self) {
        // Release: pairs with the Acquire load in `is_closed`; `closed()`
        // relies on `Notify`'s ordering, see `Chan::closed`.
        self.closed.store(true, Ordering::Release);
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    fn is_idle(&self) -> bool {
        true // a send queues at once: no permit is ever out
    }

    fn release(&self, _n: usize) {}
}

pub(super) struct Chan<T, C> {
    state: Mutex<State<T>>,
    pub(super) capacity: C,
    /// Strong senders (`Sender`, `OwnedPermit`); zero is final.
    tx_count: AtomicUsize,
    /// Weak senders; only reported.
    tx_weak_count: AtomicUsize,
    /// Woken (all) when the receiver closes the channel or goes.
    rx_closed: Notify,
}

struct State<T> {
    queue: VecDeque<T>,
    /// Set by the receiver's poll when it finds nothing; taken by the
    /// next send (or close) to wake it.
    rx_waker: Option<Waker>,
    /// The receiver called `close` or is gone.
    rx_closed: bool,
    /// The receiver is gone (rule 2).
    rx_dropped: bool,
    /// Every strong sender is gone.
    tx_closed: bool,
}

impl<T> State<T> {
    /// Stores `waker` for the receiver; returns the waker it replaces, to
    /// be dropped once the lock is released (rule 1).
    fn register(&mut self, waker: &Waker) -> Option<Waker> {
        match &self.rx_waker {
            Some(old) if old.will_wake(waker) => None,
            _ => self.rx_waker.replace(waker.clone()),
        }
    }
}

impl<T, C: Capacity> Chan<T, C> {
    /// A channel with one sender and its receiver, as the handles.
    pub(super) fn channel(capacity: C) -> (Tx<T, C>, Rx<T, C>) {
        let chan = Arc::new(Chan {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                rx_waker: None,
                rx_closed: false,
                rx_dropped: false,
                tx_closed: false,
            }),
            capacity,
            tx_count: AtomicUsize::new(1),
            tx_weak_count: AtomicUsize::new(0),
            rx_closed: Notify::new(),
        });
        (Tx { chan: chan.clone() }, Rx { chan })
    }

    /// Queues `value` and wakes the receiver. `Err(value)` if the receiver
    /// is gone (rule 2), or if it closed the channel and `after_close` is
    /// false (an unbounded send; a bounded one holds a permit taken before
    /// the close, which may still send).
    pub(super) fn push(&self, value: T, after_close: bool) -> Result<(), T> {
        let mut state = self.state.lock();
        if state.rx_dropped || (state.rx_closed && !after_close) {
            drop(state);
            return Err(value);
        }
        state.queue.push_back(value);
        let waker = state.rx_waker.take();
        drop(state);
        wake_all(waker);
        Ok(())
    }

    /// Rule 4: called after permits were given back outside the queue;
    /// wakes the receiver if that finished it.
    pub(super) fn permits_returned(&self) {
        let waker = {
            let mut state = self.state.lock();
            // Under the lock, so either the receiver's check (after its
            // close) sees the permits back, or its waker is here.
            if state.rx_closed && self.finished(&state) {
                state.rx_waker.take()
            } else {
                None
            }
        };
        wake_all(waker);
    }

    /// Whether the receiver closed the channel or is gone.
    pub(super) fn is_closed(&self) -> bool {
        self.capacity.is_closed()
    }

    /// Waits until the receiver closes the channel or is gone.
    pub(super) async fn closed(&self) {
        // Notified first, then the check: `close` sets the flag before its
        // `notify_waiters`, so either the check sees the flag or the
        // notification reaches this `Notified` (see `Notify::notified`).
        let notified = self.rx_closed.notified();
        if self.is_closed() {
            return;
        }
        notified.await;
    }

    pub(super) fn strong_count(&self) -> usize {
        // Acquire: a count of zero is final, and reading it may be followed
        // by reading what the last sender did before it went.
        self.tx_count.load(Ordering::Acquire)
    }

    pub(super) fn weak_count(&self) -> usize {
        // Relaxed: a plain report.
        self.tx_weak_count.load(Ordering::Relaxed)
    }

    /// Rule 3, under the lock.
    fn finished(&self, state: &State<T>) -> bool {
        state.queue.is_empty() && (state.tx_closed || (state.rx_closed && self.capacity.is_idle()))
    }

    /// The last strong sender is gone: wake the receiver (rule 4).
    fn close_tx(&self) {
        let waker = {
            let mut state = self.state.lock();
            state.tx_closed = true;
            state.rx_waker.take()
        };
        wake_all(waker);
    }
}

/// A strong sender's hold on the channel: counted in `tx_count`.
pub(super) struct Tx<T, C: Capacity> {
    pub(super) chan: Arc<Chan<T, C>>,
}

impl<T, C: Capacity> Tx<T, C> {
    /// A weak hold on the same channel.
    pub(super) fn downgrade(&self) -> WeakTx<T, C> {
        // Relaxed: a count only reported.
        self.chan.tx_weak_count.fetch_add(1, Ordering::Relaxed);
        WeakTx {
            chan: self.chan.clone(),
        }
    }

    pub(super) fn same_channel(&self, other: &Tx<T, C>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T, C: Capacity> Clone for Tx<T, C> {
    fn clone(&self) -> Self {
        // Relaxed: this sender keeps the count above zero meanwhile, and a
        // clone publishes nothing (the standard refcount argument).
        let prev = self.chan.tx_count.fetch_add(1, Ordering::Relaxed);
        if prev > usize::MAX / 2 {
            std::process::abort(); // leaked senders: never wrap the count
        }
        Tx {
            chan: self.chan.clone(),
        }
    }
}

impl<T, C: Capacity> Drop for Tx<T, C> {
    fn drop(&mut self) {
        // AcqRel: the last sender sees everything the others did.
        if self.chan.tx_count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.chan.close_tx();
        }
    }
}

/// A weak sender's hold: keeps the allocation, not the channel, open.
pub(super) struct WeakTx<T, C: Capacity> {
    chan: Arc<Chan<T, C>>,
}

impl<T, C: Capacity> WeakTx<T, C> {
    /// A strong sender, unless every strong sender is gone already (a zero
    /// count is final).
    pub(super) fn upgrade(&self) -> Option<Tx<T, C>> {
        let mut count = self.chan.tx_count.load(Ordering::Acquire);
        loop {
            if count == 0 {
                return None;
            }
            // AcqRel: as a clone, but it must not revive a zero count, hence
            // the CAS; Acquire on failure for the retry's value.
            match self.chan.tx_count.compare_exchange_weak(
                count,
                count + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    return Some(Tx {
                        chan: self.chan.clone(),
                    })
                }
                Err(actual) => count = actual,
            }
        }
    }

    pub(super) fn chan(&self) -> &Chan<T, C> {
        &self.chan
    }
}

impl<T, C: Capacity> Clone for WeakTx<T, C> {
    fn clone(&self) -> Self {
        self.chan.tx_weak_count.fetch_add(1, Ordering::Relaxed);
        WeakTx {
            chan: self.chan.clone(),
        }
    }
}

impl<T, C: Capacity> Drop for WeakTx<T, C> {
    fn drop(&mut self) {
        self.chan.tx_weak_count.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The receiver's hold on the channel; there is one.
pub(super) struct Rx<T, C: Capacity> {
    chan: Arc<Chan<T, C>>,
}

impl<T, C: Capacity> Rx<T, C> {
    pub(super) fn chan(&self) -> &Chan<T, C> {
        &self.chan
    }

    /// The next value, `None` once finished (rule 3), or `Pending` with the
    /// waker stored. Cancel safe: a value is only taken when returned.
    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut coop = ready!(runtime_coop::poll_proceed(cx));
        let chan = &*self.chan;
        let mut state = chan.state.lock();
        if let Some(value) = state.queue.pop_front() {
            drop(state);
            chan.capacity.release(1);
            coop.made_progress();
            return Poll::Ready(Some(value));
        }
        if chan.finished(&state) {
            coop.made_progress();
            return Poll::Ready(None);
        }
        let old = state.register(cx.waker());
        drop(state);
        drop(old);
        crate::sync::pending(SyncKind::MpscRecv, chan)
    }

    /// Up to `limit` values appended to `buffer`: how many, `0` once
    /// finished (or at once if `limit` is 0), or `Pending`.
    pub(super) fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        let mut coop = ready!(runtime_coop::poll_proceed(cx));
        if limit == 0 {
            coop.made_progress();
            return Poll::Ready(0);
        }
        let chan = &*self.chan;
        let mut state = chan.state.lock();
        let n = limit.min(state.queue.len());
        if n > 0 {
            buffer.extend(state.queue.drain(..n));
            drop(state);
            chan.capacity.release(n);
            coop.made_progress();
            return Poll::Ready(n);
        }
        if chan.finished(&state) {
            coop.made_progress();
            return Poll::Ready(0);
        }
        let old = state.register(cx.waker());
        drop(state);
        drop(old);
        crate::sync::pending(SyncKind::MpscRecv, chan)
    }

    pub(super) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let chan = &*self.chan;
        let mut state = chan.state.lock();
        match state.queue.pop_front() {
            Some(value) => {
                drop(state);
                chan.capacity.release(1);
                Ok(value)
            }
            None if chan.finished(&state) => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Closes the channel for new sends; the queued values stay, and so
    /// do permits already taken (rule 3).
    pub(super) fn close(&mut self) {
        {
            let mut state = self.chan.state.lock();
            if state.rx_closed {
                return;
            }
            state.rx_closed = true;
        }
        self.close_capacity();
    }

    fn close_capacity(&self) {
        // Fails the waiting reservations, then wakes `closed()`.
        self.chan.capacity.close();
        self.chan.rx_closed.notify_waiters();
    }

    /// Whether no value will come any more unless already queued: the
    /// receiver closed the channel, or every strong sender is gone.
    pub(super) fn is_closed(&self) -> bool {
        self.chan.capacity.is_closed() || self.chan.strong_count() == 0
    }

    pub(super) fn len(&self) -> usize {
        self.chan.state.lock().queue.len()
    }
}

impl<T, C: Capacity> Drop for Rx<T, C> {
    fn drop(&mut self) {
        let (queue, waker) = {
            let mut state = self.chan.state.lock();
            state.rx_closed = true;
            state.rx_dropped = true;
            (std::mem::take(&mut state.queue), state.rx_waker.take())
        };
        self.close_capacity();
        drop(waker);
        // The permits first: a value whose drop panics loses none. The
        // values then, with no lock held (rule 1).
        self.chan.capacity.release(queue.len());
        drop(queue);
    }
}

impl<T, C: Capacity + fmt::Debug> fmt::Debug for Chan<T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Chan")
            .field("queued", &state.queue.len())
            .field("rx_closed", &state.rx_closed)
            .field("tx_closed", &state.tx_closed)
            .field("capacity", &self.capacity)
            .field("tx_count", &self.strong_count())
            .finish()
    }
}
