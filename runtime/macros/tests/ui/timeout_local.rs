#[runtime::main(flavor = "local", timeout = "1s")]
async fn main() {}
