//! `runtime::fs::File`, from tokio's documented behaviour, on both
//! flavors: write, seek and read back through one file, read-ahead and the
//! cursor, a failed background write reported by the next operation, a
//! read dropped mid-flight, a file dropped with a write in flight, 200
//! files at once, and a 1 GiB file with a checksum.

mod common;
mod fs_common;

use common::poll_noop;
use fs_common::*;
use runtime::fs::{self, File, OpenOptions};
use runtime::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, SeekFrom};
use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

#[test]
fn write_seek_and_read_back_through_one_file() {
    each_flavor(LIMIT, |flavor| async move {
        let dir = TempDir::new("seek");
        let path = dir.join("f");
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .open(&path)
            .await
            .unwrap();
        f.write_all(b"hello world").await.unwrap();
        assert_eq!(f.seek(SeekFrom::Start(6)).await.unwrap(), 6, "{flavor}");
        let mut word = [0; 5];
        f.read_exact(&mut word).await.unwrap();
        assert_eq!(&word, b"world");
        assert_eq!(f.seek(SeekFrom::Current(-5)).await.unwrap(), 6);
        f.write_all(b"WORLD").await.unwrap();
        assert_eq!(f.stream_position().await.unwrap(), 11);
        assert_eq!(f.seek(SeekFrom::End(-11)).await.unwrap(), 0);
        let mut all = Vec::new();
        f.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"hello WORLD");
        // At the end, a read is EOF.
        assert_eq!(f.read(&mut [0; 8]).await.unwrap(), 0);

        // A failed seek leaves the position as it was.
        f.seek(SeekFrom::Start(2)).await.unwrap();
        assert_kind(
            f.seek(SeekFrom::Current(-10)).await,
            ErrorKind::InvalidInput,
            "seek < 0",
        );
        assert_eq!(f.read_u8().await.unwrap(), b'l');
        // Seeking past the end, then writing, leaves a hole of zeros.
        f.seek(SeekFrom::Start(13)).await.unwrap();
        f.write_all(b"!").await.unwrap();
        f.rewind().await.unwrap();
        all.clear();
        f.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"hello WORLD\0\0!");
        f.flush().await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"hello WORLD\0\0!");
    });
}

#[test]
fn read_ahead_keeps_the_cursor_right() {
    each_flavor(LIMIT, |flavor| async move {
        let dir = TempDir::new("ahead");
        let path = dir.join("f");
        let data = pattern(1 << 20, 7);
        fs::write(&path, &data).await.unwrap();
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        // Small sequential reads: the window grows past what was asked.
        let mut got = vec![0; 4096 * 8];
        for piece in got.chunks_mut(4096) {
            f.read_exact(piece).await.unwrap();
        }
        assert_eq!(got, data[..got.len()], "{flavor}");
        let pos = got.len() as u64;
        // The OS cursor is ahead; a seek by 0 reports the caller's position.
        assert_eq!(f.stream_position().await.unwrap(), pos);
        for piece in got.chunks_mut(4096) {
            f.read_exact(piece).await.unwrap();
        }
        let pos = 2 * pos;
        assert_eq!(got, data[pos as usize / 2..pos as usize]);
        // A write goes where the caller is, not where the read-ahead got to.
        f.write_all(b"XYZ").await.unwrap();
        let mut next = [0; 3];
        f.read_exact(&mut next).await.unwrap();
        assert_eq!(next, data[pos as usize + 3..pos as usize + 6]);
        // set_len, try_clone and into_std see the caller's position too.
        for piece in got.chunks_mut(4096) {
            f.read_exact(piece).await.unwrap();
        }
        let pos = pos + 6 + got.len() as u64;
        let mut clone = f.try_clone().await.unwrap();
        assert_eq!(clone.stream_position().await.unwrap(), pos);
        assert_eq!(clone.read_u8().await.unwrap(), data[pos as usize]);
        f.rewind().await.unwrap();
        f.read_exact(&mut got).await.unwrap();
        let mut std = f.into_std().await;
        use std::io::Seek;
        assert_eq!(std.stream_position().unwrap(), got.len() as u64);

        let on_disk = fs::read(&path).await.unwrap();
        let p = 2 * 4096 * 8;
        assert_eq!(&on_disk[p..p + 3], b"XYZ");
        assert_eq!(on_disk.len(), data.len());
    });
}

