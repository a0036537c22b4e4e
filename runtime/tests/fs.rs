//! `runtime::fs`, from tokio's documented behaviour, on both flavors: each
//! free function's success and error paths, `DirBuilder`, `read_dir`,
//! `OpenOptions`, and `File`: write, seek and read back through one file,
//! read-ahead and the cursor, a failed background write reported by the
//! next operation, a read dropped mid-flight, a file dropped with a write
//! in flight, 200 files at once, and a 1 GiB file with a checksum.

mod common;

use common::{io_runtimes, poll_noop};
use runtime::fs::{self, DirBuilder, File, OpenOptions};
use runtime::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, SeekFrom};
use std::collections::BTreeSet;
use std::future::Future;
use std::io::ErrorKind;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

/// A directory under the system temp dir, unique to this process and
/// call, removed (with its contents) on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("runtime-fs-{}-{name}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // A test may leave a directory it made unwritable.
        make_writable(&self.0);
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn make_writable(dir: &Path) {
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                make_writable(&entry.path());
            }
        }
    }
}

/// Whether permission bits bind this process: false for root (or a
/// process with CAP_DAC_OVERRIDE), for which every permission check
/// passes. Found by trying, not by the uid.
fn permissions_enforced() -> bool {
    let dir = TempDir::new("probe");
    let locked = dir.join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).unwrap();
    std::fs::write(locked.join("x"), b"x").is_err()
}

/// Runs `test` on each flavor, under `limit`.
fn each_flavor<F: Future<Output = ()>>(limit: Duration, mut test: impl FnMut(&'static str) -> F) {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            runtime::time::timeout(limit, test(flavor))
                .await
                .unwrap_or_else(|_| panic!("{flavor}: timed out after {limit:?}"))
        });
    }
}

const LIMIT: Duration = Duration::from_secs(20);

/// `len` bytes of a cheap pattern that differs at every offset modulo 251
/// and by `seed`.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i % 251) as u8 ^ seed.wrapping_mul(31))
        .collect()
}

fn assert_kind<T: std::fmt::Debug>(result: std::io::Result<T>, kind: ErrorKind, what: &str) {
    match result {
        Err(err) => assert_eq!(err.kind(), kind, "{what}: {err}"),
        Ok(v) => panic!("{what}: expected {kind:?}, got Ok({v:?})"),
    }
}

#[test]
fn read_write_and_read_to_string() {
    each_flavor(LIMIT, |flavor| async move {
        let dir = TempDir::new("rw");
        let path = dir.join("a");
        fs::write(&path, b"hello").await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"hello", "{flavor}");
        assert_eq!(fs::read_to_string(&path).await.unwrap(), "hello");
        // `write` truncates.
        fs::write(&path, "hi").await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"hi");

        assert_kind(
            fs::read(dir.join("missing")).await,
            ErrorKind::NotFound,
            "read",
        );
        assert_kind(
            fs::read_to_string(dir.join("missing")).await,
            ErrorKind::NotFound,
            "read_to_string",
        );
        assert_kind(
            fs::write(dir.join("no/such/dir"), b"x").await,
            ErrorKind::NotFound,
            "write",
        );
        fs::write(&path, [0xff, 0xfe]).await.unwrap();
        assert_kind(
            fs::read_to_string(&path).await,
            ErrorKind::InvalidData,
            "read_to_string of non-UTF-8",
        );
    });
}

