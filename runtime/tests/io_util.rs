//! `runtime::io`'s utilities, from tokio's documented behaviour, on both
//! flavors: `split` halves on two tasks, `duplex` (backpressure, EOF and
//! `BrokenPipe` when a side drops), the copies and their counts,
//! `BufWriter`/`BufStream`, `empty`/`sink`/`repeat`, and stdout/stderr
//! written from tasks.

use futures_util::FutureExt;
use runtime::io::{
    AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, BufStream, BufWriter,
    DuplexStream,
};
use runtime::{Builder, Runtime};
use std::future::Future;
use std::io::{self, ErrorKind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Both flavors, with every driver, each test under a 10 s timeout.
fn each_flavor<F: Future<Output = ()>>(mut test: impl FnMut(&'static str) -> F) {
    let runtimes: [(&str, Runtime); 2] = [
        (
            "current_thread",
            Builder::new_current_thread().enable_all().build().unwrap(),
        ),
        (
            "multi_thread",
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        ),
    ];
    for (flavor, rt) in runtimes {
        rt.block_on(async {
            runtime::time::timeout(Duration::from_secs(10), test(flavor))
                .await
                .unwrap_or_else(|_| panic!("{flavor}: timed out"))
        });
    }
}

/// `len` bytes of a pattern that shows a lost, doubled or reordered chunk.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

#[test]
fn split_halves_work_from_two_tasks() {
    each_flavor(|flavor| async move {
        // The stream echoes: what its write half sends comes back to its
        // read half through a peer task. 8-byte pipes force many turns.
        let (stream, peer) = runtime::io::duplex(8);
        let echo = runtime::spawn(async move {
            let (mut read, mut write) = runtime::io::split(peer);
            runtime::io::copy(&mut read, &mut write).await
        });
        let (mut read, mut write) = runtime::io::split(stream);
        assert!(read.is_pair_of(&write) && write.is_pair_of(&read));
        let data = pattern(10_000);
        let sent = data.clone();
        let writer = runtime::spawn(async move {
            write.write_all(&sent).await.unwrap();
            write.shutdown().await.unwrap();
            write
        });
        let reader = runtime::spawn(async move {
            let mut got = Vec::new();
            read.read_to_end(&mut got).await.unwrap();
            (read, got)
        });
        let (read, got) = reader.await.unwrap();
        let write = writer.await.unwrap();
        assert!(got == data, "{flavor}: the echo differs");
        assert_eq!(echo.await.unwrap().unwrap(), 10_000, "{flavor}");
        let _stream: DuplexStream = read.unsplit(write);
    });
}

#[test]
fn unsplit_with_another_streams_half_panics() {
    let (a, _) = runtime::io::split(runtime::io::empty());
    let (_, other) = runtime::io::split(runtime::io::empty());
    assert!(!a.is_pair_of(&other));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| a.unsplit(other)));
    assert!(result.is_err());
}

#[test]
fn duplex_write_then_read() {
    each_flavor(|flavor| async move {
        let (mut a, mut b) = runtime::io::duplex(64);
        a.write_all(b"ping").await.unwrap();
        let mut buf = [0; 4];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping", "{flavor}");
        b.write_all(b"pong").await.unwrap();
        a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"pong", "{flavor}");
    });
}

#[test]
fn duplex_max_buf_size_is_backpressure() {
    each_flavor(|flavor| async move {
        let (mut a, mut b) = runtime::io::duplex(8);
        // One write takes at most the room there is.
        assert_eq!(a.write(&[1; 20]).await.unwrap(), 8, "{flavor}");
        // Full: the next write waits...
        assert!(a.write(&[2; 4]).now_or_never().is_none(), "{flavor}");
        let writer = runtime::spawn(async move {
            a.write_all(&[2; 12]).await.unwrap();
            a
        });
        // ...until a read makes room.
        let mut got = vec![0; 20];
        b.read_exact(&mut got).await.unwrap();
        assert_eq!(&got[..8], &[1; 8], "{flavor}");
        assert_eq!(&got[8..], &[2; 12], "{flavor}");
        let _a = writer.await.unwrap();
    });
}

