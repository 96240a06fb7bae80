//! The `shopchat` binary: everything lives in the library; see `shopchat::cli`.

fn main() -> std::process::ExitCode {
    // Before the runtime starts any thread (see `limit_malloc_arenas`).
    shopchat::telemetry::limit_malloc_arenas();
    run()
}

#[tokio::main]
async fn run() -> std::process::ExitCode {
    shopchat::cli::main().await
}
