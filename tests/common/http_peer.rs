//! The other end of the server's outgoing HTTP calls (webhooks, an external bot): tests
//! stand up a listener and read what the server sent with these.

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// Reads one HTTP request: its head (request line and headers) and its body, as long as its
/// `Content-Length` says. `None` when the peer closes first.
pub async fn read_request(socket: &mut TcpStream) -> Option<(String, String)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&data[..end]).to_string();
        let length: usize = header(&head, "content-length").parse().unwrap_or(0);
        if data.len() >= end + 4 + length {
            let body = String::from_utf8_lossy(&data[end + 4..end + 4 + length]).to_string();
            return Some((head, body));
        }
    }
}

/// The value of header `name` (any case) in a request head; empty when absent.
pub fn header(head: &str, name: &str) -> String {
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
        .unwrap_or_default()
}
