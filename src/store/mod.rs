//! The store: the only module that runs SQL (DESIGN §8).
//!
//! One writer thread owns the read-write SQLite connection and applies write operations in
//! batches: it takes every operation waiting in its channel, runs each inside its own SAVEPOINT
//! (so one failing operation cannot undo its neighbours), commits once with `synchronous=FULL`, and
//! only then answers each caller. This "group commit" is what lets the SMTP side reply `250` only
//! after the message is on disk while still accepting thousands of messages a second: one fsync
//! covers every message that arrived while the previous commit was in flight.
//!
//! Reads go through a small pool of read-only WAL connections, so the web archive and the CLI never
//! wait behind the writer. The CLI opens its own `Store` while the daemon runs; SQLite's file locks
//! and a busy timeout arbitrate between the two processes.

mod archive;
mod ballots;
mod browse;
mod drafts;
mod holds;
mod members;
mod migrations;
mod outbound;
mod processed;
mod queue;
mod report;
mod search;
mod tokens;
mod values;

pub use archive::{ArchiveRecord, ArchivedMessage, MessageHead, PAGE_QUERIES, ThreadSummary};
pub use ballots::{BallotRow, WriteupRow};
pub use browse::{
    FIRST_MESSAGE_DATE, FeedItem, LIST_STATS, ListStats, NEWEST_MESSAGES, THREAD_PAGE_AFTER,
    THREAD_PAGE_BEFORE, ThreadCursor, ThreadRow,
};
pub use drafts::{
    CallReply, CallRow, DraftMeta, DraftMove, DraftRow, EventRow, LATE_WINDOW, ReviewRow,
};
pub use holds::HoldRecord;
pub use members::Member;
pub use outbound::{AttemptResult, OutboundItem, OutboundJob, QueueStatus};
pub use processed::{Action, Applied, BounceState, REPLY_LIMIT};
pub use queue::QueueItem;
pub use report::DraftEvent;
pub use search::{
    MATCH_END, MATCH_START, MAX_PAGE, PAGE_SIZE, RANK_WINDOW, SearchHit, SearchPage, SearchSort,
};
pub use tokens::TokenRow;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::clock::Timestamp;
use tokio::sync::oneshot;

/// Why a store call failed. Callers branch on `Closed` (shutting down) versus database errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("the store's writer has stopped")]
    Closed,
    #[error("commit failed: {0}")]
    Commit(String),
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
type Op = Box<dyn FnOnce(&Connection) -> Completion + Send>;

/// Handle to the database. Cheap to clone; the writer thread stops when the last clone is dropped.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
    /// Set on the view [`Store::scratch`] hands out: reads go to this connection, inside a write
    /// transaction that is rolled back.
    scratch: Option<Arc<Mutex<Connection>>>,
}

struct Inner {
    path: PathBuf,
    ops: Mutex<Option<mpsc::Sender<Op>>>,
    readers: Mutex<Readers>,
    /// Signalled when a reader connection is returned to the pool.
    reader_free: std::sync::Condvar,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Counts the writer's commits, so a waiter can wake on the next one rather than poll.
    commits: Arc<tokio::sync::watch::Sender<u64>>,
}

/// The most operations one commit may carry; bounds the latency one slow batch can add.
const MAX_BATCH: usize = 512;

