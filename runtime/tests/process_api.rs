//! `runtime::process`: `output`/`status`/`wait_with_output`, `try_wait`,
//! kills, cancel safety, the SIGCHLD fallback, reaping after a runtime is
//! gone, the builder's std methods and moving between threads. The same
//! zombie check as `process.rs` (`process_common`).

mod common;
mod process_common;

use common::{io_runtimes, panic_message, run};
use process_common::*;
use runtime::io::AsyncReadExt;
use runtime::process::{ChildStdout, Command};
use runtime::task::JoinSet;
use runtime::time::{sleep, timeout};
use runtime::{Builder, Runtime};
use std::io::ErrorKind;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn output_status_and_wait_with_output() {
    for (flavor, rt) in io_runtimes() {
        let pids = run(flavor, &rt, async {
            let script = "echo out; echo err >&2; exit 2";
            let output = Command::new("sh")
                .args(["-c", script])
                .output()
                .await
                .unwrap();
            assert_eq!(output.status.code(), Some(2), "{flavor}");
            assert_eq!(output.stdout, b"out\n", "{flavor}");
            assert_eq!(output.stderr, b"err\n", "{flavor}");

            let status = Command::new("sh").args(["-c", "exit 5"]).status().await;
            assert_eq!(status.unwrap().code(), Some(5), "{flavor}");
            // `status` closes the pipes it made: cat sees the end of its
            // input and exits, instead of waiting for ever.
            let status = Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .status()
                .await;
            assert!(status.unwrap().success(), "{flavor}");

            // Only stdout piped: stderr comes back empty.
            let child = Command::new("sh")
                .args(["-c", "echo only-out"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let pid = child.id().unwrap();
            let output = child.wait_with_output().await.unwrap();
            assert!(output.status.success(), "{flavor}");
            assert_eq!(output.stdout, b"only-out\n", "{flavor}");
            assert!(output.stderr.is_empty(), "{flavor}");

            // Much on both pipes at once: read together, no deadlock.
            let script = "head -c 1000000 /dev/zero; head -c 1000000 /dev/zero >&2";
            let output = Command::new("sh")
                .args(["-c", script])
                .output()
                .await
                .unwrap();
            assert_eq!(output.stdout.len(), 1_000_000, "{flavor}");
            assert_eq!(output.stderr.len(), 1_000_000, "{flavor}");
            vec![pid]
        });
        assert_no_zombies(flavor, &pids, Duration::ZERO);
    }
}

#[test]
fn try_wait_before_and_after_exit() {
    for (flavor, rt) in io_runtimes() {
        let pids = run(flavor, &rt, async {
            let mut child = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
            let pid = child.id().unwrap();
            assert!(child.try_wait().unwrap().is_none(), "{flavor}");
            sleep(Duration::from_millis(20)).await;
            assert!(child.try_wait().unwrap().is_none(), "{flavor}");
            assert_eq!(child.id(), Some(pid), "{flavor}");
            // `wait` drops stdin first: cat exits.
            let status = child.wait().await.unwrap();
            assert!(status.success(), "{flavor}");
            assert_eq!(child.try_wait().unwrap(), Some(status), "{flavor}");
            assert_eq!(child.id(), None, "{flavor}");

            // `try_wait` alone reaps, too.
            let mut child = Command::new("true").spawn().unwrap();
            let second = child.id().unwrap();
            let status = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break status;
                }
                sleep(Duration::from_millis(2)).await;
            };
            assert!(status.success(), "{flavor}");
            assert!(proc_stat(second).is_none(), "{flavor}: not reaped");
            assert_eq!(child.wait().await.unwrap(), status, "{flavor}");
            vec![pid, second]
        });
        assert_no_zombies(flavor, &pids, Duration::ZERO);
    }
}

