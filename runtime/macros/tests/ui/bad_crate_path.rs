#[runtime::main(crate = "not a path")]
async fn main() {}

#[runtime::main(crate = runtime)]
async fn unquoted() {}
