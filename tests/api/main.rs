//! Integration tests: the real server over real sockets.

mod helpers;
mod identity;
mod isolation;

mod agent_socket;
mod assets;
mod auth;
mod browsing;
mod cli;
mod conversations;
mod demo;
mod library;
mod messages;
mod restart;
mod shopper_socket;
mod store_contract;
mod triggers;
