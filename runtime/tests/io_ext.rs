//! `runtime::io`'s extension traits, from tokio's documented behaviour, on
//! both flavors: the integer methods, `read_exact`, std's guarantees of
//! `read_to_end`/`read_to_string`, `read_line`, `lines`, `read_buf`,
//! `write_all_buf`, `take`/`chain`, seeking, and which futures are
//! `Unpin`.

use futures_util::FutureExt;
use runtime::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader, ReadBuf};
use runtime::{Builder, Runtime};
use std::collections::VecDeque;
use std::future::Future;
use std::io::{self, Cursor, ErrorKind, SeekFrom};
use std::pin::Pin;
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

/// One step of a [`Script`]ed reader.
#[derive(Clone, Debug)]
enum Step {
    Data(&'static [u8]),
    /// `Pending` once (after waking itself).
    Pending,
    Error(ErrorKind),
}

/// A reader that plays its steps, one per poll, then reads EOF.
#[derive(Debug)]
struct Script(VecDeque<Step>);

fn script(steps: &[Step]) -> Script {
    Script(steps.iter().cloned().collect())
}

impl futures_io::AsyncRead for Script {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.0.pop_front() {
            None => Poll::Ready(Ok(0)),
            Some(Step::Pending) => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Some(Step::Error(kind)) => Poll::Ready(Err(kind.into())),
            Some(Step::Data(data)) => {
                let n = data.len().min(buf.len());
                buf[..n].copy_from_slice(&data[..n]);
                if n < data.len() {
                    self.0.push_front(Step::Data(&data[n..]));
                }
                Poll::Ready(Ok(n))
            }
        }
    }
}

#[test]
fn every_integer_round_trips_in_both_byte_orders() {
    each_flavor(|flavor| async move {
        let mut out: Vec<u8> = Vec::new();
        out.write_u8(0xab).await.unwrap();
        out.write_i8(-2).await.unwrap();
        out.write_u16(0x0102).await.unwrap();
        out.write_i16(-3).await.unwrap();
        out.write_u32(0x0102_0304).await.unwrap();
        out.write_i32(-4).await.unwrap();
        out.write_u64(0x0102_0304_0506_0708).await.unwrap();
        out.write_i64(-5).await.unwrap();
        out.write_u128(u128::MAX - 6).await.unwrap();
        out.write_i128(i128::MIN + 7).await.unwrap();
        out.write_f32(1.5).await.unwrap();
        out.write_f64(-2.25).await.unwrap();
        out.write_u16_le(0x0102).await.unwrap();
        out.write_i16_le(-3).await.unwrap();
        out.write_u32_le(0x0102_0304).await.unwrap();
        out.write_i32_le(-4).await.unwrap();
        out.write_u64_le(0x0102_0304_0506_0708).await.unwrap();
        out.write_i64_le(-5).await.unwrap();
        out.write_u128_le(u128::MAX - 6).await.unwrap();
        out.write_i128_le(i128::MIN + 7).await.unwrap();
        out.write_f32_le(1.5).await.unwrap();
        out.write_f64_le(-2.25).await.unwrap();

        let mut expected = vec![0xab, (-2i8) as u8];
        expected.extend(0x0102u16.to_be_bytes());
        expected.extend((-3i16).to_be_bytes());
        expected.extend(0x0102_0304u32.to_be_bytes());
        expected.extend((-4i32).to_be_bytes());
        expected.extend(0x0102_0304_0506_0708u64.to_be_bytes());
        expected.extend((-5i64).to_be_bytes());
        expected.extend((u128::MAX - 6).to_be_bytes());
        expected.extend((i128::MIN + 7).to_be_bytes());
        expected.extend(1.5f32.to_be_bytes());
        expected.extend((-2.25f64).to_be_bytes());
        expected.extend(0x0102u16.to_le_bytes());
        expected.extend((-3i16).to_le_bytes());
        expected.extend(0x0102_0304u32.to_le_bytes());
        expected.extend((-4i32).to_le_bytes());
        expected.extend(0x0102_0304_0506_0708u64.to_le_bytes());
        expected.extend((-5i64).to_le_bytes());
        expected.extend((u128::MAX - 6).to_le_bytes());
        expected.extend((i128::MIN + 7).to_le_bytes());
        expected.extend(1.5f32.to_le_bytes());
        expected.extend((-2.25f64).to_le_bytes());
        assert_eq!(out, expected, "{flavor}");

        // Read back through a duplex that hands out 3 bytes at a time, so
        // every wide read takes several polls.
        let (mut w, mut r) = runtime::io::duplex(3);
        let writer = runtime::spawn(async move { w.write_all(&out).await });
        assert_eq!(r.read_u8().await.unwrap(), 0xab);
        assert_eq!(r.read_i8().await.unwrap(), -2);
        assert_eq!(r.read_u16().await.unwrap(), 0x0102);
        assert_eq!(r.read_i16().await.unwrap(), -3);
        assert_eq!(r.read_u32().await.unwrap(), 0x0102_0304);
        assert_eq!(r.read_i32().await.unwrap(), -4);
        assert_eq!(r.read_u64().await.unwrap(), 0x0102_0304_0506_0708);
        assert_eq!(r.read_i64().await.unwrap(), -5);
        assert_eq!(r.read_u128().await.unwrap(), u128::MAX - 6);
        assert_eq!(r.read_i128().await.unwrap(), i128::MIN + 7);
        assert_eq!(r.read_f32().await.unwrap(), 1.5);
        assert_eq!(r.read_f64().await.unwrap(), -2.25);
        assert_eq!(r.read_u16_le().await.unwrap(), 0x0102);
        assert_eq!(r.read_i16_le().await.unwrap(), -3);
        assert_eq!(r.read_u32_le().await.unwrap(), 0x0102_0304);
        assert_eq!(r.read_i32_le().await.unwrap(), -4);
        assert_eq!(r.read_u64_le().await.unwrap(), 0x0102_0304_0506_0708);
        assert_eq!(r.read_i64_le().await.unwrap(), -5);
        assert_eq!(r.read_u128_le().await.unwrap(), u128::MAX - 6);
        assert_eq!(r.read_i128_le().await.unwrap(), i128::MIN + 7);
        assert_eq!(r.read_f32_le().await.unwrap(), 1.5);
        assert_eq!(r.read_f64_le().await.unwrap(), -2.25);
        writer.await.unwrap().unwrap();
        // Past the end: EOF in the middle of a number.
        assert_eq!(
            r.read_u32().await.unwrap_err().kind(),
            ErrorKind::UnexpectedEof,
            "{flavor}"
        );
    });
}