#[test]
fn duplex_vectored_write_takes_what_fits_in_order() {
    each_flavor(|flavor| async move {
        let (mut a, mut b) = runtime::io::duplex(5);
        let bufs = [
            io::IoSlice::new(b""),
            io::IoSlice::new(b"abc"),
            io::IoSlice::new(b"defg"),
        ];
        assert_eq!(a.write_vectored(&bufs).await.unwrap(), 5, "{flavor}");
        let mut got = [0; 5];
        b.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"abcde", "{flavor}");
    });
}

#[test]
fn duplex_dropped_side_gives_eof_and_broken_pipe() {
    each_flavor(|flavor| async move {
        let (mut a, mut b) = runtime::io::duplex(64);
        a.write_all(b"last words").await.unwrap();
        drop(a);
        // What was written before the drop is still read, then EOF.
        let mut got = String::new();
        b.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "last words", "{flavor}");
        assert_eq!(b.read(&mut [0; 4]).await.unwrap(), 0);
        let err = b.write_all(b"anyone?").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe, "{flavor}");
    });
}

#[test]
fn duplex_drop_wakes_a_waiting_reader_and_writer() {
    each_flavor(|flavor| async move {
        let (a, mut b) = runtime::io::duplex(4);
        let (c, mut d) = runtime::io::duplex(4);
        let reader = runtime::spawn(async move { b.read(&mut [0; 4]).await });
        let writer = runtime::spawn(async move {
            d.write_all(&[0; 4]).await?;
            d.write_all(b"more").await
        });
        runtime::time::sleep(Duration::from_millis(20)).await;
        drop(a);
        drop(c);
        assert_eq!(reader.await.unwrap().unwrap(), 0, "{flavor}");
        let err = writer.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe, "{flavor}");
    });
}

#[test]
fn duplex_shutdown_closes_one_direction() {
    each_flavor(|flavor| async move {
        let (mut a, mut b) = runtime::io::duplex(64);
        a.write_all(b"req").await.unwrap();
        a.shutdown().await.unwrap();
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"req", "{flavor}");
        // The other direction is still open.
        b.write_all(b"resp").await.unwrap();
        let mut buf = [0; 4];
        a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"resp", "{flavor}");
        // And the shut-down side may not write any more.
        assert_eq!(
            a.write(b"x").await.unwrap_err().kind(),
            ErrorKind::BrokenPipe
        );
    });
}

#[test]
fn simplex_is_one_way() {
    each_flavor(|flavor| async move {
        let (mut read, mut write) = runtime::io::simplex(4);
        let writer = runtime::spawn(async move {
            write.write_all(&pattern(100)).await.unwrap();
            write.shutdown().await.unwrap();
        });
        let mut got = Vec::new();
        read.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, pattern(100), "{flavor}");
        writer.await.unwrap();
    });
}

#[test]
fn copy_returns_the_count_and_flushes() {
    each_flavor(|flavor| async move {
        let data = pattern(100_000);
        let mut reader: &[u8] = &data;
        let mut out = BufWriter::new(Vec::new());
        let n = runtime::io::copy(&mut reader, &mut out).await.unwrap();
        assert_eq!(n, 100_000, "{flavor}");
        // Flushed at the end: nothing left in the BufWriter.
        assert!(out.buffer().is_empty());
        assert!(out.get_ref() == &data, "{flavor}");

        let mut reader = BufReader::with_capacity(7, &data[..1000]);
        let mut out = Vec::new();
        assert_eq!(
            runtime::io::copy_buf(&mut reader, &mut out).await.unwrap(),
            1000
        );
        assert_eq!(out, &data[..1000], "{flavor}");
    });
}

/// Hands out its data, then waits (forever) for more.
struct ThenPending(&'static [u8]);

impl AsyncRead for ThenPending {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.0.is_empty() {
            return Poll::Pending;
        }
        let n = self.0.len().min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Poll::Ready(Ok(n))
    }
}

