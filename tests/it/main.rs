//! The integration suite: one binary, one module per area (STYLE.md habit 11).

mod archive;
mod cli;
mod client;
mod config;
mod crash;
mod e2e;
mod mbox;
mod smtp;
mod thread;

mod support {
    #[path = "mod.rs"]
    mod base;
    pub use base::*;
    pub mod corpus;
    pub mod daemon;
    pub mod relay;
}
