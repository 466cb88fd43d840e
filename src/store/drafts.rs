//! The draft registry: each draft's current state, and the append-only event log that is its
//! history (DESIGN §2). Chair commands waiting for their confirmation are kept here too.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, StoreError};
use crate::clock::Timestamp;
use crate::values::{CallKind, CallState, Position, State, Tag};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DraftRow {
    pub list: String,
    pub name: String,
    pub rev: Option<i64>,
    pub state: State,
    pub updated_at: Timestamp,
    /// Tags beside the state (`no-adopt`, `rev-wglc`), sorted by slug.
    pub tags: Vec<Tag>,
    /// A proposal's title (`propose "…"`); empty for drafts.
    pub title: String,
    /// From `pubreq … status ps|bcp|info|exp`.
    pub intended_status: Option<String>,
    /// Set by `published DRAFT rfc NNNN`.
    pub rfc: Option<i64>,
    /// The name that replaced this one (its state is then `replaced`).
    pub replaced_by: Option<String>,
    /// The name this one replaced (a draft, or the proposal it was linked to).
    pub replaces: Option<String>,
}

const DRAFT_COLUMNS: &str =
    "list, name, rev, state, updated_at, tags, title, intended_status, rfc, replaced_by, replaces";

fn draft_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DraftRow> {
    let tags: String = r.get(5)?;
    Ok(DraftRow {
        list: r.get(0)?,
        name: r.get(1)?,
        rev: r.get(2)?,
        state: r.get(3)?,
        updated_at: r.get(4)?,
        tags: tags.split_whitespace().filter_map(Tag::from_slug).collect(),
        title: r.get(6)?,
        intended_status: r.get(7)?,
        rfc: r.get(8)?,
        replaced_by: r.get(9)?,
        replaces: r.get(10)?,
    })
}

/// What else changes with a draft (applied after its move, in the same commit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftMeta {
    pub list: String,
    pub draft: String,
    /// A new revision, announced on the list.
    pub rev: Option<i64>,
    pub add_tags: Vec<Tag>,
    pub remove_tags: Vec<Tag>,
    pub title: Option<String>,
    pub intended_status: Option<String>,
    pub rfc: Option<i64>,
    /// The link of a replacement, set on the replaced name.
    pub replaced_by: Option<String>,
    /// The link of a replacement, set on the name that takes over.
    pub replaces: Option<String>,
}

pub(crate) fn apply_meta(c: &Connection, m: &DraftMeta) -> rusqlite::Result<()> {
    let Some(tags): Option<String> = c
        .prepare_cached("SELECT tags FROM drafts WHERE list = ?1 AND name = ?2")?
        .query_row(params![m.list, m.draft], |r| r.get(0))
        .optional()?
    else {
        return Ok(());
    };
    let mut tags: std::collections::BTreeSet<String> =
        tags.split_whitespace().map(str::to_owned).collect();
    for t in &m.remove_tags {
        tags.remove(t.slug());
    }
    tags.extend(m.add_tags.iter().map(|t| t.slug().to_owned()));
    let tags = tags.into_iter().collect::<Vec<_>>().join(" ");
    c.prepare_cached(
        "UPDATE drafts SET tags = ?3, title = coalesce(?4, title),
             intended_status = coalesce(?5, intended_status), rfc = coalesce(?6, rfc),
             rev = CASE WHEN ?7 IS NULL THEN rev ELSE max(coalesce(rev, -1), ?7) END,
             replaced_by = coalesce(?8, replaced_by), replaces = coalesce(?9, replaces)
         WHERE list = ?1 AND name = ?2",
    )?
    .execute(params![
        m.list,
        m.draft,
        tags,
        m.title,
        m.intended_status,
        m.rfc,
        m.rev,
        m.replaced_by,
        m.replaces
    ])?;
    Ok(())
}

