//! The byte-stream trait impls that `TcpStream` and `UnixStream` share:
//! `futures_io::AsyncRead`/`AsyncWrite` on the stream and on `&stream`
//! (`poll_close` shuts the write side down), the halves' `Sealed`
//! operations, and the fd and `Debug` impls. One definition, so the two
//! streams cannot drift apart.

/// Implements the stream traits for `$ty`, a type with an
/// `io: IoSource<_>` field over a std stream and a `shutdown(Shutdown)`
/// method.
macro_rules! stream_io_impls {
    ($ty:ident) => {
        impl $crate::net::split::Stream for $ty {}

        impl $crate::net::split::sealed::Sealed for $ty {
            fn poll_read_priv(
                &self,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut [u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                self.io
                    .poll_io($crate::registration::Direction::Read, cx, |mut s| {
                        ::std::io::Read::read(&mut s, buf)
                    })
            }

            fn poll_write_priv(
                &self,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                self.io
                    .poll_io($crate::registration::Direction::Write, cx, |mut s| {
                        ::std::io::Write::write(&mut s, buf)
                    })
            }

            fn poll_write_vectored_priv(
                &self,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                self.io
                    .poll_io($crate::registration::Direction::Write, cx, |mut s| {
                        ::std::io::Write::write_vectored(&mut s, bufs)
                    })
            }

            fn shutdown_write(&self) -> ::std::io::Result<()> {
                self.shutdown_std(::std::net::Shutdown::Write)
            }
        }

        impl ::futures_io::AsyncRead for &$ty {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut [u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                $crate::net::split::sealed::Sealed::poll_read_priv(*self, cx, buf)
            }

            fn poll_read_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &mut [::std::io::IoSliceMut<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                self.io
                    .poll_io($crate::registration::Direction::Read, cx, |mut s| {
                        ::std::io::Read::read_vectored(&mut s, bufs)
                    })
            }
        }

        impl ::futures_io::AsyncWrite for &$ty {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                $crate::net::split::sealed::Sealed::poll_write_priv(*self, cx, buf)
            }

            fn poll_write_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                $crate::net::split::sealed::Sealed::poll_write_vectored_priv(*self, cx, bufs)
            }

            fn poll_flush(
                self: ::std::pin::Pin<&mut Self>,
                _cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                ::std::task::Poll::Ready(Ok(()))
            }

            /// Shuts the write side down.
            fn poll_close(
                self: ::std::pin::Pin<&mut Self>,
                _cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                ::std::task::Poll::Ready(self.shutdown_std(::std::net::Shutdown::Write))
            }
        }

        impl ::futures_io::AsyncRead for $ty {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut [u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                ::futures_io::AsyncRead::poll_read(::std::pin::Pin::new(&mut &*self), cx, buf)
            }

            fn poll_read_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &mut [::std::io::IoSliceMut<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                ::futures_io::AsyncRead::poll_read_vectored(
                    ::std::pin::Pin::new(&mut &*self),
                    cx,
                    bufs,
                )
            }
        }

        impl ::futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                ::futures_io::AsyncWrite::poll_write(::std::pin::Pin::new(&mut &*self), cx, buf)
            }

            fn poll_write_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                ::futures_io::AsyncWrite::poll_write_vectored(
                    ::std::pin::Pin::new(&mut &*self),
                    cx,
                    bufs,
                )
            }

            fn poll_flush(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                ::futures_io::AsyncWrite::poll_flush(::std::pin::Pin::new(&mut &*self), cx)
            }

            /// Shuts the write side down.
            fn poll_close(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                ::futures_io::AsyncWrite::poll_close(::std::pin::Pin::new(&mut &*self), cx)
            }
        }

        impl ::std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> ::std::os::fd::RawFd {
                self.io.as_raw_fd()
            }
        }

        impl ::std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> ::std::os::fd::BorrowedFd<'_> {
                self.io.as_fd()
            }
        }

        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&self.io, f)
            }
        }
    };
}

pub(crate) use stream_io_impls;
