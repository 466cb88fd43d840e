//! On a `moderated = true` list every post, members' included, waits for a moderator.

use crate::pipeline::{Context, Verdict};

pub fn check(ctx: &Context<'_>) -> Verdict {
    if ctx.list.posting.moderated {
        return Verdict::Hold(format!("{} is a moderated list", ctx.list.address()));
    }
    Verdict::Continue
}
