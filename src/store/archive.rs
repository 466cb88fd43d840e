//! The archive: every accepted post with its raw bytes and parsed fields, its thread, and the
//! full-text index.
//!
//! Threads are kept incrementally as the connected components of the reference graph (a message
//! joins the thread of any Message-ID it has or refers to; when it bridges two threads they merge).
//! That grouping is the same whatever order mail arrives in, which a per-arrival "attach to parent"
//! scheme is not. The tree shape inside a thread is computed on demand by `crate::thread::jwz`.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, StoreError};
use crate::clock::Timestamp;

/// What the pipeline (or `archive import`) hands the archive for one message.
#[derive(Debug, Clone)]
pub struct ArchiveRecord {
    pub list: String,
    pub message_id: String,
    pub from_addr: String,
    pub from_name: String,
    pub subject: String,
    pub date: Timestamp,
    pub received_at: Timestamp,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub body_text: String,
    pub raw: Vec<u8>,
}

impl ArchiveRecord {
    /// A record from a parsed message; `date` is the date to file it under (the caller decides
    /// what to do with a missing or absurd Date header).
    pub fn from_parsed(
        list: String,
        message_id: String,
        parsed: crate::message::ParsedMessage,
        date: Timestamp,
        received_at: Timestamp,
        raw: Vec<u8>,
    ) -> ArchiveRecord {
        ArchiveRecord {
            list,
            message_id,
            from_addr: parsed.from_addr,
            from_name: parsed.from_name,
            subject: parsed.subject,
            date,
            received_at,
            in_reply_to: parsed.in_reply_to,
            references: parsed.references,
            body_text: parsed.body_text,
            raw,
        }
    }
}

/// A stored message as read back.
#[derive(Debug, Clone)]
pub struct ArchivedMessage {
    pub id: i64,
    pub message_id: String,
    pub thread_id: i64,
    pub from_addr: String,
    pub from_name: String,
    pub subject: String,
    pub date: Timestamp,
    pub received_at: Timestamp,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub raw: Vec<u8>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ThreadSummary {
    pub id: i64,
    pub messages: i64,
    pub subject: String,
    pub first_date: Timestamp,
    pub last_date: Timestamp,
}

/// Inserts a message into the archive unless (list, Message-ID) is already there. Returns the new
/// row id, or `None` for a duplicate — which is how a replayed queue item stays idempotent.
pub(crate) fn insert(c: &Connection, rec: &ArchiveRecord) -> rusqlite::Result<Option<i64>> {
    let exists: Option<i64> = c
        .prepare_cached("SELECT id FROM messages WHERE list = ?1 AND message_id = ?2")?
        .query_row(params![rec.list, rec.message_id], |r| r.get(0))
        .optional()?;
    if exists.is_some() {
        return Ok(None);
    }
    let (thread_id, merged) = assign_thread(c, rec)?;
    if !merged {
        // The common case, a message joining one thread (or starting one): the counters move by
        // this message alone, before it is inserted, instead of being recounted over the thread.
        append_to_thread(c, thread_id, rec)?;
    }
    c.prepare_cached(
        "INSERT INTO messages (list, message_id, thread_id, from_addr, from_name, subject, date,
             received_at, in_reply_to, refs, body_text, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        rec.list,
        rec.message_id,
        thread_id,
        rec.from_addr,
        rec.from_name,
        rec.subject,
        rec.date,
        rec.received_at,
        rec.in_reply_to.join(" "),
        rec.references.join(" "),
        rec.body_text,
        rec.raw,
    ])?;
    let id = c.last_insert_rowid();
    c.prepare_cached(
        "INSERT INTO fts (rowid, subject, from_addr, from_name, body_text)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        id,
        rec.subject,
        rec.from_addr,
        rec.from_name,
        rec.body_text
    ])?;
    if merged {
        refresh_thread(c, thread_id)?;
    }
    c.prepare_cached(
        "INSERT INTO archive_lists (list, messages, last_date) VALUES (?1, 1, ?2)
         ON CONFLICT (list) DO UPDATE SET messages = messages + 1,
             last_date = max(last_date, excluded.last_date)",
    )?
    .execute(params![rec.list, rec.date])?;
    Ok(Some(id))
}