#[test]
fn a_number_cut_short_is_unexpected_eof() {
    each_flavor(|flavor| async move {
        let mut reader: &[u8] = &[1, 2, 3];
        let err = reader.read_u64_le().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof, "{flavor}");
    });
}

#[test]
fn a_write_of_zero_is_write_zero() {
    each_flavor(|flavor| async move {
        let mut storage = [0u8; 3];
        let mut full: &mut [u8] = &mut storage;
        // std's `&mut [u8]` writer: 3 bytes fit, then it takes 0.
        let mut writer = futures_util::io::AllowStdIo::new(&mut full);
        let err = writer.write_u32(1).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero, "{flavor}");
        let err = writer.write_all(b"x").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero, "{flavor}");
    });
}

#[test]
fn read_exact_returns_the_length_and_fails_at_eof() {
    each_flavor(|flavor| async move {
        let mut reader = script(&[
            Step::Data(b"he"),
            Step::Pending,
            Step::Data(b"llo"),
            Step::Data(b"!"),
        ]);
        let mut buf = [0; 5];
        assert_eq!(reader.read_exact(&mut buf).await.unwrap(), 5, "{flavor}");
        assert_eq!(&buf, b"hello");
        let err = reader.read_exact(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof, "{flavor}");
        // An empty buffer reads nothing, even at EOF.
        assert_eq!(reader.read_exact(&mut []).await.unwrap(), 0);
    });
}

#[test]
fn read_returns_some_bytes_then_zero_at_eof() {
    each_flavor(|flavor| async move {
        let mut reader = script(&[Step::Pending, Step::Data(b"abc")]);
        let mut buf = [0; 8];
        assert_eq!(reader.read(&mut buf).await.unwrap(), 3, "{flavor}");
        assert_eq!(reader.read(&mut buf).await.unwrap(), 0, "{flavor}");
    });
}

