//! Applying the pipeline's decisions for one queue item in one commit: archive, holds, deliveries
//! and the removal of the queue item happen together or not at all. That is what makes a replay
//! after a crash harmless, and the (list, Message-ID) uniqueness of the archive and the holds is
//! what keeps a message that arrives twice from being delivered twice.

use rusqlite::{Connection, OptionalExtension, params};

use super::archive::{self, ArchiveRecord};
use super::outbound::{OutboundJob, insert_job};
use super::tokens::{self, TokenRow};
use super::{Store, StoreError, holds, queue};
use crate::clock::Timestamp;
use crate::values::CallState;

/// What the pipeline decided for one list (or address) a queue item was sent to.
#[derive(Debug, Clone)]
pub enum Action {
    /// Archive the post and, if it was not already archived, deliver it.
    Post {
        archive: ArchiveRecord,
        delivery: OutboundJob,
    },
    /// Hold the post for a moderator; the notice to the poster goes out only for a new hold.
    Hold {
        list: String,
        message_id: String,
        sender: String,
        subject: String,
        reason: String,
        raw: Vec<u8>,
        /// Applied only when the hold is new (poster notice, moderation token, moderator notices).
        then: Vec<Action>,
    },
    /// Remove a held post and, only if it was still held, apply `then` (the moderator's decision,
    /// or the expiry notice). A decision arriving twice acts once.
    HoldDelete {
        list: String,
        message_id: String,
        then: Vec<Action>,
    },
    /// Keep mail for an address whose handling comes later, without answering it.
    Inbox {
        list: String,
        kind: String,
        detail: String,
        mail_from: String,
        message_id: String,
        raw: Vec<u8>,
    },
    /// Send mail (a notice, a forward) unconditionally.
    Send(OutboundJob),
    /// Nothing to do (loop, duplicate, policy); the reason is logged by the pipeline.
    Discard,
    /// Record a confirmation token.
    TokenCreate(TokenRow),
    /// Use up a token and, only if it was still valid, apply `then` — so a confirmation that
    /// arrives twice (or after expiry) acts at most once.
    Guarded {
        token: String,
        then: Vec<Action>,
        otherwise: Vec<Action>,
    },
    MemberAdd {
        list: String,
        address: String,
        name: String,
    },
    MemberRemove {
        list: String,
        address: String,
    },
    /// Send a reply to `to`, unless `to` already got `REPLY_LIMIT` replies today.
    Reply {
        to: String,
        job: OutboundJob,
        /// Sent instead of the reply that reaches the limit, so the sender learns why mail stops
        /// being answered (once a day); nothing after it.
        limit_notice: Option<OutboundJob>,
    },
    /// Record a draft's state change and its event, if the draft is still where the command saw
    /// it; `then` (result mails, announcements) follows only a move that happened.
    DraftMove {
        m: super::DraftMove,
        then: Vec<Action>,
    },
    /// Open a call (its id is assigned by the store).
    CallOpen(super::CallRow),
    /// Close a call and, only if it was still open, apply `then` (the decision and its mails).
    CallClose {
        id: i64,
        /// The deadline the decision was made against: a call extended meanwhile stays open.
        expect_ends_at: Timestamp,
        then: Vec<Action>,
    },
    /// Withdraw a call without a result and, only if it was still open with that deadline, apply
    /// `then` (the draft's move back, the notice to the list).
    CallCancel {
        id: i64,
        expect_ends_at: Timestamp,
        then: Vec<Action>,
    },
    /// Send a call's reminder (`then`) once.
    CallRemind {
        id: i64,
        /// The deadline the reminder names: after an extension it waits for the new one.
        expect_ends_at: Timestamp,
        then: Vec<Action>,
    },
    /// Record a reply's position for a call (once per Message-ID).
    CallReply(super::CallReply),
    /// Move an open call's deadline and, only if it was still open, apply `then` (the notice).
    CallExtend {
        id: i64,
        /// The end the command saw; the extension applies only if it is still that.
        expect_ends_at: Timestamp,
        ends_at: Timestamp,
        then: Vec<Action>,
        /// Applied instead when the call closed or changed first (tells the one who asked).
        otherwise: Vec<Action>,
    },
    /// Tags, title, intended status or RFC number of a draft that exists.
    DraftMeta(super::DraftMeta),
    /// Record the reviewers a `review start` picked, under the round's announcement.
    ReviewAssign {
        list: String,
        draft: String,
        reviewers: Vec<String>,
        anchor: String,
    },
    /// A reviewer's review came in; if it was the round's last, apply `then` (once).
    ReviewDone {
        list: String,
        anchor: String,
        reviewer: String,
        then: Vec<Action>,
    },
    /// Keep a chair's command text until its confirmation comes back.
    PendingCommand {
        token: String,
        subject: String,
        body: String,
        message_id: String,
    },
    /// Compare-and-set a member's bounce state: only if the member is still as `expect` says, set
    /// `set` (or remove the member when `set` is None) and apply `then`. Two bounces processed
    /// together therefore score and notify once.
    MemberUpdate {
        list: String,
        address: String,
        expect: BounceState,
        set: Option<BounceState>,
        then: Vec<Action>,
    },
    /// Record an AD's ballot position if the draft is still in `expect`, and only then apply
    /// `then` (the ballot's mail to the chairs and the list, when it changed decisively).
    Ballot {
        row: super::BallotRow,
        expect: crate::values::State,
        then: Vec<Action>,
    },
    /// Keep the shepherd write-up of a publication request (applied after its move).
    Writeup(super::WriteupRow),
    /// Compare-and-set a named counter (0 when absent): only if it still holds `expect`, set it to
    /// `set` and apply `then`. Scheduled mail (the weekly report) therefore goes out once even if
    /// two passes race or a pass is replayed after a crash.
    CounterSet {
        name: String,
        expect: i64,
        set: i64,
        then: Vec<Action>,
    },
}

