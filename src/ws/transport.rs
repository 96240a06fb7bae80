//! The WebSocket both sockets speak over: tokio-tungstenite on the raw TCP stream that
//! actix-http hands over at the upgrade (see [`super::upgrade`]), with buffers sized for a
//! chat. actix-ws kept actix-http's connection with two 8 KiB buffers for the socket's whole
//! life; here the read buffer is [`READ_BUFFER`] and the write buffer only as large as the
//! largest frame sent so far, which is what lets an idle shopper cost a few KiB.

use super::flow::{CLOSE_TIMEOUT, SEND_TIMEOUT};
use actix_web::rt::net::TcpStream;
use actix_ws::CloseReason;
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as WireCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error, Message, Utf8Bytes};

/// Bytes read from the socket at once. Client frames are small JSON (a hello with its page is
/// a few hundred bytes); a larger frame grows the buffer to its declared length, which the
/// frame limit bounds. Reading 2 KiB at a time costs a flood of events a few more reads.
const READ_BUFFER: usize = 2048;

/// A frame as the socket loop sees it.
pub(super) enum Incoming {
    /// A text frame (or a whole fragmented text message), valid UTF-8.
    Text(Utf8Bytes),
    /// Binary data, which neither protocol uses.
    Binary,
    /// A ping (already answered: tungstenite queues the pong) or a pong.
    Control,
    /// The client closed (tungstenite queues the echo of its close frame).
    Close,
}

/// Why a frame could not be read, as the close the loop answers with.
pub(super) enum Unreadable {
    /// The client is gone: nothing more can be sent.
    Gone,
    /// A frame or message longer than `max_frame_bytes`, refused on its declared length.
    TooLarge,
    /// Text that is not UTF-8.
    NotUtf8,
    /// Anything else that breaks the protocol.
    Protocol(String),
}

/// One socket's WebSocket over its TCP stream.
pub(super) struct Transport {
    ws: WebSocketStream<TcpStream>,
}

impl Transport {
    /// Takes over `io` after the handshake; `read` is what the client sent after its
    /// request that the HTTP layer already read. Frames and whole messages are limited to
    /// `limit` payload bytes: tungstenite refuses a frame on its header's declared length.
    pub(super) async fn new(io: TcpStream, read: Vec<u8>, limit: usize) -> Self {
        let config = WebSocketConfig::default()
            .read_buffer_size(READ_BUFFER)
            // Every frame goes out at once (a chat frame is an answer somebody waits for).
            .write_buffer_size(0)
            .max_message_size(Some(limit))
            .max_frame_size(Some(limit));
        let ws = WebSocketStream::from_partially_read(io, read, Role::Server, Some(config)).await;
        Transport { ws }
    }

    /// The next frame; `Err` when the socket cannot be read any more.
    pub(super) async fn recv(&mut self) -> Result<Incoming, Unreadable> {
        match self.ws.next().await {
            None => Err(Unreadable::Gone),
            Some(Ok(message)) => Ok(match message {
                Message::Text(text) => Incoming::Text(text),
                Message::Binary(_) => Incoming::Binary,
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => Incoming::Control,
                Message::Close(_) => Incoming::Close,
            }),
            Some(Err(error)) => Err(match error {
                Error::Capacity(_) => Unreadable::TooLarge,
                Error::Utf8(_) => Unreadable::NotUtf8,
                Error::Protocol(e) => Unreadable::Protocol(e.to_string()),
                Error::AttackAttempt => Unreadable::Protocol("attack attempt".into()),
                _ => Unreadable::Gone,
            }),
        }
    }

    /// Sends a text frame, waiting at most [`SEND_TIMEOUT`] for a peer that stopped reading;
    /// `false` when it could not be sent.
    pub(super) async fn text(&mut self, text: String) -> bool {
        self.send(Message::text(text), SEND_TIMEOUT).await
    }

    /// Sends a ping; `false` when the peer is unreachable.
    pub(super) async fn ping(&mut self) -> bool {
        self.send(Message::Ping(Default::default()), SEND_TIMEOUT)
            .await
    }

    /// Sends the close frame, giving a stuck peer only [`CLOSE_TIMEOUT`].
    pub(super) async fn close(&mut self, reason: CloseReason) {
        let frame = CloseFrame {
            code: WireCode::from(u16::from(reason.code)),
            reason: reason.description.unwrap_or_default().into(),
        };
        self.send(Message::Close(Some(frame)), CLOSE_TIMEOUT).await;
    }

    async fn send(&mut self, message: Message, within: Duration) -> bool {
        matches!(
            tokio::time::timeout(within, self.ws.send(message)).await,
            Ok(Ok(()))
        )
    }
}