#[test]
fn start_kill_then_wait() {
    for (flavor, rt) in io_runtimes() {
        let pids = run(flavor, &rt, async {
            let mut child = Command::new("sleep").arg("1000").spawn().unwrap();
            let pid = child.id().unwrap();
            child.start_kill().unwrap();
            let status = child.wait().await.unwrap();
            assert_eq!(status.signal(), Some(libc::SIGKILL), "{flavor}");
            // Once reaped, killing does nothing, and says so with `Ok`.
            child.start_kill().unwrap();
            child.kill().await.unwrap();

            let mut child = Command::new("sleep").arg("1000").spawn().unwrap();
            let second = child.id().unwrap();
            child.kill().await.unwrap();
            let status = child.try_wait().unwrap().unwrap();
            assert_eq!(status.signal(), Some(libc::SIGKILL), "{flavor}");
            vec![pid, second]
        });
        assert_no_zombies(flavor, &pids, Duration::ZERO);
    }
}

#[test]
fn wait_is_cancel_safe() {
    for (flavor, rt) in io_runtimes() {
        let pid = run(flavor, &rt, async {
            let mut child = Command::new("sleep").arg("0.2").spawn().unwrap();
            let pid = child.id().unwrap();
            assert!(timeout(Duration::from_millis(10), child.wait())
                .await
                .is_err());
            assert!(child.wait().await.unwrap().success(), "{flavor}");
            pid
        });
        assert_no_zombies(flavor, &[pid], Duration::ZERO);
    }
}

#[test]
fn spawn_outside_a_runtime_panics_like_the_net_types() {
    let expected = panic_message(|| drop(runtime::net::UnixStream::pair()));
    let message = panic_message(|| drop(Command::new("true").spawn()));
    assert_eq!(message, expected);
    let message = panic_message(|| drop(Command::new("true").status()));
    assert_eq!(message, expected);

    for rt in [
        Builder::new_current_thread().enable_time().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap(),
    ] {
        let _entered = rt.enter();
        let expected = panic_message(|| drop(runtime::net::UnixStream::pair()));
        assert!(expected.contains("IO is disabled"), "{expected}");
        let message = panic_message(|| drop(Command::new("true").spawn()));
        assert_eq!(message, expected);
    }
}

#[test]
fn sigchld_fallback_without_pidfd() {
    for (flavor, rt) in io_runtimes() {
        let pids = run(flavor, &rt, async {
            let child = Command::new("true").spawn().unwrap();
            assert_eq!(
                child.uses_pidfd(),
                Some(true),
                "{flavor}: Linux 5.3+ has pidfds"
            );
            let mut pids = vec![child.id().unwrap()];
            drop(child);

            let mut child = Command::new("sh")
                .args(["-c", "exit 4"])
                .without_pidfd()
                .spawn()
                .unwrap();
            assert_eq!(child.uses_pidfd(), Some(false), "{flavor}");
            pids.push(child.id().unwrap());
            assert_eq!(child.wait().await.unwrap().code(), Some(4), "{flavor}");

            let mut child = Command::new("sleep")
                .arg("1000")
                .without_pidfd()
                .spawn()
                .unwrap();
            pids.push(child.id().unwrap());
            child.kill().await.unwrap();
            assert_eq!(
                child.try_wait().unwrap().unwrap().signal(),
                Some(libc::SIGKILL)
            );

            // Many at once: each listener wakes for every exit.
            let mut set = JoinSet::new();
            for i in 0..50 {
                let mut child = Command::new("sh")
                    .args(["-c", &format!("exit {}", i % 7)])
                    .without_pidfd()
                    .spawn()
                    .unwrap();
                pids.push(child.id().unwrap());
                set.spawn(async move { (i, child.wait().await.unwrap()) });
            }
            for (i, status) in set.join_all().await {
                assert_eq!(status.code(), Some(i % 7), "{flavor}");
            }

            // A dropped one is reaped as well.
            let child = Command::new("sleep")
                .arg("1000")
                .kill_on_drop(true)
                .without_pidfd()
                .spawn()
                .unwrap();
            let pid = child.id().unwrap();
            drop(child);
            assert!(gone_within(pid, Duration::from_secs(5)).await, "{flavor}");
            pids
        });
        assert_no_zombies(flavor, &pids, Duration::from_secs(5));
    }
}

