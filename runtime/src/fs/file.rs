//! [`File`]: the public type, its methods and its trait impls; the state
//! machine they drive is `file/state.rs`.

mod buf;
mod state;

use super::{asyncify, OpenOptions};
use crate::sync::Mutex;
use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};
use state::Inner;
use std::fmt;
use std::fs::{File as StdFile, Metadata, Permissions};
use std::io::{self, IoSlice, SeekFrom};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The most bytes one blocking read or write moves, as tokio's.
const DEFAULT_MAX_BUF_SIZE: usize = 2 * 1024 * 1024;

/// An open file, as tokio's `fs::File`: std's file whose reads, writes and
/// seeks run on the blocking pool, with the futures-io traits
/// ([`AsyncRead`], [`AsyncWrite`], [`AsyncSeek`]); read and write it with
/// [`AsyncReadExt`](crate::io::AsyncReadExt) and
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt).
///
/// ```
/// use runtime::fs::File;
/// use runtime::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, SeekFrom};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let path = std::env::temp_dir().join(format!("runtime-file-doc-{}", std::process::id()));
/// let mut file = File::options().read(true).write(true).create(true).truncate(true).open(&path).await?;
/// file.write_all(b"hello, world").await?;
/// file.seek(SeekFrom::Start(7)).await?;
/// let mut word = [0; 5];
/// file.read_exact(&mut word).await?;
/// assert_eq!(&word, b"world");
/// // A write returns once its bytes are copied: `flush` waits for the
/// // disk write and returns its error, if any.
/// file.flush().await?;
/// runtime::fs::remove_file(&path).await?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
///
/// # Batching
/// At most one blocking operation is in flight per file, and a write does
/// not wait for it: it copies up to [`max_buf_size`](Self::max_buf_size)
/// bytes (2 MiB by default) into the file's buffer, hands them to the
/// blocking pool, and returns. The next operation waits for that write;
/// if it failed, the next read, write, seek, flush, `sync_all`,
/// `sync_data` or `set_len` returns its error (once). So call `flush`
/// before dropping a file whose writes must be known to have succeeded;
/// a file dropped with a write in flight lets it finish in the
/// background. (`flush` does not ask the disk to persist the data: that
/// is [`sync_all`](Self::sync_all).)
///
/// A read of a sequential reader reads ahead: each read that fills what
/// it asked doubles the next, up to `max_buf_size`, and later reads are
/// served from the buffer. Seeks, writes and `set_len` discard what was
/// read ahead and put the OS cursor back where the caller is; so do
/// [`try_clone`](Self::try_clone) and [`into_std`](Self::into_std).
///
/// # Cancel safety
/// A read whose future is dropped leaves its blocking read in flight; the
/// next read returns its bytes, at the right position, so nothing is
/// lost or read twice. A dropped write either was not taken (no bytes
/// copied) or was taken whole (its length returned). A seek is not
/// cancel safe: it may or may not have happened.
///
/// # Differences from tokio
/// The traits are futures-io's; reads read ahead; a failed write is
/// reported by the next operation of any kind; a dropped file is closed on
/// the blocking pool (see the [module doc](crate::fs)).
pub struct File {
    std: StdRef,
    inner: Mutex<Inner>,
    max_buf_size: usize,
}

/// The std file, shared with the closure in flight (rule 1 of
/// `file/state.rs`). Dropped, it closes the file on the blocking pool if it
/// holds the last reference: `close(2)` can block (NFS writes back, ext4
/// flushes a file that was truncated and rewritten). The `Option` is
/// `None` only inside [`take`](Self::take) and `drop`.
struct StdRef(Option<Arc<StdFile>>);

impl StdRef {
    fn take(mut self) -> Arc<StdFile> {
        self.0.take().expect("a StdRef holds its file until taken")
    }
}

impl std::ops::Deref for StdRef {
    type Target = Arc<StdFile>;
    fn deref(&self) -> &Arc<StdFile> {
        self.0
            .as_ref()
            .expect("a StdRef holds its file until taken")
    }
}

impl Drop for StdRef {
    fn drop(&mut self) {
        let Some(std) = self.0.take() else { return };
        // With a closure in flight, that closure holds the last reference
        // and closes the file on the pool; outside a runtime, close here.
        if Arc::strong_count(&std) == 1 {
            if let Ok(pool) = super::pool() {
                drop(pool.spawn_blocking(move || drop(std)));
            }
        }
    }
}