/// Records the reviewers a `review start` picked (the rotation reads these back).
pub(crate) fn assign_reviewers(
    c: &Connection,
    list: &str,
    draft: &str,
    reviewers: &[String],
    anchor: &str,
    now: Timestamp,
) -> rusqlite::Result<()> {
    // A new round supersedes the draft's earlier one: its late reviews complete nothing.
    c.prepare_cached(
        "UPDATE review_assignments SET done_at = ?3 WHERE list = ?1 AND draft = ?2 AND done_at IS NULL",
    )?
    .execute(params![list, draft, now])?;
    let mut stmt = c.prepare_cached(
        "INSERT INTO review_assignments (list, draft, reviewer, assigned_at, anchor) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for r in reviewers {
        stmt.execute(params![list, draft, r, now, anchor])?;
    }
    Ok(())
}

/// Marks one reviewer's review of a round as in; true when that was the last one outstanding
/// (and it was not already marked), so the round's completion acts once.
pub(crate) fn review_done(
    c: &Connection,
    list: &str,
    anchor: &str,
    reviewer: &str,
    now: Timestamp,
) -> rusqlite::Result<bool> {
    let marked = c
        .prepare_cached(
            "UPDATE review_assignments SET done_at = ?4
             WHERE list = ?1 AND anchor = ?2 AND reviewer = ?3 AND done_at IS NULL",
        )?
        .execute(params![list, anchor, reviewer, now])?;
    if marked == 0 {
        return Ok(false);
    }
    let left: i64 = c
        .prepare_cached(
            "SELECT count(*) FROM review_assignments WHERE list = ?1 AND anchor = ?2 AND done_at IS NULL",
        )?
        .query_row(params![list, anchor], |r| r.get(0))?;
    Ok(left == 0)
}

/// One reviewer's assignment in a review round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub draft: String,
    pub reviewer: String,
    pub anchor: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EventRow {
    pub at: Timestamp,
    pub actor: String,
    pub from_state: Option<State>,
    pub to_state: State,
    pub why: String,
    pub message_id: String,
    pub forced: bool,
}

/// A state change to record, applied only if the draft is still in `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftMove {
    pub list: String,
    pub draft: String,
    pub rev: Option<i64>,
    pub from: Option<State>,
    pub to: State,
    pub actor: String,
    pub why: String,
    pub message_id: String,
    pub forced: bool,
}

/// Applies a move if the draft is still where the command saw it; false otherwise.
pub(crate) fn apply_move(c: &Connection, m: &DraftMove, now: Timestamp) -> rusqlite::Result<bool> {
    let current: Option<State> = c
        .prepare_cached("SELECT state FROM drafts WHERE list = ?1 AND name = ?2")?
        .query_row(params![m.list, m.draft], |r| r.get(0))
        .optional()?;
    if current != m.from {
        return Ok(false);
    }
    c.prepare_cached(
        "INSERT INTO drafts (list, name, rev, state, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (list, name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at,
             rev = coalesce(excluded.rev, drafts.rev)",
    )?
    .execute(params![m.list, m.draft, m.rev, m.to, now])?;
    c.prepare_cached(
        "INSERT INTO events (list, draft, at, actor, from_state, to_state, why, message_id, forced)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        m.list,
        m.draft,
        now,
        m.actor,
        m.from,
        m.to,
        m.why,
        m.message_id,
        m.forced
    ])?;
    Ok(true)
}

pub(crate) fn insert_pending(
    c: &Connection,
    token: &str,
    subject: &str,
    body: &str,
    message_id: &str,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO pending_commands (token, subject, body, message_id) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![token, subject, body, message_id])?;
    Ok(())
}

impl Store {
    pub fn draft(&self, list: &str, name: &str) -> Result<Option<DraftRow>, StoreError> {
        self.read_blocking(|c| {
            c.query_row(
                &format!("SELECT {DRAFT_COLUMNS} FROM drafts WHERE list = ?1 AND name = ?2"),
                params![list, name],
                draft_row,
            )
            .optional()
        })
    }

