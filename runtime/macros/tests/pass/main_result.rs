//! `main` returning a `Result`, with `?` and inference of the body's output.

use std::num::ParseIntError;

#[runtime::main]
async fn main() -> Result<(), ParseIntError> {
    let n: u32 = "3".parse()?;
    let v: Vec<u32> = (0..n).collect();
    if v.is_empty() {
        return Ok(());
    }
    assert_eq!(v, [0, 1, 2]);
    assert_eq!(helper(41), 42);
    Ok(())
}

/// Not `main`: may take parameters, which are moved into the body.
#[runtime::main(flavor = "current_thread")]
async fn helper(x: u32) -> u32 {
    runtime::task::yield_now().await;
    x + 1
}
