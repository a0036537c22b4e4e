//! `OnceCell`: tokio's async once-cell, a value slot beside a batch
//! semaphore with one permit, the right to initialize.
//!
//! # Rules
//!
//! 1. While `value_set` is false, only the holder of the semaphore's
//!    permit writes `value` (in `set_value`).
//! 2. `value_set` goes from false to true once, with `Release`, after the
//!    write; then the semaphore is closed and the permit retired with it.
//!    From then on `value` is only read, through `&self` (or changed
//!    through `&mut self`).
//! 3. The semaphore is closed only after `value_set` is true, so an
//!    acquire that fails as closed may read the value (the close is
//!    `Release`, seeing it closed `Acquire`).
//!
//! A task whose initializer is cancelled or panics drops the permit, which
//! goes to the next waiting task: it then runs its own initializer.

use super::batch_semaphore as batch;
use super::error::{SetError, TryAcquireError};
use crate::loom::{AtomicBool, Ordering, UnsafeCell};
use runtime_coop::wait::SyncKind;
use std::fmt;
use std::future::Future;
use std::mem::MaybeUninit;

/// A cell set at most once, as tokio's: [`get_or_init`](OnceCell::get_or_init)
/// runs one initializer (an `async` one) while concurrent callers wait for
/// its value. If the initializer is cancelled or panics, the next waiting
/// caller runs its own.
///
/// ```
/// use runtime::sync::OnceCell;
///
/// static CONFIG: OnceCell<String> = OnceCell::const_new();
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let value = CONFIG.get_or_init(|| async { "loaded".to_string() }).await;
/// assert_eq!(value, "loaded");
/// assert_eq!(CONFIG.get().map(String::as_str), Some("loaded"));
/// # });
/// ```
pub struct OnceCell<T> {
    value_set: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
    semaphore: batch::Semaphore,
}

// SAFETY: `get` hands `&T` to every thread (`T: Sync`), and `set` moves a
// `T` in from any thread (`T: Send`). (`Send` is derived: `T: Send`.)
unsafe impl<T: Send + Sync> Sync for OnceCell<T> {}

/// The permit of the task that initializes: given back if it is dropped
/// before the value is set (cancelled, or its initializer panicked).
struct Initializing<'a>(&'a batch::Semaphore);

impl Drop for Initializing<'_> {
    fn drop(&mut self) {
        self.0.release(1);
    }
}

