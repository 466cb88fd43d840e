//! `pubreq DRAFT status ps|bcp|info|exp`: the chairs request publication (writeup → submitted);
//! the intended status is recorded and the IESG members are told.

use super::super::error::Error;
use super::super::grammar::{ChairCommand, Cursor, IntendedStatus, ParseError};
use super::super::states::{self, Actor, State};
use super::{Entry, Env, Step, meta, to_list, to_some};

pub(super) fn parse(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let draft = c.entry_with_rev()?;
    c.keyword("status")?;
    let w = c
        .next_bare("'ps', 'bcp', 'info' or 'exp'")?
        .to_ascii_lowercase();
    let status = match w.as_str() {
        "ps" => IntendedStatus::ProposedStandard,
        "bcp" => IntendedStatus::BestCurrentPractice,
        "info" => IntendedStatus::Informational,
        "exp" => IntendedStatus::Experimental,
        _ => return Err(c.expects("status ps, bcp, info or exp", &format!("'{w}'"))),
    };
    Ok(ChairCommand::Pubreq { draft, status })
}

pub(super) fn run(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::Pubreq { draft, status } = cmd else {
        unreachable!("the table routes only pubreq here")
    };
    let list = env.list();
    let entry = Entry::load(env, draft)?;
    let mv = states::check(entry.state(), State::Submitted, Actor::Chair, false)?;
    let rev = entry.given_rev.map(i64::from);
    let known_rev = entry.known_rev(rev);
    let mut text = format!("ok: {}", mv.describe());
    let name = &entry.name;
    let keyword = status.keyword().to_owned();
    let mut then = vec![meta(&list, name, |m| m.intended_status = Some(keyword))];
    let rev_s = known_rev.map(|r| format!("-{r:02}")).unwrap_or_default();
    let subject = format!("Publication requested: {name}{rev_s} as {}", status.name());
    let body = format!(
        "The chairs of {list} request the publication of {name}{rev_s} as {}.\n\n{}\n",
        status.name(),
        mv.describe()
    );
    let iesg = &env.ctx.site.iesg.members;
    if !iesg.is_empty() {
        then.extend(to_some(env, &subject, &body, iesg));
    } else {
        text.push_str("; note: no [iesg] members are configured to receive it");
    }
    // The WG sees the request on its list (the Datatracker shows it on the WG's page); the
    // mail above is the IESG's.
    let news = format!(
        "The chairs of {list} requested the publication of {name}{rev_s} as {}; the IESG has it now.\n\n{}\n",
        status.name(),
        mv.describe()
    );
    then.extend(to_list(env, &subject, &news, &[]));
    let why = format!("publication requested as {}", status.name());
    Ok(entry.moved(env, &mv, rev, why, then, text))
}
