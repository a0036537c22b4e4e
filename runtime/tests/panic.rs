//! A panic in a task is caught, reported through its JoinHandle, and never
//! kills a worker.

mod common;

use common::each_flavor;

#[test]
fn the_payload_reaches_the_join_handle() {
    each_flavor(|flavor, rt| {
        let n = std::hint::black_box(7);
        let err = rt.block_on(async move {
            runtime::spawn(async move { panic!("boom {n}") })
                .await
                .unwrap_err()
        });
        assert!(err.is_panic() && !err.is_cancelled(), "{flavor}");
        assert!(err.to_string().contains("boom 7"), "{flavor}: {err}");
        let id = err.id();
        let payload = err.into_panic();
        assert_eq!(
            payload.downcast_ref::<String>().unwrap(),
            "boom 7",
            "{flavor} {id}"
        );
    });
}

#[test]
fn try_into_panic_gives_back_a_cancellation() {
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let err = rt.block_on(async {
        let h = runtime::spawn(common::Forever);
        h.abort();
        h.await.unwrap_err()
    });
    let err = err.try_into_panic().unwrap_err();
    assert!(err.is_cancelled());
    assert!(format!("{err:?}").contains("Cancelled"));
}

#[test]
fn workers_survive_many_panics() {
    each_flavor(|flavor, rt| {
        let (panics, ok) = rt.block_on(async {
            let handles: Vec<_> = (0..200)
                .map(|i| {
                    runtime::spawn(async move {
                        runtime::task::yield_now().await;
                        if i % 2 == 0 {
                            panic!("task {i}");
                        }
                        i
                    })
                })
                .collect();
            let (mut panics, mut ok) = (0, 0);
            for h in handles {
                match h.await {
                    Ok(_) => ok += 1,
                    Err(e) => {
                        assert!(e.is_panic());
                        panics += 1
                    }
                }
            }
            (panics, ok)
        });
        assert_eq!((panics, ok), (100, 100), "{flavor}");
        // The workers still run tasks.
        assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1, "{flavor}");
    });
}

#[test]
fn a_panicking_drop_of_the_output_is_contained() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("drop bomb");
        }
    }
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            // Detached: the runtime drops the output, and survives.
            drop(runtime::spawn(async { Bomb }));
            for _ in 0..10 {
                runtime::task::yield_now().await;
            }
        });
        assert_eq!(rt.block_on(rt.spawn(async { 2 })).unwrap(), 2, "{flavor}");
    });
}

#[test]
fn a_panic_in_the_future_drop_at_abort_is_reported_as_panic() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("drop bomb");
        }
    }
    each_flavor(|flavor, rt| {
        let err = rt.block_on(async {
            let (tx, rx) = std::sync::mpsc::channel();
            let h = runtime::spawn(async move {
                let _b = Bomb;
                tx.send(()).unwrap();
                common::Forever.await
            });
            // The bomb exists only once the task has started.
            while rx.try_recv().is_err() {
                runtime::task::yield_now().await;
            }
            h.abort();
            h.await.unwrap_err()
        });
        assert!(err.is_panic(), "{flavor}: {err}");
    });
}
