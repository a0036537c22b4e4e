#[runtime::main(flavor = "local", shutdown_on = "ctrl_c")]
async fn main() {}