    pub fn drafts(&self, list: &str) -> Result<Vec<DraftRow>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {DRAFT_COLUMNS} FROM drafts WHERE list = ?1 ORDER BY name"
            ))?;
            let rows = stmt.query_map([list], draft_row)?;
            rows.collect()
        })
    }

    /// Drafts of that name on any list.
    pub fn drafts_named(&self, name: &str) -> Result<Vec<DraftRow>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {DRAFT_COLUMNS} FROM drafts WHERE name = ?1 ORDER BY list"
            ))?;
            let rows = stmt.query_map([name], draft_row)?;
            rows.collect()
        })
    }

    /// The draft, on any list, that was published with RFC number `rfc`: (list, name).
    pub fn rfc_holder(&self, rfc: i64) -> Result<Option<(String, String)>, StoreError> {
        self.read_blocking(|c| {
            c.query_row(
                "SELECT list, name FROM drafts WHERE rfc = ?1 ORDER BY list, name LIMIT 1",
                [rfc],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })
    }

    /// A draft's history, oldest first.
    pub fn events(&self, list: &str, name: &str) -> Result<Vec<EventRow>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(
                "SELECT at, actor, from_state, to_state, why, message_id, forced FROM events
                 WHERE list = ?1 AND draft = ?2 ORDER BY id",
            )?;
            let rows = stmt.query_map(params![list, name], |r| {
                Ok(EventRow {
                    at: r.get(0)?,
                    actor: r.get(1)?,
                    from_state: r.get(2)?,
                    to_state: r.get(3)?,
                    why: r.get(4)?,
                    message_id: r.get(5)?,
                    forced: r.get(6)?,
                })
            })?;
            rows.collect()
        })
    }

    /// The command text a confirmation token stands for: (subject, body, Message-ID).
    pub fn pending_command(
        &self,
        token: &str,
    ) -> Result<Option<(String, String, String)>, StoreError> {
        self.read_blocking(|c| {
            c.query_row(
                "SELECT subject, body, message_id FROM pending_commands WHERE token = ?1",
                [token],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
        })
    }
}

/// A call (adoption, WGLC) on a draft.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CallRow {
    pub id: i64,
    pub list: String,
    pub draft: String,
    pub kind: CallKind,
    pub rev: Option<i64>,
    pub anchor: String,
    pub subject: String,
    pub opened_at: Timestamp,
    pub ends_at: Timestamp,
    pub state: CallState,
    pub closed_at: Option<Timestamp>,
}

/// One reply counted for a call, with its classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallReply {
    pub call_id: i64,
    pub message_id: String,
    pub person: String,
    pub name: String,
    pub date: Timestamp,
    pub position: Position,
    pub evidence: Option<String>,
    pub reason: Option<String>,
    /// Whether the sender was a member of the list when the reply was recorded.
    pub member: bool,
}

pub(crate) fn open_call(c: &Connection, call: &CallRow) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO calls (list, draft, kind, rev, anchor, subject, opened_at, ends_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![call.list, call.draft, call.kind, call.rev, call.anchor, call.subject, call.opened_at, call.ends_at])?;
    Ok(())
}

/// Marks an open call's reminder as sent; false when it was sent already, the call closed, or
/// its end moved since the reminder was written.
pub(crate) fn mark_reminded(
    c: &Connection,
    id: i64,
    expect_ends_at: Timestamp,
) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached(
        "UPDATE calls SET reminded = 1 WHERE id = ?1 AND reminded = 0 AND state = 'open' AND ends_at = ?2",
    )?
    .execute(params![id, expect_ends_at])?
        == 1)
}

/// Closes an open call that still ends where the closer saw it; false when it was already
/// closed (or extended meanwhile).
pub(crate) fn close_call(
    c: &Connection,
    id: i64,
    expect_ends_at: Timestamp,
    now: Timestamp,
) -> rusqlite::Result<bool> {
    end_call(c, id, expect_ends_at, now, crate::values::CallState::Closed)
}

