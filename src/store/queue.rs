//! The inbound queue: raw messages as accepted over SMTP, waiting for the pipeline.

use rusqlite::{Connection, params};

use super::{Store, StoreError};
use crate::clock::Timestamp;

/// One accepted SMTP transaction.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub id: i64,
    pub received_at: Timestamp,
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub peer: String,
    pub raw: Vec<u8>,
}

impl Store {
    /// Commits an accepted message durably and returns its queue id. The SMTP session replies
    /// `250` only after this resolves.
    pub async fn enqueue(
        &self,
        received_at: Timestamp,
        mail_from: String,
        rcpt_to: Vec<String>,
        peer: String,
        raw: Vec<u8>,
    ) -> Result<i64, StoreError> {
        self.write(move |c| {
            c.prepare_cached(
                "INSERT INTO queue (received_at, mail_from, rcpt_to, peer, raw) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![received_at, mail_from, rcpt_to.join("\n"), peer, raw])?;
            Ok(c.last_insert_rowid())
        })
        .await
    }

    /// Up to `limit` unprocessed items with an id above `after`, oldest first.
    pub fn queue_pending(&self, after: i64, limit: usize) -> Result<Vec<QueueItem>, StoreError> {
        self.read_blocking(|c| pending(c, after, limit))
    }

    /// Parks an item the pipeline could not process, keeping it (and why) for an admin instead of
    /// retrying it forever or dropping it.
    pub async fn queue_park(&self, id: i64, error: String) -> Result<(), StoreError> {
        self.write(move |c| {
            c.execute(
                "UPDATE queue SET state = 'parked', error = ?2 WHERE id = ?1",
                params![id, error],
            )?;
            Ok(())
        })
        .await
    }
}

fn pending(c: &Connection, after: i64, limit: usize) -> rusqlite::Result<Vec<QueueItem>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, received_at, mail_from, rcpt_to, peer, raw FROM queue
         WHERE state = 'new' AND id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, limit as i64], |r| {
        let rcpts: String = r.get(3)?;
        Ok(QueueItem {
            id: r.get(0)?,
            received_at: r.get(1)?,
            mail_from: r.get(2)?,
            rcpt_to: rcpts.lines().map(str::to_owned).collect(),
            peer: r.get(4)?,
            raw: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// Removes a processed item; called inside the same commit that records its results, which is
/// what makes processing exactly-once.
pub(crate) fn delete_item(c: &Connection, id: i64) -> rusqlite::Result<()> {
    c.prepare_cached("DELETE FROM queue WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}