#[test]
fn a_child_dropped_with_its_runtime_is_reaped_by_a_later_spawn() {
    for (flavor, rt) in io_runtimes() {
        let (pid, stdin) = rt.block_on(async {
            let mut child = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
            (child.id().unwrap(), child.stdin.take().unwrap())
            // The child is dropped here, unreaped: a task of `rt` waits.
        });
        // The task is cancelled with the runtime: the pid is an orphan.
        drop(rt);
        assert!(is_our_running_child(pid), "{flavor}");
        drop(stdin);
        // cat exits; no one waits on it now. (Another test's spawn may
        // reap it before the loop sees it a zombie.)
        let deadline = Instant::now() + Duration::from_secs(5);
        while is_our_running_child(pid) {
            assert!(Instant::now() < deadline, "{flavor}: cat did not exit");
            std::thread::sleep(Duration::from_millis(5));
        }
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async { Command::new("true").status().await.unwrap() });
        assert!(proc_stat(pid).is_none(), "{flavor}: {:?}", proc_stat(pid));
    }
}

#[test]
fn a_graceful_drain_does_not_wait_for_a_dropped_child() {
    for (flavor, rt) in io_runtimes() {
        let (pid, stdin) = rt.block_on(async {
            let mut child = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
            (child.id().unwrap(), child.stdin.take().unwrap())
        });
        let report = rt.shutdown_graceful(Duration::from_secs(5));
        assert!(report.is_clean(), "{flavor}: {report}");
        assert!(
            report.elapsed() < Duration::from_secs(2),
            "{flavor}: {report}"
        );
        drop(stdin);
        let rt = Runtime::new().unwrap();
        rt.block_on(async {
            // The orphan list is reaped at each spawn; cat needs a moment
            // to see its end of input.
            let deadline = Instant::now() + Duration::from_secs(5);
            while proc_stat(pid).is_some() {
                assert!(Instant::now() < deadline, "{flavor}: {:?}", proc_stat(pid));
                Command::new("true").status().await.unwrap();
                sleep(Duration::from_millis(5)).await;
            }
        });
    }
}

#[test]
fn pipes_convert_to_blocking_fds() {
    for (flavor, rt) in io_runtimes() {
        let pid = run(flavor, &rt, async {
            let mut child = Command::new("echo")
                .arg("fd")
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let pid = child.id().unwrap();
            let stdout: ChildStdout = child.stdout.take().unwrap();
            assert_eq!(stdout.as_raw_fd(), stdout.as_fd().as_raw_fd());
            assert!(is_nonblocking(stdout.as_raw_fd()), "{flavor}");
            let fd = stdout.into_owned_fd().unwrap();
            assert!(!is_nonblocking(fd.as_raw_fd()), "{flavor}");
            child.wait().await.unwrap();
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::fs::File::from(fd), &mut text).unwrap();
            assert_eq!(text, "fd\n", "{flavor}");
            pid
        });
        assert_no_zombies(flavor, &[pid], Duration::ZERO);
    }
}

#[test]
fn command_builder_and_std_methods() {
    let mut cmd = Command::new("prog");
    cmd.arg("a")
        .args(["b", "c"])
        .env("K", "V")
        .env_remove("GONE")
        .current_dir("/tmp");
    assert_eq!(cmd.get_program(), "prog");
    assert_eq!(cmd.get_args().collect::<Vec<_>>(), ["a", "b", "c"]);
    let envs: Vec<_> = cmd.get_envs().collect();
    assert!(envs.contains(&("K".as_ref(), Some("V".as_ref()))));
    assert!(envs.contains(&("GONE".as_ref(), None)));
    assert_eq!(cmd.get_current_dir(), Some("/tmp".as_ref()));
    assert!(!cmd.get_kill_on_drop());
    cmd.kill_on_drop(true);
    assert!(cmd.get_kill_on_drop());
    assert_eq!(cmd.as_std().get_program(), "prog");
    cmd.as_std_mut().arg("d");
    assert_eq!(cmd.into_std().get_args().count(), 4);
    let from_std = Command::from(std::process::Command::new("x"));
    assert!(!from_std.get_kill_on_drop());
}