/// Ends an open call (closed with a result, or cancelled without one) if it still ends where the
/// command saw it; false when it had already ended or was extended meanwhile.
pub(crate) fn end_call(
    c: &Connection,
    id: i64,
    expect_ends_at: Timestamp,
    now: Timestamp,
    state: crate::values::CallState,
) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached(
        "UPDATE calls SET state = ?4, closed_at = ?3
         WHERE id = ?1 AND state = 'open' AND ends_at = ?2",
    )?
    .execute(params![id, expect_ends_at, now, state])?
        == 1)
}

/// Moves an open call's deadline later; the reminder goes out again before the new end. False
/// when the call is no longer open or no longer ends where the command saw it (two extensions
/// racing: the second, computed from a stale end, does nothing).
pub(crate) fn extend_call(
    c: &Connection,
    id: i64,
    expect_ends_at: Timestamp,
    ends_at: Timestamp,
) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached(
        "UPDATE calls SET ends_at = ?3, reminded = 0
         WHERE id = ?1 AND state = 'open' AND ends_at = ?2 AND ?3 > ?2",
    )?
    .execute(params![id, expect_ends_at, ends_at])?
        == 1)
}

pub(crate) fn add_reply(c: &Connection, r: &CallReply) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT OR IGNORE INTO call_replies (call_id, message_id, person, name, date, position, evidence, reason, member)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![r.call_id, r.message_id, r.person, r.name, r.date, r.position, r.evidence, r.reason, r.member])?;
    Ok(())
}

fn call_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CallRow> {
    Ok(CallRow {
        id: r.get(0)?,
        list: r.get(1)?,
        draft: r.get(2)?,
        kind: r.get(3)?,
        rev: r.get(4)?,
        anchor: r.get(5)?,
        subject: r.get(6)?,
        opened_at: r.get(7)?,
        ends_at: r.get(8)?,
        state: r.get(9)?,
        closed_at: r.get(10)?,
    })
}

const CALL_COLUMNS: &str =
    "id, list, draft, kind, rev, anchor, subject, opened_at, ends_at, state, closed_at";

