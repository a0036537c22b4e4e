//! `#[runtime::main(shutdown_on = "...", grace = "...")]`: the body runs
//! until the signal arrives, then the runtime drains. (Its own binary: it
//! raises SIGTERM, which the first listener stops from killing the process.)

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static FINISHED_ITS_WORK: AtomicBool = AtomicBool::new(false);

// A non-`main` function under the attribute: called by the test below.
#[runtime::main(shutdown_on = "ctrl_c, terminate", grace = "5s")]
async fn serve() -> Result<(), std::io::Error> {
    runtime::spawn(async {
        runtime::shutdown_token().cancelled().await;
        runtime::time::sleep(Duration::from_millis(20)).await;
        FINISHED_ITS_WORK.store(true, Ordering::SeqCst);
    });
    // The body never ends on its own.
    std::future::pending::<()>().await;
    unreachable!()
}

#[test]
fn a_signal_ends_the_body_and_the_runtime_drains() {
    let raiser = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(300));
        // SAFETY: raise has no memory-safety preconditions.
        assert_eq!(unsafe { libc::raise(libc::SIGTERM) }, 0);
    });
    let started = Instant::now();
    serve().unwrap();
    let took = started.elapsed();
    raiser.join().unwrap();
    assert!(
        FINISHED_ITS_WORK.load(Ordering::SeqCst),
        "the task got its drain"
    );
    assert!(took >= Duration::from_millis(300), "{took:?}");
    // The drain ended when the task did, not at the 5 s deadline.
    assert!(took < Duration::from_secs(3), "{took:?}");
}
