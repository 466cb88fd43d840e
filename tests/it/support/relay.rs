//! A capturing SMTP relay: the server wgmail delivers to in tests. It accepts everything (unless a
//! test asks it to refuse a recipient or drop the connection), records each transaction, and lets
//! tests wait for deliveries on a real event rather than by sleeping.
//!
//! It advertises PIPELINING (unless started without it), 8BITMIME, SMTPUTF8 and SIZE, answers
//! pipelined commands in order, and batches its replies the way a pipelining server does (flushed
//! when it has read everything the client sent), so it is fast enough for throughput checks. Only
//! `CRLF.CRLF` ends the data, and the data is stored unstuffed, exactly as received otherwise.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// The SIZE the relay advertises.
const SIZE_LIMIT: usize = 50 * 1024 * 1024;

/// One transaction the relay accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// The reverse-path, without angle brackets (empty for `<>`).
    pub mail_from: String,
    /// The accepted recipients, without angle brackets, in order.
    pub rcpts: Vec<String>,
    /// The message as received, with dot-stuffing undone and the final `.CRLF` removed.
    pub data: Vec<u8>,
}

/// How the relay behaves beyond the defaults.
#[derive(Debug, Clone)]
pub struct RelayOptions {
    /// Advertise PIPELINING (true by default); false makes clients talk in lock-step.
    pub pipelining: bool,
}

impl Default for RelayOptions {
    fn default() -> Self {
        RelayOptions { pipelining: true }
    }
}

/// What to do with a recipient a test has singled out.
#[derive(Debug, Clone)]
enum Failure {
    /// Answer its RCPT with this reply; a 421 also closes the connection, as real servers do.
    Reply(String),
    /// Close the connection without answering its RCPT.
    Disconnect,
}

/// State shared by the handle and the sessions.
struct Shared {
    options: RelayOptions,
    /// Accepted transactions; a watch channel so waiters wake on each new one.
    captured: watch::Sender<Vec<Captured>>,
    /// Recipients (lower-cased) to refuse or drop at RCPT.
    failures: Mutex<HashMap<String, Failure>>,
    /// Connections accepted so far.
    connections: AtomicUsize,
    /// Open sessions, so `disconnect_all` can wait until they are gone.
    open_sessions: watch::Sender<usize>,
    /// Bumped to make every open session hang up.
    kick: watch::Sender<u64>,
}

/// A running capturing relay on `127.0.0.1`. Dropping it stops the listener and every session.
pub struct Relay {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    accept_task: JoinHandle<()>,
}

impl Relay {
    /// Starts a relay with the default options.
    pub async fn start() -> Relay {
        Relay::start_with(RelayOptions::default()).await
    }

