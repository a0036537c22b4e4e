//! The one door through which the timer's shared state reaches atomics,
//! locks, cells and thread-locals: std and parking_lot normally, loom
//! under `cfg(loom)`, so a loom model checks the code that ships, never a
//! copy.
//!
//! `UnsafeCell` has loom's closure API (`with`, `with_mut`) in both builds,
//! `Mutex` has one small API over parking_lot or loom, and
//! `thread_local!` is std's or loom's. `Arc` stays std's in both builds:
//! it is in the public seam (`Arc<Driver>`), and nothing here depends on
//! loom tracking it.

#[cfg(not(loom))]
mod imp {
    pub(crate) use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8};

    /// `std::cell::UnsafeCell` with loom's access API.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(value))
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
        pub(crate) fn new(value: T) -> Self {
            Mutex(parking_lot::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock()
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
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{AtomicU32, AtomicU64, AtomicU8};

    /// loom's mutex with the parking_lot-style API used by the driver.
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
pub(crate) use std::sync::atomic::Ordering;
