//! One SMTP/LMTP connection: the session's state enum and its read → process → reply loop.
//!
//! The session is generic over its stream, so tests drive it through `tokio::io::duplex` as a
//! transcript. Per-connection data (hello, TLS, error count) lives in [`Session`]; per-transaction
//! data lives in the [`State`] variants, so RSET or a new hello drops it by replacing the state.
//!
//! Pipelining (RFC 2920): every complete command in the input is processed before anything is
//! written; replies are buffered and flushed when the input is drained, which is also when the
//! session would wait (after the 354 for the text, or for the next command). STARTTLS flushes its
//! 220 and ends the plaintext loop; whatever the client pipelined after it is discarded, never
//! executed inside TLS (the CVE-2011-0411 class of command injection).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, info_span, warn};

use super::dot::DotReceiver;
use super::line::{CommandReceiver, Frame};
use super::{Backend, Protocol, SmtpSettings};
use crate::reply;

/// Bytes asked of the stream per read; also bounds how far a message may run past the size limit
/// before the session notices and drops it.
const READ_CHUNK: usize = 8 * 1024;

/// Rejected commands (5xx) one session may send before it is closed with `421 4.7.0`.
pub(super) const MAX_ERRORS: usize = 20;

/// What the client said in EHLO/HELO/LHLO.
#[derive(Debug, Clone)]
pub(super) struct Hello {
    /// The name as given, for the envelope and the `Received:` header.
    pub(super) name: String,
    /// EHLO or LHLO (extensions in use) rather than HELO.
    pub(super) extended: bool,
}

/// One mail transaction, from MAIL to the end of DATA.
#[derive(Debug, Clone)]
pub(super) struct Transaction {
    /// The reverse-path; empty for `<>`.
    pub(super) mail_from: String,
    /// Accepted recipients in RCPT order.
    pub(super) rcpt_to: Vec<String>,
}

/// Where the session is in the dialog, owning the data of that phase.
#[derive(Debug)]
pub(super) enum State {
    /// Reading commands; no transaction open (before or after the hello).
    Idle,
    /// MAIL accepted: reading RCPT and DATA.
    Mail(Transaction),
    /// After 354: reading the message text up to CRLF.CRLF.
    Data {
        transaction: Transaction,
        receiver: DotReceiver,
        text: Vec<u8>,
    },
    /// The text passed `max_message_size`: swallowing it to CRLF.CRLF, then 552 (once per
    /// recipient in LMTP).
    DataTooLarge {
        receiver: DotReceiver,
        recipients: usize,
    },
}

/// What the loop does after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    /// Keep reading.
    Continue,
    /// Flush the replies and close.
    Close,
    /// Flush the 220 and hand the stream to the TLS acceptor.
    StartTls,
}

/// One connection's state.
pub(super) struct Session<B> {
    /// Unique per process run; the `session` tracing field and part of the `Received:` id.
    pub(super) id: u64,
    pub(super) peer: SocketAddr,
    pub(super) protocol: Protocol,
    pub(super) settings: Arc<SmtpSettings>,
    pub(super) backend: B,
    /// Cancelled at shutdown: the session finishes a message in hand, then says 421.
    shutdown: CancellationToken,
    /// The stream is TLS (STARTTLS done).
    pub(super) tls: bool,
    /// The last hello; `None` until one arrives and again after STARTTLS.
    pub(super) hello: Option<Hello>,
    pub(super) state: State,
    /// Command-line framing, with its over-long-line sink.
    commands: CommandReceiver,
    /// Rejected commands so far.
    errors: usize,
    /// Messages received in this session, for the `Received:` id.
    pub(super) messages: u64,
    /// Replies not yet written.
    out: Vec<u8>,
}