#[test]
fn read_to_end_does_not_reallocate_a_buffer_with_room() {
    each_flavor(|flavor| async move {
        // Exactly the capacity: the probe read must find EOF without
        // growing the Vec.
        for capacity in [5, 64, 100] {
            let mut buf = Vec::with_capacity(capacity);
            buf.extend_from_slice(b"old");
            let ptr = buf.as_ptr();
            let data: &'static [u8] = &[7; 97][..capacity - 3];
            let mut reader = script(&[
                Step::Data(&data[..1]),
                Step::Pending,
                Step::Data(&data[1..]),
            ]);
            let n = reader.read_to_end(&mut buf).await.unwrap();
            assert_eq!(n, capacity - 3, "{flavor}");
            assert_eq!(buf.len(), capacity, "{flavor}");
            assert_eq!(buf.capacity(), capacity, "{flavor}: reallocated");
            assert_eq!(buf.as_ptr(), ptr, "{flavor}: reallocated");
            assert_eq!(&buf[..3], b"old");
        }
        // With room to spare, the spare capacity stays.
        let mut buf = Vec::with_capacity(1000);
        let ptr = buf.as_ptr();
        let mut reader: &[u8] = &[1; 300];
        assert_eq!(reader.read_to_end(&mut buf).await.unwrap(), 300);
        assert_eq!((buf.len(), buf.capacity(), buf.as_ptr()), (300, 1000, ptr));
    });
}

#[test]
fn read_to_end_grows_past_the_capacity() {
    each_flavor(|flavor| async move {
        let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let mut reader: &[u8] = &data;
        let mut buf = Vec::with_capacity(10);
        assert_eq!(reader.read_to_end(&mut buf).await.unwrap(), data.len());
        assert_eq!(buf, data, "{flavor}");
    });
}

#[test]
fn read_to_end_keeps_what_was_read_before_an_error() {
    each_flavor(|flavor| async move {
        let mut buf = b"old ".to_vec();
        let mut reader = script(&[
            Step::Data(b"new"),
            Step::Pending,
            Step::Data(b" data"),
            Step::Error(ErrorKind::ConnectionReset),
        ]);
        let err = reader.read_to_end(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{flavor}");
        assert_eq!(buf, b"old new data", "{flavor}");
    });
}

#[test]
fn read_to_end_cancelled_keeps_the_bytes_and_no_scratch() {
    each_flavor(|flavor| async move {
        let mut buf = Vec::with_capacity(64);
        let mut reader = script(&[Step::Data(b"abc"), Step::Pending, Step::Data(b"def")]);
        // One poll reads "abc" and then meets `Pending`.
        assert!(reader.read_to_end(&mut buf).now_or_never().is_none());
        assert_eq!(buf, b"abc", "{flavor}");
        assert_eq!(reader.read_to_end(&mut buf).await.unwrap(), 3);
        assert_eq!(buf, b"abcdef", "{flavor}");
    });
}

#[test]
fn read_to_string_appends_without_reallocating() {
    each_flavor(|flavor| async move {
        let mut text = String::with_capacity(11);
        text.push_str("héllo");
        let ptr = text.as_ptr();
        let mut reader = script(&[Step::Data(b" w"), Step::Pending, Step::Data(b"rld")]);
        // 6 + 5 bytes: exactly the capacity.
        assert_eq!(
            reader.read_to_string(&mut text).await.unwrap(),
            5,
            "{flavor}"
        );
        assert_eq!(text, "héllo wrld");
        assert_eq!((text.capacity(), text.as_ptr()), (11, ptr), "{flavor}");
    });
}

#[test]
fn read_to_string_leaves_the_string_unchanged_on_invalid_utf8() {
    each_flavor(|flavor| async move {
        let mut text = String::from("old");
        let mut reader = script(&[
            Step::Data(b"valid, then "),
            Step::Pending,
            Step::Data(&[0xff, 0xfe]),
        ]);
        let err = reader.read_to_string(&mut text).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData, "{flavor}");
        assert_eq!(text, "old", "{flavor}");
        // A character cut at EOF is invalid too.
        let mut reader: &[u8] = "é".as_bytes().split_at(1).0;
        assert_eq!(
            reader.read_to_string(&mut text).await.unwrap_err().kind(),
            ErrorKind::InvalidData
        );
        assert_eq!(text, "old", "{flavor}");
    });
}

#[test]
fn read_to_string_truncates_back_on_an_io_error() {
    each_flavor(|flavor| async move {
        let mut text = String::from("old");
        let mut reader = script(&[
            Step::Data(b"new"),
            Step::Pending,
            Step::Data(b" data"),
            Step::Error(ErrorKind::BrokenPipe),
        ]);
        let err = reader.read_to_string(&mut text).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe, "{flavor}");
        assert_eq!(text, "old", "{flavor}");
    });
}

