//! What the three call families (`adoption`, `wglc`, `ietf-lc`) share: opening a call with its
//! announcement, closing it with its result, extending it.

use crate::store::{Action, CallRow, DraftMove};
use crate::values::CallState;

use super::super::calls::{self, CallKind, Called};
use super::super::error::Error;
use super::super::grammar::End;
use super::super::states::{self, Actor, State};
use super::{Entry, Env, Step, meta};

/// The entry's open call of `kind`, if it has one.
fn open_call_of(env: &Env<'_>, name: &str, kind: CallKind) -> Result<Option<CallRow>, Error> {
    Ok(env
        .lookup
        .latest_call(&env.list(), name)?
        .filter(|c| c.state == CallState::Open && c.kind == kind))
}

/// `… start DRAFT-NN [ends …]`: the draft moves to the call's state and the call is announced.
/// `rev` is the revision the command named (for `ietf-lc start`, the one its draft name gave).
pub(super) fn start(
    env: &Env<'_>,
    kind: CallKind,
    draft: &str,
    rev: Option<u8>,
    end: Option<End>,
    who: Actor,
) -> Result<Step, Error> {
    let ctx = env.ctx;
    let list = env.list();
    let entry = Entry::load(env, draft)?;
    let (to, why) = match kind {
        CallKind::Adoption => (State::Cfa, "call for adoption"),
        CallKind::Wglc => (State::Wglc, "WG last call"),
        CallKind::IetfLc => (State::IetfLc, "IETF last call"),
    };
    let mv = states::check(entry.state(), to, who, false)?;
    // `adoption start` on a draft the chairs never registered registers it as a candidate in the
    // same step (the Datatracker lets a chair call for adoption directly); the history shows both
    // moves.
    let registers = entry.state().is_none() && to == State::Cfa;
    let mv = if registers {
        states::check(None, State::Candidate, who, false)?;
        states::check(Some(State::Candidate), to, who, false)?
    } else {
        mv
    };
    let rev = rev.or(entry.given_rev).map(i64::from);
    let known_rev = entry.known_rev(rev);
    let (title, status) = (entry.title(), entry.status());
    let mut text = format!("ok: {}", mv.describe());
    if entry.has_open_call(env)? {
        return Err(Error::AlreadyOpen(entry.name));
    }
    let (default_days, min_days) = match kind {
        CallKind::Wglc => (7 * i64::from(ctx.list.workflow.wglc_weeks), 1),
        CallKind::Adoption => (7 * i64::from(ctx.list.workflow.adoption_weeks), 1),
        // RFC 6410 / the IESG's habit: 14 days for a WG document, 28 for one no WG adopted.
        CallKind::IetfLc => {
            let adopted = env
                .lookup
                .events(&list, &entry.name)?
                .iter()
                .any(|e| e.to_state == State::Adopted || e.to_state == State::WgDoc);
            let min = if adopted { 14 } else { 28 };
            (min, min)
        }
    };
    let ends_at = calls::deadline(ctx.list, ctx.now, end, default_days, min_days)?;
    let Some(call_rev) = known_rev else {
        return Err(Error::UnknownRevision(entry.name));
    };
    let called = Called {
        draft: &entry.name,
        rev: call_rev,
        title: &title,
        status: status.name(),
    };
    let (announce, call) = calls::announce(
        ctx.site,
        ctx.list,
        ctx.members,
        env.deliver,
        kind,
        &called,
        ends_at,
        ctx.now,
    )
    .ok_or(Error::Compose("the announcement"))?;
    text.push_str(&format!("; announced to the list: {}", call.subject));
    let mut then = Vec::new();
    // A new call settles what the last one's tag said.
    let cleared = match kind {
        CallKind::Adoption => Some(states::Tag::NoAdopt),
        CallKind::Wglc => Some(states::Tag::RevWglc),
        CallKind::IetfLc => None,
    };
    if let Some(tag) = cleared {
        then.push(meta(&list, &entry.name, |m| m.remove_tags = vec![tag]));
    }
    then.push(Action::CallOpen(call));
    then.extend(announce);
    if !registers {
        return Ok(entry.moved(env, &mv, rev, why.to_owned(), then, text));
    }
    let name = entry.name.clone();
    let (Action::DraftMove { mut m, then }, text) =
        entry.moved(env, &mv, rev, why.to_owned(), then, text)
    else {
        unreachable!("moved returns a move")
    };
    let registered = DraftMove {
        list,
        draft: name,
        rev,
        from: None,
        to: State::Candidate,
        actor: env.actor.to_owned(),
        why: "registered by adoption start".to_owned(),
        message_id: env.message_id.to_owned(),
        forced: false,
    };
    m.from = Some(State::Candidate);
    let text = format!(
        "ok: {}
{text}",
        states::describe(None, State::Candidate)
    );
    let then = vec![Action::DraftMove { m, then }];
    Ok((
        Action::DraftMove {
            m: registered,
            then,
        },
        text,
    ))
}