    pub async fn start_with(options: RelayOptions) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the test relay");
        let addr = listener.local_addr().expect("test relay address");
        let shared = Arc::new(Shared {
            options,
            captured: watch::Sender::new(Vec::new()),
            failures: Mutex::new(HashMap::new()),
            connections: AtomicUsize::new(0),
            open_sessions: watch::Sender::new(0),
            kick: watch::Sender::new(0),
        });
        let accept_task = tokio::spawn(accept_loop(listener, shared.clone()));
        Relay {
            addr,
            shared,
            accept_task,
        }
    }

    /// Every transaction accepted so far.
    pub fn messages(&self) -> Vec<Captured> {
        self.shared.captured.borrow().clone()
    }

    /// Waits until at least `n_transactions` have been accepted and returns all of them.
    pub async fn wait_for(&self, n_transactions: usize, timeout: Duration) -> Vec<Captured> {
        self.wait_until(
            timeout,
            |c| c.len() >= n_transactions,
            || format!("{n_transactions} transactions"),
        )
        .await
    }

    /// Waits until accepted transactions have at least `n` recipients between them.
    pub async fn wait_for_rcpts(&self, n: usize, timeout: Duration) -> Vec<Captured> {
        self.wait_until(
            timeout,
            |c| rcpt_count(c) >= n,
            || format!("{n} recipients"),
        )
        .await
    }

    /// Waits until the accepted transactions satisfy `done` and returns all of them.
    pub async fn wait_for_all(
        &self,
        timeout: Duration,
        what: &str,
        done: impl FnMut(&Vec<Captured>) -> bool,
    ) -> Vec<Captured> {
        self.wait_until(timeout, done, || what.to_owned()).await
    }

    /// Waits until some accepted transaction satisfies `pred` and returns all of them.
    pub async fn wait_for_match(
        &self,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&Captured) -> bool,
    ) -> Vec<Captured> {
        self.wait_until(timeout, |c| c.iter().any(&pred), || what.to_owned())
            .await
    }

    async fn wait_until(
        &self,
        timeout: Duration,
        done: impl FnMut(&Vec<Captured>) -> bool,
        what: impl FnOnce() -> String,
    ) -> Vec<Captured> {
        let mut rx = self.shared.captured.subscribe();
        match tokio::time::timeout(timeout, rx.wait_for(done)).await {
            Ok(Ok(captured)) => captured.clone(),
            Ok(Err(_)) => unreachable!("the relay handle owns the sender"),
            Err(_) => {
                let got = self.messages();
                panic!(
                    "test relay: timed out after {timeout:?} waiting for {}; got {} transactions with {} recipients: {got:#?}",
                    what(),
                    got.len(),
                    rcpt_count(&got)
                );
            }
        }
    }

    /// Makes RCPT for `addr` (case-insensitive) get `reply`, e.g. `"450 4.2.0 mailbox busy"` or
    /// `"550 5.1.1 no such user"`, until cleared. A 421 reply also closes the connection.
    pub fn fail_rcpt(&self, addr: &str, reply: &str) {
        self.failures()
            .insert(addr.to_ascii_lowercase(), Failure::Reply(reply.to_owned()));
    }

    /// Makes the relay close the connection, without replying, when it reads RCPT for `addr`.
    pub fn drop_at_rcpt(&self, addr: &str) {
        self.failures()
            .insert(addr.to_ascii_lowercase(), Failure::Disconnect);
    }

    pub fn clear_failures(&self) {
        self.failures().clear();
    }

    /// Connections accepted since the relay started.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Closes every open connection (as a relay timing out idle clients would) and returns once
    /// they are all closed.
    pub async fn disconnect_all(&self) {
        self.shared.kick.send_modify(|generation| *generation += 1);
        let mut open = self.shared.open_sessions.subscribe();
        let _ = open.wait_for(|&n| n == 0).await;
    }

    fn failures(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failure>> {
        self.shared
            .failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        // The sessions live in a JoinSet owned by the accept task, so this ends them too.
        self.accept_task.abort();
    }
}

fn rcpt_count(captured: &[Captured]) -> usize {
    captured.iter().map(|c| c.rcpts.len()).sum()
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                shared.connections.fetch_add(1, Ordering::SeqCst);
                shared.open_sessions.send_modify(|n| *n += 1);
                let shared = shared.clone();
                sessions.spawn(async move {
                    let kick = shared.kick.subscribe();
                    // An I/O error just ends the session, as a client hanging up does.
                    let _ = session(stream, &shared, kick).await;
                    shared.open_sessions.send_modify(|n| *n -= 1);
                });
            }
            Some(_) = sessions.join_next() => {}
        }
    }
}

/// The open transaction: MAIL FROM seen, recipients accepted so far.
struct Transaction {
    mail_from: String,
    rcpts: Vec<String>,
}

/// What a session does after a command.
enum Next {
    Continue,
    Close,
}

async fn session(
    stream: TcpStream,
    shared: &Shared,
    mut kick: watch::Receiver<u64>,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (r, w) = stream.into_split();
    let mut r = BufReader::with_capacity(64 * 1024, r);
    let mut w = BufWriter::with_capacity(64 * 1024, w);
    w.write_all(b"220 relay.test ESMTP capturing test relay\r\n")
        .await?;
    let mut tx: Option<Transaction> = None;
    let mut line = Vec::new();
    loop {
        // Reply to a pipelined group in one write: flush only when everything the client sent
        // has been handled, i.e. just before we would wait for more.
        if r.buffer().is_empty() {
            w.flush().await?;
        }
        line.clear();
        let read = tokio::select! {
            biased;
            _ = kick.changed() => return Ok(()),
            read = r.read_until(b'\n', &mut line) => read?,
        };
        if read == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(trim_eol(&line)).into_owned();
        match handle(&command, &mut tx, &mut r, &mut w, shared).await? {
            Next::Continue => {}
            Next::Close => {
                w.flush().await?;
                return Ok(());
            }
        }
    }
}

