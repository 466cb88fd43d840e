//! `wglc start|close|extend`: the WG last call (stage 4).

use super::super::calls::CallKind;
use super::super::error::Error;
use super::super::grammar::ChairCommand;
use super::super::states::Actor;
use super::{Env, Step, call};

pub(super) fn start(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::WglcStart { draft, rev, end } = cmd else {
        unreachable!("the table routes only wglc start here")
    };
    call::start(env, CallKind::Wglc, draft, Some(*rev), *end, Actor::Chair)
}

pub(super) fn close(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::WglcClose { draft } = cmd else {
        unreachable!("the table routes only wglc close here")
    };
    call::close(env, CallKind::Wglc, draft)
}

pub(super) fn extend(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::WglcExtend { draft, to } = cmd else {
        unreachable!("the table routes only wglc extend here")
    };
    call::extend(env, CallKind::Wglc, draft, *to)
}
