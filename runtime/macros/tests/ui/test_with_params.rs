#[runtime::test]
async fn with_params(n: u32) {
    assert_eq!(n, 1);
}

fn main() {}
