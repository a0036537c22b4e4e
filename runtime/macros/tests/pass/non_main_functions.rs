//! `#[runtime::main]` on functions other than `main`, called from a plain
//! `main` (not from within a runtime: `block_on` does not nest).

mod reexport {
    pub use runtime as rt;
}

/// Parameters are moved into the body.
#[runtime::main(flavor = "current_thread")]
async fn with_params(x: u32, name: String) -> String {
    runtime::task::yield_now().await;
    format!("{name}{}", x + 1)
}

#[reexport::rt::main(crate = "crate::reexport::rt")]
pub async fn renamed_crate() -> u8 {
    reexport::rt::spawn(async { 1 }).await.unwrap()
}

/// The output type cannot be named here, so it is left to inference.
#[runtime::main(worker_threads = 1)]
async fn returns_impl_trait() -> impl std::fmt::Debug {
    runtime::spawn(async { [1, 2] }).await.unwrap()
}

fn main() {
    assert_eq!(with_params(41, "x".to_owned()), "x42");
    assert_eq!(renamed_crate(), 1);
    assert_eq!(format!("{:?}", returns_impl_trait()), "[1, 2]");
}
