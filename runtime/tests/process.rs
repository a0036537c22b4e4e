//! `runtime::process`: spawning, pipes, exit statuses, kills, reaping.
//!
//! Every test that spawns records the pids and checks at its end that none
//! is left a zombie child of this process (`/proc/<pid>/stat`); the check
//! is per pid because the other tests of this binary spawn at the same
//! time.

mod common;
mod process_common;

use common::{io_runtimes, panic_message, run};
use process_common::*;
use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::process::Command;
use runtime::task::JoinSet;
use runtime::time::{sleep, timeout};
use std::io::ErrorKind;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn the_zombie_check_sees_zombies() {
    // A std child nobody waits for: a zombie once it exits.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !is_our_zombie(pid) {
        assert!(Instant::now() < deadline, "{:?}", proc_stat(pid));
        std::thread::sleep(Duration::from_millis(1));
    }
    let message = panic_message(|| assert_no_zombies("check", &[pid], Duration::ZERO));
    assert!(message.contains("zombies left"), "{message}");
    child.wait().unwrap();
    assert_no_zombies("check", &[pid], Duration::ZERO);
}

#[test]
fn write_to_cat_and_read_its_output() {
    for (flavor, rt) in io_runtimes() {
        let pid = run(flavor, &rt, async {
            let mut child = Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let pid = child.id().unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let writer = runtime::spawn(async move {
                for line in ["one\n", "two\n", "three\n"] {
                    stdin.write_all(line.as_bytes()).await.unwrap();
                }
                // Dropping it is cat's end of input.
            });
            let mut out = String::new();
            let mut stdout = child.stdout.take().unwrap();
            stdout.read_to_string(&mut out).await.unwrap();
            writer.await.unwrap();
            assert_eq!(out, "one\ntwo\nthree\n", "{flavor}");
            let status = child.wait().await.unwrap();
            assert!(status.success(), "{flavor}: {status}");
            pid
        });
        assert_no_zombies(flavor, &[pid], Duration::ZERO);
    }
}

#[test]
fn sixty_four_mib_from_head_through_a_pipe() {
    for (flavor, rt) in io_runtimes() {
        let started = Instant::now();
        let pid = rt.block_on(async {
            timeout(LARGE, async {
                let mut child = Command::new("head")
                    .args(["-c", &BIG.to_string(), "/dev/zero"])
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap();
                let pid = child.id().unwrap();
                let mut stdout = child.stdout.take().unwrap();
                let mut buf = vec![1u8; 256 << 10];
                let mut total = 0;
                loop {
                    let n = stdout.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    assert!(buf[..n].iter().all(|&b| b == 0), "{flavor}");
                    total += n;
                }
                assert_eq!(total, BIG, "{flavor}");
                assert!(child.wait().await.unwrap().success(), "{flavor}");
                pid
            })
            .await
            .unwrap_or_else(|_| panic!("{flavor}: hung"))
        });
        eprintln!("{flavor}: 64 MiB from head in {:?}", started.elapsed());
        assert_no_zombies(flavor, &[pid], Duration::ZERO);
    }
}

#[test]
fn sixty_four_mib_into_cat_while_reading_it_back() {
    // A pattern of period 251 (prime, so no pipe-sized slice repeats it
    // exactly), written in chunks of a whole number of periods.
    const PERIOD: usize = 251;
    let pattern: std::sync::Arc<Vec<u8>> =
        std::sync::Arc::new((0..PERIOD * 4096).map(|i| (i % PERIOD) as u8).collect());
    for (flavor, rt) in io_runtimes() {
        let started = Instant::now();
        let pattern = pattern.clone();
        let pid = rt.block_on(async {
            timeout(LARGE, async {
                let mut child = Command::new("cat")
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap();
                let pid = child.id().unwrap();
                let mut stdin = child.stdin.take().unwrap();
                // Both directions at once: cat blocks on a full stdout
                // until we read, and we write while it does.
                let chunks = pattern.clone();
                let writer = runtime::spawn(async move {
                    let mut left = BIG;
                    while left > 0 {
                        let n = left.min(chunks.len());
                        stdin.write_all(&chunks[..n]).await.unwrap();
                        left -= n;
                    }
                });
                let mut stdout = child.stdout.take().unwrap();
                let mut buf = vec![0u8; 256 << 10];
                let mut total = 0;
                loop {
                    let n = stdout.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    let start = total % PERIOD;
                    assert!(
                        buf[..n] == pattern[start..start + n],
                        "{flavor}: at {total}"
                    );
                    total += n;
                }
                writer.await.unwrap();
                assert_eq!(total, BIG, "{flavor}");
                assert!(child.wait().await.unwrap().success(), "{flavor}");
                pid
            })
            .await
            .unwrap_or_else(|_| panic!("{flavor}: deadlock or hang"))
        });
        eprintln!("{flavor}: 64 MiB through cat in {:?}", started.elapsed());
        assert_no_zombies(flavor, &[pid], Duration::ZERO);
    }
}