#[test]
fn copy_rename_and_remove() {
    each_flavor(LIMIT, |flavor| async move {
        let dir = TempDir::new("copy");
        let (a, b, c) = (dir.join("a"), dir.join("b"), dir.join("c"));
        fs::write(&a, b"12345").await.unwrap();
        fs::set_permissions(&a, std::fs::Permissions::from_mode(0o640))
            .await
            .unwrap();
        assert_eq!(fs::copy(&a, &b).await.unwrap(), 5, "{flavor}");
        assert_eq!(fs::read(&b).await.unwrap(), b"12345");
        // `copy` copies the permissions too.
        let mode = fs::metadata(&b).await.unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_kind(
            fs::copy(dir.join("missing"), &c).await,
            ErrorKind::NotFound,
            "copy",
        );

        fs::rename(&b, &c).await.unwrap();
        assert!(!fs::try_exists(&b).await.unwrap());
        assert_eq!(fs::read(&c).await.unwrap(), b"12345");
        assert_kind(
            fs::rename(dir.join("missing"), &c).await,
            ErrorKind::NotFound,
            "rename",
        );

        fs::remove_file(&c).await.unwrap();
        assert_kind(
            fs::remove_file(&c).await,
            ErrorKind::NotFound,
            "remove_file",
        );

        let sub = dir.join("sub");
        fs::create_dir(&sub).await.unwrap();
        fs::write(sub.join("f"), b"").await.unwrap();
        assert_kind(
            fs::remove_dir(&sub).await,
            ErrorKind::DirectoryNotEmpty,
            "remove_dir of a full dir",
        );
        assert_kind(
            fs::remove_file(&sub).await,
            ErrorKind::IsADirectory,
            "remove_file of a dir",
        );
        fs::remove_dir_all(&sub).await.unwrap();
        assert!(!fs::try_exists(&sub).await.unwrap());
        assert_kind(
            fs::remove_dir(&sub).await,
            ErrorKind::NotFound,
            "remove_dir",
        );
        assert_kind(
            fs::remove_dir_all(&sub).await,
            ErrorKind::NotFound,
            "remove_dir_all",
        );
        fs::create_dir(&sub).await.unwrap();
        fs::remove_dir(&sub).await.unwrap();
    });
}

#[test]
fn create_dir_and_dir_builder() {
    each_flavor(LIMIT, |flavor| async move {
        let dir = TempDir::new("mkdir");
        let one = dir.join("one");
        fs::create_dir(&one).await.unwrap();
        assert!(fs::metadata(&one).await.unwrap().is_dir(), "{flavor}");
        assert_kind(
            fs::create_dir(&one).await,
            ErrorKind::AlreadyExists,
            "create_dir",
        );
        assert_kind(
            fs::create_dir(dir.join("x/y")).await,
            ErrorKind::NotFound,
            "create_dir without parent",
        );

        let deep = dir.join("a/b/c");
        fs::create_dir_all(&deep).await.unwrap();
        fs::create_dir_all(&deep).await.unwrap(); // no error if it exists
        assert!(fs::metadata(&deep).await.unwrap().is_dir());
        fs::write(dir.join("file"), b"").await.unwrap();
        assert!(fs::create_dir_all(dir.join("file/sub")).await.is_err());

        let built = dir.join("p/q");
        assert_kind(
            DirBuilder::new().create(&built).await,
            ErrorKind::NotFound,
            "DirBuilder not recursive",
        );
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&built)
            .await
            .unwrap();
        let mode = fs::metadata(&built).await.unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "mode {mode:o}");
        assert_kind(
            DirBuilder::new().create(&built).await,
            ErrorKind::AlreadyExists,
            "DirBuilder on an existing dir",
        );
        DirBuilder::new()
            .recursive(true)
            .create(&built)
            .await
            .unwrap();
    });
}

#[test]
fn metadata_links_and_canonicalize() {
    each_flavor(LIMIT, |flavor| async move {
        let dir = TempDir::new("meta");
        let file = dir.join("file");
        fs::write(&file, b"abc").await.unwrap();
        let meta = fs::metadata(&file).await.unwrap();
        assert!(meta.is_file() && meta.len() == 3, "{flavor}");
        assert_kind(
            fs::metadata(dir.join("missing")).await,
            ErrorKind::NotFound,
            "metadata",
        );

        let link = dir.join("link");
        fs::symlink(&file, &link).await.unwrap();
        assert_kind(
            fs::symlink(&file, &link).await,
            ErrorKind::AlreadyExists,
            "symlink",
        );
        assert!(fs::symlink_metadata(&link).await.unwrap().is_symlink());
        assert!(fs::metadata(&link).await.unwrap().is_file());
        assert_eq!(fs::read_link(&link).await.unwrap(), file);
        assert_kind(
            fs::read_link(&file).await,
            ErrorKind::InvalidInput,
            "read_link of a file",
        );
        assert_kind(
            fs::symlink_metadata(dir.join("missing")).await,
            ErrorKind::NotFound,
            "symlink_metadata",
        );
        // A dangling link: its own metadata is there, its target's not.
        let dangling = dir.join("dangling");
        fs::symlink(dir.join("nowhere"), &dangling).await.unwrap();
        assert!(fs::symlink_metadata(&dangling).await.is_ok());
        assert_kind(
            fs::metadata(&dangling).await,
            ErrorKind::NotFound,
            "dangling metadata",
        );
        assert!(!fs::try_exists(&dangling).await.unwrap());

        let real = std::fs::canonicalize(&file).unwrap();
        assert_eq!(fs::canonicalize(&link).await.unwrap(), real);
        assert_eq!(fs::canonicalize(dir.join("./link")).await.unwrap(), real);
        assert_kind(
            fs::canonicalize(dir.join("missing")).await,
            ErrorKind::NotFound,
            "canonicalize",
        );

        let hard = dir.join("hard");
        fs::hard_link(&file, &hard).await.unwrap();
        assert_eq!(fs::metadata(&file).await.unwrap().nlink(), 2);
        assert_eq!(fs::read(&hard).await.unwrap(), b"abc");
        assert_kind(
            fs::hard_link(&file, &hard).await,
            ErrorKind::AlreadyExists,
            "hard_link",
        );
        assert_kind(
            fs::hard_link(dir.join("missing"), dir.join("h2")).await,
            ErrorKind::NotFound,
            "hard_link of a missing file",
        );
    });
}

