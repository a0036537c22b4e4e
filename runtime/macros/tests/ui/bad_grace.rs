#[runtime::main(shutdown_on = "ctrl_c", grace = "5 parsecs")]
async fn main() {}