/// The thread `rec` joins, and whether joining it merged threads (a message that refers to two
/// threads bridges them), in which case the thread's counters must be recounted.
fn assign_thread(c: &Connection, rec: &ArchiveRecord) -> rusqlite::Result<(i64, bool)> {
    let mut ids: Vec<&str> = vec![rec.message_id.as_str()];
    for r in rec.references.iter().chain(rec.in_reply_to.iter()) {
        if !ids.contains(&r.as_str()) {
            ids.push(r);
        }
    }
    let mut found: Vec<i64> = Vec::new();
    {
        let mut stmt = c.prepare_cached(
            "SELECT thread_id FROM thread_ids WHERE list = ?1 AND message_id = ?2",
        )?;
        for id in &ids {
            if let Some(t) = stmt
                .query_row(params![rec.list, id], |r| r.get::<_, i64>(0))
                .optional()?
                && !found.contains(&t)
            {
                found.push(t);
            }
        }
    }
    found.sort_unstable();
    let target = match found.first() {
        Some(&t) => t,
        None => {
            c.prepare_cached(
                "INSERT INTO threads (list, subject, first_date, last_date, message_count)
                 VALUES (?1, ?2, ?3, ?3, 0)",
            )?
            .execute(params![rec.list, rec.subject, rec.date])?;
            c.last_insert_rowid()
        }
    };
    for &other in found.iter().skip(1) {
        c.prepare_cached("UPDATE thread_ids SET thread_id = ?1 WHERE thread_id = ?2")?
            .execute(params![target, other])?;
        c.prepare_cached("UPDATE messages SET thread_id = ?1 WHERE thread_id = ?2")?
            .execute(params![target, other])?;
        c.prepare_cached("DELETE FROM threads WHERE id = ?1")?
            .execute([other])?;
    }
    let mut stmt = c.prepare_cached(
        "INSERT INTO thread_ids (list, message_id, thread_id) VALUES (?1, ?2, ?3)
         ON CONFLICT (list, message_id) DO UPDATE SET thread_id = excluded.thread_id",
    )?;
    for id in ids {
        stmt.execute(params![rec.list, id, target])?;
    }
    Ok((target, found.len() > 1))
}

/// Counts `rec` into thread `thread_id`'s row before `rec` is inserted. SQLite evaluates every
/// right-hand side on the old row, so each CASE sees the thread as it was. A message dated before
/// the thread's first message (or the first of a new thread, `message_count = 0`) becomes its
/// start: subject, starter, first date. Equal dates keep the earlier message, as the recount's
/// `ORDER BY date, id` does.
fn append_to_thread(c: &Connection, thread_id: i64, rec: &ArchiveRecord) -> rusqlite::Result<()> {
    c.prepare_cached(
        "UPDATE threads SET
            message_count = message_count + 1,
            last_date = CASE WHEN message_count = 0 THEN ?2 ELSE max(last_date, ?2) END,
            first_date = CASE WHEN message_count = 0 THEN ?2 ELSE min(first_date, ?2) END,
            subject = CASE WHEN message_count = 0 OR ?2 < first_date THEN ?3 ELSE subject END,
            starter_name = CASE WHEN message_count = 0 OR ?2 < first_date THEN ?4
                                ELSE starter_name END,
            starter_addr = CASE WHEN message_count = 0 OR ?2 < first_date THEN ?5
                                ELSE starter_addr END,
            participants = participants + NOT EXISTS (
                SELECT 1 FROM messages WHERE thread_id = ?1 AND from_addr = ?5)
         WHERE id = ?1",
    )?
    .execute(params![
        thread_id,
        rec.date,
        rec.subject,
        rec.from_name,
        rec.from_addr
    ])?;
    Ok(())
}

/// Recomputes a thread's counters and subject (the subject of its earliest message).
fn refresh_thread(c: &Connection, thread_id: i64) -> rusqlite::Result<()> {
    c.prepare_cached(
        "UPDATE threads SET
            message_count = (SELECT count(*) FROM messages WHERE thread_id = ?1),
            first_date = coalesce((SELECT min(date) FROM messages WHERE thread_id = ?1), first_date),
            last_date = coalesce((SELECT max(date) FROM messages WHERE thread_id = ?1), last_date),
            subject = coalesce((SELECT subject FROM messages WHERE thread_id = ?1
                                ORDER BY date, id LIMIT 1), subject),
            starter_name = coalesce((SELECT from_name FROM messages WHERE thread_id = ?1
                                     ORDER BY date, id LIMIT 1), starter_name),
            starter_addr = coalesce((SELECT from_addr FROM messages WHERE thread_id = ?1
                                     ORDER BY date, id LIMIT 1), starter_addr),
            participants = (SELECT count(DISTINCT from_addr) FROM messages WHERE thread_id = ?1)
         WHERE id = ?1",
    )?
    .execute([thread_id])?;
    Ok(())
}