async fn handle(
    command: &str,
    tx: &mut Option<Transaction>,
    r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    w: &mut BufWriter<OwnedWriteHalf>,
    shared: &Shared,
) -> std::io::Result<Next> {
    let upper = command.to_ascii_uppercase();
    let verb = upper.split_ascii_whitespace().next().unwrap_or("");
    match verb {
        "EHLO" => {
            if shared.options.pipelining {
                w.write_all(b"250-relay.test\r\n250-PIPELINING\r\n").await?;
            } else {
                w.write_all(b"250-relay.test\r\n").await?;
            }
            let rest = format!("250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE {SIZE_LIMIT}\r\n");
            w.write_all(rest.as_bytes()).await?;
        }
        "HELO" => w.write_all(b"250 relay.test\r\n").await?,
        "MAIL" if upper.starts_with("MAIL FROM:") => {
            if tx.is_some() {
                w.write_all(b"503 5.5.1 nested MAIL command\r\n").await?;
            } else {
                *tx = Some(Transaction {
                    mail_from: path(&command["MAIL FROM:".len()..]),
                    rcpts: Vec::new(),
                });
                w.write_all(b"250 2.1.0 ok\r\n").await?;
            }
        }
        "RCPT" if upper.starts_with("RCPT TO:") => {
            let Some(t) = tx.as_mut() else {
                w.write_all(b"503 5.5.1 need MAIL command\r\n").await?;
                return Ok(Next::Continue);
            };
            let rcpt = path(&command["RCPT TO:".len()..]);
            let failure = shared
                .failures
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&rcpt.to_ascii_lowercase())
                .cloned();
            match failure {
                None => {
                    t.rcpts.push(rcpt);
                    w.write_all(b"250 2.1.5 ok\r\n").await?;
                }
                Some(Failure::Reply(reply)) => {
                    w.write_all(format!("{reply}\r\n").as_bytes()).await?;
                    if reply.starts_with("421") {
                        return Ok(Next::Close);
                    }
                }
                Some(Failure::Disconnect) => {
                    // Drop what is buffered too: the point is that the client hears nothing more.
                    return Err(std::io::Error::other("test asked the relay to disconnect"));
                }
            }
        }
        "DATA" => match tx.take() {
            None => w.write_all(b"503 5.5.1 need MAIL command\r\n").await?,
            Some(t) if t.rcpts.is_empty() => {
                *tx = Some(t);
                w.write_all(b"554 5.5.1 no valid recipients\r\n").await?;
            }
            Some(t) => {
                w.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                w.flush().await?;
                let Some(data) = read_data(r).await? else {
                    return Ok(Next::Close);
                };
                shared.captured.send_modify(|c| {
                    c.push(Captured {
                        mail_from: t.mail_from,
                        rcpts: t.rcpts,
                        data,
                    })
                });
                w.write_all(b"250 2.0.0 queued\r\n").await?;
            }
        },
        "RSET" => {
            *tx = None;
            w.write_all(b"250 2.0.0 ok\r\n").await?;
        }
        "NOOP" => w.write_all(b"250 2.0.0 ok\r\n").await?,
        "QUIT" => {
            w.write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(Next::Close);
        }
        _ => w.write_all(b"500 5.5.2 command not recognised\r\n").await?,
    }
    Ok(Next::Continue)
}

/// Reads message data up to `CRLF.CRLF`, undoing dot-stuffing. `None` if the client hung up first.
async fn read_data(
    r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    // DATA's own CRLF counts as the CRLF before the first line.
    let mut after_crlf = true;
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line).await? == 0 {
            return Ok(None);
        }
        if after_crlf && line == b".\r\n" {
            return Ok(Some(data));
        }
        if data.len() + line.len() > SIZE_LIMIT {
            return Ok(None);
        }
        let unstuffed = if after_crlf && line.first() == Some(&b'.') {
            &line[1..]
        } else {
            &line[..]
        };
        data.extend_from_slice(unstuffed);
        after_crlf = line.ends_with(b"\r\n");
    }
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The address in `<addr> PARAMS`, or the first word when there are no brackets.
fn path(arg: &str) -> String {
    let arg = arg.trim_start();
    if let Some(rest) = arg.strip_prefix('<') {
        rest.split('>').next().unwrap_or("").to_owned()
    } else {
        arg.split_ascii_whitespace().next().unwrap_or("").to_owned()
    }
}
