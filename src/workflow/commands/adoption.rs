//! `adoption start|close|extend`: the call for adoption (stage 2).

use super::super::calls::CallKind;
use super::super::error::Error;
use super::super::grammar::{ChairCommand, Cursor, ParseError};
use super::super::states::Actor;
use super::{Env, Step, call};

pub(super) fn parse_start(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    // A proposal a chair linked to a draft (`proposal-N is DRAFT-NN`) is called by its draft.
    let (draft, rev) = if c.peek_keyword().is_some_and(|w| w.starts_with("proposal-")) {
        (c.entry()?, None)
    } else {
        let (draft, rev) = c.draft_rev()?;
        (draft, Some(rev))
    };
    let end = c.optional_end()?;
    Ok(ChairCommand::AdoptionStart { draft, rev, end })
}

pub(super) fn parse_close(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let draft = c.draft()?;
    let reason = c.optional_reason()?;
    Ok(ChairCommand::AdoptionClose { draft, reason })
}

/// `adoption cancel DRAFT reason "…"`: the call ends without a result.
pub(super) fn parse_cancel(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let draft = c.draft()?;
    let reason = c.reason()?;
    Ok(ChairCommand::AdoptionCancel { draft, reason })
}

pub(super) fn parse_extend(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let (draft, to) = call::parse_extend(c)?;
    Ok(ChairCommand::AdoptionExtend { draft, to })
}

pub(super) fn start(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::AdoptionStart { draft, rev, end } = cmd else {
        unreachable!("the table routes only adoption start here")
    };
    let draft = linked(env, draft)?;
    call::start(env, CallKind::Adoption, &draft, *rev, *end, Actor::Chair)
}

/// The draft a proposal was linked to (`proposal-N is DRAFT-NN`); a draft's own name otherwise.
fn linked(env: &Env<'_>, name: &str) -> Result<String, Error> {
    if !name.starts_with("proposal-") {
        return Ok(name.to_owned());
    }
    let list = env.list();
    match env.lookup.draft(&list, name)? {
        None => Err(Error::NotADraft {
            name: name.to_owned(),
            list,
        }),
        Some(p) => p
            .replaced_by
            .ok_or_else(|| Error::NotLinked(name.to_owned())),
    }
}

pub(super) fn close(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::AdoptionClose { draft, reason } = cmd else {
        unreachable!("the table routes only adoption close here")
    };
    call::close(env, CallKind::Adoption, draft, reason.as_deref())
}

pub(super) fn cancel(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::AdoptionCancel { draft, reason } = cmd else {
        unreachable!("the table routes only adoption cancel here")
    };
    call::cancel(env, CallKind::Adoption, draft, reason)
}

pub(super) fn extend(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::AdoptionExtend { draft, to } = cmd else {
        unreachable!("the table routes only adoption extend here")
    };
    call::extend(env, CallKind::Adoption, draft, *to)
}
