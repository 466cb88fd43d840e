//! Reads for the archive's list pages: the list index, a list's threads a page at a time, and its
//! newest messages (the Atom feed). Each query walks one index from one end or from a cursor and
//! stops after `limit` rows, so a page costs the same on a thousand messages as on a million;
//! `tests/it/web_browse.rs` checks the plans with `EXPLAIN QUERY PLAN`.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::clock::Timestamp;

/// A list's archive counters (kept by every insert; see migration 11).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListStats {
    pub messages: i64,
    pub last_date: Option<Timestamp>,
}

/// One row of a list's thread index.
#[derive(Debug, Clone)]
pub struct ThreadRow {
    pub id: i64,
    pub subject: String,
    pub starter_name: String,
    pub starter_addr: String,
    pub messages: i64,
    pub participants: i64,
    pub first_date: Timestamp,
    pub last_date: Timestamp,
    /// The Message-ID of the thread's first message, which names the thread in URLs.
    pub first_message_id: String,
}

/// Where a page of threads starts: strictly older or strictly newer than (last_date, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadCursor {
    Newest,
    Before(Timestamp, i64),
    After(Timestamp, i64),
}

/// One message for the feed: enough to write an entry without the raw bytes.
#[derive(Debug, Clone)]
pub struct FeedItem {
    pub message_id: String,
    pub from_name: String,
    pub from_addr: String,
    pub subject: String,
    pub date: Timestamp,
    pub summary: String,
}

/// The threads of a list, newest activity first, before/after a cursor. Uses `threads_list`
/// (list, last_date, id) WHERE message_count > 0, walked from the cursor.
pub const THREAD_PAGE_BEFORE: &str = "SELECT t.id, t.subject, t.starter_name, t.starter_addr,
        t.message_count, t.participants, t.first_date, t.last_date,
        coalesce((SELECT m.message_id FROM messages m WHERE m.thread_id = t.id
                  ORDER BY m.date, m.id LIMIT 1), '')
     FROM threads t INDEXED BY threads_list
     WHERE t.list = ?1 AND t.message_count > 0 AND (t.last_date, t.id) < (?2, ?3)
     ORDER BY t.last_date DESC, t.id DESC LIMIT ?4";

/// [`THREAD_PAGE_BEFORE`] the other way: the page just newer than the cursor, oldest first.
pub const THREAD_PAGE_AFTER: &str = "SELECT t.id, t.subject, t.starter_name, t.starter_addr,
        t.message_count, t.participants, t.first_date, t.last_date,
        coalesce((SELECT m.message_id FROM messages m WHERE m.thread_id = t.id
                  ORDER BY m.date, m.id LIMIT 1), '')
     FROM threads t INDEXED BY threads_list
     WHERE t.list = ?1 AND t.message_count > 0 AND (t.last_date, t.id) > (?2, ?3)
     ORDER BY t.last_date ASC, t.id ASC LIMIT ?4";

/// The newest messages of a list, through `messages_list_date` (list, date, id).
pub const NEWEST_MESSAGES: &str = "SELECT message_id, from_name, from_addr, subject, date,
        substr(body_text, 1, ?3)
     FROM messages INDEXED BY messages_list_date WHERE list = ?1
     ORDER BY date DESC, id DESC LIMIT ?2";

/// The date of a list's oldest message: one step into `messages_list_date`.
pub const FIRST_MESSAGE_DATE: &str =
    "SELECT min(date) FROM messages INDEXED BY messages_list_date WHERE list = ?1";

/// A list's counters, by primary key.
pub const LIST_STATS: &str = "SELECT messages, last_date FROM archive_lists WHERE list = ?1";

impl Store {
    /// The archive counters of `list` (zero when nothing was ever archived there).
    pub fn list_stats(&self, list: &str) -> Result<ListStats, StoreError> {
        self.read_blocking(|c| {
            let row = c
                .prepare_cached(LIST_STATS)?
                .query_row([list], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
                .optional()?;
            Ok(match row {
                Some((messages, last)) => ListStats {
                    messages,
                    last_date: Some(last),
                },
                None => ListStats::default(),
            })
        })
    }

    /// The date of the oldest message of `list`, if any.
    pub fn first_message_date(&self, list: &str) -> Result<Option<Timestamp>, StoreError> {
        self.read_blocking(|c| {
            c.prepare_cached(FIRST_MESSAGE_DATE)?
                .query_row([list], |r| r.get(0))
        })
    }

    /// Up to `limit` threads of `list` from `cursor`, always returned newest first.
    pub fn thread_page(
        &self,
        list: &str,
        cursor: ThreadCursor,
        limit: usize,
    ) -> Result<Vec<ThreadRow>, StoreError> {
        let (sql, date, id, reverse) = match cursor {
            ThreadCursor::Newest => (THREAD_PAGE_BEFORE, i64::MAX, i64::MAX, false),
            ThreadCursor::Before(d, i) => (THREAD_PAGE_BEFORE, d, i, false),
            ThreadCursor::After(d, i) => (THREAD_PAGE_AFTER, d, i, true),
        };
        self.read_blocking(|c| {
            let mut stmt = c.prepare_cached(sql)?;
            let rows = stmt.query_map(params![list, date, id, limit as i64], |r| {
                Ok(ThreadRow {
                    id: r.get(0)?,
                    subject: r.get(1)?,
                    starter_name: r.get(2)?,
                    starter_addr: r.get(3)?,
                    messages: r.get(4)?,
                    participants: r.get(5)?,
                    first_date: r.get(6)?,
                    last_date: r.get(7)?,
                    first_message_id: r.get(8)?,
                })
            })?;
            let mut out: Vec<ThreadRow> = rows.collect::<rusqlite::Result<_>>()?;
            if reverse {
                out.reverse();
            }
            Ok(out)
        })
    }

    /// The `limit` newest messages of `list`, each with the first `summary_chars` characters of
    /// its text.
    pub fn newest_messages(
        &self,
        list: &str,
        limit: usize,
        summary_chars: usize,
    ) -> Result<Vec<FeedItem>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare_cached(NEWEST_MESSAGES)?;
            let rows = stmt.query_map(params![list, limit as i64, summary_chars as i64], |r| {
                Ok(FeedItem {
                    message_id: r.get(0)?,
                    from_name: r.get(1)?,
                    from_addr: r.get(2)?,
                    subject: r.get(3)?,
                    date: r.get(4)?,
                    summary: r.get(5)?,
                })
            })?;
            rows.collect()
        })
    }

    /// `EXPLAIN QUERY PLAN` of `sql` (with NULLs bound for its parameters), one detail line per
    /// step — for tests that check each page's query walks an index.
    #[doc(hidden)]
    pub fn explain(&self, sql: &str) -> Result<Vec<String>, StoreError> {
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
}
