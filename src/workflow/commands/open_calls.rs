//! `calls`: the list's open calls, each with its draft, kind and last day. Read-only.

use super::super::calls;
use super::super::error::Error;
use super::super::grammar::{ChairCommand, Cursor, ParseError};
use super::Env;

pub(super) fn parse(_c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    Ok(ChairCommand::Calls)
}

pub(super) fn run(env: &Env<'_>, _cmd: &ChairCommand) -> Result<String, Error> {
    let open = env.lookup.open_calls(&env.list())?;
    if open.is_empty() {
        return Ok(format!("{} has no open call", env.list()));
    }
    let lines: Vec<String> = open
        .iter()
        .map(|c| {
            let rev = c.rev.map(|r| format!("-{r:02}")).unwrap_or_default();
            let ends = calls::ends_ymd(env.ctx.list, c.ends_at);
            format!("{}{rev}: {}, ends {ends}", c.draft, c.kind.title())
        })
        .collect();
    Ok(lines.join("\n"))
}
