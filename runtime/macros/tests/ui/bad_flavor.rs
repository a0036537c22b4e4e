#[runtime::main(flavor = "single_thread")]
async fn main() {}

#[runtime::test(flavor = current_thread)]
async fn flavor_not_a_string() {}
