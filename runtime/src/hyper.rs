//! hyper 1.x on this runtime (feature `hyper`): the executor, the timer
//! and the IO traits hyper asks for, as hyper-util's `rt::tokio` module
//! gives them for tokio.
//!
//! - [`Executor`]: `hyper::rt::Executor`, spawning onto the current
//!   runtime (HTTP/2 connections spawn their streams through it).
//! - [`Timer`]: `hyper::rt::Timer` on this crate's timer. Give it to the
//!   server builder: without a timer hyper silently ignores its
//!   `header_read_timeout`.
//! - [`Io`]: `hyper::rt::Read` and `hyper::rt::Write` over any of this
//!   crate's byte streams (anything `futures_io::AsyncRead +
//!   AsyncWrite`).
//!
//! ```
//! use runtime::hyper::{Io, Timer};
//! use runtime::net::{TcpListener, TcpStream};
//! use http_body_util::{BodyExt, Empty, Full};
//! use hyper::{body::Bytes, Request, Response};
//!
//! # runtime::Runtime::new().unwrap().block_on(async {
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! runtime::spawn(async move {
//!     let (stream, _) = listener.accept().await.unwrap();
//!     let hello = hyper::service::service_fn(|_req| async {
//!         Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from("hello"))))
//!     });
//!     hyper::server::conn::http1::Builder::new()
//!         .timer(Timer::new())
//!         .serve_connection(Io::new(stream), hello)
//!         .await
//!         .unwrap();
//! });
//!
//! let stream = TcpStream::connect(addr).await?;
//! let (mut client, conn) = hyper::client::conn::http1::handshake(Io::new(stream)).await?;
//! runtime::spawn(conn);
//! client.ready().await?;
//! let request = Request::get("/").header("host", "localhost").body(Empty::<Bytes>::new())?;
//! let response = client.send_request(request).await?;
//! let body = response.into_body().collect().await?.to_bytes();
//! assert_eq!(&body[..], b"hello");
//! # Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
//! # }).unwrap();
//! ```

use futures_io::{AsyncRead, AsyncWrite};
use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

/// hyper's `Executor`: spawns onto the current runtime
/// ([`spawn`](crate::spawn)), so it must be used inside one.
#[derive(Clone, Copy, Debug, Default)]
pub struct Executor;

impl Executor {
    /// The executor.
    pub fn new() -> Executor {
        Executor
    }
}

impl<F> hyper::rt::Executor<F> for Executor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        drop(crate::spawn(future));
    }
}

/// hyper's `Timer`, on this crate's timer (so it follows a paused clock).
#[derive(Clone, Copy, Debug, Default)]
pub struct Timer;

impl Timer {
    /// The timer.
    pub fn new() -> Timer {
        Timer
    }
}

/// A [`crate::time::Sleep`] as hyper's `Sleep`.
#[derive(Debug)]
struct Sleep(Pin<Box<crate::time::Sleep>>);

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

impl hyper::rt::Sleep for Sleep {}

impl hyper::rt::Timer for Timer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(Sleep(Box::pin(crate::time::sleep(duration))))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        let deadline = crate::time::Instant::from_std(deadline);
        Box::pin(Sleep(Box::pin(crate::time::sleep_until(deadline))))
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<Sleep>() {
            // Ours: moved in place, no new timer.
            Some(mut ours) => ours
                .0
                .as_mut()
                .reset(crate::time::Instant::from_std(new_deadline)),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// One of this crate's byte streams (any `futures_io::AsyncRead +
/// AsyncWrite`) as hyper's `Read` and `Write`.
#[derive(Debug)]
pub struct Io<T> {
    inner: T,
}

impl<T> Io<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Io<T> {
        Io { inner }
    }

    /// The stream.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The stream, mutably.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Gives the stream back.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + Unpin> hyper::rt::Read for Io<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: `ReadBufCursor::as_mut`'s rule is not to de-initialize
        // what it hands out: we only write bytes into it.
        let spare: &mut [MaybeUninit<u8>] = unsafe { buf.as_mut() };
        // futures-io reads into initialized memory: zero what we offer
        // (at most 64 KiB a read, so a large buffer costs little).
        let len = spare.len().min(64 * 1024);
        let spare = &mut spare[..len];
        spare.fill(MaybeUninit::new(0));
        // SAFETY: every byte of `spare` was just initialized, and
        // `MaybeUninit<u8>` has `u8`'s layout.
        let bytes = unsafe { &mut *(spare as *mut [MaybeUninit<u8>] as *mut [u8]) };
        let n = ready!(Pin::new(&mut self.inner).poll_read(cx, bytes))?;
        // SAFETY: the read filled the first `n` bytes (`n <= len`, as
        // `poll_read` promises).
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for Io<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
}
