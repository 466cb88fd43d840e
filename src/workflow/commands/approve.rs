//! `approve DRAFT`: the IESG approves (IESG evaluation → approved) and announces the Protocol
//! Action to the list and the site's announce list, once the ballot allows it: no DISCUSS stands
//! and two thirds of the IESG (recusals excluded) have Yes or No Objection (`commands::ballot`).

use super::super::error::Error;
use super::super::grammar::{ChairCommand, Cursor, ParseError};
use super::super::states::{self, Actor, State};
use super::{Entry, Env, Step, announce_everywhere, ballot};

pub(super) fn parse(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    Ok(ChairCommand::Approve { draft: c.draft()? })
}

pub(super) fn run(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::Approve { draft } = cmd else {
        unreachable!("the table routes only approve here")
    };
    let entry = Entry::load(env, draft)?;
    let mv = states::check(entry.state(), State::Approved, Actor::Iesg, false)?;
    // One AD's word is not the IESG's: the ballot must allow it.
    if let Some(missing) = ballot::standing(env, &entry.name)?.missing() {
        return Err(Error::BallotBlocks(missing));
    }
    let rev = entry.given_rev.map(i64::from);
    let known_rev = entry.known_rev(rev);
    let (title, status) = (entry.title(), entry.status());
    let text = format!("ok: {}", mv.describe());
    let name = &entry.name;
    let rev_s = known_rev.map(|r| format!("-{r:02}")).unwrap_or_default();
    let subject = format!(
        "Protocol Action: '{title}' to {} ({name}{rev_s}.txt)",
        status.name()
    );
    let body = format!(
        "The IESG has approved the following document:\n- '{title}'\n  ({name}{rev_s}.txt) as {}\n\n\
         This document is the product of the {} working group.\n",
        status.name(),
        env.ctx.list.name
    );
    let then = announce_everywhere(env, &subject, &body);
    Ok(entry.moved(env, &mv, rev, "approved".into(), then, text))
}
