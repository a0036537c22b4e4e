//! The one door through which the reactor's shared state reaches atomics,
//! locks and thread-locals: std normally, loom under `cfg(loom)`, so a
//! loom model checks the readiness and wakers protocol that ships, never a
//! copy.
//!
//! `Mutex` has one small API in both builds, parking_lot's: `lock` and
//! `try_lock` return the guard and never report poisoning. Nothing panics
//! while holding these locks (wakers are woken after they are released),
//! and if something did, the lock is used as it is rather than spreading
//! the panic. `thread_local!` is std's or loom's. `Arc` stays std's in
//! both builds: it is in the public seam (`Arc<Reactor>`), and the models
//! find leaks through the wakers they register, which hold loom `Arc`s.

#[cfg(not(loom))]
mod imp {
    pub(crate) use std::sync::atomic::AtomicU64;
    pub(crate) use std::sync::MutexGuard;
    use std::sync::{PoisonError, TryLockError};

    /// A mutex without poisoning, over std's.
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(std::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(std::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner)
        }

        /// The guard, or `None` if another thread holds the lock.
        pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            match self.0.try_lock() {
                Ok(guard) => Some(guard),
                Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => None,
            }
        }
    }

    /// `std::thread_local!`.
    macro_rules! thread_local_shim {
        ($($declarations:tt)*) => {
            std::thread_local! { $($declarations)* }
        };
    }
    pub(crate) use thread_local_shim as thread_local;
}

#[cfg(loom)]
mod imp {
    pub(crate) use loom::sync::atomic::AtomicU64;
    pub(crate) use loom::sync::MutexGuard;
    use std::sync::{PoisonError, TryLockError};

    /// loom's mutex with the API of the std build.
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner)
        }

        /// The guard, or `None` if another thread holds the lock.
        pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            match self.0.try_lock() {
                Ok(guard) => Some(guard),
                Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => None,
            }
        }
    }

    /// `loom::thread_local!`, taking std's syntax. loom's macro has no
    /// `const { .. }` initializer, so this one unwraps it (loom
    /// initializes every thread-local lazily anyway). loom's keys have
    /// std's `with` and `try_with`: use only those two.
    macro_rules! thread_local_shim {
        () => {};
        ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const { $init:expr }
            $(; $($rest:tt)*)?) => {
            loom::thread_local!($(#[$attr])* $vis static $name: $t = $init);
            $($crate::loom::thread_local!($($rest)*);)?
        };
        ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr
            $(; $($rest:tt)*)?) => {
            loom::thread_local!($(#[$attr])* $vis static $name: $t = $init);
            $($crate::loom::thread_local!($($rest)*);)?
        };
    }
    pub(crate) use thread_local_shim as thread_local;
}

pub(crate) use imp::*;