#[test]
fn file_methods() {
    each_flavor(LIMIT, |flavor| async move {
        let dir = TempDir::new("methods");
        let path = dir.join("f");
        let mut f = File::create(&path).await.unwrap();
        f.write_all(b"0123456789").await.unwrap();
        f.sync_all().await.unwrap();
        f.sync_data().await.unwrap();
        assert_eq!(f.metadata().await.unwrap().len(), 10, "{flavor}");
        f.set_len(4).await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"0123");
        f.set_len(6).await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"0123\0\0");
        // The cursor did not move: the next write is at 10.
        f.write_all(b"!").await.unwrap();
        f.flush().await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"0123\0\0\0\0\0\0!");

        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .await
            .unwrap();
        assert_eq!(
            f.metadata().await.unwrap().permissions().mode() & 0o777,
            0o600
        );

        // A short write past max_buf_size.
        assert_eq!(f.max_buf_size(), 2 * 1024 * 1024);
        f.set_max_buf_size(4);
        assert_eq!(f.write(b"abcdefgh").await.unwrap(), 4);
        f.write_all(b"ijkl").await.unwrap();
        f.flush().await.unwrap();
        assert!(fs::read(&path).await.unwrap().ends_with(b"!abcdijkl"));

        // set_len on a read-only file fails; the file stays usable.
        let mut ro = File::open(&path).await.unwrap();
        assert_kind(
            ro.set_len(0).await,
            ErrorKind::InvalidInput,
            "set_len read-only",
        );
        assert_eq!(ro.read_u8().await.unwrap(), b'0');

        // try_into_std: not while a write is in flight, then yes.
        f.write_all(b"m").await.unwrap();
        let f = f.try_into_std().expect_err("a write is in flight");
        let mut f = f;
        f.flush().await.unwrap();
        let std = f.try_into_std().expect("idle and not shared");
        let mut f = File::from_std(std);
        f.write_all(b"n").await.unwrap();
        let std = f.into_std().await;
        assert_eq!(std.metadata().unwrap().len(), 21);
        let f: File = std.into();
        assert!(format!("{f:?}").contains("File"));
        use std::os::fd::AsRawFd;
        assert!(f.as_raw_fd() >= 0);
    });
}

#[test]
fn failed_background_write_is_reported() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        eprintln!("no /dev/full here: skipped");
        return;
    }
    each_flavor(LIMIT, |flavor| async move {
        let mut f = OpenOptions::new().write(true).open(full).await.unwrap();
        // Taken at once; the disk write fails behind.
        assert_eq!(f.write(b"abc").await.unwrap(), 3, "{flavor}");
        let err = f.flush().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOSPC), "{flavor}: {err}");
        f.flush().await.unwrap(); // once

        // ... or by the next write,
        f.write_all(b"abc").await.unwrap();
        let err = f.write_all(b"def").await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOSPC));
        // ... by shutdown (futures-io's close),
        f.write_all(b"abc").await.unwrap();
        assert_eq!(
            f.shutdown().await.unwrap_err().raw_os_error(),
            Some(libc::ENOSPC)
        );
        // ... by sync_all,
        f.write_all(b"abc").await.unwrap();
        assert_eq!(
            f.sync_all().await.unwrap_err().raw_os_error(),
            Some(libc::ENOSPC)
        );
        // ... or by a seek.
        f.write_all(b"abc").await.unwrap();
        assert_eq!(
            f.seek(SeekFrom::Start(0)).await.unwrap_err().raw_os_error(),
            Some(libc::ENOSPC)
        );
        f.flush().await.unwrap();
    });
}