impl File {
    /// Opens `path` read-only.
    ///
    /// # Errors
    /// `NotFound`, `PermissionDenied`, or another `open(2)` error.
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        File::options().read(true).open(path).await
    }

    /// Opens `path` write-only, creating it if needed and truncating it.
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        File::options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates `path` for reading and writing; `AlreadyExists` if it
    /// exists.
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// A new [`OpenOptions`], as [`OpenOptions::new`].
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open std file.
    pub fn from_std(std: StdFile) -> File {
        File {
            std: StdRef(Some(Arc::new(std))),
            inner: Mutex::new(Inner::new()),
            max_buf_size: DEFAULT_MAX_BUF_SIZE,
        }
    }

    /// Waits for the operation in flight, then asks the OS to persist the
    /// file's data and metadata (`fsync`).
    ///
    /// # Errors
    /// A background write's error not yet returned, else `fsync`'s.
    pub async fn sync_all(&self) -> io::Result<()> {
        let std = self.std.clone();
        let mut inner = self.inner.lock().await;
        inner.run(&std, true, false, StdFile::sync_all).await
    }

    /// As [`sync_all`](Self::sync_all), without the metadata that is not
    /// needed to read the data back (`fdatasync`).
    pub async fn sync_data(&self) -> io::Result<()> {
        let std = self.std.clone();
        let mut inner = self.inner.lock().await;
        inner.run(&std, true, false, StdFile::sync_data).await
    }

    /// Truncates or extends the file to `size` bytes, after the operation
    /// in flight; the cursor does not move.
    ///
    /// # Errors
    /// A background write's error not yet returned, else `ftruncate`'s
    /// (`InvalidInput` for a file not open for writing).
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let std = self.std.clone();
        let mut inner = self.inner.lock().await;
        inner.run(&std, true, true, move |f| f.set_len(size)).await
    }

    /// The file's metadata (`fstat`).
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// A new `File` for the same open file (`dup`): it shares the cursor,
    /// which is first put back where this one's caller is. A background
    /// write's error stays with this file.
    pub async fn try_clone(&self) -> io::Result<File> {
        let std = self.std.clone();
        {
            let mut inner = self.inner.lock().await;
            inner.complete().await;
            if inner.has_read_ahead() {
                inner.run(&std, false, true, |_| Ok(())).await?;
            }
        }
        let clone = asyncify(move || std.try_clone()).await?;
        let mut file = File::from_std(clone);
        file.set_max_buf_size(self.max_buf_size);
        Ok(file)
    }

    /// The std file, after the operation in flight, with its cursor at this
    /// file's position. A background write's error not yet returned is
    /// lost: `flush` first to see it.
    ///
    /// If a closure of a dropped `metadata` or `set_permissions` future
    /// still holds the file, the std file returned is a `dup` of it
    /// (sharing its cursor); where tokio panics.
    pub async fn into_std(mut self) -> StdFile {
        let inner = self.inner.get_mut();
        inner.complete().await;
        if inner.has_read_ahead() {
            // On failure the cursor stays ahead; there is no error to return.
            let _ = inner.run(&self.std, false, true, |_| Ok(())).await;
        }
        let mut shared = self.std.take();
        loop {
            match Arc::try_unwrap(shared) {
                Ok(std) => return std,
                Err(still) => match still.try_clone() {
                    Ok(std) => return std,
                    Err(_) => {
                        // Out of descriptors: wait for the other holder.
                        shared = still;
                        crate::task::yield_now().await;
                    }
                },
            }
        }
    }

    /// The std file, if no operation is in flight and nothing else holds
    /// it; else the file back. Bytes read ahead are discarded, the cursor
    /// put back with one `lseek` on this thread.
    #[allow(clippy::result_large_err)]
    pub fn try_into_std(mut self) -> Result<StdFile, File> {
        let inner = self.inner.get_mut();
        if inner.is_busy() || Arc::strong_count(&self.std) > 1 {
            return Err(self);
        }
        if inner.seek_back_now(&self.std).is_err() {
            return Err(self);
        }
        match Arc::try_unwrap(self.std.take()) {
            Ok(std) => Ok(std),
            Err(std) => {
                self.std = StdRef(Some(std));
                Err(self)
            }
        }
    }

    /// Sets the file's permissions (`fchmod`).
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        let std = self.std.clone();
        asyncify(move || std.set_permissions(perm)).await
    }

    /// The most bytes one blocking read or write moves (at least 1): reads
    /// ahead up to it, and a larger write returns a short count.
    pub fn set_max_buf_size(&mut self, max_buf_size: usize) {
        self.max_buf_size = max_buf_size.max(1);
    }

    /// See [`set_max_buf_size`](Self::set_max_buf_size); 2 MiB by default.
    pub fn max_buf_size(&self) -> usize {
        self.max_buf_size
    }
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        me.inner
            .get_mut()
            .poll_read(cx, &me.std, me.max_buf_size, buf)
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let src = [IoSlice::new(buf)];
        me.inner
            .get_mut()
            .poll_write(cx, &me.std, me.max_buf_size, &src)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        me.inner
            .get_mut()
            .poll_write(cx, &me.std, me.max_buf_size, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.get_mut().poll_flush(cx)
    }

    /// A flush: the file is closed when it is dropped.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let me = self.get_mut();
        me.inner.get_mut().poll_seek(cx, &me.std, pos)
    }
}

impl From<StdFile> for File {
    fn from(std: StdFile) -> File {
        File::from_std(std)
    }
}

impl From<OwnedFd> for File {
    fn from(fd: OwnedFd) -> File {
        File::from_std(StdFile::from(fd))
    }
}

impl AsRawFd for File {
    fn as_raw_fd(&self) -> RawFd {
        self.std.as_raw_fd()
    }
}

impl AsFd for File {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.std.as_fd()
    }
}

impl FromRawFd for File {
    /// # Safety
    /// As [`FromRawFd::from_raw_fd`]: `fd` is an open file descriptor that
    /// the new `File` owns (and closes).
    unsafe fn from_raw_fd(fd: RawFd) -> File {
        // SAFETY: the caller upholds `from_raw_fd`'s contract, which is
        // `StdFile::from_raw_fd`'s.
        File::from_std(unsafe { StdFile::from_raw_fd(fd) })
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("File");
        d.field("std", &**self.std);
        match self.inner.try_lock() {
            Ok(inner) => d.field("inner", &*inner),
            Err(_) => d.field("inner", &"<locked>"),
        };
        d.field("max_buf_size", &self.max_buf_size).finish()
    }
}
