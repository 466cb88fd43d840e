//! Names that change: `replaces NEW OLD` (a draft renamed, or an individual draft replaced by the
//! WG's `draft-ietf-<wg>-…`) and `proposal-N is DRAFT-NN` (a proposal becomes a draft). The old
//! name moves to `replaced` and links to the new one, and the new name takes the old one's place.
//!
//! Where the new name stands: where the old one stood, with two steps that the replacement itself
//! completes — an `adopted` draft was waiting for exactly this new name, so the new one is a
//! `wg-doc`; a `proposal` linked to a draft has become a draft the chairs consider, a `candidate`.
//! A chair renaming a document in WG Last Call or with the IESG expects its place kept, not reset.
//! Tags and (for a proposal) the title come along.
//!
//! An open call is refused rather than carried: a call asks about one document at one revision,
//! under an announcement that names it, so the chairs close (or cancel) it first and call again
//! under the new name. A published RFC is never replaced, and the new name must be one the
//! registry does not know yet (a name already registered has a history of its own).

use crate::store::{Action, DraftMeta, DraftMove};

use super::super::error::Error;
use super::super::grammar::{ChairCommand, Cursor, ParseError};
use super::super::states::{self, Actor, State, parse_draft};
use super::{Entry, Env, Step};

pub(super) fn parse(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let new = c.next_bare("the new draft's name, like draft-ietf-quic-foo-00")?;
    let new = parse_draft(&new)?;
    let old = c.entry()?;
    Ok(ChairCommand::Replaces {
        new: new.name,
        rev: new.rev,
        old,
    })
}

/// `proposal-N is DRAFT-NN` (the grammar hands the line over from its first word).
pub(super) fn parse_link(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let proposal = c.entry()?;
    c.keyword("is")?;
    let (draft, rev) = c.draft_rev()?;
    Ok(ChairCommand::Link {
        proposal,
        draft,
        rev,
    })
}

pub(super) fn run(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::Replaces { new, rev, old } = cmd else {
        unreachable!("the table routes only replaces here")
    };
    take_over(env, old, new, *rev)
}

pub(super) fn link(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::Link {
        proposal,
        draft,
        rev,
    } = cmd
    else {
        unreachable!("the table routes only proposal-N is DRAFT here")
    };
    take_over(env, proposal, draft, Some(*rev))
}

/// Where the new name stands when it replaces a name in `old`.
fn place_of(old: State) -> State {
    match old {
        State::Adopted => State::WgDoc,
        State::Proposal => State::Candidate,
        other => other,
    }
}

/// `new` (at revision `rev`, if known) takes `old`'s place.
fn take_over(env: &Env<'_>, old: &str, new: &str, rev: Option<u8>) -> Result<Step, Error> {
    let list = env.list();
    let old = Entry::load(env, old)?;
    let new = Entry::load(env, new)?;
    if old.name == new.name {
        return Err(Error::ReplacesItself(old.name));
    }
    let Some(current) = old.current.clone() else {
        return Err(Error::NotADraft {
            name: old.name,
            list,
        });
    };
    if let Some(d) = &new.current {
        return Err(Error::AlreadyRegistered {
            name: new.name,
            state: d.state,
        });
    }
    if let Some(rfc) = current.rfc {
        return Err(Error::PublishedRfc {
            name: old.name,
            rfc,
        });
    }
    if old.has_open_call(env)? {
        return Err(Error::OpenCall(old.name));
    }
    let mv = states::check(Some(current.state), State::Replaced, Actor::Chair, false)?;
    let to = place_of(current.state);
    let took = states::describe(None, to);
    let text = format!(
        "ok: {}: {}\nok: {}: {took} (replaces {})",
        old.name,
        mv.describe(),
        new.name,
        old.name
    );
    let steps = replacement(
        &list,
        &current,
        &new.name,
        rev.map(i64::from),
        to,
        env.actor,
        env.message_id,
        None,
    );
    Ok((steps, text))
}

/// The moves of a replacement, as one action: `old` moves to `replaced` and links to `new`, then
/// `new` is registered in `to` with the link back, the old name's tags, and its title unless the
/// new one has its own (`title`). Also used for the WG's `-00` announcement
/// (`workflow::revisions`), so both say the same in the history.
#[allow(clippy::too_many_arguments)]
pub fn replacement(
    list: &str,
    old: &crate::store::DraftRow,
    new: &str,
    rev: Option<i64>,
    to: State,
    actor: &str,
    message_id: &str,
    title: Option<String>,
) -> Action {
    let title = title.or_else(|| (!old.title.is_empty()).then(|| old.title.clone()));
    let registered = Action::DraftMove {
        m: DraftMove {
            list: list.to_owned(),
            draft: new.to_owned(),
            rev,
            from: None,
            to,
            actor: actor.to_owned(),
            why: format!("Replaces {}", old.name),
            message_id: message_id.to_owned(),
            forced: false,
        },
        then: vec![Action::DraftMeta(DraftMeta {
            list: list.to_owned(),
            draft: new.to_owned(),
            rev,
            add_tags: old.tags.clone(),
            title,
            replaces: Some(old.name.clone()),
            ..DraftMeta::default()
        })],
    };
    Action::DraftMove {
        m: DraftMove {
            list: list.to_owned(),
            draft: old.name.clone(),
            rev: old.rev,
            from: Some(old.state),
            to: State::Replaced,
            actor: actor.to_owned(),
            why: format!("Replaced by {new}"),
            message_id: message_id.to_owned(),
            forced: false,
        },
        then: vec![
            Action::DraftMeta(DraftMeta {
                list: list.to_owned(),
                draft: old.name.clone(),
                replaced_by: Some(new.to_owned()),
                ..DraftMeta::default()
            }),
            registered,
        ],
    }
}
