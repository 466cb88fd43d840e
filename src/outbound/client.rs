//! The SMTP client that hands list fan-out to the relay: one [`SmtpClient`] per connection, and a
//! bounded [`Pool`] of them.
//!
//! It owns the socket and the SMTP exchange (RFC 5321, PIPELINING per RFC 2920, opportunistic
//! STARTTLS per RFC 3207) and reports what the relay said about each recipient. It must not make
//! delivery policy: retries, back-off, bounce bookkeeping and giving up belong to the outbound
//! runner, which reads [`RcptOutcome`]s and [`ClientError`]s.
//!
//! We do not use lettre here: on loopback it stalls about 40 ms per transaction (no `TCP_NODELAY`,
//! and the final dot goes out in a write of its own), which caps a connection near 700 messages a
//! second. Pipelining the whole envelope in one write and the dot-stuffed body in another, on a
//! socket with Nagle disabled, costs two round trips per transaction.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::time::timeout;
use tracing::{debug, warn};

/// Reply codes the client branches on (RFC 5321 §4.2.3).
mod code {
    /// The greeting, and the go-ahead for a TLS handshake after STARTTLS.
    pub const SERVICE_READY: u16 = 220;
    /// "Start mail input": the only acceptable answer to DATA before the body is sent.
    pub const START_MAIL_INPUT: u16 = 354;
    /// The server is closing the connection; nothing more will be read or answered on it.
    pub const SERVICE_CLOSING: u16 = 421;
    /// EHLO answers that mean "I do not speak ESMTP", after which HELO is tried (RFC 5321 §3.2).
    pub const EHLO_NOT_UNDERSTOOD: [u16; 5] = [500, 501, 502, 504, 550];
}

/// Texts for outcomes decided here rather than by the relay. They carry a code like the relay's
/// replies do, so the outbound runner can treat both alike, and say that nothing was sent.
mod local {
    pub const INVALID_ADDRESS: &str =
        "553 5.1.3 address contains characters SMTP cannot carry (rejected locally, not sent)";
    pub const NEEDS_SMTPUTF8: &str = "553 5.6.7 non-ASCII address but the relay does not offer SMTPUTF8 (rejected locally, not sent)";
}

/// Longest reply line we accept. RFC 5321 allows 512 octets; the slack admits chatty servers while
/// still bounding what a hostile peer can make us buffer.
const MAX_REPLY_LINE: usize = 4096;
/// Most lines in one multi-line reply (EHLO lists a few dozen at most).
const MAX_REPLY_LINES: usize = 256;

/// Whether to upgrade the connection to TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsPolicy {
    /// Always speak plaintext (a relay on loopback, or tests).
    Never,
    /// Use STARTTLS when the relay offers it, without verifying its certificate; continue in
    /// plaintext when it does not offer it, refuses it, or the handshake fails.
    ///
    /// Not verifying is deliberate and is what MTAs do at this level (Postfix
    /// `smtp_tls_security_level = may`, RFC 7435 "opportunistic security"): the alternative to an
    /// unverified TLS session here is plaintext, not a verified session, and refusing to deliver
    /// to a relay with a self-signed or mismatched certificate would make mail less reliable
    /// without making it more private. Encryption still defeats passive eavesdropping. Verified
    /// delivery needs a policy saying what name to expect (MTA-STS, DANE), which this is not.
    Opportunistic,
}

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The relay as `host:port`.
    pub relay: String,
    /// Our name in EHLO/HELO.
    pub helo_name: String,
    /// Whether to attempt STARTTLS.
    pub tls: TlsPolicy,
    /// Bound on establishing the TCP connection.
    pub connect_timeout: Duration,
    /// Bound on each wait for the relay: a reply, or progress while writing to it.
    pub command_timeout: Duration,
}

/// What the relay said about one recipient of a transaction that completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RcptOutcome {
    /// The relay accepted the recipient and then the message.
    Delivered,
    /// Refused with a 4xx reply (the reply's code and text): try again later.
    Temporary(String),
    /// Refused with a 5xx reply (the reply's code and text): do not try again.
    Permanent(String),
}

/// Why a connection or a whole transaction failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The socket failed or the relay closed it. The connection is unusable; retry everything.
    #[error("I/O error talking to the relay: {0}")]
    Io(#[from] io::Error),
    /// The relay did not answer, or did not accept our data, within `command_timeout`. The
    /// connection is unusable; retry everything.
    #[error("timed out waiting for the relay")]
    Timeout,
    /// The relay said something that is not SMTP, or not in step with what we sent. The connection
    /// is unusable; retry everything.
    #[error("SMTP protocol error: {0}")]
    Protocol(String),
    /// The whole transaction was refused with a 4xx reply (e.g. to MAIL FROM, DATA or the final
    /// dot), or the relay announced it is closing (421). Retry everything later.
    #[error("relay refused temporarily: {0}")]
    Temporary(String),
    /// The whole transaction was refused with a 5xx reply. Do not retry.
    #[error("relay refused permanently: {0}")]
    Permanent(String),
}