#[test]
fn copy_flushes_while_the_reader_waits() {
    each_flavor(|flavor| async move {
        let (w, mut r) = runtime::io::duplex(64);
        let copier = runtime::spawn(async move {
            let mut writer = BufWriter::new(w);
            runtime::io::copy(&mut ThenPending(b"partial"), &mut writer).await
        });
        // Without the flush, "partial" would sit in the BufWriter.
        let mut buf = [0; 7];
        r.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"partial", "{flavor}");
        copier.abort();
    });
}

#[test]
fn copy_bidirectional_returns_both_counts() {
    each_flavor(|flavor| async move {
        let (mut client, mut front) = runtime::io::duplex(16);
        let (mut back, mut server) = runtime::io::duplex(16);
        let proxy =
            runtime::spawn(
                async move { runtime::io::copy_bidirectional(&mut front, &mut back).await },
            );
        let request = pattern(1000);
        let sent = request.clone();
        let client = runtime::spawn(async move {
            client.write_all(&sent).await.unwrap();
            client.shutdown().await.unwrap();
            let mut reply = Vec::new();
            client.read_to_end(&mut reply).await.unwrap();
            reply
        });
        let mut got = Vec::new();
        // EOF here means the proxy shut `back` down after the client's EOF.
        server.read_to_end(&mut got).await.unwrap();
        assert!(got == request, "{flavor}");
        server.write_all(&pattern(333)).await.unwrap();
        server.shutdown().await.unwrap();
        assert_eq!(proxy.await.unwrap().unwrap(), (1000, 333), "{flavor}");
        assert_eq!(client.await.unwrap(), pattern(333), "{flavor}");
    });
}

#[test]
fn copy_bidirectional_with_sizes_copies_through_tiny_buffers() {
    each_flavor(|flavor| async move {
        let (mut a, mut a_peer) = runtime::io::duplex(64);
        let (mut b, mut b_peer) = runtime::io::duplex(64);
        let proxy = runtime::spawn(async move {
            runtime::io::copy_bidirectional_with_sizes(&mut a, &mut b, 1, 3).await
        });
        a_peer.write_all(b"to b").await.unwrap();
        a_peer.shutdown().await.unwrap();
        b_peer.write_all(b"to a!").await.unwrap();
        b_peer.shutdown().await.unwrap();
        let (mut at_a, mut at_b) = (Vec::new(), Vec::new());
        a_peer.read_to_end(&mut at_a).await.unwrap();
        b_peer.read_to_end(&mut at_b).await.unwrap();
        assert_eq!(
            (&at_a[..], &at_b[..]),
            (&b"to a!"[..], &b"to b"[..]),
            "{flavor}"
        );
        assert_eq!(proxy.await.unwrap().unwrap(), (4, 5), "{flavor}");
    });
}

#[test]
fn copy_bidirectional_stops_at_the_first_error() {
    each_flavor(|flavor| async move {
        let (mut a, a_peer) = runtime::io::duplex(64);
        let (mut b, b_peer) = runtime::io::duplex(64);
        let proxy =
            runtime::spawn(async move { runtime::io::copy_bidirectional(&mut a, &mut b).await });
        let mut a_peer = a_peer;
        drop(b_peer);
        // `a` to `b` now fails: `b`'s peer is gone.
        a_peer.write_all(b"lost").await.unwrap();
        let err = proxy.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe, "{flavor}");
    });
}

#[test]
fn buf_writer_flushes_on_shutdown() {
    each_flavor(|flavor| async move {
        let (w, mut r) = runtime::io::duplex(64);
        let mut w = BufWriter::with_capacity(32, w);
        w.write_all(b"kept back").await.unwrap();
        assert_eq!(w.buffer(), b"kept back");
        assert!(
            r.read(&mut [0; 16]).now_or_never().is_none(),
            "{flavor}: written early"
        );
        w.shutdown().await.unwrap();
        let mut got = Vec::new();
        r.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"kept back", "{flavor}");
    });
}