#[test]
fn permissions_and_try_exists() {
    let enforced = permissions_enforced();
    each_flavor(LIMIT, |flavor| async move {
        let dir = TempDir::new("perm");
        let file = dir.join("file");
        fs::write(&file, b"x").await.unwrap();
        assert!(fs::try_exists(&file).await.unwrap(), "{flavor}");
        assert!(!fs::try_exists(dir.join("missing")).await.unwrap());

        fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444))
            .await
            .unwrap();
        assert!(fs::metadata(&file).await.unwrap().permissions().readonly());
        assert_kind(
            fs::set_permissions(dir.join("missing"), std::fs::Permissions::from_mode(0o644)).await,
            ErrorKind::NotFound,
            "set_permissions",
        );

        let locked = dir.join("locked");
        DirBuilder::new().mode(0o500).create(&locked).await.unwrap();
        let denied_write = fs::write(locked.join("new"), b"x").await;
        let denied_create = File::create(locked.join("new2")).await;
        let denied_open = OpenOptions::new().write(true).open(&file).await;
        let sealed = dir.join("sealed");
        DirBuilder::new().mode(0o000).create(&sealed).await.unwrap();
        let denied_exists = fs::try_exists(sealed.join("x")).await;
        let denied_list = fs::read_dir(&sealed).await;
        if enforced {
            assert_kind(
                denied_write,
                ErrorKind::PermissionDenied,
                "write into 0o500",
            );
            assert_kind(
                denied_create,
                ErrorKind::PermissionDenied,
                "create into 0o500",
            );
            assert_kind(
                denied_open,
                ErrorKind::PermissionDenied,
                "open 0o444 for writing",
            );
            assert_kind(
                denied_exists,
                ErrorKind::PermissionDenied,
                "try_exists under 0o000",
            );
            assert_kind(
                denied_list,
                ErrorKind::PermissionDenied,
                "read_dir of 0o000",
            );
        } else {
            // Running as root (or with CAP_DAC_OVERRIDE): the permission
            // bits do not bind, every one of these succeeds, and there is
            // no PermissionDenied to see.
            assert!(denied_write.is_ok() && denied_create.is_ok() && denied_open.is_ok());
            assert!(!denied_exists.unwrap());
            assert!(denied_list.is_ok());
        }
    });
}

