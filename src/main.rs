//! The `shopchat` binary: everything lives in the library; see `shopchat::cli`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    shopchat::cli::main().await
}
