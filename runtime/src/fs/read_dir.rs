//! [`read_dir`], [`ReadDir`] and [`DirEntry`].
//!
//! A [`ReadDir`] owns std's iterator and moves it, with a queue of
//! entries, to the blocking pool to fetch [`CHUNK`] entries per hop; the
//! first chunk comes with the `opendir`. An entry that is an error ends its
//! chunk, so it is returned in order, and the entries after it come from
//! the next hop.

use super::{asyncify, pool};
use crate::task::JoinHandle;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs::{FileType, Metadata};
use std::future::{poll_fn, Future};
use std::io;
use std::os::unix::fs::DirEntryExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// Entries fetched per blocking hop, as tokio's.
const CHUNK: usize = 32;

/// Opens the directory `path` for listing ([`std::fs::read_dir`]).
///
/// ```
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let mut entries = runtime::fs::read_dir(std::env::temp_dir()).await?;
/// while let Some(entry) = entries.next_entry().await? {
///     let _ = (entry.file_name(), entry.file_type().await?);
/// }
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// `NotFound` if there is no such directory, `PermissionDenied` if it may
/// not be read, and an error of kind `NotADirectory` for a file.
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let chunk = asyncify(move || {
        let mut chunk = Chunk {
            std: std::fs::read_dir(path)?,
            entries: VecDeque::with_capacity(CHUNK),
            done: false,
        };
        chunk.fill();
        Ok(chunk)
    })
    .await?;
    Ok(ReadDir(State::Idle(Some(chunk))))
}

/// The entries of a directory, from [`read_dir`]: tokio's `ReadDir`, a
/// stream written as [`next_entry`](Self::next_entry). The order is the
/// file system's; `.` and `..` are not listed.
#[must_use = "a ReadDir lists nothing unless `next_entry` is awaited"]
pub struct ReadDir(State);

enum State {
    /// The iterator and the entries fetched; `None` once a fetch failed
    /// (the iterator went with it).
    Idle(Option<Chunk>),
    /// A blocking closure is fetching the next chunk.
    Busy(JoinHandle<Chunk>),
}

struct Chunk {
    std: std::fs::ReadDir,
    entries: VecDeque<io::Result<DirEntry>>,
    /// std's iterator returned `None`.
    done: bool,
}

impl Chunk {
    /// Fetches up to [`CHUNK`] entries, stopping after an error (on the
    /// blocking pool).
    fn fill(&mut self) {
        for _ in 0..CHUNK {
            match self.std.next() {
                None => {
                    self.done = true;
                    return;
                }
                Some(Err(err)) => {
                    self.entries.push_back(Err(err));
                    return;
                }
                Some(Ok(std)) => self.entries.push_back(Ok(DirEntry::new(std))),
            }
        }
    }
}

impl ReadDir {
    /// The next entry, or `None` once every entry was returned.
    ///
    /// # Cancel safety
    /// Cancel safe: a chunk being fetched when the future is dropped is
    /// kept for the next call, and no entry is lost.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry; `Ready(Ok(None))` at the end. On
    /// `Pending`, `cx`'s waker is woken when the fetch in flight is done.
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.0 {
                State::Idle(None) => {
                    return Poll::Ready(Err(io::Error::other(
                        "the directory listing was lost in a failed blocking task",
                    )))
                }
                State::Idle(Some(chunk)) => {
                    if let Some(entry) = chunk.entries.pop_front() {
                        return Poll::Ready(entry.map(Some));
                    }
                    if chunk.done {
                        return Poll::Ready(Ok(None));
                    }
                    let handle = pool()?;
                    let State::Idle(Some(mut chunk)) =
                        std::mem::replace(&mut self.0, State::Idle(None))
                    else {
                        unreachable!("matched just above");
                    };
                    self.0 = State::Busy(handle.spawn_blocking(move || {
                        chunk.fill();
                        chunk
                    }));
                }
                State::Busy(handle) => {
                    let joined = ready!(Pin::new(handle).poll(cx));
                    match joined {
                        Ok(chunk) => self.0 = State::Idle(Some(chunk)),
                        Err(err) => {
                            self.0 = State::Idle(None);
                            return Poll::Ready(Err(err.into()));
                        }
                    }
                }
            }
        }
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.0 {
            State::Idle(Some(chunk)) if chunk.done && chunk.entries.is_empty() => "done",
            State::Idle(Some(_)) => "idle",
            State::Idle(None) => "lost",
            State::Busy(_) => "fetching",
        };
        f.debug_struct("ReadDir").field("state", &state).finish()
    }
}

/// One entry of a [`ReadDir`]: tokio's `DirEntry`.
#[derive(Debug)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    /// Read with the entry (from `d_type` on most file systems, so no
    /// extra system call); `None` if that failed, and it is asked again.
    file_type: Option<FileType>,
}

impl DirEntry {
    fn new(std: std::fs::DirEntry) -> DirEntry {
        DirEntry {
            file_type: std.file_type().ok(),
            std: Arc::new(std),
        }
    }

    /// The directory's path joined with [`file_name`](Self::file_name).
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name, without its directory.
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's inode number, from the listing (no system call).
    pub fn ino(&self) -> u64 {
        self.std.ino()
    }

    /// The entry's metadata, not following a symlink
    /// ([`std::fs::DirEntry::metadata`]).
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// The entry's type, not following a symlink: usually known from the
    /// listing, else asked on the blocking pool.
    pub async fn file_type(&self) -> io::Result<FileType> {
        if let Some(file_type) = self.file_type {
            return Ok(file_type);
        }
        let std = self.std.clone();
        asyncify(move || std.file_type()).await
    }
}