#[test]
fn dropped_read_leaves_the_file_usable() {
    each_flavor(LIMIT, |flavor| async move {
        let dir = TempDir::new("cancel");
        let path = dir.join("f");
        let data = pattern(4 << 20, 3);
        fs::write(&path, &data).await.unwrap();
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        let mut pos = 0;
        let mut buf = vec![0; 100_000];
        for round in 0..20 {
            let polled = {
                // Polled once and dropped: unless served from the buffer,
                // its blocking read stays in flight (or is done, unread).
                let mut read = pin!(f.read(&mut buf[..1000 + round]));
                poll_noop(read.as_mut())
            };
            if let Poll::Ready(n) = polled {
                // Served from the buffer: the caller has the bytes.
                let n = n.unwrap();
                assert_eq!(buf[..n], data[pos..pos + n]);
                pos += n;
            }
            // The timer's version of the same.
            if let Ok(n) = runtime::time::timeout(Duration::from_nanos(1), f.read(&mut buf)).await {
                let n = n.unwrap();
                assert_eq!(buf[..n], data[pos..pos + n]);
                pos += n;
            }
            // The next read returns the right bytes at the right position.
            let want = 3000 + round * 7;
            f.read_exact(&mut buf[..want]).await.unwrap();
            assert_eq!(
                buf[..want],
                data[pos..pos + want],
                "{flavor}: round {round}"
            );
            pos += want;
        }
        assert_eq!(f.stream_position().await.unwrap(), pos as u64);

        // A dropped read, then a write: the write goes at the caller's
        // position, where the dropped read never got to.
        let polled = {
            let mut read = pin!(f.read(&mut buf));
            poll_noop(read.as_mut())
        };
        if let Poll::Ready(n) = polled {
            // Done at once: the caller did get the bytes.
            pos += n.unwrap();
        }
        f.write_all(b"HERE").await.unwrap();
        f.flush().await.unwrap();
        let on_disk = fs::read(&path).await.unwrap();
        assert_eq!(&on_disk[pos..pos + 4], b"HERE");
        assert_eq!(on_disk[pos + 4..], data[pos + 4..]);
    });
}

#[test]
fn dropped_read_of_a_fifo_loses_nothing() {
    // A FIFO has no data until it is written, so the read dropped here is
    // surely mid-flight: its blocking thread waits in `read(2)`.
    each_flavor(LIMIT, |flavor| async move {
        let dir = TempDir::new("fifo");
        let path = dir.join("fifo");
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `c_path` is a NUL-terminated string that lives across the
        // call; `mkfifo` only reads it.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
        // Read and write: opening a FIFO so does not wait for a peer.
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        let mut writer = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        let mut buf = [0; 64];
        for round in 0..3u8 {
            {
                let mut read = pin!(f.read(&mut buf));
                assert!(
                    poll_noop(read.as_mut()).is_pending(),
                    "{flavor}: no data yet"
                );
            }
            // The timer's version: the same read, dropped again.
            assert!(
                runtime::time::timeout(Duration::from_millis(5), f.read(&mut buf))
                    .await
                    .is_err(),
                "{flavor}: no data yet"
            );
            let sent = [b'a' + round; 10];
            std::io::Write::write_all(&mut writer, &sent).unwrap();
            // The read in flight gets the bytes; the next read returns them.
            let mut got = [0; 10];
            f.read_exact(&mut got).await.unwrap();
            assert_eq!(got, sent, "{flavor}: round {round}");
        }
    });
}

