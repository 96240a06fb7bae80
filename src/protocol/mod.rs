//! The wire formats, kept apart from the code that speaks them. The shopper widget's protocol
//! (`/ws/shopper`) is the public contract every shop's page runs, so its types sit at the top
//! of this module ([`shopper`], re-exported); the agent dashboard's (`/ws/agent`) is in
//! [`agent`]. Pure: types, encoding and decoding with errors that name the field.

pub mod agent;
mod event;
mod orders;
pub mod shopper;

pub use event::EventFrame;
pub use orders::*;
pub use shopper::*;