impl Store {
    /// Opens (creating if needed) `data_dir/wgmail.sqlite3`, applies migrations and starts the writer.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join("wgmail.sqlite3");
        let mut conn = Connection::open(&path)?;
        configure(&conn)?;
        migrations::apply(&mut conn)?;
        let (tx, rx) = mpsc::channel::<Op>();
        let commits = Arc::new(tokio::sync::watch::Sender::new(0u64));
        let counted = Arc::clone(&commits);
        let writer = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer_loop(conn, rx, &counted))
            .map_err(|e| StoreError::Commit(format!("cannot start writer thread: {e}")))?;
        Ok(Store {
            inner: Arc::new(Inner {
                path,
                ops: Mutex::new(Some(tx)),
                readers: Mutex::new(Readers::default()),
                reader_free: std::sync::Condvar::new(),
                writer: Mutex::new(Some(writer)),
                commits,
            }),
            scratch: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn submit<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<oneshot::Receiver<Result<T, StoreError>>, StoreError> {
        let (tx, rx) = oneshot::channel();
        let op: Op = Box::new(move |conn: &Connection| {
            let result = in_savepoint(conn, f);
            Box::new(move |commit: Result<(), String>| {
                let out = match (result, commit) {
                    (Ok(v), Ok(())) => Ok(v),
                    (Err(e), _) => Err(StoreError::Sql(e)),
                    (Ok(_), Err(e)) => Err(StoreError::Commit(e)),
                };
                let _ = tx.send(out);
            })
        });
        let guard = self.inner.ops.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(sender) => sender.send(op).map_err(|_| StoreError::Closed)?,
            None => return Err(StoreError::Closed),
        }
        Ok(rx)
    }

    /// Runs `f` in the writer's next commit and resolves once that commit is durable.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.submit(f)?.await.map_err(|_| StoreError::Closed)?
    }

    /// Blocking form of [`Store::write`] for the CLI and other non-async callers.
    pub fn write_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.submit(f)?
            .blocking_recv()
            .map_err(|_| StoreError::Closed)?
    }

    /// Runs `f` on a read-only connection from the pool (blocking; use [`Store::read`] from async code).
    pub fn read_blocking<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        if let Some(scratch) = &self.scratch {
            let conn = scratch.lock().unwrap_or_else(|p| p.into_inner());
            return Ok(f(&conn)?);
        }
        let lease = self.lease_reader()?;
        let out = match lease.conn.as_ref() {
            Some(conn) => f(conn),
            None => return Err(StoreError::Closed),
        };
        drop(lease);
        Ok(out?)
    }

    /// A pooled read-only connection: an idle one, a new one while fewer than [`MAX_READERS`] are
    /// open, or else the next one returned. Waiting is cheaper than what it replaces — a fresh
    /// connection per request under load, each parsing the schema and starting with a cold page
    /// cache, dropped after one use.
    fn lease_reader(&self) -> Result<ReaderLease<'_>, StoreError> {
        let mut pool = self.inner.readers.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(conn) = pool.idle.pop() {
                return Ok(ReaderLease {
                    store: self,
                    conn: Some(conn),
                });
            }
            if pool.open < MAX_READERS {
                pool.open += 1;
                drop(pool);
                return match open_reader(&self.inner.path) {
                    Ok(conn) => Ok(ReaderLease {
                        store: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        let mut pool = self.inner.readers.lock().unwrap_or_else(|p| p.into_inner());
                        pool.open -= 1;
                        self.inner.reader_free.notify_one();
                        Err(e.into())
                    }
                };
            }
            pool = self
                .inner
                .reader_free
                .wait(pool)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// How many read-only connections are open (idle or lent); for tests of the pool's bound.
    #[doc(hidden)]
    pub fn readers_open(&self) -> usize {
        self.inner
            .readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .open
    }

    /// Runs `f` on a read-only connection on tokio's blocking pool.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read_blocking(f))
            .await
            .map_err(|_| StoreError::Closed)?
    }

    /// Runs `f` with a view of the store in a throwaway write transaction: its reads see what
    /// [`Store::apply_scratch`] applied before them, and all of it is rolled back when `f`
    /// returns. Nothing is committed. The commands of one confirmed chair mail run this way, each
    /// against the store as the ones before it left it, through the same code that later commits
    /// their actions, so there is no second model of what an action does.
    ///
    /// The transaction takes the write lock (`BEGIN IMMEDIATE`), so the writer waits for it:
    /// keep `f` short and free of I/O other than this view's reads. Blocking; call it off the
    /// async runtime.
    pub fn scratch<T>(&self, f: impl FnOnce(&Store) -> T) -> Result<T, StoreError> {
        let conn = Connection::open(&self.inner.path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let conn = Arc::new(Mutex::new(conn));
        let view = Store {
            inner: Arc::clone(&self.inner),
            scratch: Some(Arc::clone(&conn)),
        };
        let out = f(&view);
        drop(view);
        let conn = conn.lock().unwrap_or_else(|p| p.into_inner());
        conn.execute_batch("ROLLBACK")?;
        Ok(out)
    }

    /// Applies actions inside the transaction of a [`Store::scratch`] view, for its later reads.
    /// On any other handle it refuses: actions are committed only through the writer.
    pub fn apply_scratch(&self, actions: &[Action], now: Timestamp) -> Result<(), StoreError> {
        let Some(scratch) = &self.scratch else {
            return Err(StoreError::Commit(
                "apply_scratch on a store that is not a scratch view".into(),
            ));
        };
        let conn = scratch.lock().unwrap_or_else(|p| p.into_inner());
        in_savepoint(&conn, |c| processed::apply_actions(c, actions, now))?;
        Ok(())
    }

    /// A receiver that sees a change after each commit of the writer (its value counts them).
    /// For waiting on what the daemon writes (tests, tools) without polling on a timer.
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.commits.subscribe()
    }

    /// Stops the writer after it has committed everything already submitted.
    pub fn close(&self) {
        self.inner
            .ops
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(h) = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = h.join();
        }
    }
}