/// One SMTP reply: a code and the text of each of its lines (without the code and separator).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }

    /// The error for a reply that refuses what we asked; a 2xx/3xx where a refusal or a
    /// different positive reply was due means the relay is out of step with us.
    fn into_error(self) -> ClientError {
        match self.code / 100 {
            4 => ClientError::Temporary(self.to_string()),
            5 => ClientError::Permanent(self.to_string()),
            _ => ClientError::Protocol(format!("unexpected reply {self}")),
        }
    }

    fn rcpt_outcome(&self) -> RcptOutcome {
        match self.code / 100 {
            2 => RcptOutcome::Delivered,
            5 => RcptOutcome::Permanent(self.to_string()),
            // A 3xx to RCPT is nonsense; calling it temporary gets the recipient retried
            // rather than lost.
            _ => RcptOutcome::Temporary(self.to_string()),
        }
    }
}

impl fmt::Display for Reply {
    /// `code text`, with the lines of a multi-line reply joined by spaces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        for line in self.lines.iter().filter(|l| !l.is_empty()) {
            write!(f, " {line}")?;
        }
        Ok(())
    }
}

/// Parses one complete reply from the front of `buf`. Returns the reply and the bytes it used,
/// `Ok(None)` if more bytes are needed, or a description of why `buf` is not an SMTP reply.
fn parse_reply(buf: &[u8]) -> Result<Option<(Reply, usize)>, String> {
    let mut used = 0;
    let mut lines = Vec::new();
    let mut first_code = None;
    loop {
        let rest = &buf[used..];
        let Some(newline) = rest.iter().position(|&b| b == b'\n') else {
            if rest.len() > MAX_REPLY_LINE {
                return Err(format!("reply line longer than {MAX_REPLY_LINE} bytes"));
            }
            return Ok(None);
        };
        if newline > MAX_REPLY_LINE {
            return Err(format!("reply line longer than {MAX_REPLY_LINE} bytes"));
        }
        let line = &rest[..newline];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        used += newline + 1;

        let (code, last, text) = parse_reply_line(line)?;
        match first_code {
            None => first_code = Some(code),
            Some(first) if first != code => {
                return Err(format!(
                    "multi-line reply changes code from {first} to {code}"
                ));
            }
            Some(_) => {}
        }
        lines.push(text);
        if last {
            return Ok(Some((Reply { code, lines }, used)));
        }
        if lines.len() >= MAX_REPLY_LINES {
            return Err(format!("reply longer than {MAX_REPLY_LINES} lines"));
        }
    }
}

/// Splits `NNN text`, `NNN-text` or a bare `NNN` into its code, whether it ends the reply, and its
/// text (control characters blanked, invalid UTF-8 replaced, so it is safe to log and store).
fn parse_reply_line(line: &[u8]) -> Result<(u16, bool, String), String> {
    let malformed = || {
        let shown = &line[..line.len().min(80)];
        format!("malformed reply line {:?}", String::from_utf8_lossy(shown))
    };
    let [
        d0 @ b'2'..=b'5',
        d1 @ b'0'..=b'9',
        d2 @ b'0'..=b'9',
        rest @ ..,
    ] = line
    else {
        return Err(malformed());
    };
    let code = u16::from(d0 - b'0') * 100 + u16::from(d1 - b'0') * 10 + u16::from(d2 - b'0');
    let (last, text) = match rest {
        [] => (true, &[][..]),
        [b' ', text @ ..] => (true, text),
        [b'-', text @ ..] => (false, text),
        _ => return Err(malformed()),
    };
    let text = String::from_utf8_lossy(text);
    let text = if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    } else {
        text.into_owned()
    };
    Ok((code, last, text.trim_end().to_owned()))
}

