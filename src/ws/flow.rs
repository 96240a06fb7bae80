//! What both socket loops share: what to do after a frame, and sending that never waits on a
//! peer that has stopped reading.

use super::transport::{Transport, Unreadable};
use actix_ws::{CloseCode, CloseReason};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// A socket that cannot take a frame within this time is treated as gone.
pub(super) const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a close frame may take to go out before the socket is simply dropped.
pub(super) const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// What the loop does after a frame.
pub(super) enum Flow {
    Continue,
    Close(CloseReason),
    /// The peer is unreachable; nothing more can be sent.
    Gone,
}

/// Close the socket with a code and a reason for people.
pub(super) fn close(code: CloseCode, description: &str) -> Flow {
    Flow::Close(CloseReason {
        code,
        description: Some(description.to_owned()),
    })
}

/// The close for a frame the socket could not read: 1009 for a frame or message longer than
/// `max_frame_bytes` (refused on its declared length), 1007 for text that is not UTF-8, 1002
/// for anything else that breaks the protocol.
pub(super) fn unreadable(error: Unreadable) -> Flow {
    match error {
        Unreadable::Gone => Flow::Gone,
        Unreadable::TooLarge => close(CloseCode::Size, "frame too large"),
        Unreadable::NotUtf8 => close(CloseCode::Invalid, "text is not valid UTF-8"),
        Unreadable::Protocol(error) => {
            tracing::debug!(%error, "socket protocol error");
            close(CloseCode::Protocol, "protocol error")
        }
    }
}

/// Sends one text frame. A send that waits because the peer is not reading gives up as soon
/// as the hub reports the socket's outbox full (`too_slow`), or after [`SEND_TIMEOUT`].
pub(super) async fn send_text(
    transport: &mut Transport,
    json: String,
    too_slow: &CancellationToken,
) -> Flow {
    tokio::select! {
        sent = transport.text(json) => if sent { Flow::Continue } else { Flow::Gone },
        _ = too_slow.cancelled() => close(CloseCode::Again, "too slow to receive; reconnect"),
    }
}

/// Sends the close frame, if the loop ended with one, giving a stuck peer only a moment.
pub(super) async fn finish(transport: &mut Transport, flow: Flow) {
    if let Flow::Close(reason) = flow {
        transport.close(reason).await;
    }
}
