//! The envelope every bus carries: an event encoded once, with just the routing facts the hub
//! needs beside the frame's JSON, so delivering never parses or re-encodes the frame.
//!
//! Both buses go through it (the in-process one too), so a single node runs exactly the
//! delivery code that several nodes on Redis run. On Redis it travels as one line of JSON
//! header, a newline and the frame's JSON untouched: the frame is not escaped into a string,
//! and decoding it on the receiving node is a header parse plus one copy.

use super::{BusEvent, Payload, Recipient};
use crate::cluster::NodeId;
use crate::domain::{ConversationId, SiteId};
use crate::protocol::ServerFrame;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What kind of frame an envelope holds, with what the hub does differently for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WireKind {
    /// A shopper chat message: sockets track its seq to drop repeats and fill gaps.
    ShopperMessage {
        /// Its conversation.
        conversation_id: ConversationId,
        /// Its seq in that conversation.
        seq: u64,
    },
    /// A shopper `status` saying the conversation closed: the visitor is no longer in a
    /// conversation (proactive rules may speak again) and sockets forget it.
    ShopperClosed {
        /// The closed conversation.
        conversation_id: ConversationId,
    },
    /// Any other shopper frame.
    ShopperFrame,
    /// Any agent frame.
    AgentFrame,
    /// The agent's sockets must authenticate again; there is no frame.
    Reconnect,
    /// Presence news from a node (JSON of a `PresenceNews`); updates the hub's view of the
    /// cluster, reaches no socket.
    Presence,
    /// Cached site data to drop (JSON list of `SiteData`); reaches no socket.
    Invalidate,
    /// The visitor was erased: the hub resets its live browsing state; reaches no socket.
    Forget,
}

/// A [`BusEvent`] encoded once for every node and every recipient socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireEvent {
    /// The site, so agents see only their sites and a visitor id from another site never matches.
    pub site_id: SiteId,
    /// Whose sockets get it.
    pub to: Recipient,
    /// What kind of frame it is.
    pub kind: WireKind,
    /// The frame as JSON, shared by every socket it is queued on; empty for `Reconnect`.
    pub json: Arc<str>,
    /// The node presence news comes from, in the header so a node drops its own news
    /// without parsing the body; `None` for every other kind.
    pub from: Option<NodeId>,
}

impl From<&BusEvent> for WireEvent {
    fn from(event: &BusEvent) -> Self {
        let (kind, json): (WireKind, Arc<str>) = match &event.payload {
            Payload::Shopper(frame @ ServerFrame::Message(m)) => (
                WireKind::ShopperMessage {
                    conversation_id: m.conversation_id.clone(),
                    seq: m.seq,
                },
                frame.to_json().into(),
            ),
            Payload::Shopper(
                frame @ ServerFrame::Status {
                    conversation_id,
                    state,
                    ..
                },
            ) if state == "closed" => (
                WireKind::ShopperClosed {
                    conversation_id: conversation_id.clone(),
                },
                frame.to_json().into(),
            ),
            Payload::Shopper(frame) => (WireKind::ShopperFrame, frame.to_json().into()),
            Payload::Agent(frame) => (WireKind::AgentFrame, frame.to_json().into()),
            Payload::Reconnect => (WireKind::Reconnect, Arc::from("")),
            Payload::Forget => (WireKind::Forget, Arc::from("")),
            // Ids, statuses and a visitor summary: plain data that always encodes.
            Payload::Presence(news) => (
                WireKind::Presence,
                serde_json::to_string(news).unwrap_or_default().into(),
            ),
            Payload::Invalidate(what) => (
                WireKind::Invalidate,
                serde_json::to_string(what).unwrap_or_default().into(),
            ),
        };
        let from = match &event.payload {
            Payload::Presence(news) => Some(news.node().clone()),
            _ => None,
        };
        WireEvent {
            site_id: event.site_id.clone(),
            to: event.to.clone(),
            kind,
            json,
            from,
        }
    }
}

/// Version of the bytes format, so a node can refuse what a newer node sends instead of
/// misreading it during a rolling upgrade.
const WIRE_VERSION: u8 = 1;

#[derive(Serialize)]
struct HeaderOut<'a> {
    v: u8,
    site_id: &'a SiteId,
    to: &'a Recipient,
    kind: &'a WireKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'a NodeId>,
}

#[derive(Deserialize)]
struct HeaderIn {
    v: u8,
    site_id: SiteId,
    to: Recipient,
    kind: WireKind,
    // Absent from nodes older than the field (they ignore it when it is there).
    #[serde(default)]
    from: Option<NodeId>,
}

