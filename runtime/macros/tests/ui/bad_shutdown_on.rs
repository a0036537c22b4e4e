#[runtime::main(shutdown_on = "ctrl_c, sighup")]
async fn main() {}
