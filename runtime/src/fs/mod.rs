//! Files and directories: tokio's `fs` module, on the blocking pool.
//!
//! The operating system has no readiness events for regular files, so
//! every operation here is a closure on the blocking pool
//! ([`crate::task::spawn_blocking`]), awaited through its `JoinHandle`:
//! the worker thread never blocks on the disk. The free functions are
//! std's of the same name, one blocking hop each. [`File`] batches, as
//! tokio's: a write returns once its bytes are copied, and a read fills a
//! buffer of up to 2 MiB per hop (see its doc for the state machine).
//!
//! ```
//! use runtime::fs;
//! use runtime::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # runtime::Runtime::new().unwrap().block_on(async {
//! let dir = std::env::temp_dir().join(format!("runtime-fs-doc-{}", std::process::id()));
//! fs::create_dir_all(&dir).await?;
//!
//! // Whole-file helpers.
//! fs::write(dir.join("a.txt"), b"hello").await?;
//! assert_eq!(fs::read_to_string(dir.join("a.txt")).await?, "hello");
//!
//! // A `File`, with the futures-io traits and this crate's extensions.
//! let mut file = fs::File::create(dir.join("b.txt")).await?;
//! file.write_all(b"world").await?;
//! file.flush().await?; // waits for the write behind
//! let mut text = String::new();
//! fs::File::open(dir.join("b.txt")).await?.read_to_string(&mut text).await?;
//! assert_eq!(text, "world");
//!
//! // Listing a directory.
//! let mut names = Vec::new();
//! let mut entries = fs::read_dir(&dir).await?;
//! while let Some(entry) = entries.next_entry().await? {
//!     names.push(entry.file_name());
//! }
//! names.sort();
//! assert_eq!(names, ["a.txt", "b.txt"]);
//!
//! fs::remove_dir_all(&dir).await?;
//! assert!(!fs::try_exists(&dir).await?);
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```
//!
//! | file | the one idea in it |
//! |---|---|
//! | `ops.rs` | the free functions: one std call each on the pool |
//! | `open_options.rs` | [`OpenOptions`] |
//! | `dir_builder.rs` | [`DirBuilder`] |
//! | `read_dir.rs` | [`ReadDir`] and [`DirEntry`]: entries fetched 32 per hop |
//! | `file.rs` | [`File`]'s public methods and trait impls |
//! | `file/state.rs` | [`File`]'s state machine: one operation in flight |
//! | `file/buf.rs` | [`File`]'s buffer: read-ahead or data to write |
//!
//! # Differences from tokio
//! - [`File`] implements futures-io's [`AsyncRead`](crate::io::AsyncRead),
//!   [`AsyncWrite`](crate::io::AsyncWrite) and
//!   [`AsyncSeek`](crate::io::AsyncSeek) (as the rest of [`crate::io`]).
//! - A [`File`] reads ahead: sequential reads that fill their buffer
//!   double the next read, up to [`File::max_buf_size`], so a file read in
//!   small pieces costs few blocking hops. tokio reads at most the
//!   caller's buffer length per hop.
//! - The error of a failed background write is returned by the next
//!   operation of any kind on the [`File`] (read, write, seek, flush,
//!   `sync_all`, `sync_data`, `set_len`); tokio keeps it for the next write
//!   or flush, and `sync_all` can succeed over it.
//! - A dropped [`File`] is closed on the blocking pool, since `close(2)`
//!   can block (an NFS write-back; ext4 flushing a file that was truncated
//!   and rewritten); tokio closes it on the thread that drops it.
//! - [`File::into_std`] never panics: if a closure of a dropped
//!   `metadata` future still holds the file, it returns a `dup` of it.
//! - Outside a runtime, every function returns an `io::Error` instead of
//!   panicking.
//! - This crate is Unix-only, so `symlink`, `DirBuilder::mode`,
//!   `OpenOptions::mode`/`custom_flags` and `DirEntry::ino` are always
//!   there; there is no `symlink_file`/`symlink_dir`.

mod dir_builder;
mod file;
mod open_options;
mod ops;
mod read_dir;

pub use dir_builder::DirBuilder;
pub use file::File;
pub use open_options::OpenOptions;
pub use ops::{
    canonicalize, copy, create_dir, create_dir_all, hard_link, metadata, read, read_link,
    read_to_string, remove_dir, remove_dir_all, remove_file, rename, set_permissions, symlink,
    symlink_metadata, try_exists, write,
};
pub use read_dir::{read_dir, DirEntry, ReadDir};

use crate::runtime::Handle;
use std::io;

/// The current runtime, whose blocking pool runs this module's closures;
/// an error (not tokio's panic) outside a runtime.
fn pool() -> io::Result<Handle> {
    Handle::try_current().map_err(|_| {
        io::Error::other("runtime::fs must be used from within a runtime (no runtime is current)")
    })
}

/// Runs `f` on the blocking pool and waits for it. A closure that panicked,
/// or was cancelled by the runtime's shutdown, is an `io::Error`.
async fn asyncify<F, T>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    pool()?.spawn_blocking(f).await?
}
