//! tokio's `AsyncRead` and `AsyncWrite` for this crate's streams (feature
//! `tokio-io`), by way of their futures-io impls: so tokio-util's codecs,
//! hyper-util's `TokioIo` and other libraries written against tokio's
//! traits take these sockets as they are. tokio without default features
//! is just the traits.

use crate::net::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, Stream, WriteHalf};
use crate::net::{TcpStream, UnixStream};

/// Implements tokio's `AsyncRead` for types that implement futures-io's
/// (`[generics] Type`, several at once). Not an API.
#[doc(hidden)]
#[macro_export]
macro_rules! __tokio_read_via_futures_io {
    ($([$($g:tt)*] $ty:ty),* $(,)?) => {$(
        impl<$($g)*> $crate::__tokio::io::AsyncRead for $ty {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut $crate::__tokio::io::ReadBuf<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                // `initialize_unfilled` zeroes only what was never
                // initialized, once per buffer.
                let n = ::std::task::ready!(::futures_io::AsyncRead::poll_read(
                    self,
                    cx,
                    buf.initialize_unfilled()
                ))?;
                buf.advance(n);
                ::std::task::Poll::Ready(Ok(()))
            }
        }
    )*};
}

/// Implements tokio's `AsyncWrite` for types that implement futures-io's
/// (`poll_shutdown` is `poll_close`). Not an API.
#[doc(hidden)]
#[macro_export]
macro_rules! __tokio_write_via_futures_io {
    ($([$($g:tt)*] $ty:ty),* $(,)?) => {$(
        impl<$($g)*> $crate::__tokio::io::AsyncWrite for $ty {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                ::futures_io::AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_flush(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                ::futures_io::AsyncWrite::poll_flush(self, cx)
            }

            fn poll_shutdown(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                ::futures_io::AsyncWrite::poll_close(self, cx)
            }

            fn poll_write_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                ::futures_io::AsyncWrite::poll_write_vectored(self, cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }
        }
    )*};
}

__tokio_read_via_futures_io!(
    [] TcpStream,
    [] UnixStream,
    [S: Stream] ReadHalf<'_, S>,
    [S: Stream] OwnedReadHalf<S>,
);
__tokio_write_via_futures_io!(
    [] TcpStream,
    [] UnixStream,
    [S: Stream] WriteHalf<'_, S>,
    [S: Stream] OwnedWriteHalf<S>,
);
