//! The mapped write guards of `RwLock`: exclusive access to a part of the
//! value, and no downgrade (rule 3).

use super::{Held, OwnedHeld, RwLock};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::sync::Arc;

/// A [`RwLockWriteGuard`](super::RwLockWriteGuard) narrowed by `map` to a
/// part of the value. It cannot be downgraded (rule 3).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    held: Held<'a>,
    data: NonNull<T>,
    marker: PhantomData<&'a mut T>,
}

// SAFETY: as for `RwLockWriteGuard`: a `&'a mut T` (rule 2) and permits any
// thread may give back; tokio asks `T: Send + Sync` for both.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockMappedWriteGuard<'_, T> {}

/// An [`OwnedRwLockWriteGuard`](super::OwnedRwLockWriteGuard) narrowed by
/// `map` to a part `U` of the value `T`. It cannot be downgraded.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T> {
    held: OwnedHeld<T>,
    data: NonNull<U>,
}

// SAFETY: an `Arc<RwLock<T>>` (`T: Send + Sync`) and a `&mut U` into it
// (rule 2); tokio asks `Send + Sync` of `U` too.
unsafe impl<T, U> Send for OwnedRwLockMappedWriteGuard<T, U>
where
    T: ?Sized + Send + Sync,
    U: ?Sized + Send + Sync,
{
}
// SAFETY: as above.
unsafe impl<T, U> Sync for OwnedRwLockMappedWriteGuard<T, U>
where
    T: ?Sized + Send + Sync,
    U: ?Sized + Send + Sync,
{
}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// The mapped guard that takes over a write guard's permits.
    pub(super) fn from_held(held: Held<'a>, data: NonNull<T>) -> Self {
        RwLockMappedWriteGuard {
            held,
            data,
            marker: PhantomData,
        }
    }

    /// Narrows the guard further.
    pub fn map<F, U: ?Sized>(mut this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = NonNull::from(f(&mut *this));
        RwLockMappedWriteGuard::from_held(this.held, data)
    }

    /// Narrows the guard further to an optional part; gives it back if `f`
    /// returns `None`.
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
}

impl<T: ?Sized> Deref for RwLockMappedWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: valid and exclusive while this guard lives (rules 1, 2).
        unsafe { self.data.as_ref() }
    }
}

impl<T: ?Sized> DerefMut for RwLockMappedWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: valid and exclusive while this guard lives (rules 1, 2).
        unsafe { self.data.as_mut() }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// The mapped guard that takes over an owned write guard's permits.
    pub(super) fn from_held(held: OwnedHeld<T>, data: NonNull<U>) -> Self {
        OwnedRwLockMappedWriteGuard { held, data }
    }

    /// Narrows the guard further.
    pub fn map<F, V: ?Sized>(mut this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, V>
    where
        F: FnOnce(&mut U) -> &mut V,
    {
        let data = NonNull::from(f(&mut *this));
        OwnedRwLockMappedWriteGuard::from_held(this.held, data)
    }

    /// Narrows the guard further to an optional part; gives it back if `f`
    /// returns `None`.
    pub fn try_map<F, V: ?Sized>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        match f(&mut *this).map(NonNull::from) {
            Some(data) => Ok(OwnedRwLockMappedWriteGuard::from_held(this.held, data)),
            None => Err(this),
        }
    }

    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.held.lock
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockMappedWriteGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: valid and exclusive while this guard lives (rules 1, 2).
        unsafe { self.data.as_ref() }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedRwLockMappedWriteGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: valid and exclusive while this guard lives (rules 1, 2).
        unsafe { self.data.as_mut() }
    }
}

crate::sync::fmt_as_target! {
    ['a, T: ?Sized] RwLockMappedWriteGuard<'a, T>,
    [T: ?Sized, U: ?Sized] OwnedRwLockMappedWriteGuard<T, U>,
}
