//! The write guards of `RwLock`: exclusive access, all the permits, and
//! the downgrades to a read guard (rule 3).

use super::{Held, OwnedHeld, OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, RwLock};
use super::{RwLockMappedWriteGuard, RwLockReadGuard};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::sync::Arc;

/// The guard of [`RwLock::write`]: exclusive access to the value until
/// dropped, or [downgraded](RwLockWriteGuard::downgrade) to a read guard.
///
/// It is `Send` and `Sync` only if `T` is both, as tokio's: a guard moved
/// to another thread can be downgraded there, and then the value is shared
/// between threads. So a write guard over a `Cell` stays on its thread:
///
/// ```compile_fail,E0277
/// use runtime::sync::RwLock;
/// use std::cell::Cell;
///
/// let lock = RwLock::new(Cell::new(0));
/// let guard = lock.try_write().unwrap();
/// std::thread::scope(|s| {
///     // error: `Cell<i32>` cannot be shared between threads safely
///     s.spawn(move || guard.set(1));
/// });
/// ```
///
/// while one over a `Send + Sync` value may move:
///
/// ```
/// use runtime::sync::RwLock;
///
/// let lock = RwLock::new(0);
/// let mut guard = lock.try_write().unwrap();
/// std::thread::scope(|s| {
///     s.spawn(move || *guard += 1);
/// });
/// assert_eq!(*lock.try_read().unwrap(), 1);
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    pub(super) held: Held<'a>,
    pub(super) data: NonNull<T>,
    pub(super) marker: PhantomData<&'a mut T>,
}

// SAFETY: the guard is a `&'a mut T` (rule 2) that can become a shared
// `&T` by `downgrade` on the thread it moved to while other readers hold
// `&T` elsewhere: so `T: Send + Sync` for both, as tokio (the hole in
// async-lock 3.5 was a write guard that was `Send` for `T: !Sync`).
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}

/// The guard of [`RwLock::write_owned`]: holds the `Arc`, so it is
/// `'static`. `Send` and `Sync` only if `T` is both, as
/// [`RwLockWriteGuard`].
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    held: OwnedHeld<T>,
    data: NonNull<T>,
}

// SAFETY: as for `RwLockWriteGuard`; the `Arc` it holds needs the same.
unsafe impl<T: ?Sized + Send + Sync> Send for OwnedRwLockWriteGuard<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedRwLockWriteGuard<T> {}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Narrows the guard to a part of the value; the write lock stays
    /// held. The mapped guard cannot downgrade (rule 3).
    pub fn map<F, U: ?Sized>(mut this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = NonNull::from(f(&mut *this));
        RwLockMappedWriteGuard::from_held(this.held, data)
    }

    /// [`map`](RwLockWriteGuard::map) to an optional part; gives the guard
    /// back if `f` returns `None`.
    pub fn try_map<F, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match f(&mut *this).map(NonNull::from) {
            Some(data) => Ok(RwLockMappedWriteGuard::from_held(this.held, data)),
            None => Err(this),
        }
    }

    /// This guard as a mapped one, over the whole value.
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        RwLockWriteGuard::map(this, |value| value)
    }

    /// Downgrades to a read guard over a part of the value, atomically
    /// (rule 3): waiting readers may then enter, writers still wait.
    pub fn downgrade_map<F, U: ?Sized>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data = NonNull::from(f(&*this));
        downgraded(this.held, data)
    }

    /// [`downgrade_map`](RwLockWriteGuard::downgrade_map) to an optional
    /// part; gives the write guard back, still exclusive, if `f` returns
    /// `None`.
    pub fn try_downgrade_map<F, U: ?Sized>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        match f(&*this).map(NonNull::from) {
            Some(data) => Ok(downgraded(this.held, data)),
            None => Err(this),
        }
    }

    /// Downgrades to a read guard, atomically (rule 3): the value is never
    /// unlocked in between; waiting readers may enter, writers still wait.
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        downgraded(self.held, self.data)
    }
}

/// The read guard a write guard's permits become (rule 3).
fn downgraded<U: ?Sized>(mut held: Held<'_>, data: NonNull<U>) -> RwLockReadGuard<'_, U> {
    held.keep_one();
    RwLockReadGuard {
        held,
        data,
        marker: PhantomData,
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: valid and exclusive while this guard lives (rules 1, 2).
        unsafe { self.data.as_ref() }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: valid and exclusive while this guard lives (rules 1, 2).
        unsafe { self.data.as_mut() }
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// The guard for all permits just acquired through `lock` (rule 1).
    pub(super) fn new(lock: Arc<RwLock<T>>) -> Self {
        let data = lock.data();
        let permits = lock.mr;
        OwnedRwLockWriteGuard {
            held: OwnedHeld { lock, permits },
            data,
        }
    }

    /// Narrows the guard to a part of the value; the write lock stays
    /// held. The mapped guard cannot downgrade (rule 3).
    pub fn map<F, U: ?Sized>(mut this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = NonNull::from(f(&mut *this));
        OwnedRwLockMappedWriteGuard::from_held(this.held, data)
    }

    /// [`map`](OwnedRwLockWriteGuard::map) to an optional part; gives the
    /// guard back if `f` returns `None`.
    pub fn try_map<F, U: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match f(&mut *this).map(NonNull::from) {
            Some(data) => Ok(OwnedRwLockMappedWriteGuard::from_held(this.held, data)),
            None => Err(this),
        }
    }

    /// This guard as a mapped one, over the whole value.
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockWriteGuard::map(this, |value| value)
    }

    /// Downgrades to a read guard over a part of the value, atomically
    /// (rule 3).
    pub fn downgrade_map<F, U: ?Sized>(this: Self, f: F) -> OwnedRwLockReadGuard<T, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data = NonNull::from(f(&*this));
        owned_downgraded(this.held, data)
    }

    /// [`downgrade_map`](OwnedRwLockWriteGuard::downgrade_map) to an
    /// optional part; gives the write guard back if `f` returns `None`.
    pub fn try_downgrade_map<F, U: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        match f(&*this).map(NonNull::from) {
            Some(data) => Ok(owned_downgraded(this.held, data)),
            None => Err(this),
        }
    }

    /// Downgrades to a read guard, atomically (rule 3).
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        owned_downgraded(self.held, self.data)
    }

    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.held.lock
    }
}

/// The read guard an owned write guard's permits become (rule 3).
fn owned_downgraded<T: ?Sized, U: ?Sized>(
    mut held: OwnedHeld<T>,
    data: NonNull<U>,
) -> OwnedRwLockReadGuard<T, U> {
    held.keep_one();
    OwnedRwLockReadGuard::from_held(held, data)
}

impl<T: ?Sized> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: valid and exclusive while this guard lives (rules 1, 2).
        unsafe { self.data.as_ref() }
    }
}

impl<T: ?Sized> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: valid and exclusive while this guard lives (rules 1, 2).
        unsafe { self.data.as_mut() }
    }
}

crate::sync::fmt_as_target! {
    ['a, T: ?Sized] RwLockWriteGuard<'a, T>,
    [T: ?Sized] OwnedRwLockWriteGuard<T>,
}
