//! A socket's outbox: the bounded queue the hub fills and the socket's loop drains.
//!
//! Why not `tokio::sync::mpsc`: a tokio channel allocates its first block of 32 slots when it
//! is made (~1.6 KiB with its header), and an idle shopper — most of them, most of the time —
//! never has anything queued. This queue allocates only for what is in it and gives the
//! room back once it is drained, so 10,000 idle sockets hold 10,000 small headers. It is a
//! single-consumer queue behind a mutex held for one push or pop (never across an await),
//! which costs no more than the channel's atomics at the rates a socket sees.
//!
//! The bound acts at the push: a full outbox refuses the frame at once, and the hub marks
//! that socket too slow (it closes, its client reconnects and resumes from its last seq).

use super::Outbound;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// Room kept after a socket drains its outbox: a drained burst gives the rest back.
const KEEP_WHEN_EMPTY: usize = 4;

/// A new outbox for one socket, holding at most `capacity` frames.
pub fn outbox(capacity: usize) -> (OutboxSender, OutboxReceiver) {
    let shared = Arc::new(Shared {
        queue: Mutex::new(Queue {
            frames: VecDeque::new(),
            capacity: capacity.max(1),
            receiver_gone: false,
        }),
        ready: Notify::new(),
    });
    (
        OutboxSender {
            shared: shared.clone(),
        },
        OutboxReceiver { shared },
    )
}

struct Shared {
    queue: Mutex<Queue>,
    /// Woken on every push; holds a permit if the receiver was not waiting, so a push between
    /// its look at the queue and its wait is never missed.
    ready: Notify,
}

struct Queue {
    frames: VecDeque<Outbound>,
    capacity: usize,
    receiver_gone: bool,
}

impl Shared {
    /// The queue, whatever a panicking holder left: every critical section is one push or
    /// pop, which cannot leave the `VecDeque` half changed.
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Why a frame was not queued.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The outbox holds `capacity` frames: the socket is not keeping up.
    Full,
    /// The socket has gone; nobody will read the frame.
    Gone,
}

/// The hub's end of an outbox; clones push into the same queue.
#[derive(Clone)]
pub struct OutboxSender {
    shared: Arc<Shared>,
}

impl OutboxSender {
    /// Queues a frame without waiting; refused at once when full or when the socket is gone.
    pub fn try_send(&self, frame: Outbound) -> Result<(), Refused> {
        {
            let mut queue = self.shared.queue();
            if queue.receiver_gone {
                return Err(Refused::Gone);
            }
            if queue.frames.len() >= queue.capacity {
                return Err(Refused::Full);
            }
            queue.frames.push_back(frame);
        }
        self.shared.ready.notify_one();
        Ok(())
    }
}

/// The socket's end of its outbox.
pub struct OutboxReceiver {
    shared: Arc<Shared>,
}

impl OutboxReceiver {
    /// The next frame, waiting for one. Cancel-safe: a frame is taken only by the poll that
    /// returns it, so dropping this future (another branch of a `select!` won) loses nothing.
    pub async fn recv(&mut self) -> Outbound {
        loop {
            if let Some(frame) = self.try_recv() {
                return frame;
            }
            self.shared.ready.notified().await;
        }
    }

    /// The next frame if one is queued.
    pub fn try_recv(&mut self) -> Option<Outbound> {
        let mut queue = self.shared.queue();
        let frame = queue.frames.pop_front();
        if queue.frames.is_empty() && queue.frames.capacity() > KEEP_WHEN_EMPTY {
            queue.frames = VecDeque::new();
        }
        frame
    }
}

impl Drop for OutboxReceiver {
    fn drop(&mut self) {
        let mut queue = self.shared.queue();
        queue.receiver_gone = true;
        // What was queued for a socket that is gone is freed now, not when the last sender
        // (the hub's registration) lets go.
        queue.frames = VecDeque::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: u32) -> Outbound {
        Outbound::Frame(n.to_string().into())
    }

    fn text(out: Outbound) -> String {
        match out {
            Outbound::Frame(json) => json.to_string(),
            _ => String::new(),
        }
    }

    #[test]
    fn frames_come_out_in_order_and_a_full_outbox_refuses_the_next() {
        let (tx, mut rx) = outbox(2);
        assert_eq!(tx.try_send(frame(1)), Ok(()));
        assert_eq!(tx.clone().try_send(frame(2)), Ok(()));
        assert_eq!(tx.try_send(frame(3)), Err(Refused::Full));
        assert_eq!(rx.try_recv().map(text).as_deref(), Some("1"));
        assert_eq!(tx.try_send(frame(4)), Ok(()));
        assert_eq!(rx.try_recv().map(text).as_deref(), Some("2"));
        assert_eq!(rx.try_recv().map(text).as_deref(), Some("4"));
        assert!(rx.try_recv().is_none());
    }

    #[test]
    fn a_drained_outbox_gives_its_room_back() {
        let (tx, mut rx) = outbox(64);
        for n in 0..64 {
            assert_eq!(tx.try_send(frame(n)), Ok(()));
        }
        while rx.try_recv().is_some() {}
        assert_eq!(rx.shared.queue().frames.capacity(), 0);
    }

    #[test]
    fn a_socket_that_is_gone_refuses_frames() {
        let (tx, rx) = outbox(8);
        drop(rx);
        assert_eq!(tx.try_send(frame(1)), Err(Refused::Gone));
    }

    #[tokio::test]
    async fn a_waiting_receiver_wakes_for_a_frame_pushed_later() {
        let (tx, mut rx) = outbox(8);
        let waiting = tokio::spawn(async move { text(rx.recv().await) });
        tokio::task::yield_now().await;
        assert_eq!(tx.try_send(frame(7)), Ok(()));
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), waiting).await;
        assert_eq!(got.ok().and_then(Result::ok).as_deref(), Some("7"));
    }

    #[tokio::test]
    async fn a_frame_pushed_while_a_recv_was_dropped_is_still_delivered() {
        let (tx, mut rx) = outbox(8);
        // A `select!` that polls `recv` once and then drops it for another branch.
        let pending = futures_util::FutureExt::now_or_never(rx.recv());
        assert!(pending.is_none());
        assert_eq!(tx.try_send(frame(9)), Ok(()));
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv()).await;
        assert_eq!(got.ok().map(text).as_deref(), Some("9"));
    }
}