impl Action {
    /// Whether this action, or one it applies when its guard holds (`then`), satisfies `f`.
    pub fn any(&self, f: &dyn Fn(&Action) -> bool) -> bool {
        if f(self) {
            return true;
        }
        let then = match self {
            Action::Hold { then, .. }
            | Action::HoldDelete { then, .. }
            | Action::Guarded { then, .. }
            | Action::DraftMove { then, .. }
            | Action::CallClose { then, .. }
            | Action::CallCancel { then, .. }
            | Action::CallRemind { then, .. }
            | Action::CallExtend { then, .. }
            | Action::ReviewDone { then, .. }
            | Action::MemberUpdate { then, .. }
            | Action::CounterSet { then, .. }
            | Action::Ballot { then, .. } => then.as_slice(),
            _ => &[],
        };
        then.iter().any(|a| a.any(f))
    }
}

/// The bounce bookkeeping of one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BounceState {
    pub bounce_score: i64,
    pub last_bounce_day: Option<i64>,
    pub delivery: crate::values::Delivery,
    pub disabled_at: Option<Timestamp>,
    pub warnings: i64,
    pub last_warning_at: Option<Timestamp>,
}

impl BounceState {
    pub fn of(m: &super::Member) -> BounceState {
        BounceState {
            bounce_score: m.bounce_score,
            last_bounce_day: m.last_bounce_day,
            delivery: m.delivery,
            disabled_at: m.disabled_at,
            warnings: m.warnings,
            last_warning_at: m.last_warning_at,
        }
    }
}

fn member_update(
    c: &Connection,
    list: &str,
    address: &str,
    expect: &BounceState,
    set: Option<&BounceState>,
) -> rusqlite::Result<bool> {
    let current = c
        .prepare_cached(
            "SELECT bounce_score, last_bounce_day, delivery, disabled_at, warnings, last_warning_at
             FROM members WHERE list = ?1 AND address = ?2",
        )?
        .query_row(params![list, address], |r| {
            Ok(BounceState {
                bounce_score: r.get(0)?,
                last_bounce_day: r.get(1)?,
                delivery: r.get(2)?,
                disabled_at: r.get(3)?,
                warnings: r.get(4)?,
                last_warning_at: r.get(5)?,
            })
        })
        .optional()?;
    if current.as_ref() != Some(expect) {
        return Ok(false);
    }
    match set {
        Some(s) => {
            c.prepare_cached(
                "UPDATE members SET bounce_score = ?3, last_bounce_day = ?4, delivery = ?5, disabled_at = ?6,
                     warnings = ?7, last_warning_at = ?8 WHERE list = ?1 AND address = ?2",
            )?
            .execute(params![
                list,
                address,
                s.bounce_score,
                s.last_bounce_day,
                s.delivery,
                s.disabled_at,
                s.warnings,
                s.last_warning_at
            ])?;
        }
        None => {
            c.prepare_cached("DELETE FROM members WHERE list = ?1 AND address = ?2")?
                .execute(params![list, address])?;
        }
    }
    Ok(true)
}