#[test]
fn buf_stream_buffers_both_ways() {
    each_flavor(|flavor| async move {
        let (stream, mut peer) = runtime::io::duplex(64);
        let mut stream = BufStream::with_capacity(4, 16, stream);
        stream.write_all(b"hello\n").await.unwrap();
        assert!(peer.read(&mut [0; 8]).now_or_never().is_none(), "{flavor}");
        stream.flush().await.unwrap();
        let mut buf = [0; 6];
        peer.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hello\n");
        peer.write_all(b"line one\nline two\n").await.unwrap();
        let mut line = String::new();
        stream.read_line(&mut line).await.unwrap();
        assert_eq!(line, "line one\n", "{flavor}");
        // The stream under both buffers.
        let _: &DuplexStream = stream.get_ref();
        let _: &mut DuplexStream = stream.get_mut();
        let _: DuplexStream = stream.into_inner();
    });
}

#[test]
fn empty_sink_and_repeat() {
    each_flavor(|flavor| async move {
        let mut empty = runtime::io::empty();
        assert_eq!(empty.read(&mut [0; 4]).await.unwrap(), 0, "{flavor}");
        assert_eq!(empty.fill_buf().await.unwrap(), b"");
        assert_eq!(empty.write(b"abc").await.unwrap(), 3);

        let mut sink = runtime::io::sink();
        assert_eq!(sink.write(&[0; 100]).await.unwrap(), 100);
        sink.flush().await.unwrap();
        sink.shutdown().await.unwrap();

        let mut got = Vec::new();
        runtime::io::repeat(b'z')
            .take(5)
            .read_to_end(&mut got)
            .await
            .unwrap();
        assert_eq!(got, b"zzzzz", "{flavor}");
        let n = runtime::io::copy(
            &mut runtime::io::repeat(1).take(1 << 20),
            &mut runtime::io::sink(),
        )
        .await
        .unwrap();
        assert_eq!(n, 1 << 20, "{flavor}");
    });
}

/// `repeat` is always ready, yet a task reading it in a loop still lets
/// the other tasks on its one thread run: it spends the cooperative
/// budget, as every resource does.
#[test]
fn always_ready_readers_spend_the_budget() {
    for (flavor, rt) in [
        (
            "current_thread",
            Builder::new_current_thread().enable_all().build().unwrap(),
        ),
        (
            "multi_thread(1)",
            Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap(),
        ),
    ] {
        rt.block_on(async {
            let stop = Arc::new(AtomicBool::new(false));
            let flag = stop.clone();
            let spinner = runtime::spawn(async move {
                let mut repeat = runtime::io::repeat(0);
                let mut reads = 0u64;
                while !flag.load(Ordering::Relaxed) {
                    repeat.read(&mut [0; 16]).await.unwrap();
                    reads += 1;
                }
                reads
            });
            // Let the spinner start, then ask it to stop from another task
            // on the same thread.
            runtime::task::yield_now().await;
            runtime::spawn(async move { stop.store(true, Ordering::Relaxed) });
            let reads = runtime::time::timeout(Duration::from_secs(10), spinner)
                .await
                .unwrap_or_else(|_| panic!("{flavor}: the spinner starved the other task"))
                .unwrap();
            assert!(reads > 0, "{flavor}");
        });
    }
}

#[test]
fn stdout_and_stderr_from_tasks() {
    each_flavor(|flavor| async move {
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                runtime::spawn(async move {
                    let mut out = runtime::io::stdout();
                    out.write_all(format!("io_util: stdout from task {i}\n").as_bytes())
                        .await?;
                    out.flush().await?;
                    let mut err = runtime::io::stderr();
                    err.write_all(format!("io_util: stderr from task {i}\n").as_bytes())
                        .await?;
                    err.shutdown().await?;
                    io::Result::Ok(())
                })
            })
            .collect();
        for task in tasks {
            task.await
                .unwrap()
                .unwrap_or_else(|e| panic!("{flavor}: {e}"));
        }
        // Through a BufWriter, as a program that prints a lot would.
        let mut out = BufWriter::new(runtime::io::stdout());
        for i in 0..3 {
            out.write_all(format!("io_util: buffered line {i}\n").as_bytes())
                .await
                .unwrap();
        }
        out.shutdown().await.unwrap();
    });
}
