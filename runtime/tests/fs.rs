//! `runtime::fs`, from tokio's documented behaviour, on both flavors: each
//! free function's success and error paths, `DirBuilder`, `read_dir` and
//! `OpenOptions` (`File` itself: `fs_file.rs`).

mod common;
mod fs_common;

use common::poll_noop;
use fs_common::*;
use runtime::fs::{self, DirBuilder, File, OpenOptions};
use runtime::io::{AsyncReadExt, AsyncWriteExt};
use std::collections::BTreeSet;
use std::io::ErrorKind;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::pin::pin;
use std::task::Poll;

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