/// Turns raw message bytes into the DATA payload, terminator included: every line ends in CRLF
/// (a lone LF or lone CR becomes CRLF), a line starting with `.` gets another `.` (RFC 5321
/// §4.5.2), the last line is ended if it was not, and `.CRLF` follows.
///
/// Lone CRs are normalised too, not only lone LFs: some servers treat a lone CR or LF as a line
/// end, and a `<LF>.<CR><LF>` left as it is would end the message early there and let the rest
/// of the body be read as commands ("SMTP smuggling"). After this pass the only `CRLF.CRLF` is
/// ours.
fn encode_body(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 32 + 8);
    let mut at_line_start = true;
    let mut bytes = data.iter().copied().peekable();
    while let Some(b) = bytes.next() {
        match b {
            b'\r' => {
                bytes.next_if_eq(&b'\n');
                out.extend_from_slice(b"\r\n");
                at_line_start = true;
            }
            b'\n' => {
                out.extend_from_slice(b"\r\n");
                at_line_start = true;
            }
            _ => {
                if at_line_start && b == b'.' {
                    out.push(b'.');
                }
                out.push(b);
                at_line_start = false;
            }
        }
    }
    if !at_line_start {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// Whether `addr` can go between the angle brackets of MAIL FROM / RCPT TO without changing the
/// command: no brackets, no control characters (CR or LF would start a command of its own).
fn is_sendable_address(addr: &str) -> bool {
    !addr
        .bytes()
        .any(|b| b == b'<' || b == b'>' || b.is_ascii_control())
}

/// The ESMTP extensions from the relay's EHLO reply that change what we send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Extensions {
    pipelining: bool,
    /// `Some(0)` when SIZE is offered without a limit.
    size: Option<u64>,
    eight_bit_mime: bool,
    smtputf8: bool,
    starttls: bool,
}

impl Extensions {
    /// Reads the keywords after the first line (which is the server's name and greeting).
    fn from_ehlo(reply: &Reply) -> Extensions {
        let mut ext = Extensions::default();
        for line in reply.lines.iter().skip(1) {
            let mut words = line.split_ascii_whitespace();
            let Some(keyword) = words.next() else {
                continue;
            };
            match keyword.to_ascii_uppercase().as_str() {
                "PIPELINING" => ext.pipelining = true,
                "SIZE" => ext.size = Some(words.next().and_then(|n| n.parse().ok()).unwrap_or(0)),
                "8BITMIME" => ext.eight_bit_mime = true,
                "SMTPUTF8" => ext.smtputf8 = true,
                "STARTTLS" => ext.starttls = true,
                _ => {}
            }
        }
        ext
    }

    /// The largest message the relay takes, if it said.
    fn size_limit(&self) -> Option<u64> {
        self.size.filter(|&n| n > 0)
    }
}

/// The connection's byte stream, before or after STARTTLS.
enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The read side of a connection: buffers what the relay sent and cuts it into replies.
struct ReplyReader {
    inner: ReadHalf<Stream>,
    /// Received bytes; `buf[start..]` is not yet parsed.
    buf: Vec<u8>,
    start: usize,
    timeout: Duration,
    /// Set on a 421: the relay is closing, so the connection must not be used again.
    server_closing: bool,
    /// Replies read since the current transaction began; tells the pool whether a failure
    /// happened before the relay said anything about the transaction.
    replies_in_transaction: usize,
}

impl ReplyReader {
    /// Reads the next reply. A 421 comes back as `ClientError::Temporary`, since whatever was
    /// asked, the relay will not do it and is hanging up.
    async fn read_reply(&mut self) -> Result<Reply, ClientError> {
        loop {
            match parse_reply(&self.buf[self.start..]) {
                Ok(Some((reply, used))) => {
                    self.start += used;
                    if self.start == self.buf.len() {
                        self.buf.clear();
                        self.start = 0;
                    }
                    self.replies_in_transaction += 1;
                    if reply.code == code::SERVICE_CLOSING {
                        self.server_closing = true;
                        return Err(ClientError::Temporary(reply.to_string()));
                    }
                    return Ok(reply);
                }
                Ok(None) => {}
                Err(why) => return Err(ClientError::Protocol(why)),
            }
            if self.start > 0 {
                self.buf.drain(..self.start);
                self.start = 0;
            }
            self.buf.reserve(8192);
            let read = timeout(self.timeout, self.inner.read_buf(&mut self.buf))
                .await
                .map_err(|_| ClientError::Timeout)??;
            if read == 0 {
                return Err(ClientError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the relay closed the connection",
                )));
            }
        }
    }

    /// Reads exactly `n` replies, in order.
    async fn read_replies(&mut self, n: usize) -> Result<Vec<Reply>, ClientError> {
        let mut replies = Vec::with_capacity(n);
        for _ in 0..n {
            replies.push(self.read_reply().await?);
        }
        Ok(replies)
    }

    fn has_unread_bytes(&self) -> bool {
        self.start < self.buf.len()
    }
}

