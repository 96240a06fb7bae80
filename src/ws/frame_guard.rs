//! A length check in front of actix-ws, acting on what a frame header *declares*.
//!
//! actix-http's frame parser compares a frame's length with `max_size` only once the whole
//! frame has arrived, and actix-ws appends everything it reads to its buffer before parsing:
//! a header declaring 4 GiB followed by a slow stream of payload is buffered in full. This
//! layer sits between the request body and actix-ws, follows the frame boundaries of the
//! bytes going through (headers are read, payload is skipped, nothing is copied), and ends
//! the stream as soon as a header declares a frame — or a fragmented message's running
//! total — longer than the limit. The socket loop then closes with 1009 (see
//! [`Refusals::too_large`]). What it lets through is exactly what arrived.

use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

/// What the guard decided, shared with the socket loop so it can tell a refused length from
/// other protocol errors (actix-ws wraps a body error in a plain I/O error).
#[derive(Debug, Clone, Default)]
pub struct Refusals(Arc<AtomicBool>);

impl Refusals {
    /// Whether the guard ended the stream because a frame or message was too large.
    pub fn too_large(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Where the scanner is within the frame sequence.
#[derive(Debug, Clone, Copy)]
enum Position {
    /// Reading a header: `have` of its bytes are in `header`.
    Header { have: usize },
    /// Skipping this many payload bytes of the current frame.
    Payload { remaining: u64 },
}

/// The frame-boundary scanner: pure, fed chunk by chunk.
#[derive(Debug, Clone)]
pub struct FrameScanner {
    limit: u64,
    header: [u8; 14],
    position: Position,
    /// Payload bytes of the data message being assembled from fragments so far.
    message_total: u64,
}

/// A header asked for more than the limit allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge;

impl FrameScanner {
    /// A scanner allowing frames and whole messages of at most `limit` payload bytes.
    pub fn new(limit: usize) -> Self {
        FrameScanner {
            limit: limit as u64,
            header: [0; 14],
            position: Position::Header { have: 0 },
            message_total: 0,
        }
    }

    /// Follows `chunk`; an error as soon as a header within it declares too much.
    pub fn feed(&mut self, mut chunk: &[u8]) -> Result<(), TooLarge> {
        while !chunk.is_empty() {
            match self.position {
                Position::Payload { remaining } => {
                    let skip = remaining.min(chunk.len() as u64);
                    chunk = &chunk[skip as usize..];
                    let remaining = remaining - skip;
                    self.position = if remaining == 0 {
                        Position::Header { have: 0 }
                    } else {
                        Position::Payload { remaining }
                    };
                }
                Position::Header { mut have } => {
                    let need = header_len(&self.header[..have]).unwrap_or(2);
                    let take = (need - have).min(chunk.len());
                    self.header[have..have + take].copy_from_slice(&chunk[..take]);
                    chunk = &chunk[take..];
                    have += take;
                    // The first two bytes tell how long the header is; it may need more.
                    match header_len(&self.header[..have]) {
                        Some(full) if full == have => self.on_header()?,
                        _ => self.position = Position::Header { have },
                    }
                }
            }
        }
        Ok(())
    }

    /// A complete header is in `self.header`: check it and move on to its payload.
    fn on_header(&mut self) -> Result<(), TooLarge> {
        let (first, second) = (self.header[0], self.header[1]);
        let fin = first & 0x80 != 0;
        let opcode = first & 0x0f;
        let length = match second & 0x7f {
            126 => u64::from(u16::from_be_bytes([self.header[2], self.header[3]])),
            127 => u64::from_be_bytes([
                self.header[2],
                self.header[3],
                self.header[4],
                self.header[5],
                self.header[6],
                self.header[7],
                self.header[8],
                self.header[9],
            ]),
            short => u64::from(short),
        };
        if length > self.limit {
            return Err(TooLarge);
        }
        match opcode {
            // Text or binary starts a message; a continuation adds to it. Control frames
            // (close, ping, pong) may come between fragments and do not count.
            0x1 | 0x2 => self.message_total = length,
            0x0 => self.message_total = self.message_total.saturating_add(length),
            _ => {}
        }
        if self.message_total > self.limit {
            return Err(TooLarge);
        }
        if fin && opcode <= 0x2 {
            self.message_total = 0;
        }
        self.position = if length == 0 {
            Position::Header { have: 0 }
        } else {
            Position::Payload { remaining: length }
        };
        Ok(())
    }
}

/// The header's full length once its first two bytes are known: 2, plus 2 or 8 bytes of
/// extended length, plus 4 of mask when masked (every client frame is).
fn header_len(start: &[u8]) -> Option<usize> {
    let second = *start.get(1)?;
    let extended = match second & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mask = if second & 0x80 != 0 { 4 } else { 0 };
    Some(2 + extended + mask)
}

/// The request body stream with the scanner in front: bytes pass unchanged until a header
/// declares too much, then one error and the end.
pub struct FrameGuard<S> {
    inner: S,
    scanner: FrameScanner,
    refusals: Refusals,
    done: bool,
}

impl<S> FrameGuard<S> {
    /// Guards `inner` with a limit of `limit` bytes per frame and per message.
    pub fn new(inner: S, limit: usize) -> (Self, Refusals) {
        let refusals = Refusals::default();
        let guard = FrameGuard {
            inner,
            scanner: FrameScanner::new(limit),
            refusals: refusals.clone(),
            done: false,
        };
        (guard, refusals)
    }
}

impl<S> Stream for FrameGuard<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => match this.scanner.feed(&bytes) {
                Ok(()) => Poll::Ready(Some(Ok(bytes))),
                Err(TooLarge) => {
                    this.done = true;
                    this.refusals.0.store(true, Ordering::Relaxed);
                    Poll::Ready(Some(Err(PayloadError::Overflow)))
                }
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A masked client frame header for `len` payload bytes.
    fn header(fin: bool, opcode: u8, len: u64) -> Vec<u8> {
        let mut h = vec![if fin { 0x80 } else { 0 } | opcode];
        match len {
            0..=125 => h.push(0x80 | len as u8),
            126..=0xffff => {
                h.push(0x80 | 126);
                h.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                h.push(0x80 | 127);
                h.extend_from_slice(&len.to_be_bytes());
            }
        }
        h.extend_from_slice(&[1, 2, 3, 4]);
        h
    }

    fn frame(fin: bool, opcode: u8, len: usize) -> Vec<u8> {
        let mut f = header(fin, opcode, len as u64);
        f.extend(std::iter::repeat_n(b'x', len));
        f
    }

    #[test]
    fn frames_within_the_limit_pass_in_any_chunking() {
        let mut bytes = frame(true, 1, 100);
        bytes.extend(frame(true, 2, 1000));
        bytes.extend(frame(true, 9, 4)); // ping
        bytes.extend(frame(true, 1, 1024));
        for chunk in [1, 2, 3, 7, 64, 5000] {
            let mut s = FrameScanner::new(1024);
            for piece in bytes.chunks(chunk) {
                assert_eq!(s.feed(piece), Ok(()), "chunk {chunk}");
            }
        }
    }

    #[test]
    fn a_declared_length_over_the_limit_is_refused_at_the_header() {
        // 4 GiB declared, no payload yet: refused on the header alone.
        let mut s = FrameScanner::new(16 * 1024);
        assert_eq!(s.feed(&header(true, 1, 4 << 30)), Err(TooLarge));
        // Even when the header arrives one byte at a time.
        let mut s = FrameScanner::new(16 * 1024);
        let h = header(true, 2, 16 * 1024 + 1);
        let (last, rest) = h.split_last().unwrap();
        for b in rest {
            assert_eq!(s.feed(std::slice::from_ref(b)), Ok(()));
        }
        assert_eq!(s.feed(&[*last]), Err(TooLarge));
    }

    #[test]
    fn fragments_count_towards_one_message_and_control_frames_do_not() {
        let mut s = FrameScanner::new(1000);
        assert_eq!(s.feed(&frame(false, 1, 600)), Ok(()));
        assert_eq!(s.feed(&frame(true, 9, 100)), Ok(())); // a ping between fragments
        assert_eq!(s.feed(&frame(false, 0, 400)), Ok(())); // 1000 so far
        assert_eq!(s.feed(&header(true, 0, 1)), Err(TooLarge));
        // A finished message resets the count.
        let mut s = FrameScanner::new(1000);
        assert_eq!(s.feed(&frame(false, 1, 600)), Ok(()));
        assert_eq!(s.feed(&frame(true, 0, 400)), Ok(()));
        assert_eq!(s.feed(&frame(true, 1, 1000)), Ok(()));
    }
}