/// Most read-only connections open at once: the web archive's requests and the CLI's reads share
/// them, and more would only contend for two cores and the same pages.
const MAX_READERS: usize = 8;

/// The read-only connections: idle ones, and how many exist (idle or lent).
#[derive(Default)]
struct Readers {
    idle: Vec<Connection>,
    open: usize,
}

/// A connection lent from the pool; it goes back when dropped, even if the reader panicked.
struct ReaderLease<'a> {
    store: &'a Store,
    conn: Option<Connection>,
}

impl Drop for ReaderLease<'_> {
    fn drop(&mut self) {
        let mut pool = self
            .store
            .inner
            .readers
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match self.conn.take() {
            Some(conn) if !std::thread::panicking() => pool.idle.push(conn),
            _ => pool.open -= 1,
        }
        self.store.inner.reader_free.notify_one();
    }
}

fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    c.busy_timeout(Duration::from_secs(10))?;
    // Each pooled reader keeps up to 8 MiB of pages: the top of the indexes the archive pages walk.
    c.pragma_update(None, "cache_size", -8192)?;
    Ok(c)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    // WAL lets readers proceed during writes; FULL makes every commit (and so every `250`) durable.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Every write operation runs in its own SAVEPOINT; keep their statement journals in memory
    // rather than in temporary files.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // The writer touches the archive's indexes (Message-ID, thread, list and date, full text) at
    // random places; SQLite's default 2 MiB page cache makes a large archive's inserts wait on
    // page reads. 64 MiB keeps their hot pages; it is a ceiling, used only as the file grows.
    conn.pragma_update(None, "cache_size", -65536)?;
    Ok(())
}

fn in_savepoint<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.execute_batch("SAVEPOINT op")?;
    match f(conn) {
        Ok(v) => {
            conn.execute_batch("RELEASE op")?;
            Ok(v)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK TO op; RELEASE op");
            Err(e)
        }
    }
}

fn writer_loop(
    conn: Connection,
    rx: mpsc::Receiver<Op>,
    commits: &tokio::sync::watch::Sender<u64>,
) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let began = conn.execute_batch("BEGIN IMMEDIATE");
        if let Err(e) = began {
            let msg = e.to_string();
            tracing::error!(error = %msg, "store: cannot begin transaction");
            for op in batch {
                // Run nothing; tell every caller the commit failed so nothing is acknowledged.
                drop(op);
            }
            continue;
        }
        let completions: Vec<Completion> = batch.into_iter().map(|op| op(&conn)).collect();
        let commit = conn.execute_batch("COMMIT").map_err(|e| e.to_string());
        if let Err(e) = &commit {
            tracing::error!(error = %e, "store: commit failed");
            let _ = conn.execute_batch("ROLLBACK");
        }
        for done in completions {
            done(commit.clone());
        }
        if commit.is_ok() {
            commits.send_modify(|n| *n += 1);
        }
    }
}
