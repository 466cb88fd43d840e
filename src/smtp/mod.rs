//! Inbound SMTP (RFC 5321) and LMTP (RFC 2033): the edge where mail enters wgmail.
//!
//! The session accepts a message only to hand it to a [`Backend`], and answers `250` only once the
//! backend says the message is durably committed ("250 means stored", DESIGN §4). Unknown recipients
//! are refused at RCPT (`550 5.1.1`). The session applies protocol limits (line length, message size,
//! recipient count, idle time, errors, connections) and no list policy: policy lives in the pipeline.
//!
//! Code map:
//! - [`server`]: `serve`, the accept loop with its connection cap and graceful shutdown.
//! - `session`: one connection: the `State` enum, the read → process → reply loop,
//!   pipelining, timeouts, STARTTLS hand-over; `handle` is its entry point.
//! - `line`: command-line framing with the over-long-line sink.
//! - `dot`: the DATA receiver: CRLF.CRLF detection and dot-unstuffing, and its too-large sink.
//! - `address`: the mailbox checks the parser leaves to us.
//! - `verbs/`: one file per verb or phase (hello, mail, rcpt, data, starttls, and the small ones).
//!
//! Command parsing is smtp-proto's `Request::parse`; framing and the DATA receiver are ours, for the
//! reasons given in `line` and `dot`. Every reply is a named item in [`crate::reply`].

mod address;
mod dot;
mod line;
pub mod server;
mod session;
mod verbs;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use server::serve;
pub use session::handle;

/// Site settings for the SMTP and LMTP listeners, validated by the config layer before they get here.
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    /// Our name in the greeting, the EHLO reply and the `Received:` header.
    pub hostname: String,
    /// Largest message text accepted, in octets after dot-unstuffing; advertised as `SIZE`.
    pub max_message_size: usize,
    /// Most recipients in one transaction; the next RCPT gets `452 4.5.3`.
    pub max_recipients: usize,
    /// How long a read (or a write) may wait before the session says `421 4.4.2` and closes.
    pub idle_timeout: Duration,
    /// Sessions served at once; over the cap a client gets `421 4.3.2` and is closed at once.
    pub max_connections: usize,
    /// Certificate and key for STARTTLS; `None` means STARTTLS is neither offered nor accepted.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

/// The backend's verdict on one RCPT address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RcptCheck {
    /// A list address (or list function) we deliver for.
    Accept,
    /// Nothing answers to this address: `550 5.1.1` at RCPT.
    Unknown,
}

/// The SMTP envelope of one accepted message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The reverse-path; `""` for the null sender `<>` (bounces).
    pub mail_from: String,
    /// Accepted forward-paths, in RCPT order.
    pub rcpt_to: Vec<String>,
    /// The client's address.
    pub peer: SocketAddr,
    /// The name the client gave in EHLO/HELO/LHLO.
    pub helo: String,
    /// The session id, as in the `session` tracing field.
    pub session: u64,
}

/// Why the backend did not store a message.
#[derive(thiserror::Error, Debug)]
pub enum StoreError {
    /// Storage is failing for now (disk full, database busy): `451 4.3.0`, the client retries.
    #[error("temporary: {0}")]
    Temporary(String),
    /// The backend's own size limit: `552 5.3.4`.
    #[error("too big")]
    TooBig,
}

/// What the session needs from the rest of the daemon: recipient lookup and a durable commit.
pub trait Backend: Clone + Send + Sync + 'static {
    /// Called at RCPT. `Unknown` is answered with `550 5.1.1`.
    fn check_recipient(&self, address: &str) -> RcptCheck;
    /// Stores one message (with our `Received:` header prepended) and resolves only once it is
    /// durably committed, with its queue id.
    fn store(
        &self,
        envelope: Envelope,
        data: Vec<u8>,
    ) -> impl Future<Output = Result<String, StoreError>> + Send;
}

/// Which dialect a listener speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// RFC 5321: EHLO/HELO, one reply after DATA.
    Smtp,
    /// RFC 2033: LHLO, one reply per accepted recipient after DATA.
    Lmtp,
}
