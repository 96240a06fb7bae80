//! Bare WebSocket echo servers: the floor the load generator compares shopchat against, in
//! the same run on the same machine. Any path is accepted and every text frame is sent back.
//!
//! ```sh
//! cargo run --release --example echo -- --bind 127.0.0.1:8099 --kind actix        # actix-web + actix-ws, as shopchat's stack
//! cargo run --release --example echo -- --bind 127.0.0.1:8099 --kind tungstenite  # tokio-tungstenite, 4 KiB buffers
//! ```
//!
//! `--workers N` sets the worker threads (default: one per core, as the server's default).

// Examples fail loudly by design: a panic on `unwrap` is the failure message.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use futures_util::{SinkExt, StreamExt};

fn main() {
    let mut bind = "127.0.0.1:8099".to_string();
    let mut kind = "actix".to_string();
    let mut workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().expect("every flag takes a value");
        match flag.as_str() {
            "--bind" => bind = value,
            "--kind" => kind = value,
            "--workers" => workers = value.parse().expect("--workers: a number"),
            other => panic!("unknown flag {other}"),
        }
    }
    match kind.as_str() {
        "actix" => actix_echo(&bind, workers),
        "tungstenite" => tungstenite_echo(&bind, workers),
        other => panic!("unknown --kind {other} (actix | tungstenite)"),
    }
}

/// actix-web with actix-ws, the stack shopchat's sockets ran on before issue 15.
fn actix_echo(bind: &str, workers: usize) {
    use actix_web::{App, HttpRequest, HttpServer, web};

    async fn ws(
        req: HttpRequest,
        body: web::Payload,
    ) -> actix_web::Result<actix_web::HttpResponse> {
        let (response, mut session, stream) = actix_ws::handle(&req, body)?;
        let mut stream = stream.max_frame_size(64 * 1024).aggregate_continuations();
        actix_web::rt::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                match msg {
                    actix_ws::AggregatedMessage::Text(t)
                        if session.text(t.clone()).await.is_err() =>
                    {
                        break;
                    }
                    actix_ws::AggregatedMessage::Ping(p) => {
                        let _ = session.pong(&p).await;
                    }
                    actix_ws::AggregatedMessage::Close(_) => break,
                    _ => {}
                }
            }
            let _ = session.close(None).await;
        });
        Ok(response)
    }

    let system = actix_web::rt::System::new();
    system
        .block_on(async {
            HttpServer::new(|| App::new().default_service(web::get().to(ws)))
                .workers(workers)
                .bind(bind)?
                .run()
                .await
        })
        .unwrap();
}

/// tokio-tungstenite with 4 KiB read and write buffers: about the least a WebSocket server in
/// this ecosystem holds per connection.
fn tungstenite_echo(bind: &str, workers: usize) {
    use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(bind).await.unwrap();
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            tokio::spawn(async move {
                let config = WebSocketConfig::default()
                    .read_buffer_size(4096)
                    .write_buffer_size(0)
                    .max_message_size(Some(64 * 1024));
                let Ok(mut ws) =
                    tokio_tungstenite::accept_async_with_config(tcp, Some(config)).await
                else {
                    return;
                };
                while let Some(Ok(msg)) = ws.next().await {
                    if msg.is_text() && ws.send(msg).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
}