#[test]
fn read_to_string_cancelled_keeps_the_old_text() {
    each_flavor(|flavor| async move {
        let mut text = String::from("old ");
        // "é" is cut in two by the pending step: only "ab" is whole.
        let (e1, e2) = "é".as_bytes().split_at(1);
        let mut reader = script(&[
            Step::Data(b"ab"),
            Step::Data(e1),
            Step::Pending,
            Step::Data(e2),
        ]);
        assert!(reader.read_to_string(&mut text).now_or_never().is_none());
        assert_eq!(text, "old ab", "{flavor}");
    });
}

#[test]
fn read_line_keeps_the_newline_and_returns_zero_at_eof() {
    each_flavor(|flavor| async move {
        let mut reader = BufReader::new(script(&[
            Step::Data(b"one\ntw"),
            Step::Pending,
            Step::Data(b"o\r\nthree"),
        ]));
        let mut line = String::new();
        assert_eq!(reader.read_line(&mut line).await.unwrap(), 4, "{flavor}");
        assert_eq!(line, "one\n");
        // read_line appends.
        assert_eq!(reader.read_line(&mut line).await.unwrap(), 5);
        assert_eq!(line, "one\ntwo\r\n");
        line.clear();
        assert_eq!(reader.read_line(&mut line).await.unwrap(), 5);
        assert_eq!(line, "three");
        line.clear();
        assert_eq!(reader.read_line(&mut line).await.unwrap(), 0, "{flavor}");
        assert_eq!(line, "");
    });
}

#[test]
fn read_line_with_invalid_utf8_leaves_the_string_unchanged() {
    each_flavor(|flavor| async move {
        let mut reader = BufReader::new(&b"\xff\xfe\nnext\n"[..]);
        let mut line = String::from("kept");
        let err = reader.read_line(&mut line).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData, "{flavor}");
        assert_eq!(line, "kept");
        // The bad line was consumed; the next one reads.
        line.clear();
        reader.read_line(&mut line).await.unwrap();
        assert_eq!(line, "next\n", "{flavor}");
    });
}

#[test]
fn read_until_appends_through_the_delimiter() {
    each_flavor(|flavor| async move {
        let mut reader = BufReader::with_capacity(2, &b"a,bcd,e"[..]);
        let mut buf = Vec::new();
        assert_eq!(reader.read_until(b',', &mut buf).await.unwrap(), 2);
        assert_eq!(reader.read_until(b',', &mut buf).await.unwrap(), 4);
        assert_eq!(buf, b"a,bcd,", "{flavor}");
        buf.clear();
        assert_eq!(reader.read_until(b',', &mut buf).await.unwrap(), 1);
        assert_eq!(reader.read_until(b',', &mut buf).await.unwrap(), 0);
        assert_eq!(buf, b"e", "{flavor}");
    });
}

#[test]
fn lines_strip_newlines_and_end_with_none() {
    each_flavor(|flavor| async move {
        let reader = BufReader::new(script(&[
            Step::Data(b"first\nsec"),
            Step::Pending,
            Step::Data(b"ond\r\n\nlast"),
        ]));
        let mut lines = reader.lines();
        let mut got = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            got.push(line);
        }
        assert_eq!(got, ["first", "second", "", "last"], "{flavor}");
        assert_eq!(lines.next_line().await.unwrap(), None);
    });
}

#[test]
fn next_line_is_cancel_safe() {
    each_flavor(|flavor| async move {
        let reader = BufReader::new(script(&[
            Step::Data(b"par"),
            Step::Pending,
            Step::Data(b"tial\n"),
        ]));
        let mut lines = reader.lines();
        // Cancelled after "par" was read.
        assert!(lines.next_line().now_or_never().is_none());
        assert_eq!(
            lines.next_line().await.unwrap().as_deref(),
            Some("partial"),
            "{flavor}"
        );
    });
}

#[test]
fn split_yields_segments_without_the_delimiter() {
    each_flavor(|flavor| async move {
        let mut segments = BufReader::new(&b"a\0bc\0\0d"[..]).split(0);
        let mut got = Vec::new();
        while let Some(segment) = segments.next_segment().await.unwrap() {
            got.push(segment);
        }
        assert_eq!(got, [&b"a"[..], b"bc", b"", b"d"], "{flavor}");
    });
}

