//! The read-only commands, answered at once to anyone: `status`, `tally`, `history`
//! (`help` is the table's own, in `table.rs`).

use super::super::calls;
use super::super::error::Error;
use super::super::grammar::{ChairCommand, Cursor, IntendedStatus, ParseError};
use super::super::states::{self, State};
use super::Env;
use crate::store::DraftRow;
use crate::values::CallState;

pub(super) fn parse_status(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    Ok(ChairCommand::Status { draft: c.entry()? })
}

pub(super) fn parse_tally(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    Ok(ChairCommand::Tally { draft: c.entry()? })
}

pub(super) fn parse_history(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    Ok(ChairCommand::History { draft: c.entry()? })
}

/// The entry a read-only command names, as stored.
fn entry(env: &Env<'_>, draft: &str) -> Result<(String, DraftRow), Error> {
    let list = env.list();
    let name = states::parse_draft(draft)
        .map(|d| d.name)
        .unwrap_or_else(|_| draft.to_owned());
    match env.lookup.draft(&list, &name)? {
        None => Err(Error::NotADraft { name, list }),
        Some(d) => Ok((name, d)),
    }
}

pub(super) fn status(env: &Env<'_>, cmd: &ChairCommand) -> Result<String, Error> {
    let ChairCommand::Status { draft } = cmd else {
        unreachable!("the table routes only status here")
    };
    let (name, d) = entry(env, draft)?;
    // `replaced` is in no stage of the process.
    let stage = match d.state.stage() {
        0 => "no stage".to_owned(),
        n => format!("stage {n}"),
    };
    let mut out = format!("{name}: {} ({stage})", d.state.datatracker_name());
    if !d.title.is_empty() {
        out.push_str(&format!("; title \"{}\"", d.title));
    }
    if !d.tags.is_empty() {
        out.push_str(&format!(
            "; tags {}",
            d.tags
                .iter()
                .map(|t| t.slug())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(s) = d
        .intended_status
        .as_deref()
        .and_then(IntendedStatus::from_keyword)
    {
        out.push_str(&format!("; intended status {}", s.name()));
    }
    if let Some(rfc) = d.rfc {
        out.push_str(&format!("; RFC {rfc}"));
    }
    if let Some(by) = &d.replaced_by {
        out.push_str(&format!("; replaced by {by}"));
    }
    if let Some(old) = &d.replaces {
        out.push_str(&format!("; replaces {old}"));
    }
    // The IESG ballot, briefly, while the IESG has the draft.
    if matches!(d.state, State::IetfLc | State::IesgEval) {
        let b = super::ballot::standing(env, &name)?;
        out.push_str(&format!("; ballot: {}", b.summary()));
        for c in &b.discusses {
            out.push_str(&format!("; DISCUSS from {}", c.ad));
        }
    }
    Ok(out)
}

pub(super) fn history(env: &Env<'_>, cmd: &ChairCommand) -> Result<String, Error> {
    let ChairCommand::History { draft } = cmd else {
        unreachable!("the table routes only history here")
    };
    let (name, d) = entry(env, draft)?;
    let mut out = format!("{name}: {}", d.state);
    for e in env.lookup.events(&env.list(), &name)? {
        out.push_str(&format!(
            "\n  {} {} → {} by {}{}",
            crate::clock::ymd(e.at),
            e.from_state.map_or("(new)", State::slug),
            e.to_state,
            e.actor,
            if e.forced { " (forced)" } else { "" }
        ));
    }
    Ok(out)
}

pub(super) fn tally(env: &Env<'_>, cmd: &ChairCommand) -> Result<String, Error> {
    let ChairCommand::Tally { draft } = cmd else {
        unreachable!("the table routes only tally here")
    };
    let (name, _) = entry(env, draft)?;
    let Some(call) = env.lookup.latest_call(&env.list(), &name)? else {
        return Ok(format!("{name} has had no call"));
    };
    let t = calls::tally_of(env.ctx.list, &call, &env.lookup.call_replies(call.id)?);
    Ok(format!(
        "{}: {} call, {} {}\n{}",
        name,
        call.kind.word(),
        if call.state == CallState::Open {
            "ends"
        } else {
            "ended"
        },
        calls::ends_ymd(env.ctx.list, call.ends_at),
        super::super::tally::render_text(&t)
    ))
}
