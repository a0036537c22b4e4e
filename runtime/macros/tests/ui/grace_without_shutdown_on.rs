#[runtime::main(grace = "5s")]
async fn main() {}
