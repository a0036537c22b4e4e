#[runtime::test(shutdown_on = "ctrl_c")]
async fn stops_on_ctrl_c() {}

fn main() {}