/// Serves one connection until QUIT, an error limit, the idle timeout, shutdown or EOF.
///
/// Usable with any stream (`tokio::io::duplex` in tests); [`serve`](super::serve) calls it per
/// accepted TCP connection. It never panics on client input and logs, rather than returns, errors:
/// a failed connection concerns nobody but this session.
pub async fn handle<S, B>(
    stream: S,
    peer: SocketAddr,
    protocol: Protocol,
    settings: Arc<SmtpSettings>,
    backend: B,
    shutdown: CancellationToken,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send,
    B: Backend,
{
    let id = next_session_id();
    let span = info_span!("smtp", session = id, peer = %peer);
    async move {
        debug!(?protocol, "connected");
        let mut session = Session::new(id, peer, protocol, settings, backend, shutdown);
        let mut stream = stream;
        let greeting = match protocol {
            Protocol::Smtp => reply::greeting_smtp(&session.settings.hostname),
            Protocol::Lmtp => reply::greeting_lmtp(&session.settings.hostname),
        };
        session.reply(&greeting);
        if session.run(&mut stream).await != Flow::StartTls {
            debug!("closed");
            return;
        }
        let Some(config) = session.settings.tls.clone() else {
            return;
        };
        let idle = session.settings.idle_timeout;
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let mut tls = match tokio::time::timeout(idle, acceptor.accept(stream)).await {
            Ok(Ok(tls)) => tls,
            Ok(Err(error)) => {
                debug!(%error, "TLS handshake failed");
                return;
            }
            Err(_) => {
                debug!("TLS handshake timed out");
                return;
            }
        };
        session.start_tls();
        // Inside TLS a second STARTTLS is refused, so this run ends the session.
        session.run(&mut tls).await;
        // close_notify, so the client can tell our close from a truncation.
        let _ = tokio::time::timeout(idle, tls.shutdown()).await;
        debug!("closed");
    }
    .instrument(span)
    .await
}

/// Process-unique session ids that do not repeat across restarts: seconds at first use, shifted
/// left 20 bits, plus a counter.
fn next_session_id() -> u64 {
    static NEXT: OnceLock<AtomicU64> = OnceLock::new();
    NEXT.get_or_init(|| {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        AtomicU64::new(secs << 20)
    })
    .fetch_add(1, Ordering::Relaxed)
}

/// What woke the read loop.
enum Wake {
    Shutdown,
    IdleTimeout,
    Read(std::io::Result<usize>),
}

impl<B: Backend> Session<B> {
    fn new(
        id: u64,
        peer: SocketAddr,
        protocol: Protocol,
        settings: Arc<SmtpSettings>,
        backend: B,
        shutdown: CancellationToken,
    ) -> Self {
        Session {
            id,
            peer,
            protocol,
            settings,
            backend,
            shutdown,
            tls: false,
            hello: None,
            state: State::Idle,
            commands: CommandReceiver::default(),
            errors: 0,
            messages: 0,
            out: Vec::new(),
        }
    }

    /// After the TLS handshake: back to the fresh-greeting state (RFC 3207 §4.2), nothing known.
    fn start_tls(&mut self) {
        self.tls = true;
        self.hello = None;
        self.state = State::Idle;
        self.commands = CommandReceiver::default();
    }

    /// Reads, processes and replies until the session closes or asks for TLS.
    async fn run<S: AsyncRead + AsyncWrite + Unpin>(&mut self, stream: &mut S) -> Flow {
        let mut input: Vec<u8> = Vec::with_capacity(READ_CHUNK);
        let mut chunk = vec![0u8; READ_CHUNK];
        loop {
            let (used, flow) = self.process(&input).await;
            input.drain(..used);
            if flow != Flow::Continue {
                if flow == Flow::StartTls && !input.is_empty() {
                    warn!(
                        bytes = input.len(),
                        "discarded plaintext pipelined after STARTTLS"
                    );
                }
                let _ = self.flush(stream).await;
                return flow;
            }
            // The input now holds at most part of a line: the client waits for our replies.
            if self.flush(stream).await.is_err() {
                return Flow::Close;
            }
            let in_message = matches!(self.state, State::Data { .. } | State::DataTooLarge { .. });
            let wake = tokio::select! {
                biased;
                () = self.shutdown.cancelled(), if !in_message => Wake::Shutdown,
                read = tokio::time::timeout(self.settings.idle_timeout, stream.read(&mut chunk)) => {
                    read.map_or(Wake::IdleTimeout, Wake::Read)
                }
            };
            match wake {
                Wake::Read(Ok(0)) => {
                    debug!("client closed the connection");
                    return Flow::Close;
                }
                Wake::Read(Ok(n)) => input.extend_from_slice(&chunk[..n]),
                Wake::Read(Err(error)) => {
                    debug!(%error, "read failed");
                    return Flow::Close;
                }
                Wake::IdleTimeout => {
                    debug!("idle timeout");
                    self.reply(reply::IDLE_TIMEOUT);
                    let _ = self.flush(stream).await;
                    return Flow::Close;
                }
                Wake::Shutdown => {
                    self.reply(reply::SHUTTING_DOWN);
                    let _ = self.flush(stream).await;
                    return Flow::Close;
                }
            }
        }
    }

    /// Consumes as much of `input` as forms complete commands or message text; returns the bytes
    /// used and whether to go on.
    async fn process(&mut self, input: &[u8]) -> (usize, Flow) {
        let mut at = 0;
        loop {
            let rest = &input[at..];
            if matches!(self.state, State::Data { .. } | State::DataTooLarge { .. }) {
                let (used, ended) = self.receive(rest).await;
                at += used;
                if !ended {
                    return (at, Flow::Continue);
                }
                continue;
            }
            if self.shutdown.is_cancelled() {
                self.reply(reply::SHUTTING_DOWN);
                return (at, Flow::Close);
            }
            let (used, frame) = self.commands.frame(rest);
            at += used;
            let flow = match frame {
                Frame::Incomplete => return (at, Flow::Continue),
                Frame::TooLong => self.reject(reply::LINE_TOO_LONG),
                Frame::Line(line) => self.command(line),
            };
            if flow != Flow::Continue {
                return (at, flow);
            }
        }
    }

    /// Queues a reply.
    pub(super) fn reply(&mut self, reply: &str) {
        self.out.extend_from_slice(reply.as_bytes());
    }

    /// Queues a 5xx reply to a client mistake and closes once there were too many.
    pub(super) fn reject(&mut self, reply: &str) -> Flow {
        self.reply(reply);
        self.errors += 1;
        if self.errors >= MAX_ERRORS {
            warn!(errors = self.errors, "too many errors, closing");
            self.reply(reply::TOO_MANY_ERRORS);
            return Flow::Close;
        }
        Flow::Continue
    }

    /// Writes the queued replies, bounded by the idle timeout so a client that stops reading
    /// cannot hold the session.
    async fn flush<S: AsyncWrite + Unpin>(&mut self, stream: &mut S) -> std::io::Result<()> {
        if self.out.is_empty() {
            return Ok(());
        }
        let write = async {
            stream.write_all(&self.out).await?;
            stream.flush().await
        };
        let result = match tokio::time::timeout(self.settings.idle_timeout, write).await {
            Ok(result) => result,
            Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
        };
        self.out.clear();
        if let Err(error) = &result {
            debug!(%error, "write failed");
        }
        result
    }
}
