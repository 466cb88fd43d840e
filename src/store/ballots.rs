//! The IESG ballot on a draft (every position an AD sent, oldest first; the latest per AD is the
//! one that stands) and the shepherd write-up a publication request carried. What a ballot means
//! for approval is the workflow's business (`workflow::ballot`); this file only keeps the rows.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, StoreError};
use crate::clock::Timestamp;
use crate::values::{BallotPosition, State};

/// One position an AD sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BallotRow {
    pub list: String,
    pub draft: String,
    /// The IESG member, lower-cased.
    pub ad: String,
    pub position: BallotPosition,
    pub reason: Option<String>,
    pub at: Timestamp,
    /// The mail that carried the `ballot` command.
    pub message_id: String,
}

/// The shepherd write-up of a draft's publication request (the latest replaces any earlier one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WriteupRow {
    pub list: String,
    pub draft: String,
    pub text: String,
    pub actor: String,
    pub at: Timestamp,
    pub message_id: String,
}

/// Records a position if the draft is still in `expect` (where the command saw it); false
/// otherwise, so a ballot confirmed after the draft moved on records nothing.
pub(crate) fn cast(
    c: &Connection,
    b: &BallotRow,
    expect: State,
    now: Timestamp,
) -> rusqlite::Result<bool> {
    let current: Option<State> = c
        .prepare_cached("SELECT state FROM drafts WHERE list = ?1 AND name = ?2")?
        .query_row(params![b.list, b.draft], |r| r.get(0))
        .optional()?;
    if current != Some(expect) {
        return Ok(false);
    }
    c.prepare_cached(
        "INSERT INTO ballots (list, draft, ad, position, reason, at, message_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        b.list,
        b.draft,
        b.ad,
        b.position,
        b.reason,
        now,
        b.message_id
    ])?;
    Ok(true)
}

pub(crate) fn set_writeup(c: &Connection, w: &WriteupRow, now: Timestamp) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO writeups (list, draft, text, actor, at, message_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (list, draft) DO UPDATE SET text = excluded.text, actor = excluded.actor,
             at = excluded.at, message_id = excluded.message_id",
    )?
    .execute(params![w.list, w.draft, w.text, w.actor, now, w.message_id])?;
    Ok(())
}

impl Store {
    /// Every position sent on a draft's ballot, oldest first.
    pub fn ballots(&self, list: &str, draft: &str) -> Result<Vec<BallotRow>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(
                "SELECT list, draft, ad, position, reason, at, message_id FROM ballots
                 WHERE list = ?1 AND draft = ?2 ORDER BY id",
            )?;
            let rows = stmt.query_map(params![list, draft], |r| {
                Ok(BallotRow {
                    list: r.get(0)?,
                    draft: r.get(1)?,
                    ad: r.get(2)?,
                    position: r.get(3)?,
                    reason: r.get(4)?,
                    at: r.get(5)?,
                    message_id: r.get(6)?,
                })
            })?;
            rows.collect()
        })
    }

    /// The shepherd write-up of a draft's publication request, if one was given.
    pub fn writeup(&self, list: &str, draft: &str) -> Result<Option<WriteupRow>, StoreError> {
        self.read_blocking(|c| {
            c.query_row(
                "SELECT list, draft, text, actor, at, message_id FROM writeups
                 WHERE list = ?1 AND draft = ?2",
                params![list, draft],
                |r| {
                    Ok(WriteupRow {
                        list: r.get(0)?,
                        draft: r.get(1)?,
                        text: r.get(2)?,
                        actor: r.get(3)?,
                        at: r.get(4)?,
                        message_id: r.get(5)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Every call on a draft, oldest first.
    pub fn calls_of(&self, list: &str, draft: &str) -> Result<Vec<super::CallRow>, StoreError> {
        self.read_blocking(|c| super::drafts::calls_of(c, list, draft))
    }
}
