#[runtime::main(flavor = "current_thread", worker_threads = 2)]
async fn main() {}

// `#[runtime::test]` is current-thread unless told otherwise.
#[runtime::test(worker_threads = 2)]
async fn default_test_flavor() {}