/// `… close DRAFT [reason …]`: the call closes now, its result goes to the list and the decision
/// applies. A WG call closed before its announced end needs a reason, which the result gives; an
/// IETF last call runs at least to the end it announced to the whole IETF (it can be extended,
/// not cut short).
pub(super) fn close(
    env: &Env<'_>,
    kind: CallKind,
    draft: &str,
    reason: Option<&str>,
) -> Result<Step, Error> {
    let ctx = env.ctx;
    let entry = Entry::load(env, draft)?;
    let name = entry.name.clone();
    let Some(call) = open_call_of(env, &name, kind)? else {
        return Err(Error::NoOpenCall { name, kind });
    };
    if env.opened_here(&call) {
        let then = "close it in a later one";
        return Err(Error::OpensHere { name, kind, then });
    }
    let early = ctx.now < call.ends_at;
    if early && kind == CallKind::IetfLc {
        let ends = calls::ends_ymd(ctx.list, call.ends_at);
        return Err(Error::IetfLcBeforeEnd { name, ends });
    }
    if early && reason.is_none() {
        let ends = calls::ends_ymd(ctx.list, call.ends_at);
        return Err(Error::EarlyWithoutReason { name, kind, ends });
    }
    let replies = env.lookup.call_replies(call.id)?;
    let action = calls::close(
        ctx.site,
        ctx.list,
        ctx.members,
        env.deliver,
        &call,
        &replies,
        entry.current.as_ref().map(|d| d.state),
        env.actor,
        reason.map(|r| (r, early)),
        ctx.now,
    );
    let text = format!(
        "ok: the {} call on {name} is closed; the result goes to the list",
        kind.word()
    );
    Ok((action, text))
}

/// `… cancel DRAFT reason "…"`: the call ends without a result (no tally, no decision), the draft
/// goes back where it was before the call, and the list is told why.
pub(super) fn cancel(
    env: &Env<'_>,
    kind: CallKind,
    draft: &str,
    reason: &str,
) -> Result<Step, Error> {
    let ctx = env.ctx;
    let entry = Entry::load(env, draft)?;
    let name = entry.name.clone();
    let Some(call) = open_call_of(env, &name, kind)? else {
        return Err(Error::NoOpenCall { name, kind });
    };
    if env.opened_here(&call) {
        let then = "cancel it in a later one";
        return Err(Error::OpensHere { name, kind, then });
    }
    let (from, back) = match kind {
        CallKind::Adoption => (State::Cfa, State::Candidate),
        CallKind::Wglc => (State::Wglc, State::WgDoc),
        CallKind::IetfLc => (State::IetfLc, State::Submitted),
    };
    let notice = calls::withdraw(
        ctx.site,
        ctx.list,
        ctx.members,
        env.deliver,
        &call,
        env.actor,
        reason,
        ctx.now,
    );
    let mut then = Vec::new();
    if entry.state() == Some(from) {
        // Back where it was before the call; a withdrawal decides nothing, so no tag is set.
        let mut mv = states::check(Some(from), back, Actor::Chair, false)?;
        mv.tag = None;
        let why = format!("{} withdrawn: {reason}", kind.title());
        let (action, _) = entry.moved(env, &mv, call.rev, why, Vec::new(), String::new());
        then.push(action);
    }
    then.extend(notice);
    let text = format!(
        "ok: the {} call on {name} is withdrawn without a result; the list is told",
        kind.word()
    );
    Ok((
        Action::CallCancel {
            id: call.id,
            expect_ends_at: call.ends_at,
            then,
        },
        text,
    ))
}

/// `… extend DRAFT to DATE`: the call's end moves later and the list is told.
pub(super) fn extend(
    env: &Env<'_>,
    kind: CallKind,
    draft: &str,
    to: super::super::grammar::Date,
) -> Result<Step, Error> {
    let ctx = env.ctx;
    let name = Entry::load(env, draft)?.name;
    let Some(call) = open_call_of(env, &name, kind)? else {
        return Err(Error::NoOpenCall { name, kind });
    };
    if env.opened_here(&call) {
        let then = "give its end there";
        return Err(Error::OpensHere { name, kind, then });
    }
    let ends_at = calls::deadline(ctx.list, ctx.now, Some(End::On(to)), 0, 1)?;
    if ends_at <= call.ends_at {
        return Err(Error::NotLater(calls::ends_ymd(ctx.list, call.ends_at)));
    }
    let action = calls::extend(
        ctx.site,
        ctx.list,
        ctx.members,
        env.deliver,
        &call,
        ends_at,
        env.actor,
        ctx.now,
    );
    let text = format!(
        "ok: the {} call on {name} now ends {to}; the list is told",
        kind.word()
    );
    Ok((action, text))
}

/// `… extend DRAFT to YYYY-MM-DD`, the same for every kind of call.
pub(super) fn parse_extend(
    c: &mut super::super::grammar::Cursor,
) -> Result<(String, super::super::grammar::Date), super::super::grammar::ParseError> {
    let draft = c.draft()?;
    c.keyword("to")?;
    Ok((draft, c.date()?))
}
