//! `consensus DRAFT reached|not-reached reason "…"` (or the reason as the rest of the line): a chair's call of
//! rough consensus (under `decision = "chair"`, or after a WGLC left the draft in chair-goahead).
//! The draft moves, the reason is recorded, and the list is told.

use super::super::error::Error;
use super::super::grammar::{ChairCommand, Cursor, ParseError};
use super::super::states::{self, Actor, State};
use super::{Entry, Env, Step, to_list};

/// `consensus DRAFT reached|not-reached [reason] "…"`: the reason is quoted or the rest of the line.
pub(super) fn parse(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let draft = c.draft()?;
    let word = c
        .next_bare("'reached' or 'not-reached'")?
        .to_ascii_lowercase();
    let reached = match word.as_str() {
        "reached" => true,
        "not-reached" => false,
        _ => return Err(c.expects("'reached' or 'not-reached'", &format!("'{word}'"))),
    };
    let reason = c.reason()?;
    Ok(ChairCommand::Consensus {
        draft,
        reached,
        reason,
    })
}

pub(super) fn run(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::Consensus {
        draft,
        reached,
        reason,
    } = cmd
    else {
        unreachable!("the table routes only consensus here")
    };
    let list = env.list();
    let name = states::parse_draft(draft)?.name;
    let entry = Entry::load(env, &name)?;
    if entry.current.is_none() {
        return Err(Error::NotADraft { name, list });
    }
    if entry.has_open_call(env)? {
        return Err(Error::StillOpen(entry.name));
    }
    let from = entry.state();
    let to = match (from, *reached) {
        (Some(State::ChairGoahead), true) => State::Writeup,
        (Some(State::ChairGoahead), false) => State::WgDoc,
        (Some(State::Cfa), true) => State::Adopted,
        (Some(State::Cfa), false) => State::Candidate,
        _ => {
            let state = entry
                .current
                .map(|d| d.state.slug().to_owned())
                .unwrap_or_default();
            return Err(Error::NoConsensus {
                name: entry.name,
                state,
            });
        }
    };
    let mv = states::check(from, to, Actor::Chair, false)?;
    let verdict = if *reached { "reached" } else { "not reached" };
    let name = &entry.name;
    let subject = format!("Consensus on {name}: {verdict}");
    let body = format!(
        "The chairs of {list} declare that consensus on {name} was {verdict}.\n\nReason:\n{reason}\n\n{}\n",
        mv.describe()
    );
    let then = to_list(env, &subject, &body, &[]);
    let rev = entry.current.as_ref().and_then(|d| d.rev);
    let text = format!("ok: {}; announced to the list", mv.describe());
    let why = format!("consensus {verdict}: {reason}");
    Ok(entry.moved(env, &mv, rev, why, then, text))
}
