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
            let rows = stmt.query_map(params![list, since, until], |r| {
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
            })?;
            rows.collect()
        })
    }
}