#[test]
fn exit_codes_and_deaths_by_signal() {
    for (flavor, rt) in io_runtimes() {
        let pids = run(flavor, &rt, async {
            let mut pids = Vec::new();
            let mut child = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
            pids.push(child.id().unwrap());
            let status = child.wait().await.unwrap();
            assert_eq!(status.code(), Some(3), "{flavor}");
            assert_eq!(status.signal(), None, "{flavor}");
            assert!(!status.success(), "{flavor}");

            let mut child = Command::new("sh")
                .args(["-c", "kill -TERM $$; sleep 10"])
                .spawn()
                .unwrap();
            pids.push(child.id().unwrap());
            let status = child.wait().await.unwrap();
            assert_eq!(status.signal(), Some(libc::SIGTERM), "{flavor}");
            assert_eq!(status.code(), None, "{flavor}");

            let mut child = Command::new("true").spawn().unwrap();
            pids.push(child.id().unwrap());
            assert!(child.wait().await.unwrap().success(), "{flavor}");
            // The same status again, without a process.
            assert!(child.wait().await.unwrap().success(), "{flavor}");
            assert_eq!(child.id(), None, "{flavor}");
            pids
        });
        assert_no_zombies(flavor, &pids, Duration::ZERO);
    }
}

#[test]
fn a_thousand_children_at_once() {
    for (flavor, rt) in io_runtimes() {
        let started = Instant::now();
        let pids = rt.block_on(async {
            timeout(LARGE, async {
                let mut children = Vec::new();
                for _ in 0..1000 {
                    let child = Command::new("true")
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .spawn()
                        .unwrap();
                    children.push(child);
                }
                let pids: Vec<u32> = children.iter().map(|c| c.id().unwrap()).collect();
                let mut set = JoinSet::new();
                for mut child in children {
                    set.spawn(async move { child.wait().await });
                }
                let statuses = set.join_all().await;
                assert_eq!(statuses.len(), 1000, "{flavor}");
                for status in statuses {
                    assert!(status.unwrap().success(), "{flavor}");
                }
                pids
            })
            .await
            .unwrap_or_else(|_| panic!("{flavor}: hung"))
        });
        eprintln!(
            "{flavor}: 1000 children spawned and reaped in {:?}",
            started.elapsed()
        );
        assert_no_zombies(flavor, &pids, Duration::ZERO);
    }
}

#[test]
fn kill_on_drop_kills_and_reaps() {
    for (flavor, rt) in io_runtimes() {
        let pid = run(flavor, &rt, async {
            let child = Command::new("sleep")
                .arg("1000")
                .kill_on_drop(true)
                .spawn()
                .unwrap();
            let pid = child.id().unwrap();
            assert!(is_our_running_child(pid), "{flavor}");
            drop(child);
            assert!(
                gone_within(pid, Duration::from_secs(5)).await,
                "{flavor}: a killed child was not reaped: {:?}",
                proc_stat(pid)
            );
            pid
        });
        assert_no_zombies(flavor, &[pid], Duration::ZERO);
    }
}

#[test]
fn a_dropped_status_future_with_kill_on_drop_kills_its_child() {
    for (flavor, rt) in io_runtimes() {
        run(flavor, &rt, async {
            // Nothing else runs this: the argument names the child.
            let marker = format!("1000.{}{}", std::process::id(), flavor.len());
            let status = Command::new("sleep")
                .arg(&marker)
                .kill_on_drop(true)
                .status();
            let pid = find_child_running(&marker).expect("the child was spawned at the call");
            assert!(timeout(Duration::from_millis(20), status).await.is_err());
            assert!(
                gone_within(pid, Duration::from_secs(5)).await,
                "{flavor}: {:?}",
                proc_stat(pid)
            );
        });
    }
}

#[test]
fn a_dropped_child_runs_on_and_is_reaped_when_it_exits() {
    for (flavor, rt) in io_runtimes() {
        let pid = run(flavor, &rt, async {
            let mut child = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
            let pid = child.id().unwrap();
            let stdin = child.stdin.take().unwrap();
            drop(child);
            sleep(Duration::from_millis(50)).await;
            assert!(is_our_running_child(pid), "{flavor}: dropping killed it");
            // End its input: it exits, and the reaper task reaps it.
            drop(stdin);
            assert!(
                gone_within(pid, Duration::from_secs(5)).await,
                "{flavor}: {:?}",
                proc_stat(pid)
            );
            pid
        });
        assert_no_zombies(flavor, &[pid], Duration::ZERO);
    }
}

#[test]
fn echo_piped_into_tr() {
    for (flavor, rt) in io_runtimes() {
        let pids = run(flavor, &rt, async {
            let mut echo = Command::new("echo")
                .arg("hello world!")
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let into_tr: Stdio = echo.stdout.take().unwrap().try_into().unwrap();
            let tr = Command::new("tr")
                .args(["a-z", "A-Z"])
                .stdin(into_tr)
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let pids = vec![echo.id().unwrap(), tr.id().unwrap()];
            let (echoed, output) = runtime::join!(echo.wait(), tr.wait_with_output());
            assert!(echoed.unwrap().success(), "{flavor}");
            let output = output.unwrap();
            assert!(output.status.success(), "{flavor}");
            assert_eq!(output.stdout, b"HELLO WORLD!\n", "{flavor}");
            pids
        });
        assert_no_zombies(flavor, &pids, Duration::ZERO);
    }
}

#[test]
fn a_missing_program_is_not_found() {
    for (flavor, rt) in io_runtimes() {
        run(flavor, &rt, async {
            let err = Command::new("no-such-program-0d6f1c").spawn().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{flavor}: {err}");
            let err = Command::new("/no/such/dir/prog").spawn().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{flavor}: {err}");
            let err = Command::new("no-such-program-0d6f1c")
                .status()
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{flavor}: {err}");
            let err = Command::new("no-such-program-0d6f1c")
                .output()
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{flavor}: {err}");
            // A name no exec can take: an error too, not a panic.
            let err = Command::new("tr\0ue").spawn().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{flavor}: {err}");
            let err = Command::new("true")
                .current_dir("/no/such/dir")
                .spawn()
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{flavor}: {err}");
        });
    }
}
