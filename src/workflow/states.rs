//! Draft states, tags, the one transition table, and draft names (DESIGN.md §2,
//! `spec/workflow.md`).
//!
//! This module owns the question "may this actor move this draft from here to there?" and the
//! Datatracker wording of the answer. It is pure: it stores nothing and sends nothing; the caller
//! records the returned [`Move`] as an event and mails the wording.

use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::values::{State, Tag};

/// Who asks for a move. `Deadline` and `Revision` are the server itself, acting on an event rather
/// than a person: a call's deadline (or a review round completing), and a new revision announced on
/// the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// A chair of the list.
    Chair,
    /// An IESG member (site config `[iesg] members`).
    Iesg,
    /// Any member of the list.
    Member,
    /// A call's deadline passed, or all reviews of a `wg-review` round are in.
    Deadline,
    /// A new revision of the draft was announced on the list.
    Revision,
}

/// One row of the transition table: `by` may move a draft from `from` to `to`, setting `tag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// `None` for a draft the registry does not know yet.
    pub from: Option<State>,
    pub to: State,
    pub by: &'static [Actor],
    pub tag: Option<Tag>,
}

use Actor::{Chair as C, Deadline as T, Iesg as I, Member as M, Revision as R};
use State::*;

const fn t(from: Option<State>, to: State, by: &'static [Actor], tag: Option<Tag>) -> Transition {
    Transition { from, to, by, tag }
}

/// The transition table of `spec/workflow.md`, row for row. Where a row there names several
/// actors ("C: wglc close, or ⏱"), every target on that row is open to all of them. A chair
/// counts as a member, so member rows list both.
#[rustfmt::skip]
pub const TRANSITIONS: &[Transition] = &[
    t(None,               Proposal,     &[M, C], None),
    t(None,               Candidate,    &[C],    None),
    t(None,               Cfa,          &[C],    None),
    t(Some(Proposal),     Candidate,    &[C],    None),
    t(Some(Candidate),    Cfa,          &[C],    None),
    t(Some(Cfa),          Adopted,      &[C, T], None),
    t(Some(Cfa),          Candidate,    &[C, T], Some(Tag::NoAdopt)),
    t(Some(Adopted),      WgDoc,        &[C, R], None),
    t(Some(WgDoc),        WgReview,     &[C],    None),
    t(Some(WgDoc),        Wglc,         &[C],    None),
    t(Some(WgDoc),        Writeup,      &[C],    None),
    t(Some(WgDoc),        Parked,       &[C],    None),
    t(Some(WgDoc),        Dead,         &[C],    None),
    t(Some(WgDoc),        Held,         &[C],    None),
    t(Some(WgReview),     WgDoc,        &[C, T], None),
    t(Some(WgReview),     Wglc,         &[C, T], None),
    t(Some(Parked),       WgDoc,        &[C],    None),
    t(Some(Dead),         WgDoc,        &[C],    None),
    t(Some(Held),         WgDoc,        &[C],    None),
    t(Some(Wglc),         Writeup,      &[C, T], None),
    t(Some(Wglc),         WgDoc,        &[C, T], Some(Tag::RevWglc)),
    t(Some(Wglc),         ChairGoahead, &[C, T], None),
    t(Some(ChairGoahead), Writeup,      &[C],    None),
    t(Some(ChairGoahead), WgDoc,        &[C],    None),
    t(Some(ChairGoahead), Wglc,         &[C],    None),
    t(Some(Writeup),      Submitted,    &[C],    None),
    t(Some(Submitted),    IetfLc,       &[I],    None),
    t(Some(Submitted),    WgDoc,        &[I],    None),
    t(Some(IetfLc),       IesgEval,     &[I, T], None),
    t(Some(IesgEval),     Approved,     &[I],    None),
    t(Some(IesgEval),     WgDoc,        &[I],    None),
    t(Some(Approved),     RfcEdQueue,   &[I],    None),
    t(Some(RfcEdQueue),   Published,    &[I],    None),
];

