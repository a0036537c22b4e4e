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

/// A runtime kept in a thread-local is dropped at thread exit, possibly
/// after the IO context's own thread-local is gone; entering its handle
/// then must not panic (a panic in a thread-local destructor aborts).
#[test]
fn enter_after_the_thread_locals_are_destroyed_does_nothing() {
    use std::cell::RefCell;
    use std::sync::atomic::{AtomicBool, Ordering};

    static RAN: AtomicBool = AtomicBool::new(false);

    struct EnterOnDrop(Option<runtime_io::Handle>);

    impl Drop for EnterOnDrop {
        fn drop(&mut self) {
            let guard = context::enter(self.0.take());
            drop(guard);
            RAN.store(true, Ordering::SeqCst);
        }
    }

    thread_local! {
        static LATE: RefCell<Option<EnterOnDrop>> = const { RefCell::new(None) };
    }

    let reactor = TestReactor::start();
    let handle = reactor.handle();
    std::thread::spawn(move || {
        // Registered first, so destroyed last: after the context's.
        LATE.with(|late| *late.borrow_mut() = Some(EnterOnDrop(Some(handle.clone()))));
        drop(context::enter(Some(handle)));
    })
    .join()
    .unwrap();
    assert!(RAN.load(Ordering::SeqCst));
}
