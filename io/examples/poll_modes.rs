//! Measures polling's oneshot mode against edge mode, the choice
//! `reactor.rs` documents: a single-threaded ping-pong over a Unix socket
//! pair, one byte each way, with the poller alone (no reactor, no wakers),
//! so the difference is the mode's syscalls. Oneshot must re-arm each fd
//! with `modify` (an `epoll_ctl`) after each event; edge never does.
//!
//! `cargo run --release -p runtime-io --example poll_modes`

use polling::{Event, Events, PollMode, Poller};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

const ROUND_TRIPS: u32 = 200_000;

fn ping_pong(mode: PollMode, timeout: Option<Duration>) -> Duration {
    let poller = Poller::new().unwrap();
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    b.set_nonblocking(true).unwrap();
    // SAFETY: `a` and `b` outlive their registrations: both are deleted
    // below before they drop.
    unsafe {
        poller.add_with_mode(&a, Event::readable(0), mode).unwrap();
        poller.add_with_mode(&b, Event::readable(1), mode).unwrap();
    }
    let mut events = Events::new();
    let mut byte = [0u8; 1];
    let start = Instant::now();
    for _ in 0..ROUND_TRIPS {
        // a -> b (b's key is 1), then b -> a (a's key is 0).
        for (key, mut from, mut to) in [(1, &a, &b), (0, &b, &a)] {
            from.write_all(&[1]).unwrap();
            loop {
                events.clear();
                poller.wait(&mut events, timeout).unwrap();
                if events.iter().any(|e| e.key == key) {
                    break;
                }
            }
            to.read_exact(&mut byte).unwrap();
            if mode == PollMode::Oneshot {
                poller
                    .modify_with_mode(to, Event::readable(key), mode)
                    .unwrap();
            }
        }
    }
    let elapsed = start.elapsed();
    poller.delete(&a).unwrap();
    poller.delete(&b).unwrap();
    elapsed
}

fn main() {
    for timeout in [None, Some(Duration::from_secs(1))] {
        for mode in [PollMode::Oneshot, PollMode::Edge] {
            // Best of three.
            let best = (0..3).map(|_| ping_pong(mode, timeout)).min().unwrap();
            println!(
                "{mode:?}, timeout {timeout:?}: {:.0} ns per event",
                best.as_nanos() as f64 / f64::from(ROUND_TRIPS * 2)
            );
        }
    }
}