#[test]
fn dropped_file_finishes_its_write() {
    each_flavor(LIMIT, |flavor| async move {
        let dir = TempDir::new("drop");
        let path = dir.join("f");
        let data = pattern(2 << 20, 9);
        let mut f = File::create(&path).await.unwrap();
        // One write of 2 MiB: taken whole, written behind.
        f.write_all(&data).await.unwrap();
        drop(f);
        let start = Instant::now();
        while std::fs::metadata(&path).unwrap().len() < data.len() as u64 {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{flavor}: never written"
            );
            runtime::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(fs::read(&path).await.unwrap(), data);
    });
}

#[test]
fn many_files_at_once() {
    each_flavor(LIMIT, |flavor| async move {
        let dir = std::sync::Arc::new(TempDir::new("many"));
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let dir = dir.clone();
                runtime::spawn(async move {
                    let path = dir.join(&format!("f{i}"));
                    let data = pattern(16 * 1024 + i, i as u8);
                    let mut f = File::create(&path).await?;
                    for piece in data.chunks(1000) {
                        f.write_all(piece).await?;
                    }
                    f.flush().await?;
                    let mut back = Vec::new();
                    File::open(&path).await?.read_to_end(&mut back).await?;
                    assert_eq!(back, data, "file {i}");
                    fs::remove_file(&path).await?;
                    std::io::Result::Ok(())
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let mut entries = fs::read_dir(&dir.0).await.unwrap();
        assert!(entries.next_entry().await.unwrap().is_none(), "{flavor}");
    });
}

/// A simple fast hash: FNV-1a's step over 8-byte words.
fn checksum(mut hash: u64, data: &[u8]) -> u64 {
    for word in data.chunks_exact(8) {
        let word = u64::from_le_bytes(word.try_into().unwrap());
        hash = (hash ^ word).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[test]
fn one_gib_file_round_trip() {
    const PIECE: usize = 1 << 20;
    const PIECES: usize = 1024;
    each_flavor(Duration::from_secs(300), |flavor| async move {
        let dir = TempDir::new("gib");
        let path = dir.join("big");
        // One pattern, each piece stamped with its index in its first 8
        // bytes, so a piece out of place changes the sum.
        let mut piece = pattern(PIECE, 1);
        let tail = checksum(0, &piece[8..]);
        let start = Instant::now();
        let mut expected = Vec::with_capacity(PIECES);
        let mut f = File::create(&path).await.unwrap();
        for i in 0..PIECES {
            piece[..8].copy_from_slice(&(i as u64).to_le_bytes());
            f.write_all(&piece).await.unwrap();
            expected.push((i as u64, tail));
        }
        f.flush().await.unwrap();
        drop(f);
        let wrote = start.elapsed();
        assert_eq!(
            fs::metadata(&path).await.unwrap().len(),
            (PIECE * PIECES) as u64
        );

        let start = Instant::now();
        let mut f = File::open(&path).await.unwrap();
        let mut buf = vec![0; PIECE];
        for (i, &(stamp, tail)) in expected.iter().enumerate() {
            f.read_exact(&mut buf).await.unwrap();
            let got = u64::from_le_bytes(buf[..8].try_into().unwrap());
            assert_eq!(got, stamp, "{flavor}: piece {i} out of place");
            assert_eq!(checksum(0, &buf[8..]), tail, "{flavor}: piece {i} corrupt");
        }
        assert_eq!(f.read(&mut buf).await.unwrap(), 0);
        let read = start.elapsed();
        eprintln!("{flavor}: 1 GiB written in {wrote:?}, read and checked in {read:?}");
    });
}

#[test]
fn outside_a_runtime_is_an_error() {
    let dir = TempDir::new("outside");
    let mut read = pin!(fs::read(dir.join("x")));
    match poll_noop(read.as_mut()) {
        Poll::Ready(Err(err)) => assert!(err.to_string().contains("runtime"), "{err}"),
        other => panic!("expected an error, got {other:?}"),
    }
    let mut f = File::from_std(std::fs::File::create(dir.join("y")).unwrap());
    let mut write = pin!(f.write(b"x"));
    assert!(matches!(poll_noop(write.as_mut()), Poll::Ready(Err(_))));
}
