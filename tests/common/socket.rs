//! A WebSocket client for either socket: the shopper's (`/ws/shopper`) and the agent's
//! (`/ws/agent`) speak JSON text frames, so one client with waits that have deadlines serves
//! both.

use super::DEADLINE;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A shopper's or an agent's WebSocket.
pub struct Socket {
    ws: Ws,
    /// How long one wait may take.
    deadline: Duration,
}

impl Socket {
    /// Connects to `url`, sending `Origin: origin` when given (as a browser would).
    pub async fn connect(url: &str, origin: Option<&str>) -> Result<Socket, tungstenite::Error> {
        let mut request = url.into_client_request()?;
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("Origin", origin.parse().unwrap());
        }
        let (ws, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Socket {
            ws,
            deadline: DEADLINE,
        })
    }

    /// The same socket with every wait allowed `deadline`.
    pub fn with_deadline(mut self, deadline: Duration) -> Socket {
        self.deadline = deadline;
        self
    }

    /// Sends `frame` as a JSON text frame.
    pub async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::text(frame.to_string()))
            .await
            .unwrap();
    }

    /// Sends any WebSocket message, for tests of what the server does with odd ones.
    pub async fn send_raw(&mut self, message: Message) {
        self.ws.send(message).await.unwrap();
    }

    /// The next JSON frame; fails on close or after the deadline.
    pub async fn recv(&mut self) -> Value {
        // One deadline for the whole wait: server pings must not extend it.
        let until = tokio::time::Instant::now() + self.deadline;
        loop {
            let next = tokio::time::timeout_at(until, self.ws.next())
                .await
                .expect("frame before deadline");
            match next {
                Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// The next frame of a type, returning the frames skipped on the way.
    pub async fn recv_type(&mut self, kind: &str) -> (Value, Vec<Value>) {
        let mut skipped = Vec::new();
        loop {
            let frame = self.recv().await;
            if frame["type"] == kind {
                return (frame, skipped);
            }
            skipped.push(frame);
        }
    }

    /// Reads frames until one matches, within one deadline; the panic lists what came instead.
    pub async fn until(&mut self, test: impl Fn(&Value) -> bool) -> Value {
        self.until_named("matching frame", test).await
    }

    /// [`Socket::until`] whose panic names `what` was awaited.
    pub async fn until_named(&mut self, what: &str, test: impl Fn(&Value) -> bool) -> Value {
        let mut seen = Vec::new();
        let found = tokio::time::timeout(self.deadline, async {
            loop {
                let frame = self.recv().await;
                if test(&frame) {
                    return frame;
                }
                seen.push(frame);
            }
        })
        .await;
        match found {
            Ok(frame) => frame,
            Err(_) => panic!("no {what} before the deadline; saw {seen:?}"),
        }
    }

    /// Reads until the server has pinged `n` times; tungstenite answers each with a pong.
    pub async fn pings(&mut self, n: usize) {
        let mut seen = 0;
        while seen < n {
            let next = tokio::time::timeout(self.deadline, self.ws.next())
                .await
                .expect("ping before deadline");
            match next {
                Some(Ok(Message::Ping(_))) => seen += 1,
                Some(Ok(_)) => continue,
                other => panic!("expected a ping, got {other:?}"),
            }
        }
    }

    /// Sends a `hello` and returns the `welcome`.
    pub async fn hello(&mut self, hello: Value) -> Value {
        let mut frame = hello;
        frame["type"] = json!("hello");
        self.send(frame).await;
        let welcome = self.recv().await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        welcome
    }

    /// Waits for the server to close the socket and returns the close frame.
    pub async fn closed(&mut self) -> Option<CloseFrame> {
        // One deadline for the whole wait: server pings must not extend it.
        let until = tokio::time::Instant::now() + self.deadline;
        loop {
            let next = tokio::time::timeout_at(until, self.ws.next())
                .await
                .expect("close before deadline");
            match next {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("socket failed before a close frame: {e}"),
                None => return None,
            }
        }
    }

    /// Sends a frame the server always answers with an error, and returns everything it sent
    /// before that answer: a barrier that proves nothing else is in flight.
    pub async fn drain(&mut self) -> Vec<Value> {
        self.send(json!({ "type": "barrier" })).await;
        let (_, before) = self.recv_type("error").await;
        before
    }

    /// Closes the socket as a leaving client does (a close frame first).
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