impl<T> OnceCell<T> {
    /// An empty cell.
    pub fn new() -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: batch::Semaphore::new(1).with_kind(SyncKind::OnceCell),
        }
    }

    /// [`new`](OnceCell::new) in a `const` context, for a `static`.
    #[cfg(not(loom))]
    pub const fn const_new() -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: batch::Semaphore::const_new(1).with_kind(SyncKind::OnceCell),
        }
    }

    /// A cell holding `value` if it is `Some`, else an empty one.
    pub fn new_with(value: Option<T>) -> OnceCell<T> {
        match value {
            Some(value) => OnceCell::from(value),
            None => OnceCell::new(),
        }
    }

    /// A cell holding `value`, in a `const` context.
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            semaphore: batch::Semaphore::const_new_closed(),
        }
    }

    /// Whether the cell holds a value.
    pub fn initialized(&self) -> bool {
        // Acquire: pairs with the `Release` store in `set_value` (rule 2),
        // so a caller that sees `true` may read the value.
        self.value_set.load(Ordering::Acquire)
    }

    /// The value, if the cell holds one.
    pub fn get(&self) -> Option<&T> {
        // SAFETY: set, so only read from now on (rule 2); the `Acquire`
        // in `initialized` makes the write visible.
        self.initialized().then(|| unsafe { self.get_unchecked() })
    }

    /// The value, through `&mut self`, if the cell holds one.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        // Relaxed: `&mut self` rules out any concurrent access.
        if !self.value_set.load(Ordering::Relaxed) {
            return None;
        }
        // SAFETY: set (rule 2), and `&mut self` is exclusive.
        Some(self.value.with_mut(|p| unsafe { (*p).assume_init_mut() }))
    }

    /// Sets the value if the cell is empty and no task is initializing it.
    ///
    /// # Errors
    /// [`SetError::AlreadyInitializedError`] if it holds a value,
    /// [`SetError::InitializingError`] if a `get_or_init` (or a `set`) is
    /// initializing it right now; the value comes back in either.
    ///
    /// ```
    /// use runtime::sync::{OnceCell, SetError};
    ///
    /// let cell = OnceCell::new();
    /// assert!(cell.set(1).is_ok());
    /// assert!(matches!(cell.set(2), Err(SetError::AlreadyInitializedError(2))));
    /// assert_eq!(cell.get(), Some(&1));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.semaphore.try_acquire(1) {
            Ok(()) => {
                self.set_value(value, Initializing(&self.semaphore));
                Ok(())
            }
            Err(TryAcquireError::NoPermits) => Err(SetError::InitializingError(value)),
            Err(TryAcquireError::Closed) => Err(SetError::AlreadyInitializedError(value)),
        }
    }

    /// The value, running `f` to make it if the cell is empty. Callers that
    /// come while `f`'s future runs wait for its value; `f` runs in one
    /// task at a time.
    ///
    /// ```
    /// use runtime::sync::OnceCell;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let cell = Arc::new(OnceCell::new());
    /// let runs = Arc::new(AtomicUsize::new(0));
    /// let mut set = runtime::task::JoinSet::new();
    /// for _ in 0..4 {
    ///     let (cell, runs) = (cell.clone(), runs.clone());
    ///     set.spawn(async move {
    ///         *cell
    ///             .get_or_init(|| async {
    ///                 runs.fetch_add(1, Ordering::SeqCst);
    ///                 runtime::task::yield_now().await;
    ///                 42
    ///             })
    ///             .await
    ///     });
    /// }
    /// assert_eq!(set.join_all().await, [42; 4]);
    /// assert_eq!(runs.load(Ordering::SeqCst), 1); // initialized once
    /// # });
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe: if this future is dropped (or `f`'s future panics),
    /// the next waiting caller runs its own initializer.
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        if let Some(value) = self.get() {
            return value;
        }
        match self.initializing().await {
            Some(permit) => self.set_value(f().await, permit),
            None => self.get_after_close(),
        }
    }

    /// [`get_or_init`](OnceCell::get_or_init) with an initializer that may
    /// fail: its error is returned and the cell stays empty (the next
    /// waiting caller tries its own).
    ///
    /// ```
    /// use runtime::sync::OnceCell;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let cell = OnceCell::new();
    /// let failed = cell.get_or_try_init(|| async { Err("not yet") }).await;
    /// assert_eq!(failed, Err("not yet"));
    /// assert!(!cell.initialized()); // still empty: the next caller tries
    /// let ok = cell.get_or_try_init(|| async { Ok::<_, &str>(7) }).await;
    /// assert_eq!(ok, Ok(&7));
    /// # });
    /// ```
    ///
    /// # Errors
    /// The error of `f`'s future.
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        match self.initializing().await {
            Some(permit) => Ok(self.set_value(f().await?, permit)),
            None => Ok(self.get_after_close()),
        }
    }

    /// Consumes the cell, returning its value if it holds one.
    pub fn into_inner(self) -> Option<T> {
        // Relaxed: `self` is owned.
        if !self.value_set.load(Ordering::Relaxed) {
            return None;
        }
        // Cleared so that `Drop` does not drop the value read out below.
        self.value_set.store(false, Ordering::Relaxed);
        // SAFETY: set (rule 2); read out once, as the flag is now clear.
        Some(self.value.with(|p| unsafe { (*p).assume_init_read() }))
    }

    /// Takes the value out, leaving the cell empty (and settable again).
    pub fn take(&mut self) -> Option<T> {
        std::mem::take(self).into_inner()
    }

    /// Waits for the permit to initialize (`Some`), or for the cell to be
    /// set by another task (`None`: the semaphore was closed, rule 3).
    async fn initializing(&self) -> Option<Initializing<'_>> {
        match self.semaphore.acquire(1).await {
            Ok(()) => Some(Initializing(&self.semaphore)),
            Err(_) => None,
        }
    }

    fn get_after_close(&self) -> &T {
        self.get()
            .expect("a once-cell's semaphore is closed only once the value is set")
    }

    /// Writes the value and publishes it (rules 1 and 2).
    fn set_value(&self, value: T, permit: Initializing<'_>) -> &T {
        debug_assert!(
            !self.initialized(),
            "only the permit's holder sets (rule 1)"
        );
        // SAFETY: we hold the permit and the value is not set (rule 1).
        self.value.with_mut(|p| unsafe { (*p).write(value) });
        // Release: publishes the write (rule 2).
        self.value_set.store(true, Ordering::Release);
        self.semaphore.close();
        // The permit is retired with the semaphore, not given back.
        std::mem::forget(permit);
        // SAFETY: just set.
        unsafe { self.get_unchecked() }
    }

    /// # Safety
    /// The value must be set, and the caller must have seen `value_set`
    /// true with `Acquire` (or hold `&mut self`).
    unsafe fn get_unchecked(&self) -> &T {
        // SAFETY: per the caller, set and published; only read (rule 2).
        self.value.with(|p| unsafe { (*p).assume_init_ref() })
    }
}

impl<T> Drop for OnceCell<T> {
    fn drop(&mut self) {
        // Relaxed: `&mut self`.
        if self.value_set.load(Ordering::Relaxed) {
            // SAFETY: set (rule 2), and dropped once: the cell dies here.
            self.value.with_mut(|p| unsafe { (*p).assume_init_drop() });
        }
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> Self {
        OnceCell {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            semaphore: batch::Semaphore::new_closed(),
        }
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> Self {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}
