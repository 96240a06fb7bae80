//! This node's answer to the bus (the event handler the bus calls, as in Centrifuge): frames
//! go to the hub's sockets, presence news to the cluster view, invalidations to the caches.
//! Built before the bus and handed to it, so the bus depends on the [`Delivery`] trait only.

use super::Caches;
use crate::bus::{Delivery, SiteData, WireEvent, WireKind};
use crate::cluster::Cluster;
use crate::hub::Hub;

/// Everything on this node that events from the bus change.
pub struct NodeDelivery {
    hub: Hub,
    cluster: Cluster,
    caches: Caches,
}

impl NodeDelivery {
    /// Delivery to these handles (clones of the ones the service holds).
    pub fn new(hub: Hub, cluster: Cluster, caches: Caches) -> Self {
        NodeDelivery {
            hub,
            cluster,
            caches,
        }
    }
}

impl Delivery for NodeDelivery {
    fn deliver(&self, event: &WireEvent) {
        match event.kind {
            // This node's own news (it knows it first hand) is dropped on the header's node,
            // before the body is parsed.
            WireKind::Presence if event.from.as_ref() == Some(self.cluster.node()) => {}
            WireKind::Presence => self.cluster.learn(&event.site_id, &event.json),
            WireKind::Invalidate => match serde_json::from_str::<Vec<SiteData>>(&event.json) {
                Ok(what) => self.caches.drop(&event.site_id, &what),
                Err(e) => tracing::debug!(error = %e, "unreadable invalidation"),
            },
            _ => self.hub.deliver_wire(event),
        }
    }

    fn wants(&self, event: &crate::bus::BusEvent) -> bool {
        match event.payload {
            crate::bus::Payload::Invalidate(_) => true,
            _ => self.hub.has_recipients(event),
        }
    }
}
