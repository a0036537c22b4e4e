//! Every argument, with the crate re-exported under another name.

mod reexport {
    pub use runtime as rt;
}

use reexport::rt;

#[rt::main(flavor = "multi_thread", worker_threads = 2, crate = "reexport::rt")]
async fn main() {
    let v = rt::spawn(async { 7 }).await.unwrap();
    assert_eq!(v, 7);
}

#[rt::test(flavor = "multi_thread", worker_threads = 1, crate = "::runtime")]
#[ignore = "only compiled: trybuild does not build with --test"]
async fn in_test() -> Result<(), String> {
    Ok(())
}