/// Who may move a draft from any state to `replaced` (the spec's `any -> replaced` row, kept out of
/// [`TRANSITIONS`] so the table stays one row per move): a new revision (`✉` of the WG's
/// `draft-ietf-<wg>-…-00`) and a chair (`replaces NEW OLD`, `proposal-N is DRAFT-NN`). It is not
/// listed among a refusal's allowed next states: it is entered by those commands, never by `state`.
pub const REPLACED_BY: &[Actor] = &[C, R];

/// An accepted move, ready to be recorded as an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub from: Option<State>,
    pub to: State,
    /// The tag the move sets (`cfa` → `candidate` sets `no-adopt`), if any.
    pub tag: Option<Tag>,
    /// True when the table does not allow the move and a chair forced it; the event log says so.
    pub forced: bool,
}

impl Move {
    /// The event wording of the move: the state line, then the tag line if the move sets one.
    pub fn describe(&self) -> String {
        let mut s = describe(self.from, self.to);
        if let Some(tag) = self.tag {
            s.push('\n');
            s.push_str(&describe_tag(tag));
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The move is not in the table for this actor (and was not a chair's forced WG-side move).
    #[error("cannot move from {} to {to}; allowed next states: {}", from_name(*.from), list(.allowed))]
    Refused {
        from: Option<State>,
        to: State,
        allowed: Vec<State>,
    },
}

impl TransitionError {
    /// The states this actor could have moved the draft to.
    pub fn allowed(&self) -> &[State] {
        match self {
            TransitionError::Refused { allowed, .. } => allowed,
        }
    }
}

fn from_name(from: Option<State>) -> &'static str {
    from.map_or("(new draft)", State::slug)
}

fn list(states: &[State]) -> String {
    if states.is_empty() {
        return "none".to_owned();
    }
    states
        .iter()
        .map(|s| s.slug())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The states `actor` may move a draft to from `from`, in table order.
pub fn allowed(from: Option<State>, actor: Actor) -> Vec<State> {
    TRANSITIONS
        .iter()
        .filter(|t| t.from == from && t.by.contains(&actor))
        .map(|t| t.to)
        .collect()
}

/// May `actor` move a draft from `from` to `to`? A chair's `force` allows any move whose ends are
/// both on the WG side (stages 1–4; a new draft counts as WG side), except staying put. Force is
/// only needed, and only marked, when the table itself refuses the move.
pub fn check(
    from: Option<State>,
    to: State,
    actor: Actor,
    force: bool,
) -> Result<Move, TransitionError> {
    // `any -> replaced`: any registered name not already replaced.
    if to == State::Replaced
        && from.is_some_and(|f| f != State::Replaced)
        && REPLACED_BY.contains(&actor)
    {
        return Ok(Move {
            from,
            to,
            tag: None,
            forced: false,
        });
    }
    if let Some(row) = TRANSITIONS
        .iter()
        .find(|t| t.from == from && t.to == to && t.by.contains(&actor))
    {
        return Ok(Move {
            from,
            to,
            tag: row.tag,
            forced: false,
        });
    }
    let wg_side = from.is_none_or(State::is_wg_side) && to.is_wg_side();
    if force && actor == Actor::Chair && wg_side && from != Some(to) {
        return Ok(Move {
            from,
            to,
            tag: None,
            forced: true,
        });
    }
    Err(TransitionError::Refused {
        from,
        to,
        allowed: allowed(from, actor),
    })
}

/// The Datatracker's event wording: "IETF WG state changed to In WG Last Call from WG Document",
/// "IESG state changed to In Last Call from Submitted to IESG for Publication". The side is the
/// target's: `submitted` is a WG state there (the chair's publication request), so only
/// `ietf-lc` and stage 6 are IESG states (`replaced`, in no stage, is the WG's word). A new draft
/// has no "from" part.
pub fn describe(from: Option<State>, to: State) -> String {
    let side = if to.is_wg_side() || to == State::Submitted || to == State::Replaced {
        "IETF WG"
    } else {
        "IESG"
    };
    match from {
        Some(from) => format!(
            "{side} state changed to {} from {}",
            to.datatracker_name(),
            from.datatracker_name()
        ),
        None => format!("{side} state changed to {}", to.datatracker_name()),
    }
}

/// "Tag Revised I-D Needed - Issue raised by WGLC set."
pub fn describe_tag(tag: Tag) -> String {
    format!("Tag {} set.", tag.datatracker_name())
}

/// A validated draft name, lower-case, with the revision split off.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DraftName {
    /// `draft-smith-quic-foo`, without the revision.
    pub name: String,
    /// The trailing `-NN`, if given.
    pub rev: Option<u8>,
}

impl fmt::Display for DraftName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rev {
            Some(rev) => write!(f, "{}-{rev:02}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftNameError {
    #[error("empty draft name")]
    Empty,
    #[error("'{0}' is not a draft name: it must start with 'draft-'")]
    Prefix(String),
    #[error("'{0}' is not a draft name: after 'draft-' it must start with a letter")]
    FirstLetter(String),
    #[error("'{name}' is not a draft name: '{ch}' is not allowed (only a-z, 0-9 and '-')")]
    Char { name: String, ch: char },
    #[error(
        "'{0}' is not a draft name: at most 44 characters after 'draft-', not counting the revision"
    )]
    TooLong(String),
    #[error("'{0}' is not a draft name: it must not end with '-' or contain '--'")]
    Hyphens(String),
    #[error("'{0}' is not a draft name: only one trailing '-NN' revision is allowed")]
    TwoRevisions(String),
}

/// Parses `draft-x-y` or `draft-x-y-03`. The name rule is `^draft-[a-z][-a-z0-9]{0,43}$`; a
/// trailing `-NN` (exactly two digits after a hyphen) is always the revision, so a name itself
/// never ends in one. Input is trimmed and lower-cased first: names are case-insensitive in
/// practice and the Datatracker stores them lower-case. Beyond the regex, a trailing `-` and `--`
/// are refused, as the Datatracker does, since they can only be typos.
/// A registry entry's name: a draft (revision dropped) or a proposal, `proposal-N`.
pub fn parse_entry(s: &str) -> Result<String, DraftNameError> {
    let t = s.trim().to_ascii_lowercase();
    if let Some(n) = t.strip_prefix("proposal-")
        && !n.is_empty()
        && n.len() <= 9
        && n.bytes().all(|b| b.is_ascii_digit())
    {
        return Ok(t);
    }
    parse_draft(s).map(|d| d.name)
}

pub fn parse_draft(s: &str) -> Result<DraftName, DraftNameError> {
    let s = s.trim().to_ascii_lowercase();
    if s.is_empty() {
        return Err(DraftNameError::Empty);
    }
    let Some(rest) = s.strip_prefix("draft-") else {
        return Err(DraftNameError::Prefix(s));
    };
    // Names are ASCII; anything else is refused below by character, and must not be cut inside a
    // multi-byte character on the way there.
    if let Some(ch) = rest.chars().find(|c| !c.is_ascii()) {
        return Err(DraftNameError::Char {
            name: s.clone(),
            ch,
        });
    }
    let (body, rev) = match rest.len().checked_sub(3).map(|i| rest.split_at(i)) {
        Some((body, tail))
            if !body.is_empty()
                && tail.as_bytes()[0] == b'-'
                && tail[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            (body, Some(tail[1..].parse::<u8>().unwrap_or_default()))
        }
        _ => (rest, None),
    };
    if !body.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(DraftNameError::FirstLetter(s));
    }
    if let Some(ch) = body
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
    {
        return Err(DraftNameError::Char { name: s, ch });
    }
    if body.len() > 44 {
        return Err(DraftNameError::TooLong(s));
    }
    if body.ends_with('-') || body.contains("--") {
        return Err(DraftNameError::Hyphens(s));
    }
    // A name ending in `-NN` would read as a revision wherever it is written with none.
    let b = body.as_bytes();
    if b.len() > 3 && b[b.len() - 3] == b'-' && b[b.len() - 2..].iter().all(u8::is_ascii_digit) {
        return Err(DraftNameError::TwoRevisions(s));
    }
    Ok(DraftName {
        name: format!("draft-{body}"),
        rev,
    })
}