fn split_ids(s: String) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

fn row_to_message(r: &rusqlite::Row<'_>) -> rusqlite::Result<ArchivedMessage> {
    Ok(ArchivedMessage {
        id: r.get(0)?,
        message_id: r.get(1)?,
        thread_id: r.get(2)?,
        from_addr: r.get(3)?,
        from_name: r.get(4)?,
        subject: r.get(5)?,
        date: r.get(6)?,
        received_at: r.get(7)?,
        in_reply_to: split_ids(r.get(8)?),
        references: split_ids(r.get(9)?),
        raw: r.get(10)?,
    })
}

/// The columns [`row_to_message`] reads, in order.
macro_rules! message_columns {
    () => {
        "id, message_id, thread_id, from_addr, from_name, subject, date, received_at, in_reply_to, \
         refs, raw"
    };
}

/// The columns [`row_to_head`] reads, in order: everything before the raw bytes, which stay on
/// disk (they are the row's last column, so SQLite never reads their overflow pages).
macro_rules! head_columns {
    () => {
        "id, message_id, thread_id, from_addr, from_name, subject, date, in_reply_to, refs"
    };
}

/// One message by (list, Message-ID): the `UNIQUE (list, message_id)` index.
pub const MESSAGE_BY_ID_SQL: &str = concat!(
    "SELECT ",
    message_columns!(),
    " FROM messages WHERE list = ?1 AND message_id = ?2"
);

/// A whole list in date order (`archive export` without `--thread`): `messages_list_date`.
pub const LIST_MESSAGES_SQL: &str = concat!(
    "SELECT ",
    message_columns!(),
    " FROM messages WHERE list = ?1 ORDER BY date, id"
);

/// A thread's headers in (date, id) order: `messages_thread (thread_id, date)`, whose entries end
/// in the rowid, so the order costs no sort. `?1` thread, `?2` list, `?3` limit.
///
/// `INDEXED BY` pins the thread index: both indexes match the WHERE clause, and a planner that
/// picks `messages_list_date (list=?)` (the sqlite3 shell does on the bare schema; statistics
/// from ANALYZE could too) walks the whole list to find one thread — the defect `archive thread`
/// had.
pub const THREAD_HEADS_SQL: &str = concat!(
    "SELECT ",
    head_columns!(),
    " FROM messages INDEXED BY messages_thread WHERE thread_id = ?1 AND list = ?2 ORDER BY date, id LIMIT ?3"
);

/// A thread's messages after a (date, id) cursor: `messages_thread` (forced as in
/// [`THREAD_HEADS_SQL`]). `?1` thread, `?2` list, `?3`/`?4` cursor, `?5` limit.
pub const THREAD_MESSAGES_SQL: &str = concat!(
    "SELECT ",
    message_columns!(),
    " FROM messages INDEXED BY messages_thread
     WHERE thread_id = ?1 AND list = ?2 AND (date, id) > (?3, ?4) ORDER BY date, id LIMIT ?5"
);

/// A list's messages in a date range after a cursor: `messages_list_date (list, date, id)`.
/// `?1` list, `[?2, ?3)` range, `?4`/`?5` cursor, `?6` limit.
pub const RANGE_MESSAGES_SQL: &str = concat!(
    "SELECT ",
    message_columns!(),
    " FROM messages WHERE list = ?1 AND date >= ?2 AND date < ?3 AND (date, id) > (?4, ?5)
     ORDER BY date, id LIMIT ?6"
);

/// The message before (`?2` date, `?3` id) in `?1` list's date order: `messages_list_date`, read
/// backwards.
pub const PREV_BY_DATE_SQL: &str = concat!(
    "SELECT ",
    head_columns!(),
    " FROM messages WHERE list = ?1 AND (date, id) < (?2, ?3)
     ORDER BY date DESC, id DESC LIMIT 1"
);

