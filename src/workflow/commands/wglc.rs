//! `wglc start|close|extend`: the WG last call (stage 4).

use super::super::calls::CallKind;
use super::super::error::Error;
use super::super::grammar::{ChairCommand, Cursor, ParseError};
use super::super::states::Actor;
use super::{Env, Step, call};

pub(super) fn parse_start(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let (draft, rev) = c.draft_rev()?;
    let end = c.optional_end()?;
    Ok(ChairCommand::WglcStart { draft, rev, end })
}

pub(super) fn parse_close(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let draft = c.draft()?;
    let reason = c.optional_reason()?;
    Ok(ChairCommand::WglcClose { draft, reason })
}

/// `wglc cancel DRAFT reason "…"`: the call ends without a result.
pub(super) fn parse_cancel(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let draft = c.draft()?;
    let reason = c.reason()?;
    Ok(ChairCommand::WglcCancel { draft, reason })
}

pub(super) fn parse_extend(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let (draft, to) = call::parse_extend(c)?;
    Ok(ChairCommand::WglcExtend { draft, to })
}

pub(super) fn start(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::WglcStart { draft, rev, end } = cmd else {
        unreachable!("the table routes only wglc start here")
    };
    call::start(env, CallKind::Wglc, draft, Some(*rev), *end, Actor::Chair)
}

pub(super) fn close(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::WglcClose { draft, reason } = cmd else {
        unreachable!("the table routes only wglc close here")
    };
    call::close(env, CallKind::Wglc, draft, reason.as_deref())
}

pub(super) fn cancel(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::WglcCancel { draft, reason } = cmd else {
        unreachable!("the table routes only wglc cancel here")
    };
    call::cancel(env, CallKind::Wglc, draft, reason)
}

pub(super) fn extend(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::WglcExtend { draft, to } = cmd else {
        unreachable!("the table routes only wglc extend here")
    };
    call::extend(env, CallKind::Wglc, draft, *to)
}
