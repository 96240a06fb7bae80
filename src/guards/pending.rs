//! Sockets that have not yet said who they are (a shopper before `hello`, an agent before
//! `auth`), counted per client address. Such a socket costs a file descriptor and a task
//! while proving nothing, so one address may hold only a few: without this one client could
//! hold every descriptor of a node (~19.9k here) with sockets that answer pings and say
//! nothing else. The count is taken before the upgrade and given back when the socket
//! identifies itself or closes.

use super::ClientAddr;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Per-address counts of unidentified sockets on this node.
#[derive(Debug)]
pub struct PendingSockets {
    max_per_addr: usize,
    counts: Mutex<HashMap<ClientAddr, usize>>,
}

/// One counted socket; dropping it gives the place back.
#[derive(Debug)]
pub struct PendingSlot {
    owner: Arc<PendingSockets>,
    addr: ClientAddr,
}

impl PendingSockets {
    /// Counts allowing `max_per_addr` unidentified sockets per address.
    pub fn new(max_per_addr: usize) -> Arc<Self> {
        Arc::new(PendingSockets {
            max_per_addr,
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one more socket from `addr`, or `None` when it holds its share already.
    pub fn claim(self: &Arc<Self>, addr: ClientAddr) -> Option<PendingSlot> {
        // A poisoned lock only means another thread panicked mid-update of a counter; the
        // map is still a valid map, so keep counting.
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(addr).or_insert(0);
        if *count >= self.max_per_addr {
            return None;
        }
        *count += 1;
        Some(PendingSlot {
            owner: Arc::clone(self),
            addr,
        })
    }

    /// Unidentified sockets `addr` holds now.
    pub fn held_by(&self, addr: &ClientAddr) -> usize {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.get(addr).copied().unwrap_or(0)
    }
}

impl PendingSlot {
    /// The client address this socket counts against.
    pub fn addr(&self) -> ClientAddr {
        self.addr
    }
}

impl Drop for PendingSlot {
    fn drop(&mut self) {
        let mut counts = self
            .owner
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.addr) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.addr);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_its_share_and_gets_it_back() {
        let pending = PendingSockets::new(2);
        let a = ClientAddr::of("10.1.1.1".parse().unwrap());
        let b = ClientAddr::of("10.1.1.2".parse().unwrap());
        let first = pending.claim(a).unwrap();
        let _second = pending.claim(a).unwrap();
        assert!(pending.claim(a).is_none());
        assert!(pending.claim(b).is_some());
        drop(first);
        assert_eq!(pending.held_by(&a), 1);
        assert!(pending.claim(a).is_some());
    }
}