/// Writes all of `buf` and flushes, failing if the relay accepts no bytes for `limit`. The limit
/// is on progress, not on the whole write, so a large body to a slow but live relay still goes.
async fn write_all_timed(
    w: &mut WriteHalf<Stream>,
    mut buf: &[u8],
    limit: Duration,
) -> Result<(), ClientError> {
    while !buf.is_empty() {
        let n = timeout(limit, w.write(buf))
            .await
            .map_err(|_| ClientError::Timeout)??;
        if n == 0 {
            return Err(ClientError::Io(io::ErrorKind::WriteZero.into()));
        }
        buf = &buf[n..];
    }
    // Needed for TLS, whose writer may hold encrypted records back; a no-op for plain TCP.
    timeout(limit, w.flush())
        .await
        .map_err(|_| ClientError::Timeout)??;
    Ok(())
}

/// How a connection attempt ended, so a failed TLS handshake can be retried in plaintext.
enum Setup {
    Ready(SmtpClient),
    TlsFailed(String),
}

/// One SMTP connection to the relay, ready for transactions after [`SmtpClient::connect`].
pub struct SmtpClient {
    reader: ReplyReader,
    writer: WriteHalf<Stream>,
    ext: Extensions,
    command_timeout: Duration,
    /// The relay address, for logs.
    peer: String,
    /// Set whenever we and the relay may disagree about where the conversation is (a transaction
    /// in flight, an error mid-way, a 421). Cleared only when an exchange ends cleanly, so a send
    /// that was cancelled or failed leaves the connection marked unusable.
    broken: bool,
    /// Whether the current transaction's body has been (partly) written: before that, the relay
    /// cannot have taken the message, so retrying elsewhere cannot deliver it twice.
    body_sent: bool,
}

impl SmtpClient {
    /// Connects, reads the greeting, introduces itself (EHLO, or HELO if EHLO is not understood),
    /// and upgrades to TLS when the policy and the relay allow.
    pub async fn connect(cfg: &ClientConfig) -> Result<SmtpClient, ClientError> {
        let try_tls = cfg.tls == TlsPolicy::Opportunistic;
        match Self::connect_once(cfg, try_tls).await? {
            Setup::Ready(client) => Ok(client),
            Setup::TlsFailed(why) => {
                // Opportunistic TLS falls back to plaintext rather than not delivering, as MTAs
                // do; a fresh connection is needed because the failed handshake spoilt this one.
                warn!(peer = %cfg.relay, error = %why, "TLS handshake failed; reconnecting without TLS");
                match Self::connect_once(cfg, false).await? {
                    Setup::Ready(client) => Ok(client),
                    Setup::TlsFailed(why) => Err(ClientError::Protocol(why)),
                }
            }
        }
    }

    async fn connect_once(cfg: &ClientConfig, try_tls: bool) -> Result<Setup, ClientError> {
        if cfg.helo_name.is_empty()
            || cfg
                .helo_name
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(ClientError::Protocol(format!(
                "invalid helo_name {:?}",
                cfg.helo_name
            )));
        }
        let tcp = timeout(cfg.connect_timeout, TcpStream::connect(cfg.relay.as_str()))
            .await
            .map_err(|_| ClientError::Timeout)??;
        // Without this, Nagle holds back each pipelined group until the previous reply's ACK:
        // the 40 ms stall per transaction that made us write this client.
        tcp.set_nodelay(true)?;
        let mut client = SmtpClient::over(Stream::Plain(tcp), cfg);

        let greeting = client.reader.read_reply().await?;
        if greeting.code != code::SERVICE_READY {
            return Err(greeting.into_error());
        }
        client.ext = client.ehlo(&cfg.helo_name).await?;

