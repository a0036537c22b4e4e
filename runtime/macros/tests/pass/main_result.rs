//! `main` returning a `Result`, with `?`, an early `return` and inference of
//! the body's output.

use std::num::ParseIntError;

#[runtime::main]
async fn main() -> Result<(), ParseIntError> {
    let n: u32 = "3".parse()?;
    let v: Vec<u32> = (0..n).collect();
    if v.is_empty() {
        return Ok(());
    }
    assert_eq!(v, [0, 1, 2]);
    let task = runtime::spawn(async { "4".parse::<u32>() });
    let four = task.await.unwrap()?;
    assert_eq!(four, 4);
    Ok(())
}
