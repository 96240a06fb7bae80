//! Per-socket limits: frame and message sizes, rates, the outbox, heartbeats and grace times.

use std::time::Duration;

/// Socket limits; each bounds one queue, buffer or rate.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest WebSocket frame, bytes; larger closes the socket with 1009.
    pub max_frame_bytes: usize,
    /// Longest message text, characters.
    pub max_message_chars: usize,
    /// Average frames per second per shopper socket.
    pub rate_per_sec: u32,
    /// Burst of frames per shopper socket.
    pub rate_burst: u32,
    /// Refused frames in a row before closing the socket.
    pub rate_strikes: u32,
    /// Frames waiting for one socket before it is closed as too slow.
    pub outbox_capacity: usize,
    /// Interval of server pings.
    pub ping_interval: Duration,
    /// Silence after which a socket is closed.
    pub idle_timeout: Duration,
    /// How long an agent may be offline (disconnected, or status offline) before its
    /// assigned chats go back to the queue: long enough for a page reload or a network blip.
    pub agent_grace: Duration,
    /// How often each node looks for conversations idle past their site's `idle_close_secs`
    /// and closes them; a chat closes at most this much later than its setting says.
    pub idle_sweep: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame_bytes: 16 * 1024,
            max_message_chars: 4000,
            rate_per_sec: 20,
            rate_burst: 40,
            rate_strikes: 50,
            outbox_capacity: 256,
            ping_interval: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(45),
            agent_grace: Duration::from_secs(60),
            idle_sweep: Duration::from_secs(15),
        }
    }
}
