#[runtime::main(worker_threads = "4")]
async fn main() {}

#[runtime::main(worker_threads = 2.5)]
async fn float() {}

#[runtime::main(worker_threads = -1)]
async fn negative() {}

#[runtime::main(worker_threads = 99999999999999999999999999)]
async fn too_large() {}