        if try_tls && client.ext.starttls {
            let reply = client.command(b"STARTTLS\r\n").await?;
            if reply.code == code::SERVICE_READY {
                // Bytes after the 220 arrived in plaintext but would be read as if they came
                // through TLS: a command-injection attack (CVE-2011-0411), so refuse them.
                if client.reader.has_unread_bytes() {
                    return Err(ClientError::Protocol(
                        "relay sent data after its STARTTLS reply".into(),
                    ));
                }
                let Stream::Plain(tcp) = client.reader.inner.unsplit(client.writer) else {
                    return Err(ClientError::Protocol(
                        "STARTTLS on a connection already using TLS".into(),
                    ));
                };
                let Some(name) = server_name(&cfg.relay) else {
                    return Ok(Setup::TlsFailed(format!(
                        "no TLS server name in {:?}",
                        cfg.relay
                    )));
                };
                let connector = tokio_rustls::TlsConnector::from(opportunistic_tls_config());
                let tls = match timeout(cfg.command_timeout, connector.connect(name, tcp)).await {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => return Ok(Setup::TlsFailed(e.to_string())),
                    Err(_) => return Ok(Setup::TlsFailed("handshake timed out".into())),
                };
                client = SmtpClient::over(Stream::Tls(Box::new(tls)), cfg);
                // RFC 3207 §4.2: forget everything learnt before TLS and ask again.
                client.ext = client.ehlo(&cfg.helo_name).await?;
            } else {
                debug!(peer = %cfg.relay, reply = %reply, "relay refused STARTTLS; continuing without TLS");
            }
        }
        client.broken = false;
        debug!(peer = %cfg.relay, extensions = ?client.ext, "connected");
        Ok(Setup::Ready(client))
    }

    fn over(stream: Stream, cfg: &ClientConfig) -> SmtpClient {
        let (r, w) = tokio::io::split(stream);
        SmtpClient {
            reader: ReplyReader {
                inner: r,
                buf: Vec::with_capacity(8192),
                start: 0,
                timeout: cfg.command_timeout,
                server_closing: false,
                replies_in_transaction: 0,
            },
            writer: w,
            ext: Extensions::default(),
            command_timeout: cfg.command_timeout,
            peer: cfg.relay.clone(),
            broken: true,
            body_sent: false,
        }
    }

    async fn ehlo(&mut self, name: &str) -> Result<Extensions, ClientError> {
        let reply = self.command(format!("EHLO {name}\r\n").as_bytes()).await?;
        if reply.is_positive() {
            return Ok(Extensions::from_ehlo(&reply));
        }
        if !code::EHLO_NOT_UNDERSTOOD.contains(&reply.code) {
            return Err(reply.into_error());
        }
        let reply = self.command(format!("HELO {name}\r\n").as_bytes()).await?;
        if reply.is_positive() {
            Ok(Extensions::default())
        } else {
            Err(reply.into_error())
        }
    }

    /// Sends one command and reads its reply.
    async fn command(&mut self, line: &[u8]) -> Result<Reply, ClientError> {
        write_all_timed(&mut self.writer, line, self.command_timeout).await?;
        self.reader.read_reply().await
    }

    /// Whether the relay supports pipelining (so transactions cost two round trips, not 3 + n).
    pub fn supports_pipelining(&self) -> bool {
        self.ext.pipelining
    }

    /// Whether the connection can carry another transaction. False after any I/O error, timeout,
    /// protocol error, a 421, or a `send` that did not finish.
    pub fn is_usable(&self) -> bool {
        !self.broken
    }

    /// Sends one message to `rcpts`. On success returns one outcome per recipient, in order;
    /// recipients may be refused while others get the message. An error means nobody got it.
    ///
    /// Addresses that cannot be put on the wire (control characters, angle brackets; non-ASCII
    /// when the relay lacks SMTPUTF8) are refused locally with `Permanent` and not sent; if none
    /// remain, nothing is sent at all.
    pub async fn send(
        &mut self,
        from: &str,
        rcpts: &[String],
        data: &[u8],
    ) -> Result<Vec<RcptOutcome>, ClientError> {
        if self.broken {
            return Err(ClientError::Protocol(
                "connection is unusable after an earlier failure".into(),
            ));
        }
        if !is_sendable_address(from) {
            return Err(ClientError::Permanent(local::INVALID_ADDRESS.into()));
        }
        if !from.is_ascii() && !self.ext.smtputf8 {
            return Err(ClientError::Permanent(local::NEEDS_SMTPUTF8.into()));
        }
        let mut outcomes: Vec<Option<RcptOutcome>> = vec![None; rcpts.len()];
        let mut wire: Vec<usize> = Vec::with_capacity(rcpts.len());
        for (i, rcpt) in rcpts.iter().enumerate() {
            if rcpt.is_empty() || !is_sendable_address(rcpt) {
                outcomes[i] = Some(RcptOutcome::Permanent(local::INVALID_ADDRESS.into()));
            } else if !rcpt.is_ascii() && !self.ext.smtputf8 {
                outcomes[i] = Some(RcptOutcome::Permanent(local::NEEDS_SMTPUTF8.into()));
            } else {
                wire.push(i);
            }
        }
        if wire.is_empty() {
            return Ok(outcomes.into_iter().flatten().collect());
        }

        let body = encode_body(data);
        if let Some(limit) = self.ext.size_limit()
            && body.len() as u64 > limit
        {
            return Err(ClientError::Permanent(format!(
                "552 5.3.4 message of {} bytes exceeds the relay's SIZE limit of {limit} (rejected locally, not sent)",
                body.len()
            )));
        }
        let mut mail = format!("MAIL FROM:<{from}>");
        if self.ext.size.is_some() {
            mail.push_str(&format!(" SIZE={}", body.len()));
        }
        if self.ext.eight_bit_mime && !data.is_ascii() {
            mail.push_str(" BODY=8BITMIME");
        }
        if self.ext.smtputf8 && (!from.is_ascii() || wire.iter().any(|&i| !rcpts[i].is_ascii())) {
            mail.push_str(" SMTPUTF8");
        }
        mail.push_str("\r\n");
        let wire_rcpts: Vec<&str> = wire.iter().map(|&i| rcpts[i].as_str()).collect();

        self.broken = true;
        self.body_sent = false;
        self.reader.replies_in_transaction = 0;
        let result = if self.ext.pipelining {
            self.pipelined(&mail, &wire_rcpts, &body).await
        } else {
            self.lockstep(&mail, &wire_rcpts, &body).await
        };
        // Every path that returns Ok, Temporary or Permanent has read a reply to everything it
        // sent, so both sides agree the transaction is over, unless the relay said 421.
        self.broken = match &result {
            Ok(_) | Err(ClientError::Temporary(_) | ClientError::Permanent(_)) => {
                self.reader.server_closing
            }
            Err(_) => true,
        };
        if let Err(e) = &result {
            debug!(peer = %self.peer, error = %e, "transaction failed");
        }
        let wire_outcomes = result?;
        for (i, outcome) in wire.into_iter().zip(wire_outcomes) {
            outcomes[i] = Some(outcome);
        }
        Ok(outcomes.into_iter().flatten().collect())
    }

    /// MAIL, every RCPT and DATA in one write (RFC 2920), then the body if DATA was accepted.
    async fn pipelined(
        &mut self,
        mail: &str,
        rcpts: &[&str],
        body: &[u8],
    ) -> Result<Vec<RcptOutcome>, ClientError> {
        let mut commands =
            Vec::with_capacity(mail.len() + rcpts.iter().map(|r| r.len() + 12).sum::<usize>() + 6);
        commands.extend_from_slice(mail.as_bytes());
        for rcpt in rcpts {
            commands.extend_from_slice(b"RCPT TO:<");
            commands.extend_from_slice(rcpt.as_bytes());
            commands.extend_from_slice(b">\r\n");
        }
        commands.extend_from_slice(b"DATA\r\n");

        // Write and read at the same time. A relay answers pipelined commands as it reads them;
        // with thousands of recipients its replies can fill its send buffer and our receive
        // buffer, and then it stops reading until we read. Writing everything before reading
        // would then block both sides forever. Joining the write with the reads (on the two
        // halves of the socket) keeps draining replies while the write proceeds. `try_join`
        // stops at the first error, so a 421 or garbage does not wait for a write the relay
        // has stopped accepting.
        let (writer, reader) = (&mut self.writer, &mut self.reader);
        let ((), replies) = tokio::try_join!(
            write_all_timed(writer, &commands, self.command_timeout),
            reader.read_replies(rcpts.len() + 2),
        )?;
        let mut replies = replies.into_iter();
        let (Some(mail_reply), Some(data_reply)) = (replies.next(), replies.next_back()) else {
            return Err(ClientError::Protocol("missing replies".into()));
        };
        let outcomes: Vec<RcptOutcome> = replies.map(|r| r.rcpt_outcome()).collect();
        let any_accepted = outcomes.contains(&RcptOutcome::Delivered);

        if data_reply.code == code::START_MAIL_INPUT && !(mail_reply.is_positive() && any_accepted)
        {
            // RFC 2920 §3.1 requires DATA to be refused when there is no valid recipient; a relay
            // that wants a body anyway would take whatever we send next as the message.
            return Err(ClientError::Protocol(format!(
                "relay answered DATA with {data_reply} although MAIL FROM got {mail_reply} and no recipient was accepted"
            )));
        }
        if !mail_reply.is_positive() {
            // Each RCPT and the DATA have been answered (with 503s), and no transaction is open.
            return Err(mail_reply.into_error());
        }
        if !any_accepted {
            // DATA was refused (503/554) so no body is due; RSET ends the half-open transaction.
            self.rset().await?;
            return Ok(outcomes);
        }
        if data_reply.code != code::START_MAIL_INPUT {
            self.rset().await?;
            return Err(data_reply.into_error());
        }
        self.finish_body(body, outcomes).await
    }

    /// One command at a time, for relays without PIPELINING.
    async fn lockstep(
        &mut self,
        mail: &str,
        rcpts: &[&str],
        body: &[u8],
    ) -> Result<Vec<RcptOutcome>, ClientError> {
        let reply = self.command(mail.as_bytes()).await?;
        if !reply.is_positive() {
            return Err(reply.into_error());
        }
        let mut outcomes = Vec::with_capacity(rcpts.len());
        for rcpt in rcpts {
            let reply = self
                .command(format!("RCPT TO:<{rcpt}>\r\n").as_bytes())
                .await?;
            outcomes.push(reply.rcpt_outcome());
        }
        if !outcomes.contains(&RcptOutcome::Delivered) {
            self.rset().await?;
            return Ok(outcomes);
        }
        let reply = self.command(b"DATA\r\n").await?;
        if reply.code != code::START_MAIL_INPUT {
            self.rset().await?;
            return Err(reply.into_error());
        }
        self.finish_body(body, outcomes).await
    }

    /// Sends the encoded body (terminator included) in one write and reads the final reply.
    async fn finish_body(
        &mut self,
        body: &[u8],
        outcomes: Vec<RcptOutcome>,
    ) -> Result<Vec<RcptOutcome>, ClientError> {
        self.body_sent = true;
        write_all_timed(&mut self.writer, body, self.command_timeout).await?;
        let reply = self.reader.read_reply().await?;
        if reply.is_positive() {
            Ok(outcomes)
        } else {
            Err(reply.into_error())
        }
    }

    async fn rset(&mut self) -> Result<(), ClientError> {
        let reply = self.command(b"RSET\r\n").await?;
        if reply.is_positive() {
            Ok(())
        } else {
            Err(ClientError::Protocol(format!(
                "relay refused RSET: {reply}"
            )))
        }
    }

    /// Whether a failed send on a reused connection should be retried on a fresh one: the relay
    /// hung up (closed, or said 421) before answering anything of this transaction, which is what
    /// a relay that timed out an idle connection looks like. No body went out, so nothing can be
    /// delivered twice.
    fn failed_as_stale(&self, error: &ClientError) -> bool {
        !self.body_sent
            && match error {
                ClientError::Io(_) => self.reader.replies_in_transaction == 0,
                ClientError::Temporary(_) => {
                    self.reader.server_closing && self.reader.replies_in_transaction == 1
                }
                _ => false,
            }
    }

    /// Says QUIT (if the connection is still in step) and closes. Errors are ignored: the
    /// connection is going away either way.
    pub async fn quit(mut self) {
        if !self.broken {
            let _ = self.command(b"QUIT\r\n").await;
        }
        let _ = timeout(self.command_timeout, self.writer.shutdown()).await;
    }
}