/// The message after (`?2` date, `?3` id) in `?1` list's date order: `messages_list_date`.
pub const NEXT_BY_DATE_SQL: &str = concat!(
    "SELECT ",
    head_columns!(),
    " FROM messages WHERE list = ?1 AND (date, id) > (?2, ?3)
     ORDER BY date, id LIMIT 1"
);

/// Every query of the message, thread, raw and mbox pages, for the query-plan test.
pub const PAGE_QUERIES: &[&str] = &[
    MESSAGE_BY_ID_SQL,
    LIST_MESSAGES_SQL,
    THREAD_HEADS_SQL,
    THREAD_MESSAGES_SQL,
    RANGE_MESSAGES_SQL,
    PREV_BY_DATE_SQL,
    NEXT_BY_DATE_SQL,
];

/// A row limit as SQLite takes it (a usize beyond i64 means "no limit").
fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// A stored message's headers, without its bytes: enough for a tree, a link or a neighbour.
#[derive(Debug, Clone)]
pub struct MessageHead {
    pub id: i64,
    pub message_id: String,
    pub thread_id: i64,
    pub from_addr: String,
    pub from_name: String,
    pub subject: String,
    pub date: Timestamp,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
}

fn row_to_head(r: &rusqlite::Row<'_>) -> rusqlite::Result<MessageHead> {
    Ok(MessageHead {
        id: r.get(0)?,
        message_id: r.get(1)?,
        thread_id: r.get(2)?,
        from_addr: r.get(3)?,
        from_name: r.get(4)?,
        subject: r.get(5)?,
        date: r.get(6)?,
        in_reply_to: split_ids(r.get(7)?),
        references: split_ids(r.get(8)?),
    })
}

impl Store {
    /// Archives many messages in one commit (used by `archive import`); returns how many were new.
    pub fn archive_many(&self, records: Vec<ArchiveRecord>) -> Result<usize, StoreError> {
        self.write_blocking(move |c| {
            let mut added = 0;
            for rec in &records {
                if insert(c, rec)?.is_some() {
                    added += 1;
                }
            }
            Ok(added)
        })
    }

    /// Threads of a list, oldest first.
    pub fn threads(&self, list: &str) -> Result<Vec<ThreadSummary>, StoreError> {
        let list = list.to_owned();
        self.read_blocking(move |c| {
            let mut stmt = c.prepare(
                "SELECT id, message_count, subject, first_date, last_date FROM threads
                 WHERE list = ?1 AND message_count > 0 ORDER BY first_date, id",
            )?;
            let rows = stmt.query_map([list], |r| {
                Ok(ThreadSummary {
                    id: r.get(0)?,
                    messages: r.get(1)?,
                    subject: r.get(2)?,
                    first_date: r.get(3)?,
                    last_date: r.get(4)?,
                })
            })?;
            rows.collect()
        })
    }