#[test]
fn fill_buf_and_consume() {
    each_flavor(|flavor| async move {
        let mut reader = BufReader::with_capacity(4, &b"abcdef"[..]);
        assert_eq!(reader.fill_buf().await.unwrap(), b"abcd", "{flavor}");
        reader.consume(3);
        assert_eq!(reader.fill_buf().await.unwrap(), b"d");
        reader.consume(1);
        assert_eq!(reader.fill_buf().await.unwrap(), b"ef");
        reader.consume(2);
        assert_eq!(reader.fill_buf().await.unwrap(), b"", "{flavor}");
    });
}

#[test]
fn read_buf_fills_a_vec_and_a_read_buf() {
    each_flavor(|flavor| async move {
        let mut reader: &[u8] = b"abcdefgh";
        let mut vec = Vec::with_capacity(3);
        vec.push(b'>');
        assert_eq!(reader.read_buf(&mut vec).await.unwrap(), 2, "{flavor}");
        assert_eq!(vec, b">ab");
        // A full Vec grows to make room.
        assert_eq!(reader.read_buf(&mut vec).await.unwrap(), 6);
        assert_eq!(vec, b">abcdefgh");

        let mut storage = [0u8; 4];
        let mut buf = ReadBuf::new(&mut storage);
        buf.put_slice(b"x");
        let mut reader: &[u8] = b"12345";
        assert_eq!(reader.read_buf(&mut buf).await.unwrap(), 3);
        assert_eq!(buf.filled(), b"x123");
        // No room: Ok(0) without reading.
        assert_eq!(reader.read_buf(&mut buf).await.unwrap(), 0, "{flavor}");
        assert_eq!(reader, b"45");
    });
}

#[test]
fn write_buf_and_write_all_buf_advance_the_source() {
    each_flavor(|flavor| async move {
        let (mut w, mut r) = runtime::io::duplex(4);
        let mut src = Cursor::new(b"hello world".to_vec());
        // One write: at most what the pipe holds.
        assert_eq!(w.write_buf(&mut src).await.unwrap(), 4, "{flavor}");
        assert_eq!(src.position(), 4);
        let reader = runtime::spawn(async move {
            let mut got = Vec::new();
            r.read_to_end(&mut got).await.unwrap();
            got
        });
        w.write_all_buf(&mut src).await.unwrap();
        assert_eq!(src.position(), 11);
        let mut deque: VecDeque<u8> = b"!!".iter().copied().collect();
        w.write_all_buf(&mut deque).await.unwrap();
        assert!(deque.is_empty());
        let mut empty: &[u8] = b"";
        assert_eq!(w.write_buf(&mut empty).await.unwrap(), 0);
        w.shutdown().await.unwrap();
        assert_eq!(reader.await.unwrap(), b"hello world!!", "{flavor}");
    });
}

#[test]
fn write_vectored_writes_in_order() {
    each_flavor(|flavor| async move {
        let mut out = Vec::new();
        let bufs = [io::IoSlice::new(b"ab"), io::IoSlice::new(b"cd")];
        let n = out.write_vectored(&bufs).await.unwrap();
        assert_eq!(&out[..], &b"abcd"[..n], "{flavor}");
    });
}

#[test]
fn take_and_chain() {
    each_flavor(|flavor| async move {
        let mut taken = (&b"abcdef"[..]).take(4);
        let mut got = String::new();
        taken.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "abcd", "{flavor}");
        assert_eq!(taken.limit(), 0);
        assert_eq!(taken.into_inner(), b"ef");

        let mut chained = (&b"ab"[..]).chain(&b"cd"[..]);
        let mut got = Vec::new();
        chained.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"abcd", "{flavor}");
    });
}

#[test]
fn seek_rewind_and_stream_position() {
    each_flavor(|flavor| async move {
        let mut cursor = futures_util::io::Cursor::new(b"0123456789".to_vec());
        assert_eq!(cursor.seek(SeekFrom::Start(3)).await.unwrap(), 3);
        assert_eq!(cursor.read_u8().await.unwrap(), b'3');
        assert_eq!(cursor.stream_position().await.unwrap(), 4, "{flavor}");
        assert_eq!(cursor.seek(SeekFrom::Current(-2)).await.unwrap(), 2);
        assert_eq!(cursor.seek(SeekFrom::End(-1)).await.unwrap(), 9);
        cursor.rewind().await.unwrap();
        assert_eq!(cursor.read_u8().await.unwrap(), b'0', "{flavor}");
    });
}