/// Why bytes from the bus are not an envelope this node understands.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// No newline between header and frame.
    #[error("bus envelope has no header line")]
    NoHeader,
    /// The header is not valid JSON of the expected shape.
    #[error("bus envelope header is invalid: {0}")]
    Header(#[source] serde_json::Error),
    /// Sent by a node speaking another version.
    #[error("bus envelope version {found} is not supported (this node speaks {WIRE_VERSION})")]
    Version {
        /// The version in the header.
        found: u8,
    },
    /// The frame is not UTF-8.
    #[error("bus envelope frame is not UTF-8")]
    Utf8(#[source] std::str::Utf8Error),
}

impl WireEvent {
    /// The bytes published on Redis: header JSON, `\n`, the frame's JSON. Compact JSON never
    /// holds a raw newline (it is escaped inside strings), so the first one ends the header.
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = HeaderOut {
            v: WIRE_VERSION,
            site_id: &self.site_id,
            to: &self.to,
            kind: &self.kind,
            from: self.from.as_ref(),
        };
        let mut out = Vec::with_capacity(128 + self.json.len());
        // Writing plain data (ids, numbers, enum tags) into a Vec cannot fail; were it ever
        // to, the header would be empty and every receiver would refuse it with `Header`.
        let _ = serde_json::to_writer(&mut out, &header);
        out.push(b'\n');
        out.extend_from_slice(self.json.as_bytes());
        out
    }

    /// Reads bytes written by [`WireEvent::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<WireEvent, WireError> {
        let split = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or(WireError::NoHeader)?;
        let header: HeaderIn =
            serde_json::from_slice(&bytes[..split]).map_err(WireError::Header)?;
        if header.v != WIRE_VERSION {
            return Err(WireError::Version { found: header.v });
        }
        let json = std::str::from_utf8(&bytes[split + 1..]).map_err(WireError::Utf8)?;
        Ok(WireEvent {
            site_id: header.site_id,
            to: header.to,
            kind: header.kind,
            json: Arc::from(json),
            from: header.from,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AgentId, Author, AuthorKind, Message, MessageId, Timestamp, VisitorId};

    fn message(seq: u64) -> ServerFrame {
        ServerFrame::Message(Message {
            id: MessageId::generate(),
            conversation_id: ConversationId::generate(),
            seq,
            author: Author {
                kind: AuthorKind::Agent,
                name: "Ann\nwith a newline".into(),
            },
            text: "line one\nline two".into(),
            ts: Timestamp(1),
            offers_handoff: false,
            attachments: Vec::new(),
        })
    }

    #[test]
    fn every_kind_survives_the_bytes_round_trip() {
        let (site, visitor, agent) = (
            SiteId::generate(),
            VisitorId::generate(),
            AgentId::generate(),
        );
        let closed = ServerFrame::Status {
            conversation_id: ConversationId::generate(),
            state: "closed".into(),
            agent: None,
            agent_avatar: None,
            nobody_online: false,
        };
        let events = [
            BusEvent::to_visitor(&site, &visitor, message(7)),
            BusEvent::to_visitor(&site, &visitor, closed),
            BusEvent::reconnect_agent(&site, &agent),
        ];
        for event in &events {
            let wire = WireEvent::from(event);
            let back = WireEvent::from_bytes(&wire.to_bytes()).unwrap();
            assert_eq!(back, wire);
        }
        let wire = WireEvent::from(&events[0]);
        assert!(matches!(wire.kind, WireKind::ShopperMessage { seq: 7, .. }));
        assert!(matches!(
            WireEvent::from(&events[1]).kind,
            WireKind::ShopperClosed { .. }
        ));
    }

    #[test]
    fn foreign_bytes_are_refused_with_a_reason() {
        assert!(matches!(
            WireEvent::from_bytes(b"{}"),
            Err(WireError::NoHeader)
        ));
        assert!(matches!(
            WireEvent::from_bytes(b"{nope\n{}"),
            Err(WireError::Header(_))
        ));
        let site = SiteId::generate();
        let header = format!(
            r#"{{"v":9,"site_id":"{}","to":"agents","kind":{{"type":"agent_frame"}}}}"#,
            site.as_str()
        );
        assert!(matches!(
            WireEvent::from_bytes(format!("{header}\n{{}}").as_bytes()),
            Err(WireError::Version { found: 9 })
        ));
    }
}