/// Most replies the command robot sends one address per day.
pub const REPLY_LIMIT: i64 = 10;

/// What happened when the actions were applied, for logging and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub archived: usize,
    pub duplicates: usize,
    pub held: usize,
    pub rate_limited: usize,
}

fn apply(
    c: &Connection,
    queue_id: i64,
    actions: &[Action],
    now: Timestamp,
) -> rusqlite::Result<Applied> {
    let applied = apply_actions(c, actions, now)?;
    queue::delete_item(c, queue_id)?;
    Ok(applied)
}

/// Applies actions inside the caller's transaction.
pub(crate) fn apply_actions(
    c: &Connection,
    actions: &[Action],
    now: Timestamp,
) -> rusqlite::Result<Applied> {
    let mut applied = Applied::default();
    for action in actions {
        match action {
            Action::Post {
                archive: rec,
                delivery,
            } => match archive::insert(c, rec)? {
                Some(_) => {
                    applied.archived += 1;
                    insert_job(c, delivery, now)?;
                }
                None => applied.duplicates += 1,
            },
            Action::Hold {
                list,
                message_id,
                sender,
                subject,
                reason,
                raw,
                then,
            } => {
                if holds::insert(c, list, message_id, sender, subject, reason, raw, now)?.is_some()
                {
                    applied.held += 1;
                    apply_actions(c, then, now)?;
                } else {
                    applied.duplicates += 1;
                }
            }
            Action::HoldDelete {
                list,
                message_id,
                then,
            } => {
                if holds::delete_by_message_id(c, list, message_id)? {
                    let inner = apply_actions(c, then, now)?;
                    applied.archived += inner.archived;
                }
            }
            Action::Inbox {
                list,
                kind,
                detail,
                mail_from,
                message_id,
                raw,
            } => {
                c.prepare_cached(
                    "INSERT OR IGNORE INTO inbox (list, kind, detail, mail_from, message_id, raw, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![list, kind, detail, mail_from, message_id, raw, now])?;
            }
            Action::Send(job) => insert_job(c, job, now)?,
            Action::Discard => {}
            Action::TokenCreate(t) => tokens::insert(c, t)?,
            Action::Guarded {
                token,
                then,
                otherwise,
            } => {
                let branch = if tokens::consume(c, token, now)? {
                    then
                } else {
                    otherwise
                };
                let inner = apply_actions(c, branch, now)?;
                applied.archived += inner.archived;
                applied.duplicates += inner.duplicates;
                applied.held += inner.held;
            }
            Action::MemberAdd {
                list,
                address,
                name,
            } => {
                c.prepare_cached(
                    "INSERT INTO members (list, address, name, joined_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (list, address) DO NOTHING",
                )?
                .execute(params![list, address.to_lowercase(), name, now])?;
            }
            Action::MemberRemove { list, address } => {
                c.prepare_cached("DELETE FROM members WHERE list = ?1 AND address = ?2")?
                    .execute(params![list, address.to_lowercase()])?;
            }
            Action::MemberUpdate {
                list,
                address,
                expect,
                set,
                then,
            } => {
                if member_update(c, list, address, expect, set.as_ref())? {
                    let inner = apply_actions(c, then, now)?;
                    applied.rate_limited += inner.rate_limited;
                }
            }
            Action::DraftMove { m, then } => {
                if super::drafts::apply_move(c, m, now)? {
                    apply_actions(c, then, now)?;
                }
            }
            Action::CallOpen(call) => super::drafts::open_call(c, call)?,
            Action::CallClose {
                id,
                expect_ends_at,
                then,
            } => {
                if super::drafts::close_call(c, *id, *expect_ends_at, now)? {
                    apply_actions(c, then, now)?;
                }
            }
            Action::CallCancel {
                id,
                expect_ends_at,
                then,
            } => {
                if super::drafts::end_call(c, *id, *expect_ends_at, now, CallState::Cancelled)? {
                    apply_actions(c, then, now)?;
                }
            }
            Action::CallReply(r) => super::drafts::add_reply(c, r)?,
            Action::CallExtend {
                id,
                expect_ends_at,
                ends_at,
                then,
                otherwise,
            } => {
                let chosen = if super::drafts::extend_call(c, *id, *expect_ends_at, *ends_at)? {
                    then
                } else {
                    otherwise
                };
                apply_actions(c, chosen, now)?;
            }
            Action::DraftMeta(m) => super::drafts::apply_meta(c, m)?,
            Action::ReviewAssign {
                list,
                draft,
                reviewers,
                anchor,
            } => super::drafts::assign_reviewers(c, list, draft, reviewers, anchor, now)?,
            Action::ReviewDone {
                list,
                anchor,
                reviewer,
                then,
            } => {
                if super::drafts::review_done(c, list, anchor, reviewer, now)? {
                    apply_actions(c, then, now)?;
                }
            }
            Action::CallRemind {
                id,
                expect_ends_at,
                then,
            } => {
                if super::drafts::mark_reminded(c, *id, *expect_ends_at)? {
                    apply_actions(c, then, now)?;
                }
            }
            Action::CounterSet {
                name,
                expect,
                set,
                then,
            } => {
                let current: i64 = c
                    .prepare_cached(
                        "SELECT coalesce((SELECT value FROM counters WHERE name = ?1), 0)",
                    )?
                    .query_row([name], |r| r.get(0))?;
                if current == *expect {
                    c.prepare_cached(
                        "INSERT INTO counters (name, value) VALUES (?1, ?2)
                         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    )?
                    .execute(params![name, set])?;
                    let inner = apply_actions(c, then, now)?;
                    applied.rate_limited += inner.rate_limited;
                }
            }
            Action::Ballot { row, expect, then } => {
                if super::ballots::cast(c, row, *expect, now)? {
                    apply_actions(c, then, now)?;
                }
            }
            Action::Writeup(w) => super::ballots::set_writeup(c, w, now)?,
            Action::PendingCommand {
                token,
                subject,
                body,
                message_id,
            } => {
                super::drafts::insert_pending(c, token, subject, body, message_id)?;
            }
            Action::Reply {
                to,
                job,
                limit_notice,
            } => {
                let sent = tokens::count_reply(c, &to.to_lowercase(), now)?;
                if sent < REPLY_LIMIT {
                    insert_job(c, job, now)?;
                } else {
                    if sent == REPLY_LIMIT {
                        tracing::info!(address = %to, limit = REPLY_LIMIT,
                            "daily reply limit reached; told once, no more answers today");
                        if let Some(notice) = limit_notice {
                            insert_job(c, notice, now)?;
                        }
                    }
                    applied.rate_limited += 1;
                }
            }
        }
    }
    Ok(applied)
}

impl Store {
    /// Applies the actions for one queue item and removes the item, atomically.
    pub async fn apply_processed(
        &self,
        queue_id: i64,
        actions: Vec<Action>,
        now: Timestamp,
    ) -> Result<Applied, StoreError> {
        self.write(move |c| apply(c, queue_id, &actions, now)).await
    }

    /// Applies a moderator's decision and removes the hold, in one commit. Returns false (and
    /// applies nothing) when the hold was already resolved, so a decision arriving twice acts once.
    ///
    /// It lives here rather than in `holds` because it applies actions: `holds` only runs the
    /// holds table's SQL, so the two modules do not import each other.
    pub fn resolve_hold(
        &self,
        id: i64,
        actions: Vec<Action>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.write_blocking(move |c| {
            if !holds::delete(c, id)? {
                return Ok(false);
            }
            apply_actions(c, &actions, now)?;
            Ok(true)
        })
    }

    /// Applies actions that belong to no queue item (scheduled work), in one commit.
    pub async fn apply_now(
        &self,
        actions: Vec<Action>,
        now: Timestamp,
    ) -> Result<Applied, StoreError> {
        self.write(move |c| apply_actions(c, &actions, now)).await
    }

    /// Submits the same work now and returns a future for its commit, so a runner can hand the
    /// writer a whole batch at once and have it share one fsync.
    pub fn apply_processed_later(
        &self,
        queue_id: i64,
        actions: Vec<Action>,
        now: Timestamp,
    ) -> impl Future<Output = Result<Applied, StoreError>> + Send + 'static {
        let rx = self.submit(move |c| apply(c, queue_id, &actions, now));
        async move { rx?.await.map_err(|_| StoreError::Closed)? }
    }
}

impl Store {
    /// A named counter's value (0 when absent); see [`Action::CounterSet`].
    pub fn counter_value(&self, name: &str) -> Result<i64, StoreError> {
        let name = name.to_owned();
        self.read_blocking(move |c| {
            c.query_row(
                "SELECT coalesce((SELECT value FROM counters WHERE name = ?1), 0)",
                [name],
                |r| r.get(0),
            )
        })
    }
}
