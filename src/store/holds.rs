//! Held posts: messages waiting for a moderator. Moderation actions arrive with the membership work;
//! for now a hold is recorded (and the poster told) and nothing is ever silently dropped.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, StoreError};
use crate::clock::Timestamp;

#[derive(Debug, Clone, serde::Serialize)]
pub struct HoldRecord {
    pub id: i64,
    pub list: String,
    pub message_id: String,
    pub sender: String,
    pub subject: String,
    pub reason: String,
    pub held_at: Timestamp,
}

/// Records a hold unless this (list, Message-ID) is already held; returns the new id.
pub(crate) fn insert(
    c: &Connection,
    list: &str,
    message_id: &str,
    sender: &str,
    subject: &str,
    reason: &str,
    raw: &[u8],
    now: Timestamp,
) -> rusqlite::Result<Option<i64>> {
    let exists: Option<i64> = c
        .prepare_cached("SELECT id FROM holds WHERE list = ?1 AND message_id = ?2")?
        .query_row(params![list, message_id], |r| r.get(0))
        .optional()?;
    if exists.is_some() {
        return Ok(None);
    }
    c.prepare_cached(
        "INSERT INTO holds (list, message_id, sender, subject, reason, raw, held_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![list, message_id, sender, subject, reason, raw, now])?;
    Ok(Some(c.last_insert_rowid()))
}

/// Removes hold `id`; false if it was already gone (resolved by someone else first).
pub(crate) fn delete(c: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached("DELETE FROM holds WHERE id = ?1")?
        .execute([id])?
        == 1)
}

/// Removes the hold of (list, Message-ID); false if there was none.
pub(crate) fn delete_by_message_id(
    c: &Connection,
    list: &str,
    message_id: &str,
) -> rusqlite::Result<bool> {
    Ok(
        c.prepare_cached("DELETE FROM holds WHERE list = ?1 AND message_id = ?2")?
            .execute(params![list, message_id])?
            == 1,
    )
}

/// A row of `SELECT id, list, message_id, sender, subject, reason, held_at, raw FROM holds`.
fn hold_with_raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<(HoldRecord, Vec<u8>)> {
    Ok((
        HoldRecord {
            id: r.get(0)?,
            list: r.get(1)?,
            message_id: r.get(2)?,
            sender: r.get(3)?,
            subject: r.get(4)?,
            reason: r.get(5)?,
            held_at: r.get(6)?,
        },
        r.get(7)?,
    ))
}

impl Store {
    /// One held post with its raw message.
    pub fn hold(&self, id: i64) -> Result<Option<(HoldRecord, Vec<u8>)>, StoreError> {
        self.read_blocking(|c| {
            c.query_row(
                "SELECT id, list, message_id, sender, subject, reason, held_at, raw FROM holds WHERE id = ?1",
                [id],
                hold_with_raw,
            )
            .optional()
        })
    }

    /// A held post by list and Message-ID, with its raw message.
    pub fn hold_by_message_id(
        &self,
        list: &str,
        message_id: &str,
    ) -> Result<Option<(HoldRecord, Vec<u8>)>, StoreError> {
        let id: Option<i64> = self.read_blocking(|c| {
            c.query_row(
                "SELECT id FROM holds WHERE list = ?1 AND message_id = ?2",
                params![list, message_id],
                |r| r.get(0),
            )
            .optional()
        })?;
        match id {
            Some(id) => self.hold(id),
            None => Ok(None),
        }
    }

    /// Holds older than `before`, every list, with their raw messages.
    pub async fn expired_holds(
        &self,
        before: Timestamp,
    ) -> Result<Vec<(HoldRecord, Vec<u8>)>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare(
                "SELECT id, list, message_id, sender, subject, reason, held_at, raw FROM holds
                 WHERE held_at < ?1 ORDER BY id LIMIT 500",
            )?;
            let rows = stmt.query_map([before], hold_with_raw)?;
            rows.collect()
        })
        .await
    }

    pub fn holds(&self, list: &str) -> Result<Vec<HoldRecord>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(
                "SELECT id, list, message_id, sender, subject, reason, held_at FROM holds
                 WHERE list = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([list], |r| {
                Ok(HoldRecord {
                    id: r.get(0)?,
                    list: r.get(1)?,
                    message_id: r.get(2)?,
                    sender: r.get(3)?,
                    subject: r.get(4)?,
                    reason: r.get(5)?,
                    held_at: r.get(6)?,
                })
            })?;
            rows.collect()
        })
    }
}
