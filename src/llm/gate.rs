//! The node's bound on model calls in flight, checked before a call is made: at most
//! `max_concurrent` at once on this node; one more is refused at once rather than queued,
//! since its fallback is ready now. The daily budget per site is counted in the store (the
//! `Usage` area), so it holds for all nodes together.

use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// All slots are taken: the call is not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// The slots of one node.
pub struct Gate {
    slots: Arc<Semaphore>,
}

/// A call's slot, released when dropped.
pub struct Pass {
    _slot: OwnedSemaphorePermit,
}

impl Gate {
    /// A gate with `max_concurrent` slots.
    pub fn new(max_concurrent: usize) -> Gate {
        Gate {
            slots: Arc::new(Semaphore::new(max_concurrent)),
        }
    }

    /// A slot for one call, or [`Busy`].
    pub fn enter(&self) -> Result<Pass, Busy> {
        let slot = self.slots.clone().try_acquire_owned().map_err(|_| Busy)?;
        Ok(Pass { _slot: slot })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_past_the_slots_is_refused_at_once_and_a_finished_call_frees_its_slot() {
        let gate = Gate::new(1);
        let first = gate.enter().unwrap();
        assert_eq!(gate.enter().err(), Some(Busy));
        drop(first);
        drop(gate.enter().unwrap());
    }
}
