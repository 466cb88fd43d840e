//! `published DRAFT rfc NNNN`: the RFC is out. The draft goes through the RFC Editor queue to
//! published in one step (unless the IESG already recorded it in the queue), the RFC number is
//! recorded, and "RFC NNNN on Title" goes to the list and the site's announce list.

use crate::store::{Action, DraftMove};

use super::super::error::Error;
use super::super::grammar::{ChairCommand, Cursor, ParseError};
use super::super::states::{self, Actor, State};
use super::{Entry, Env, Step, announce_everywhere, meta};

pub(super) fn parse(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let draft = c.draft()?;
    c.keyword("rfc")?;
    let rfc: u32 = c.number("an RFC number", 5)?;
    if rfc == 0 {
        return Err(c.needs("an RFC number above 0"));
    }
    Ok(ChairCommand::Published { draft, rfc })
}

pub(super) fn run(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::Published { draft, rfc } = cmd else {
        unreachable!("the table routes only published here")
    };
    let list = env.list();
    let entry = Entry::load(env, draft)?;
    let from = entry.state();
    // Through the RFC Editor queue, unless the IESG already recorded the draft there.
    let (to, why) = if from == Some(State::RfcEdQueue) {
        (State::Published, format!("published as RFC {rfc}"))
    } else {
        (State::RfcEdQueue, format!("RFC {rfc}"))
    };
    let mv = states::check(from, to, Actor::Iesg, false)?;
    // An RFC number names one document on the whole site (the store's unique index is the guard
    // behind this answer).
    let number = i64::from(*rfc);
    if let Some((other_list, other)) = env.lookup.rfc_holder(number)?
        && (other_list != list || other != entry.name)
    {
        return Err(Error::RfcTaken {
            rfc: number,
            draft: other,
            list: other_list,
        });
    }
    let rev = entry.given_rev.map(i64::from);
    let known_rev = entry.known_rev(rev);
    let (title, status) = (entry.title(), entry.status());
    let mut text = format!("ok: {}", mv.describe());
    let name = &entry.name;
    let subject = format!("RFC {rfc} on {title}");
    let body = format!(
        "A new Request for Comments is now available: RFC {rfc}, '{title}' ({name}), {}.\n\n\
         It is the product of the {} working group.\n",
        status.name(),
        env.ctx.list.name
    );
    let mut inner = vec![meta(&list, name, |m| m.rfc = Some(number))];
    inner.extend(announce_everywhere(env, &subject, &body));
    let mut then = Vec::new();
    if to == State::Published {
        then.extend(inner);
    } else {
        // `published` moves through the RFC Editor queue to published in one step.
        let last = states::check(
            Some(State::RfcEdQueue),
            State::Published,
            Actor::Iesg,
            false,
        )?;
        then.push(Action::DraftMove {
            m: DraftMove {
                list: list.clone(),
                draft: name.clone(),
                rev: known_rev,
                from: Some(State::RfcEdQueue),
                to: State::Published,
                actor: env.actor.to_owned(),
                why: format!("published as RFC {rfc}"),
                message_id: env.message_id.to_owned(),
                forced: false,
            },
            then: inner,
        });
        text.push_str(&format!("\nok: {}", last.describe()));
    }
    Ok(entry.moved(env, &mv, rev, why, then, text))
}
