//! Accepted sockets have Nagle's algorithm off (TCP_NODELAY), so back-to-back small frames do
//! not wait for the client's delayed ACK. The server runs in this process: its side of a
//! connection is one of this process's file descriptors, found by its addresses.

use crate::common::{SHOP_ORIGIN, spawn_app};
use std::net::SocketAddr;
use std::os::fd::BorrowedFd;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// TCP_NODELAY on the server's side of the connection `client` is the client of.
fn server_side_nodelay(client: &TcpStream) -> bool {
    let (ours, theirs) = (client.local_addr().unwrap(), client.peer_addr().unwrap());
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        // SAFETY: the borrow lasts for the calls below only; were the descriptor closed (or
        // reused) by another thread meanwhile, the calls fail or see another socket, whose
        // addresses do not match.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let socket = socket2::SockRef::from(&fd);
        let addrs = (socket.local_addr(), socket.peer_addr());
        let (Ok(local), Ok(peer)) = addrs else {
            continue;
        };
        if local.as_socket() == Some(theirs) && peer.as_socket() == Some(ours) {
            return socket.tcp_nodelay().unwrap();
        }
    }
    panic!("the server's side of {ours} -> {theirs} is not among this process's descriptors");
}

/// Sends `request` and reads until the end of the response head.
async fn exchange(client: &mut TcpStream, request: &str) -> String {
    client.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(client.read(&mut byte).await.unwrap(), 1, "server hung up");
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

async fn connect(port: u16) -> TcpStream {
    TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap()
}

#[tokio::test]
async fn accepted_connections_and_upgraded_sockets_have_tcp_nodelay_on() {
    let app = spawn_app().await;

    let mut http = connect(app.port).await;
    let head = exchange(
        &mut http,
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(server_side_nodelay(&http), "plain HTTP connection");

    // A shopper socket runs on the same TCP stream after the upgrade hook takes it over.
    let mut socket = connect(app.port).await;
    let upgrade = format!(
        "GET /ws/shopper?site={} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {SHOP_ORIGIN}\r\n\
         Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n",
        app.seed.public_key
    );
    let head = exchange(&mut socket, &upgrade).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(server_side_nodelay(&socket), "upgraded shopper socket");
    app.stop().await;
}
