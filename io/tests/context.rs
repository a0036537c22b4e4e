//! Using IO with no runtime, or with IO disabled, panics with a plain
//! message; nesting guards restores the previous handle.

mod common;

use common::{block_on, TestReactor};
use runtime_io::context;
use runtime_io::net::{TcpListener, UnixStream};
use std::panic;

fn panic_message(f: impl FnOnce() + panic::UnwindSafe) -> String {
    let payload = panic::catch_unwind(f).unwrap_err();
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap()
}

#[test]
fn no_runtime_panics_with_a_plain_message() {
    let message = panic_message(|| {
        let _ = UnixStream::pair();
    });
    assert!(message.contains("there is no reactor running"), "{message}");
    assert!(message.contains("not inside a runtime"), "{message}");
    let message = panic_message(|| {
        let _ = block_on(TcpListener::bind("127.0.0.1:0"));
    });
    assert!(message.contains("there is no reactor running"), "{message}");
}

#[test]
fn io_disabled_panics_with_a_plain_message() {
    let _guard = context::enter(None);
    let message = panic_message(|| {
        let _ = UnixStream::pair();
    });
    assert!(message.contains("IO is disabled"), "{message}");
    assert!(message.contains("enable_io"), "{message}");
}

#[test]
fn guards_nest_and_restore() {
    let reactor = TestReactor::start();
    {
        let _outer = reactor.enter();
        {
            let _inner = context::enter(None);
            assert!(panic::catch_unwind(|| UnixStream::pair()).is_err());
        }
        // The outer handle is back.
        UnixStream::pair().unwrap();
    }
    assert!(panic::catch_unwind(|| UnixStream::pair()).is_err());
}
