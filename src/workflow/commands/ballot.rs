//! `ballot DRAFT yes|no-objection|discuss|abstain|recuse [reason "…"]`: an IESG member's position
//! on a draft's ballot. Each AD's latest position stands, so the AD who raised a DISCUSS clears it
//! by balloting anything else. A DISCUSS raised or cleared, and the ballot reaching enough
//! positions to approve, are mailed to the chairs, the IESG and the list.
//!
//! When: in IESG Evaluation, and already during the IETF Last Call. The Datatracker opens the
//! ballot once the document is on a telechat agenda, which ADs usually set while the Last Call
//! runs, and they ballot early so a DISCUSS reaches the authors before the telechat; `approve`
//! still waits for IESG Evaluation, so an early position never shortens the Last Call.

use super::super::ballot::{self, Cast, Change, Standing};
use super::super::error::Error;
use super::super::grammar::{ChairCommand, Cursor, ParseError};
use super::super::lookup::Lookup;
use super::{Entry, Env, Step, to_list};
use crate::context::LookupError;
use crate::store::{Action, BallotRow};
use crate::values::{BallotPosition, State};

/// Longest reason an AD may give on the command line; a longer DISCUSS goes to the list.
const MAX_REASON: usize = 2000;

pub(super) fn parse(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let draft = c.draft()?;
    let what = "'yes', 'no-objection', 'discuss', 'abstain' or 'recuse'";
    let w = c.next_bare(what)?;
    let position: BallotPosition = w.parse().map_err(|_| c.expects(what, &format!("'{w}'")))?;
    let reason = c.optional_reason()?;
    if let Some(r) = &reason
        && r.len() > MAX_REASON
    {
        return Err(c.expects(
            &format!("a reason of at most {MAX_REASON} bytes"),
            &format!("{} bytes", r.len()),
        ));
    }
    if position == BallotPosition::Discuss && reason.is_none() {
        return Err(c.needs("a reason for a DISCUSS, like: discuss reason \"section 4 …\""));
    }
    Ok(ChairCommand::Ballot {
        draft,
        position,
        reason,
    })
}

/// The ballot of a draft as it stands now.
pub(super) fn standing(env: &Env<'_>, name: &str) -> Result<Standing, Error> {
    Ok(standing_of(
        env.lookup,
        &env.ctx.site.iesg.members,
        &env.list(),
        name,
    )?)
}

/// The ballot of `list`'s draft `name` for the IESG `members`, read through `lookup` (the CLI's
/// `draft show` reads it through the store): the positions of the current round, which began when
/// the draft last entered `submitted`.
pub fn standing_of(
    lookup: &dyn Lookup,
    members: &[String],
    list: &str,
    name: &str,
) -> Result<Standing, LookupError> {
    let sent: Vec<Cast> = lookup
        .ballots(list, name)?
        .into_iter()
        .map(|b| Cast {
            ad: b.ad,
            position: b.position,
            reason: b.reason,
            at: b.at,
        })
        .collect();
    let since = lookup
        .events(list, name)?
        .iter()
        .rev()
        .find(|e| e.to_state == State::Submitted)
        .map(|e| e.at);
    Ok(Standing::of(members, &sent, since))
}

pub(super) fn run(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::Ballot {
        draft,
        position,
        reason,
    } = cmd
    else {
        unreachable!("the table routes only ballot here")
    };
    let entry = Entry::load(env, draft)?;
    let name = entry.name.clone();
    let Some(state) = entry.state() else {
        return Err(Error::NotADraft {
            name,
            list: env.list(),
        });
    };
    if !matches!(state, State::IetfLc | State::IesgEval) {
        return Err(Error::NoBallot { name, state });
    }
    let ad = env.actor.to_lowercase();
    let before = standing(env, &name)?;
    let cast = Cast {
        ad: ad.clone(),
        position: *position,
        reason: reason.clone(),
        at: env.ctx.now,
    };
    let mut sent = before.positions.clone();
    sent.push(cast);
    let after = Standing::of(&env.ctx.site.iesg.members, &sent, None);
    let earlier = before.positions.iter().find(|c| c.ad == ad);

    let mut text = format!("ok: ballot position {} recorded for {ad}", position.name());
    match earlier {
        Some(e)
            if e.position == BallotPosition::Discuss && *position != BallotPosition::Discuss =>
        {
            text.push_str("; it replaces your DISCUSS, which is cleared")
        }
        Some(e) => text.push_str(&format!("; it replaces your {}", e.position.name())),
        None => {}
    }
    if *position == BallotPosition::Discuss {
        text.push_str(
            "; the draft cannot be approved while it stands: ballot again (yes, no-objection, \
             abstain or recuse) to clear it",
        );
    }
    text.push_str(&format!("; ballot: {}", after.summary()));
    if state == State::IetfLc {
        text.push_str("; the IETF Last Call is still open, and approval waits for it to close");
    }
    let mut then = Vec::new();
    if let Some(change) = ballot::change(&before, &after, &ad) {
        then = mail(
            env,
            &entry,
            &ad,
            *position,
            reason.as_deref(),
            change,
            &after,
        );
        text.push_str("; the chairs and the list are told");
    }
    let row = BallotRow {
        list: env.list(),
        draft: name,
        ad,
        position: *position,
        reason: reason.clone(),
        at: env.ctx.now,
        message_id: env.message_id.to_owned(),
    };
    Ok((
        Action::Ballot {
            row,
            expect: state,
            then,
        },
        text,
    ))
}

/// The ballot's decisive change, to the list, its chairs and the IESG.
fn mail(
    env: &Env<'_>,
    entry: &Entry,
    ad: &str,
    position: BallotPosition,
    reason: Option<&str>,
    change: Change,
    after: &Standing,
) -> Vec<Action> {
    let rev = entry
        .known_rev(entry.given_rev.map(i64::from))
        .map(|r| format!("-{r:02}"))
        .unwrap_or_default();
    let doc = format!("{}{rev}", entry.name);
    // The Datatracker's subjects for ballot positions, and one for the ballot as a whole.
    let subject = match change {
        Change::DiscussRaised => format!("{ad}'s Discuss on {doc}: (with DISCUSS)"),
        Change::DiscussCleared => format!("{ad}'s {} on {doc}: DISCUSS cleared", position.name()),
        Change::Approvable => format!("IESG ballot on {doc}: enough positions to approve"),
    };
    let mut body = format!(
        "{ad} has entered the following ballot position for {doc}: {}\n",
        position.name()
    );
    if let Some(r) = reason {
        body.push_str(&format!(
            "\n{}:\n{r}\n",
            if position == BallotPosition::Discuss {
                "DISCUSS"
            } else {
                "Reason"
            }
        ));
    }
    match change {
        Change::DiscussCleared => body.push_str(&format!("\nThis clears {ad}'s DISCUSS.\n")),
        Change::DiscussRaised => body.push_str(
            "\nThe document cannot be approved until this DISCUSS is resolved and cleared.\n",
        ),
        Change::Approvable => {}
    }
    body.push_str(&format!(
        "\nThe ballot now stands:\n{}",
        after.render_text()
    ));
    if after.approvable() {
        body.push_str("\nThe IESG may approve the document.\n");
    }
    let mut extra = env.ctx.list.chairs.clone();
    extra.extend(env.ctx.site.iesg.members.iter().map(|m| m.to_lowercase()));
    extra.sort();
    extra.dedup();
    to_list(env, &subject, &body, &extra)
}
