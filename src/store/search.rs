//! Archive search: runs a compiled [`crate::search::Query`] against the FTS5 index, for one list.
//!
//! Cost is bounded whatever the archive's size and however common the words:
//! - newest first (`SearchSort::Date`) walks the FTS5 matches by rowid, descending, and stops as
//!   soon as the page is full (`ORDER BY fts.rowid DESC LIMIT`, which FTS5 consumes itself, so
//!   nothing is sorted). The rowid is the archive's arrival order, which is date order for mail the
//!   daemon received and file order for an import; that is what "newest" means here, and why
//!   results dated by a sender's wrong clock are not misplaced to the top.
//! - best first (`SearchSort::Rank`) ranks by bm25 the newest [`RANK_WINDOW`] (2,000) matches, not all of
//!   them: ranking every match of a word found in 300,000 messages costs hundreds of
//!   milliseconds, and a reader looking for the best of so many wants a narrower query anyway.
//! - the list and the date range are checked on the joined `messages` row found by its primary
//!   key; the date range is bound parameters, never text in the SQL.
//!
//! Snippets come from FTS5's `snippet()` with control characters (`\u{2}`, `\u{3}`) around the
//! matched words; the page splits on them and escapes every piece, so no HTML is ever made in SQL.

use rusqlite::params;

use super::{Store, StoreError};
use crate::clock::Timestamp;
use crate::search::Query;

/// Results per page.
pub const PAGE_SIZE: usize = 50;
/// The last page a search serves; past it, a reader is asked to narrow the query.
pub const MAX_PAGE: usize = 10;
/// How many of the newest matches `sort=rank` orders by relevance: ranking 5,000 took 30-65 ms
/// for a common word on a loaded 2-core machine (93k messages), 2,000 keeps it near 20 ms.
pub const RANK_WINDOW: i64 = 2_000;
/// What `snippet()` puts before a matched word.
pub const MATCH_START: char = '\u{2}';
/// What `snippet()` puts after a matched word.
pub const MATCH_END: char = '\u{3}';

/// The order of results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchSort {
    /// By relevance (bm25, subject weighted above From above body), among the newest matches.
    Rank,
    /// Newest first (arrival order).
    Date,
}

/// One search result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub id: i64,
    pub message_id: String,
    pub thread_id: i64,
    pub subject: String,
    pub from_name: String,
    pub from_addr: String,
    pub date: Timestamp,
    /// Text around the matches, with [`MATCH_START`]/[`MATCH_END`] around each matched word.
    pub snippet: String,
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    /// Whether a further page has results (it may be past [`MAX_PAGE`]).
    pub more: bool,
}

const HIT_COLUMNS: &str = "m.id, m.message_id, m.thread_id, m.subject, m.from_name, m.from_addr, \
     m.date, snippet(fts, -1, char(2), char(3), '…', 24)";

/// Newest first: FTS5 yields matches by descending rowid and stops after LIMIT rows pass the
/// list and date checks. `CROSS JOIN` keeps `fts` the outer loop.
fn by_date_sql() -> String {
    format!(
        "SELECT {HIT_COLUMNS} FROM fts CROSS JOIN messages m ON m.id = fts.rowid
         WHERE fts MATCH ?1 AND m.list = ?2 AND m.date >= ?3 AND m.date < ?4
         ORDER BY fts.rowid DESC LIMIT ?5 OFFSET ?6"
    )
}

/// Best first among the newest `?7` matches; the snippet query then looks up only the page's rows
/// (FTS5 seeks by rowid under a MATCH).
fn by_rank_sql() -> String {
    format!(
        "WITH window AS (
             SELECT fts.rowid AS id, bm25(fts, 4.0, 2.0, 2.0, 1.0) AS score
             FROM fts CROSS JOIN messages m ON m.id = fts.rowid
             WHERE fts MATCH ?1 AND m.list = ?2 AND m.date >= ?3 AND m.date < ?4
             ORDER BY fts.rowid DESC LIMIT ?7
         ), best AS (
             SELECT id, score FROM window ORDER BY score, id DESC LIMIT ?5 OFFSET ?6
         )
         SELECT {HIT_COLUMNS} FROM best CROSS JOIN fts CROSS JOIN messages m
         WHERE fts MATCH ?1 AND fts.rowid = best.id AND m.id = best.id
         ORDER BY best.score, best.id DESC"
    )
}

fn sql_for(sort: SearchSort) -> String {
    match sort {
        SearchSort::Rank => by_rank_sql(),
        SearchSort::Date => by_date_sql(),
    }
}

impl Store {
    /// One page (0-based, at most [`MAX_PAGE`] - 1) of `query`'s results in `list` (the posting
    /// address).
    pub fn search_archive(
        &self,
        list: &str,
        query: &Query,
        sort: SearchSort,
        page: usize,
    ) -> Result<SearchPage, StoreError> {
        let fts = query.fts();
        let since = query.since.unwrap_or(i64::MIN);
        let until = query.until.unwrap_or(i64::MAX);
        let offset = (page.min(MAX_PAGE - 1) * PAGE_SIZE) as i64;
        let limit = PAGE_SIZE as i64 + 1;
        self.read_blocking(|c| {
            let mut stmt = c.prepare_cached(&sql_for(sort))?;
            let bind = params![fts, list, since, until, limit, offset, RANK_WINDOW];
            let mut bound = bind.to_vec();
            if sort == SearchSort::Date {
                bound.truncate(6);
            }
            let rows = stmt.query_map(bound.as_slice(), |r| {
                Ok(SearchHit {
                    id: r.get(0)?,
                    message_id: r.get(1)?,
                    thread_id: r.get(2)?,
                    subject: r.get(3)?,
                    from_name: r.get(4)?,
                    from_addr: r.get(5)?,
                    date: r.get(6)?,
                    snippet: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                })
            })?;
            let mut hits = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            let more = hits.len() > PAGE_SIZE;
            hits.truncate(PAGE_SIZE);
            Ok(SearchPage { hits, more })
        })
    }

    /// `EXPLAIN QUERY PLAN` of the search query for `sort`, one line per step, so a test can
    /// check that no step scans `messages` or sorts a whole list.
    pub fn explain_search(&self, sort: SearchSort) -> Result<Vec<String>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {}", sql_for(sort)))?;
            let n = if sort == SearchSort::Date { 6 } else { 7 };
            let args: Vec<rusqlite::types::Value> = (0..n)
                .map(|i| {
                    if i < 2 {
                        rusqlite::types::Value::Text("x".into())
                    } else {
                        rusqlite::types::Value::Integer(0)
                    }
                })
                .collect();
            let rows =
                stmt.query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))?;
            rows.collect()
        })
    }
}