    /// Calls `each` for every archived message of `list` (or of one thread), in (date, id) order,
    /// streaming rather than loading the whole archive. A thread is read through its own index
    /// (`messages_thread`), so exporting one costs the same in a small archive as in a huge one.
    pub fn for_each_message(
        &self,
        list: &str,
        thread: Option<i64>,
        mut each: impl FnMut(ArchivedMessage) -> std::io::Result<()>,
    ) -> Result<std::io::Result<()>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt;
            let mut rows = match thread {
                Some(t) => {
                    stmt = c.prepare_cached(THREAD_MESSAGES_SQL)?;
                    stmt.query(params![t, list, i64::MIN, i64::MIN, i64::MAX])?
                }
                None => {
                    stmt = c.prepare_cached(LIST_MESSAGES_SQL)?;
                    stmt.query(params![list])?
                }
            };
            while let Some(row) = rows.next()? {
                if let Err(e) = each(row_to_message(row)?) {
                    return Ok(Err(e));
                }
            }
            Ok(Ok(()))
        })
    }

    /// One archived message by list and Message-ID.
    pub fn message_by_id(
        &self,
        list: &str,
        message_id: &str,
    ) -> Result<Option<ArchivedMessage>, StoreError> {
        self.read_blocking(|c| {
            c.prepare_cached(MESSAGE_BY_ID_SQL)?
                .query_row(params![list, message_id], row_to_message)
                .optional()
        })
    }

    /// The headers of the first `limit` messages of a thread in (date, id) order: what a thread
    /// tree needs, without the raw bytes.
    pub fn thread_heads(
        &self,
        list: &str,
        thread_id: i64,
        limit: usize,
    ) -> Result<Vec<MessageHead>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare_cached(THREAD_HEADS_SQL)?;
            let rows = stmt.query_map(params![thread_id, list, limit_param(limit)], row_to_head)?;
            rows.collect()
        })
    }

    /// Up to `limit` whole messages of a thread after the (date, id) cursor `after`, in (date, id)
    /// order; `None` starts at the beginning. Pages a long thread (the thread page, its mbox)
    /// without holding one read transaction open for the whole walk.
    pub fn thread_messages(
        &self,
        list: &str,
        thread_id: i64,
        after: Option<(Timestamp, i64)>,
        limit: usize,
    ) -> Result<Vec<ArchivedMessage>, StoreError> {
        let (date, id) = after.unwrap_or((i64::MIN, i64::MIN));
        self.read_blocking(|c| {
            let mut stmt = c.prepare_cached(THREAD_MESSAGES_SQL)?;
            let rows = stmt.query_map(
                params![thread_id, list, date, id, limit_param(limit)],
                row_to_message,
            )?;
            rows.collect()
        })
    }

    /// Up to `limit` whole messages of `list` dated in `[from, until)` after the (date, id) cursor
    /// `after`, in (date, id) order: a month's mbox, page by page.
    pub fn messages_between(
        &self,
        list: &str,
        from: Timestamp,
        until: Timestamp,
        after: Option<(Timestamp, i64)>,
        limit: usize,
    ) -> Result<Vec<ArchivedMessage>, StoreError> {
        let (date, id) = after.unwrap_or((i64::MIN, i64::MIN));
        self.read_blocking(|c| {
            let mut stmt = c.prepare_cached(RANGE_MESSAGES_SQL)?;
            let rows = stmt.query_map(
                params![list, from, until, date, id, limit_param(limit)],
                row_to_message,
            )?;
            rows.collect()
        })
    }

    /// The messages just before and just after (`date`, `id`) in `list`'s date order: the
    /// "previous/next by date" links of a permalink.
    pub fn date_neighbours(
        &self,
        list: &str,
        date: Timestamp,
        id: i64,
    ) -> Result<(Option<MessageHead>, Option<MessageHead>), StoreError> {
        self.read_blocking(|c| {
            let prev = c
                .prepare_cached(PREV_BY_DATE_SQL)?
                .query_row(params![list, date, id], row_to_head)
                .optional()?;
            let next = c
                .prepare_cached(NEXT_BY_DATE_SQL)?
                .query_row(params![list, date, id], row_to_head)
                .optional()?;
            Ok((prev, next))
        })
    }

    /// The query plan SQLite picks for one of the archive page queries above (`EXPLAIN QUERY
    /// PLAN`'s detail lines), so a test can prove none of them scans or sorts a whole list.
    #[doc(hidden)]
    pub fn explain_query_plan(&self, sql: &str) -> Result<Vec<String>, StoreError> {
        let sql = format!("EXPLAIN QUERY PLAN {sql}");
        self.read_blocking(|c| {
            let mut stmt = c.prepare(&sql)?;
            let n = stmt.parameter_count();
            let nulls: Vec<rusqlite::types::Null> = vec![rusqlite::types::Null; n];
            let rows =
                stmt.query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))?;
            rows.collect()
        })
    }

    /// Number of archived messages in a list.
    pub fn message_count(&self, list: &str) -> Result<i64, StoreError> {
        self.read_blocking(|c| {
            c.query_row(
                "SELECT count(*) FROM messages WHERE list = ?1",
                [list],
                |r| r.get(0),
            )
        })
    }

    /// Full-text search over subject, from and body; returns (thread id, Message-ID, subject) of
    /// the best matches.
    pub fn search(
        &self,
        list: &str,
        query: &str,
        limit: usize,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(
                "SELECT m.thread_id, m.message_id, m.subject FROM fts JOIN messages m ON m.id = fts.rowid
                 WHERE fts MATCH ?2 AND m.list = ?1 ORDER BY rank LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![list, query, limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
            rows.collect()
        })
    }
}
