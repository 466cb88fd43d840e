//! `review start DRAFT reviewers N` (stage 3): N reviewers from the list's `reviewers`, least
//! recently assigned first. The round is posted to the list as one message that every review
//! threads under; reviewers who are not members get their own copy.

use crate::store::Action;

use super::super::calls;
use super::super::error::Error;
use super::super::grammar::{ChairCommand, Cursor, ParseError};
use super::super::states::{self, Actor, State};
use super::{Entry, Env, Step};

pub(super) fn parse(c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    let draft = c.draft()?;
    c.keyword("reviewers")?;
    let reviewers: u8 = c.number("a number of reviewers (1–99)", 2)?;
    if reviewers == 0 {
        return Err(c.needs("at least one reviewer"));
    }
    Ok(ChairCommand::ReviewStart { draft, reviewers })
}

pub(super) fn start(env: &Env<'_>, cmd: &ChairCommand) -> Result<Step, Error> {
    let ChairCommand::ReviewStart {
        draft,
        reviewers: n,
    } = cmd
    else {
        unreachable!("the table routes only review start here")
    };
    let ctx = env.ctx;
    let list = env.list();
    let entry = Entry::load(env, draft)?;
    let mv = states::check(entry.state(), State::WgReview, Actor::Chair, false)?;
    let rev = entry.given_rev.map(i64::from);
    let mut text = format!("ok: {}", mv.describe());
    let last = env.lookup.last_assigned(&list)?;
    let picked = pick_reviewers(&ctx.list.reviewers, &last, usize::from(*n));
    if picked.len() < usize::from(*n) {
        return Err(Error::TooFewReviewers {
            asked: *n,
            named: ctx.list.reviewers.len(),
        });
    }
    text.push_str(&format!("; reviewers: {}", picked.join(", ")));
    let name = &entry.name;
    let subject = format!("Review round: {name}");
    let body = format!(
        "The chairs of {list} start a review round of {name}.\n\nReviewers (in rotation): {}\n\n\
         Please send your review to {list}, in reply to this message. When every review is in,\n\
         the draft goes back to the working group (WG Document) and the chairs are told.\n",
        picked.join(", ")
    );
    // A list post, so every review can thread to one Message-ID; reviewers who are not members
    // get the same bytes.
    let to = calls::Audience {
        parent: None,
        extra: &picked,
    };
    let (post, anchor, _) = calls::post(
        ctx.site,
        ctx.list,
        ctx.members,
        env.deliver,
        &subject,
        &body,
        to,
        ctx.now,
    )
    .ok_or(Error::Compose("the review round's announcement"))?;
    let mut then = vec![Action::ReviewAssign {
        list: list.clone(),
        draft: name.clone(),
        reviewers: picked,
        anchor,
    }];
    then.extend(post);
    let why = format!("review round, {n} reviewers");
    Ok(entry.moved(env, &mv, rev, why, then, text))
}

/// Picks `n` reviewers in rotation: those never assigned first (in the file's order), then the
/// least recently assigned.
pub fn pick_reviewers(pool: &[String], last: &[(String, i64)], n: usize) -> Vec<String> {
    let mut order: Vec<(Option<i64>, usize, &String)> = pool
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let at = last
                .iter()
                .find(|(a, _)| a.eq_ignore_ascii_case(r))
                .map(|(_, t)| *t);
            (at, i, r)
        })
        .collect();
    order.sort();
    order
        .into_iter()
        .take(n)
        .map(|(_, _, r)| r.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::pick_reviewers;

    #[test]
    fn reviewers_rotate_least_recently_assigned_first() {
        let pool: Vec<String> = ["a@x", "b@x", "c@x"].map(String::from).to_vec();
        assert_eq!(pick_reviewers(&pool, &[], 2), ["a@x", "b@x"]);
        let last = vec![("a@x".to_owned(), 10), ("b@x".to_owned(), 10)];
        assert_eq!(pick_reviewers(&pool, &last, 2), ["c@x", "a@x"]);
        let last = vec![
            ("A@X".to_owned(), 30),
            ("b@x".to_owned(), 20),
            ("c@x".to_owned(), 25),
        ];
        assert_eq!(pick_reviewers(&pool, &last, 3), ["b@x", "c@x", "a@x"]);
        assert_eq!(pick_reviewers(&pool, &[], 5).len(), 3);
    }
}
