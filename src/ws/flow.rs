//! What both socket loops share: what to do after a frame, and sending that never waits on a
//! peer that has stopped reading.

use super::frame_guard::Refusals;
use actix_ws::{CloseCode, CloseReason, ProtocolError, Session};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// A socket that cannot take a frame within this time is treated as gone.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a close frame may take to go out before the socket is simply dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

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
/// `max_frame_bytes` (refused by the guard on its declared length, or by actix-ws), 1007 for
/// text that is not UTF-8, 1002 for anything else that breaks the protocol.
pub(super) fn unreadable(error: &ProtocolError, refusals: &Refusals) -> Flow {
    if refusals.too_large() || matches!(error, ProtocolError::Overflow) {
        return close(CloseCode::Size, "frame too large");
    }
    match error {
        // actix-ws reports text that is not UTF-8 as `InvalidData` with the decoder's message
        // (a `Utf8Error`, or its text for a fragmented message).
        ProtocolError::Io(e)
            if e.kind() == std::io::ErrorKind::InvalidData && e.to_string().contains("utf-8") =>
        {
            close(CloseCode::Invalid, "text is not valid UTF-8")
        }
        other => {
            tracing::debug!(error = %other, "socket protocol error");
            close(CloseCode::Protocol, "protocol error")
        }
    }
}

/// Sends one text frame. A send that waits because the peer is not reading gives up as soon
/// as the hub reports the socket's outbox full (`too_slow`), or after [`SEND_TIMEOUT`].
pub(super) async fn send_text(
    session: &mut Session,
    json: &str,
    too_slow: &CancellationToken,
) -> Flow {
    tokio::select! {
        sent = tokio::time::timeout(SEND_TIMEOUT, session.text(json.to_owned())) => match sent {
            Ok(Ok(())) => Flow::Continue,
            _ => Flow::Gone,
        },
        _ = too_slow.cancelled() => close(CloseCode::Again, "too slow to receive; reconnect"),
    }
}

/// Sends the close frame, if the loop ended with one, giving a stuck peer only a moment.
pub(super) async fn finish(session: &Session, flow: Flow) {
    if let Flow::Close(reason) = flow {
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, session.clone().close(Some(reason))).await;
    }
}