/// The TLS server name for SNI, from the host part of `host:port` (or `[v6]:port`).
fn server_name(relay: &str) -> Option<ServerName<'static>> {
    let host = relay.rsplit_once(':').map_or(relay, |(host, _)| host);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(host).ok().map(|name| name.to_owned())
}

/// The rustls configuration for opportunistic STARTTLS, built once.
fn opportunistic_tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let verifier = UnverifiedCertificate {
                algorithms: provider.signature_verification_algorithms,
            };
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("ring supports rustls's default protocol versions")
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth();
            Arc::new(config)
        })
        .clone()
}

/// Accepts any certificate (see [`TlsPolicy::Opportunistic`] for why) but still checks the
/// handshake signatures, so the session is really keyed to the certificate presented.
#[derive(Debug)]
struct UnverifiedCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for UnverifiedCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Up to `max_connections` connections to one relay, shared by concurrent senders. Idle
/// connections are reused (no RSET is needed after a completed DATA); a connection that failed
/// is dropped, not returned.
pub struct Pool {
    cfg: ClientConfig,
    /// Connections not in use, most recently used last.
    idle: Mutex<Vec<SmtpClient>>,
    /// One permit per connection that may exist, idle or busy.
    slots: Semaphore,
}

impl Pool {
    pub fn new(cfg: ClientConfig, max_connections: usize) -> Pool {
        Pool {
            cfg,
            idle: Mutex::new(Vec::new()),
            slots: Semaphore::new(max_connections.max(1)),
        }
    }

