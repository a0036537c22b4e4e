//! Task-local storage: a value set for the duration of a future (or a
//! closure), visible to everything that future runs, on whichever thread
//! polls it. tokio's `task_local!`, with its API and panic messages.
//!
//! How: the key is a thread-local `RefCell<Option<T>>`. A scope holds the
//! value itself, and swaps it into the thread-local for exactly the span
//! of one poll (or one closure call), swapping it back out afterwards, also
//! when the poll unwinds. So the value moves with the task between
//! workers, and two tasks' values never mix.

use std::cell::RefCell;
use std::error::Error;
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::{fmt, mem, thread};

/// Declares task-local keys, as tokio's `task_local!`.
///
/// ```
/// runtime::task_local! {
///     static REQUEST_ID: u64;
/// }
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// REQUEST_ID
///     .scope(7, async {
///         assert_eq!(REQUEST_ID.get(), 7);
///         runtime::task::yield_now().await;
///         REQUEST_ID.with(|id| assert_eq!(*id, 7));
///     })
///     .await;
/// assert!(REQUEST_ID.try_with(|_| ()).is_err());
/// # });
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_inner {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static __KEY: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey { inner: __KEY }
        };
    };
}

/// A key for task-local data, declared with [`task_local!`](crate::task_local).
///
/// A value is set for a scope: a future ([`scope`](LocalKey::scope)) or a
/// closure ([`sync_scope`](LocalKey::sync_scope)). Tasks spawned inside a
/// scope do not inherit its value.
///
/// ```
/// runtime::task_local! {
///     static USER: String;
/// }
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let task = runtime::spawn(USER.scope("ann".to_string(), async {
///     // Seen across awaits, on whichever worker polls the task.
///     runtime::time::sleep(runtime::time::Duration::from_millis(1)).await;
///     let inner = runtime::spawn(async { USER.try_with(|u| u.clone()).is_ok() });
///     (USER.get(), inner.await.unwrap())
/// }));
/// assert_eq!(task.await.unwrap(), ("ann".to_string(), false));
/// # });
/// ```
pub struct LocalKey<T: 'static> {
    #[doc(hidden)]
    pub inner: thread::LocalKey<RefCell<Option<T>>>,
}

impl<T: 'static> LocalKey<T> {
    /// Sets the value to `value` for as long as `f` runs: every poll of
    /// the returned future sees it. Scopes nest: an inner scope of the same
    /// key hides the outer value until it ends.
    ///
    /// ```
    /// runtime::task_local! {
    ///     static DEPTH: u32;
    /// }
    ///
    /// # runtime::Runtime::new().unwrap().block_on(async {
    /// DEPTH
    ///     .scope(1, async {
    ///         assert_eq!(DEPTH.get(), 1);
    ///         DEPTH.scope(2, async { assert_eq!(DEPTH.get(), 2) }).await;
    ///         assert_eq!(DEPTH.get(), 1);
    ///     })
    ///     .await;
    /// # });
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, f: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            local: self,
            slot: Some(value),
            future: Some(f),
            _pinned: PhantomPinned,
        }
    }

    /// Sets the value to `value` while the closure `f` runs.
    ///
    /// ```
    /// runtime::task_local! {
    ///     static LIMIT: usize;
    /// }
    ///
    /// let doubled = LIMIT.sync_scope(10, || LIMIT.with(|l| l * 2));
    /// assert_eq!(doubled, 20);
    /// ```
    ///
    /// # Panics
    /// If the value is borrowed by [`with`](Self::with) on this thread, or
    /// the thread-local is being destroyed.
    #[track_caller]
    pub fn sync_scope<F: FnOnce() -> R, R>(&'static self, value: T, f: F) -> R {
        let mut slot = Some(value);
        match self.scope_inner(&mut slot, f) {
            Ok(r) => r,
            Err(e) => e.panic(),
        }
    }

    /// Calls `f` with a reference to the value of the current scope.
    ///
    /// ```
    /// runtime::task_local! {
    ///     static NAMES: Vec<&'static str>;
    /// }
    ///
    /// let n = NAMES.sync_scope(vec!["a", "b"], || NAMES.with(|names| names.len()));
    /// assert_eq!(n, 2);
    /// ```
    ///
    /// # Panics
    /// Outside a scope of this key.
    #[track_caller]
    pub fn with<F: FnOnce(&T) -> R, R>(&'static self, f: F) -> R {
        match self.try_with(f) {
            Ok(r) => r,
            Err(_) => panic!("cannot access a task-local storage value without setting it first"),
        }
    }

    /// Calls `f` with a reference to the value, or fails outside a scope of
    /// this key.
    ///
    /// ```
    /// runtime::task_local! {
    ///     static TRACE: u64;
    /// }
    ///
    /// assert!(TRACE.try_with(|t| *t).is_err());
    /// assert_eq!(TRACE.sync_scope(9, || TRACE.try_with(|t| *t)), Ok(9));
    /// ```
    pub fn try_with<F: FnOnce(&T) -> R, R>(&'static self, f: F) -> Result<R, AccessError> {
        // `f` runs while the value is borrowed: a scope of this key
        // entered inside `f` panics (tokio's rule).
        let f = self.inner.try_with(|cell| cell.borrow().as_ref().map(f));
        f.ok().flatten().ok_or(AccessError { _private: () })
    }

    /// Swaps `slot` into the thread-local for the span of `f`.
    fn scope_inner<F: FnOnce() -> R, R>(
        &'static self,
        slot: &mut Option<T>,
        f: F,
    ) -> Result<R, ScopeInnerErr> {
        /// Swaps the value back out, also when `f` unwinds.
        struct Guard<'a, T: 'static> {
            local: &'static LocalKey<T>,
            slot: &'a mut Option<T>,
        }
        impl<T: 'static> Drop for Guard<'_, T> {
            fn drop(&mut self) {
                // The scope entered, so the slot is alive and, `f` having
                // returned, no longer borrowed by it.
                let _ = self.local.inner.try_with(|cell| {
                    mem::swap(self.slot, &mut *cell.borrow_mut());
                });
            }
        }

        self.inner
            .try_with(|cell| {
                let mut current = cell.try_borrow_mut().map_err(|_| ScopeInnerErr::Borrowed)?;
                mem::swap(slot, &mut *current);
                Ok(())
            })
            .map_err(|_| ScopeInnerErr::Destroyed)??;
        let guard = Guard { local: self, slot };
        let r = f();
        drop(guard);
        Ok(r)
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A copy of the value of the current scope.
    ///
    /// ```
    /// runtime::task_local! {
    ///     static ID: u32;
    /// }
    ///
    /// assert_eq!(ID.sync_scope(3, || ID.get()), 3);
    /// ```
    ///
    /// # Panics
    /// Outside a scope of this key.
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(|v| v.clone())
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("LocalKey { .. }")
    }
}

