//! The task's `Waker`: a `RawWakerVTable` over the task's ref count.

use super::harness::after_notify;
use super::raw::{Header, RawTask};
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

/// A waker that borrows the runner's ref instead of owning one: polling a
/// task costs no ref-count traffic. Cloning it takes a real ref.
pub(super) struct WakerRef {
    waker: ManuallyDrop<Waker>,
}

impl Deref for WakerRef {
    type Target = Waker;
    fn deref(&self) -> &Waker {
        &self.waker
    }
}

/// Requires no ref: the caller (the runner) keeps the cell alive for as
/// long as the returned value lives, and it is never dropped as a `Waker`.
pub(super) fn waker_ref(raw: RawTask) -> WakerRef {
    let ptr = raw.header_ptr().as_ptr() as *const ();
    // SAFETY: the vtable's functions uphold `RawWaker`'s contract for a
    // pointer to a live task header; `ManuallyDrop` skips the ref drop.
    let waker = unsafe { Waker::from_raw(RawWaker::new(ptr, &VTABLE)) };
    WakerRef {
        waker: ManuallyDrop::new(waker),
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// # Safety
/// `ptr` is the data pointer of a waker of this vtable, alive (a waker
/// owns a ref, or borrows the runner's).
unsafe fn raw_of(ptr: *const ()) -> RawTask {
    // SAFETY: every waker of this vtable is made from a non-null header of
    // a live cell (the caller's contract).
    unsafe { RawTask::from_raw(NonNull::new_unchecked(ptr as *mut Header)) }
}

// The four functions below are called by `Waker` with the data pointer of
// a waker of this vtable, which is `raw_of`'s contract.

unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: see above.
    unsafe { raw_of(ptr) }.header().state.ref_inc();
    RawWaker::new(ptr, &VTABLE)
}

unsafe fn wake(ptr: *const ()) {
    // SAFETY: see above.
    let raw = unsafe { raw_of(ptr) };
    #[cfg(feature = "tracing")]
    super::trace::woken(&raw.trailer().meta.span);
    // SAFETY: the transition consumed this waker's ref and says what to do.
    unsafe { after_notify(raw, raw.header().state.transition_to_notified_by_val()) };
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: see above.
    let raw = unsafe { raw_of(ptr) };
    #[cfg(feature = "tracing")]
    super::trace::woken(&raw.trailer().meta.span);
    // SAFETY: the transition took a new ref if it must submit.
    unsafe { after_notify(raw, raw.header().state.transition_to_notified_by_ref()) };
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: see above.
    let raw = unsafe { raw_of(ptr) };
    if raw.header().state.ref_dec() {
        // SAFETY: that was the last ref.
        unsafe { raw.dealloc() };
    }
}