    /// Sends one message on an idle connection, or a new one when none is idle, waiting while
    /// `max_connections` are busy. See [`SmtpClient::send`].
    pub async fn send(
        &self,
        from: &str,
        rcpts: &[String],
        data: &[u8],
    ) -> Result<Vec<RcptOutcome>, ClientError> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| ClientError::Protocol("connection pool closed".into()))?;
        let reused = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(mut client) = reused {
            let result = client.send(from, rcpts, data).await;
            match result {
                Err(e) if client.failed_as_stale(&e) => {
                    debug!(peer = %self.cfg.relay, error = %e, "idle connection had gone stale; retrying on a new one");
                }
                other => {
                    self.put_back(client);
                    return other;
                }
            }
        }
        let mut client = SmtpClient::connect(&self.cfg).await?;
        let result = client.send(from, rcpts, data).await;
        self.put_back(client);
        result
    }

    fn put_back(&self, client: SmtpClient) {
        if client.is_usable() {
            self.idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(client);
        }
    }

    /// Says QUIT on every idle connection, for a graceful shutdown.
    pub async fn close(&self) {
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(PoisonError::into_inner));
        for client in idle {
            client.quit().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(code: u16, lines: &[&str]) -> Reply {
        Reply {
            code,
            lines: lines.iter().map(|l| l.to_string()).collect(),
        }
    }

    #[test]
    fn parses_replies() {
        type Case<'a> = (&'a [u8], Option<(Reply, usize)>);
        let cases: &[Case] = &[
            (b"250 ok\r\n", Some((reply(250, &["ok"]), 8))),
            (b"250 ok\n", Some((reply(250, &["ok"]), 7))),
            (b"250\r\n", Some((reply(250, &[""]), 5))),
            (
                b"250-a\r\n250 b\r\n354 go\r\n",
                Some((reply(250, &["a", "b"]), 14)),
            ),
            (
                b"450 4.2.0 busy\r\n",
                Some((reply(450, &["4.2.0 busy"]), 16)),
            ),
            (b"250-a\r\n", None),
            (b"250 partial", None),
            (b"", None),
        ];
        for (input, expected) in cases {
            assert_eq!(
                &parse_reply(input).unwrap(),
                expected,
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn rejects_malformed_replies() {
        let cases: &[&[u8]] = &[
            b"HTTP/1.1 400 Bad Request\r\n",
            b"25 short\r\n",
            b"250x\r\n",
            b"650 bad class\r\n",
            b"250-a\r\n550 b\r\n",
            b"\x00\xff\xfe\r\n",
        ];
        for input in cases {
            assert!(
                parse_reply(input).is_err(),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
        assert!(parse_reply(&vec![b'2'; MAX_REPLY_LINE + 1]).is_err());
        let endless = b"250-x\r\n".repeat(MAX_REPLY_LINES + 1);
        assert!(parse_reply(&endless).is_err());
    }

    #[test]
    fn reply_text_is_code_and_lines() {
        assert_eq!(
            reply(550, &["5.1.1 no such user"]).to_string(),
            "550 5.1.1 no such user"
        );
        assert_eq!(reply(250, &["a", "b"]).to_string(), "250 a b");
        assert_eq!(
            parse_reply(b"550 bad\x07bell\r\n")
                .unwrap()
                .unwrap()
                .0
                .to_string(),
            "550 bad bell"
        );
    }

    #[test]
    fn encodes_bodies() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"", b".\r\n"),
            (b"a", b"a\r\n.\r\n"),
            (b"a\r\n", b"a\r\n.\r\n"),
            (b"a\nb\n", b"a\r\nb\r\n.\r\n"),
            (b".x\n..y\n.\n", b"..x\r\n...y\r\n..\r\n.\r\n"),
            (b"a.b\r\n.\r\n", b"a.b\r\n..\r\n.\r\n"),
            (
                b"a\n.\r\nMAIL FROM:<x>\r\n",
                b"a\r\n..\r\nMAIL FROM:<x>\r\n.\r\n",
            ),
            (b"a\r.\rb", b"a\r\n..\r\nb\r\n.\r\n"),
            (b"\r\n\r\n", b"\r\n\r\n.\r\n"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                String::from_utf8_lossy(&encode_body(input)),
                String::from_utf8_lossy(expected),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn reads_extensions() {
        let ehlo = reply(
            250,
            &[
                "relay.test hi",
                "PIPELINING",
                "size 1000",
                "8BITMIME",
                "SMTPUTF8",
                "STARTTLS",
                "X-OTHER",
            ],
        );
        let ext = Extensions::from_ehlo(&ehlo);
        assert_eq!(
            ext,
            Extensions {
                pipelining: true,
                size: Some(1000),
                eight_bit_mime: true,
                smtputf8: true,
                starttls: true
            }
        );
        assert_eq!(
            Extensions::from_ehlo(&reply(250, &["relay.test", "SIZE"])).size_limit(),
            None
        );
        // The greeting line is the server's name, never a keyword.
        assert!(!Extensions::from_ehlo(&reply(250, &["PIPELINING"])).pipelining);
    }

    #[test]
    fn refuses_addresses_that_would_change_the_command() {
        for bad in ["a@b>\r\nRCPT TO:<c@d", "a\n@b", "<a@b>", "a@b\0"] {
            assert!(!is_sendable_address(bad), "{bad:?}");
        }
        for good in ["a@b", "", "\"a b\"@c", "用户@例子.测试"] {
            assert!(is_sendable_address(good), "{good:?}");
        }
    }

    #[test]
    fn server_names_come_from_the_host() {
        assert!(server_name("mail.example.org:25").is_some());
        assert!(server_name("127.0.0.1:2525").is_some());
        assert!(server_name("[::1]:25").is_some());
    }
}
