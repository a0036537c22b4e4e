//! The read guards of `RwLock`: shared access, one permit each.

use super::{Held, OwnedHeld, RwLock};
use std::marker::PhantomData;
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::Arc;

/// The guard of [`RwLock::read`]: shared access to the value (or, after
/// [`map`](RwLockReadGuard::map), a part of it) until dropped.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    pub(super) held: Held<'a>,
    pub(super) data: NonNull<T>,
    pub(super) marker: PhantomData<&'a T>,
}

// SAFETY: the guard is a `&'a T` (rule 2) plus a permit any thread may give
// back, so it is `Send` when `&T` is (`T: Sync`). Shared, as tokio: also
// `T: Send`.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockReadGuard<'_, T> {}

/// The guard of [`RwLock::read_owned`]: holds the `Arc`, so it is
/// `'static`; derefs to `U`, a part of the value `T` after
/// [`map`](OwnedRwLockReadGuard::map).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    held: OwnedHeld<T>,
    data: NonNull<U>,
}

// SAFETY: the guard shares the lock (which may be dropped, with the `T`,
// on the thread it moves to: `T: Send + Sync`, as `Arc<RwLock<T>>`) and is
// a `&U` into it (rule 2: `U: Sync`).
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Send for OwnedRwLockReadGuard<T, U> {}
// SAFETY: as above; shared, as tokio: `U: Send + Sync`.
unsafe impl<T, U> Sync for OwnedRwLockReadGuard<T, U>
where
    T: ?Sized + Send + Sync,
    U: ?Sized + Send + Sync,
{
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Narrows the guard to a part of the value; the read lock stays held.
    pub fn map<F, U: ?Sized>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data = NonNull::from(f(&*this));
        RwLockReadGuard {
            held: this.held,
            data,
            marker: PhantomData,
        }
    }

    /// [`map`](RwLockReadGuard::map) to an optional part; gives the guard
    /// back if `f` returns `None`.
    pub fn try_map<F, U: ?Sized>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        match f(&*this).map(NonNull::from) {
            Some(data) => Ok(RwLockReadGuard {
                held: this.held,
                data,
                marker: PhantomData,
            }),
            None => Err(this),
        }
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: valid while this guard lives, and only shared while it
        // holds a read permit (rules 1 and 2).
        unsafe { self.data.as_ref() }
    }
}

impl<T: ?Sized> OwnedRwLockReadGuard<T> {
    /// The guard for one permit just acquired through `lock` (rule 1).
    pub(super) fn new(lock: Arc<RwLock<T>>) -> Self {
        let data = lock.data();
        OwnedRwLockReadGuard {
            held: OwnedHeld { lock, permits: 1 },
            data,
        }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// The guard made by a downgrade (rule 3).
    pub(super) fn from_held(held: OwnedHeld<T>, data: NonNull<U>) -> Self {
        debug_assert_eq!(held.permits, 1);
        OwnedRwLockReadGuard { held, data }
    }

    /// Narrows the guard to a part of the value; the read lock stays held.
    pub fn map<F, V: ?Sized>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V>
    where
        F: FnOnce(&U) -> &V,
    {
        let data = NonNull::from(f(&*this));
        OwnedRwLockReadGuard {
            held: this.held,
            data,
        }
    }

    /// [`map`](OwnedRwLockReadGuard::map) to an optional part; gives the
    /// guard back if `f` returns `None`.
    pub fn try_map<F, V: ?Sized>(this: Self, f: F) -> Result<OwnedRwLockReadGuard<T, V>, Self>
    where
        F: FnOnce(&U) -> Option<&V>,
    {
        match f(&*this).map(NonNull::from) {
            Some(data) => Ok(OwnedRwLockReadGuard {
                held: this.held,
                data,
            }),
            None => Err(this),
        }
    }

    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.held.lock
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockReadGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: valid while this guard lives, and only shared while it
        // holds a read permit (rules 1 and 2).
        unsafe { self.data.as_ref() }
    }
}

crate::sync::fmt_as_target! {
    ['a, T: ?Sized] RwLockReadGuard<'a, T>,
    [T: ?Sized, U: ?Sized] OwnedRwLockReadGuard<T, U>,
}
