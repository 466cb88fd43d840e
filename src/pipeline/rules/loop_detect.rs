//! A post that already carries this list's `List-Id`, or an `X-Loop` naming the list, has been
//! through the list before (an auto-forward, a misconfigured member): drop it, never repost it.

use crate::pipeline::{Context, Verdict};

pub fn check(ctx: &Context<'_>) -> Verdict {
    let id = format!("<{}>", ctx.list.list_id()).to_ascii_lowercase();
    if ctx
        .parsed
        .list_ids
        .iter()
        .any(|v| v.to_ascii_lowercase().contains(&id))
    {
        return Verdict::Discard(format!("message already carries List-Id {id}"));
    }
    let address = ctx.list.address();
    if ctx
        .parsed
        .x_loop
        .iter()
        .any(|v| v.to_ascii_lowercase().contains(&address))
    {
        return Verdict::Discard(format!("message carries X-Loop {address}"));
    }
    Verdict::Continue
}
