//! `state DRAFT SLUG [force] [reason "…"]` and `candidate DRAFT`: plain moves in the transition
//! table, for the chairs (and, for the IESG's own moves such as returning a document to the WG,
//! for IESG members). A state that comes with a call, an announcement or a record is entered by
//! its own command, never by `state`.

use super::super::error::Error;
use super::super::grammar::{ChairCommand, Cursor, ParseError};
use super::super::states::{self, Actor, State};
use super::{Entry, Env, Step, to_list};

pub(super) fn parse_candidate(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    Ok(ChairCommand::Candidate { draft: c.draft()? })
}

pub(super) fn parse(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let draft = c.entry_with_rev()?;
    let slug = c.next_bare("a state, like wg-doc")?;
    let to = State::from_slug(&slug).ok_or(ParseError::UnknownState(slug))?;
    let force = c.peek_keyword().as_deref() == Some("force");
    if force {
        c.skip();
    }
    let reason = if c.peek_keyword().as_deref() == Some("reason") {
        c.skip();
        Some(c.quoted("a reason", "reason \"the authors asked\"")?)
    } else {
        None
    };
    // DESIGN.md §2: chairs may force a move "with a reason; it is logged".
    if force && reason.is_none() {
        return Err(ParseError::ForceWithoutReason);
    }
    Ok(ChairCommand::State {
        draft,
        to,
        force,
        reason,
    })
}

pub(super) fn candidate(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::Candidate { draft } = cmd else {
        unreachable!("the table routes only candidate here")
    };
    let entry = Entry::load(env, draft)?;
    let mv = states::check(entry.state(), State::Candidate, Actor::Chair, false)?;
    let rev = entry.given_rev.map(i64::from);
    let text = format!("ok: {}", mv.describe());
    Ok(entry.moved(env, &mv, rev, "candidate".into(), Vec::new(), text))
}

pub(super) fn run(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::State {
        draft,
        to,
        force,
        reason,
    } = cmd
    else {
        unreachable!("the table routes only state here")
    };
    let (to, force) = (*to, *force);
    let entry = Entry::load(env, draft)?;
    let from = entry.state();
    // A chair's command, and an IESG member's for the IESG's own moves (returning a document to
    // the WG from submitted or IESG evaluation).
    let as_chair = env.ctx.list.is_chair(env.actor);
    let as_iesg = env.ctx.site.iesg.is_member(env.actor);
    let mv = match (as_chair, as_iesg) {
        (true, true) => states::check(from, to, Actor::Chair, force)
            .or_else(|_| states::check(from, to, Actor::Iesg, false)),
        (false, true) => states::check(from, to, Actor::Iesg, false),
        _ => states::check(from, to, Actor::Chair, force),
    }?;
    if entry.has_open_call(env)? {
        return Err(Error::OpenCall(entry.name));
    }
    // States that come with a call, an announcement or a record are entered by their own
    // command, never by `state` (which would leave, say, a WGLC with no call to close).
    if let Some(how) = entered_by(to) {
        let does = match to {
            State::Cfa | State::Wglc | State::IetfLc => "opens and announces the call",
            State::WgReview => "assigns and tells the reviewers",
            State::Submitted => "records the intended status and tells the IESG",
            _ => "announces it",
        };
        return Err(Error::OwnCommand { to, how, does });
    }
    let rev = entry.given_rev.map(i64::from);
    let mut text = format!("ok: {}", mv.describe());
    let why = reason.clone().unwrap_or_default();
    // The IESG returning a document to the WG is news for the WG: the chairs and the list hear
    // it, with the reason (the Datatracker mails the chairs and shows it on the WG's page).
    let mut then = Vec::new();
    if to == State::WgDoc && from.is_some_and(|f| !f.is_wg_side()) {
        let name = &entry.name;
        let subject = format!("Returned to the working group: {name}");
        let reason = match reason {
            Some(r) => format!("Reason:\n{r}"),
            None => "No reason was given.".to_owned(),
        };
        let body = format!(
            "{actor} returned {name} to the {wg} working group.\n\n{reason}\n\n{}\n",
            mv.describe(),
            actor = env.actor,
            wg = env.ctx.list.name,
        );
        then = to_list(env, &subject, &body, &[]);
        text.push_str("; the chairs and the list are told");
    }
    Ok(entry.moved(env, &mv, rev, why, then, text))
}

/// The command that enters a state a plain `state` must not.
fn entered_by(to: State) -> Option<&'static str> {
    Some(match to {
        State::Cfa => "adoption start DRAFT-NN",
        State::Wglc => "wglc start DRAFT-NN",
        State::WgReview => "review start DRAFT reviewers N",
        State::Submitted => "pubreq DRAFT status ps|bcp|info|exp",
        State::IetfLc => "ietf-lc start DRAFT",
        State::Approved => "approve DRAFT",
        State::Published => "published DRAFT rfc NNNN",
        _ => return None,
    })
}