#[test]
fn flush_and_shutdown_reach_the_writer() {
    each_flavor(|flavor| async move {
        let (w, mut r) = runtime::io::duplex(64);
        let mut w = runtime::io::BufWriter::new(w);
        w.write_all(b"buffered").await.unwrap();
        let mut buf = [0; 16];
        assert!(
            r.read(&mut buf).now_or_never().is_none(),
            "{flavor}: not flushed yet"
        );
        w.flush().await.unwrap();
        assert_eq!(r.read(&mut buf).await.unwrap(), 8);
        w.shutdown().await.unwrap();
        assert_eq!(r.read(&mut buf).await.unwrap(), 0, "{flavor}");
    });
}

/// A stream's `split()` is its own (borrowed halves), not a trait's, with
/// every extension trait in scope: futures-util's `AsyncReadExt::split`
/// used to take it.
#[test]
fn a_streams_split_is_its_inherent_method() {
    #[allow(unused_imports)]
    use runtime::io::*;
    each_flavor(|flavor| async move {
        let (mut a, mut b) = runtime::net::UnixStream::pair().unwrap();
        {
            let (_read, mut write): (
                runtime::net::unix::ReadHalf<'_>,
                runtime::net::unix::WriteHalf<'_>,
            ) = a.split();
            write.write_all(b"x").await.unwrap();
        }
        assert_eq!(b.read_u8().await.unwrap(), b'x', "{flavor}");
        a.write_u8(1).await.unwrap();
    });
}

/// Which futures are `Unpin`: tokio's read/write futures are `!Unpin`;
/// `Lines`, `Split`, `Take`, `Chain` and the `BufReader` family are `Unpin`
/// over an `Unpin` reader.
#[test]
fn unpin_as_tokio() {
    // Compiles only if `T: !Unpin`: with `T: Unpin` both impls apply and
    // the call is ambiguous.
    trait AmbiguousIfUnpin<A> {
        fn check() {}
    }
    impl<T: ?Sized> AmbiguousIfUnpin<()> for T {}
    impl<T: ?Sized + Unpin> AmbiguousIfUnpin<u8> for T {}
    fn not_unpin<T: ?Sized>(_: &T) {
        <T as AmbiguousIfUnpin<_>>::check()
    }
    fn unpin<T: Unpin>(_: &T) {}

    let mut reader: &[u8] = b"";
    let mut writer: Vec<u8> = Vec::new();
    let mut vec = Vec::new();
    let mut string = String::new();
    let mut buf = [0u8; 4];
    not_unpin(&reader.read(&mut buf));
    not_unpin(&reader.read_exact(&mut buf));
    not_unpin(&reader.read_to_end(&mut vec));
    not_unpin(&reader.read_to_string(&mut string));
    not_unpin(&reader.read_buf(&mut vec));
    not_unpin(&reader.read_u32());
    not_unpin(&reader.read_line(&mut string));
    not_unpin(&reader.read_until(b'\n', &mut vec));
    not_unpin(&reader.fill_buf());
    not_unpin(&writer.write(b""));
    not_unpin(&writer.write_all(b""));
    not_unpin(&writer.write_u64_le(0));
    not_unpin(&writer.flush());
    not_unpin(&writer.shutdown());
    unpin(&BufReader::new(reader).lines());
    unpin(&BufReader::new(reader).split(b'\n'));
    unpin(&reader.take(1));
    unpin(&reader.chain(reader));
    unpin(&runtime::io::BufStream::new(runtime::io::duplex(1).0));
    unpin(&runtime::io::split(runtime::io::duplex(1).0).0);
}

/// `Send` and `Sync` where tokio's are.
#[test]
fn send_and_sync() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let mut reader: &[u8] = b"";
    let mut string = String::new();
    send_sync(&reader.read_to_string(&mut string));
    send_sync(&runtime::io::duplex(1).0);
    send_sync(&runtime::io::split(runtime::io::duplex(1).0));
    send_sync(&runtime::io::stdout());
    send_sync(&runtime::io::stdin());
    send_sync(&runtime::io::empty());
    send_sync(&runtime::io::sink());
    send_sync(&runtime::io::repeat(0));
}
