//! The standards workflow (DESIGN.md §2–3, `shared/spec/workflow.md`), in one home.
//!
//! The pure core takes data and `now` and returns values:
//! - [`states`]: the draft states and the one transition table;
//! - [`grammar`]: the chair-command grammar (a mail's text in, typed commands out);
//! - [`positions`]: the position classifier; [`tally`]: the count a chair reads;
//! - [`ballot`]: the IESG ballot's standing, and whether it lets the IESG approve.
//! - [`show`]: a draft as its pages show it (`draft show --json`, `/doc/DRAFT/`), read-only.
//!
//! The mail-facing shell turns mail into the store's [`Action`]s, reading through [`Lookup`]:
//! - [`commands`]: mail to `wg-chairs@`, the command table (one file per command family),
//!   authorisation and token confirmation;
//! - [`calls`]: calls announced, replies tapped into positions, closes, extensions, reminders;
//! - [`revisions`]: I-D announcements and review rounds completed by posts;
//! - [`deadlines`]: what happens on time (reminders, calls past their deadline).
//!
//! The pipeline calls in twice: [`after_post`] for each accepted post, and
//! [`commands::handle`] / [`commands::confirm`] for each `-chairs` message or confirmation. The
//! workflow never imports the pipeline: what it posts to the list as the list it delivers through
//! the [`Deliver`] function the pipeline hands it.

pub mod ballot;
pub mod calls;
pub mod commands;
pub mod deadlines;
pub mod error;
pub mod grammar;
pub mod lookup;
mod phrases;
pub mod positions;
pub mod revisions;
pub mod show;
pub mod states;
pub mod tally;

pub use error::Error;
pub use lookup::Lookup;

use crate::context::{Context, LookupError};
use crate::store::Action;

/// Runs the posting handlers (headers, prefix, archive, delivery) on a message the workflow
/// composed as a post of the list: call announcements and review rounds, which replies thread to.
pub type Deliver = fn(&Context<'_>) -> Vec<Action>;

/// What an accepted post (by the rules or by a moderator) means for the workflow: a position in
/// a call it answers, a review of a round it answers, a new revision it announces.
pub fn after_post(ctx: &Context<'_>, lookup: &dyn Lookup) -> Result<Vec<Action>, LookupError> {
    let mut actions = Vec::new();
    let list = ctx.list.address();
    let parsed = ctx.parsed;
    // As of the post's arrival: a held reply approved weeks later still answers its call.
    let open = lookup.answerable_calls(&list, ctx.item.received_at.min(ctx.now))?;
    if !open.is_empty() {
        let earlier = |call: i64| lookup.call_replies(call).unwrap_or_default();
        actions.extend(calls::tap(ctx, &open, &earlier));
    }
    if !parsed.in_reply_to.is_empty() || !parsed.references.is_empty() {
        let open = lookup.open_reviews(&list)?;
        if !open.is_empty() {
            actions.extend(revisions::review_in(ctx, &open));
        }
    }
    if revisions::announced(&parsed.subject).is_some() {
        let drafts = lookup.drafts(&list)?;
        actions.extend(revisions::on_post(ctx, &drafts));
    }
    Ok(actions)
}
