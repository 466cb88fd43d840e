//! Reads for the report up the structure (`wgmail report`, the weekly mail to the IESG and IAB):
//! a list's draft events within a time window. The rest of the report (drafts, open calls and
//! their replies) comes from the registry's own reads in `drafts.rs`.

use rusqlite::params;

use super::{EventRow, Store, StoreError};
use crate::clock::Timestamp;

/// One event of a list's draft registry, with the draft it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DraftEvent {
    pub draft: String,
    pub event: EventRow,
}

impl Store {
    /// A list's draft events with `since <= at < until`, oldest first. The window is half-open so
    /// that consecutive reports, each ending where the next begins, show every event exactly once.
    pub fn events_between(
        &self,
        list: &str,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<DraftEvent>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(
                "SELECT draft, at, actor, from_state, to_state, why, message_id, forced FROM events
                 WHERE list = ?1 AND at >= ?2 AND at < ?3 ORDER BY id",
            )?;
            let rows = stmt.query_map(params![list, since, until], event_row)?;
            rows.collect()
        })
    }

    /// A list's draft events with `after < id <= upto`, oldest first: the weekly report's window,
    /// by id so that every committed event falls in exactly one report.
    pub fn events_by_id(
        &self,
        list: &str,
        after: i64,
        upto: i64,
    ) -> Result<Vec<DraftEvent>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(
                "SELECT draft, at, actor, from_state, to_state, why, message_id, forced FROM events
                 WHERE list = ?1 AND id > ?2 AND id <= ?3 ORDER BY id",
            )?;
            let rows = stmt.query_map(params![list, after, upto], event_row)?;
            rows.collect()
        })
    }

    /// The id of the latest draft event (0 when there is none).
    pub fn max_event_id(&self) -> Result<i64, StoreError> {
        self.read_blocking(|c| {
            c.query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))
        })
    }
}

fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DraftEvent> {
    Ok(DraftEvent {
        draft: r.get(0)?,
        event: EventRow {
            at: r.get(1)?,
            actor: r.get(2)?,
            from_state: r.get(3)?,
            to_state: r.get(4)?,
            why: r.get(5)?,
            message_id: r.get(6)?,
            forced: r.get(7)?,
        },
    })
}
