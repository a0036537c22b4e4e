//! Helpers shared by the `process` tests (`process.rs`, `process_api.rs`):
//! reading `/proc`, and the zombie check.
#![allow(dead_code)]

use runtime::time::sleep;
use std::time::{Duration, Instant};

/// How long a large test may take before it counts as hung.
pub const LARGE: Duration = Duration::from_secs(120);
/// 64 MiB.
pub const BIG: usize = 64 << 20;

/// `(state, ppid)` of `pid` from `/proc/<pid>/stat`; `None` once it is
/// gone (reaped).
pub fn proc_stat(pid: u32) -> Option<(char, u32, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split(' ');
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, ppid, pgrp))
}

/// Whether `pid` is a child of this process that has exited and not been
/// reaped.
pub fn is_our_zombie(pid: u32) -> bool {
    matches!(proc_stat(pid), Some(('Z', ppid, _)) if ppid == std::process::id())
}

/// Whether `pid` is a child of this process that still runs.
pub fn is_our_running_child(pid: u32) -> bool {
    matches!(proc_stat(pid), Some((state, ppid, _)) if state != 'Z' && ppid == std::process::id())
}

/// Fails unless, within `grace`, none of `pids` is a zombie child of ours.
/// A zero grace checks once: for children that were all waited for.
pub fn assert_no_zombies(what: &str, pids: &[u32], grace: Duration) {
    let deadline = Instant::now() + grace;
    loop {
        let zombies: Vec<u32> = pids.iter().copied().filter(|&p| is_our_zombie(p)).collect();
        if zombies.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: zombies left: {zombies:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits, inside the runtime (which must keep running its reaper tasks),
/// until `pid` is no longer a child of ours; false after `limit`.
pub async fn gone_within(pid: u32, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while proc_stat(pid).is_some_and(|(_, ppid, _)| ppid == std::process::id()) {
        if Instant::now() >= deadline {
            return false;
        }
        sleep(Duration::from_millis(5)).await;
    }
    true
}

/// The pid of our child whose argv holds `arg`, looked for up to 5 s (on
/// a loaded machine its /proc entry can show up late).
pub fn find_child_running(arg: &str) -> Option<u32> {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(pid) = find_child_running_now(arg) {
            return Some(pid);
        }
        if std::time::Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub fn find_child_running_now(arg: &str) -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let ours = proc_stat(pid).is_some_and(|(_, ppid, _)| ppid == std::process::id());
            (ours && cmdline.split(|&b| b == 0).any(|a| a == arg.as_bytes())).then_some(pid)
        })
}

pub fn is_nonblocking(fd: std::os::fd::RawFd) -> bool {
    // SAFETY: `F_GETFL` on an fd the caller keeps open; it takes no pointer.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    assert_ne!(flags, -1);
    flags & libc::O_NONBLOCK != 0
}
