//! The one door through which the runtime's protocols reach atomics, locks,
//! cells, once-cells and thread-locals: std and parking_lot normally, loom
//! under `cfg(loom)`, so the loom models check the code that ships, never a
//! copy.
//!
//! `UnsafeCell` has loom's closure API (`with`, `with_mut`) in both builds;
//! `Mutex`, `RwLock` and `Condvar` have one small API over parking_lot or
//! loom; `OnceLock` has std's `get`/`set`; and [`runtime_thread_local!`] declares a
//! std thread-local or, under loom, one value per model thread (use `with`
//! and `try_with` only: loom's keys have no more).
//!
//! What stays outside: the task-id counter (`task/id.rs`: uniqueness only,
//! no protocol) and `Arc`s in public or `dyn` seams.

/// `std::thread_local!`, or `loom::thread_local!` under `cfg(loom)` (named
/// apart from std's macro, which a `use` cannot shadow: it is also an
/// attribute).
macro_rules! runtime_thread_local {
    () => {};
    // loom's macro takes no `const { .. }` initializer: strip it there.
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const { $init:expr }; $($rest:tt)*) => {
        #[cfg(not(loom))]
        std::thread_local! { $(#[$attr])* $vis static $name: $t = const { $init }; }
        #[cfg(loom)]
        loom::thread_local! { $(#[$attr])* $vis static $name: $t = $init; }
        $crate::loom::runtime_thread_local! { $($rest)* }
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
        #[cfg(not(loom))]
        std::thread_local! { $(#[$attr])* $vis static $name: $t = $init; }
        #[cfg(loom)]
        loom::thread_local! { $(#[$attr])* $vis static $name: $t = $init; }
        $crate::loom::runtime_thread_local! { $($rest)* }
    };
}
pub(crate) use runtime_thread_local;

#[cfg(not(loom))]
mod imp {
    pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicUsize};
    pub(crate) use std::sync::{Arc, OnceLock};

    /// A reader-writer lock without poisoning (parking_lot).
    #[derive(Debug, Default)]
    pub(crate) struct RwLock<T>(parking_lot::RwLock<T>);
    pub(crate) type RwLockReadGuard<'a, T> = parking_lot::RwLockReadGuard<'a, T>;
    pub(crate) type RwLockWriteGuard<'a, T> = parking_lot::RwLockWriteGuard<'a, T>;

    impl<T> RwLock<T> {
        pub(crate) fn new(value: T) -> Self {
            RwLock(parking_lot::RwLock::new(value))
        }

        pub(crate) fn read(&self) -> RwLockReadGuard<'_, T> {
            self.0.read()
        }

        pub(crate) fn write(&self) -> RwLockWriteGuard<'_, T> {
            self.0.write()
        }
    }

    /// `std::cell::UnsafeCell` with loom's access API.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }

    /// A mutex without poisoning (parking_lot).
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(parking_lot::Mutex<T>);
    pub(crate) type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        pub(crate) const fn new(value: T) -> Self {
            Mutex(parking_lot::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock()
        }
    }

    /// A condition variable paired with [`Mutex`].
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(parking_lot::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Self {
            Condvar(parking_lot::Condvar::new())
        }

        pub(crate) fn wait<'a, T>(&self, mut guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            self.0.wait(&mut guard);
            guard
        }

        /// Waits at most `timeout`; may return early (spurious or timed out).
        pub(crate) fn wait_timeout<'a, T>(
            &self,
            mut guard: MutexGuard<'a, T>,
            timeout: std::time::Duration,
        ) -> MutexGuard<'a, T> {
            self.0.wait_for(&mut guard, timeout);
            guard
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}

#[cfg(loom)]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicUsize};
    pub(crate) use loom::sync::Arc;
    use std::sync::atomic::Ordering;

    /// std's `OnceLock` API on a loom `AtomicPtr` (loom has no once-cell):
    /// `set` publishes a boxed value with a release CAS, `get` acquires it.
    pub(crate) struct OnceLock<T> {
        ptr: AtomicPtr<T>,
    }

    impl<T> OnceLock<T> {
        pub(crate) fn new() -> Self {
            OnceLock {
                ptr: AtomicPtr::new(std::ptr::null_mut()),
            }
        }

        pub(crate) fn get(&self) -> Option<&T> {
            // Acquire: pairs with the release CAS in `set`.
            let ptr = self.ptr.load(Ordering::Acquire);
            // SAFETY: a non-null pointer came from `Box::into_raw` in `set`
            // and is freed only by `drop`, which `&self` rules out.
            unsafe { ptr.as_ref() }
        }

        pub(crate) fn set(&self, value: T) -> Result<(), T> {
            let new = Box::into_raw(Box::new(value));
            match self.ptr.compare_exchange(
                std::ptr::null_mut(),
                new,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => Ok(()),
                // SAFETY: the CAS failed, so `new` was never shared.
                Err(_) => Err(*unsafe { Box::from_raw(new) }),
            }
        }
    }

    impl<T> Drop for OnceLock<T> {
        fn drop(&mut self) {
            let ptr = self.ptr.with_mut(|p| *p);
            if !ptr.is_null() {
                // SAFETY: from `Box::into_raw` in `set`; `&mut self` means
                // no `get` borrow is alive.
                drop(unsafe { Box::from_raw(ptr) });
            }
        }
    }

    impl<T: std::fmt::Debug> std::fmt::Debug for OnceLock<T> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_tuple("OnceLock").field(&self.get()).finish()
        }
    }

    /// loom's reader-writer lock with the parking_lot-style API.
    #[derive(Debug)]
    pub(crate) struct RwLock<T>(loom::sync::RwLock<T>);
    pub(crate) type RwLockReadGuard<'a, T> = loom::sync::RwLockReadGuard<'a, T>;
    pub(crate) type RwLockWriteGuard<'a, T> = loom::sync::RwLockWriteGuard<'a, T>;

    impl<T> RwLock<T> {
        pub(crate) fn new(value: T) -> Self {
            RwLock(loom::sync::RwLock::new(value))
        }

        pub(crate) fn read(&self) -> RwLockReadGuard<'_, T> {
            self.0.read().unwrap()
        }

        pub(crate) fn write(&self) -> RwLockWriteGuard<'_, T> {
            self.0.write().unwrap()
        }
    }

    /// loom's mutex with the parking_lot-style API used by the runtime.
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);
    pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap()
        }
    }

    impl<T: Default> Default for Mutex<T> {
        fn default() -> Self {
            Mutex::new(T::default())
        }
    }

    /// loom's condition variable with the API used by the runtime.
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Self {
            Condvar(loom::sync::Condvar::new())
        }

        pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            self.0.wait(guard).unwrap()
        }

        /// loom has no clock: a timed wait returns at once, as if it had
        /// timed out, which callers must tolerate anyway, after a
        /// `yield_now`, which tells loom that this thread waits for the
        /// others to move (a watcher's timed park would otherwise be a spin
        /// loop loom cannot explore).
        pub(crate) fn wait_timeout<'a, T>(
            &self,
            guard: MutexGuard<'a, T>,
            _timeout: std::time::Duration,
        ) -> MutexGuard<'a, T> {
            loom::thread::yield_now();
            guard
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}

pub(crate) use imp::*;
pub(crate) use std::sync::atomic::Ordering;