#[test]
fn environment_argv0_process_group_ids_and_pre_exec() {
    for (flavor, rt) in io_runtimes() {
        let pids = run(flavor, &rt, async {
            let output = Command::new("/usr/bin/env")
                .env_clear()
                .env("ONLY", "this")
                .output()
                .await
                .unwrap();
            assert_eq!(output.stdout, b"ONLY=this\n", "{flavor}");
            let output = Command::new("sh")
                .args(["-c", "echo ${GONE-unset}"])
                .env("GONE", "set")
                .env_remove("GONE")
                .output()
                .await
                .unwrap();
            assert_eq!(output.stdout, b"unset\n", "{flavor}");
            let output = Command::new("pwd").current_dir("/").output().await.unwrap();
            assert_eq!(output.stdout, b"/\n", "{flavor}");
            let output = Command::new("sh")
                .args(["-c", "echo $0"])
                .arg0("renamed")
                .output()
                .await
                .unwrap();
            assert_eq!(output.stdout, b"renamed\n", "{flavor}");

            // Our own ids: allowed without privileges.
            let meta = std::fs::metadata("/proc/self").unwrap();
            let status = Command::new("true")
                .uid(std::os::unix::fs::MetadataExt::uid(&meta))
                .gid(std::os::unix::fs::MetadataExt::gid(&meta))
                .status()
                .await
                .unwrap();
            assert!(status.success(), "{flavor}");

            let mut child = Command::new("sleep")
                .arg("1000")
                .process_group(0)
                .spawn()
                .unwrap();
            let pid = child.id().unwrap();
            let (_, _, pgrp) = proc_stat(pid).unwrap();
            assert_eq!(pgrp, pid, "{flavor}: a group of its own");
            child.kill().await.unwrap();

            let mut cmd = Command::new("true");
            // SAFETY: the closure only builds an `io::Error` from a
            // number, which allocates nothing and takes no lock.
            unsafe {
                cmd.pre_exec(|| Err(std::io::Error::from_raw_os_error(libc::EACCES)));
            }
            let err = cmd.spawn().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{flavor}: {err}");
            vec![pid]
        });
        assert_no_zombies(flavor, &pids, Duration::ZERO);
    }
}

#[test]
fn children_spawned_in_one_runtime_are_awaited_in_another() {
    let spawner = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut child = spawner.block_on(async {
        Command::new("sh")
            .args(["-c", "echo moved; exit 6"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    });
    let pid = child.id().unwrap();
    let waiter = Builder::new_current_thread().enable_all().build().unwrap();
    let (status, out) = run("current_thread", &waiter, async {
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .await
            .unwrap();
        (child.wait().await.unwrap(), out)
    });
    assert_eq!(status.code(), Some(6));
    assert_eq!(out, "moved\n");

    // The spawning runtime gone, a wait moves to the runtime it is in.
    let mut child = spawner.block_on(async { Command::new("sleep").arg("0.1").spawn().unwrap() });
    let second = child.id().unwrap();
    drop(spawner);
    let status = run("current_thread", &waiter, child.wait()).unwrap();
    assert!(status.success());
    assert_no_zombies("moved", &[pid, second], Duration::ZERO);
}

#[test]
fn the_types_and_futures_can_move_between_threads() {
    fn send_static<T: Send + 'static>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Command>();
    send_sync::<runtime::process::Child>();
    send_sync::<runtime::process::ChildStdin>();
    send_sync::<ChildStdout>();
    send_sync::<runtime::process::ChildStderr>();
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        // Spawned at the call, so each future owns its child: it may be
        // spawned as a task and outlive the `Command`.
        let status = Command::new("true").status();
        send_static(&status);
        let output = Command::new("true").output();
        send_static(&output);
        let mut child = Command::new("true").spawn().unwrap();
        let pid = child.id().unwrap();
        let wait = child.wait();
        send(&wait);
        drop(wait);
        let (status, output) = runtime::join!(runtime::spawn(status), runtime::spawn(output));
        assert!(status.unwrap().unwrap().success());
        assert!(output.unwrap().unwrap().status.success());
        assert!(child.wait().await.unwrap().success());
        assert_no_zombies("send", &[pid], Duration::ZERO);
    });
}