/// Every call on a draft, oldest first.
pub(crate) fn calls_of(c: &Connection, list: &str, draft: &str) -> rusqlite::Result<Vec<CallRow>> {
    let mut stmt = c.prepare(&format!(
        "SELECT {CALL_COLUMNS} FROM calls WHERE list = ?1 AND draft = ?2 ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![list, draft], call_row)?;
    rows.collect()
}

/// How long after a call closes replies to it are still recorded, as late.
pub const LATE_WINDOW: i64 = 30 * 86_400;

impl Store {
    /// Open calls of a list.
    pub fn open_calls(&self, list: &str) -> Result<Vec<CallRow>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {CALL_COLUMNS} FROM calls WHERE list = ?1 AND state = 'open' ORDER BY id"
            ))?;
            let rows = stmt.query_map([list], call_row)?;
            rows.collect()
        })
    }

    /// Calls a list post may answer: the open ones, and those closed within [`LATE_WINDOW`]
    /// (whose replies are recorded as late).
    pub fn answerable_calls(&self, list: &str, now: Timestamp) -> Result<Vec<CallRow>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {CALL_COLUMNS} FROM calls WHERE list = ?1
                 AND (state = 'open' OR (state = 'closed' AND closed_at >= ?2)) ORDER BY id"
            ))?;
            let rows = stmt.query_map(params![list, now - LATE_WINDOW], call_row)?;
            rows.collect()
        })
    }

    /// The position recorded for one message in a call (for `+1 to Carol's point` answers).
    pub fn reply_position(
        &self,
        call_id: i64,
        message_id: &str,
    ) -> Result<Option<Position>, StoreError> {
        self.read_blocking(|c| {
            c.query_row(
                "SELECT position FROM call_replies WHERE call_id = ?1 AND message_id = ?2",
                params![call_id, message_id],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Review assignments still waiting for their review, on one list.
    pub fn open_reviews(&self, list: &str) -> Result<Vec<ReviewRow>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(
                "SELECT draft, reviewer, anchor FROM review_assignments
                 WHERE list = ?1 AND done_at IS NULL ORDER BY rowid",
            )?;
            let rows = stmt.query_map([list], |r| {
                Ok(ReviewRow {
                    draft: r.get(0)?,
                    reviewer: r.get(1)?,
                    anchor: r.get(2)?,
                })
            })?;
            rows.collect()
        })
    }

    /// When each reviewer of a list was last assigned a review (absent: never).
    pub fn last_assigned(&self, list: &str) -> Result<Vec<(String, Timestamp)>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(
                "SELECT reviewer, max(assigned_at) FROM review_assignments WHERE list = ?1 GROUP BY reviewer",
            )?;
            let rows = stmt.query_map([list], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
    }

    /// Proposals (`propose "…"`) recorded on a list so far.
    pub fn proposal_count(&self, list: &str) -> Result<i64, StoreError> {
        self.read_blocking(|c| {
            c.query_row(
                "SELECT count(*) FROM events WHERE list = ?1 AND from_state IS NULL AND to_state = 'proposal'",
                [list],
                |r| r.get(0),
            )
        })
    }

    /// Open calls whose deadline has passed, on every list.
    pub fn due_calls(&self, now: Timestamp) -> Result<Vec<CallRow>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(&format!("SELECT {CALL_COLUMNS} FROM calls WHERE state = 'open' AND ends_at <= ?1 ORDER BY id"))?;
            let rows = stmt.query_map([now], call_row)?;
            rows.collect()
        })
    }

    /// Open calls within `window` seconds of their end whose reminder has not gone out.
    pub fn calls_to_remind(&self, now: Timestamp, window: i64) -> Result<Vec<CallRow>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {CALL_COLUMNS} FROM calls WHERE state = 'open' AND reminded = 0 AND ends_at > ?1 AND ends_at - ?2 <= ?1 ORDER BY id"
            ))?;
            let rows = stmt.query_map(params![now, window], call_row)?;
            rows.collect()
        })
    }

    /// The latest call on a draft, open or closed.
    pub fn latest_call(&self, list: &str, draft: &str) -> Result<Option<CallRow>, StoreError> {
        self.read_blocking(|c| {
            c.query_row(
                &format!("SELECT {CALL_COLUMNS} FROM calls WHERE list = ?1 AND draft = ?2 ORDER BY id DESC LIMIT 1"),
                params![list, draft],
                call_row,
            )
            .optional()
        })
    }

    pub fn call_replies(&self, call_id: i64) -> Result<Vec<CallReply>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(
                "SELECT call_id, message_id, person, name, date, position, evidence, reason, member FROM call_replies WHERE call_id = ?1 ORDER BY date, message_id",
            )?;
            let rows = stmt.query_map([call_id], |r| {
                Ok(CallReply {
                    call_id: r.get(0)?,
                    message_id: r.get(1)?,
                    person: r.get(2)?,
                    name: r.get(3)?,
                    date: r.get(4)?,
                    position: r.get(5)?,
                    evidence: r.get(6)?,
                    reason: r.get(7)?,
                    member: r.get(8)?,
                })
            })?;
            rows.collect()
        })
    }
}

impl Store {
    /// Which of `message_ids` are archived in `list`: a draft's history links an event to the mail
    /// that caused it only when that mail is in the list's archive (a chair's command went to
    /// `-chairs`, which is not). One lookup per id on `UNIQUE(list, message_id)`.
    pub fn archived_among(
        &self,
        list: &str,
        message_ids: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt =
                c.prepare_cached("SELECT 1 FROM messages WHERE list = ?1 AND message_id = ?2")?;
            let mut found = std::collections::HashSet::new();
            for id in message_ids {
                if !id.is_empty() && !found.contains(id) && stmt.exists(params![list, id])? {
                    found.insert(id.clone());
                }
            }
            Ok(found)
        })
    }
}
