//! Helpers shared by the `fs` tests (`fs.rs`, `fs_file.rs`).
#![allow(dead_code)]

use std::future::Future;
use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::common::io_runtimes;

/// A directory under the system temp dir, unique to this process and
/// call, removed (with its contents) on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("runtime-fs-{}-{name}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn join(&self, name: &str) -> PathBuf {
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

pub fn make_writable(dir: &Path) {
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
pub fn permissions_enforced() -> bool {
    let dir = TempDir::new("probe");
    let locked = dir.join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).unwrap();
    std::fs::write(locked.join("x"), b"x").is_err()
}

/// Runs `test` on each flavor, under `limit`.
pub fn each_flavor<F: Future<Output = ()>>(
    limit: Duration,
    mut test: impl FnMut(&'static str) -> F,
) {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            runtime::time::timeout(limit, test(flavor))
                .await
                .unwrap_or_else(|_| panic!("{flavor}: timed out after {limit:?}"))
        });
    }
}

pub const LIMIT: Duration = Duration::from_secs(20);

/// `len` bytes of a cheap pattern that differs at every offset modulo 251
/// and by `seed`.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i % 251) as u8 ^ seed.wrapping_mul(31))
        .collect()
}

pub fn assert_kind<T: std::fmt::Debug>(result: std::io::Result<T>, kind: ErrorKind, what: &str) {
    match result {
        Err(err) => assert_eq!(err.kind(), kind, "{what}: {err}"),
        Ok(v) => panic!("{what}: expected {kind:?}, got Ok({v:?})"),
    }
}
