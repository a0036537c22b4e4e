//! The reserved slots of a bounded channel: [`Permit`], [`PermitIterator`]
//! and [`OwnedPermit`]. A permit is one permit of the channel's batch
//! semaphore; sending passes it to the queued value (the receiver gives it
//! back), dropping it gives it back at once, and wakes a closed receiver
//! that waited for it (rule 4 of `chan.rs`).

use super::bounded::{Bounded, BoundedChan, Sender};
use super::chan::Tx;
use std::fmt;

/// A slot reserved in the channel: [`send`](Permit::send) fills it without
/// waiting; dropping the permit frees it.
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, mut rx) = runtime::sync::mpsc::channel(1);
/// let permit = tx.reserve().await.unwrap();
/// assert!(tx.try_send(0).is_err()); // the one slot is reserved
/// drop(permit); // freed unused
/// let permit = tx.try_reserve().unwrap();
/// permit.send(7);
/// assert_eq!(rx.recv().await, Some(7));
/// # });
/// ```
pub struct Permit<'a, T> {
    pub(super) chan: &'a BoundedChan<T>,
}

/// `n` reserved slots, by [`Sender::reserve_many`]: each
/// [`next`](Iterator::next) yields one [`Permit`]. Dropping it frees the
/// slots not yet taken.
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, mut rx) = runtime::sync::mpsc::channel(4);
/// // Three slots at once, so the three values go in together.
/// for (permit, v) in tx.reserve_many(3).await.unwrap().zip(["a", "b", "c"]) {
///     permit.send(v);
/// }
/// let mut got = Vec::new();
/// rx.recv_many(&mut got, 4).await;
/// assert_eq!(got, ["a", "b", "c"]);
/// # });
/// ```
pub struct PermitIterator<'a, T> {
    pub(super) chan: &'a BoundedChan<T>,
    pub(super) n: usize,
}

/// A reserved slot that owns its [`Sender`] (so it is `'static`), by
/// [`Sender::reserve_owned`]. [`send`](OwnedPermit::send) and
/// [`release`](OwnedPermit::release) give the sender back.
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, mut rx) = runtime::sync::mpsc::channel(1);
/// let permit = tx.reserve_owned().await.unwrap();
/// // `'static`: it can move into a task.
/// let tx = runtime::spawn(async move { permit.send(42) }).await.unwrap();
/// assert_eq!(rx.recv().await, Some(42));
/// assert!(!tx.is_closed());
/// # });
/// ```
pub struct OwnedPermit<T> {
    /// `None` only once `send` or `release` took it.
    pub(super) chan: Option<Tx<T, Bounded>>,
}

impl<T> Permit<'_, T> {
    /// Sends `value` into the reserved slot, without waiting. If the
    /// receiver is gone the value is dropped; if it only closed the
    /// channel, the value is still received.
    pub fn send(self, value: T) {
        let chan = self.chan;
        // The permit passes to the queued value: no `Drop`.
        std::mem::forget(self);
        chan.send_permitted(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.chan.return_permits(1);
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        if self.n == 0 {
            return None;
        }
        self.n -= 1;
        Some(Permit { chan: self.chan })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.n, Some(self.n))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> std::iter::FusedIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        self.chan.return_permits(self.n);
    }
}

impl<T> OwnedPermit<T> {
    /// Sends `value` into the reserved slot, without waiting, and gives the
    /// sender back. As [`Permit::send`] if the receiver closed or is gone.
    pub fn send(mut self, value: T) -> Sender<T> {
        let chan = self.take();
        chan.chan.send_permitted(value);
        Sender { chan }
    }

    /// Frees the slot without sending, and gives the sender back.
    pub fn release(mut self) -> Sender<T> {
        let chan = self.take();
        chan.chan.return_permits(1);
        Sender { chan }
    }

    /// Whether both permits belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        match (&self.chan, &other.chan) {
            (Some(a), Some(b)) => a.same_channel(b),
            _ => false,
        }
    }

    /// Whether this permit belongs to `sender`'s channel.
    pub fn same_channel_as_sender(&self, sender: &Sender<T>) -> bool {
        self.chan
            .as_ref()
            .is_some_and(|chan| chan.same_channel(&sender.chan))
    }

    fn take(&mut self) -> Tx<T, Bounded> {
        self.chan
            .take()
            .expect("an OwnedPermit holds its sender until it is consumed")
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(chan) = self.chan.take() {
            // The slot first, then the sender (which may be the last).
            chan.chan.return_permits(1);
            drop(chan);
        }
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").field("chan", self.chan).finish()
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("chan", self.chan)
            .field("permits", &self.n)
            .finish()
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit")
            .field("chan", &self.chan.as_ref().map(|tx| &*tx.chan))
            .finish()
    }
}