#[test]
fn read_dir_lists_every_entry() {
    each_flavor(LIMIT, |flavor| async move {
        let dir = TempDir::new("list");
        // More than one chunk of 32.
        let mut expected = BTreeSet::new();
        for i in 0..100 {
            let name = format!("f{i:03}");
            fs::write(dir.join(&name), vec![0; i]).await.unwrap();
            expected.insert(name);
        }
        fs::create_dir(dir.join("sub")).await.unwrap();
        expected.insert("sub".to_string());
        fs::symlink("f000", dir.join("link")).await.unwrap();
        expected.insert("link".to_string());

        let mut seen = BTreeSet::new();
        let mut entries = fs::read_dir(&dir.0).await.unwrap();
        while let Some(entry) = entries.next_entry().await.unwrap() {
            let name = entry.file_name().into_string().unwrap();
            assert_eq!(entry.path(), dir.join(&name));
            let file_type = entry.file_type().await.unwrap();
            let meta = entry.metadata().await.unwrap();
            assert_eq!(entry.ino(), meta.ino(), "{flavor}: {name}");
            match name.as_str() {
                "sub" => assert!(file_type.is_dir() && meta.is_dir()),
                // Not followed.
                "link" => assert!(file_type.is_symlink() && meta.is_symlink()),
                _ => {
                    assert!(file_type.is_file());
                    assert_eq!(meta.len(), name[1..].parse::<u64>().unwrap());
                }
            }
            assert!(seen.insert(name), "listed twice");
        }
        assert_eq!(seen, expected, "{flavor}");
        // Stays at the end.
        assert!(entries.next_entry().await.unwrap().is_none());

        // A dropped `next_entry` loses no entry.
        let mut entries = fs::read_dir(&dir.0).await.unwrap();
        let mut count = 0;
        loop {
            {
                let mut next = pin!(entries.next_entry());
                // Polled once and dropped: a fetch may be left in flight.
                if let Poll::Ready(entry) = poll_noop(next.as_mut()) {
                    match entry.unwrap() {
                        Some(_) => count += 1,
                        None => break,
                    }
                    continue;
                }
            }
            match entries.next_entry().await.unwrap() {
                Some(_) => count += 1,
                None => break,
            }
        }
        assert_eq!(count, expected.len());

        let empty = TempDir::new("empty");
        assert!(fs::read_dir(&empty.0)
            .await
            .unwrap()
            .next_entry()
            .await
            .unwrap()
            .is_none());
        assert_kind(
            fs::read_dir(dir.join("missing")).await,
            ErrorKind::NotFound,
            "read_dir",
        );
        assert_kind(
            fs::read_dir(dir.join("f001")).await,
            ErrorKind::NotADirectory,
            "read_dir of a file",
        );
    });
}

#[test]
fn open_options_modes() {
    each_flavor(LIMIT, |flavor| async move {
        let dir = TempDir::new("open");
        let path = dir.join("f");
        assert_kind(File::open(&path).await, ErrorKind::NotFound, "open");
        assert_kind(
            OpenOptions::new().open(&path).await,
            ErrorKind::InvalidInput,
            "open without access mode",
        );

        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .await
            .unwrap();
        f.write_all(b"one\n").await.unwrap();
        f.flush().await.unwrap();
        drop(f);
        let mode = fs::metadata(&path).await.unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{flavor}: mode {mode:o}");
        assert_kind(
            File::create_new(&path).await,
            ErrorKind::AlreadyExists,
            "create_new",
        );

        let mut f = OpenOptions::new().append(true).open(&path).await.unwrap();
        f.write_all(b"two\n").await.unwrap();
        f.shutdown().await.unwrap(); // futures-io's close: a flush
        assert_eq!(fs::read(&path).await.unwrap(), b"one\ntwo\n");

        let mut f = OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&path)
            .await
            .unwrap();
        f.write_all(b"3").await.unwrap();
        f.flush().await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"3");

        // `File::create` truncates too; `create` on a missing file makes it.
        let mut f = File::create(&path).await.unwrap();
        f.flush().await.unwrap();
        assert_eq!(fs::metadata(&path).await.unwrap().len(), 0);
        let std_options = {
            let mut o = std::fs::OpenOptions::new();
            o.read(true);
            o
        };
        assert!(OpenOptions::from(std_options).open(&path).await.is_ok());

        // O_NOFOLLOW refuses a symlink.
        let link = dir.join("link");
        fs::symlink(&path, &link).await.unwrap();
        let err = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&link)
            .await
            .unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ELOOP), "{err}");

        // A write to a read-only file fails behind: the write is taken,
        // and flush reports the error.
        let mut f = File::open(&path).await.unwrap();
        assert_eq!(f.write(b"x").await.unwrap(), 1);
        let err = f.flush().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EBADF), "{err}");
        f.flush().await.unwrap(); // reported once
                                  // And a read of a write-only file fails at once.
        let mut f = OpenOptions::new().write(true).open(&path).await.unwrap();
        assert!(f.read(&mut [0; 4]).await.is_err());
    });
}

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
