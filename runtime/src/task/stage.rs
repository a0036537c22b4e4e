//! A task's future, then its output, in one place.
//!
//! [`Stage`] is a union: the future while the task runs, its output once it
//! completed, or nothing once that was dropped or taken. Which one lives
//! there is the [`Tag`], kept in two spare bits of the header's poll-time
//! word (`raw.rs`), not beside the union: an enum's tag cost a small task's
//! cell a whole word, and at 128 bytes it left glibc's fastbins. Whoever
//! owns the stage (rules 1 and 6 of `task/mod.rs`) owns the tag with it,
//! and the same state-word transitions that hand the stage over publish
//! both.

use super::error::Failure;
use std::future::Future;
use std::mem::ManuallyDrop;

/// What the stage holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tag {
    Running = 0,
    Finished = 1,
    Consumed = 2,
}

impl Tag {
    #[inline]
    pub(super) fn from_bits(bits: u32) -> Tag {
        match bits & 0b11 {
            0 => Tag::Running,
            1 => Tag::Finished,
            _ => Tag::Consumed,
        }
    }
}

/// The future or the output; see the module doc.
pub(super) union Stage<F: Future> {
    running: ManuallyDrop<F>,
    finished: ManuallyDrop<Result<F::Output, Failure>>,
}

impl<F: Future> Stage<F> {
    #[inline]
    pub(super) fn new(future: F) -> Stage<F> {
        Stage {
            running: ManuallyDrop::new(future),
        }
    }

    /// The future.
    ///
    /// # Safety
    /// The tag is `Running`, and the caller owns the stage.
    #[inline]
    pub(super) unsafe fn future(&mut self) -> &mut F {
        // SAFETY: the caller's contract: `running` is the live field.
        unsafe { &mut self.running }
    }

    /// Drops what `tag` says lives here, in place (a pinned future is
    /// never moved out first). The stage holds nothing afterwards, also if
    /// that drop unwinds.
    ///
    /// # Safety
    /// `tag` is the stage's tag, the caller owns the stage, and it treats
    /// the stage as `Consumed` afterwards.
    #[inline]
    pub(super) unsafe fn drop_live(&mut self, tag: Tag) {
        match tag {
            // SAFETY: the caller's contract: the field is live, and is not
            // used again.
            Tag::Running => unsafe { ManuallyDrop::drop(&mut self.running) },
            // SAFETY: as above.
            Tag::Finished => unsafe { ManuallyDrop::drop(&mut self.finished) },
            Tag::Consumed => {}
        }
    }

    /// Stores the output in a stage that holds nothing (the caller then
    /// sets the tag to `Finished`).
    #[inline]
    pub(super) fn put_output(&mut self, output: Result<F::Output, Failure>) {
        // Writing a `ManuallyDrop` field drops nothing.
        self.finished = ManuallyDrop::new(output);
    }

    /// Moves the output out (the caller then sets the tag to `Consumed`).
    ///
    /// # Safety
    /// The tag is `Finished`, and the caller owns the stage.
    #[inline]
    pub(super) unsafe fn take_output(&mut self) -> Result<F::Output, Failure> {
        // SAFETY: the caller's contract; the tag then says `Consumed`, so
        // the value is not dropped or read again.
        unsafe { ManuallyDrop::take(&mut self.finished) }
    }
}
