//! `pubreq DRAFT status ps|bcp|info|exp`, then the shepherd write-up on the following lines (or
//! in a text/plain attachment): the chairs request publication (writeup → submitted). The intended
//! status and the write-up are recorded, and the IESG members get the request with the write-up,
//! the result and tally of the last WG Last Call, and how the draft reached `writeup` — plainly
//! so when it got there by a forced move rather than through a WG Last Call.

use super::super::calls;
use super::super::error::Error;
use super::super::grammar::{self, ChairCommand, Cursor, IntendedStatus, ParseError};
use super::super::states::{self, Actor, State};
use super::super::tally;
use super::{Entry, Env, Step, meta, to_list, to_some};
use crate::context::Context;
use crate::store::{Action, WriteupRow};
use crate::values::{CallKind, CallState};

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
    // The write-up is gathered by `grammar::parse` from the lines after the command.
    Ok(ChairCommand::Pubreq {
        draft,
        status,
        writeup: String::new(),
    })
}

pub(super) fn run(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::Pubreq {
        draft,
        status,
        writeup,
    } = cmd
    else {
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
    let writeup = writeup.trim();
    if !writeup.is_empty() {
        then.push(Action::Writeup(WriteupRow {
            list: list.clone(),
            draft: name.clone(),
            text: writeup.to_owned(),
            actor: env.actor.to_owned(),
            at: env.ctx.now,
            message_id: env.message_id.to_owned(),
        }));
    }
    let rev_s = known_rev.map(|r| format!("-{r:02}")).unwrap_or_default();
    let subject = format!("Publication requested: {name}{rev_s} as {}", status.name());
    let shepherd = if writeup.is_empty() {
        "No shepherd write-up was given.".to_owned()
    } else {
        format!("Shepherd write-up:\n\n{writeup}")
    };
    let body = format!(
        "The chairs of {list} request the publication of {name}{rev_s} as {}.\n\n{}\n\n\
         How the draft reached WG Consensus: Waiting for Write-Up:\n{}\n\n{}\n\n{shepherd}\n",
        status.name(),
        mv.describe(),
        how_it_got_here(env, name)?,
        last_wglc(env, name)?,
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
    if writeup.is_empty() {
        text.push_str("; no shepherd write-up was given");
    } else {
        text.push_str(&format!(
            "; the shepherd write-up ({} lines) goes with it",
            writeup.lines().count()
        ));
    }
    let why = format!("publication requested as {}", status.name());
    Ok(entry.moved(env, &mv, rev, why, then, text))
}

/// The move that last brought the draft to `writeup`, in words: through a WG Last Call, by the
/// chairs' consensus call after one, or (said plainly) by a forced or direct move without one.
fn how_it_got_here(env: &Env<'_>, name: &str) -> Result<String, Error> {
    let events = env.lookup.events(&env.list(), name)?;
    let Some(e) = events.iter().rev().find(|e| e.to_state == State::Writeup) else {
        return Ok("  (no move to writeup is recorded)".to_owned());
    };
    let from = e.from_state.map_or("(new)", State::slug);
    let when = crate::clock::ymd(e.at);
    let why = if e.why.is_empty() {
        "(no reason given)"
    } else {
        &e.why
    };
    Ok(match e.from_state {
        _ if e.forced => format!(
            "  NOT through a WG Last Call: {} forced the move from {from} on {when}.\n  Reason given: {why}",
            e.actor
        ),
        Some(State::Wglc) => format!("  Through its WG Last Call, which ended {when}: {why}"),
        Some(State::ChairGoahead) => format!(
            "  The chairs ({}) called consensus on {when} after the WG Last Call: {why}",
            e.actor
        ),
        _ => format!(
            "  NOT through a WG Last Call: {} moved it from {from} on {when}.\n  Reason given: {why}",
            e.actor
        ),
    })
}

/// The result and tally of the draft's last closed WG Last Call, as the result mail showed them.
fn last_wglc(env: &Env<'_>, name: &str) -> Result<String, Error> {
    let list = env.list();
    let calls = env.lookup.calls_of(&list, name)?;
    let Some(call) = calls
        .iter()
        .rev()
        .find(|c| c.kind == CallKind::Wglc && c.state == CallState::Closed)
    else {
        return Ok("No WG Last Call was held on this draft.".to_owned());
    };
    let t = calls::tally_of(env.ctx.list, call, &env.lookup.call_replies(call.id)?);
    let called = match call.rev {
        Some(r) => format!("{name}-{r:02}"),
        None => name.to_owned(),
    };
    // The close's move is recorded under the call's anchor, with the decision as its reason.
    let result = env
        .lookup
        .events(&list, name)?
        .into_iter()
        .find(|e| e.message_id == call.anchor && e.from_state == Some(State::Wglc))
        .map(|e| format!("\nResult: {}\n", e.why))
        .unwrap_or_default();
    Ok(format!(
        "The last WG Last Call, on {called}, ended {}.{result}\n{}",
        calls::ends_ymd(
            env.ctx.list,
            call.closed_at.unwrap_or(call.ends_at).min(call.ends_at)
        ),
        tally::render_text(&t).trim_end()
    ))
}

/// The shepherd write-up attached to the mail (its first non-empty text/plain attachment), for a
/// `pubreq` with nothing after it in the body: kept with the command while it waits for its
/// confirmation, as if written on the lines after it.
pub(super) fn attached_writeup(ctx: &Context<'_>) -> Option<String> {
    let attached = crate::message::text_attachments(&ctx.item.raw)
        .into_iter()
        .map(|t| t.trim().to_owned())
        .find(|t| !t.is_empty())?;
    // Lines that would end the write-up early are kept out of it.
    let (text, _) = grammar::writeup_lines(&attached.lines().collect::<Vec<_>>());
    Some(text)
}
