//! `propose "TITLE"`: any member raises a need (stage 1); it is registered as `proposal-N` and the
//! chairs are told. A chair can move it on with `state proposal-N candidate`.

use crate::store::{Action, DraftMeta, DraftMove};

use super::super::error::Error;
use super::super::grammar::{ChairCommand, Cursor, ParseError};
use super::super::states::{self, Actor, State};
use super::{Env, Step, to_some};

pub(super) fn parse(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let title = c.quoted("a title", "propose \"QUIC over pigeons\"")?;
    Ok(ChairCommand::Propose { title })
}

pub(super) fn run(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::Propose { title } = cmd else {
        unreachable!("the table routes only propose here")
    };
    let list = env.list();
    let actor = env.actor;
    let n = env.lookup.proposal_count(&list)? + 1;
    let name = format!("proposal-{n}");
    let mv = states::check(None, State::Proposal, Actor::Member, false)?;
    let subject = format!("Proposal: {title}");
    let body = format!(
        "{actor} proposes new work for {list}:\n\n    {title}\n\nIt is registered as {name}. \
         Discussion belongs on {list}; the chairs decide whether it becomes a candidate for adoption\n\
         (`state {name} candidate`).\n"
    );
    let mut then = vec![Action::DraftMeta(DraftMeta {
        list: list.clone(),
        draft: name.clone(),
        title: Some(title.to_owned()),
        ..DraftMeta::default()
    })];
    // To the chairs, not the whole list: a member's command must not bypass the list's
    // moderation. Discussion belongs on the list, posted like any other message.
    then.extend(to_some(env, &subject, &body, &env.ctx.list.chairs));
    let m = DraftMove {
        list,
        draft: name.clone(),
        rev: None,
        from: None,
        to: State::Proposal,
        actor: actor.to_owned(),
        why: title.to_owned(),
        message_id: env.message_id.to_owned(),
        forced: false,
    };
    Ok((
        Action::DraftMove { m, then },
        format!("ok: {}; registered as {name}", mv.describe()),
    ))
}