/// Why a scope could not be entered.
enum ScopeInnerErr {
    Borrowed,
    Destroyed,
}

impl ScopeInnerErr {
    #[track_caller]
    fn panic(&self) -> ! {
        match self {
            ScopeInnerErr::Borrowed => {
                panic!("cannot enter a task-local scope while the task-local storage is borrowed")
            }
            ScopeInnerErr::Destroyed => panic!(
                "cannot enter a task-local scope during or after destruction of the underlying \
                 thread-local"
            ),
        }
    }
}

/// A future run with a task-local value set: [`LocalKey::scope`].
///
/// ```
/// use std::pin::pin;
///
/// runtime::task_local! {
///     static TOKEN: String;
/// }
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let has_value = async { TOKEN.try_with(|_| ()).is_ok() };
/// let mut fut = pin!(TOKEN.scope("secret".to_string(), has_value));
/// // The value can be taken back out before the future runs.
/// assert_eq!(fut.as_mut().take_value().as_deref(), Some("secret"));
/// assert!(!fut.await); // it ran without a value
/// # });
/// ```
pub struct TaskLocalFuture<T: 'static, F> {
    local: &'static LocalKey<T>,
    /// The value, while no poll runs (during a poll it is in the key).
    slot: Option<T>,
    /// `None` once the future completed.
    future: Option<F>,
    /// `future` is pinned in place.
    _pinned: PhantomPinned,
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the value out, leaving the future without one (later polls
    /// and the future's drop see no value). `None` if already taken.
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        // SAFETY: `slot` is not structurally pinned; `future` is not moved.
        unsafe { self.get_unchecked_mut() }.slot.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is only reached
        // through `Pin::new_unchecked` below and dropped in place (set to
        // `None`) here or in `Drop`; the other fields are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let local = this.local;
        let future = &mut this.future;
        let res = local.scope_inner(&mut this.slot, || {
            let Some(fut) = future.as_mut() else {
                panic!("`TaskLocalFuture` polled after completion");
            };
            // SAFETY: see above: `fut` stays where it is until dropped.
            let res = unsafe { Pin::new_unchecked(fut) }.poll(cx);
            if res.is_ready() {
                // Dropped in place, with the value still set.
                *future = None;
            }
            res
        });
        match res {
            Ok(res) => res,
            Err(e) => e.panic(),
        }
    }
}

impl<T: 'static, F> Drop for TaskLocalFuture<T, F> {
    fn drop(&mut self) {
        if self.future.is_none() {
            return;
        }
        // The future's drop sees the value too, as tokio's. If the scope
        // cannot be entered, it is dropped without (`future` stays put
        // until the fields are dropped, in place).
        let future = &mut self.future;
        let _ = self.local.scope_inner(&mut self.slot, || *future = None);
    }
}

impl<T: 'static + fmt::Debug, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture")
            .field("value", &self.slot)
            .finish_non_exhaustive()
    }
}

/// The error of [`LocalKey::try_with`] outside a scope of the key.
///
/// ```
/// runtime::task_local! {
///     static KEY: u8;
/// }
///
/// let err = KEY.try_with(|_| ()).unwrap_err();
/// assert_eq!(err.to_string(), "task-local value not set");
/// ```
#[derive(Clone, Copy, Eq, PartialEq)]
pub struct AccessError {
    _private: (),
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessError").finish()
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt("task-local value not set", f)
    }
}

impl Error for AccessError {}
