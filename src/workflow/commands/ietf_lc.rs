//! `ietf-lc start|close|extend`: the IETF last call (stage 5), the IESG's to run. It is
//! announced to the site's announce list too, lasts at least 14 days for a document a WG adopted
//! and 28 for one no WG adopted, and always closes into IESG evaluation.

use super::super::calls::CallKind;
use super::super::error::Error;
use super::super::grammar::{ChairCommand, Cursor, ParseError};
use super::super::states::Actor;
use super::{Env, Step, call};

/// `ietf-lc start DRAFT[-NN]`: the revision is optional (the IESG may call on the latest).
pub(super) fn parse_start(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let draft = c.entry_with_rev()?;
    let end = c.optional_end()?;
    Ok(ChairCommand::IetfLcStart { draft, end })
}

pub(super) fn parse_close(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let draft = c.draft()?;
    let reason = c.optional_reason()?;
    Ok(ChairCommand::IetfLcClose { draft, reason })
}

pub(super) fn parse_extend(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let (draft, to) = call::parse_extend(c)?;
    Ok(ChairCommand::IetfLcExtend { draft, to })
}

pub(super) fn start(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::IetfLcStart { draft, end } = cmd else {
        unreachable!("the table routes only ietf-lc start here")
    };
    call::start(env, CallKind::IetfLc, draft, None, *end, Actor::Iesg)
}

pub(super) fn close(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::IetfLcClose { draft, reason } = cmd else {
        unreachable!("the table routes only ietf-lc close here")
    };
    call::close(env, CallKind::IetfLc, draft, reason.as_deref())
}

pub(super) fn extend(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::IetfLcExtend { draft, to } = cmd else {
        unreachable!("the table routes only ietf-lc extend here")
    };
    call::extend(env, CallKind::IetfLc, draft, *to)
}
