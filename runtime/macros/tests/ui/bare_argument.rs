#[runtime::test(multi_thread)]
async fn bare_flavor() {}

#[runtime::main(worker_threads)]
async fn main() {}
