// `shutdown_on` and `grace` compile, and a body that ends on its own
// returns its value after the drain.
#[runtime::main(shutdown_on = "ctrl_c, terminate", grace = "200ms")]
async fn main() -> Result<(), std::io::Error> {
    runtime::spawn(async {
        runtime::shutdown_token().cancelled().await;
    });
    Ok(())
}
